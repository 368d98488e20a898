"""Faults seen through /api/state: offline nodes, changed certificates, failover, hangs."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from pulse import keys
from pulse.polling.coordinator import Cadence
from pulse.simulator import Fault, Simulator, build_topology
from tests.conftest import AppClient
from tests.monitoring import Monitor


def _node(state: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((n for n in state["nodes"] if n["name"] == name), None)


def _healthy(state: dict[str, Any], key: str) -> bool:
    return state["connectionHealth"].get(key) is True


async def test_offline_standalone_node_shows_error_then_recovers(monitor: Monitor) -> None:
    await monitor.add_all()
    before = await monitor.wait_for(lambda s: _healthy(s, "pve-edge"))
    edge_guests = [g["id"] for g in before["vms"] + before["containers"] if g["node"] == "pve-edge"]
    assert edge_guests

    await monitor.sim.set_fault("pve-edge", Fault.OFFLINE)
    down = await monitor.wait_for(lambda s: s["connectionHealth"].get("pve-edge") is False)
    node = _node(down, "pve-edge")
    assert node is not None
    assert node["status"] == "offline"
    assert node["stale"] is True
    assert "cannot connect" in node["error"]
    assert down["errors"]["pve-edge"] == node["error"]
    # its guests stay visible, marked stale, with the time of their last good data
    stale = {g["id"]: g for g in down["vms"] + down["containers"] if g["node"] == "pve-edge"}
    assert set(stale) == set(edge_guests)
    assert all(g["stale"] and g["lastSeen"] for g in stale.values())
    # the other instances are unaffected
    assert _healthy(down, "homelab")
    assert _healthy(down, "pbs-pbs1")

    await monitor.sim.set_fault("pve-edge", None)
    up = await monitor.wait_for(lambda s: _healthy(s, "pve-edge"))
    node = _node(up, "pve-edge")
    assert node is not None
    assert node["status"] == "online"
    assert not node["stale"]
    assert "error" not in node
    assert "pve-edge" not in up["errors"]


async def test_cluster_member_offline_is_reported_by_the_cluster(monitor: Monitor) -> None:
    await monitor.add(monitor.sim.server("homelab"))
    seen_online = await monitor.wait_for(lambda s: _healthy(s, "homelab"))
    last_online = (_node(seen_online, "pve3") or {})["lastSeen"]
    await monitor.sim.set_fault("pve3", Fault.OFFLINE)
    state = await monitor.wait_for(lambda s: (_node(s, "pve3") or {}).get("status") == "offline")
    assert _healthy(state, "homelab")  # the cluster itself still answers
    node = _node(state, "pve3")
    assert node is not None
    assert "offline" in node["error"]
    # lastSeen stays at the last cycle the node was online; it does not follow the polls.
    later = await monitor.wait_for(lambda s: s["lastUpdate"] != state["lastUpdate"])
    assert (_node(later, "pve3") or {})["lastSeen"] == node["lastSeen"]
    assert node["lastSeen"] >= last_online
    guests = [g for g in state["vms"] + state["containers"] if g["node"] == "pve3"]
    assert guests
    assert all(g["stale"] for g in guests)


async def test_changed_certificate_is_refused_under_pinning(monitor: Monitor) -> None:
    await monitor.add(monitor.sim.server("pve-edge"))
    await monitor.wait_for(lambda s: _healthy(s, "pve-edge"))
    await monitor.sim.set_fault("pve-edge", Fault.ROTATE_CERT)
    # (while the listener restarts, a cycle may first see "connection refused")
    state = await monitor.wait_for(lambda s: "fingerprint" in s["errors"].get("pve-edge", ""))
    assert state["connectionHealth"]["pve-edge"] is False
    error = state["errors"]["pve-edge"]
    assert "certificate fingerprint changed/mismatch" in error
    assert monitor.sim.fingerprint("pve-edge") in error  # tells the user the new fingerprint
    status = monitor.app[keys.POLLERS].statuses()[0]
    assert status.error_kind == "fingerprint"
    assert not status.connected


async def test_cluster_failover_and_return(monitor: Monitor) -> None:
    manager = monitor.app[keys.POLLERS]
    manager.cadence = Cadence(endpoint_retry=1.0, tick=0.2)
    server = monitor.sim.server("homelab")
    instance = await monitor.add(server)
    await monitor.wait_for(lambda s: _healthy(s, "homelab"))
    # wait until the poller learnt the other members (slow cadence, right after the first cycle)
    for _ in range(100):
        poller = manager._pollers[instance.id]
        if len(getattr(poller, "client").members) >= 2:  # noqa: B009
            break
        await asyncio.sleep(0.1)

    await monitor.sim.set_fault(server.nodes[0], Fault.OFFLINE)  # the configured entry node
    state = await monitor.wait_for(
        lambda s: (_node(s, server.nodes[0]) or {}).get("status") == "offline"
    )
    assert _healthy(state, "homelab")
    status = manager.status(instance.id)
    assert status is not None
    assert status.connected
    assert status.endpoint != server.url
    assert status.endpoint in server.node_urls

    await monitor.sim.set_fault(server.nodes[0], None)
    for _ in range(100):
        status = manager.status(instance.id)
        if status is not None and status.endpoint == server.url:
            break
        await asyncio.sleep(0.1)
    assert status is not None
    assert status.endpoint == server.url


async def test_hung_instance_does_not_delay_the_others(
    app_client: AppClient, sim: Simulator
) -> None:
    # The connection timeout outlasts the test: pve-edge's cycle stays stuck on its held answers
    # the whole time, so the others can only make progress if nothing waits for it.
    client = await app_client(polling_interval=1, connection_timeout=30)
    monitor = Monitor(client, sim)
    await monitor.add_all()
    await monitor.wait_for(lambda s: len(s["connectionHealth"]) == 3)
    manager = client.app[keys.POLLERS]
    await sim.set_fault("pve-edge", Fault.HANG)
    before = {s.name: s for s in manager.statuses()}
    seen = {g["id"]: g["lastSeen"] for g in (await monitor.state())["vms"]}

    def others_refreshed(_state: dict[str, Any]) -> bool:
        now = {s.name: s.cycles for s in manager.statuses()}
        return all(now[n] >= before[n].cycles + 3 for n in now if n != "pve-edge")

    state = await monitor.wait_for(others_refreshed, limit=10)
    after = {s.name: s for s in manager.statuses()}
    assert after["pve-edge"].cycles <= before["pve-edge"].cycles + 1  # stuck in one cycle
    for name in ("homelab", "pbs1"):
        assert after[name].connected, name
    # every guest of the healthy cluster carries fresh data; pve-edge's are the old ones
    for guest in state["vms"]:
        if guest["instance"] == "homelab" and guest["id"] in seen:
            assert guest["lastSeen"] != seen[guest["id"]], guest["id"]
    await sim.set_fault("pve-edge", None)


async def test_requests_per_cycle_grow_with_nodes_not_guests(
    app_client: AppClient, tmp_path: Path
) -> None:
    counts = []
    for guests in (4, 40):
        topology = build_topology(seed=3, clusters=[("c", 3, guests)], standalone=[], pbs=False)
        async with Simulator(topology) as sim:
            data_dir = tmp_path / f"data-{guests}"
            data_dir.mkdir(mode=0o700)
            client = await app_client(polling_interval=1, connection_timeout=2, data_dir=data_dir)
            monitor = Monitor(client, sim)
            instance = await monitor.add(sim.servers[0])
            await monitor.wait_for(lambda s: _healthy(s, "c") and len(s["vms"]) > 0)
            manager = client.app[keys.POLLERS]
            start = manager.status(instance.id)
            assert start is not None
            for _ in range(50):
                status = manager.status(instance.id)
                assert status is not None
                if status.cycles >= start.cycles + 2:
                    break
                await asyncio.sleep(0.1)
            counts.append(status.requests_last_cycle)
            state = await monitor.state()
            assert state["performance"]["apiCallsLastCycle"] == status.requests_last_cycle
            await client.close()
    assert counts[0] == counts[1] == 1 + 2 * 3  # /cluster/resources + status and storage per node
