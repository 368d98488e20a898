"""Live simulated state: nodes, guests, storage, backups and tasks, evaluated at any sim time."""

from __future__ import annotations

import bisect
import collections
import random
import time
from dataclasses import dataclass, field

from pulse.simulator.signals import Wander, quantize
from pulse.simulator.topology import (
    DatastoreSpec,
    GuestKind,
    GuestSpec,
    NodeSpec,
    PbsSpec,
    PveSpec,
    StorageSpec,
)

MIB = 1024**2
# Bounds that keep memory flat in week-long soaks: backups of one guest are pruned like a
# `keep-last` job, each node keeps its newest tasks (PVE rotates its task index), and the
# event log keeps the newest entries.
KEEP_PER_GROUP = 10
MAX_TASKS_PER_NODE = 2000
MAX_EVENTS = 1000


@dataclass(frozen=True, slots=True)
class GuestSample:
    """What PVE reports for a guest at one instant (bytes, seconds, cpu as a fraction)."""

    running: bool
    cpu: float
    mem: int  # guest view: what status/current, ?full=1 and /cluster/resources call `mem`
    memhost: int  # host view of the whole VM (PVE 9 `memhost`; PVE 8 list `mem` estimate)
    meminfo_total: int  # guest MemTotal (qemu balloon `total_mem`)
    freemem: int
    swap: int
    disk: int
    netin: int
    netout: int
    diskread: int
    diskwrite: int
    uptime: int


class LiveGuest:
    __slots__ = (
        "_cpu",
        "_disk",
        "_mem",
        "backup_until",
        "instance",
        "running",
        "spec",
        "started_at",
    )

    def __init__(self, spec: GuestSpec, instance: LivePve, t0: float, rng: random.Random) -> None:
        self.spec = spec
        self.instance = instance
        self.running = spec.running
        self.started_at = t0 - spec.uptime
        self.backup_until = 0.0  # end of the vzdump task that holds the `backup` lock
        self._cpu = Wander.from_rng(rng)
        self._mem = Wander.from_rng(rng)
        self._disk = Wander.from_rng(rng)

    @property
    def vmid(self) -> int:
        return self.spec.vmid

    @property
    def node(self) -> str:
        return self.spec.node

    @property
    def kind(self) -> GuestKind:
        return self.spec.kind

    def lock(self, t: float) -> str:
        if self.backup_until > t:
            return "backup"
        return self.spec.lock

    def uptime(self, t: float) -> int:
        return max(0, int(t - self.started_at)) if self.running else 0

    def counters(self, t: float) -> tuple[int, int, int, int]:
        """Cumulative netin, netout, diskread, diskwrite: rate x seconds since start."""
        up = self.uptime(t)
        r = self.spec.rates
        return int(r.netin * up), int(r.netout * up), int(r.diskread * up), int(r.diskwrite * up)

    def sample(self, t: float) -> GuestSample:
        s = self.spec
        if not self.running:
            return GuestSample(False, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)  # PVE sends "cpu":0
        cpu = max(0.0, min(1.0, s.cpu_base * (1.0 + 0.7 * self._cpu.at(t))))
        share = max(0.05, min(0.97, s.mem_base + 0.12 * self._mem.at(t)))
        if s.kind is GuestKind.QEMU:
            total = s.maxmem - 70 * MIB if s.maxmem > 512 * MIB else s.maxmem
            mem = int(total * share)
            memhost = min(int(s.maxmem * 1.02), mem + int(s.maxmem * 0.12))
            disk = 0  # PVE never reports VM disk usage (only the guest agent knows it)
        else:
            total = s.maxmem
            mem = int(total * share)
            memhost = 0
            disk = int(s.maxdisk * max(0.01, min(0.99, s.disk_base + 0.01 * self._disk.at(t))))
        netin, netout, dread, dwrite = self.counters(t)
        return GuestSample(
            True,
            round(cpu, 6),
            mem,
            memhost,
            total,
            total - mem,
            int(s.maxswap * 0.05 * (1 + self._mem.at(t))) if s.kind is GuestKind.LXC else 0,
            disk,
            netin,
            netout,
            dread,
            dwrite,
            self.uptime(t),
        )


