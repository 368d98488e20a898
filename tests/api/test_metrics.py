"""/metrics against the simulator: parsed with prometheus_client's own parser and compared with
what the simulator serves and /api/state shows."""

from __future__ import annotations

import dataclasses
from typing import Any

import prometheus_client
from aiohttp import encode_basic_auth
from prometheus_client.parser import text_string_to_metric_families

from pulse import keys
from pulse.app import create_app
from pulse.config.settings import Settings
from pulse.simulator import Fault
from pulse.simulator.topology import GuestKind
from tests.conftest import AppClient
from tests.monitoring import Monitor

Samples = dict[str, list[tuple[dict[str, str], float]]]


def _complete(state: dict[str, Any]) -> bool:
    health = state["connectionHealth"]
    return len(health) == 3 and all(health.values())


async def scrape(monitor: Monitor, **kwargs: Any) -> Samples:
    response = await monitor.client.get("/metrics", **kwargs)
    assert response.status == 200
    assert response.content_type == "text/plain"
    samples: Samples = {}
    for family in text_string_to_metric_families(await response.text()):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append((sample.labels, sample.value))
    return samples


def by(samples: Samples, name: str, *keys_: str) -> dict[tuple[str, ...], float]:
    return {tuple(labels[k] for k in keys_): value for labels, value in samples.get(name, [])}


async def test_metrics_match_the_simulator(monitor: Monitor) -> None:
    await monitor.add_all()
    # backups come with the slower background cadence
    state = await monitor.wait_for(
        lambda s: _complete(s) and bool(s["pveBackups"]["storageBackups"])
    )
    samples = await scrape(monitor)
    sim = monitor.sim

    # nodes: one series per node, labelled with its instance, values in base units
    node_total = by(samples, "pulse_node_memory_total_bytes", "instance", "node")
    expected_nodes = {
        (inst.name, node.name): node.spec.maxmem
        for inst in sim.model.pve.values()
        for node in inst.nodes.values()
    }
    assert node_total == expected_nodes
    assert set(by(samples, "pulse_node_up", "instance", "node").values()) == {1.0}
    for (_inst, name), ratio in by(samples, "pulse_node_cpu_ratio", "instance", "node").items():
        assert 0.0 <= ratio <= 1.0, name
    cores = by(samples, "pulse_node_cpus", "instance", "node")
    assert cores == {
        (inst.name, node.name): node.spec.maxcpu
        for inst in sim.model.pve.values()
        for node in inst.nodes.values()
    }

    # guests: labels instance, node, vmid, name, type; up = running
    guests = {
        (inst.name, g.node, str(g.vmid)): g
        for inst in sim.model.pve.values()
        for g in inst.guests.values()
        if not g.spec.template
    }
    labels = {tuple(sorted(lab)) for lab, _ in samples["pulse_guest_up"]}
    assert labels == {("instance", "name", "node", "type", "vmid")}
    up = by(samples, "pulse_guest_up", "instance", "node", "vmid")
    assert set(up) == set(guests)
    mem_total = by(samples, "pulse_guest_memory_total_bytes", "instance", "node", "vmid")
    names = by(samples, "pulse_guest_up", "instance", "node", "vmid", "name", "type")
    t = sim.now()
    for key, guest in guests.items():
        assert up[key] == (1.0 if guest.sample(t).running else 0.0), key
        assert mem_total[key] == guest.spec.maxmem, key
        assert (*key, guest.spec.name, guest.kind.value) in names
    running = {k for k, v in up.items() if v == 1.0}
    assert set(by(samples, "pulse_guest_memory_used_bytes", "instance", "node", "vmid")) == running
    assert set(by(samples, "pulse_guest_cpu_ratio", "instance", "node", "vmid")) == running
    # rates appear once a second sample exists, never as the -1 placeholder
    for name in ("network_receive", "network_transmit", "disk_read", "disk_write"):
        values = by(samples, f"pulse_guest_{name}_bytes_per_second", "instance", "vmid")
        assert all(v >= 0 for v in values.values()), name

    # the newest backup per guest, as /api/state lists them
    listed = {(inst, vmid) for inst, _node, vmid in guests}
    newest: dict[tuple[str, str], float] = {}
    for backup in state["pveBackups"]["storageBackups"]:
        owner = (backup["instance"], str(backup["vmid"]))
        if owner in listed:
            newest[owner] = max(newest.get(owner, 0.0), float(backup["ctime"]))
    assert newest, "the simulator's homelab has backups"
    shown = by(samples, "pulse_guest_last_backup_timestamp_seconds", "instance", "vmid")
    assert set(newest) <= set(shown)
    for owner, ts in newest.items():
        assert shown[owner] >= ts, owner  # successful vzdump tasks may be newer still

    # storage and PBS datastores
    storage_total = by(samples, "pulse_storage_total_bytes", "instance", "node", "storage")
    assert storage_total == {
        (s["instance"], s["node"], s["name"]): float(s["total"])
        for s in state["storage"]
        if s["status"] == "available"
    }
    live_pbs = next(iter(sim.model.pbs.values()))
    datastores = by(samples, "pulse_pbs_datastore_total_bytes", "instance", "datastore")
    assert datastores == {
        (live_pbs.name, name): store.spec.total for name, store in live_pbs.datastores.items()
    }
    assert by(samples, "pulse_pbs_up", "instance") == {(live_pbs.name,): 1.0}

    # pollers: one series per configured instance
    pollers = by(samples, "pulse_poller_up", "instance", "type")
    assert pollers == {("homelab", "pve"): 1.0, ("pve-edge", "pve"): 1.0, ("pbs1", "pbs"): 1.0}
    requests = by(samples, "pulse_poller_cycle_requests", "instance")
    calls = by(samples, "pulse_poller_api_requests_total", "instance")
    for instance, count in requests.items():
        assert 0 < count <= calls[instance]
    assert set(by(samples, "pulse_poller_last_success_timestamp_seconds", "instance")) == set(
        requests
    )
    assert by(samples, "pulse_alerts_active", "level") == {("warning",): 0.0, ("critical",): 0.0}


