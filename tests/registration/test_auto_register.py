"""POST /api/auto-register: token rules, validation, add-or-update, connection check."""

from __future__ import annotations

from typing import Any

from pulse import keys
from pulse.simulator import Simulator
from pulse.simulator.info import ServerInfo
from tests.conftest import AppClient

API_TOKEN = "a" * 40


def body(server: ServerInfo, **extra: Any) -> dict[str, Any]:
    return {"type": server.kind, "host": server.url, "serverName": "edge.lan",
            "tokenId": server.token_id, "tokenValue": server.token_secret, **extra}  # fmt: skip


async def test_needs_a_registration_or_api_token(app_client: AppClient, sim: Simulator) -> None:
    client = await app_client(env={"API_TOKEN": API_TOKEN})
    edge = next(s for s in sim.servers if s.kind == "pve" and not s.cluster)
    assert (await client.post("/api/auto-register", json=body(edge))).status == 401
    resp = await client.post(
        "/api/auto-register", json=body(edge), headers={"X-Registration-Token": "PULSE-REG-bad"}
    )
    assert resp.status == 401
    assert "Invalid registration token" in (await resp.json())["error"]
    assert client.app[keys.NODES].instances == ()

    # the API token works; the seed's `name` is an alias of serverName
    resp = await client.post(
        "/api/auto-register",
        json={**body(edge, serverName=None), "name": "edge"},
        headers={"X-API-Token": API_TOKEN},
    )
    assert resp.status == 200, await resp.text()
    answer = await resp.json()
    assert answer["status"] == "success"
    assert answer["created"] is True
    [node] = client.app[keys.NODES].instances
    assert node.name == "edge"
    assert not node.verify_ssl
    assert node.monitor_vms


async def test_one_time_token_is_consumed_and_node_updated(
    app_client: AppClient, sim: Simulator
) -> None:
    client = await app_client()
    pbs = next(s for s in sim.servers if s.kind == "pbs")
    tokens = client.app[keys.REGISTRATION_TOKENS]
    token, _ = tokens.issue(allowed_types=("pve",))
    headers = {"X-Registration-Token": token}
    resp = await client.post("/api/auto-register", json=body(pbs), headers=headers)
    assert resp.status == 401
    assert "not allowed" in (await resp.json())["error"]

    token, _ = tokens.issue()
    headers = {"X-Registration-Token": token}
    for bad, message in (
        ({"type": "pbs"}, "Missing required fields"),
        (body(pbs, type="esx"), "Invalid node type"),
        (body(pbs, requestToken=True), "not supported"),
    ):
        resp = await client.post("/api/auto-register", json=bad, headers=headers)
        assert resp.status == 400
        assert message in (await resp.json())["error"]
    resp = await client.post("/api/auto-register", json=body(pbs), headers=headers)
    assert resp.status == 200, await resp.text()
    again = await client.post("/api/auto-register", json=body(pbs), headers=headers)
    assert again.status == 401  # used up

    # registering the same host again updates the node in place (name and toggles kept)
    await client.put("/api/config/nodes/pbs-0", json={"name": "vault", "monitorSyncJobs": False})
    token, _ = tokens.issue()
    resp = await client.post(
        "/api/auto-register",
        json=body(pbs, fingerprint=pbs.fingerprint),
        headers={"X-Registration-Token": token},
    )
    assert (await resp.json())["created"] is False
    [node] = client.app[keys.NODES].instances
    assert node.name == "vault"
    assert not node.monitor_sync_jobs
    assert node.fingerprint == pbs.fingerprint.replace(":", "").lower()
