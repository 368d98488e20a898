"""Backup-age alerts: newest PVE or PBS backup per guest, no-backup policy, exclusions,
several PBS servers, deleted guests, and no verdict while backup data is not known."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pulse.alerts.collect import newest_backups, snapshot_of
from pulse.alerts.config import parse_config
from pulse.alerts.engine import AlertEngine, Changes
from pulse.alerts.model import AlertLevel
from pulse.models import State
from tests.alerts.factories import T0, Clock, guest, pbs, pbs_backup, pve_backup, state

DAY = timedelta(days=1)


def make(**backup_age: Any) -> tuple[AlertEngine, Clock]:
    config = {"backupAge": {"enabled": True, "warningDays": 2, "criticalDays": 7} | backup_age}
    return AlertEngine(parse_config(config, now=T0)), Clock()


def run(engine: AlertEngine, clock: Clock, st: State, *, ready: bool = True) -> Changes:
    clock.advance(seconds=5)
    return engine.evaluate(snapshot_of(st, backups_ready=ready), clock.now)


def ids(alerts: Any) -> list[str]:
    return sorted(a.id for a in alerts)


def test_newest_backup_across_pve_storage_and_several_pbs_servers() -> None:
    st = state(
        guests=(guest(101), guest(102)),
        pbs_list=(pbs("backup1"), pbs("backup2")),
        pve_backups=(pve_backup(101, T0 - 9 * DAY),),
        pbs_backups=(
            pbs_backup(101, T0 - 5 * DAY, server="backup1"),
            pbs_backup(101, T0 - 1 * DAY, server="backup2"),
            pbs_backup(102, T0 - 3 * DAY, server="backup1", kind="ct"),  # a container 102
        ),
    )
    newest = newest_backups(st)
    assert newest[("lab", "qemu", 101)] == (T0 - DAY).timestamp()
    engine, clock = make()
    fired = run(engine, clock, st).fired
    # 101 is fine thanks to backup2; VM 102 has no VM backup (the ct/102 one is another guest)
    assert ids(fired) == ["lab-pve1-102-backupAge"]
    assert fired[0].message == "VM vm102 has no backup"
    assert fired[0].extra == {"neverBackedUp": True}


def test_age_levels_and_resolution_when_a_new_backup_arrives() -> None:
    engine, clock = make()
    old = state(guests=(guest(101),), pve_backups=(pve_backup(101, T0 - 3 * DAY),))
    fired = run(engine, clock, old).fired
    assert ids(fired) == ["lab-pve1-101-backupAge"]
    assert fired[0].level is AlertLevel.WARNING
    assert fired[0].unit == "days"
    assert fired[0].threshold == 2
    assert fired[0].message.startswith("VM vm101: newest backup is 3.0 days old (limit: 2 days)")
    clock.advance(days=5)
    run(engine, clock, old)
    assert engine.get("lab-pve1-101-backupAge").level is AlertLevel.CRITICAL  # type: ignore[union-attr]
    fresh = state(guests=(guest(101),), pve_backups=(pve_backup(101, clock.now - DAY / 2),))
    assert ids(run(engine, clock, fresh).resolved) == ["lab-pve1-101-backupAge"]


def test_no_backup_policy_ignore_and_exclusions() -> None:
    st = state(guests=(guest(101), guest(102, tags=("scratch",)), guest(103)))
    engine, clock = make(noBackup="ignore")
    assert run(engine, clock, st).fired == []
    engine, clock = make(excludeTags=["Scratch"], excludeVmids=[103])
    assert ids(run(engine, clock, st).fired) == ["lab-pve1-101-backupAge"]


def test_per_guest_switch_turns_backup_age_off() -> None:
    config = {"backupAge": {"enabled": True}, "overrides": {"lab-pve1-101": {"backupAge": False}}}
    engine, clock = AlertEngine(parse_config(config, now=T0)), Clock()
    assert ids(run(engine, clock, state(guests=(guest(101), guest(102)))).fired) == [
        "lab-pve1-102-backupAge"
    ]


def test_no_verdict_before_backup_data_is_known_or_while_a_pbs_is_down() -> None:
    engine, clock = make()
    st = state(guests=(guest(101),))
    assert run(engine, clock, st, ready=False).fired == []  # just started
    with_down_pbs = state(guests=(guest(101),), pbs_list=(pbs(status="offline"),))
    assert run(engine, clock, with_down_pbs).fired == []  # (PBS offline waits 60 s)
    assert ids(run(engine, clock, st).fired) == ["lab-pve1-101-backupAge"]
    # an unknown cycle neither resolves nor changes the alert
    changes = run(engine, clock, with_down_pbs)
    assert "lab-pve1-101-backupAge" not in ids(changes.resolved)


def test_deleted_guest_resolves_its_backup_alert() -> None:
    engine, clock = make()
    run(engine, clock, state(guests=(guest(101), guest(102))))
    assert ids(run(engine, clock, state(guests=(guest(102),))).resolved) == [
        "lab-pve1-101-backupAge"
    ]


def test_disabled_by_default() -> None:
    engine, clock = AlertEngine(parse_config({}, now=T0)), Clock()
    assert run(engine, clock, state(guests=(guest(101),))).fired == []
