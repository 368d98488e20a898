"""The alert configuration (store section `alerts`): parse, validate, defaults, wire shape.

Upstream's keys keep their names and meaning (reference §2.2); ours are added after them:
`datastoreDefault`, `connectivity` (offline / powered-off alerts), `backupAge`,
`ignoreLockedGuests`, `schedule.maintenanceWindows`, and per threshold `critical` and `delay`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from pulse.alerts.model import ALERT_LEVELS, AlertLevel, Metric
from pulse.alerts.parsing import (
    AlertConfigError,
    as_object,
    boolean,
    compact,
    integer,
    number,
    string,
    strings,
)
from pulse.alerts.rules import CustomRule, parse_rules
from pulse.alerts.schedule import Schedule, parse_schedule
from pulse.alerts.thresholds import (
    GUEST_METRICS,
    MAX_DELAY_SECONDS,
    NODE_METRICS,
    Override,
    Threshold,
    parse_override,
    parse_threshold,
    parse_threshold_set,
    threshold_set_json,
)

MAX_OVERRIDES = 10_000
# The keys `GET/POST /api/notifications/thresholds` show and merge (reference §3.2).
THRESHOLD_KEYS = (
    "guestDefaults",
    "nodeDefaults",
    "storageDefault",
    "datastoreDefault",
    "minimumDelta",
    "suppressionWindow",
    "hysteresisMargin",
    "timeThreshold",
)

DEFAULT_GUEST = {
    Metric.CPU: Threshold(80, 75),
    Metric.MEMORY: Threshold(85, 80),
    Metric.DISK: Threshold(90, 85),
    Metric.DISK_READ: Threshold(150, 125),
    Metric.DISK_WRITE: Threshold(150, 125),
    Metric.NETWORK_IN: Threshold(200, 175),
    Metric.NETWORK_OUT: Threshold(200, 175),
}
DEFAULT_NODE = {
    Metric.CPU: Threshold(80, 75),
    Metric.MEMORY: Threshold(85, 80),
    Metric.DISK: Threshold(90, 85),
}
DEFAULT_STORAGE = Threshold(85, 80)


class NoBackupPolicy(StrEnum):
    ALERT = "alert"  # a guest with no backup anywhere raises a warning
    IGNORE = "ignore"  # only guests that have backups are checked for age


@dataclass(frozen=True, slots=True)
class StateAlert:
    """An on/off alert (node or PBS offline, guest powered off)."""

    enabled: bool
    level: AlertLevel
    delay: int  # seconds the condition must last before the alert fires

    def to_json(self) -> dict[str, Any]:
        return {"enabled": self.enabled, "level": str(self.level), "delay": self.delay}


@dataclass(frozen=True, slots=True)
class BackupAge:
    enabled: bool = False
    warning_days: float = 2
    critical_days: float = 7
    no_backup: NoBackupPolicy = NoBackupPolicy.ALERT
    exclude_tags: tuple[str, ...] = ()
    exclude_vmids: tuple[int, ...] = ()

    @property
    def trigger_days(self) -> float:
        return self.warning_days if self.warning_days > 0 else self.critical_days

    def to_json(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "warningDays": compact(self.warning_days),
            "criticalDays": compact(self.critical_days),
            "noBackup": str(self.no_backup),
            "excludeTags": list(self.exclude_tags),
            "excludeVmids": list(self.exclude_vmids),
        }


@dataclass(frozen=True, slots=True)
class AlertConfig:
    enabled: bool = True
    guest_defaults: dict[Metric, Threshold] = field(default_factory=lambda: dict(DEFAULT_GUEST))
    node_defaults: dict[Metric, Threshold] = field(default_factory=lambda: dict(DEFAULT_NODE))
    storage_default: Threshold = DEFAULT_STORAGE
    datastore_default: Threshold = DEFAULT_STORAGE
    overrides: dict[str, Override] = field(default_factory=dict)
    custom_rules: tuple[CustomRule, ...] = ()
    schedule: Schedule = field(default_factory=Schedule)
    minimum_delta: float = 2.0
    suppression_window: int = 5  # minutes
    hysteresis_margin: float = 5.0
    time_threshold: int = 0  # seconds; the delay of thresholds that set none
    node_offline: StateAlert = StateAlert(True, AlertLevel.CRITICAL, 0)
    pbs_offline: StateAlert = StateAlert(True, AlertLevel.CRITICAL, 60)
    guest_powered_off: StateAlert = StateAlert(False, AlertLevel.WARNING, 60)
    backup_age: BackupAge = BackupAge()
    ignore_locked_guests: bool = True

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "enabled": self.enabled,
            "guestDefaults": threshold_set_json(self.guest_defaults),
            "nodeDefaults": threshold_set_json(self.node_defaults),
            "storageDefault": self.storage_default.to_json(),
            "overrides": {key: value.to_json() for key, value in self.overrides.items()},
        }
        if self.custom_rules:
            data["customRules"] = [rule.to_json() for rule in self.custom_rules]
        data |= {
            "schedule": self.schedule.to_json(),
            "minimumDelta": compact(self.minimum_delta),
            "suppressionWindow": self.suppression_window,
            "hysteresisMargin": compact(self.hysteresis_margin),
            "timeThreshold": self.time_threshold,
            "datastoreDefault": self.datastore_default.to_json(),
            "connectivity": {
                "nodes": self.node_offline.to_json(),
                "pbs": self.pbs_offline.to_json(),
                "guests": self.guest_powered_off.to_json(),
            },
            "backupAge": self.backup_age.to_json(),
            "ignoreLockedGuests": self.ignore_locked_guests,
        }
        return data

    def thresholds_json(self) -> dict[str, Any]:
        full = self.to_json()
        return {key: full[key] for key in THRESHOLD_KEYS}


def _state_alert(value: Any, path: str, default: StateAlert) -> StateAlert:
    data = as_object(value, path)
    level = string(data, "level", path, str(default.level)) or str(default.level)
    if level not in ALERT_LEVELS:
        raise AlertConfigError(f"{path}.level must be warning or critical")
    return StateAlert(
        enabled=boolean(data, "enabled", path, default.enabled),
        level=AlertLevel(level),
        delay=integer(data, "delay", path, default.delay, maximum=MAX_DELAY_SECONDS),
    )


def _backup_age(value: Any, path: str) -> BackupAge:
    data = as_object(value, path)
    default = BackupAge()
    warning = number(data, "warningDays", path, default.warning_days, maximum=3650)
    critical = number(data, "criticalDays", path, default.critical_days, maximum=3650)
    if warning > 0 and 0 < critical < warning:
        raise AlertConfigError(f"{path}.criticalDays must not be below {path}.warningDays")
    policy = string(data, "noBackup", path, str(default.no_backup)) or str(default.no_backup)
    if policy not in NoBackupPolicy.__members__.values():
        raise AlertConfigError(f"{path}.noBackup must be alert or ignore")
    vmids: list[int] = []
    for item in strings(data, "excludeVmids", path):
        if not (item.isascii() and item.isdigit()):  # isdigit alone passes '²'
            raise AlertConfigError(f"{path}.excludeVmids: {item!r} is not a VMID")
        vmids.append(int(item))
    return BackupAge(
        enabled=boolean(data, "enabled", path, default.enabled),
        warning_days=warning,
        critical_days=critical,
        no_backup=NoBackupPolicy(policy),
        exclude_tags=strings(data, "excludeTags", path),
        exclude_vmids=tuple(vmids),
    )


def parse_config(value: Any, *, now: datetime) -> AlertConfig:
    """Validate a whole configuration. Absent keys take the built-in defaults.

    Raises AlertConfigError naming the first bad field.
    """
    data = as_object(value, "config")
    margin = number(data, "hysteresisMargin", "config", 5.0) or 5.0
    guest = dict(DEFAULT_GUEST) if data.get("guestDefaults") is None else {}
    node = dict(DEFAULT_NODE) if data.get("nodeDefaults") is None else {}
    guest |= parse_threshold_set(
        data.get("guestDefaults"), "guestDefaults", GUEST_METRICS, clear_fallback=None
    )
    node |= parse_threshold_set(
        data.get("nodeDefaults"), "nodeDefaults", NODE_METRICS, clear_fallback=None
    )
    storage = parse_threshold(data.get("storageDefault"), "storageDefault", clear_fallback=None)
    if not storage.enabled and data.get("storageDefault") is None:
        storage = DEFAULT_STORAGE
    datastore = DEFAULT_STORAGE
    if data.get("datastoreDefault") is not None:
        datastore = parse_threshold(
            data["datastoreDefault"], "datastoreDefault", clear_fallback=None
        )
    overrides_value = as_object(data.get("overrides"), "overrides")
    if len(overrides_value) > MAX_OVERRIDES:
        raise AlertConfigError(f"overrides: at most {MAX_OVERRIDES} entries")
    overrides = {
        str(key): parse_override(item, f"overrides.{key}", margin)
        for key, item in overrides_value.items()
        if str(key).strip()
    }
    connectivity = as_object(data.get("connectivity"), "connectivity")
    default = AlertConfig()
    return AlertConfig(
        enabled=boolean(data, "enabled", "config", True),
        guest_defaults=guest,
        node_defaults=node,
        storage_default=storage,
        datastore_default=datastore,
        overrides=overrides,
        custom_rules=parse_rules(data.get("customRules"), "customRules", margin),
        schedule=parse_schedule(data.get("schedule"), "schedule", now=now),
        minimum_delta=number(data, "minimumDelta", "config", 2.0) or 2.0,
        suppression_window=integer(data, "suppressionWindow", "config", 5, maximum=1440) or 5,
        hysteresis_margin=margin,
        time_threshold=integer(data, "timeThreshold", "config", 0, maximum=MAX_DELAY_SECONDS),
        node_offline=_state_alert(
            connectivity.get("nodes"), "connectivity.nodes", default.node_offline
        ),
        pbs_offline=_state_alert(connectivity.get("pbs"), "connectivity.pbs", default.pbs_offline),
        guest_powered_off=_state_alert(
            connectivity.get("guests"), "connectivity.guests", default.guest_powered_off
        ),
        backup_age=_backup_age(data.get("backupAge"), "backupAge"),
        ignore_locked_guests=boolean(data, "ignoreLockedGuests", "config", True),
    )


def merged(config: AlertConfig, changes: Mapping[str, Any], *, now: datetime) -> AlertConfig:
    """`config` with the given top-level keys replaced (the others kept), validated."""
    return parse_config({**config.to_json(), **changes}, now=now)
