"""Notification schedule: quiet hours, maintenance windows, cooldown/grouping/escalation settings.

The notifier reads these through `Schedule.in_quiet_hours(now)` and `in_maintenance(...)`; the
alert engine uses maintenance windows to hold back new alerts for resources under planned work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pulse.alerts.model import parse_rfc3339, rfc3339
from pulse.alerts.parsing import (
    AlertConfigError,
    as_list,
    as_object,
    boolean,
    integer,
    string,
    strings,
)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# JavaScript's getDay() numbering, which the dashboard sometimes sends: "0" = Sunday.
_JS_DAY = {"0": "sunday", "1": "monday", "2": "tuesday", "3": "wednesday", "4": "thursday",
           "5": "friday", "6": "saturday"}  # fmt: skip
MAX_WINDOWS = 200
# The notifier's own defaults, used when the schedule says 0 (upstream: "zeros are ignored").
DEFAULT_COOLDOWN_S = 5 * 60.0
DEFAULT_WINDOW_S = 30.0
MAX_WINDOW_S = 3600.0  # a batch never waits longer than this, whatever the settings say


class ResourceRef(Protocol):
    """What maintenance matching needs; `Alert` and the engine's `Subject` have these."""

    @property
    def resource_id(self) -> str: ...
    @property
    def node(self) -> str: ...
    @property
    def instance(self) -> str: ...


class LevelledRef(ResourceRef, Protocol):
    """An alert as notification policy sees it (`Alert`)."""

    @property
    def level(self) -> str: ...


def _clock(text: str, path: str) -> int:
    """`HH:MM` → minutes after midnight."""
    hours, sep, minutes = text.partition(":")
    # ASCII only: isdigit() also passes '²', which int() rejects
    if not (sep and text.isascii() and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise AlertConfigError(f"{path} must be a time as HH:MM")
    h, m = int(hours), int(minutes)
    if h > 23 or m > 59:
        raise AlertConfigError(f"{path} must be a time as HH:MM")
    return h * 60 + m


@dataclass(frozen=True, slots=True)
class QuietHours:
    enabled: bool = False
    start: str = "22:00"
    end: str = "08:00"
    timezone: str = "UTC"
    days: tuple[str, ...] = WEEKDAYS  # weekdays on which the window *starts*

    def active(self, now: datetime) -> bool:
        """True inside the window. A window that wraps midnight (22:00-08:00) belongs to the
        day it starts on: Friday 22:00 → Saturday 08:00 is quiet when Friday is ticked."""
        if not self.enabled:
            return False
        start, end = _clock(self.start, "start"), _clock(self.end, "end")
        if start == end:
            return False
        local = now.astimezone(ZoneInfo(self.timezone or "UTC"))
        minute = local.hour * 60 + local.minute + local.second / 60
        today = WEEKDAYS[local.weekday()]
        if start < end:
            return today in self.days and start <= minute < end
        if minute >= start:
            return today in self.days
        yesterday = WEEKDAYS[(local.weekday() - 1) % 7]
        return minute < end and yesterday in self.days

    def to_json(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "start": self.start,
            "end": self.end,
            "timezone": self.timezone,
            "days": {day: day in self.days for day in WEEKDAYS},
        }


def parse_quiet_hours(value: Any, path: str) -> QuietHours:
    data = as_object(value, path)
    start = string(data, "start", path, "22:00") or "22:00"
    end = string(data, "end", path, "08:00") or "08:00"
    _clock(start, f"{path}.start")
    _clock(end, f"{path}.end")
    zone = string(data, "timezone", path, "UTC") or "UTC"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise AlertConfigError(f"{path}.timezone: unknown time zone {zone!r}") from None
    days_value = data.get("days")
    days: tuple[str, ...]
    if days_value is None:
        days = WEEKDAYS
    else:
        chosen: set[str] = set()
        for key, on in as_object(days_value, f"{path}.days").items():
            day = _JS_DAY.get(str(key), str(key).lower())
            if day not in WEEKDAYS:
                raise AlertConfigError(f"{path}.days: unknown day {key!r}")
            if not isinstance(on, bool):
                raise AlertConfigError(f"{path}.days.{key} must be true or false")
            if on:
                chosen.add(day)
        days = tuple(day for day in WEEKDAYS if day in chosen)
    return QuietHours(boolean(data, "enabled", path, False), start, end, zone, days)


@dataclass(frozen=True, slots=True)
class MaintenanceWindow:
    """Planned work: no new alerts for the matching resources between start and end.

    Matches everything when `resources` and `instances` are both empty. A node id in
    `resources` (`<instance>-<node>`) also covers the guests and storage on that node.
    """

    id: str
    name: str
    start: datetime
    end: datetime
    resources: tuple[str, ...] = ()
    instances: tuple[str, ...] = ()

    def covers(self, resource: ResourceRef, now: datetime) -> bool:
        if not self.start <= now < self.end:
            return False
        if not self.resources and not self.instances:
            return True
        if resource.instance in self.instances:
            return True
        node_id = f"{resource.instance}-{resource.node}"
        return resource.resource_id in self.resources or node_id in self.resources

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "start": rfc3339(self.start),
            "end": rfc3339(self.end),
            "resources": list(self.resources),
            "instances": list(self.instances),
        }


