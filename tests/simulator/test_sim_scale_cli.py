"""A 100-node / 5,000-guest topology starts and answers; `python -m pulse.simulator --json` works."""

from __future__ import annotations

import asyncio
import json
import signal
import sys

import aiohttp
import pytest

from pulse.simulator import SimClock, Simulator, scaled_topology
from pulse.simulator.testing import SimApi


async def test_scaled_topology_starts_and_serves(session: aiohttp.ClientSession) -> None:
    topo = scaled_topology(nodes=100, guests=5000)
    assert sum(len(p.nodes) for p in topo.pve) == 100
    assert sum(len(p.guests) for p in topo.pve) == 5000
    async with Simulator(topo, clock=SimClock.manual()) as sim:
        api = SimApi(session)
        first = sim.servers[0]
        assert len(first.nodes) == 20
        resources = await api.data(first, "/cluster/resources?type=vm")
        assert len(resources) == 1000
        last_node_url = first.node_urls[-1]
        assert len(await api.data(first, "/nodes", url=last_node_url)) == 20


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_cli_prints_info_json_serves_and_exits_cleanly_on_signal(
    session: aiohttp.ClientSession, sig: signal.Signals
) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "pulse.simulator",
        "--topology",
        "homelab",
        "--json",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = await asyncio.wait_for(proc.stdout.readline(), timeout=30)
        info = json.loads(line)
        assert [s["kind"] for s in info["servers"]] == ["pve", "pve", "pbs"]
        for server in info["servers"]:
            assert {"kind", "name", "url", "tokenId", "tokenSecret", "fingerprint"} <= set(server)
        pve = info["servers"][0]
        headers = {"Authorization": f"PVEAPIToken={pve['tokenId']}={pve['tokenSecret']}"}
        async with session.get(f"{pve['url']}/api2/json/version", headers=headers, ssl=False) as r:
            assert r.status == 200
    finally:
        proc.send_signal(sig)
        _, err = await asyncio.wait_for(proc.communicate(), timeout=30)
    assert proc.returncode == 0, err.decode()
    assert b"Traceback" not in err


def test_cli_rejects_impossible_sizes(capsys: pytest.CaptureFixture[str]) -> None:
    from pulse.simulator.__main__ import parse_args

    for argv in (["--nodes", "0"], ["--guests", "-1"], ["--speed", "0"]):
        with pytest.raises(SystemExit) as exc:
            parse_args(["--topology", "scaled", *argv])
        assert exc.value.code == 2
    assert "must be" in capsys.readouterr().err
