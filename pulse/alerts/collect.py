"""Turn a published `State` into the engine's `Snapshot` (alert units, backup ages)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from pulse.alerts.model import Metric, ResourceType
from pulse.alerts.subjects import BackupInfo, Kind, Snapshot, Subject
from pulse.models import Guest, Node, PBSInstance, State, Storage

MIB = 1024 * 1024
ONLINE = "online"


def _rate(value: int) -> float:
    """bytes/s → MB/s (MiB, as upstream); -1 (no sample yet) stays negative = "no data"."""
    return value / MIB if value >= 0 else -1.0


def _guest(guest: Guest, backups: dict[tuple[str, str, int], float] | None) -> Subject:
    values = {
        Metric.CPU: guest.cpu * 100,
        Metric.MEMORY: guest.memory.usage,
        Metric.DISK_READ: _rate(guest.disk_read),
        Metric.DISK_WRITE: _rate(guest.disk_write),
        Metric.NETWORK_IN: _rate(guest.network_in),
        Metric.NETWORK_OUT: _rate(guest.network_out),
    }
    if guest.disk.total > 0:  # VMs without the guest agent report no disk usage at all
        values[Metric.DISK] = guest.disk.usage
    backup: BackupInfo | None = None
    if backups is not None:
        newest = backups.get((guest.instance, guest.type, guest.vmid)) or backups.get(
            ("", guest.type, guest.vmid)
        )
        backup = BackupInfo(datetime.fromtimestamp(newest, UTC) if newest else None)
    return Subject(
        resource_id=guest.id,
        kind=Kind.GUEST,
        resource_type=ResourceType.VM if guest.type == "qemu" else ResourceType.CONTAINER,
        name=guest.name or str(guest.vmid),
        node=guest.node,
        instance=guest.instance,
        status=guest.status,
        values=values,
        down=not guest.running,
        lock=guest.lock,
        tags=guest.tags,
        vmid=guest.vmid,
        backup=backup,
    )


def _node(node: Node) -> Subject:
    return Subject(
        resource_id=node.id,
        kind=Kind.NODE,
        resource_type=ResourceType.NODE,
        name=node.name,
        node=node.name,
        instance=node.instance,
        status=node.status,
        values={
            Metric.CPU: node.cpu * 100,
            Metric.MEMORY: node.memory.usage,
            Metric.DISK: node.disk.usage,
        },
        down=node.status != ONLINE or node.stale,
    )


def _storage(storage: Storage) -> Subject:
    values = {Metric.USAGE: storage.usage} if storage.total > 0 else {}
    return Subject(
        resource_id=storage.id,
        kind=Kind.STORAGE,
        resource_type=ResourceType.STORAGE,
        name=storage.name,
        node=storage.node,
        instance=storage.instance,
        status=storage.status,
        values=values,
    )


def _pbs(pbs: PBSInstance) -> Iterable[Subject]:
    yield Subject(
        resource_id=pbs.id,
        kind=Kind.PBS,
        resource_type=ResourceType.PBS,
        name=pbs.name,
        node=pbs.name,
        instance=pbs.name,
        status=pbs.status,
        down=pbs.status != ONLINE,
    )
    for store in pbs.datastores:
        ok = store.status != "error" and store.total > 0
        yield Subject(
            resource_id=f"{pbs.id}-{store.name}",
            kind=Kind.DATASTORE,
            resource_type=ResourceType.DATASTORE,
            name=store.name,
            node=pbs.name,
            instance=pbs.name,
            status=store.status,
            values={Metric.USAGE: store.usage} if ok else {},
        )


def newest_backups(state: State) -> dict[tuple[str, str, int], float]:
    """Newest backup time per guest, from PVE backup storage and every PBS server.

    PVE storage backups belong to their instance (`(instance, type, vmid)`). A PBS server can
    hold backups of several clusters and does not say which, so PBS backups count for every
    guest with that type and VMID (`("", type, vmid)`), newest across all servers.
    """
    newest: dict[tuple[str, str, int], float] = {}

    def offer(key: tuple[str, str, int], when: float) -> None:
        if when > newest.get(key, 0.0):
            newest[key] = when

    for item in state.pve_backups.storage_backups:
        if item.type in ("qemu", "lxc"):
            offer((item.instance, item.type, item.vmid), float(item.ctime))
    for backup in state.pbs_backups:
        kind = {"vm": "qemu", "ct": "lxc"}.get(backup.backup_type)
        if kind and backup.vmid.isdigit():
            offer(("", kind, int(backup.vmid)), backup.backup_time)
    # A guest's own instance wins only if newer than what PBS holds for its VMID.
    for instance, kind, vmid in list(newest):
        if instance:
            offer((instance, kind, vmid), newest.get(("", kind, vmid), 0.0))
    return newest


def snapshot_of(state: State, *, backups_ready: bool) -> Snapshot:
    """The engine's view of `state`. `backups_ready`: backup lists are trustworthy this cycle
    (Pulse has run long enough to have fetched them and every PBS server answered)."""
    pbs_ok = all(p.status == ONLINE and not p.stale for p in state.pbs)
    backups_known = backups_ready and pbs_ok
    backups = newest_backups(state) if backups_known else None
    subjects: list[Subject] = [_node(node) for node in state.nodes]
    subjects += [_guest(guest, backups) for guest in state.guests()]
    subjects += [_storage(storage) for storage in state.storage]
    for pbs in state.pbs:
        subjects += _pbs(pbs)
    healthy = {n.instance for n in state.nodes if not n.stale and n.connection_health != "error"}
    healthy |= {p.name for p in state.pbs if p.status == ONLINE and not p.stale}
    return Snapshot(
        subjects=tuple(subjects),
        healthy_instances=frozenset(healthy),
        online_nodes=frozenset(
            f"{n.instance}-{n.name}" for n in state.nodes if n.status == ONLINE and not n.stale
        ),
        backups_known=backups_known,
    )
