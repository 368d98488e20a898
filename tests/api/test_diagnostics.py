"""/api/diagnostics against the simulator: live probes (concurrent, bounded), poller status,
runtime facts, recent warnings, and never a secret."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from pulse import keys
from pulse.simulator import Fault, Simulator
from tests.conftest import AppClient
from tests.monitoring import Monitor

SMTP_PASSWORD = "smtp-secret-Password-42"
WEBHOOK_URL = "http://127.0.0.1:9/hooks/secret-webhook-path-token"
API_TOKEN = "diagnostics-api-token-0123456789abcdef"


async def diagnostics(monitor: Monitor, **kwargs: Any) -> dict[str, Any]:
    response = await monitor.client.get("/api/diagnostics", **kwargs)
    assert response.status == 200
    body: dict[str, Any] = await response.json()
    return body


def _complete(state: dict[str, Any]) -> bool:
    health = state["connectionHealth"]
    return len(health) == 3 and all(health.values())


async def test_reports_every_instance_with_live_test_and_poller(monitor: Monitor) -> None:
    await monitor.add_all()
    await monitor.wait_for(_complete)
    body = await diagnostics(monitor)

    assert body["runtime"] == "python"
    assert body["version"] == monitor.app[keys.BUILD_INFO].version
    assert body["uptime"] >= 0
    assert [n["name"] for n in body["nodes"]] == ["homelab", "pve-edge"]
    assert [p["name"] for p in body["pbs"]] == ["pbs1"]
    homelab = body["nodes"][0]
    assert homelab["connected"] is True
    assert homelab["authMethod"] == "api_token"
    assert homelab["type"] == "pve"
    assert homelab["host"] == monitor.sim.server("homelab").url
    cluster = monitor.sim.model.pve["homelab"]
    assert homelab["details"]["node_count"] == len(cluster.nodes)
    assert homelab["details"]["isCluster"] is True
    assert homelab["clusterInfo"]["nodes"] == len(cluster.nodes)
    assert homelab["poller"]["status"] == "connected"
    assert homelab["poller"]["requestsLastCycle"] > 0
    pbs = body["pbs"][0]
    assert pbs["connected"] is True
    assert sorted(pbs["details"]["datastores"]) == sorted(
        next(iter(monitor.sim.model.pbs.values())).datastores
    )
    assert body["errors"] == []

    system = body["system"]
    assert system["pythonVersion"].count(".") == 2
    assert system["memoryRSSBytes"] > 1024 * 1024
    assert system["tasks"] >= 1
    assert system["websocketClients"] == 0
    ws = await monitor.client.ws_connect("/ws")
    try:
        assert (await diagnostics(monitor))["system"]["websocketClients"] == 1
    finally:
        await ws.close()


async def test_failures_are_reported_per_instance_and_bounded(monitor: Monitor) -> None:
    await monitor.add_all()
    await monitor.wait_for(_complete)
    monitor.app[keys.DIAGNOSTICS].deadline = 0.5  # the hung instance must not hold the answer
    await monitor.sim.set_fault("pve-edge", Fault.HANG)
    await monitor.sim.set_fault("pbs1", Fault.OFFLINE)
    body = await diagnostics(monitor)

    edge = next(n for n in body["nodes"] if n["name"] == "pve-edge")
    assert edge["connected"] is False
    assert edge["errorKind"] == "timeout"
    assert "details" not in edge
    pbs = body["pbs"][0]
    assert pbs["connected"] is False
    assert pbs["errorKind"] == "unreachable"
    assert pbs["error"]
    homelab = next(n for n in body["nodes"] if n["name"] == "homelab")
    assert homelab["connected"] is True  # probed alongside, unaffected
    assert sorted(body["errors"]) == sorted([f"pbs1: {pbs['error']}", f"pve-edge: {edge['error']}"])


async def test_concurrent_calls_share_one_probe_run(monitor: Monitor) -> None:
    await monitor.add(monitor.sim.server("pve-edge"))
    shared = monitor.app[keys.DIAGNOSTICS]
    instances = monitor.app[keys.NODES].instances
    first, second = await asyncio.gather(
        shared.probe_all(instances, 1.0), shared.probe_all(instances, 1.0)
    )
    assert first is second  # one run answered both callers
    assert first["pve-0"].connected
    later = await shared.probe_all(instances, 1.0)
    assert later is not first  # nothing is cached once a run is over
    assert later["pve-0"].connected


async def test_a_caller_that_goes_away_leaves_the_run_referenced_until_shutdown(
    monitor: Monitor,
) -> None:
    await monitor.add(monitor.sim.server("pve-edge"))
    await monitor.sim.set_fault("pve-edge", Fault.HANG)
    shared = monitor.app[keys.DIAGNOSTICS]
    caller = asyncio.create_task(shared.probe_all(monitor.app[keys.NODES].instances, 30.0))
    await asyncio.sleep(0.2)
    caller.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await caller
    assert shared.probing == 1  # not cancelled with its caller, not garbage
    await shared.close()  # what app shutdown does
    assert shared.probing == 0


async def test_instance_without_credentials(monitor: Monitor) -> None:
    await monitor.add(monitor.sim.server("pve-edge"), token_name="", token_value="")
    body = await diagnostics(monitor)
    node = body["nodes"][0]
    assert node["authMethod"] == "none"
    assert node["connected"] is False
    assert node["error"] == "No authentication configured"


async def test_no_secret_ever_appears(app_client: AppClient, sim: Simulator) -> None:
    client = await app_client(
        env={"API_TOKEN": API_TOKEN}, polling_interval=1, connection_timeout=1
    )
    monitor = Monitor(client, sim)
    headers = {"X-API-Token": API_TOKEN}
    edge = await monitor.add(sim.server("pve-edge"))
    # a second instance with a password and a wrong token secret: its errors are shown
    await monitor.add(
        sim.server("homelab"), user="root@pam", password="pve-root-Password-99",
        token_value="wrong-token-secret-value-123",
    )  # fmt: skip
    store = client.app[keys.STORE]
    await store.save(
        {
            "email": {"enabled": True, "server": "127.0.0.1", "password": SMTP_PASSWORD},
            "webhooks": [{"id": "w1", "name": "hook", "url": WEBHOOK_URL, "enabled": True}],
        }
    )
    # a warning that happens to contain a secret is listed masked
    logging.getLogger("pulse.test").warning("upstream said %s", edge.token_value)
    response = await client.get("/api/diagnostics", headers=headers)
    assert response.status == 200
    text = await response.text()
    secrets = [
        API_TOKEN,
        edge.token_value,
        "pve-root-Password-99",
        "wrong-token-secret-value-123",
        SMTP_PASSWORD,
        "secret-webhook-path-token",
    ]
    for secret in secrets:
        assert secret not in text
    body = await response.json()
    recent = [e for e in body["recentErrors"] if e["logger"] == "pulse.test"]
    assert recent == [
        {"time": recent[0]["time"], "level": "WARNING", "logger": "pulse.test",
         "message": "upstream said ***"}
    ]  # fmt: skip
    homelab = next(n for n in body["nodes"] if n["name"] == "homelab")
    assert homelab["connected"] is False
    assert homelab["errorKind"] == "auth"
    # without credentials: refused like every private route
    assert (await client.get("/api/diagnostics")).status == 401
