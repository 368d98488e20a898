"""Monitoring read endpoints through the real HTTP surface (state published directly)."""

from __future__ import annotations

import time

from pulse import keys
from pulse.models import Guest, Node, State, Storage, Usage
from pulse.state.history import GUEST_SERIES, STORAGE_SERIES
from tests.conftest import AppClient

NODE = Node(
    "lab-pve1",
    "pve1",
    "lab",
    "https://127.0.1.11:8006",
    "online",
    cpu=0.5,
    memory=Usage.of(100, 25),
)
VM = Guest(
    "lab-pve1-101",
    101,
    "web",
    "pve1",
    "lab",
    "qemu",
    "running",
    cpu=0.1,
    memory=Usage.of(1000, 500),
)
STORE = Storage("lab-pve1-local", "local", "pve1", "lab", "dir", "available", 100, 40, 60, 40.0)


async def _client(app_client: AppClient):  # type: ignore[no-untyped-def]
    client = await app_client()
    client.app[keys.STATE].publish(State(nodes=(NODE,), vms=(VM,), storage=(STORE,)))
    return client


async def test_state_shape(app_client: AppClient) -> None:
    client = await _client(app_client)
    state = await (await client.get("/api/state")).json()
    assert list(state) == [
        "nodes",
        "vms",
        "containers",
        "storage",
        "pbs",
        "pbsBackups",
        "metrics",
        "pveBackups",
        "performance",
        "connectionHealth",
        "stats",
        "activeAlerts",
        "recentlyResolved",
        "lastUpdate",
        "errors",
    ]
    vm = state["vms"][0]
    assert vm["memory"] == {"total": 1000, "used": 500, "free": 500, "usage": 50.0}
    assert vm["networkIn"] == -1
    assert vm["lastBackup"] is None
    assert vm["template"] is False
    assert state["containers"] == []
    assert state["pveBackups"]["backupTasks"] == []


async def test_alert_provider_and_cycle_hook(app_client: AppClient) -> None:
    client = await app_client()
    store = client.app[keys.STATE]
    seen: list[int] = []
    store.add_cycle_hook(lambda s: seen.append(len(s.nodes)))
    store.set_alert_provider(lambda: ([{"id": "a"}], []))
    store.publish(State(nodes=(NODE,)))
    assert seen == [1]
    state = await (await client.get("/api/state")).json()
    assert state["activeAlerts"] == [{"id": "a"}]


async def test_storage_endpoints(app_client: AppClient) -> None:
    client = await _client(app_client)
    redirect = await client.get("/api/storage", allow_redirects=False)
    assert redirect.status == 301
    assert redirect.headers["Location"] == "/api/storage/"
    listing = await (await client.get("/api/storage/")).json()
    assert [s["id"] for s in listing["data"]] == ["lab-pve1-local"]
    item = await client.get("/api/storage/lab-pve1-local")
    assert (await item.json())["data"]["usage"] == 40.0
    missing = await client.get("/api/storage/nope")
    assert missing.status == 404
    assert (await missing.json())["error"] == "Storage with ID 'nope' not found"


async def test_charts_ranges_and_history(app_client: AppClient) -> None:
    client = await _client(app_client)
    history = client.app[keys.POLLERS].history
    now = time.time()
    for i in range(12):
        history.record(VM.id, GUEST_SERIES, now - 60 + i * 5, (10.0, 50.0, 0, 1, 2, 3, 4))
    history.record(STORE.id, STORAGE_SERIES, now - 30, (40.0, 40.0, 100.0, 60.0))

    body = await (await client.get("/api/charts")).json()
    assert set(body) == {"data", "nodeData", "storageData", "timestamp", "stats"}
    cpu = body["data"][VM.id]["cpu"]
    assert len(cpu) >= 11
    assert all(p["value"] == 10.0 for p in cpu)
    assert set(body["data"][VM.id]) == {
        "cpu",
        "memory",
        "disk",
        "diskread",
        "diskwrite",
        "netin",
        "netout",
    }
    # a node without history gets one current point
    assert body["nodeData"][NODE.id]["cpu"] == [{"timestamp": body["timestamp"], "value": 50.0}]
    assert body["storageData"][STORE.id]["disk"][0]["value"] == 40.0
    assert body["stats"]["oldestDataTimestamp"] <= cpu[0]["timestamp"]

    for good in ("5m", "1h", "24h", "7d"):
        assert (await client.get(f"/api/charts?range={good}")).status == 200
    for bad in ("2h", "abc", "1h;drop"):
        response = await client.get("/api/charts", params={"range": bad})
        assert response.status == 400
        assert "invalid range" in (await response.json())["error"]

    only = await (await client.get(f"/api/charts?id={STORE.id}")).json()
    assert only["data"] == {}
    assert list(only["storageData"]) == [STORE.id]

    storage = await (await client.get("/api/storage-charts?range=5")).json()
    usage = storage[STORE.id]["usage"]
    assert usage[0]["value"] == 40.0
    assert usage[0]["timestamp"].endswith("Z")
    assert (await client.get("/api/storage-charts?range=0")).status == 400


async def test_backups_family(app_client: AppClient) -> None:
    client = await _client(app_client)
    for path in ("/api/backups", "/api/backups/", "/api/backups/unified", "/api/backups/other"):
        body = await (await client.get(path)).json()
        assert body == {
            "backupTasks": [],
            "storageBackups": [],
            "guestSnapshots": [],
            "pbsBackups": [],
        }
    assert await (await client.get("/api/backups/pve")).json() == {"backups": []}
    assert await (await client.get("/api/backups/pbs")).json() == {"instances": []}
    assert await (await client.get("/api/snapshots")).json() == {"snapshots": []}
