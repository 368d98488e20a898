"""Fault injection per node / PBS server, through the Python API and the HTTP control API."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from pulse.simulator import Fault, Simulator
from pulse.simulator.testing import SimApi, token_headers


async def test_offline_refuses_connections_and_recovers_on_same_port(
    sim: Simulator, api: SimApi, session: aiohttp.ClientSession
) -> None:
    pve = sim.server("homelab")
    url2 = pve.node_urls[1]
    await sim.set_fault("pve2", Fault.OFFLINE)
    with pytest.raises(aiohttp.ClientConnectorError):
        async with session.get(f"{url2}/api2/json/version", headers=token_headers(pve), ssl=False):
            pass
    assert sim.faults() == {"pve2": {"fault": "offline", "latency": 0.0}}
    await sim.set_fault("pve2", None)
    assert sim.server("homelab").node_urls[1] == url2
    assert (await api.data(pve, "/version", url=url2))["version"]


async def test_hang_accepts_but_never_answers(
    sim: Simulator, session: aiohttp.ClientSession, api: SimApi
) -> None:
    pbs = sim.server("pbs1")
    await sim.set_fault("pbs1", Fault.HANG)
    with pytest.raises(asyncio.TimeoutError):  # a hang never answers, however long the timeout
        async with session.get(
            f"{pbs.url}/api2/json/version",
            headers=token_headers(pbs),
            ssl=False,
            timeout=aiohttp.ClientTimeout(total=0.3),
        ):
            pass
    assert sim.endpoints["pbs1"].fault.hung  # the request is parked on the server
    await sim.set_fault("pbs1", None)
    assert (await api.data(pbs, "/version"))["version"]


async def test_slow_error500_and_malformed(sim: Simulator, api: SimApi) -> None:
    pve, pbs = sim.server("homelab"), sim.server("pbs1")
    await sim.set_fault("pve1", Fault.SLOW, latency=0.05)
    assert sim.faults()["pve1"] == {"fault": "slow", "latency": 0.05}
    assert await api.data(pve, "/nodes")
    await sim.set_fault("pve1", Fault.ERROR500)
    code, body = await api.get(pve, "/nodes")
    assert code == 500
    assert body["data"] is None
    code, _ = await api.get(pve, "/nodes", url=pve.node_urls[1])  # other members unaffected
    assert code == 200
    await sim.set_fault("pbs1", Fault.MALFORMED)
    code, text = await api.get(pbs, "/admin/datastore")
    assert code == 200
    assert isinstance(text, str)  # not decodable as JSON
    await sim.set_fault("pbs1", None)
    await sim.set_fault("pve1", None)
    assert sim.faults() == {}


async def test_rotate_cert_changes_fingerprint_and_pinning(
    sim: Simulator, session: aiohttp.ClientSession
) -> None:
    pve = sim.server("homelab")
    old = pve.fingerprint
    pinned_old = aiohttp.Fingerprint(bytes.fromhex(old.replace(":", "")))
    url = f"{pve.url}/api2/json/version"
    async with session.get(url, headers=token_headers(pve), ssl=pinned_old) as r:
        assert r.status == 200
    new = await sim.rotate_certificate("pve1")
    assert new != old
    assert sim.server("homelab").fingerprint == new
    assert sim.server("homelab").node_fingerprints[1] == pve.node_fingerprints[1]
    with pytest.raises(aiohttp.ServerFingerprintMismatch):
        async with session.get(url, headers=token_headers(pve), ssl=pinned_old):
            pass
    pinned_new = aiohttp.Fingerprint(bytes.fromhex(new.replace(":", "")))
    async with session.get(url, headers=token_headers(pve), ssl=pinned_new) as r:
        assert r.status == 200


async def test_control_api(sim: Simulator, session: aiohttp.ClientSession, api: SimApi) -> None:
    ctl = sim.control_url
    assert ctl.startswith("http://127.0.0.1:")
    async with session.get(f"{ctl}/info") as r:
        info = await r.json()
    assert [s["name"] for s in info["servers"]] == ["homelab", "pve-edge", "pbs1"]
    assert info["servers"][0]["tokenId"] == "pulse-monitor@pam!pulse"
    async with session.post(f"{ctl}/faults/pve-edge", json={"fault": "error500"}) as r:
        assert r.status == 200
    code, _ = await api.get(sim.server("pve-edge"), "/version")
    assert code == 500
    async with session.delete(f"{ctl}/faults/pve-edge") as r:
        assert (await r.json())["faults"] == {}
    async with session.post(f"{ctl}/faults/nope", json={"fault": "offline"}) as r:
        assert r.status == 404
    async with session.post(f"{ctl}/faults/pve1", json={"fault": "melt"}) as r:
        assert r.status == 400
    before = sim.now()
    async with session.post(f"{ctl}/clock/advance", json={"seconds": 30}) as r:
        assert (await r.json())["now"] == before + 30
    async with session.get(f"{ctl}/truth") as r:
        truth = await r.json()
    assert len(truth["guests"]) == len(sim.model.all_guests())


async def test_faults_at_start_from_the_topology(session: aiohttp.ClientSession) -> None:
    from pulse.simulator import demo_topology

    async with Simulator(demo_topology()) as sim:
        assert sim.faults() == {"pve3": {"fault": "offline", "latency": 0.0}}
        api = SimApi(session)
        nodes = await api.data(sim.server("homelab"), "/nodes")
        assert [n["status"] for n in nodes] == ["online", "online", "offline"]
