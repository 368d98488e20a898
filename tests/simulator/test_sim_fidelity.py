"""The simulator's answers have the keys, types and units of real PVE/PBS answers (tests/data)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pulse.simulator import Simulator
from pulse.simulator.model import LiveGuest
from pulse.simulator.testing import SimApi

DATA = Path(__file__).resolve().parent.parent / "data"
PVE = json.loads((DATA / "pve_responses.json").read_text())["entries"]
PBS = json.loads((DATA / "pbs_responses.json").read_text())["entries"]


def assert_same_shape(sample: Any, actual: Any, where: str) -> None:
    """Every key of the sample exists in the answer with a compatible JSON type (recursively)."""
    if sample is None:
        return
    if isinstance(sample, bool):
        assert isinstance(actual, bool), f"{where}: want bool, got {actual!r}"
    elif isinstance(sample, int):
        assert type(actual) is int, f"{where}: want int, got {actual!r}"
    elif isinstance(sample, float):
        assert type(actual) in (int, float), f"{where}: want number, got {actual!r}"
    elif isinstance(sample, str):
        assert isinstance(actual, str), f"{where}: want string, got {actual!r}"
    elif isinstance(sample, list):
        assert isinstance(actual, list), f"{where}: want list, got {actual!r}"
        if sample and actual:
            assert_same_shape(sample[0], actual[0], f"{where}[0]")
    elif isinstance(sample, dict):
        assert isinstance(actual, dict), f"{where}: want object, got {actual!r}"
        missing = sorted(set(sample) - set(actual))
        assert not missing, f"{where}: missing keys {missing}"
        for key, value in sample.items():
            assert_same_shape(value, actual[key], f"{where}.{key}")


def _guest_matches(g: LiveGuest, want: dict[str, Any]) -> bool:
    return (
        g.kind.value == want.get("kind", g.kind.value)
        and g.running == want.get("running", g.running)
        and g.spec.balloon_stats == want.get("balloon_stats", g.spec.balloon_stats)
        and g.spec.agent.value == want.get("agent", g.spec.agent.value)
        and (not want.get("linux") or not g.spec.ostype.startswith("win"))
        and not g.spec.template
    )


def _candidates(sim: Simulator, entry: dict[str, Any]) -> list[tuple[str, str]]:
    """(instance name, concrete path) for every node/guest that fits an entry's path template."""
    out = []
    for inst in sim.model.pve.values():
        for node in inst.nodes.values():
            if entry.get("version", node.spec.pve_version) != node.spec.pve_version:
                continue
            path = entry["path"].replace("{node}", node.name)
            if "{vmid}" not in path:
                out.append((inst.name, path))
                continue
            out += [
                (inst.name, path.replace("{vmid}", str(g.vmid)))
                for g in inst.guests_by_node[node.name]
                if _guest_matches(g, entry.get("guest", {}))
            ]
    return out


def _pick(data: Any, match: dict[str, Any] | None) -> Any:
    if not isinstance(data, list):
        return data
    found = [item for item in data if all(item.get(k) == v for k, v in (match or {}).items())]
    return found[0] if found else None


async def _find(sim: Simulator, api: SimApi, entry: dict[str, Any]) -> Any:
    for instance, path in _candidates(sim, entry):
        item = _pick(await api.data(sim.server(instance), path), entry.get("match"))
        if item is not None:
            return item
    raise AssertionError(f"nothing in the homelab topology answers like {entry['name']}")


@pytest.mark.parametrize("entry", PVE, ids=[e["name"] for e in PVE])
async def test_pve_answer_shapes(sim: Simulator, api: SimApi, entry: dict[str, Any]) -> None:
    item = await _find(sim, api, entry)
    assert_same_shape(entry["sample"], item, entry["name"])
    for key in entry.get("absent", ()):
        assert key not in item, f"{entry['name']}: {key} should be absent"


@pytest.mark.parametrize("entry", PBS, ids=[e["name"] for e in PBS])
async def test_pbs_answer_shapes(sim: Simulator, api: SimApi, entry: dict[str, Any]) -> None:
    item = _pick(await api.data(sim.server("pbs1"), entry["path"]), entry.get("match"))
    assert_same_shape(entry["sample"], item, entry["name"])


async def test_units(sim: Simulator, api: SimApi) -> None:
    pve = sim.server("homelab")
    for n in await api.data(pve, "/nodes"):
        assert 0 <= n["cpu"] <= 1
        assert n["maxmem"] > 2**30
        assert n["mem"] < n["maxmem"]
    for g in await api.data(pve, "/nodes/pve1/qemu?full=1"):
        assert g["maxdisk"] >= 2**30
        assert g["disk"] == 0
        assert 0 <= g["cpu"] <= 1
    for s in await api.data(pve, "/nodes/pve1/storage"):
        if s.get("active"):
            assert s["used"] + s["avail"] == s["total"]
    snaps = await api.data(sim.server("pbs1"), "/admin/datastore/main/snapshots")
    assert {s.get("verification", {}).get("state") for s in snaps} >= {"ok", "failed", None}
    assert any(s["protected"] for s in snaps)
    assert all(isinstance(s["backup-time"], int) and s["backup-time"] < sim.now() for s in snaps)
    content = await api.data(pve, "/nodes/pve1/storage/pbs-main/content")
    assert any(c.get("verification", {}).get("state") == "ok" for c in content)
    snapshots = await api.data(pve, "/nodes/pve1/qemu/100/snapshot")
    assert snapshots[-1]["name"] == "current"
