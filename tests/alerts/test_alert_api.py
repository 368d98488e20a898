"""The alert routes through the real app: config, thresholds, overrides, active alerts,
acknowledge/clear, history with filters, validation, and persistence across a restart."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from pulse import keys
from pulse.alerts.service import AlertService, utc_now
from pulse.models import State
from tests.alerts.factories import Clock, Recorder, guest, node, state, usage
from tests.conftest import AppClient

Client = TestClient[web.Request, web.Application]


def service(client: Client) -> AlertService:
    return client.app[keys.ALERTS]


def cycle(client: Client, st: State, clock: Clock, seconds: float = 5) -> None:
    clock.advance(seconds=seconds)
    service(client).on_cycle(st)


async def started(app_client: AppClient, clock: Clock | None = None) -> tuple[Client, Clock]:
    client = await app_client()
    clock = clock or Clock()
    service(client).clock = clock
    return client, clock


async def json_of(client: Client, method: str, path: str, **kw: Any) -> tuple[int, Any]:
    resp = await client.request(method, path, **kw)
    return resp.status, await resp.json()


async def test_config_get_put_validates_and_persists(app_client: AppClient) -> None:
    client, _ = await started(app_client)
    status, config = await json_of(client, "GET", "/api/alerts/config")
    assert status == 200
    assert config["guestDefaults"]["cpu"] == {"trigger": 80, "clear": 75}
    config["guestDefaults"]["cpu"] = {"trigger": 70, "clear": 60, "delay": 120}
    config["backupAge"]["enabled"] = True
    config["flapping"] = {"enabled": True}  # the dashboard's extra keys are ignored
    status, body = await json_of(client, "PUT", "/api/alerts/config", json=config)
    assert (status, body) == (200, {"status": "success"})
    _, after = await json_of(client, "GET", "/api/alerts/config")
    assert after["guestDefaults"]["cpu"] == {"trigger": 70, "clear": 60, "delay": 120}
    assert "flapping" not in after
    assert client.app[keys.STORE].get("alerts")["backupAge"]["enabled"] is True
    # a PUT without Pulse's own keys keeps them
    status, _ = await json_of(client, "POST", "/api/alerts/config", json={"enabled": True})
    assert status == 200
    _, after = await json_of(client, "GET", "/api/alerts/config")
    assert after["backupAge"]["enabled"] is True
    for bad, message in [
        ({"guestDefaults": {"cpu": {"trigger": 50, "clear": 60}}}, "guestDefaults.cpu.clear"),
        ({"schedule": {"quietHours": {"end": "8am"}}}, "schedule.quietHours.end"),
        ({"minimumDelta": "two"}, "minimumDelta must be a number"),
    ]:
        status, body = await json_of(client, "PUT", "/api/alerts/config", json=bad)
        assert status == 400
        assert message in body["error"]
    resp = await client.put("/api/alerts/config", data=b"{not json")
    assert resp.status == 400
    _, unchanged = await json_of(client, "GET", "/api/alerts/config")
    assert unchanged == after


async def test_seed_threshold_routes_merge_and_validate(app_client: AppClient) -> None:
    client, _ = await started(app_client)
    status, thresholds = await json_of(client, "GET", "/api/notifications/thresholds")
    assert status == 200
    assert set(thresholds) == {
        "guestDefaults", "nodeDefaults", "storageDefault", "datastoreDefault", "minimumDelta",
        "suppressionWindow", "hysteresisMargin", "timeThreshold",
    }  # fmt: skip
    body = {"guestDefaults": {"memory": {"trigger": 95, "clear": 90}}, "timeThreshold": 30}
    status, reply = await json_of(client, "POST", "/api/notifications/thresholds", json=body)
    assert (status, reply) == (200, {"status": "success"})
    _, thresholds = await json_of(client, "GET", "/api/notifications/thresholds")
    assert thresholds["guestDefaults"]["memory"] == {"trigger": 95, "clear": 90}
    assert thresholds["guestDefaults"]["cpu"] == {"trigger": 80, "clear": 75}  # merged per metric
    assert thresholds["timeThreshold"] == 30
    status, reply = await json_of(
        client, "POST", "/api/notifications/thresholds", json={"overrides": {}}
    )
    assert status == 400
    assert "unknown field 'overrides'" in reply["error"]
    status, reply = await json_of(
        client, "POST", "/api/notifications/thresholds", json={"storageDefault": {"trigger": -5}}
    )
    assert status == 400
    assert "storageDefault.trigger" in reply["error"]


async def test_overrides_replace_and_apply_to_nodes(app_client: AppClient) -> None:
    client, clock = await started(app_client)
    overrides = {
        "lab-pve1": {"cpu": {"trigger": 50, "clear": 45}},
        "lab-pve1-101": {"disabled": True},
    }
    status, _ = await json_of(
        client, "POST", "/api/notifications/thresholds/overrides", json=overrides
    )
    assert status == 200
    _, got = await json_of(client, "GET", "/api/notifications/thresholds/overrides")
    assert got == overrides
    cycle(client, state(nodes=(node(cpu=0.6),), guests=(guest(cpu=0.99),)), clock)
    _, active = await json_of(client, "GET", "/api/alerts/active")
    assert [a["id"] for a in active] == ["lab-pve1-cpu"]
    status, reply = await json_of(
        client, "POST", "/api/notifications/thresholds/overrides", json={"x": {"cpu": "hot"}}
    )
    assert status == 400
    assert "overrides.x.cpu must be an object" in reply["error"]
    resp = await client.post("/api/notifications/thresholds/overrides", json=[1])
    assert resp.status == 400


async def test_active_acknowledge_unacknowledge_clear(app_client: AppClient) -> None:
    client, clock = await started(app_client)
    cycle(client, state(guests=(guest(101, cpu=0.9), guest(102, memory=usage(95)))), clock)
    status, active = await json_of(client, "GET", "/api/alerts/active")
    assert status == 200
    first = active[0]
    assert first["id"] == "lab-pve1-101-cpu"
    assert first["metadata"] == {"resourceType": "VM", "clearThreshold": 75}
    assert first["acknowledged"] is False
    assert "ackTime" not in first
    status, body = await json_of(client, "POST", "/api/alerts/lab-pve1-101-cpu/acknowledge")
    assert (status, body) == (200, {"success": True})
    _, active = await json_of(client, "GET", "/api/alerts/active")
    assert active[0]["acknowledged"] is True
    assert active[0]["ackUser"] == "admin"
    assert active[0]["ackTime"]
    status, body = await json_of(client, "POST", "/api/alerts/nope/acknowledge")
    assert status == 404
    assert body["error"] == "alert not found: nope"
    status, _ = await json_of(client, "POST", "/api/alerts/lab-pve1-101-cpu/unacknowledge")
    assert status == 200
    _, active = await json_of(client, "GET", "/api/alerts/active")
    assert active[0]["acknowledged"] is False
    status, body = await json_of(client, "POST", "/api/alerts/lab-pve1-101-cpu/clear")
    assert (status, body) == (200, {"success": True})
    status, body = await json_of(client, "POST", "/api/alerts/unknown/clear")
    assert (status, body) == (200, {"success": True})
    _, active = await json_of(client, "GET", "/api/alerts/active")
    assert [a["id"] for a in active] == ["lab-pve1-102-memory"]


async def test_bulk_routes(app_client: AppClient) -> None:
    client, clock = await started(app_client)
    cycle(client, state(guests=(guest(101, cpu=0.9), guest(102, memory=usage(95)))), clock)
    ids = ["lab-pve1-101-cpu", "missing"]
    status, body = await json_of(
        client, "POST", "/api/alerts/bulk/acknowledge", json={"alertIds": ids, "user": "bob"}
    )
    assert status == 200
    assert body["results"] == [
        {"alertId": "lab-pve1-101-cpu", "success": True},
        {"alertId": "missing", "success": False, "error": "alert not found: missing"},
    ]
    assert service(client).engine.get("lab-pve1-101-cpu").ack_user == "bob"  # type: ignore[union-attr]
    for bad in ({}, {"alertIds": "x"}, {"alertIds": [1]}):
        resp = await client.post("/api/alerts/bulk/clear", json=bad)
        assert resp.status == 400
    status, _ = await json_of(
        client, "POST", "/api/alerts/bulk/clear", json={"alertIds": ["lab-pve1-102-memory"]}
    )
    assert status == 200
    assert [a.id for a in service(client).engine.active()] == ["lab-pve1-101-cpu"]


async def test_history_filters_and_clearing(app_client: AppClient) -> None:
    client, clock = await started(app_client)
    cycle(client, state(guests=(guest(101, cpu=0.85),)), clock)
    cycle(client, state(guests=(guest(101, cpu=0.1, memory=usage(99)),)), clock, seconds=60)
    status, history = await json_of(client, "GET", "/api/alerts/history")
    assert status == 200
    assert [(a["id"], "resolvedTime" in a) for a in history] == [
        ("lab-pve1-101-memory", False),
        ("lab-pve1-101-cpu", True),
    ]
    _, seed = await json_of(client, "GET", "/api/notifications/alerts?limit=1")
    assert [a["id"] for a in seed] == ["lab-pve1-101-memory"]
    _, crit = await json_of(client, "GET", "/api/alerts/history?severity=critical")
    assert [a["id"] for a in crit] == ["lab-pve1-101-memory"]
    _, page = await json_of(client, "GET", "/api/alerts/history?offset=1&resourceId=lab-pve1-101")
    assert [a["id"] for a in page] == ["lab-pve1-101-cpu"]
    _, early = await json_of(client, "GET", "/api/alerts/history?endTime=2025-08-12T10:00:30Z")
    assert [a["id"] for a in early] == ["lab-pve1-101-cpu"]
    for query in ("limit=-1", "limit=x", "severity=info", "startTime=yesterday"):
        resp = await client.get(f"/api/alerts/history?{query}")
        assert resp.status == 400, query
    status, body = await json_of(client, "POST", "/api/notifications/alerts/clear")
    assert body == {"status": "success", "message": "Alert history cleared"}
    _, history = await json_of(client, "GET", "/api/alerts/history")
    assert history == []
    status, _ = await json_of(client, "DELETE", "/api/alerts/history")
    assert status == 200


async def test_active_alerts_and_history_survive_a_restart(app_client: AppClient) -> None:
    client, clock = await started(app_client, Clock(utc_now()))  # restore looks at the real time
    cycle(client, state(guests=(guest(101, cpu=0.9), guest(102, memory=usage(95)))), clock)
    await client.post("/api/alerts/lab-pve1-101-cpu/acknowledge")
    cycle(client, state(guests=(guest(101, cpu=0.9), guest(102))), clock)
    await client.close()  # shutdown writes both files
    assert (service(client).directory / "active-alerts.json").exists()

    client2 = await app_client()
    restored = service(client2)
    _, active = await json_of(client2, "GET", "/api/alerts/active")
    assert [(a["id"], a["acknowledged"]) for a in active] == [("lab-pve1-101-cpu", True)]
    _, history = await json_of(client2, "GET", "/api/alerts/history")
    assert [a["id"] for a in history] == ["lab-pve1-102-memory", "lab-pve1-101-cpu"]
    assert history[0]["resolvedTime"]
    assert history[1]["acknowledged"] is True
    # a restored alert is not re-announced: the next hot cycle only updates it
    recorder = Recorder()
    restored.attach(notifier=recorder, hub=recorder)
    restored.clock = later = Clock(clock.now)
    cycle(client2, state(guests=(guest(101, cpu=0.9), guest(102))), later)
    assert recorder.events == []
