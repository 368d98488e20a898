"""NodeRegistry: updates never resurrect a deleted instance; ids stay unique."""

from __future__ import annotations

from pathlib import Path

from pulse.config.nodes import InstanceConfig, InstanceKind, NodeRegistry
from pulse.store.config_store import ConfigStore


def registry(tmp_path: Path) -> NodeRegistry:
    store = ConfigStore(tmp_path)
    store.load()
    return NodeRegistry(store)


def node(instance_id: str, name: str) -> InstanceConfig:
    return InstanceConfig(
        id=instance_id, kind=InstanceKind.PVE, name=name, host="https://127.0.1.11:8006"
    )


async def test_update_after_delete_changes_nothing(tmp_path: Path) -> None:
    nodes = registry(tmp_path)
    added = await nodes.add(node("pve-0", "lab"))
    heard: list[int] = []
    nodes.subscribe(lambda instances: heard.append(len(instances)))
    assert await nodes.remove(added.id) is not None
    assert await nodes.update(added.replace(name="renamed")) is False
    assert nodes.instances == ()
    assert heard == [0]  # only the removal was announced
    assert registry(tmp_path).instances == ()  # and nothing came back on disk


async def test_update_replaces_in_place(tmp_path: Path) -> None:
    nodes = registry(tmp_path)
    await nodes.add(node("pve-0", "a"))
    await nodes.add(node("pve-1", "b"))
    assert await nodes.update(node("pve-0", "a2")) is True
    assert [i.name for i in nodes.instances] == ["a2", "b"]
    assert [i.name for i in registry(tmp_path).instances] == ["a2", "b"]
