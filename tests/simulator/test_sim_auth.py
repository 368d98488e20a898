"""Authentication and privileges behave like PVE and PBS."""

from __future__ import annotations

import aiohttp

from pulse.simulator import SimClock, Simulator
from pulse.simulator.testing import SimApi as Api


async def _login(
    session: aiohttp.ClientSession, url: str, user: str, password: str
) -> tuple[int, dict]:
    async with session.post(
        f"{url}/api2/json/access/ticket", data={"username": user, "password": password}, ssl=False
    ) as r:
        return r.status, await r.json(content_type=None) if r.status == 200 else {}


async def test_pve_token_ok_and_wrong_secret_401(sim: Simulator, api: Api) -> None:
    pve = sim.server("homelab")
    assert (await api.data(pve, "/version"))["version"]
    status, body = await api.get(
        pve, "/nodes", headers={"Authorization": f"PVEAPIToken={pve.token_id}=wrong"}
    )
    assert status == 401
    assert body["data"] is None
    status, body = await api.get(pve, "/nodes", headers={})
    assert status == 401
    assert body["message"].startswith("No ticket")


async def test_pbs_token_uses_colon_and_wrong_one_is_401(sim: Simulator, api: Api) -> None:
    pbs = sim.server("pbs1")
    assert (await api.data(pbs, "/version"))["version"]
    status, _ = await api.get(
        pbs, "/version", headers={"Authorization": f"PBSAPIToken={pbs.token_id}={pbs.token_secret}"}
    )
    assert status == 401
    status, body = await api.get(pbs, "/version", headers={})
    assert status == 401
    assert isinstance(body, str)  # PBS errors are bare text, not JSON


async def test_ticket_login_cookie_and_expiry(
    sim: Simulator, clock: SimClock, session: aiohttp.ClientSession, api: Api
) -> None:
    pve = sim.server("homelab")
    status, body = await _login(session, pve.url, pve.username, pve.password)
    assert status == 200
    data = body["data"]
    assert data["username"] == pve.username
    assert data["ticket"].startswith("PVE:root@pam:")
    assert data["CSRFPreventionToken"]
    assert data["clustername"] == "homelab"
    cookie = {"Cookie": f"PVEAuthCookie={data['ticket']}"}
    status, _ = await api.get(pve, "/nodes", headers=cookie)
    assert status == 200
    # valid on every member of the cluster
    status, _ = await api.get(pve, "/nodes", headers=cookie, url=pve.node_urls[1])
    assert status == 200
    # a ticket renews itself when posted as the password
    status, _renewed = await _login(session, pve.url, pve.username, data["ticket"])
    assert status == 200
    clock.advance(2 * 3600 + 1)
    status, _ = await api.get(pve, "/nodes", headers=cookie)
    assert status == 401


async def test_wrong_password_401_and_pbs_ticket(
    sim: Simulator, session: aiohttp.ClientSession, api: Api
) -> None:
    pve, pbs = sim.server("homelab"), sim.server("pbs1")
    status, _ = await _login(session, pve.url, pve.username, "nope")
    assert status == 401
    status, body = await _login(session, pbs.url, pbs.username, pbs.password)
    assert status == 200
    assert body["data"]["ticket"].startswith("PBS:")
    cookie = {"Cookie": f"PBSAuthCookie={body['data']['ticket']}"}
    status, nodes = await api.get(pbs, "/nodes", headers=cookie)
    assert status == 200  # root@pam is superuser
    assert nodes["data"][0]["node"] == "pbs1"


async def test_csrf_needed_for_post_with_ticket(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    pve = sim.server("homelab")
    _, body = await _login(session, pve.url, pve.username, pve.password)
    cookie = {"Cookie": f"PVEAuthCookie={body['data']['ticket']}"}
    async with session.post(f"{pve.url}/api2/json/nodes/pve1/qemu", headers=cookie, ssl=False) as r:
        assert r.status == 401
    headers = {**cookie, "CSRFPreventionToken": body["data"]["CSRFPreventionToken"]}
    async with session.post(
        f"{pve.url}/api2/json/nodes/pve1/qemu", headers=headers, ssl=False
    ) as r:
        assert r.status == 501  # authenticated, but the simulator implements no writes


async def test_expire_tickets_fault_invalidates_old_tickets(
    sim: Simulator, session: aiohttp.ClientSession, api: Api
) -> None:
    pve = sim.server("homelab")
    _, body = await _login(session, pve.url, pve.username, pve.password)
    cookie = {"Cookie": f"PVEAuthCookie={body['data']['ticket']}"}
    await sim.set_fault("pve2", "expire_tickets")
    status, _ = await api.get(pve, "/nodes", headers=cookie)
    assert status == 401
    _, body = await _login(session, pve.url, pve.username, pve.password)
    status, _ = await api.get(
        pve, "/nodes", headers={"Cookie": f"PVEAuthCookie={body['data']['ticket']}"}
    )
    assert status == 200
    assert sim.faults() == {}  # one-shot


async def test_restricted_tokens_get_403_or_filtered(sim: Simulator, api: Api) -> None:
    pve, pbs = sim.server("homelab"), sim.server("pbs1")
    running = next(
        g
        for g in sim.model.pve["homelab"].guests.values()
        if g.running and g.kind.value == "qemu" and g.spec.agent.value == "running"
    )
    node = sim.model.node(running.node)
    path = f"/nodes/{running.node}/qemu/{running.vmid}/agent/get-fsinfo"
    assert (await api.data(pve, path))["result"]
    status, body = await api.get(pve, path, restricted=True)
    assert status == 403
    want = "VM.GuestAgent.Audit" if node.spec.pve_version >= 9 else "VM.Monitor"
    assert want in body["message"]
    # PVEAuditor-like tokens see storage but no backup volumes
    content = await api.data(pve, "/nodes/pve1/storage/nas-backup/content", restricted=True)
    assert all(c["content"] != "backup" for c in content)
    assert any(
        c["content"] == "backup"
        for c in await api.data(pve, "/nodes/pve1/storage/nas-backup/content")
    )
    # PBS: no Datastore.Audit -> empty list, 403 on the store
    assert await api.data(pbs, "/admin/datastore", restricted=True) == []
    status, text = await api.get(pbs, "/admin/datastore/main/snapshots", restricted=True)
    assert status == 403
    assert "Datastore.Audit" in text
    # PBS /nodes is superuser-only: every token gets 403
    status, _ = await api.get(pbs, "/nodes")
    assert status == 403
