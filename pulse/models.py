"""The entities Pulse shows (nodes, guests, storage, PBS, backups) and their wire form.

Every entity is a frozen, slotted dataclass with snake_case attributes and a `to_json()` that
produces exactly the camelCase fields and units of the state model (reference state-model.md):
cpu as a fraction 0..1, `usage` in percent 0..100, sizes in bytes, rates in bytes/s.

Wire conventions decided once for the whole API:
* times are RFC 3339 strings in UTC (`2025-08-12T10:52:51.481934Z`); a time that was never set
  is `null` (upstream sends `"0001-01-01T00:00:00Z"`). In Python a time is unix seconds (float),
  `0.0` meaning "unset".
* lists are `[]`, never `null`.
* I/O rates are `-1` while no previous sample exists (first poll of a guest), as upstream.
* NaN/inf never reach the wire: every float goes through `finite()` when the entity is built.

Beyond upstream, guests carry where their memory and disk figures came from and why not from the
guest agent (see `Source` and `Reason`), and every entity of an instance that is currently
unreachable is marked `stale: true`, keeping `lastSeen` = the time of its last good data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

JSON = dict[str, Any]


def finite(value: float) -> float:
    """NaN/inf -> 0.0 (Proxmox occasionally sends them; JSON cannot carry them)."""
    return value if math.isfinite(value) else 0.0


def percent(used: float, total: float) -> float:
    return finite(used / total * 100.0) if total > 0 else 0.0


def rfc3339(ts: float) -> str | None:
    """Unix seconds -> RFC 3339 UTC string; 0 (unset) -> None."""
    if ts <= 0:
        return None
    text = datetime.fromtimestamp(ts, UTC).isoformat()
    return text.replace("+00:00", "Z")


def epoch_time(ts: float) -> str:
    """Like rfc3339, but 0 means the epoch (snapshot/backup times PVE reports as 0)."""
    return datetime.fromtimestamp(max(ts, 0.0), UTC).isoformat().replace("+00:00", "Z")


class Source(StrEnum):
    """Where a guest's memory or disk figure came from."""

    GUEST_AGENT = "guest-agent"  # the QEMU guest agent (fsinfo, /proc/meminfo: cache-aware)
    BALLOON = "balloon"  # PVE's `mem` from the guest's balloon driver (counts page cache)
    HYPERVISOR = "hypervisor"  # host-side view (cgroup for containers, QEMU process for VMs)
    NONE = "none"  # no figure (guest stopped, or nothing reports it)


class Reason(StrEnum):
    """Why a guest figure does not come from the guest agent ("" when it does)."""

    OK = ""
    NOT_APPLICABLE = "not-applicable"  # containers: the host's cgroup/df view is exact
    GUEST_STOPPED = "guest-stopped"
    AGENT_DISABLED = "agent-disabled"  # no `agent: 1` in the VM config
    AGENT_NOT_RUNNING = "agent-not-running"  # configured but the guest does not answer
    PERMISSION_MISSING = "permission-missing"  # token lacks VM.GuestAgent.* / VM.Monitor
    AGENT_ERROR = "agent-error"  # the agent answered with an error or unusable data
    PENDING = "pending"  # not asked yet (first minute after start)


@dataclass(slots=True, frozen=True)
class Usage:
    """A memory or disk figure: bytes plus percent used."""

    total: int = 0
    used: int = 0
    free: int = 0
    usage: float = 0.0

    @classmethod
    def of(cls, total: int, used: int, free: int | None = None) -> Usage:
        total = max(int(total), 0)
        used = min(max(int(used), 0), total) if total else max(int(used), 0)
        free = max(total - used, 0) if free is None else max(int(free), 0)
        return cls(total, used, free, percent(used, total))

    def to_json(self) -> JSON:
        return {"total": self.total, "used": self.used, "free": self.free, "usage": self.usage}


@dataclass(slots=True, frozen=True)
class CpuInfo:
    model: str = ""
    cores: int = 0
    sockets: int = 0
    mhz: str = ""

    def to_json(self) -> JSON:
        return {"model": self.model, "cores": self.cores, "sockets": self.sockets, "mhz": self.mhz}


