"""Counters, refresh granularity, wandering metrics, events, and determinism from the seed."""

from __future__ import annotations

import asyncio
import dataclasses

import aiohttp

from pulse.simulator import Dynamics, SimClock, Simulator, homelab_topology
from pulse.simulator.model import KEEP_PER_GROUP, MAX_EVENTS, MAX_TASKS_PER_NODE
from pulse.simulator.testing import SimApi


def _by_id(resources: list[dict]) -> dict[str, dict]:
    return {r["id"]: r for r in resources}


async def test_counters_grow_at_the_configured_rate(
    sim: Simulator, clock: SimClock, api: SimApi
) -> None:
    pve = sim.server("homelab")
    first = _by_id(await api.data(pve, "/cluster/resources?type=vm"))
    clock.advance(60)
    second = _by_id(await api.data(pve, "/cluster/resources?type=vm"))
    checked = 0
    for g in sim.model.pve["homelab"].guests.values():
        a, b = first[f"{g.kind.value}/{g.vmid}"], second[f"{g.kind.value}/{g.vmid}"]
        if not g.running:
            assert b["netin"] == 0
            assert b["uptime"] == 0
            continue
        assert b["uptime"] - a["uptime"] == 60
        for counter in ("netin", "netout", "diskread", "diskwrite"):
            rate = (b[counter] - a[counter]) / 60
            assert abs(rate - getattr(g.spec.rates, counter)) < 1, (g.vmid, counter)
        checked += 1
    assert checked >= 5


async def test_cluster_resources_refresh_every_ten_seconds(
    sim: Simulator, clock: SimClock, api: SimApi
) -> None:
    pve = sim.server("homelab")
    inst = sim.model.pve["homelab"]
    now = sim.now()
    clock.advance(inst.refresh_time(now) + 10 - now + 0.5)  # just after a pvestatd refresh
    a = await api.data(pve, "/cluster/resources?type=vm")
    clock.advance(5)
    b = await api.data(pve, "/cluster/resources?type=vm")
    assert a == b  # identical successive readings, as on a real cluster
    clock.advance(5)
    c = await api.data(pve, "/cluster/resources?type=vm")
    assert c != b


async def test_units_and_bounds_over_time(sim: Simulator, clock: SimClock, api: SimApi) -> None:
    pve = sim.server("homelab")
    for _ in range(5):
        clock.advance(937)
        for r in await api.data(pve, "/cluster/resources"):
            if r["type"] in ("qemu", "lxc", "node") and "cpu" in r:
                assert 0.0 <= r["cpu"] <= 1.0
                assert 0 <= r["mem"] <= r["maxmem"] * 1.03
                assert isinstance(r["uptime"], int)
        status = await api.data(pve, "/nodes/pve1/status")
        assert all(isinstance(x, str) for x in status["loadavg"])
        assert isinstance(status["cpuinfo"]["mhz"], str)
        assert status["memory"]["used"] <= status["memory"]["total"]


async def test_start_stop_and_new_backups(session: aiohttp.ClientSession) -> None:
    topo = dataclasses.replace(
        homelab_topology(),
        dynamics=Dynamics(
            start_stop=True, start_stop_interval=120, backups=True, backup_interval=120
        ),
    )
    clock = SimClock.manual()
    async with Simulator(topo, clock=clock) as sim:
        api = SimApi(session)
        pve = sim.server("homelab")
        before = await api.data(pve, "/nodes/pve1/tasks?typefilter=vzdump&limit=0")
        running_before = {g.vmid for g in sim.model.all_guests() if g.running}
        clock.advance(6 * 3600)
        sim.now()
        kinds = {e.split()[0] for _, e in sim.model.events}
        assert {"start", "stop", "backup"} <= kinds
        assert running_before != {g.vmid for g in sim.model.all_guests() if g.running}
        totals = 0
        for node in pve.nodes:
            totals += len(await api.data(pve, f"/nodes/{node}/tasks?typefilter=vzdump&limit=0"))
        assert totals > len(before)


async def test_same_seed_same_answers(session: aiohttp.ClientSession) -> None:
    api = SimApi(session)
    answers = []
    for _ in range(2):
        clock = SimClock.manual()
        async with Simulator(homelab_topology(seed=5), clock=clock) as sim:
            clock.advance(1234)
            pve = sim.server("homelab")
            answers.append(
                (
                    await api.data(pve, "/cluster/resources"),
                    await api.data(pve, "/nodes/pve2/lxc"),
                    await api.data(sim.server("pbs1"), "/admin/datastore/main/snapshots"),
                    pve.token_secret,
                )
            )
    assert answers[0] == answers[1]
    assert homelab_topology(seed=5) == homelab_topology(seed=5)
    assert homelab_topology(seed=5) != homelab_topology(seed=6)


async def test_accelerated_clock_moves_simulated_time_faster(
    session: aiohttp.ClientSession,
) -> None:
    clock = SimClock(speed=3600.0)
    async with Simulator(homelab_topology(), clock=clock) as sim:
        api = SimApi(session)
        pve = sim.server("homelab")
        before = {r["id"]: r["uptime"] for r in await api.data(pve, "/cluster/resources?type=node")}
        await asyncio.sleep(0.05)  # >= 180 simulated seconds; only a lower bound is asserted
        after = {r["id"]: r["uptime"] for r in await api.data(pve, "/cluster/resources?type=node")}
    assert all(after[k] - before[k] >= 170 for k in before)


async def test_long_soak_keeps_memory_bounded() -> None:
    topo = dataclasses.replace(
        homelab_topology(),
        dynamics=Dynamics(
            start_stop=True, start_stop_interval=60, backups=True, backup_interval=30
        ),
    )
    clock = SimClock.manual()
    async with Simulator(topo, clock=clock) as sim:
        for _ in range(24):  # two simulated days, ~5,700 backups and ~2,900 start/stops
            clock.advance(7200)
            sim.now()
        inst = sim.model.pve["homelab"]
        per_group: dict[tuple[str, int], int] = {}
        for b in inst.backups:
            if not b.protected:
                per_group[(b.storage, b.vmid)] = per_group.get((b.storage, b.vmid), 0) + 1
        assert max(per_group.values()) <= KEEP_PER_GROUP + 3  # + what the topology started with
        for ds in sim.model.pbs["pbs1"].datastores.values():
            groups: dict[tuple[str, str, str], int] = {}
            for s in ds.snapshots:
                key = (s.ns, s.backup_type, s.backup_id)
                groups[key] = groups.get(key, 0) + 1
            assert max(groups.values()) <= KEEP_PER_GROUP + 3
        assert all(len(t) <= MAX_TASKS_PER_NODE for t in inst.tasks.values())
        assert len(sim.model.events) == MAX_EVENTS
