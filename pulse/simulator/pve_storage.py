"""PVE storage answers: /storage, /nodes/{n}/storage, storage content (vzdump and PBS backups)."""

from __future__ import annotations

from typing import Any

from pulse.simulator.model import LivePbs, LivePve, LiveStorage, verify_upid
from pulse.simulator.topology import GuestKind, StorageSpec

ISO = (
    ("debian-12.7.0-amd64-netinst.iso", 661651456),
    ("ubuntu-24.04.1-live-server-amd64.iso", 2773874688),
)
VZTMPL = (
    ("debian-12-standard_12.7-1_amd64.tar.zst", 126574542),
    ("alpine-3.20-default_20240908_amd64.tar.xz", 3140860),
)


# pve-storage `PVE::Storage::Plugin::@SHARED_STORAGE`: parse_config forces `shared 1` on these
SHARED_TYPES = frozenset(
    {"iscsi", "nfs", "cifs", "rbd", "cephfs", "iscsidirect", "glusterfs", "zfs", "drbd", "pbs"}
)


def is_shared(spec: StorageSpec) -> bool:
    return spec.shared or spec.type in SHARED_TYPES


def storage_config(spec: StorageSpec, pbs_fingerprint: str) -> dict[str, Any]:
    """One item of GET /storage: storage.cfg as parsed, so `shared` is set explicitly or forced
    by the type, and absent otherwise (no `enabled`/`active`: those are per-node facts)."""
    e: dict[str, Any] = {
        "storage": spec.storage,
        "type": spec.type,
        "content": ",".join(sorted(spec.content)),
        "digest": "9a3b8f1c2d4e5f60718293a4b5c6d7e8f9a0b1c2",
    }
    if is_shared(spec):
        e["shared"] = 1
    if spec.type in ("dir", "nfs") and "backup" in spec.content:
        e["prune-backups"] = "keep-all=1"
    if spec.path and spec.type == "dir":
        e["path"] = spec.path
    if spec.type == "nfs":
        e.update(server=spec.server, export=spec.export, path=spec.path, options="vers=4.2")
    if spec.type == "lvmthin":
        e.update(vgname=spec.vgname, thinpool=spec.thinpool)
    if spec.type == "zfspool":
        e.update(pool=spec.pool, sparse=1)
    if spec.type == "pbs":
        e.update(
            server=spec.server,
            datastore=spec.datastore,
            username="pulse-monitor@pbs",
            fingerprint=pbs_fingerprint.lower(),
        )
        if spec.namespace:
            e["namespace"] = spec.namespace
    if spec.nodes:
        e["nodes"] = ",".join(spec.nodes)
    if not spec.enabled:
        e["disable"] = 1
    return e


def pbs_usage(spec: StorageSpec, pbs: LivePbs | None, t: float) -> tuple[int, int] | None:
    if pbs is None or not pbs.online or spec.datastore not in pbs.datastores:
        return None
    ds = pbs.datastores[spec.datastore]
    return ds.spec.total, ds.used(t)


def node_storage_entry(st: LiveStorage, t: float, pbs: LivePbs | None) -> dict[str, Any]:
    """One item of GET /nodes/{node}/storage."""
    spec = st.spec
    e: dict[str, Any] = {
        "storage": spec.storage,
        "type": spec.type,
        "content": ",".join(sorted(spec.content)),
        "enabled": int(spec.enabled),
        "shared": int(is_shared(spec)),
    }
    sizes = pbs_usage(spec, pbs, t) if spec.type == "pbs" else (spec.total, st.used(t))
    if sizes is None or not spec.enabled:
        e["active"] = 0
        return e
    total, used = sizes
    e.update(
        active=1,
        total=total,
        used=used,
        avail=total - used,
        used_fraction=round(used / total, 6) if total else 0,
    )
    return e


def storage_content(
    inst: LivePve,
    node: str,
    spec: StorageSpec,
    t: float,
    pbs: LivePbs | None,
    see_backups: bool,
    content: str | None,
    vmid: int | None,
) -> list[dict[str, Any]]:
    """GET /nodes/{node}/storage/{storage}/content (`see_backups` = the per-volume ACL check)."""
    out: list[dict[str, Any]] = []
    t0 = int(inst.entry_node().boot_time)
    if "iso" in spec.content:
        out += [
            {
                "volid": f"{spec.storage}:iso/{n}",
                "content": "iso",
                "ctime": t0 - 86400 * 30,
                "format": "iso",
                "size": sz,
            }
            for n, sz in ISO
        ]
    if "vztmpl" in spec.content:
        out += [
            {
                "volid": f"{spec.storage}:vztmpl/{n}",
                "content": "vztmpl",
                "ctime": t0 - 86400 * 20,
                "format": "tzst" if n.endswith("zst") else "txz",
                "size": sz,
            }
            for n, sz in VZTMPL
        ]
    if "images" in spec.content or "rootdir" in spec.content:
        for g in inst.guests_by_node.get(node, ()):
            kind = "images" if g.kind is GuestKind.QEMU else "rootdir"
            out.append(
                {
                    "volid": f"{spec.storage}:vm-{g.vmid}-disk-0",
                    "content": kind,
                    "format": "raw",
                    "size": g.spec.maxdisk,
                    "vmid": g.vmid,
                    "ctime": t0,
                }
            )
    if "backup" in spec.content and see_backups:
        out += _backups(inst, node, spec, t, pbs)
    if content:
        out = [e for e in out if e["content"] == content]
    if vmid is not None:
        out = [e for e in out if e.get("vmid") == vmid]
    return out


def _backups(
    inst: LivePve, node: str, spec: StorageSpec, t: float, pbs: LivePbs | None
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if spec.type == "pbs":
        if pbs is None or spec.datastore not in pbs.datastores:
            return out
        for snap in pbs.datastores[spec.datastore].visible(t, spec.namespace):
            if snap.backup_type not in ("vm", "ct"):
                continue
            e: dict[str, Any] = {
                "volid": f"{spec.storage}:backup/{snap.backup_type}/{snap.backup_id}/"
                f"{snap.time_string}",
                "content": "backup",
                "ctime": snap.backup_time,
                "format": f"pbs-{snap.backup_type}",
                "size": snap.size,
                "vmid": int(snap.backup_id),
                "subtype": "qemu" if snap.backup_type == "vm" else "lxc",
            }
            if snap.comment:
                e["notes"] = snap.comment
            if snap.protected:
                e["protected"] = 1
            if snap.verification:
                e["verification"] = {
                    "state": snap.verification,
                    "upid": verify_upid(pbs.spec.hostname, spec.datastore, snap.backup_time),
                }
            out.append(e)
        return out
    for b in inst.backups:
        if b.storage != spec.storage or b.visible_from > t or (not spec.shared and b.node != node):
            continue
        e = {
            "volid": b.volid,
            "content": "backup",
            "ctime": b.ctime,
            "format": b.format,
            "size": b.size,
            "vmid": b.vmid,
            "subtype": b.kind.value,
        }
        if b.notes:
            e["notes"] = b.notes
        if b.protected:
            e["protected"] = 1
        out.append(e)
    return out
