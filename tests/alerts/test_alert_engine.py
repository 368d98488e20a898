"""The engine over real model objects with an injected clock: hysteresis, levels, delays,
overrides, locks, offline, deleted guests, manual clear, acknowledgement, escalation."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pulse.alerts.collect import snapshot_of
from pulse.alerts.config import AlertConfig, parse_config
from pulse.alerts.engine import AlertEngine, Changes
from pulse.alerts.model import AlertLevel
from pulse.models import State
from tests.alerts.factories import T0, Clock, guest, node, pbs, replace, state, storage, usage


def make(config: dict[str, Any] | None = None) -> tuple[AlertEngine, Clock]:
    clock = Clock()
    cfg = parse_config(config or {}, now=T0) if config is not None else AlertConfig()
    return AlertEngine(cfg), clock


def run(engine: AlertEngine, clock: Clock, st: State, *, seconds: float = 5) -> Changes:
    clock.advance(seconds=seconds)
    return engine.evaluate(snapshot_of(st, backups_ready=True), clock.now)


def ids(alerts: Any) -> list[str]:
    return sorted(a.id for a in alerts)


def test_guest_cpu_fires_at_trigger_and_clears_only_at_clear_level() -> None:
    engine, clock = make()
    assert run(engine, clock, state(guests=(guest(cpu=0.79),))).fired == []
    fired = run(engine, clock, state(guests=(guest(cpu=0.80),))).fired
    assert ids(fired) == ["lab-pve1-101-cpu"]
    alert = fired[0]
    assert alert.level is AlertLevel.WARNING
    assert alert.threshold == 80
    assert alert.clear_threshold == 75
    assert alert.message == "VM cpu usage at 80.0% (trigger: 80%, clear: 75%)"
    assert alert.node == "pve1"
    assert alert.instance == "lab"
    assert alert.resource_name == "vm101"
    # between clear and trigger: still active, nothing new
    changes = run(engine, clock, state(guests=(guest(cpu=0.76),)))
    assert changes.fired == []
    assert changes.resolved == []
    assert engine.get("lab-pve1-101-cpu") is not None
    resolved = run(engine, clock, state(guests=(guest(cpu=0.75),))).resolved
    assert ids(resolved) == ["lab-pve1-101-cpu"]
    assert resolved[0].resolved_time == clock.now
    assert resolved[0].peak_value == 80.0
    assert engine.active() == []
    assert ids(engine.recently_resolved(clock.now)) == ["lab-pve1-101-cpu"]
    clock.advance(minutes=6)
    assert engine.recently_resolved(clock.now) == []


def test_level_turns_critical_ten_points_above_trigger_and_back() -> None:
    engine, clock = make()
    run(engine, clock, state(guests=(guest(memory=usage(96)),)))
    assert engine.get("lab-pve1-101-memory").level is AlertLevel.CRITICAL  # type: ignore[union-attr]
    changes = run(engine, clock, state(guests=(guest(memory=usage(88)),)))
    assert changes.fired == []  # a level change notifies nothing
    assert engine.get("lab-pve1-101-memory").level is AlertLevel.WARNING  # type: ignore[union-attr]


def test_explicit_critical_level() -> None:
    engine, clock = make({"guestDefaults": {"cpu": {"trigger": 80, "clear": 70, "critical": 85}}})
    run(engine, clock, state(guests=(guest(cpu=0.86),)))
    assert engine.get("lab-pve1-101-cpu").level is AlertLevel.CRITICAL  # type: ignore[union-attr]


def test_io_metrics_in_mb_per_s_with_their_unit() -> None:
    engine, clock = make()
    fired = run(engine, clock, state(guests=(guest(disk_read=160 * 1024 * 1024),))).fired
    assert ids(fired) == ["lab-pve1-101-diskRead"]
    assert fired[0].message == "VM diskRead at 160.0 MB/s (trigger: 150 MB/s, clear: 125 MB/s)"
    assert fired[0].unit == "MB/s"


def test_no_sample_yet_decides_nothing() -> None:
    engine, clock = make()
    run(engine, clock, state(guests=(guest(disk_read=160 * 1024 * 1024),)))
    # after a restart the rate is -1 for one cycle: the alert neither resolves nor fires
    changes = run(engine, clock, state(guests=(guest(disk_read=-1),)))
    assert changes.resolved == []
    assert engine.get("lab-pve1-101-diskRead") is not None


def test_delay_per_metric_counts_from_first_cycle_above() -> None:
    engine, clock = make({"guestDefaults": {"cpu": {"trigger": 80, "clear": 75, "delay": 300},
                                             "memory": {"trigger": 85, "clear": 80}}})  # fmt: skip
    hot = state(guests=(guest(cpu=0.9, memory=usage(90)),))
    assert ids(run(engine, clock, hot).fired) == ["lab-pve1-101-memory"]  # no delay
    assert run(engine, clock, hot, seconds=200).fired == []
    # dipping below trigger resets the timer
    run(engine, clock, state(guests=(guest(cpu=0.5, memory=usage(90)),)))
    assert run(engine, clock, hot).fired == []
    assert run(engine, clock, hot, seconds=299).fired == []
    assert ids(run(engine, clock, hot, seconds=1).fired) == ["lab-pve1-101-cpu"]


def test_global_time_threshold_applies_when_metric_sets_no_delay() -> None:
    engine, clock = make({"timeThreshold": 60})
    hot = state(guests=(guest(cpu=0.9),))
    assert run(engine, clock, hot).fired == []
    assert ids(run(engine, clock, hot, seconds=60).fired) == ["lab-pve1-101-cpu"]


def test_guest_override_and_custom_rule_precedence() -> None:
    engine, clock = make({
        "overrides": {"lab-pve1-101": {"cpu": {"trigger": 95}}},
        "customRules": [{"id": "db", "priority": 10, "filterConditions": {
            "logicalOperator": "AND", "filters": [{"type": "text", "field": "name", "value": "db"}]},
            "thresholds": {"cpu": {"trigger": 50, "clear": 40}}}],
    })  # fmt: skip
    g101 = guest(101, cpu=0.9)
    g102 = guest(102, cpu=0.6, name="db-server")
    g103 = guest(103, cpu=0.6)
    fired = run(engine, clock, state(guests=(g101, g102, g103))).fired
    assert ids(fired) == ["lab-pve1-102-cpu"]  # rule hits db, override lifts 101 above 90
    assert engine.get("lab-pve1-102-cpu").clear_threshold == 40  # type: ignore[union-attr]
    # override clear defaults to trigger - 5
    assert ids(run(engine, clock, state(guests=(replace(g101, cpu=0.96),))).fired) == [
        "lab-pve1-101-cpu"
    ]
    assert engine.get("lab-pve1-101-cpu").clear_threshold == 90  # type: ignore[union-attr]


def test_node_and_storage_overrides_really_apply() -> None:
    engine, clock = make({"overrides": {
        "lab-pve1": {"cpu": {"trigger": 95, "clear": 90}},
        "lab-pve1-local": {"usage": {"trigger": 60, "clear": 55}},
        "lab-pve2": {"disabled": True},
    }})  # fmt: skip
    st = state(
        nodes=(node("pve1", cpu=0.85), node("pve2", cpu=0.99), node("pve3", cpu=0.85)),
        storages=(storage("local", pct=65), storage("data", pct=65)),
    )
    assert ids(run(engine, clock, st).fired) == ["lab-pve1-local-usage", "lab-pve3-cpu"]


def test_disabling_an_override_resolves_its_alerts() -> None:
    engine, clock = make()
    st = state(guests=(guest(cpu=0.9, memory=usage(90)),))
    run(engine, clock, st)
    assert len(engine.active()) == 2
    engine.config = parse_config({"overrides": {"lab-pve1-101": {"disabled": True}}}, now=T0)
    assert len(run(engine, clock, st).resolved) == 2
    assert engine.active() == []


def test_setting_a_trigger_to_zero_resolves_that_metric() -> None:
    engine, clock = make()
    st = state(guests=(guest(cpu=0.9),))
    run(engine, clock, st)
    engine.config = parse_config({"guestDefaults": {"cpu": {"trigger": 0}}}, now=T0)
    assert ids(run(engine, clock, st).resolved) == ["lab-pve1-101-cpu"]


def test_locked_guest_gets_no_cpu_io_or_powered_off_alerts() -> None:
    engine, clock = make({"connectivity": {"guests": {"enabled": True, "delay": 0}}})
    busy = guest(cpu=0.99, disk_read=500 * 1024 * 1024, memory=usage(90), lock="backup")
    assert ids(run(engine, clock, state(guests=(busy,))).fired) == ["lab-pve1-101-memory"]
    stopped = guest(status="stopped", cpu=0, lock="backup")  # stop-mode backup
    assert run(engine, clock, state(guests=(stopped,))).fired == []
    migrating = guest(status="stopped", cpu=0, lock="migrate")
    assert run(engine, clock, state(guests=(migrating,))).fired == []
    # lock gone, still stopped: now it is a powered-off guest
    assert ids(run(engine, clock, state(guests=(guest(status="stopped", cpu=0),))).fired) == [
        "lab-pve1-101-poweredOff"
    ]


def test_lock_holds_an_active_cpu_alert_instead_of_resolving_it() -> None:
    engine, clock = make()
    run(engine, clock, state(guests=(guest(cpu=0.9),)))
    changes = run(engine, clock, state(guests=(guest(cpu=0.1, lock="snapshot"),)))
    assert changes.resolved == []
    assert engine.get("lab-pve1-101-cpu") is not None


def test_locks_can_be_alerted_on_when_configured() -> None:
    engine, clock = make({"ignoreLockedGuests": False})
    assert ids(run(engine, clock, state(guests=(guest(cpu=0.9, lock="backup"),))).fired) == [
        "lab-pve1-101-cpu"
    ]


def test_stopped_guest_resolves_its_usage_alerts_normally() -> None:
    engine, clock = make()
    run(engine, clock, state(guests=(guest(memory=usage(90)),)))
    resolved = run(engine, clock, state(guests=(guest(status="stopped", cpu=0),))).resolved
    assert ids(resolved) == ["lab-pve1-101-memory"]
    assert engine.recently_resolved(clock.now)  # resolved, not silently deleted


def test_powered_off_guests_only_when_enabled_with_delay_and_per_guest_switch() -> None:
    off = guest(101, status="stopped", cpu=0)
    off2 = guest(102, status="stopped", cpu=0)
    engine, clock = make()
    assert run(engine, clock, state(guests=(off, off2))).fired == []
    engine, clock = make({
        "connectivity": {"guests": {"enabled": True, "delay": 60, "level": "critical"}},
        "overrides": {"lab-pve1-102": {"poweredOff": False}},
    })  # fmt: skip
    assert run(engine, clock, state(guests=(off, off2))).fired == []
    fired = run(engine, clock, state(guests=(off, off2)), seconds=60).fired
    assert ids(fired) == ["lab-pve1-101-poweredOff"]
    assert fired[0].level is AlertLevel.CRITICAL
    assert fired[0].message == "VM vm101 is powered off"
    assert ids(run(engine, clock, state(guests=(guest(101), off2))).resolved) == [
        "lab-pve1-101-poweredOff"
    ]


def test_node_offline_and_its_guests_keep_their_alerts() -> None:
    engine, clock = make()
    st = state(nodes=(node("pve1"), node("pve2")), guests=(guest(101, memory=usage(90)),))
    run(engine, clock, st)
    # pve1 goes down: the cluster reports it offline and its guests vanish from the state
    down = state(nodes=(node("pve1", status="offline", cpu=0), node("pve2")))
    changes = run(engine, clock, down)
    assert ids(changes.fired) == ["lab-pve1-offline"]
    assert changes.fired[0].level is AlertLevel.CRITICAL
    assert changes.fired[0].message == "Node pve1 is offline"
    assert changes.resolved == []  # the guest's memory alert stays: we cannot tell
    back = run(engine, clock, st)
    assert ids(back.resolved) == ["lab-pve1-offline"]
    assert engine.get("lab-pve1-101-memory") is not None


def test_unreachable_instance_means_offline_nodes_and_frozen_guest_alerts() -> None:
    engine, clock = make()
    run(engine, clock, state(guests=(guest(cpu=0.9),)))
    stale = state(nodes=(node(stale=True),), guests=(guest(cpu=0.1, stale=True),))
    changes = run(engine, clock, stale)
    assert ids(changes.fired) == ["lab-pve1-offline"]
    assert changes.resolved == []
    assert engine.get("lab-pve1-101-cpu") is not None


def test_deleted_guest_resolves_its_alerts() -> None:
    engine, clock = make()
    run(engine, clock, state(guests=(guest(101, cpu=0.9), guest(102))))
    changes = run(engine, clock, state(guests=(guest(102),)))
    assert ids(changes.resolved) == ["lab-pve1-101-cpu"]


def test_alerts_of_resources_never_seen_again_resolve_after_an_hour() -> None:
    engine, clock = make()
    run(engine, clock, state(nodes=(node(instance="gone", cpu=0.9),)))
    assert run(engine, clock, state()).resolved == []  # instance "gone" did not answer
    assert ids(run(engine, clock, state(), seconds=3600).resolved) == ["gone-pve1-cpu"]


def test_pbs_offline_and_datastore_usage() -> None:
    engine, clock = make(
        {"connectivity": {"pbs": {"delay": 0}}, "datastoreDefault": {"trigger": 80}}
    )
    fired = run(engine, clock, state(pbs_list=(pbs(store_pct=85),))).fired
    assert ids(fired) == ["pbs-backup1-main-usage"]
    assert fired[0].message == "Datastore usage at 85.0% (trigger: 80%, clear: 80%)"
    changes = run(engine, clock, state(pbs_list=(pbs(status="offline"),)))
    assert ids(changes.fired) == ["pbs-backup1-offline"]
    assert changes.resolved == []  # stale datastore data decides nothing


def test_flapping_with_same_value_is_suppressed() -> None:
    engine, clock = make()
    hot, cool = state(guests=(guest(cpu=0.81),)), state(guests=(guest(cpu=0.5),))
    assert run(engine, clock, hot).fired
    run(engine, clock, cool)
    assert run(engine, clock, hot).fired == []  # same value within 5 min: held back
    run(engine, clock, cool)
    assert run(engine, clock, state(guests=(guest(cpu=0.9),))).fired == []  # suppressed window
    clock.advance(minutes=5)
    assert run(engine, clock, state(guests=(guest(cpu=0.9),))).fired


def test_manual_clear_rearms_only_after_condition_clears() -> None:
    engine, clock = make()
    hot = state(guests=(guest(cpu=0.95),))
    run(engine, clock, hot)
    cleared = engine.clear("lab-pve1-101-cpu", clock.now)
    assert cleared is not None
    assert cleared.extra["clearedManually"] is True
    assert engine.clear("lab-pve1-101-cpu", clock.now) is None
    assert run(engine, clock, hot, seconds=600).fired == []
    assert engine.recently_resolved(clock.now) == []
    run(engine, clock, state(guests=(guest(cpu=0.5),)))
    assert run(engine, clock, state(guests=(guest(cpu=0.99),)), seconds=600).fired


def test_acknowledge_and_escalation() -> None:
    engine, clock = make({"schedule": {"escalation": {"enabled": True, "levels": [
        {"after": 15, "notify": "email"}, {"after": 30, "notify": "all"}]}}})  # fmt: skip
    run(engine, clock, state(guests=(guest(101, cpu=0.9), guest(102, memory=usage(90)))))
    acked = engine.acknowledge("lab-pve1-101-cpu", "alice", clock.now)
    assert acked is not None
    assert acked.acknowledged
    assert acked.ack_user == "alice"
    assert engine.acknowledge("nope", "alice", clock.now) is None
    assert engine.due_escalations(clock.advance(minutes=10)) == []
    due = engine.due_escalations(clock.advance(minutes=6))
    assert [(a.id, str(lv.notify)) for a, lv in due] == [("lab-pve1-102-memory", "email")]
    assert engine.due_escalations(clock.advance(minutes=1)) == []
    due = engine.due_escalations(clock.advance(minutes=20))
    assert [(a.id, a.last_escalation, len(a.escalation_times)) for a, _ in due] == [
        ("lab-pve1-102-memory", 2, 2)
    ]
    un = engine.unacknowledge("lab-pve1-101-cpu")
    assert un is not None
    assert not un.acknowledged
    assert un.ack_time is None


def test_maintenance_window_holds_back_new_alerts_for_a_node_and_its_guests() -> None:
    start, end = (
        datetime(2025, 8, 12, 9, tzinfo=T0.tzinfo),
        datetime(2025, 8, 12, 11, tzinfo=T0.tzinfo),
    )
    engine, clock = make({"schedule": {"maintenanceWindows": [
        {"name": "kernel", "start": start.isoformat(), "end": end.isoformat(),
         "resources": ["lab-pve1"]}]}})  # fmt: skip
    st = state(nodes=(node("pve1", cpu=0.9), node("pve2", cpu=0.9)),
               guests=(guest(101, cpu=0.9), guest(201, node_name="pve2", cpu=0.9)))  # fmt: skip
    assert ids(run(engine, clock, st).fired) == ["lab-pve2-201-cpu", "lab-pve2-cpu"]
    clock.now = end
    assert ids(run(engine, clock, st).fired) == ["lab-pve1-101-cpu", "lab-pve1-cpu"]


def test_master_switch_off_resolves_everything() -> None:
    engine, clock = make()
    st = state(guests=(guest(cpu=0.9),))
    run(engine, clock, st)
    engine.config = parse_config({"enabled": False}, now=T0)
    assert len(run(engine, clock, st).resolved) == 1
    assert run(engine, clock, st).fired == []
