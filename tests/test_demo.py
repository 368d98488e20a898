"""`pulse --demo`: the simulator monitored through the normal pollers; full state in two cycles."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from pulse import keys
from pulse.app import create_app
from pulse.config.settings import Settings
from pulse.demo import install_demo
from tests.monitoring import Monitor

MakeClient = Callable[[web.Application], Awaitable[TestClient[web.Request, web.Application]]]


def _full(state: dict[str, Any]) -> bool:
    running = [g for g in state["vms"] if g["status"] == "running"]
    return (
        len(state["connectionHealth"]) == 3
        and all(state["connectionHealth"].values())
        and bool(state["pbsBackups"])
        and bool(state["pveBackups"]["storageBackups"])
        and bool(state["pveBackups"]["guestSnapshots"])
        and bool(running)
        and all(g["diskSourceReason"] != "pending" for g in running)
    )


async def test_demo_shows_the_full_state_within_two_cycles(
    aiohttp_client: MakeClient, make_settings: Callable[..., Settings]
) -> None:
    app = create_app(make_settings(polling_interval=2))
    install_demo(app)
    client = await aiohttp_client(app)
    state = await Monitor(client, None).wait_for(_full, limit=10)  # type: ignore[arg-type]
    cycles = {s.name: s.cycles for s in client.app[keys.POLLERS].statuses()}
    assert set(cycles) == {"homelab", "pve-edge", "pbs1"}
    assert all(n <= 2 for n in cycles.values()), cycles

    # the demo topology: a 3-node cluster with one node offline, a standalone node, a PBS
    nodes = {n["name"]: n for n in state["nodes"]}
    assert set(nodes) == {"pve1", "pve2", "pve3", "pve-edge"}
    assert nodes["pve3"]["status"] == "offline"
    assert nodes["pve3"]["lastSeen"] is None  # offline since before Pulse started
    # registered as a user's node would be: the cluster and its members are known
    configured = {n["name"]: n for n in await (await client.get("/api/config/nodes")).json()}
    assert configured["homelab"]["isCluster"] is True
    members = {e["NodeName"]: e["Online"] for e in configured["homelab"]["clusterEndpoints"]}
    assert members == {"pve1": True, "pve2": True, "pve3": False}
    assert [p["status"] for p in state["pbs"]] == ["online"]
    # monitored through real clients: every instance made real API calls over loopback
    assert state["performance"]["totalApiCalls"] > 0
    assert all(n["host"].startswith("https://127.") for n in state["nodes"])
