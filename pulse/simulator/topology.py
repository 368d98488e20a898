"""Static description of what the simulator serves: clusters, nodes, guests, storage, PBS."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field


class GuestKind(enum.StrEnum):
    QEMU = "qemu"
    LXC = "lxc"


class AgentMode(enum.StrEnum):
    """QEMU guest agent situation of a VM, as PVE's agent endpoints see it."""

    NONE = "none"  # no `agent` key in the VM config -> "No QEMU guest agent configured"
    NOT_RUNNING = "not_running"  # configured, but the guest does not answer guest-ping
    RUNNING = "running"


class Fault(enum.StrEnum):
    """Ways a node or PBS server can misbehave (see faults.py for the exact semantics)."""

    OFFLINE = "offline"
    HANG = "hang"
    SLOW = "slow"
    ERROR500 = "error500"
    MALFORMED = "malformed"
    EXPIRE_TICKETS = "expire_tickets"
    ROTATE_CERT = "rotate_cert"


@dataclass(frozen=True, slots=True)
class FaultSpec:
    fault: Fault
    latency: float = 0.0


@dataclass(frozen=True, slots=True)
class FilesystemSpec:
    """One entry of the guest agent's get-fsinfo answer."""

    name: str  # block device basename: sda1, dm-0, loop3
    mountpoint: str
    type: str
    total_bytes: int
    used_bytes: int
    has_disk: bool = True  # loop devices report an empty `disk` list


@dataclass(frozen=True, slots=True)
class SnapshotSpec:
    name: str
    age: int  # seconds before the simulation start
    description: str = ""
    parent: str = ""
    vmstate: bool = False


@dataclass(frozen=True, slots=True)
class Rates:
    """Constant growth of the cumulative counters while a guest runs, in bytes per second."""

    netin: float
    netout: float
    diskread: float
    diskwrite: float


@dataclass(frozen=True, slots=True)
class GuestSpec:
    vmid: int
    name: str
    kind: GuestKind
    node: str
    cpus: int
    maxmem: int
    maxdisk: int
    running: bool
    uptime: int  # seconds already up when the simulation starts (running guests)
    cpu_base: float  # typical cpu fraction 0..1
    mem_base: float  # typical used share of maxmem
    disk_base: float  # used share of the rootfs (lxc) / of the agent filesystems (qemu)
    rates: Rates
    ip: str  # loopback address reported by the guest agent / lxc interfaces
    mac: str
    ostype: str = "l26"
    template: bool = False
    tags: tuple[str, ...] = ()
    lock: str = ""  # static lock from the config (backup/snapshot/migrate/...)
    ha_state: str = ""  # "", "started", "stopped", "ignored" ... (HA managed when set)
    agent: AgentMode = AgentMode.NONE
    balloon_stats: bool = True  # the virtio-balloon driver reports free memory (qemu)
    maxswap: int = 0  # lxc only
    filesystems: tuple[FilesystemSpec, ...] = ()
    snapshots: tuple[SnapshotSpec, ...] = ()
    pool: str = ""


@dataclass(frozen=True, slots=True)
class StorageSpec:
    storage: str
    type: str  # dir, lvmthin, zfspool, nfs, pbs, lvm, cifs ...
    content: tuple[str, ...]
    total: int
    used_base: float  # share used 0..1
    shared: bool = False
    path: str = ""
    server: str = ""  # nfs/pbs: loopback address
    export: str = ""
    datastore: str = ""  # pbs: datastore name on the PBS server
    namespace: str = ""  # pbs: namespace inside the datastore ("" = root)
    pbs_server: str = ""  # pbs: the PBS instance name that backs it
    pool: str = ""  # zfspool
    vgname: str = ""  # lvmthin
    thinpool: str = ""
    nodes: tuple[str, ...] = ()  # restrict to these nodes ("" = all)
    enabled: bool = True


@dataclass(frozen=True, slots=True)
class BackupSpec:
    """A vzdump archive on a non-PBS storage (PBS-backed storage lists PBS snapshots)."""

    storage: str
    node: str  # node that holds it (local storage) / any node (shared storage)
    vmid: int
    kind: GuestKind
    age: int  # seconds before the simulation start
    size: int
    notes: str = ""
    protected: bool = False


@dataclass(frozen=True, slots=True)
class NodeSpec:
    name: str
    ip: str
    maxcpu: int
    maxmem: int
    rootfs_total: int
    cpu_model: str
    sockets: int
    mhz: str
    uptime: int
    cpu_base: float
    mem_base: float
    rootfs_base: float
    pve_version: int = 9  # 8 or 9: memory fields, guest agent privileges, list fields
    level: str = ""  # subscription level: "", "c", "b", "s", "p"


@dataclass(frozen=True, slots=True)
class PveSpec:
    """One Pulse instance: a cluster (entry point = first node) or a standalone node."""

    name: str
    cluster: str | None
    nodes: tuple[NodeSpec, ...]
    guests: tuple[GuestSpec, ...]
    storages: tuple[StorageSpec, ...]
    backups: tuple[BackupSpec, ...] = ()
    token_secret: str = ""
    restricted_token_secret: str = ""
    password: str = ""


@dataclass(frozen=True, slots=True)
class PbsSnapshotSpec:
    ns: str
    backup_type: str  # vm, ct, host
    backup_id: str
    age: int  # seconds before the simulation start
    size: int
    protected: bool = False
    comment: str = ""
    verification: str = ""  # "", "ok", "failed"
    files: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class DatastoreSpec:
    name: str
    comment: str
    path: str
    total: int
    used_base: float
    namespaces: tuple[str, ...] = ("",)
    snapshots: tuple[PbsSnapshotSpec, ...] = ()


@dataclass(frozen=True, slots=True)
class PbsSpec:
    name: str
    ip: str
    hostname: str
    pbs_version: int  # 3 or 4
    datastores: tuple[DatastoreSpec, ...]
    uptime: int
    maxmem: int
    cpus: int
    cpu_base: float
    mem_base: float
    token_secret: str = ""
    restricted_token_secret: str = ""
    password: str = ""


@dataclass(frozen=True, slots=True)
class Dynamics:
    """Optional events. Cpu/memory wander and counters grow regardless of these switches."""

    start_stop: bool = False
    start_stop_interval: float = 600.0  # mean simulated seconds between start/stop events
    backups: bool = False
    backup_interval: float = 900.0  # mean simulated seconds between new backups


@dataclass(frozen=True, slots=True)
class Topology:
    seed: int
    pve: tuple[PveSpec, ...] = ()
    pbs: tuple[PbsSpec, ...] = ()
    dynamics: Dynamics = field(default_factory=Dynamics)
    faults: Mapping[str, Fault | FaultSpec] = field(default_factory=dict)
    ticket_lifetime: float = 7200.0  # simulated seconds (PVE/PBS: 2 h)
    pve_port: int = 0  # 0 = pick a free ephemeral port (the same one on every node of a cluster)
    pbs_port: int = 0
    control_port: int = 0

    def node_names(self) -> list[str]:
        return [n.name for p in self.pve for n in p.nodes]

    def targets(self) -> list[str]:
        """Names accepted by fault injection: PVE node names and PBS server names."""
        return self.node_names() + [b.name for b in self.pbs]