@dataclass(slots=True, frozen=True)
class Node:
    id: str
    name: str
    instance: str
    host: str
    status: str
    cpu: float = 0.0
    memory: Usage = Usage()
    disk: Usage = Usage()
    uptime: int = 0
    load_average: tuple[float, ...] = ()
    kernel_version: str = ""
    pve_version: str = ""
    cpu_info: CpuInfo = CpuInfo()
    last_seen: float = 0.0
    connection_health: str = "healthy"
    stale: bool = False
    error: str = ""

    def to_json(self) -> JSON:
        out: JSON = {
            "id": self.id,
            "name": self.name,
            "instance": self.instance,
            "host": self.host,
            "status": self.status,
            "type": "node",
            "cpu": self.cpu,
            "memory": self.memory.to_json(),
            "disk": self.disk.to_json(),
            "uptime": self.uptime,
            "loadAverage": list(self.load_average),
            "kernelVersion": self.kernel_version,
            "pveVersion": self.pve_version,
            "cpuInfo": self.cpu_info.to_json(),
            "lastSeen": rfc3339(self.last_seen),
            "connectionHealth": self.connection_health,
            "stale": self.stale,
        }
        if self.error:
            out["error"] = self.error
        return out


@dataclass(slots=True, frozen=True)
class Guest:
    """A VM (`type == "qemu"`) or a container (`type == "lxc"`)."""

    id: str
    vmid: int
    name: str
    node: str
    instance: str
    type: str  # "qemu" | "lxc"
    status: str
    cpu: float = 0.0
    cpus: int = 0
    memory: Usage = Usage()
    disk: Usage = Usage()
    network_in: int = -1
    network_out: int = -1
    disk_read: int = -1
    disk_write: int = -1
    uptime: int = 0
    tags: tuple[str, ...] = ()
    lock: str = ""
    last_seen: float = 0.0
    memory_source: Source = Source.NONE
    memory_reason: Reason = Reason.OK
    disk_source: Source = Source.NONE
    disk_reason: Reason = Reason.OK
    balloon: int = 0  # current balloon target when auto-ballooning shrank the VM, else 0
    stale: bool = False

    @property
    def running(self) -> bool:
        return self.status == "running"

    def to_json(self) -> JSON:
        out: JSON = {
            "id": self.id,
            "vmid": self.vmid,
            "name": self.name,
            "node": self.node,
            "instance": self.instance,
            "status": self.status,
            "type": self.type,
            "cpu": self.cpu,
            "cpus": self.cpus,
            "memory": self.memory.to_json(),
            "disk": self.disk.to_json(),
            "networkIn": self.network_in,
            "networkOut": self.network_out,
            "diskRead": self.disk_read,
            "diskWrite": self.disk_write,
            "uptime": self.uptime,
            "template": False,
            "lastBackup": None,
            "lastSeen": rfc3339(self.last_seen),
            "memorySource": self.memory_source.value,
            "memorySourceReason": self.memory_reason.value,
            "diskSource": self.disk_source.value,
            "diskSourceReason": self.disk_reason.value,
            "stale": self.stale,
        }
        if self.tags:
            out["tags"] = list(self.tags)
        if self.lock:
            out["lock"] = self.lock
        if self.balloon:
            out["balloon"] = self.balloon
        return out


@dataclass(slots=True, frozen=True)
class Storage:
    id: str
    name: str
    node: str  # node name, or "shared"
    instance: str
    type: str
    status: str  # available | inactive | disabled
    total: int = 0
    used: int = 0
    free: int = 0
    usage: float = 0.0
    content: str = ""
    shared: bool = False
    enabled: bool = True
    active: bool = True
    stale: bool = False

    def to_json(self) -> JSON:
        return {
            "id": self.id,
            "name": self.name,
            "node": self.node,
            "instance": self.instance,
            "type": self.type,
            "status": self.status,
            "total": self.total,
            "used": self.used,
            "free": self.free,
            "usage": self.usage,
            "content": self.content,
            "shared": self.shared,
            "enabled": self.enabled,
            "active": self.active,
            "stale": self.stale,
        }


@dataclass(slots=True, frozen=True)
class PBSNamespace:
    path: str
    parent: str = ""
    depth: int = 0

    def to_json(self) -> JSON:
        out: JSON = {"path": self.path, "depth": self.depth}
        if self.parent:
            out["parent"] = self.parent
        return out