async def test_an_unreachable_instance_is_down_without_stale_values(monitor: Monitor) -> None:
    await monitor.add_all()
    await monitor.wait_for(_complete)
    await monitor.sim.set_fault("pve-edge", Fault.OFFLINE)
    await monitor.wait_for(lambda s: s["connectionHealth"].get("pve-edge") is False)
    samples = await scrape(monitor)

    assert by(samples, "pulse_poller_up", "instance")[("pve-edge",)] == 0.0
    assert by(samples, "pulse_poller_consecutive_failures", "instance")[("pve-edge",)] >= 1
    assert by(samples, "pulse_poller_api_errors_total", "instance")[("pve-edge",)] >= 1
    assert by(samples, "pulse_node_up", "node")[("pve-edge",)] == 0.0
    assert ("pve-edge",) not in by(samples, "pulse_node_cpu_ratio", "node")
    assert ("pve-edge",) in by(samples, "pulse_node_last_seen_timestamp_seconds", "node")
    edge_up = {k: v for k, v in by(samples, "pulse_guest_up", "instance", "vmid").items()
               if k[0] == "pve-edge"}  # fmt: skip
    assert edge_up
    assert set(edge_up.values()) == {0.0}
    used = by(samples, "pulse_guest_memory_used_bytes", "instance", "vmid")
    assert not [k for k in used if k[0] == "pve-edge"]
    # the healthy instances keep reporting
    assert by(samples, "pulse_poller_up", "instance")[("homelab",)] == 1.0
    assert by(samples, "pulse_node_up", "node")[("pve1",)] == 1.0


async def test_active_alerts_are_counted_by_level(monitor: Monitor) -> None:
    await monitor.add_all()
    live = next(
        g for g in monitor.sim.model.all_guests()
        if g.kind is GuestKind.LXC and g.running and not g.spec.template and not g.spec.lock
    )  # fmt: skip
    await monitor.wait_for(
        lambda s: any(c["vmid"] == live.vmid and c["status"] == "running" for c in s["containers"])
    )
    live.spec = dataclasses.replace(live.spec, mem_base=0.99)
    state = await monitor.wait_for(lambda s: bool(s["activeAlerts"]))
    samples = await scrape(monitor)
    counts = by(samples, "pulse_alerts_active", "level")
    active = monitor.app[keys.ALERTS].engine.active()
    for level in ("warning", "critical"):
        assert counts[(level,)] == sum(1 for a in active if a.level == level)
    assert sum(counts.values()) >= len(state["activeAlerts"]) >= 1


async def test_metrics_need_credentials_and_accept_token_or_basic(app_client: AppClient) -> None:
    token = "metrics-test-token-0123456789"
    client = await app_client(env={"API_TOKEN": token, "PULSE_PASSWORD": "a-long-password"})
    assert (await client.get("/metrics")).status == 401
    assert (await client.get("/metrics", headers={"X-API-Token": "wrong" * 6})).status == 401
    with_token = await client.get("/metrics", headers={"X-API-Token": token})
    assert with_token.status == 200
    assert "pulse_build_info" in await with_token.text()
    basic_header = {"Authorization": encode_basic_auth("admin", "a-long-password")}
    basic = await client.get("/metrics", headers=basic_header)
    assert basic.status == 200


async def test_openmetrics_on_request(app_client: AppClient) -> None:
    client = await app_client()
    response = await client.get(
        "/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"}
    )
    assert response.status == 200
    assert response.content_type == "application/openmetrics-text"
    text = await response.text()
    assert text.rstrip().endswith("# EOF")
    assert "pulse_alerts_active" in text


def test_each_app_has_its_own_registry(make_settings: Any) -> None:
    settings: Settings = make_settings()
    first, second = create_app(settings), create_app(settings)
    assert first[keys.METRICS].registry is not second[keys.METRICS].registry
    # nothing lands in prometheus_client's process-wide registry
    names = {m.name for m in prometheus_client.REGISTRY.collect()}
    assert not {n for n in names if n.startswith("pulse_")}


async def test_unchanged_state_reuses_the_last_answer(app_client: AppClient) -> None:
    client = await app_client()
    exporter = client.app[keys.METRICS]
    first, content_type = await exporter.render("")
    again, _ = await exporter.render("")
    assert again is first  # nothing changed: no second encode
    openmetrics, other_type = await exporter.render("application/openmetrics-text")
    assert other_type != content_type
    assert openmetrics is not first
    ws = await client.ws_connect("/ws")  # a live value changed
    try:
        changed, _ = await exporter.render("")
        assert changed is not first
        assert b"pulse_websocket_clients 1.0" in changed
    finally:
        await ws.close()
