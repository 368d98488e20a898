"""Removing an instance forgets exactly its guests' rate samples and chart history."""

from __future__ import annotations

from pulse import keys
from tests.monitoring import Monitor


async def test_removed_instance_is_forgotten_and_the_other_kept(monitor: Monitor) -> None:
    sim = monitor.sim
    cluster = await monitor.add(sim.server("homelab"))
    await monitor.add(sim.server("pve-edge"))
    state = await monitor.wait_for(
        lambda s: (
            s["connectionHealth"].get("homelab") is True
            and s["connectionHealth"].get("pve-edge") is True
        )
    )
    manager = monitor.app[keys.POLLERS]
    edge_guests = {
        g["id"] for g in state["vms"] + state["containers"] if g["instance"] == "pve-edge"
    }
    assert len(manager.rates) > len(edge_guests)  # both instances' guests are tracked

    await monitor.app[keys.NODES].remove(cluster.id)
    state = await monitor.wait_for(lambda s: "homelab" not in s["connectionHealth"])
    assert {g["instance"] for g in state["vms"] + state["containers"]} == {"pve-edge"}
    # the instance named "pve-edge" shares no prefix rule with anything: pruning is by id
    assert len(manager.rates) == len(edge_guests)
    assert all(entity.startswith("pve-edge-") for entity in manager.history._groups)
