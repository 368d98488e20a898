"""The service's wiring: websocket messages, notifier calls, escalation, quiet hours and
maintenance for the dispatcher, config reloads from the store, the backup grace period."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from pulse.alerts.model import Alert
from pulse.alerts.service import BACKUP_GRACE, AlertService
from pulse.state.store import StateStore
from pulse.store.config_store import ConfigStore
from tests.alerts.factories import Clock, Recorder, guest, make_alert, state, usage


def make(
    tmp_path: Path, alerts: dict[str, object] | None = None
) -> tuple[AlertService, Clock, Recorder, StateStore]:
    store = ConfigStore(tmp_path)
    store.load()
    if alerts is not None:
        store.save_sync({"alerts": alerts})
    clock = Clock()
    service = AlertService(store, tmp_path, clock=clock)
    recorder = Recorder()
    states = StateStore()
    service.attach(state=states, hub=recorder, notifier=recorder)
    return service, clock, recorder, states


def test_cycle_feeds_state_websocket_and_notifier(tmp_path: Path) -> None:
    service, clock, rec, states = make(tmp_path)
    states.publish(state(guests=(guest(cpu=0.9),)))
    body = states.state_json()
    assert [a["id"] for a in body["activeAlerts"]] == ["lab-pve1-101-cpu"]
    assert set(body["activeAlerts"][0]) == {
        "id", "type", "level", "resourceId", "resourceName", "node", "instance", "message",
        "value", "threshold", "startTime", "acknowledged",
    }  # fmt: skip
    assert rec.events == [("fired", "lab-pve1-101-cpu")]
    assert rec.messages[0][0] == "alert"
    assert rec.messages[0][1]["id"] == "lab-pve1-101-cpu"
    service.acknowledge(["lab-pve1-101-cpu"], "alice")
    assert states.state_json()["activeAlerts"][0]["acknowledged"] is True
    assert rec.events[-1] == ("acknowledged", "lab-pve1-101-cpu")
    clock.advance(seconds=5)
    states.publish(state(guests=(guest(cpu=0.1),)))
    body = states.state_json()
    assert body["activeAlerts"] == []
    assert [a["id"] for a in body["recentlyResolved"]] == ["lab-pve1-101-cpu"]
    assert body["recentlyResolved"][0]["resolvedTime"] == "2025-08-12T10:00:05Z"
    assert rec.messages[-1] == ("alertResolved", {"alertId": "lab-pve1-101-cpu"})
    assert rec.events[-1] == ("resolved", "lab-pve1-101-cpu")


def test_escalation_tick_notifies_the_chosen_channel(tmp_path: Path) -> None:
    service, clock, rec, states = make(tmp_path, {"schedule": {"escalation": {
        "enabled": True, "levels": [{"after": 15, "notify": "webhook"}]}}})  # fmt: skip
    states.publish(state(guests=(guest(memory=usage(90)),)))
    clock.advance(minutes=16)
    service.tick()
    assert rec.events[-1] == ("escalated:webhook", "lab-pve1-101-memory")
    assert rec.messages[-1][1]["lastEscalation"] == 1


def test_quiet_hours_and_maintenance_for_the_dispatcher(tmp_path: Path) -> None:
    service, _, _, _ = make(tmp_path, {"schedule": {
        "quietHours": {"enabled": True, "start": "09:00", "end": "12:00", "timezone": "UTC"},
        "maintenanceWindows": [{"start": "2025-08-12T09:00:00Z", "end": "2025-08-12T11:00:00Z",
                                "instances": ["lab"]}],
    }})  # fmt: skip

    def info(level: str, instance: str) -> Alert:
        return make_alert(f"{instance}-n-1", level=level, node="n", instance=instance)

    ten = datetime(2025, 8, 12, 10, tzinfo=UTC)
    schedule = service.config.schedule
    assert schedule.suppression(info("critical", "lab"), ten) == "maintenance"
    assert schedule.suppression(info("warning", "other"), ten) == "quiet hours"
    assert schedule.suppression(info("critical", "other"), ten) is None
    assert schedule.suppression(info("warning", "other"), ten + timedelta(hours=3)) is None


async def test_store_changes_reload_the_engine(tmp_path: Path) -> None:
    service, _, _, _ = make(tmp_path)
    assert service.engine.config.enabled
    await service.store.save({"alerts": {"enabled": False}})  # e.g. a config import
    assert not service.config.enabled
    assert not service.engine.config.enabled
    # an invalid imported section falls back to the defaults instead of breaking start-up
    await service.store.save({"alerts": {"guestDefaults": "nonsense"}})
    assert service.config.enabled


def test_backup_age_waits_for_the_grace_period(tmp_path: Path) -> None:
    _service, clock, rec, states = make(tmp_path, {"backupAge": {"enabled": True}})
    states.publish(state(guests=(guest(),)))
    clock.advance(seconds=BACKUP_GRACE.total_seconds() - 1)
    states.publish(state(guests=(guest(),)))
    assert rec.events == []
    clock.advance(seconds=1)
    states.publish(state(guests=(guest(),)))
    assert rec.events == [("fired", "lab-pve1-101-backupAge")]


async def test_files_are_written_atomically_and_reloaded(tmp_path: Path) -> None:
    service, _, _, states = make(tmp_path)
    states.publish(state(guests=(guest(cpu=0.9),)))
    await service.save()
    assert sorted(p.name for p in (tmp_path / "alerts").iterdir()) == [
        "active-alerts.json", "alert-history.json",
    ]  # fmt: skip
    assert oct((tmp_path / "alerts" / "alert-history.json").stat().st_mode & 0o777) == "0o600"
    # the minute tick saves lastSeen: the active file is rewritten, the unchanged history not
    history_inode = (tmp_path / "alerts" / "alert-history.json").stat().st_ino
    active_inode = (tmp_path / "alerts" / "active-alerts.json").stat().st_ino
    service.tick()
    await service.save()
    assert (tmp_path / "alerts" / "alert-history.json").stat().st_ino == history_inode
    assert (tmp_path / "alerts" / "active-alerts.json").stat().st_ino != active_inode
    again = AlertService(service.store, tmp_path, clock=service.clock)
    again.load()
    assert [a.id for a in again.engine.active()] == ["lab-pve1-101-cpu"]
    assert len(again.history) == 1
