"""/api/config/system: partial, validated, live updates; env-locked values."""

from __future__ import annotations

from pulse import keys
from tests.conftest import AppClient


async def test_get_reports_running_values(app_client: AppClient) -> None:
    client = await app_client()
    body = await (await client.get("/api/config/system")).json()
    assert body["pollingInterval"] == 5
    assert body["connectionTimeout"] == 10
    assert body["updateChannel"] == "stable"
    assert body["autoUpdateEnabled"] is False
    assert body["discoverySubnet"] == ""
    assert body["locked"] == {}
    assert "apiToken" not in body


async def test_partial_update_applies_live_and_persists(app_client: AppClient) -> None:
    client = await app_client()
    seen: list[frozenset[str]] = []
    client.app[keys.LIVE_SETTINGS].subscribe(lambda _new, changed: seen.append(changed))
    resp = await client.post("/api/config/system", json={"pollingInterval": 12})
    assert resp.status == 200
    body = await resp.json()
    assert body["status"] == "success"
    assert body["message"] == "Polling interval updated to 12 seconds"
    assert body["pollingInterval"] == 12
    assert body["connectionTimeout"] == 10  # untouched (upstream wiped the rest of the file)
    assert client.app[keys.LIVE_SETTINGS].current.polling_interval == 12
    assert seen == [frozenset({"pollingInterval"})]
    resp = await client.put(
        "/api/config/system",
        json={"allowedOrigins": "https://a.example, https://b.example", "autoUpdateTime": "04:30"},
    )
    body = await resp.json()
    assert body["allowedOrigins"] == "https://a.example,https://b.example"
    assert body["pollingInterval"] == 12
    assert client.app[keys.STORE].get("system")["autoUpdateTime"] == "04:30"


async def test_invalid_values_change_nothing(app_client: AppClient) -> None:
    client = await app_client()
    for bad in (
        {"pollingInterval": 0},
        {"pollingInterval": "fast"},
        {"connectionTimeout": 301},
        {"updateChannel": "nightly"},
        {"autoUpdateTime": "25:00"},
        {"discoverySubnet": "not-a-cidr"},
        {"pollingInterval": 10, "colour": "blue"},
        {"apiToken": "sneaky"},
    ):
        resp = await client.post("/api/config/system", json=bad)
        assert resp.status == 400, bad
        assert "error" in await resp.json()
    assert (await client.post("/api/config/system", data=b"[1,2]")).status == 400
    assert client.app[keys.LIVE_SETTINGS].current.polling_interval == 5
    assert client.app[keys.STORE].get("system") is None


async def test_environment_locks_a_value(app_client: AppClient) -> None:
    client = await app_client(env={"POLLING_INTERVAL": "30"})
    body = await (await client.get("/api/config/system")).json()
    assert body["pollingInterval"] == 30
    assert body["locked"] == {"pollingInterval": "env POLLING_INTERVAL"}
    resp = await client.post("/api/config/system", json={"pollingInterval": 10})
    assert resp.status == 400
    assert "POLLING_INTERVAL" in (await resp.json())["error"]
    # sending back what GET showed is fine (the dashboard saves the whole form)
    resp = await client.post("/api/config/system", json={**body, "connectionTimeout": 20})
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["connectionTimeout"] == 20