class LiveNode:
    __slots__ = ("_cpu", "_mem", "boot_time", "instance", "online", "spec")

    def __init__(self, spec: NodeSpec, instance: LivePve, t0: float, rng: random.Random) -> None:
        self.spec = spec
        self.instance = instance
        self.boot_time = t0 - spec.uptime
        self.online = True
        self._cpu = Wander.from_rng(rng)
        self._mem = Wander.from_rng(rng)

    @property
    def name(self) -> str:
        return self.spec.name

    def cpu(self, t: float) -> float:
        return round(max(0.0, min(1.0, self.spec.cpu_base * (1.0 + 0.6 * self._cpu.at(t)))), 6)

    def mem(self, t: float) -> int:
        """Used memory as PVE 8.4+/9 computes it: total - MemAvailable."""
        return int(
            self.spec.maxmem * max(0.05, min(0.98, self.spec.mem_base + 0.08 * self._mem.at(t)))
        )

    def rootfs_used(self, t: float) -> int:
        return int(self.spec.rootfs_total * self.spec.rootfs_base + (t - self.boot_time) * 2)

    def uptime(self, t: float) -> int:
        return int(t - self.boot_time)

    def loadavg(self, t: float) -> tuple[str, str, str]:
        base = self.cpu(t) * self.spec.maxcpu
        return (
            f"{base * 1.1:.2f}",
            f"{self.cpu(t - 300) * self.spec.maxcpu:.2f}",
            f"{self.cpu(t - 900) * self.spec.maxcpu:.2f}",
        )


@dataclass(slots=True)
class Task:
    node: str
    type: str
    id: str
    user: str
    starttime: int
    endtime: int
    status: str  # final status, shown once endtime has passed
    pid: int
    pstart: int

    @property
    def upid(self) -> str:
        return (
            f"UPID:{self.node}:{self.pid:08X}:{self.pstart:08X}:{self.starttime:08X}:"
            f"{self.type}:{self.id}:{self.user}:"
        )


@dataclass(slots=True)
class LiveBackup:
    """A vzdump archive on a dir/nfs storage."""

    storage: str
    node: str
    vmid: int
    kind: GuestKind
    ctime: int
    size: int
    notes: str
    protected: bool
    visible_from: float

    @property
    def format(self) -> str:
        return "vma.zst" if self.kind is GuestKind.QEMU else "tar.zst"

    @property
    def volid(self) -> str:
        stamp = time.strftime("%Y_%m_%d-%H_%M_%S", time.gmtime(self.ctime))
        return f"{self.storage}:backup/vzdump-{self.kind.value}-{self.vmid}-{stamp}.{self.format}"


def verify_upid(host: str, store: str, when: int) -> str:
    """UPID of the PBS verification job that checked a snapshot taken at ``when``."""
    start = when + 7200
    return (
        f"UPID:{host}:00000A1F:0001B2C3:00000004:{start:08X}:verificationjob:"
        f"{store}\\x3av\\x2d1:root@pam:"
    )


@dataclass(slots=True)
class PbsSnapshot:
    ns: str
    backup_type: str
    backup_id: str
    backup_time: int
    size: int
    protected: bool
    comment: str
    verification: str
    files: tuple[tuple[str, int], ...]
    visible_from: float

    @property
    def time_string(self) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.backup_time))


class LiveStorage:
    __slots__ = ("_w", "node", "spec")

    def __init__(self, spec: StorageSpec, node: str, rng: random.Random) -> None:
        self.spec = spec
        self.node = node  # "" for shared storage
        self._w = Wander.from_rng(rng)

    def used(self, t: float) -> int:
        return int(
            self.spec.total * max(0.0, min(0.99, self.spec.used_base + 0.01 * self._w.at(t)))
        )


