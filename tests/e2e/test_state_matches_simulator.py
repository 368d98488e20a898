"""/api/state reports what the simulator serves: names, counts, statuses, bytes, rates."""

from __future__ import annotations

from typing import Any

from pulse.simulator import Simulator
from pulse.simulator.topology import GuestKind
from tests.monitoring import Monitor


def _complete(state: dict[str, Any]) -> bool:
    health = state["connectionHealth"]
    return len(health) == 3 and all(health.values())


def _truth(sim: Simulator) -> dict[str, Any]:
    t = sim.now()
    guests = {}
    for inst in sim.model.pve.values():
        for guest in inst.guests.values():
            if guest.spec.template:
                continue
            guests[f"{inst.name}-{guest.node}-{guest.vmid}"] = (guest, guest.sample(t))
    return guests


async def test_state_equals_simulator(monitor: Monitor) -> None:
    await monitor.add_all()
    state = await monitor.wait_for(_complete)
    sim = monitor.sim

    node_names = sorted(n.name for inst in sim.model.pve.values() for n in inst.nodes.values())
    assert sorted(n["name"] for n in state["nodes"]) == node_names
    assert all(n["status"] == "online" and not n["stale"] for n in state["nodes"])
    for node in state["nodes"]:
        spec = sim.model.node(node["name"]).spec
        assert node["memory"]["total"] == spec.maxmem
        assert node["cpuInfo"]["cores"] == spec.maxcpu
        assert len(node["loadAverage"]) == 3
        assert node["pveVersion"].startswith("pve-manager/")

    truth = _truth(sim)
    listed = {g["id"]: g for g in state["vms"] + state["containers"]}
    assert set(listed) == set(truth)
    assert len(state["vms"]) == sum(1 for g, _ in truth.values() if g.kind is GuestKind.QEMU)
    for guest_id, (guest, sample) in truth.items():
        shown = listed[guest_id]
        assert shown["name"] == guest.spec.name
        assert shown["status"] == ("running" if sample.running else "stopped")
        assert shown["memory"]["total"] == guest.spec.maxmem
        assert shown["cpus"] == guest.spec.cpus
        assert shown["type"] == guest.kind.value
        if guest.kind is GuestKind.LXC:
            assert shown["disk"]["total"] == guest.spec.maxdisk
    # sorted by vmid as the state model says
    assert [g["vmid"] for g in state["vms"]] == sorted(g["vmid"] for g in state["vms"])

    assert [p["name"] for p in state["pbs"]] == [b.name for b in sim.model.pbs.values()]
    pbs = state["pbs"][0]
    assert pbs["status"] == "online"
    live = next(iter(sim.model.pbs.values()))
    assert sorted(d["name"] for d in pbs["datastores"]) == sorted(live.datastores)
    for store in pbs["datastores"]:
        assert store["total"] == live.datastores[store["name"]].spec.total

    storage_ids = {s["id"] for s in state["storage"]}
    assert len(storage_ids) == len(state["storage"])  # shared storage listed once
    assert state["metrics"] == []
    assert state["activeAlerts"] == []
    assert state["recentlyResolved"] == []


async def test_vm_disk_and_memory_sources(monitor: Monitor) -> None:
    await monitor.add_all()

    def details_known(state: dict[str, Any]) -> bool:
        running = [g for g in state["vms"] if g["status"] == "running"]
        return bool(running) and all(g["diskSourceReason"] != "pending" for g in running)

    state = await monitor.wait_for(details_known)
    running = [g for g in state["vms"] if g["status"] == "running"]
    with_agent = [g for g in running if g["diskSource"] == "guest-agent"]
    assert with_agent, "VMs with a running guest agent report their filesystem usage"
    for vm in with_agent:
        assert 0 < vm["disk"]["used"] <= vm["disk"]["total"]
    for vm in running:
        if vm["diskSource"] != "guest-agent":
            assert vm["diskSourceReason"] in {
                "agent-disabled",
                "agent-not-running",
                "permission-missing",
                "agent-error",
            }
        assert vm["memorySource"] in {"guest-agent", "balloon", "hypervisor"}
    for ct in state["containers"]:
        if ct["status"] == "running":
            assert ct["memorySource"] == "hypervisor"
            assert ct["memorySourceReason"] == "not-applicable"


async def test_rates_follow_counters(monitor: Monitor) -> None:
    """Counters refresh every ~10 s; once a rate exists it matches the simulated rate."""
    await monitor.add_all()
    sim = monitor.sim
    state = await monitor.wait_for(
        lambda s: any(g["networkIn"] > 0 for g in s["vms"] + s["containers"]), limit=30
    )
    rated = [g for g in state["vms"] + state["containers"] if g["networkIn"] > 0]
    truth = _truth(sim)
    for shown in rated:
        guest, _ = truth[shown["id"]]
        expected = guest.spec.rates.netin
        assert abs(shown["networkIn"] - expected) <= 0.2 * expected + 2
    # no false zeros between two counter refreshes: a rated guest keeps a positive rate
    for _ in range(5):
        again = {g["id"]: g for g in (await monitor.state())["vms"]}
        for shown in rated:
            if shown["id"] in again and again[shown["id"]]["status"] == "running":
                assert again[shown["id"]]["networkIn"] > 0


async def test_backups_and_snapshots_listed(monitor: Monitor) -> None:
    await monitor.add_all()
    state = await monitor.wait_for(
        lambda s: bool(s["pbsBackups"]) and bool(s["pveBackups"]["storageBackups"])
    )
    backups = state["pveBackups"]
    volids = [b["volid"] for b in backups["storageBackups"]]
    assert len(volids) == len(set(volids))
    times = [b["ctime"] for b in backups["storageBackups"]]
    assert times == sorted(times, reverse=True)
    assert all(s["name"] != "current" for s in backups["guestSnapshots"])

    unified = await (await monitor.client.get("/api/backups/unified")).json()
    assert set(unified) == {"backupTasks", "storageBackups", "guestSnapshots", "pbsBackups"}
    pve = await (await monitor.client.get("/api/backups/pve")).json()
    assert len(pve["backups"]) == len(backups["storageBackups"])
    pbs = await (await monitor.client.get("/api/backups/pbs")).json()
    assert [p["id"] for p in pbs["instances"]] == [p["id"] for p in state["pbs"]]
    snaps = await (await monitor.client.get("/api/snapshots")).json()
    assert len(snaps["snapshots"]) == len(backups["guestSnapshots"])
