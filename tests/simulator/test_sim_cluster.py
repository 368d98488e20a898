"""Any node of a cluster sees the whole cluster; members share one port on their own loopback IP."""

from __future__ import annotations

from pulse.simulator import Simulator
from pulse.simulator.testing import SimApi


async def test_every_node_sees_the_whole_cluster(sim: Simulator, api: SimApi) -> None:
    pve = sim.server("homelab")
    assert pve.cluster == "homelab"
    assert pve.nodes == ("pve1", "pve2", "pve3")
    ports = {url.rsplit(":", 1)[1] for url in pve.node_urls}
    assert ports == {str(pve.port)}
    assert len(set(pve.node_fingerprints)) == 3  # one certificate per node, like PVE
    expected_guests = {g.vmid for g in sim.model.pve["homelab"].guests.values()}
    for name, url in zip(pve.nodes, pve.node_urls, strict=True):
        status = await api.data(pve, "/cluster/status", url=url)
        nodes = [e for e in status if e["type"] == "node"]
        assert [n["name"] for n in nodes] == list(pve.nodes)
        assert [n["ip"] for n in nodes] == [
            u.split("//")[1].rsplit(":", 1)[0] for u in pve.node_urls
        ]
        assert [n["name"] for n in nodes if n["local"] == 1] == [name]
        assert status[0] == {
            "type": "cluster",
            "id": "cluster",
            "name": "homelab",
            "nodes": 3,
            "quorate": 1,
            "version": 5,
        }
        resources = await api.data(pve, "/cluster/resources?type=vm", url=url)
        assert {r["vmid"] for r in resources} == expected_guests
        listed = await api.data(pve, "/nodes", url=url)
        assert [n["ssl_fingerprint"] for n in listed] == list(pve.node_fingerprints)
        # node-scoped calls for other members are proxied
        other = pve.nodes[(pve.nodes.index(name) + 1) % 3]
        guests = await api.data(pve, f"/nodes/{other}/qemu", url=url)
        assert {g["vmid"] for g in guests} == {
            g.vmid for g in sim.model.pve["homelab"].guests_by_node[other] if g.kind.value == "qemu"
        }


async def test_standalone_node_has_no_cluster_entry(sim: Simulator, api: SimApi) -> None:
    edge = sim.server("pve-edge")
    assert edge.cluster is None
    status = await api.data(edge, "/cluster/status")
    assert status == [
        {
            "type": "node",
            "id": "node/pve-edge",
            "name": "pve-edge",
            "ip": edge.host,
            "local": 1,
            "nodeid": 0,
            "online": 1,
            "level": status[0]["level"],
        }
    ]


async def test_offline_member_as_seen_from_the_others(sim: Simulator, api: SimApi) -> None:
    pve = sim.server("homelab")
    await sim.set_fault("pve3", "offline")
    nodes = {n["node"]: n for n in await api.data(pve, "/nodes")}
    assert nodes["pve3"]["status"] == "offline"
    assert "cpu" not in nodes["pve3"]
    assert nodes["pve1"]["status"] == "online"
    status = await api.data(pve, "/cluster/status")
    assert [e["online"] for e in status if e["type"] == "node"] == [1, 1, 0]
    assert status[0]["quorate"] == 1
    resources = await api.data(pve, "/cluster/resources")
    on_pve3 = [r for r in resources if r.get("node") == "pve3" and r["type"] in ("qemu", "lxc")]
    assert on_pve3
    assert all(r["status"] == "unknown" and "cpu" not in r for r in on_pve3)
    code, body = await api.get(pve, "/nodes/pve3/qemu")
    assert code == 595
    assert body["data"] is None
    await sim.set_fault("pve3", None)
    assert (await api.data(pve, "/cluster/status"))[3]["online"] == 1


async def test_unknown_paths_answer_like_proxmox(sim: Simulator, api: SimApi) -> None:
    pve, pbs = sim.server("homelab"), sim.server("pbs1")
    code, body = await api.get(pve, "/nodes/pve1/bogus")
    assert code == 501
    # pve-manager HTTPServer.pm rest_handler: the URI relative to /api2/json, no newline
    assert body == {"data": None, "message": "Method 'GET /nodes/pve1/bogus' not implemented"}
    code, body = await api.get(pve, "/nodes/pve1/bogus", headers={})
    assert code == 401  # PVE authenticates before it looks the path up
    code, text = await api.get(pbs, "/bogus")
    assert code == 404
    assert text == "Path '/api2/json/bogus' not found."
    code, text = await api.get(pbs, "/bogus", headers={})
    assert code == 401  # so does PBS (proxmox-rest-server: only `World` methods skip auth)
    assert text == "authentication failed - no authentication credentials provided."
    code, body = await api.get(pve, "/nodes/pve1/qemu/abc/status/current")
    assert code == 400
    assert "vmid" in body["errors"]
    code, body = await api.get(pve, "/nodes/nosuchnode/status")
    assert code == 500


async def test_guest_agent_failure_modes(sim: Simulator, api: SimApi) -> None:
    pve = sim.server("homelab")
    guests = [
        g
        for g in sim.model.pve["homelab"].guests.values()
        if g.kind.value == "qemu" and not g.spec.template
    ]
    seen = set()
    for g in guests:
        code, body = await api.get(pve, f"/nodes/{g.node}/qemu/{g.vmid}/agent/get-fsinfo")
        if not g.running:
            assert (code, body["message"]) == (500, f"VM {g.vmid} is not running\n")
            seen.add("stopped")
        elif g.spec.agent.value == "none":
            assert (code, body["message"]) == (500, "No QEMU guest agent configured\n")
            seen.add("none")
        elif g.spec.agent.value == "not_running":
            assert (code, body["message"]) == (500, "QEMU guest agent is not running\n")
            seen.add("not_running")
        else:
            assert code == 200
            assert isinstance(body["data"]["result"], list)
            seen.add("ok")
    assert "ok" in seen
    assert len(seen) >= 3