class LiveDatastore:
    __slots__ = ("_added", "snapshots", "spec")

    def __init__(self, spec: DatastoreSpec, t0: float) -> None:
        self.spec = spec
        self._added: list[PbsSnapshot] = []  # taken during the simulation (pruned)
        self.snapshots: list[PbsSnapshot] = [
            PbsSnapshot(
                s.ns,
                s.backup_type,
                s.backup_id,
                int(t0 - s.age),
                s.size,
                s.protected,
                s.comment,
                s.verification,
                s.files,
                t0 - s.age,
            )
            for s in spec.snapshots
        ]

    def used(self, t: float) -> int:
        # new backups deduplicate well: count a tenth of their size
        added = sum(s.size for s in self._added if s.visible_from <= t) // 10
        return min(self.spec.total, int(self.spec.total * self.spec.used_base) + added)

    def add(self, snap: PbsSnapshot) -> None:
        """A new snapshot; the oldest new ones of its group beyond KEEP_PER_GROUP are pruned."""
        self.snapshots.append(snap)
        self._added.append(snap)
        key = (snap.ns, snap.backup_type, snap.backup_id)
        group = [s for s in self._added if (s.ns, s.backup_type, s.backup_id) == key]
        for old in group[:-KEEP_PER_GROUP]:
            self._added.remove(old)
            self.snapshots.remove(old)

    def visible(self, t: float, ns: str | None = None) -> list[PbsSnapshot]:
        return [s for s in self.snapshots if s.visible_from <= t and (ns is None or s.ns == ns)]


class LivePbs:
    def __init__(self, spec: PbsSpec, t0: float, rng: random.Random) -> None:
        self.spec = spec
        self.online = True
        self.boot_time = t0 - spec.uptime
        self.datastores = {d.name: LiveDatastore(d, t0) for d in spec.datastores}
        self._cpu = Wander.from_rng(rng)
        self._mem = Wander.from_rng(rng)

    @property
    def name(self) -> str:
        return self.spec.name

    def cpu(self, t: float) -> float:
        return round(max(0.0, min(1.0, self.spec.cpu_base * (1.0 + 0.6 * self._cpu.at(t)))), 6)

    def mem(self, t: float) -> int:
        return int(
            self.spec.maxmem * max(0.05, min(0.95, self.spec.mem_base + 0.1 * self._mem.at(t)))
        )


