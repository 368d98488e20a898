"""Pure builders for backups and snapshots: PVE tasks, storage content, guest snapshots, PBS."""

from __future__ import annotations

from typing import Any

from pulse.models import (
    BackupTask,
    GuestSnapshot,
    PBSBackup,
    PBSDatastore,
    PBSNamespace,
    StorageBackup,
    Usage,
)
from pulse.proxmox import payloads as p


def backup_task(instance: str, task: p.Task) -> BackupTask | None:
    upid = str(task.get("upid", ""))
    if not upid or task.get("type") != "vzdump":
        return None
    guest = str(task.get("id", ""))
    return BackupTask(
        id=f"{instance}-{upid}",
        instance=instance,
        node=str(task.get("node", "")),
        vmid=int(guest) if guest.isdigit() else 0,
        status=str(task.get("status", "")),
        start_time=p.num(task.get("starttime")),
        end_time=p.num(task.get("endtime")),
    )


def _backup_type(volid: str, fmt: str) -> str:
    if "/vm/" in volid or "qemu" in volid:
        return "qemu"
    if "/ct/" in volid or "lxc" in volid:
        return "lxc"
    if "pbs-vm" in fmt:
        return "qemu"
    if "pbs-ct" in fmt:
        return "lxc"
    return "unknown"


def storage_backup(
    instance: str, node: str, storage: str, storage_type: str, shared: bool, item: p.StorageContent
) -> StorageBackup | None:
    volid = str(item.get("volid", ""))
    if not volid or item.get("content", "backup") != "backup":
        return None
    fmt = str(item.get("format", ""))
    is_pbs = storage.startswith("pbs-") or storage_type == "pbs"
    verification = item.get("verification")
    state = str(verification.get("state", "")) if isinstance(verification, dict) else ""
    verified = bool(p.integer(item.get("verified"))) if is_pbs else False
    if is_pbs and state:
        verified = state == "ok"
    return StorageBackup(
        id=f"{instance}-{volid}",
        instance=instance,
        storage=storage,
        node=storage if (is_pbs or shared) else node,
        type=_backup_type(volid, fmt),
        vmid=p.integer(item.get("vmid")),
        ctime=p.integer(item.get("ctime")),
        size=p.integer(item.get("size")),
        format=fmt,
        volid=volid,
        notes=str(item.get("notes", "")),
        protected=p.integer(item.get("protected")) > 0,
        is_pbs=is_pbs,
        verified=verified,
        verification=state if is_pbs else "",
    )


def guest_snapshot(
    instance: str, node: str, kind: str, vmid: int, snap: p.Snapshot
) -> GuestSnapshot | None:
    name = str(snap.get("name", ""))
    if not name or name == "current":
        return None
    return GuestSnapshot(
        id=f"{instance}-{node}-{vmid}-{name}",
        instance=instance,
        name=name,
        node=node,
        type=kind,
        vmid=vmid,
        time=p.num(snap.get("snaptime")),
        description=str(snap.get("description", "")).strip(),
        parent=str(snap.get("parent", "")),
        vmstate=kind == "qemu" and bool(p.integer(snap.get("vmstate"))),
    )


def namespaces(items: list[dict[str, Any]]) -> tuple[PBSNamespace, ...]:
    """The root namespace first, then the others as listed."""
    out = [PBSNamespace("", "", 0)]
    for item in items:
        path = str(item.get("ns") or item.get("path") or item.get("name") or "")
        if not path:
            continue
        parent = str(item.get("parent", "")) or (path.rsplit("/", 1)[0] if "/" in path else "")
        out.append(PBSNamespace(path, parent, path.count("/")))
    return tuple(out)


def datastore(usage: dict[str, Any], spaces: tuple[PBSNamespace, ...] = ()) -> PBSDatastore:
    total = p.integer(usage.get("total", usage.get("total-space")))
    used = p.integer(usage.get("used", usage.get("used-space")))
    avail = p.integer(usage.get("avail", usage.get("avail-space")))
    if total == 0 and (used or avail):
        total = used + avail
    error = str(usage.get("error", "") or "")
    sizes = Usage.of(total, used, avail)
    return PBSDatastore(
        name=str(usage.get("store", "")),
        total=sizes.total,
        used=sizes.used,
        free=sizes.free,
        usage=sizes.usage,
        status="error" if error else "available",
        error=error[:200],
        namespaces=spaces,
    )


def _verified(value: object) -> bool:
    if isinstance(value, dict):
        return value.get("state") == "ok"
    return value == "ok"


def _files(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    names = []
    for item in value:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict) and item.get("filename"):
            names.append(str(item["filename"]))
    return tuple(names)


def pbs_backup(instance: str, store: str, namespace: str, item: dict[str, Any]) -> PBSBackup:
    btype = str(item.get("backup-type", ""))
    bid = str(item.get("backup-id", ""))
    btime = p.integer(item.get("backup-time"))
    return PBSBackup(
        id=f"pbs-{instance}-{store}-{namespace}-{btype}-{bid}-{btime}",
        instance=instance,
        datastore=store,
        namespace=namespace,
        backup_type=btype,
        vmid=bid,
        backup_time=float(btime),
        size=p.integer(item.get("size")),
        protected=bool(item.get("protected", False)),
        verified=_verified(item.get("verification")),
        comment=str(item.get("comment", "") or ""),
        files=_files(item.get("files")),
    )
