"""With the simulated clock frozen, /api/state carries exactly the bytes the simulator serves.

The expected values are read straight from the simulator's API (a plain aiohttp session, not
Pulse's client), so this checks field mapping, units and arithmetic end to end. Rates: the clock
is advanced by one pvestatd period and the rate must equal counter delta / uptime delta.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from pulse.simulator import ServerInfo, Simulator, homelab_topology
from pulse.simulator.clock import SimClock
from tests.conftest import AppClient
from tests.monitoring import Monitor


@pytest.fixture
async def frozen(app_client: AppClient) -> AsyncIterator[Monitor]:
    async with Simulator(homelab_topology(), clock=SimClock.manual()) as sim:
        client = await app_client(polling_interval=1, connection_timeout=2)
        yield Monitor(client, sim)


async def _raw(session: aiohttp.ClientSession, server: ServerInfo, path: str) -> Any:
    sep = "=" if server.kind == "pve" else ":"
    auth = f"{server.kind.upper()}APIToken={server.token_id}{sep}{server.token_secret}"
    async with session.get(
        f"{server.url}/api2/json{path}", headers={"Authorization": auth}, ssl=False
    ) as response:
        assert response.status == 200, path
        return (await response.json())["data"]


def _ready(state: dict[str, Any]) -> bool:
    health = state["connectionHealth"]
    running = [g for g in state["vms"] if g["status"] == "running"]
    return (
        len(health) == 3
        and all(health.values())
        and all(g["diskSourceReason"] != "pending" for g in running)
    )


async def test_bytes_equal_what_the_simulator_serves(frozen: Monitor) -> None:
    await frozen.add_all()
    await frozen.wait_for(_ready)
    state = await frozen.state()
    checked = {"node": 0, "lxc": 0, "balloon": 0, "agent": 0, "storage": 0, "datastore": 0}
    async with aiohttp.ClientSession() as http:
        for server in frozen.sim.servers:
            if server.kind == "pbs":
                usage = await _raw(http, server, "/status/datastore-usage")
                shown = {d["name"]: d for d in state["pbs"][0]["datastores"]}
                for item in usage:
                    store = shown[item["store"]]
                    assert (store["total"], store["used"], store["free"]) == (
                        item["total"],
                        item["used"],
                        item["avail"],
                    )
                    checked["datastore"] += 1
                continue
            resources = await _raw(http, server, "/cluster/resources")
            nodes = {n["name"]: n for n in state["nodes"] if n["instance"] == server.name}
            for res in (r for r in resources if r["type"] == "node" and r["status"] == "online"):
                node = nodes[res["node"]]
                status = await _raw(http, server, f"/nodes/{res['node']}/status")
                assert node["cpu"] == res["cpu"]
                assert node["uptime"] == res["uptime"]
                assert (node["memory"]["total"], node["memory"]["used"]) == (
                    res["maxmem"],
                    res["mem"],
                )
                assert node["memory"]["usage"] == pytest.approx(res["mem"] / res["maxmem"] * 100)
                rootfs = status["rootfs"]
                assert (node["disk"]["total"], node["disk"]["used"], node["disk"]["free"]) == (
                    rootfs["total"],
                    rootfs["used"],
                    rootfs["avail"],
                )
                checked["node"] += 1
                for entry in await _raw(http, server, f"/nodes/{res['node']}/storage"):
                    if not entry.get("active"):
                        continue
                    item = next(
                        s
                        for s in state["storage"]
                        if s["instance"] == server.name
                        and s["name"] == entry["storage"]
                        and s["node"] in (res["node"], "shared")
                    )
                    if item["node"] == res["node"]:
                        assert (item["total"], item["used"], item["free"]) == (
                            entry["total"],
                            entry["used"],
                            entry["avail"],
                        )
                        checked["storage"] += 1
            guests = {g["id"]: g for g in state["vms"] + state["containers"]}
            for res in resources:
                if res["type"] not in ("qemu", "lxc") or res.get("status") != "running":
                    continue
                guest = guests[f"{server.name}-{res['node']}-{res['vmid']}"]
                assert guest["cpu"] == res["cpu"]
                assert guest["memory"]["total"] == res["maxmem"]
                if res["type"] == "lxc":
                    assert guest["memory"]["used"] == res["mem"]
                    assert (guest["disk"]["total"], guest["disk"]["used"]) == (
                        res["maxdisk"],
                        res["disk"],
                    )
                    checked["lxc"] += 1
                elif guest["memorySource"] == "guest-agent":  # cache-aware: MemTotal-MemAvailable
                    raw = await _raw(
                        http,
                        server,
                        f"/nodes/{res['node']}/qemu/{res['vmid']}/agent/file-read?file=/proc/meminfo",
                    )
                    kib = dict(re.findall(r"^(\w+):\s+(\d+) kB", raw["content"], re.M))
                    used = (int(kib["MemTotal"]) - int(kib["MemAvailable"])) * 1024
                    assert guest["memory"]["used"] == used
                    checked["agent"] += 1
                else:
                    assert guest["memory"]["used"] == min(res["mem"], res["maxmem"])
                    checked["balloon"] += 1
    assert all(checked.values()), checked


async def test_rates_equal_counter_deltas(frozen: Monitor) -> None:
    sim = frozen.sim
    server = sim.server("pve-edge")
    await frozen.add(server)
    await frozen.wait_for(lambda s: s["connectionHealth"].get("pve-edge") is True)
    async with aiohttp.ClientSession() as http:
        before = await _raw(http, server, "/cluster/resources")
        sim.clock.advance(10.0)  # exactly one pvestatd refresh later
        after = await _raw(http, server, "/cluster/resources")

    def running(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        return {
            f"pve-edge-{r['node']}-{r['vmid']}": r
            for r in items
            if r["type"] in ("qemu", "lxc") and r.get("status") == "running"
        }

    old, new = running(before), running(after)
    assert old
    state = await frozen.wait_for(
        lambda s: all(g["networkIn"] >= 0 for g in s["vms"] + s["containers"] if g["id"] in new)
    )
    shown = {g["id"]: g for g in state["vms"] + state["containers"]}
    for guest_id, res in new.items():
        elapsed = res["uptime"] - old[guest_id]["uptime"]
        assert elapsed == 10
        for field, counter in (
            ("networkIn", "netin"),
            ("networkOut", "netout"),
            ("diskRead", "diskread"),
            ("diskWrite", "diskwrite"),
        ):
            expected = int((res[counter] - old[guest_id][counter]) / elapsed)
            assert shown[guest_id][field] == expected, (guest_id, field)
