"""The configured Proxmox instances (PVE clusters or nodes, PBS servers) and their registry.

An instance is one connection Pulse polls. The registry owns the store's `nodes` section:
the config API changes it, the poller manager subscribes and reconciles its pollers.
Validation and normalisation of user input live with the config API, not here.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pulse.errors import BadRequest
from pulse.store.config_store import ConfigStore

log = logging.getLogger(__name__)

SECTION = "nodes"


class InstanceKind(StrEnum):
    PVE = "pve"
    PBS = "pbs"


@dataclass(frozen=True, slots=True)
class ClusterEndpoint:
    """One node of a PVE cluster, learnt from /cluster/status (used for failover)."""

    node_id: str
    node_name: str
    host: str
    ip: str
    online: bool = True
    last_seen: float = 0.0  # unix seconds

    def to_json(self) -> dict[str, Any]:
        # Capitalised keys as the original's API and export files use them.
        return {
            "NodeID": self.node_id,
            "NodeName": self.node_name,
            "Host": self.host,
            "IP": self.ip,
            "Online": self.online,
            "LastSeen": self.last_seen,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ClusterEndpoint:
        return cls(
            node_id=str(data.get("NodeID", "")),
            node_name=str(data.get("NodeName", "")),
            host=str(data.get("Host", "")),
            ip=str(data.get("IP", "")),
            online=bool(data.get("Online", True)),
            last_seen=float(data.get("LastSeen", 0) or 0),
        )


@dataclass(frozen=True, slots=True)
class InstanceConfig:
    """One configured instance, credentials included (never serialise it to a client as is)."""

    id: str
    kind: InstanceKind
    name: str
    host: str  # normalised base URL, e.g. https://127.0.1.11:8006
    user: str = ""
    password: str = field(default="", repr=False)
    token_name: str = ""  # PVE: user@realm!tokenid; PBS: full id or bare token name
    token_value: str = field(default="", repr=False)
    fingerprint: str = ""  # SHA-256 of the leaf certificate, hex, colons/case as entered
    verify_ssl: bool = False
    # PVE toggles
    monitor_vms: bool = True
    monitor_containers: bool = True
    monitor_storage: bool = True
    monitor_backups: bool = True
    # PBS toggles
    monitor_datastores: bool = True
    monitor_sync_jobs: bool = True
    monitor_verify_jobs: bool = True
    monitor_prune_jobs: bool = True
    monitor_garbage_jobs: bool = False
    # PVE cluster facts
    is_cluster: bool = False
    cluster_name: str = ""
    cluster_endpoints: tuple[ClusterEndpoint, ...] = ()

    @property
    def uses_token(self) -> bool:
        return bool(self.token_name and self.token_value)

    def replace(self, **changes: Any) -> InstanceConfig:
        return dataclasses.replace(self, **changes)

    def to_store(self) -> dict[str, Any]:
        """The stored record (camelCase, secrets included: the store is encrypted)."""
        out: dict[str, Any] = {}
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if item.name == "cluster_endpoints":
                value = [endpoint.to_json() for endpoint in value]
            elif isinstance(value, InstanceKind):
                value = value.value
            out[_camel(item.name)] = value
        return out

    @classmethod
    def from_store(cls, data: Mapping[str, Any]) -> InstanceConfig:
        known = {item.name for item in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        for key, value in data.items():
            name = _snake(key)
            if name in known:
                values[name] = value
        values["kind"] = InstanceKind(values.get("kind", "pve"))
        values["cluster_endpoints"] = tuple(
            ClusterEndpoint.from_json(item) for item in values.get("cluster_endpoints") or ()
        )
        return cls(**values)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    special = {"ssl": "SSL", "vms": "VMs"}
    return head + "".join(special.get(part, part.capitalize()) for part in rest)


_SNAKE = {_camel(item.name): item.name for item in dataclasses.fields(InstanceConfig)}


def _snake(key: str) -> str:
    return _SNAKE.get(key, key)


Listener = Callable[[tuple[InstanceConfig, ...]], None]


class NameTaken(BadRequest):
    """Another instance has this name (names key the state, so they must be unique)."""

    def __init__(self, name: str) -> None:
        super().__init__(f"a node named {name!r} already exists")


class NodeRegistry:
    """The configured instances, persisted in the store's `nodes` section."""

    def __init__(self, store: ConfigStore) -> None:
        self._store = store
        self._lock = asyncio.Lock()
        self._listeners: list[Listener] = []
        self._instances: tuple[InstanceConfig, ...] = self._read()

    def _read(self) -> tuple[InstanceConfig, ...]:
        records = self._store.get(SECTION, []) or []
        instances = []
        for record in records:
            try:
                instances.append(InstanceConfig.from_store(record))
            except (TypeError, ValueError) as exc:
                # Keep start-up alive; the record stays in the store untouched until replaced.
                log.error("skipping unreadable node record %r: %s", record.get("name"), exc)
        return tuple(instances)

    @property
    def instances(self) -> tuple[InstanceConfig, ...]:
        return self._instances

    def get(self, instance_id: str) -> InstanceConfig | None:
        return next((i for i in self._instances if i.id == instance_id), None)

    def by_name(self, name: str) -> InstanceConfig | None:
        return next((i for i in self._instances if i.name == name), None)

    def next_id(self, kind: InstanceKind) -> str:
        """`pve-N` / `pbs-N` with N never used by a current instance (ids stay stable)."""
        used = {i.id for i in self._instances}
        number = 0
        while f"{kind.value}-{number}" in used:
            number += 1
        return f"{kind.value}-{number}"

    def subscribe(self, listener: Listener) -> None:
        """Call `listener(instances)` after every change."""
        self._listeners.append(listener)

    async def put(self, instance: InstanceConfig) -> None:
        """Add an instance, or replace the one with the same id."""
        async with self._lock:
            others = [i for i in self._instances if i.id != instance.id]
            position = next(
                (n for n, i in enumerate(self._instances) if i.id == instance.id), len(others)
            )
            others.insert(position, instance)
            await self._commit(others)

    async def update(self, instance: InstanceConfig) -> bool:
        """Replace the instance with the same id; False (nothing saved) if it is gone, so an
        update racing a delete cannot bring the deleted instance back."""
        async with self._lock:
            if self.get(instance.id) is None:
                return False
            await self._commit([instance if i.id == instance.id else i for i in self._instances])
            return True

    async def add(self, instance: InstanceConfig) -> InstanceConfig:
        """Add a new instance; returns it with the id it got.

        The id and the name are settled under the lock: two adds checked at the same time
        (each awaited its connection test) must not share an id, which would make the second
        overwrite the first. Raises NameTaken when another instance got the name meanwhile.
        """
        async with self._lock:
            folded = instance.name.casefold()
            if any(i.name.casefold() == folded for i in self._instances):
                raise NameTaken(instance.name)
            if self.get(instance.id) is not None:
                instance = instance.replace(id=self.next_id(instance.kind))
            await self._commit([*self._instances, instance])
            return instance

    async def remove(self, instance_id: str) -> InstanceConfig | None:
        async with self._lock:
            removed = self.get(instance_id)
            if removed is not None:
                await self._commit([i for i in self._instances if i.id != instance_id])
            return removed

    async def replace_all(self, instances: Iterable[InstanceConfig]) -> None:
        async with self._lock:
            await self._commit(list(instances))

    def reload(self) -> None:
        """Re-read the store (after an offline import) and notify."""
        self._instances = self._read()
        self._notify()

    async def _commit(self, instances: list[InstanceConfig]) -> None:
        await self._store.save({SECTION: [i.to_store() for i in instances]})
        self._instances = tuple(instances)
        self._notify()

    def _notify(self) -> None:
        for listener in self._listeners:
            try:
                listener(self._instances)
            except Exception:
                log.exception("node listener failed")
