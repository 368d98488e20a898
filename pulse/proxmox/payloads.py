"""TypedDicts of the raw PVE/PBS answers Pulse reads, so `Any` stops at the client boundary.

All are `total=False`: Proxmox leaves keys out freely (offline nodes, missing privileges, versions).
Readers use `.get()` with a default and the `num`/`integer` helpers, which tolerate strings.
"""

from __future__ import annotations

from typing import Any, TypedDict, TypeVar, cast

from pulse.proxmox.errors import ApiError


class Version(TypedDict, total=False):
    version: str
    release: str
    repoid: str


class ClusterStatusEntry(TypedDict, total=False):
    type: str  # cluster | node
    id: str
    name: str
    ip: str
    local: int
    nodeid: int
    online: int
    nodes: int
    quorate: int


class NodeListEntry(TypedDict, total=False):
    node: str
    status: str
    cpu: float
    maxcpu: int
    mem: int
    maxmem: int
    disk: int
    maxdisk: int
    uptime: int
    ssl_fingerprint: str


class Resource(TypedDict, total=False):
    """One entry of /cluster/resources (type node, qemu, lxc, storage, ...)."""

    id: str
    type: str
    node: str
    status: str
    name: str
    vmid: int
    cpu: float
    maxcpu: float
    mem: int
    maxmem: int
    memhost: int
    disk: int
    maxdisk: int
    netin: int
    netout: int
    diskread: int
    diskwrite: int
    uptime: int
    template: int
    tags: str
    lock: str
    storage: str
    content: str
    plugintype: str
    shared: int


class CpuInfo(TypedDict, total=False):
    model: str
    cores: int
    sockets: int
    cpus: int
    mhz: str | float


class RootFs(TypedDict, total=False):
    total: int
    used: int
    avail: int


class NodeStatus(TypedDict, total=False):
    loadavg: list[str | float]
    kversion: str
    pveversion: str
    cpuinfo: CpuInfo
    rootfs: RootFs
    cpu: float
    uptime: int
    memory: dict[str, int]


class NodeStorage(TypedDict, total=False):
    storage: str
    type: str
    content: str
    active: int
    enabled: int
    shared: int
    total: int
    used: int
    avail: int


class StorageConfig(TypedDict, total=False):
    storage: str
    type: str
    content: str
    shared: int
    disable: int
    nodes: str


class GuestStatus(TypedDict, total=False):
    status: str
    mem: int
    maxmem: int
    balloon: int
    freemem: int
    memhost: int
    agent: int


class Filesystem(TypedDict, total=False):
    name: str
    mountpoint: str
    type: str
    # 'used-bytes' / 'total-bytes' are read with .get() on the plain dict


class Snapshot(TypedDict, total=False):
    name: str
    description: str
    snaptime: int
    parent: str
    vmstate: int


class Task(TypedDict, total=False):
    upid: str
    node: str
    type: str
    id: str
    status: str
    starttime: int
    endtime: int


class StorageContent(TypedDict, total=False):
    volid: str
    content: str
    ctime: int
    format: str
    size: int
    vmid: int
    notes: str
    protected: int
    verified: int
    verification: dict[str, str]


class PbsDatastore(TypedDict, total=False):
    store: str
    comment: str


class PbsNodeStatus(TypedDict, total=False):
    cpu: float
    memory: dict[str, int]
    uptime: int


T = TypeVar("T")


def as_list(data: Any, what: str, _kind: type[T]) -> list[T]:
    """A list of objects from an answer; ApiError when the answer has another shape."""
    if not isinstance(data, list):
        raise ApiError(f"unexpected answer for {what}: expected a list")
    return [cast(T, item) for item in data if isinstance(item, dict)]


def as_dict(data: Any, what: str, _kind: type[T]) -> T:
    if not isinstance(data, dict):
        raise ApiError(f"unexpected answer for {what}: expected an object")
    return cast(T, data)


def num(value: object, default: float = 0.0) -> float:
    """A float from a number or numeric string (Proxmox sends both)."""
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return default
    return default


def integer(value: object, default: int = 0) -> int:
    result = num(value, float(default))
    if result != result or result in (float("inf"), float("-inf")):
        return default
    return int(result)
