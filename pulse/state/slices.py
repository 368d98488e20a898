"""Per-instance slices of the state and their assembly into one sorted, immutable `State`.

Each poller owns the slice of its instance and replaces it whole after every cycle; the state is
rebuilt from all slices (tagged by instance, never by ID prefix) and published as a new snapshot.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass

from pulse.models import (
    BackupTask,
    Guest,
    GuestSnapshot,
    Node,
    PBSBackup,
    PBSInstance,
    Performance,
    PVEBackups,
    State,
    Stats,
    Storage,
    StorageBackup,
)


@dataclass(frozen=True, slots=True)
class InstanceSlice:
    instance_id: str
    name: str
    health_key: str  # connectionHealth key: the PVE name, or pbs-<name>
    healthy: bool | None = None  # None: no cycle finished yet (absent from connectionHealth)
    error: str = ""
    updated: float = 0.0  # unix time of the last successful data
    nodes: tuple[Node, ...] = ()
    vms: tuple[Guest, ...] = ()
    containers: tuple[Guest, ...] = ()
    storage: tuple[Storage, ...] = ()
    pbs: tuple[PBSInstance, ...] = ()
    pbs_backups: tuple[PBSBackup, ...] = ()
    backup_tasks: tuple[BackupTask, ...] = ()
    storage_backups: tuple[StorageBackup, ...] = ()
    guest_snapshots: tuple[GuestSnapshot, ...] = ()

    def failed(self, error: str, *, node_status: str = "offline") -> InstanceSlice:
        """This slice after a failed cycle: last good data kept, marked stale, error attached."""
        nodes = tuple(
            dataclasses.replace(
                n, stale=True, status=node_status, connection_health="error", error=error
            )
            for n in self.nodes
        )
        return dataclasses.replace(
            self,
            healthy=False,
            error=error,
            nodes=nodes,
            vms=tuple(dataclasses.replace(g, stale=True) for g in self.vms),
            containers=tuple(dataclasses.replace(g, stale=True) for g in self.containers),
            storage=tuple(dataclasses.replace(s, stale=True) for s in self.storage),
            pbs=tuple(
                dataclasses.replace(
                    p,
                    stale=True,
                    status="offline",
                    connection_health="unhealthy",
                    error=error,
                )
                for p in self.pbs
            ),
        )


def assemble(slices: Iterable[InstanceSlice], *, performance: Performance, stats: Stats) -> State:
    """One `State` from all slices, each collection sorted as the state model says."""
    parts = list(slices)
    nodes = [n for s in parts for n in s.nodes]
    vms = [g for s in parts for g in s.vms]
    containers = [g for s in parts for g in s.containers]
    storage = [x for s in parts for x in s.storage]
    pbs = [x for s in parts for x in s.pbs]
    pbs_backups = [x for s in parts for x in s.pbs_backups]
    tasks = [x for s in parts for x in s.backup_tasks]
    storage_backups = [x for s in parts for x in s.storage_backups]
    snapshots = [x for s in parts for x in s.guest_snapshots]
    nodes.sort(key=lambda n: (n.name, n.instance))
    vms.sort(key=lambda g: (g.vmid, g.instance, g.node))
    containers.sort(key=lambda g: (g.vmid, g.instance, g.node))
    storage.sort(key=lambda x: (x.instance, x.name, x.node))
    pbs_backups.sort(key=lambda b: (-b.backup_time, b.id))
    tasks.sort(key=lambda t: (-t.start_time, t.id))
    storage_backups.sort(key=lambda b: (-b.ctime, b.id))
    snapshots.sort(key=lambda x: (-x.time, x.id))
    return State(
        nodes=tuple(nodes),
        vms=tuple(vms),
        containers=tuple(containers),
        storage=tuple(storage),
        pbs=tuple(pbs),
        pbs_backups=tuple(pbs_backups),
        pve_backups=PVEBackups(tuple(tasks), tuple(storage_backups), tuple(snapshots)),
        performance=performance,
        connection_health=tuple((s.health_key, s.healthy) for s in parts if s.healthy is not None),
        stats=stats,
        last_update=max((s.updated for s in parts), default=0.0),
        errors=tuple((s.name, s.error) for s in parts if s.error),
    )