def parse_window(value: Any, path: str, index: int) -> MaintenanceWindow:
    data = as_object(value, path)
    start = parse_rfc3339(data.get("start"))
    end = parse_rfc3339(data.get("end"))
    if start is None:
        raise AlertConfigError(f"{path}.start must be an RFC 3339 time")
    if end is None:
        raise AlertConfigError(f"{path}.end must be an RFC 3339 time")
    if end <= start:
        raise AlertConfigError(f"{path}.end must be after {path}.start")
    return MaintenanceWindow(
        id=string(data, "id", path) or f"maintenance-{index + 1}",
        name=string(data, "name", path),
        start=start.astimezone(UTC),
        end=end.astimezone(UTC),
        resources=strings(data, "resources", path),
        instances=strings(data, "instances", path),
    )


class EscalationTarget(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"
    ALL = "all"


@dataclass(frozen=True, slots=True)
class EscalationLevel:
    after: int  # minutes after the alert started
    notify: EscalationTarget


@dataclass(frozen=True, slots=True)
class Grouping:
    enabled: bool = True
    window: int = 30  # the dashboard writes minutes here (and seconds in groupingWindow)
    by_node: bool = True
    by_guest: bool = False


@dataclass(frozen=True, slots=True)
class Schedule:
    quiet_hours: QuietHours = QuietHours()
    cooldown: int = 5  # minutes between notifications of one alert
    grouping_window: int = 30  # seconds a batch collects alerts before sending
    max_alerts_hour: int = 10  # notifications per alert per rolling hour, 0 = unlimited
    escalation_enabled: bool = False
    escalation: tuple[EscalationLevel, ...] = (
        EscalationLevel(15, EscalationTarget.EMAIL),
        EscalationLevel(30, EscalationTarget.WEBHOOK),
        EscalationLevel(60, EscalationTarget.ALL),
    )
    grouping: Grouping = Grouping()
    maintenance: tuple[MaintenanceWindow, ...] = field(default=())

    def in_quiet_hours(self, now: datetime) -> bool:
        """Non-critical notifications are held back now."""
        return self.quiet_hours.active(now)

    def in_maintenance(self, resource: ResourceRef, now: datetime) -> bool:
        """The resource is under a maintenance window now."""
        return any(window.covers(resource, now) for window in self.maintenance)

    def suppression(self, alert: LevelledRef, now: datetime) -> str | None:
        """Why a notification for `alert` must not go out now (None: send it). Quiet hours
        hold back everything but critical alerts; maintenance holds back everything."""
        if self.in_maintenance(alert, now):
            return "maintenance"
        if alert.level != "critical" and self.in_quiet_hours(now):
            return "quiet hours"
        return None

    @property
    def cooldown_seconds(self) -> float:
        """Least time between two notifications of one alert (0 in the settings: 5 min)."""
        return self.cooldown * 60.0 if self.cooldown > 0 else DEFAULT_COOLDOWN_S

    @property
    def window_seconds(self) -> float:
        """How long a batch collects alerts: `groupingWindow`, else `grouping.window` (both
        seconds, as upstream reads them), else 30 s; at most an hour."""
        for seconds in (self.grouping_window, self.grouping.window):
            if seconds > 0:
                return min(float(seconds), MAX_WINDOW_S)
        return DEFAULT_WINDOW_S

    def to_json(self) -> dict[str, Any]:
        return {
            "quietHours": self.quiet_hours.to_json(),
            "cooldown": self.cooldown,
            "groupingWindow": self.grouping_window,
            "maxAlertsHour": self.max_alerts_hour,
            "escalation": {
                "enabled": self.escalation_enabled,
                "levels": [{"after": lv.after, "notify": str(lv.notify)} for lv in self.escalation],
            },
            "grouping": {
                "enabled": self.grouping.enabled,
                "window": self.grouping.window,
                "byNode": self.grouping.by_node,
                "byGuest": self.grouping.by_guest,
            },
            "maintenanceWindows": [window.to_json() for window in self.maintenance],
        }


def parse_schedule(value: Any, path: str, *, now: datetime) -> Schedule:
    """Parse `schedule`; maintenance windows that ended more than 30 days ago are dropped."""
    data = as_object(value, path)
    default = Schedule()
    escalation = as_object(data.get("escalation"), f"{path}.escalation")
    levels_value = escalation.get("levels")
    levels = default.escalation
    if levels_value is not None:
        parsed: list[EscalationLevel] = []
        for i, item in enumerate(as_list(levels_value, f"{path}.escalation.levels")):
            lpath = f"{path}.escalation.levels[{i}]"
            level = as_object(item, lpath)
            target = string(level, "notify", lpath, "all") or "all"
            if target not in EscalationTarget.__members__.values():
                raise AlertConfigError(f"{lpath}.notify must be email, webhook or all")
            parsed.append(
                EscalationLevel(integer(level, "after", lpath, 0), EscalationTarget(target))
            )
        levels = tuple(sorted(parsed, key=lambda lv: lv.after))
    grouping = as_object(data.get("grouping"), f"{path}.grouping")
    gpath = f"{path}.grouping"
    windows = []
    for i, item in enumerate(as_list(data.get("maintenanceWindows"), f"{path}.maintenanceWindows")):
        window = parse_window(item, f"{path}.maintenanceWindows[{i}]", i)
        if window.end > now - timedelta(days=30):
            windows.append(window)
    if len(windows) > MAX_WINDOWS:
        raise AlertConfigError(f"{path}.maintenanceWindows: at most {MAX_WINDOWS} windows")
    return Schedule(
        quiet_hours=parse_quiet_hours(data.get("quietHours"), f"{path}.quietHours"),
        cooldown=integer(data, "cooldown", path, default.cooldown, maximum=7 * 24 * 60),
        grouping_window=integer(
            data, "groupingWindow", path, default.grouping_window, maximum=3600
        ),
        max_alerts_hour=integer(data, "maxAlertsHour", path, default.max_alerts_hour),
        escalation_enabled=boolean(escalation, "enabled", f"{path}.escalation", False),
        escalation=levels,
        grouping=Grouping(
            enabled=boolean(grouping, "enabled", gpath, True),
            window=integer(grouping, "window", gpath, 30, maximum=24 * 3600),
            by_node=boolean(grouping, "byNode", gpath, True),
            by_guest=boolean(grouping, "byGuest", gpath, False),
        ),
        maintenance=tuple(windows),
    )
