"""Hard rule: the simulator listens on and reports loopback addresses only."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

import pytest

from pulse.simulator import Simulator, scaled_topology
from pulse.simulator.agent import COMMANDS
from pulse.simulator.testing import SimApi

IPV4 = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?![\d.])")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(k) + _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


async def _walk(sim: Simulator, api: SimApi) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for info in sim.servers:
        paths: list[str]
        if info.kind == "pve":
            inst = sim.model.pve[info.name]
            paths = [
                "/version",
                "/nodes",
                "/cluster/status",
                "/cluster/resources",
                "/storage",
                "/cluster/ha/status/current",
                "/cluster/ha/resources",
                "/access/permissions",
            ]
            for node in inst.nodes:
                paths += [
                    f"/nodes/{node}/status",
                    f"/nodes/{node}/qemu",
                    f"/nodes/{node}/qemu?full=1",
                    f"/nodes/{node}/lxc",
                    f"/nodes/{node}/storage",
                    f"/nodes/{node}/tasks?limit=0",
                ]
                paths += [
                    f"/nodes/{node}/storage/{st.spec.storage}/content"
                    for st in inst.node_storages(node)
                ]
            for g in inst.guests.values():
                base = f"/nodes/{g.node}/{g.kind.value}/{g.vmid}"
                paths += [f"{base}/status/current", f"{base}/config", f"{base}/snapshot"]
                if g.kind.value == "lxc":
                    paths.append(f"{base}/interfaces")
                else:
                    paths += [f"{base}/agent/{c}" for c in COMMANDS]
        else:
            paths = [
                "/version",
                "/nodes/localhost/status",
                "/admin/datastore",
                "/status/datastore-usage",
                "/nodes/localhost/tasks",
            ]
            for ds in sim.model.pbs[info.name].datastores.values():
                paths += [
                    f"/admin/datastore/{ds.spec.name}/status?verbose=1",
                    f"/admin/datastore/{ds.spec.name}/namespace",
                ]
                for ns in ds.spec.namespaces:
                    paths += [
                        f"/admin/datastore/{ds.spec.name}/groups?ns={ns}",
                        f"/admin/datastore/{ds.spec.name}/snapshots?ns={ns}",
                    ]
        for path in paths:
            answers[f"{info.name}{path}"] = (await api.get(info, path))[1]
    return answers


async def _control_and_login(sim: Simulator, api: SimApi) -> dict[str, Any]:
    """The control API documents and the login answers also carry addresses and names."""
    answers: dict[str, Any] = {}
    for path in ("/info", "/truth", "/faults"):
        async with api.session.get(f"{sim.control_url}{path}") as r:
            answers[f"control{path}"] = await r.json()
    for info in sim.servers:
        form = {"username": info.username, "password": info.password}
        async with api.session.post(
            f"{info.url}/api2/json/access/ticket", data=form, ssl=False
        ) as r:
            answers[f"{info.name}/access/ticket"] = await r.json()
    return answers


async def test_every_reported_address_is_loopback(sim: Simulator, api: SimApi) -> None:
    for info in sim.servers:
        assert ipaddress.ip_address(info.host).is_loopback
        for url in info.node_urls:
            assert ipaddress.ip_address(url.split("//")[1].rsplit(":", 1)[0]).is_loopback
    assert sim.control_url.startswith("http://127.0.0.1:")
    answers = await _walk(sim, api) | await _control_and_login(sim, api)
    assert len(answers) > 250
    found = set()
    for where, body in answers.items():
        for s in _strings(body):
            for ip in IPV4.findall(s):
                found.add(ip)
                assert ipaddress.ip_address(ip) in ipaddress.ip_network("127.0.0.0/8"), (where, s)
        for entry in (
            body["data"]["result"]
            if isinstance(body, dict)
            and where.endswith("network-get-interfaces")
            and body.get("data")
            else []
        ):
            for addr in entry["ip-addresses"]:
                assert ipaddress.ip_address(addr["ip-address"]).is_loopback
    assert "127.0.1.12" in found  # node ips, storage servers and guest addresses were all seen
    assert any(ip.startswith("127.0.250.") for ip in found)
    assert any(ip.startswith("127.100.") for ip in found)


def test_topologies_beyond_the_loopback_plan_are_refused() -> None:
    scaled_topology(nodes=1000, guests=1000)  # 50 clusters of 20: fits
    with pytest.raises(ValueError, match="loopback"):
        scaled_topology(nodes=200, guests=200, cluster_size=1)
    with pytest.raises(ValueError, match="nodes per cluster"):
        scaled_topology(nodes=300, guests=10, cluster_size=300)
