"""Discovery against simulator instances on loopback (never any other address)."""

from __future__ import annotations

import asyncio
import os

import pytest

from pulse.errors import BadRequest
from pulse.registration import discovery
from pulse.registration.discovery import addresses
from pulse.simulator import Simulator
from tests.conftest import AppClient


async def test_scan_finds_and_tells_pve_from_pbs(app_client: AppClient, sim: Simulator) -> None:
    client = await app_client()
    before = await (await client.get("/api/discover")).json()
    assert before["servers"] == []
    assert before["cached"] is False

    ports = sorted({s.port for s in sim.servers})
    # the simulator's ports are not 8006/8007, so the type cannot come from the port number
    assert not {8006, 8007} & set(ports)
    found = {}
    for subnet in ("127.0.0.0/22", "127.0.200.0/24"):  # the simulator's PVE and PBS ranges
        resp = await client.post("/api/discover", json={"subnet": subnet, "ports": ports})
        assert resp.status == 200, await resp.text()
        body = await resp.json()
        found.update({(s["ip"], s["port"]): s["type"] for s in body["servers"]})
    expected = {
        (url.split("//")[1].rsplit(":", 1)[0], server.port): server.kind
        for server in sim.servers
        for url in (server.node_urls or (server.url,))
    }
    assert found == expected
    assert body["errors"] == []
    assert body["subnet"] == "127.0.200.0/24"
    cached = await (await client.get("/api/discover")).json()
    assert cached["servers"] == body["servers"]
    assert cached["cached"] is True


async def test_discovery_only_scans_what_the_user_gave(app_client: AppClient) -> None:
    client = await app_client()
    resp = await client.post("/api/discover", json={})
    assert resp.status == 400
    assert "no subnet" in (await resp.json())["error"]
    for subnet, message in (
        ("127.0.0.0/21", "at most 1024"),
        ("nonsense", "invalid subnet"),
    ):
        resp = await client.post("/api/discover", json={"subnet": subnet})
        assert resp.status == 400
        assert message in (await resp.json())["error"]
    resp = await client.post("/api/discover", json={"subnet": "127.0.0.0/30", "ports": [0]})
    assert resp.status == 400
    # a configured subnet is used when the request names none
    await client.post("/api/config/system", json={"discoverySubnet": "127.0.9.0/30"})
    resp = await client.post("/api/discover", json={"subnet": "auto", "ports": [9]})
    assert resp.status == 200
    body = await resp.json()
    assert body["subnet"] == "127.0.9.0/30"
    assert body["servers"] == []


def test_address_lists() -> None:
    assert addresses("127.0.0.0/30") == ["127.0.0.1", "127.0.0.2"]
    assert addresses("127.0.0.5/32") == ["127.0.0.5"]
    assert len(addresses("127.0.0.0/22")) == 1024 - 2 - 6  # network, broadcast, .0/.255 inside
    assert addresses("::1/128") == ["::1"]
    with pytest.raises(BadRequest, match="at most 1024"):
        addresses("10.0.0.0/16")
    # validation only (no traffic): public and documentation ranges need an explicit confirmation
    for public in ("203.0.113.0/24", "8.8.8.0/24", "2001:db8::/120"):
        with pytest.raises(BadRequest, match="not a private network"):
            addresses(public)


async def test_tests_can_only_ever_probe_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """The root conftest sets PULSE_DISCOVERY_LOOPBACK_ONLY=1; a scan elsewhere fails before
    any connection is opened (a tripwire replaces the connect step to prove it)."""
    assert os.environ[discovery.LOOPBACK_ONLY_ENV] == "1"
    opened: list[str] = []

    async def tripwire(*args: object) -> None:
        opened.append(repr(args))

    monkeypatch.setattr(discovery, "identify", tripwire)
    monkeypatch.setattr(asyncio, "open_connection", tripwire)
    for subnet in ("10.0.0.0/30", "192.168.1.0/30"):
        with pytest.raises(discovery.ScanRefused):
            await discovery.scan(subnet, (9,))
    with pytest.raises(discovery.ScanRefused):
        await discovery.scan("203.0.113.0/30", (9,), allow_public=True)
    assert opened == []
    discovery.guard("127.0.0.1")
    discovery.guard("::1")
