"""The alert engine: active alerts and their lifecycle, evaluated once per poll cycle.

Pure and synchronous: `evaluate(snapshot, now)` takes the cycle's subjects and an explicit time
and returns what fired and what resolved; it does no I/O, so it runs inside the state store's
cycle hook without delaying polling. Persistence and notifications are the service's job.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from pulse.alerts.config import AlertConfig, NoBackupPolicy, StateAlert
from pulse.alerts.messages import backup_message, state_message, threshold_message
from pulse.alerts.model import Alert, AlertLevel, Metric, ResourceType, rfc3339
from pulse.alerts.policy import plan_for
from pulse.alerts.schedule import EscalationLevel
from pulse.alerts.subjects import Kind, Snapshot, Subject
from pulse.alerts.thresholds import Threshold

RECENTLY_RESOLVED = timedelta(minutes=5)
# An alert whose resource has not been seen for this long resolves even when we cannot tell
# why (its instance was removed from the configuration, or stayed unreachable).
FORGET_UNSEEN = timedelta(hours=1)
RUNNING = "running"


@dataclass(slots=True)
class Changes:
    """What one evaluation did; the service notifies and persists from this."""

    fired: list[Alert] = field(default_factory=list)
    resolved: list[Alert] = field(default_factory=list)
    changed: bool = False  # active alerts differ (values, levels) from before


class AlertEngine:
    def __init__(self, config: AlertConfig) -> None:
        self.config = config
        self._active: dict[str, Alert] = {}
        self._pending: dict[str, datetime] = {}  # id → first cycle the condition was seen
        self._raised: dict[str, tuple[datetime, float]] = {}  # id → last raise (time, value)
        self._suppressed: dict[str, datetime] = {}  # id → no new alert before this time
        self._cleared: set[str] = set()  # manually cleared; re-arm once the condition clears
        self._resolved: list[Alert] = []  # recently resolved, oldest first
        self._by_resource: dict[str, set[Metric]] = {}  # active metrics per resource (per cycle)

    # -- reading -------------------------------------------------------------------------------

    def active(self) -> list[Alert]:
        return sorted(self._active.values(), key=lambda a: (a.start_time, a.id))

    def get(self, alert_id: str) -> Alert | None:
        return self._active.get(alert_id)

    def recently_resolved(self, now: datetime) -> list[Alert]:
        self._resolved = [a for a in self._resolved if _resolved_at(a) > now - RECENTLY_RESOLVED]
        return list(reversed(self._resolved))

    # -- lifecycle ------------------------------------------------------------------------------

    def restore(self, alerts: Iterable[Alert]) -> None:
        """Take back alerts that were active before a restart (no new notification)."""
        for alert in alerts:
            self._active.setdefault(alert.id, alert)

    def acknowledge(self, alert_id: str, user: str, now: datetime) -> Alert | None:
        alert = self._active.get(alert_id)
        if alert is not None:
            alert = alert.replace(acknowledged=True, ack_time=now, ack_user=user)
            self._active[alert_id] = alert
        return alert

    def unacknowledge(self, alert_id: str) -> Alert | None:
        alert = self._active.get(alert_id)
        if alert is not None:
            alert = alert.replace(acknowledged=False, ack_time=None, ack_user="")
            self._active[alert_id] = alert
        return alert

    def clear(self, alert_id: str, now: datetime) -> Alert | None:
        """Remove an active alert by hand. It does not come back until its condition has
        cleared once (clearing something that is still true would otherwise re-fire it at
        the next poll). Not listed in recently resolved, as upstream."""
        alert = self._active.pop(alert_id, None)
        self._pending.pop(alert_id, None)
        if alert is None:
            return None
        self._cleared.add(alert_id)
        return alert.replace(resolved_time=now, extra={**alert.extra, "clearedManually": True})

    def due_escalations(self, now: datetime) -> list[tuple[Alert, EscalationLevel]]:
        """Unacknowledged alerts that reached a new escalation level (marked as escalated)."""
        schedule = self.config.schedule
        if not schedule.escalation_enabled or not schedule.escalation:
            return []
        due = []
        for alert in self.active():
            if alert.acknowledged:
                continue
            reached = [
                (number, level)
                for number, level in enumerate(schedule.escalation, start=1)
                if number > alert.last_escalation
                and now > alert.start_time + timedelta(minutes=level.after)
            ]
            if reached:
                number, level = reached[-1]
                alert = alert.replace(
                    last_escalation=number, escalation_times=(*alert.escalation_times, now)
                )
                self._active[alert.id] = alert
                due.append((alert, level))
        return due

    # -- evaluation -----------------------------------------------------------------------------

    def evaluate(self, snapshot: Snapshot, now: datetime) -> Changes:
        changes = Changes()
        self._expire(now)
        seen: set[str] = set()
        self._by_resource = {}
        for alert in self._active.values():
            self._by_resource.setdefault(alert.resource_id, set()).add(alert.type)
        if self.config.enabled:
            for subject in snapshot.subjects:
                seen.add(subject.resource_id)
                self._evaluate_subject(subject, snapshot, now, changes)
        for alert in list(self._active.values()):
            if alert.resource_id in seen:
                continue
            if not self.config.enabled or _gone(alert, snapshot, now):
                self._resolve(alert.id, now, changes)
        return changes

    def _evaluate_subject(
        self, subject: Subject, snapshot: Snapshot, now: datetime, changes: Changes
    ) -> None:
        plan = plan_for(self.config, subject)
        if plan.silenced:
            self._resolve_resource(subject.resource_id, now, changes)
            return
        if subject.instance not in snapshot.healthy_instances and subject.kind is not Kind.PBS:
            # The instance did not answer: its data is stale, so decide nothing from it, except
            # that its nodes are unreachable.
            if subject.kind is Kind.NODE and plan.state_check is not None:
                self._state(subject, Metric.OFFLINE, True, plan.state_check[1], now, changes)
            return
        checked: set[Metric] = set()
        for metric, threshold in plan.thresholds.items():
            if subject.down:
                continue  # a stopped guest or an offline node: its usage alerts resolve
            value = subject.values.get(metric)
            checked.add(metric)
            if metric in plan.held or value is None or value < 0:
                # Locked, or no sample yet (I/O rates need two): decide nothing this cycle.
                self._pending.pop(_id(subject, metric), None)
            else:
                self._threshold(subject, metric, value, threshold, now, changes)
        if plan.state_check is not None:
            metric, setting = plan.state_check
            checked.add(metric)
            if metric in plan.held:
                self._pending.pop(_id(subject, metric), None)
            else:
                self._state(subject, metric, subject.down, setting, now, changes)
        if plan.backup_check:
            checked.add(Metric.BACKUP_AGE)
            self._backup_age(subject, snapshot, now, changes)
        # Alerts of metrics no longer checked (threshold disabled, guest stopped, no data...).
        for metric in self._by_resource.get(subject.resource_id, set()) - checked:
            self._resolve(_id(subject, metric), now, changes)

    def _threshold(
        self,
        subject: Subject,
        metric: Metric,
        value: float,
        threshold: Threshold,
        now: datetime,
        changes: Changes,
    ) -> None:
        alert_id = _id(subject, metric)
        alert = self._active.get(alert_id)
        if alert is None and value < threshold.trigger:  # the common case: fast and quiet
            self._pending.pop(alert_id, None)
            if value <= threshold.clear:
                self._cleared.discard(alert_id)
            return
        level = AlertLevel.CRITICAL if value >= threshold.critical_at else AlertLevel.WARNING
        message = threshold_message(
            subject.resource_type, metric, value, threshold.trigger, threshold.clear
        )
        if alert is not None:
            if value <= threshold.clear:
                self._resolve(alert_id, now, changes)
            else:
                self._update(alert, value, level, message, now, changes)
            return
        delay = threshold.delay if threshold.delay is not None else self.config.time_threshold
        if not self._may_fire(subject, alert_id, delay, now):
            return
        last = self._raised.get(alert_id)
        window = timedelta(minutes=self.config.suppression_window)
        if last and now - last[0] < window and abs(last[1] - value) < self.config.minimum_delta:
            # Flapping around the trigger with the same value: hold it back for a while.
            self._suppressed[alert_id] = now + window
            return
        self._fire(
            subject, metric, value, threshold.trigger, threshold.clear, level, message, now, changes
        )

    def _state(
        self,
        subject: Subject,
        metric: Metric,
        bad: bool,
        setting: StateAlert,
        now: datetime,
        changes: Changes,
    ) -> None:
        alert_id = _id(subject, metric)
        alert = self._active.get(alert_id)
        if not bad:
            self._pending.pop(alert_id, None)
            self._cleared.discard(alert_id)
            if alert is not None:
                self._resolve(alert_id, now, changes)
        elif alert is not None:
            self._active[alert_id] = alert.replace(last_seen=now)
        elif self._may_fire(subject, alert_id, setting.delay, now):
            message = state_message(subject.resource_type, metric, subject.name)
            self._fire(subject, metric, 0.0, 0.0, 0.0, setting.level, message, now, changes)

    def _backup_age(
        self, subject: Subject, snapshot: Snapshot, now: datetime, changes: Changes
    ) -> None:
        alert_id = _id(subject, Metric.BACKUP_AGE)
        if subject.backup is None or not snapshot.backups_known:
            return  # no backup data yet: decide nothing (no false "no backup" at start-up)
        setting = self.config.backup_age
        newest = subject.backup.newest
        limit = setting.trigger_days
        if newest is None:
            age = 0.0
            bad = setting.no_backup is NoBackupPolicy.ALERT
            level = AlertLevel.WARNING
        else:
            age = max((now - newest).total_seconds() / 86400, 0.0)
            bad = limit > 0 and age >= limit
            critical = setting.critical_days > 0 and age >= setting.critical_days
            level = AlertLevel.CRITICAL if critical else AlertLevel.WARNING
        alert = self._active.get(alert_id)
        if not bad:
            self._cleared.discard(alert_id)
            if alert is not None:
                self._resolve(alert_id, now, changes)
            return
        message = backup_message(subject.resource_type, subject.name, newest, age, limit)
        if alert is not None:
            self._update(alert, age, level, message, now, changes)
        elif self._may_fire(subject, alert_id, 0, now):
            extra: dict[str, object] = (
                {"lastBackup": rfc3339(newest)} if newest else {"neverBackedUp": True}
            )
            self._fire(
                subject, Metric.BACKUP_AGE, age, limit, limit, level, message, now, changes, extra
            )

    # -- helpers -------------------------------------------------------------------------------

    def _may_fire(self, subject: Subject, alert_id: str, delay: int, now: datetime) -> bool:
        """The checks between "condition true" and "raise": cleared, suppressed, maintenance,
        and the "for N seconds" delay (counted from the first cycle that saw the condition)."""
        if alert_id in self._cleared:
            return False
        if self._suppressed.get(alert_id, now) > now:
            return False
        if self.config.schedule.in_maintenance(subject, now):
            self._pending.pop(alert_id, None)
            return False
        if delay > 0:
            since = self._pending.setdefault(alert_id, now)
            if now - since < timedelta(seconds=delay):
                return False
        self._pending.pop(alert_id, None)
        return True

    def _fire(
        self,
        subject: Subject,
        metric: Metric,
        value: float,
        trigger: float,
        clear: float,
        level: AlertLevel,
        message: str,
        now: datetime,
        changes: Changes,
        extra: dict[str, object] | None = None,
    ) -> None:
        alert = Alert(
            id=_id(subject, metric),
            type=metric,
            level=level,
            resource_id=subject.resource_id,
            resource_name=subject.name,
            node=subject.node,
            instance=subject.instance,
            message=message,
            value=value,
            threshold=trigger,
            start_time=now,
            last_seen=now,
            resource_type=subject.resource_type,
            clear_threshold=clear,
            peak_value=value,
            extra=dict(extra or {}),
        )
        self._active[alert.id] = alert
        self._raised[alert.id] = (now, value)
        changes.fired.append(alert)
        changes.changed = True

    def _update(
        self,
        alert: Alert,
        value: float,
        level: AlertLevel,
        message: str,
        now: datetime,
        changes: Changes,
    ) -> None:
        # A level change sends nothing (upstream); the state and the websocket show it.
        updated = alert.replace(
            value=value,
            level=level,
            message=message,
            last_seen=now,
            peak_value=max(alert.peak_value, value),
        )
        if (updated.value, updated.level) != (alert.value, alert.level):
            changes.changed = True
        self._active[alert.id] = updated

    def _resolve(self, alert_id: str, now: datetime, changes: Changes) -> None:
        self._pending.pop(alert_id, None)
        alert = self._active.pop(alert_id, None)
        if alert is None:
            return
        resolved = alert.replace(resolved_time=now)
        self._resolved.append(resolved)
        changes.resolved.append(resolved)
        changes.changed = True

    def _resolve_resource(self, resource_id: str, now: datetime, changes: Changes) -> None:
        for alert in list(self._active.values()):
            if alert.resource_id == resource_id:
                self._resolve(alert.id, now, changes)

    def _expire(self, now: datetime) -> None:
        window = timedelta(minutes=self.config.suppression_window)
        self._suppressed = {k: t for k, t in self._suppressed.items() if t > now}
        self._raised = {k: v for k, v in self._raised.items() if v[0] > now - window}
        self.recently_resolved(now)


def _id(subject: Subject, metric: Metric) -> str:
    return f"{subject.resource_id}-{metric}"


def _resolved_at(alert: Alert) -> datetime:
    return alert.resolved_time or alert.last_seen


def _gone(alert: Alert, snapshot: Snapshot, now: datetime) -> bool:
    """The alert's resource is missing from this cycle: deleted (instance answered and, for a
    guest or storage, its node is online), or not seen for an hour. A guest that vanished
    because its node went down keeps its alerts until the node is back."""
    if now - alert.last_seen > FORGET_UNSEEN:
        return True
    if alert.instance not in snapshot.healthy_instances:
        return False
    if alert.resource_type in (ResourceType.NODE, ResourceType.PBS, ResourceType.DATASTORE):
        return True
    return f"{alert.instance}-{alert.node}" in snapshot.online_nodes or alert.node == "shared"
