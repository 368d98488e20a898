"""Alert configuration: defaults, upstream's JSON shape, validation, quiet hours, maintenance."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from pulse.alerts.config import AlertConfig, merged, parse_config
from pulse.alerts.model import Metric
from pulse.alerts.parsing import AlertConfigError
from pulse.alerts.schedule import MaintenanceWindow
from tests.alerts.factories import T0


def test_default_config_has_upstream_shape_and_round_trips() -> None:
    data = AlertConfig().to_json()
    assert list(data)[:10] == [
        "enabled", "guestDefaults", "nodeDefaults", "storageDefault", "overrides", "schedule",
        "minimumDelta", "suppressionWindow", "hysteresisMargin", "timeThreshold",
    ]  # fmt: skip
    assert data["guestDefaults"]["cpu"] == {"trigger": 80, "clear": 75}
    assert data["guestDefaults"]["networkOut"] == {"trigger": 200, "clear": 175}
    assert data["nodeDefaults"] == {
        "cpu": {"trigger": 80, "clear": 75},
        "memory": {"trigger": 85, "clear": 80},
        "disk": {"trigger": 90, "clear": 85},
    }
    assert data["storageDefault"] == {"trigger": 85, "clear": 80}
    assert data["schedule"]["quietHours"]["days"]["monday"] is True
    assert data["schedule"]["cooldown"] == 5
    assert data["schedule"]["groupingWindow"] == 30
    assert data["overrides"] == {}
    assert parse_config(data, now=T0).to_json() == data


def test_clear_fallbacks_and_legacy_numbers() -> None:
    config = parse_config({
        "guestDefaults": {"cpu": {"trigger": 70}},
        "overrides": {"x": {"memory": {"trigger": 90, "clear": 0}, "diskLegacy": 80}},
        "hysteresisMargin": 3,
    }, now=T0)  # fmt: skip
    assert config.guest_defaults[Metric.CPU].clear == 70  # defaults: clear = trigger
    assert Metric.MEMORY not in config.guest_defaults  # a given set replaces the defaults
    override = config.overrides["x"].thresholds
    assert override[Metric.MEMORY].clear == 85  # overrides: trigger - 5
    assert (override[Metric.DISK].trigger, override[Metric.DISK].clear) == (80, 77)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"guestDefaults": {"cpu": {"trigger": 80, "clear": 90}}}, "guestDefaults.cpu.clear (90)"),
        ({"guestDefaults": {"cpu": {"trigger": -1}}}, "guestDefaults.cpu.trigger must be at least"),
        ({"guestDefaults": {"cpu": {"trigger": "high"}}}, "guestDefaults.cpu.trigger must be a n"),
        ({"storageDefault": []}, "storageDefault must be an object"),
        ({"overrides": {"x": {"disabled": "yes"}}}, "overrides.x.disabled must be true or false"),
        ({"schedule": {"quietHours": {"start": "25:00"}}}, "schedule.quietHours.start"),
        ({"schedule": {"quietHours": {"timezone": "Mars/Base"}}}, "unknown time zone"),
        ({"schedule": {"quietHours": {"days": {"funday": True}}}}, "unknown day"),
        ({"schedule": {"maintenanceWindows": [{"start": "x"}]}}, "start must be an RFC 3339"),
        ({"backupAge": {"warningDays": 7, "criticalDays": 2}}, "criticalDays must not be below"),
        ({"backupAge": {"noBackup": "maybe"}}, "noBackup must be alert or ignore"),
        ({"connectivity": {"nodes": {"level": "info"}}}, "level must be warning or critical"),
        ({"customRules": [{"filterConditions": {"filters": [{"type": "sql"}]}}]}, "type must be"),
        ({"timeThreshold": 1.5}, "timeThreshold must be a whole number"),
    ],
)
def test_invalid_configs_name_the_field(body: dict[str, Any], message: str) -> None:
    with pytest.raises(AlertConfigError, match=None) as info:
        parse_config(body, now=T0)
    assert message in str(info.value)


def test_dashboard_quirks_are_accepted() -> None:
    config = parse_config({
        "aggregation": {"enabled": True},  # unknown keys: ignored
        "schedule": {"quietHours": {"enabled": True, "start": "22:00", "end": "06:00",
                                    "timezone": "Europe/Berlin",
                                    "days": {"0": True, "1": False, "6": True}}},
    }, now=T0)  # fmt: skip
    assert config.schedule.quiet_hours.days == ("saturday", "sunday")


def test_quiet_hours_wrap_midnight_and_belong_to_their_start_day() -> None:
    config = parse_config({"schedule": {"quietHours": {
        "enabled": True, "start": "22:00", "end": "08:00", "timezone": "Europe/Berlin",
        "days": {"friday": True}}}}, now=T0)  # fmt: skip
    schedule = config.schedule
    friday_2230 = datetime(2025, 8, 15, 20, 30, tzinfo=UTC)  # 22:30 in Berlin (CEST)
    saturday_0700 = datetime(2025, 8, 16, 5, 0, tzinfo=UTC)  # 07:00 Berlin
    saturday_0900 = datetime(2025, 8, 16, 7, 0, tzinfo=UTC)
    saturday_2300 = datetime(2025, 8, 16, 21, 0, tzinfo=UTC)
    thursday_2300 = datetime(2025, 8, 14, 21, 0, tzinfo=UTC)
    assert schedule.in_quiet_hours(friday_2230)
    assert schedule.in_quiet_hours(saturday_0700)
    assert not schedule.in_quiet_hours(saturday_0900)
    assert not schedule.in_quiet_hours(saturday_2300)
    assert not schedule.in_quiet_hours(thursday_2300)
    disabled = parse_config({}, now=T0).schedule
    assert not disabled.in_quiet_hours(friday_2230)


def test_maintenance_window_matching() -> None:
    window = MaintenanceWindow("m", "", T0, T0.replace(hour=12), resources=("lab-pve1", "x-y-9"))

    class Ref:
        def __init__(self, resource_id: str, node: str, instance: str) -> None:
            self.resource_id, self.node, self.instance = resource_id, node, instance

    assert window.covers(Ref("lab-pve1-101", "pve1", "lab"), T0)  # a guest on the node
    assert window.covers(Ref("x-y-9", "y", "x"), T0)
    assert not window.covers(Ref("lab-pve2-101", "pve2", "lab"), T0)
    assert not window.covers(Ref("lab-pve1-101", "pve1", "lab"), T0.replace(hour=12))
    everything = MaintenanceWindow("all", "", T0, T0.replace(hour=12))
    assert everything.covers(Ref("any", "n", "i"), T0)


def test_old_maintenance_windows_are_pruned_and_merge_keeps_other_keys() -> None:
    config = parse_config({"schedule": {"maintenanceWindows": [
        {"start": "2025-01-01T00:00:00Z", "end": "2025-01-02T00:00:00Z"},
        {"id": "w2", "start": "2025-08-12T00:00:00Z", "end": "2025-08-13T00:00:00Z"},
    ]}, "backupAge": {"enabled": True}}, now=T0)  # fmt: skip
    assert [w.id for w in config.schedule.maintenance] == ["w2"]
    changed = merged(config, {"minimumDelta": 4}, now=T0)
    assert changed.minimum_delta == 4
    assert changed.backup_age.enabled
    assert changed.schedule.maintenance == config.schedule.maintenance