@dataclass(slots=True, frozen=True)
class PBSDatastore:
    name: str
    total: int = 0
    used: int = 0
    free: int = 0
    usage: float = 0.0
    status: str = "available"  # available | error
    error: str = ""
    namespaces: tuple[PBSNamespace, ...] = ()

    def to_json(self) -> JSON:
        out: JSON = {
            "name": self.name,
            "total": self.total,
            "used": self.used,
            "free": self.free,
            "usage": self.usage,
            "status": self.status,
            "namespaces": [ns.to_json() for ns in self.namespaces],
        }
        if self.error:
            out["error"] = self.error
        return out


@dataclass(slots=True, frozen=True)
class PBSInstance:
    id: str  # pbs-<name>
    name: str
    host: str
    status: str  # online | offline
    version: str = "unknown"
    cpu: float = 0.0
    memory: float = 0.0  # percent
    memory_used: int = 0
    memory_total: int = 0
    uptime: int = 0
    datastores: tuple[PBSDatastore, ...] = ()
    connection_health: str = "unhealthy"
    last_seen: float = 0.0
    error: str = ""
    stale: bool = False

    def to_json(self) -> JSON:
        out: JSON = {
            "id": self.id,
            "name": self.name,
            "host": self.host,
            "status": self.status,
            "version": self.version,
            "cpu": self.cpu,
            "memory": self.memory,
            "memoryUsed": self.memory_used,
            "memoryTotal": self.memory_total,
            "uptime": self.uptime,
            "datastores": [d.to_json() for d in self.datastores],
            "backupJobs": [],
            "syncJobs": [],
            "verifyJobs": [],
            "pruneJobs": [],
            "garbageJobs": [],
            "connectionHealth": self.connection_health,
            "lastSeen": rfc3339(self.last_seen),
            "stale": self.stale,
        }
        if self.error:
            out["error"] = self.error
        return out


@dataclass(slots=True, frozen=True)
class PBSBackup:
    id: str
    instance: str
    datastore: str
    namespace: str
    backup_type: str  # vm | ct | host
    vmid: str  # the backup-id (a string, unlike guest vmids)
    backup_time: float
    size: int = 0
    protected: bool = False
    verified: bool = False
    comment: str = ""
    files: tuple[str, ...] = ()

    def to_json(self) -> JSON:
        out: JSON = {
            "id": self.id,
            "instance": self.instance,
            "datastore": self.datastore,
            "namespace": self.namespace,
            "backupType": self.backup_type,
            "vmid": self.vmid,
            "backupTime": epoch_time(self.backup_time),
            "size": self.size,
            "protected": self.protected,
            "verified": self.verified,
        }
        if self.comment:
            out["comment"] = self.comment
        if self.files:
            out["files"] = list(self.files)
        return out


@dataclass(slots=True, frozen=True)
class BackupTask:
    id: str  # <instance>-<UPID>
    instance: str
    node: str
    vmid: int
    status: str  # "OK", an error text, or "" while running
    start_time: float
    end_time: float = 0.0
    type: str = "vzdump"

    def to_json(self) -> JSON:
        return {
            "id": self.id,
            "instance": self.instance,
            "node": self.node,
            "type": self.type,
            "vmid": self.vmid,
            "status": self.status,
            "startTime": epoch_time(self.start_time),
            "endTime": rfc3339(self.end_time),
        }


@dataclass(slots=True, frozen=True)
class StorageBackup:
    id: str  # <instance>-<volid>
    instance: str
    storage: str
    node: str
    type: str  # qemu | lxc | unknown
    vmid: int
    ctime: int
    size: int
    format: str
    volid: str
    notes: str = ""
    protected: bool = False
    is_pbs: bool = False
    verified: bool = False
    verification: str = ""

    def to_json(self) -> JSON:
        out: JSON = {
            "id": self.id,
            "instance": self.instance,
            "storage": self.storage,
            "node": self.node,
            "type": self.type,
            "vmid": self.vmid,
            "time": epoch_time(self.ctime),
            "ctime": self.ctime,
            "size": self.size,
            "format": self.format,
            "protected": self.protected,
            "volid": self.volid,
            "isPBS": self.is_pbs,
            "verified": self.verified,
        }
        if self.notes:
            out["notes"] = self.notes
        if self.verification:
            out["verification"] = self.verification
        return out


