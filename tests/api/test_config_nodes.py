"""/api/config/nodes through the real HTTP surface against the simulator."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from pulse import keys
from pulse.simulator import Simulator
from pulse.simulator.info import ServerInfo
from tests.conftest import AppClient


def _server(sim: Simulator, kind: str, cluster: bool = True) -> ServerInfo:
    return next(
        s for s in sim.servers if s.kind == kind and (kind == "pbs" or bool(s.cluster) == cluster)
    )


def pve_body(server: ServerInfo, **extra: Any) -> dict[str, Any]:
    return {"type": "pve", "host": server.url, "tokenName": server.token_id,
            "tokenValue": server.token_secret, "verifySSL": False, **extra}  # fmt: skip


async def test_add_cluster_detects_members_and_never_returns_secrets(
    app_client: AppClient, sim: Simulator
) -> None:
    client = await app_client()
    server = _server(sim, "pve")
    resp = await client.post("/api/config/nodes", json=pve_body(server, name="lab"))
    assert resp.status == 201, await resp.text()
    assert resp.content_type == "application/json"
    listing = await client.get("/api/config/nodes")
    text = await listing.text()
    assert server.token_secret not in text
    [node] = await listing.json()
    assert node["name"] == "lab"
    assert node["type"] == "pve"
    assert node["id"] == "pve-0"
    assert node["hasToken"] is True
    assert node["hasPassword"] is False
    assert node["tokenName"] == server.token_id
    assert node["isCluster"] is True
    assert node["clusterName"] == server.cluster
    assert sorted(e["NodeName"] for e in node["clusterEndpoints"]) == sorted(server.nodes)
    assert all(e["IP"].startswith("127.") for e in node["clusterEndpoints"])
    # the seed's body has no toggles: they default to on, as the dashboard's form does
    assert all(node[t] for t in ("monitorVMs", "monitorContainers", "monitorStorage",
                                 "monitorBackups"))  # fmt: skip
    # persisted in the encrypted store, with the secret
    registry = client.app[keys.NODES]
    assert registry.get("pve-0") is not None
    assert registry.get("pve-0").token_value == server.token_secret  # type: ignore[union-attr]


async def test_add_with_a_bad_token_is_refused_and_nothing_saved(
    app_client: AppClient, sim: Simulator
) -> None:
    client = await app_client()
    server = _server(sim, "pve")
    resp = await client.post(
        "/api/config/nodes", json=pve_body(server, tokenValue="wrong-secret-value")
    )
    assert resp.status == 400
    body = await resp.json()
    assert body["error"].startswith("Connection failed")
    assert "wrong-secret-value" not in body["error"]
    assert await (await client.get("/api/config/nodes")).json() == []


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"type": "vmware", "host": "h", "user": "a@pam", "password": "p"}, "Invalid node type"),
        ({"type": "pve", "user": "a@pam", "password": "p"}, "Host is required"),
        ({"type": "pve", "host": "127.0.0.9"}, "credentials required"),
        ({"type": "pve", "host": "ftp://x", "user": "a@pam", "password": "p"}, "https://"),
        (
            {
                "type": "pve",
                "host": "h",
                "user": "a@pam",
                "password": "p",
                "fingerprint": "ab" * 20,
            },
            "SHA-1",
        ),
    ],
)
async def test_validation_errors_are_clear_400s(
    app_client: AppClient, body: dict[str, Any], fragment: str
) -> None:
    client = await app_client()
    resp = await client.post("/api/config/nodes", json=body)
    assert resp.status == 400
    assert fragment in (await resp.json())["error"]
    assert client.app[keys.NODES].instances == ()
    assert (await client.post("/api/config/nodes", data=b"{nope")).status == 400


async def test_update_delete_and_unique_names(app_client: AppClient, sim: Simulator) -> None:
    client = await app_client()
    cluster, edge = _server(sim, "pve"), _server(sim, "pve", cluster=False)
    assert (
        await client.post("/api/config/nodes", json=pve_body(cluster, name="lab"))
    ).status == 201
    resp = await client.post("/api/config/nodes", json=pve_body(edge, name="LAB"))
    assert resp.status == 400
    assert "already exists" in (await resp.json())["error"]
    assert (await client.post("/api/config/nodes", json=pve_body(edge))).status == 201
    nodes = {n["id"]: n for n in await (await client.get("/api/config/nodes")).json()}
    assert nodes["pve-1"]["isCluster"] is False
    assert nodes["pve-1"]["name"] == edge.nodes[0]  # the standalone node's own name

    # a partial update changes only what it names; the secret stays
    resp = await client.put("/api/config/nodes/pve-0", json={"monitorVMs": False, "name": "home"})
    assert resp.status == 200, await resp.text()
    node = client.app[keys.NODES].get("pve-0")
    assert node is not None
    assert node.name == "home"
    assert not node.monitor_vms
    assert node.monitor_containers
    assert node.token_value == cluster.token_secret
    assert (await client.put("/api/config/nodes/pve-9", json={"name": "x"})).status == 404
    resp = await client.put("/api/config/nodes/pve-1", json={"name": "home"})
    assert resp.status == 400

    assert (await client.delete("/api/config/nodes/pve-0")).status == 200
    assert (await client.delete("/api/config/nodes/pve-0")).status == 404
    assert [n["id"] for n in await (await client.get("/api/config/nodes")).json()] == ["pve-1"]


async def test_connection_tests(app_client: AppClient, sim: Simulator) -> None:
    client = await app_client()
    cluster, pbs = _server(sim, "pve"), _server(sim, "pbs")
    resp = await client.post("/api/config/nodes/test-connection", json=pve_body(cluster))
    assert resp.status == 200
    body = await resp.json()
    assert body["status"] == "success"
    assert body["isCluster"] is True
    assert body["nodeCount"] == len(cluster.nodes) == body["clusterNodeCount"]
    pbs_body = {"type": "pbs", "host": pbs.url, "tokenName": pbs.token_id,
                "tokenValue": pbs.token_secret, "verifySSL": False}  # fmt: skip
    body = await (await client.post("/api/config/nodes/test-connection", json=pbs_body)).json()
    assert body["datastoreCount"] == 2
    bad = await client.post(
        "/api/config/nodes/test-connection", json={**pbs_body, "tokenValue": "x"}
    )
    assert bad.status == 400
    assert client.app[keys.NODES].instances == ()  # nothing saved by tests

    # a PBS without a name takes the server's host name; the saved-node test always answers 200
    del pbs_body["verifySSL"]
    pbs_body["fingerprint"] = pbs.fingerprint
    assert (await client.post("/api/config/nodes", json=pbs_body)).status == 201
    node = client.app[keys.NODES].get("pbs-0")
    assert node is not None
    assert node.name == "pbs1"
    assert node.verify_ssl
    body = await (await client.post("/api/config/nodes/pbs-0/test")).json()
    assert body["status"] == "success"
    assert body["message"] == "Connected to PBS instance"
    body = await (await client.post("/api/config/nodes/pve-7/test")).json()
    assert body == {"status": "error", "message": "Node not found"}
    body = await (
        await client.post("/api/config/nodes/test-config", json={**pbs_body, "tokenValue": "no"})
    ).json()
    assert body["status"] == "error"


async def test_concurrent_adds_never_overwrite_each_other(
    app_client: AppClient, sim: Simulator
) -> None:
    client = await app_client()
    cluster, edge = _server(sim, "pve"), _server(sim, "pve", cluster=False)
    first, second = await asyncio.gather(
        client.post("/api/config/nodes", json=pve_body(cluster, name="a")),
        client.post("/api/config/nodes", json=pve_body(edge, name="b")),
    )
    assert (first.status, second.status) == (201, 201)
    ids = {(await first.json())["id"], (await second.json())["id"]}
    assert ids == {"pve-0", "pve-1"}
    assert sorted(i.name for i in client.app[keys.NODES].instances) == ["a", "b"]
    # the same name twice at once: one wins, the other gets the clear 400
    results = await asyncio.gather(
        client.post("/api/config/nodes", json=pve_body(cluster, name="twin")),
        client.post("/api/config/nodes", json=pve_body(edge, name="twin")),
    )
    assert sorted(r.status for r in results) == [201, 400]
    assert [i.name for i in client.app[keys.NODES].instances].count("twin") == 1


async def test_changes_start_and_stop_polling_at_once(
    app_client: AppClient, sim: Simulator
) -> None:
    """The list's `status` is the poller's real verdict; add starts it, delete stops it."""
    client = await app_client()
    pollers = client.app[keys.POLLERS]
    resp = await client.post("/api/config/nodes", json=pve_body(_server(sim, "pve"), name="lab"))
    node_id = (await resp.json())["id"]
    assert pollers.status(node_id) is not None  # started without a restart
    for _ in range(200):
        [view] = await (await client.get("/api/config/nodes")).json()
        if view["status"] == "connected":
            break
        await asyncio.sleep(0.025)
    assert view["status"] == "connected"
    # a changed secret restarts the poller with it: a wrong one is refused before saving
    bad = await client.put(f"/api/config/nodes/{node_id}", json={"tokenValue": "wrong"})
    assert bad.status == 400
    assert (await client.delete(f"/api/config/nodes/{node_id}")).status == 200
    assert pollers.status(node_id) is None
    assert await (await client.get("/api/config/nodes")).json() == []


async def test_unnamed_pve_nodes_take_the_name_proxmox_uses(
    app_client: AppClient, sim: Simulator
) -> None:
    client = await app_client()
    cluster, standalone = _server(sim, "pve"), _server(sim, "pve", cluster=False)
    for server in (cluster, standalone):
        resp = await client.post("/api/config/nodes", json=pve_body(server))
        assert resp.status == 201, await resp.text()
    names = [n["name"] for n in await (await client.get("/api/config/nodes")).json()]
    assert names == [cluster.cluster, standalone.nodes[0]]