class LivePve:
    """One PVE instance (cluster or standalone node) with everything its API can show."""

    def __init__(self, spec: PveSpec, t0: float, rng: random.Random) -> None:
        self.spec = spec
        # all nodes share one pvestatd-like refresh phase so a cached cluster view is coherent
        self.phase = rng.uniform(0, 10)
        self.nodes = {n.name: LiveNode(n, self, t0, rng) for n in spec.nodes}
        self.guests = {g.vmid: LiveGuest(g, self, t0, rng) for g in spec.guests}
        self.guests_by_node: dict[str, list[LiveGuest]] = {n: [] for n in self.nodes}
        for g in self.guests.values():
            self.guests_by_node[g.node].append(g)
        self.storages: dict[tuple[str, str], LiveStorage] = {}
        for s in spec.storages:
            for n in spec.nodes:
                if s.nodes and n.name not in s.nodes:
                    continue
                key = ("" if s.shared else n.name, s.storage)
                if key not in self.storages:
                    self.storages[key] = LiveStorage(s, key[0], rng)
        self.storage_specs = {s.storage: s for s in spec.storages}
        self.backups: list[LiveBackup] = [
            LiveBackup(
                b.storage,
                b.node,
                b.vmid,
                b.kind,
                int(t0 - b.age),
                b.size,
                b.notes,
                b.protected,
                t0 - b.age,
            )
            for b in spec.backups
        ]
        self.tasks: dict[str, list[Task]] = {n: [] for n in self.nodes}
        self._pid = rng.randint(100000, 900000)
        for b in self.backups:
            node = b.node if b.node in self.nodes else self.guests[b.vmid].node
            self.add_task(
                node, "vzdump", str(b.vmid), b.ctime, b.ctime + rng.randint(40, 900), "OK"
            )
        for live in self.nodes.values():
            for day in range(5):
                start = int(t0 - day * 86400 - rng.randint(0, 86000))
                self.add_task(live.name, "aptupdate", "", start, start + rng.randint(5, 30), "OK")
            lastboot = int(live.boot_time) + 120
            for g in self.guests_by_node[live.name][:5]:
                kind = "qmstart" if g.kind is GuestKind.QEMU else "vzstart"
                self.add_task(live.name, kind, str(g.vmid), lastboot, lastboot + 3, "OK")

    @property
    def name(self) -> str:
        return self.spec.name

    def add_task(
        self,
        node: str,
        ttype: str,
        tid: str,
        start: int,
        end: int,
        status: str,
        user: str = "root@pam",
    ) -> Task:
        self._pid += 17
        task = Task(node, ttype, tid, user, start, end, status, self._pid, start * 100 % 0xFFFFFFF)
        tasks = self.tasks[node]
        bisect.insort(tasks, task, key=lambda x: x.starttime)
        if len(tasks) > MAX_TASKS_PER_NODE:
            del tasks[0]  # the oldest
        return task

    def add_backup(self, backup: LiveBackup) -> None:
        """A new vzdump archive; older unprotected ones of the guest on that storage beyond
        KEEP_PER_GROUP are pruned."""
        self.backups.append(backup)
        group = [
            b
            for b in self.backups
            if b.storage == backup.storage and b.vmid == backup.vmid and not b.protected
        ]
        for old in group[:-KEEP_PER_GROUP]:
            self.backups.remove(old)

    def refresh_time(self, t: float) -> float:
        """The last pvestatd refresh: what /cluster/resources and /nodes show at time ``t``."""
        return quantize(t, self.phase)

    def node_storages(self, node: str) -> list[LiveStorage]:
        out = []
        for s in self.spec.storages:
            if s.nodes and node not in s.nodes:
                continue
            key = ("" if s.shared else node, s.storage)
            out.append(self.storages[key])
        return out

    def entry_node(self) -> LiveNode:
        return next(iter(self.nodes.values()))


@dataclass
class Model:
    """Everything the simulator serves. Tests read ground truth here (``sim.model``)."""

    t0: float
    pve: dict[str, LivePve] = field(default_factory=dict)
    pbs: dict[str, LivePbs] = field(default_factory=dict)
    events: collections.deque[tuple[float, str]] = field(
        default_factory=lambda: collections.deque(maxlen=MAX_EVENTS)
    )

    def node(self, name: str) -> LiveNode:
        for inst in self.pve.values():
            if name in inst.nodes:
                return inst.nodes[name]
        raise KeyError(name)

    def instance_of(self, node: str) -> LivePve:
        return self.node(node).instance

    def guest(self, vmid: int, instance: str | None = None) -> LiveGuest:
        for inst in self.pve.values():
            if (instance is None or inst.name == instance) and vmid in inst.guests:
                return inst.guests[vmid]
        raise KeyError(vmid)

    def all_guests(self) -> list[LiveGuest]:
        return [g for inst in self.pve.values() for g in inst.guests.values()]


def build_model(
    pves: tuple[PveSpec, ...], pbss: tuple[PbsSpec, ...], seed: int, t0: float
) -> Model:
    rng = random.Random(seed ^ 0x5EED)
    model = Model(t0=t0)
    for p in pves:
        model.pve[p.name] = LivePve(p, t0, rng)
    for b in pbss:
        model.pbs[b.name] = LivePbs(b, t0, rng)
    return model