@dataclass(slots=True, frozen=True)
class GuestSnapshot:
    id: str  # <instance>-<node>-<vmid>-<name>
    instance: str
    name: str
    node: str
    type: str  # qemu | lxc
    vmid: int
    time: float
    description: str = ""
    parent: str = ""
    vmstate: bool = False

    def to_json(self) -> JSON:
        out: JSON = {
            "id": self.id,
            "instance": self.instance,
            "name": self.name,
            "node": self.node,
            "type": self.type,
            "vmid": self.vmid,
            "time": epoch_time(self.time),
            "vmstate": self.vmstate,
        }
        if self.description:
            out["description"] = self.description
        if self.parent:
            out["parent"] = self.parent
        return out


@dataclass(slots=True, frozen=True)
class Performance:
    """Poll timing, filled for real (upstream leaves most of it empty)."""

    last_poll_duration: float = 0.0  # seconds, slowest instance of the last round
    polling_start_time: float = 0.0
    total_api_calls: int = 0  # since start
    failed_api_calls: int = 0
    api_calls_last_cycle: int = 0  # all instances, their latest cycle each
    api_call_duration: tuple[tuple[str, float], ...] = ()  # endpoint -> mean ms

    def to_json(self) -> JSON:
        return {
            "apiCallDuration": dict(self.api_call_duration),
            "lastPollDuration": self.last_poll_duration,
            "pollingStartTime": rfc3339(self.polling_start_time),
            "totalApiCalls": self.total_api_calls,
            "failedApiCalls": self.failed_api_calls,
            "apiCallsLastCycle": self.api_calls_last_cycle,
        }


@dataclass(slots=True, frozen=True)
class Stats:
    start_time: float = 0.0
    uptime: int = 0
    polling_cycles: int = 0
    web_socket_clients: int = 0
    version: str = ""

    def to_json(self) -> JSON:
        return {
            "startTime": rfc3339(self.start_time),
            "uptime": self.uptime,
            "pollingCycles": self.polling_cycles,
            "webSocketClients": self.web_socket_clients,
            "version": self.version,
        }


@dataclass(slots=True, frozen=True)
class PVEBackups:
    backup_tasks: tuple[BackupTask, ...] = ()
    storage_backups: tuple[StorageBackup, ...] = ()
    guest_snapshots: tuple[GuestSnapshot, ...] = ()

    def to_json(self) -> JSON:
        return {
            "backupTasks": [t.to_json() for t in self.backup_tasks],
            "storageBackups": [b.to_json() for b in self.storage_backups],
            "guestSnapshots": [s.to_json() for s in self.guest_snapshots],
        }


@dataclass(slots=True, frozen=True)
class State:
    """One immutable snapshot of everything Pulse knows; a new one per published cycle."""

    nodes: tuple[Node, ...] = ()
    vms: tuple[Guest, ...] = ()
    containers: tuple[Guest, ...] = ()
    storage: tuple[Storage, ...] = ()
    pbs: tuple[PBSInstance, ...] = ()
    pbs_backups: tuple[PBSBackup, ...] = ()
    pve_backups: PVEBackups = PVEBackups()
    performance: Performance = Performance()
    connection_health: tuple[tuple[str, bool], ...] = ()
    stats: Stats = Stats()
    last_update: float = 0.0
    # instance name -> error text of its last failed cycle (no secrets); for diagnostics/UI
    errors: tuple[tuple[str, str], ...] = field(default=())

    def guests(self) -> tuple[Guest, ...]:
        return self.vms + self.containers

    def to_json(
        self, active_alerts: list[JSON] | None = None, recently_resolved: list[JSON] | None = None
    ) -> JSON:
        return {
            "nodes": [n.to_json() for n in self.nodes],
            "vms": [v.to_json() for v in self.vms],
            "containers": [c.to_json() for c in self.containers],
            "storage": [s.to_json() for s in self.storage],
            "pbs": [p.to_json() for p in self.pbs],
            "pbsBackups": [b.to_json() for b in self.pbs_backups],
            "metrics": [],
            "pveBackups": self.pve_backups.to_json(),
            "performance": self.performance.to_json(),
            "connectionHealth": dict(self.connection_health),
            "stats": self.stats.to_json(),
            "activeAlerts": list(active_alerts or []),
            "recentlyResolved": list(recently_resolved or []),
            "lastUpdate": rfc3339(self.last_update),
            "errors": dict(self.errors),
        }
