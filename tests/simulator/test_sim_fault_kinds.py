"""Every fault kind, injected at start (topology) and at runtime through the HTTP control API."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time

import aiohttp
import pytest

from pulse.simulator import Fault, FaultSpec, SimClock, Simulator, homelab_topology
from pulse.simulator.info import ServerInfo
from pulse.simulator.testing import token_headers

TARGET = "pve-edge"  # the standalone node: one endpoint, one instance
STEADY = [f for f in Fault if f not in (Fault.EXPIRE_TICKETS, Fault.ROTATE_CERT)]


async def _get(
    session: aiohttp.ClientSession, info: ServerInfo, headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    async with session.get(
        f"{info.url}/api2/json/nodes",
        headers=token_headers(info) if headers is None else headers,
        ssl=False,
        timeout=aiohttp.ClientTimeout(total=0.5),
    ) as r:
        return r.status, await r.read()


async def _assert_effect(session: aiohttp.ClientSession, info: ServerInfo, fault: Fault) -> None:
    """What a client sees from a node with a steady fault."""
    if fault is Fault.OFFLINE:
        with pytest.raises(aiohttp.ClientConnectorError):
            await _get(session, info)
    elif fault is Fault.HANG:
        with pytest.raises(asyncio.TimeoutError):
            await _get(session, info)
    elif fault is Fault.SLOW:
        began = time.monotonic()
        assert (await _get(session, info))[0] == 200
        assert time.monotonic() - began >= 0.1  # a lower bound only: never flaky
    elif fault is Fault.ERROR500:
        assert (await _get(session, info))[0] == 500
    else:
        status, body = await _get(session, info)
        assert status == 200
        with pytest.raises(json.JSONDecodeError):
            json.loads(body)


async def _login(session: aiohttp.ClientSession, info: ServerInfo) -> dict[str, str]:
    form = {"username": info.username, "password": info.password}
    async with session.post(f"{info.url}/api2/json/access/ticket", data=form, ssl=False) as r:
        assert r.status == 200
        ticket = (await r.json())["data"]["ticket"]
    return {"Cookie": f"PVEAuthCookie={ticket}"}


@pytest.mark.parametrize("fault", list(Fault), ids=[f.value for f in Fault])
async def test_every_fault_at_start(session: aiohttp.ClientSession, fault: Fault) -> None:
    topo = dataclasses.replace(homelab_topology(), faults={TARGET: FaultSpec(fault, latency=0.1)})
    async with Simulator(topo, clock=SimClock.manual()) as sim:
        info = sim.server(TARGET)
        if fault in STEADY:
            assert sim.faults()[TARGET]["fault"] == fault.value
            await _assert_effect(session, info, fault)
        else:  # one-shot: nothing issued yet to expire or to pin, the node simply serves
            assert sim.faults() == {}
            assert (await _get(session, info))[0] == 200
        # the other instance is untouched
        assert (await _get(session, sim.server("homelab")))[0] == 200


@pytest.mark.parametrize("fault", list(Fault), ids=[f.value for f in Fault])
async def test_every_fault_at_runtime_through_the_control_api(
    sim: Simulator, session: aiohttp.ClientSession, fault: Fault
) -> None:
    info = sim.server(TARGET)
    cookie = await _login(session, info)
    old_fingerprint = info.fingerprint
    async with session.post(
        f"{sim.control_url}/faults/{TARGET}", json={"fault": fault.value, "latency": 0.1}
    ) as r:
        assert r.status == 200
        reply = await r.json()
    if fault in STEADY:
        assert reply["faults"][TARGET]["fault"] == fault.value
        await _assert_effect(session, info, fault)
        async with session.delete(f"{sim.control_url}/faults/{TARGET}") as r:
            assert (await r.json())["faults"] == {}
        assert (await _get(session, info))[0] == 200  # recovered on the same address and port
    elif fault is Fault.EXPIRE_TICKETS:
        assert (await _get(session, info, cookie))[0] == 401
        assert (await _get(session, info, await _login(session, info)))[0] == 200
    else:
        assert reply["fingerprint"] != old_fingerprint
        assert sim.server(TARGET).fingerprint == reply["fingerprint"]
        pinned = aiohttp.Fingerprint(bytes.fromhex(reply["fingerprint"].replace(":", "")))
        async with session.get(
            f"{info.url}/api2/json/version", headers=token_headers(info), ssl=pinned
        ) as r:
            assert r.status == 200


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/faults/pve1", b'{"fault": "slow", "latency": NaN}'),
        ("/faults/pve1", b'{"fault": "slow", "latency": Infinity}'),
        ("/faults/pve1", b'{"fault": "slow", "latency": -1}'),
        ("/faults/pve1", b'{"fault": "melt"}'),
        ("/faults/pve1", b"[1]"),
        ("/clock/advance", b'{"seconds": NaN}'),
        ("/clock/advance", b'{"seconds": Infinity}'),
        ("/clock/advance", b'{"seconds": -5}'),
        ("/clock/advance", b"not json"),
    ],
)
async def test_control_api_rejects_bad_numbers_and_changes_nothing(
    sim: Simulator, session: aiohttp.ClientSession, path: str, body: bytes
) -> None:
    before = sim.now()
    async with session.post(f"{sim.control_url}{path}", data=body) as r:
        assert r.status == 400
        assert "error" in await r.json()
    assert sim.faults() == {}
    assert sim.now() == before
