"""Which checks apply to a subject: thresholds after precedence, switches, locks, exclusions."""

from __future__ import annotations

from dataclasses import dataclass

from pulse.alerts.config import AlertConfig, StateAlert
from pulse.alerts.model import IO_METRICS, Metric
from pulse.alerts.rules import winning_rule
from pulse.alerts.subjects import Kind, Subject
from pulse.alerts.thresholds import GUEST_METRICS, NODE_METRICS, Override, Threshold

# Metrics a Proxmox lock (backup, snapshot, migrate, ...) makes meaningless for a while: a backup
# drives CPU and disk reads up, a migration or stop-mode backup powers the guest off.
LOCK_HELD_METRICS = frozenset({Metric.CPU, Metric.POWERED_OFF, Metric.OFFLINE} | IO_METRICS)
_NO_OVERRIDE = Override()


@dataclass(frozen=True, slots=True)
class Plan:
    """The checks for one subject this cycle."""

    silenced: bool  # override `disabled`: every alert of the resource resolves
    thresholds: dict[Metric, Threshold]
    held: frozenset[Metric]  # neither fire nor resolve this cycle (lock)
    state_check: tuple[Metric, StateAlert] | None  # offline / powered off
    backup_check: bool


def _switch(override: Override, metric: Metric, default: bool) -> bool:
    return override.switches.get(metric, default)


def plan_for(config: AlertConfig, subject: Subject) -> Plan:
    override = config.overrides.get(subject.resource_id, _NO_OVERRIDE)
    if override.disabled:
        return Plan(True, {}, frozenset(), None, False)
    thresholds: dict[Metric, Threshold]
    state_check: tuple[Metric, StateAlert] | None = None
    held: frozenset[Metric] = frozenset()
    backup_check = False
    if subject.kind is Kind.GUEST:
        thresholds = dict(config.guest_defaults)
        rule = winning_rule(config.custom_rules, subject)
        if rule is not None:
            thresholds |= rule.thresholds
        thresholds |= {m: t for m, t in override.thresholds.items() if m in GUEST_METRICS}
        powered_off = config.guest_powered_off
        if _switch(override, Metric.POWERED_OFF, powered_off.enabled):
            state_check = (Metric.POWERED_OFF, powered_off)
        if subject.lock and config.ignore_locked_guests:
            held = LOCK_HELD_METRICS
        backup = config.backup_age
        backup_check = _switch(override, Metric.BACKUP_AGE, backup.enabled) and not (
            subject.vmid in backup.exclude_vmids
            or any(tag.lower() in {t.lower() for t in subject.tags} for tag in backup.exclude_tags)
        )
    elif subject.kind is Kind.NODE:
        thresholds = dict(config.node_defaults)
        thresholds |= {m: t for m, t in override.thresholds.items() if m in NODE_METRICS}
        if _switch(override, Metric.OFFLINE, config.node_offline.enabled):
            state_check = (Metric.OFFLINE, config.node_offline)
    elif subject.kind is Kind.PBS:
        thresholds = {}
        if _switch(override, Metric.OFFLINE, config.pbs_offline.enabled):
            state_check = (Metric.OFFLINE, config.pbs_offline)
    else:
        default = (
            config.storage_default if subject.kind is Kind.STORAGE else config.datastore_default
        )
        thresholds = {Metric.USAGE: override.thresholds.get(Metric.USAGE, default)}
    return Plan(
        silenced=False,
        thresholds={m: t for m, t in thresholds.items() if t.enabled},
        held=held,
        state_check=state_check,
        backup_check=backup_check,
    )
