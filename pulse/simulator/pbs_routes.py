"""The Proxmox Backup Server REST API of one PBS instance, answered from the live model."""

from __future__ import annotations

import re
from typing import Any

from pulse.simulator.model import LiveDatastore, LivePbs, Model, PbsSnapshot, verify_upid
from pulse.simulator.routing import ApiError, Ctx, Router, int_param

_HOSTNAME = re.compile(r"^(?:[a-zA-Z0-9](?:[a-zA-Z0-9\-]*[a-zA-Z0-9])?)$")
VERSIONS = {3: ("3.4", "1", "b5f1a0c0d9c1e5e4"), 4: ("4.0", "14", "5ba0a5e3b2c3b58f")}
DS_PRIVS = "Datastore.Audit|Datastore.Backup"
KBUILD = "#1 SMP PREEMPT_DYNAMIC PMX 6.14.11-2 (2025-09-12T09:46Z)"


class PbsApi:
    def __init__(self, model: Model, pbs: LivePbs, fingerprint: Any) -> None:
        self.model = model
        self.pbs = pbs
        self._fingerprint = fingerprint
        self.router = r = Router()
        r.add("GET", "/version", self.version)
        r.add("GET", "/nodes", self.nodes)
        r.add("GET", "/nodes/{node}/status", self.node_status)
        r.add("GET", "/nodes/{node}/tasks", self.tasks)
        r.add("GET", "/admin/datastore", self.datastores)
        r.add("GET", "/admin/datastore/{store}/status", self.ds_status)
        r.add("GET", "/admin/datastore/{store}/namespace", self.namespaces)
        r.add("GET", "/admin/datastore/{store}/groups", self.groups)
        r.add("GET", "/admin/datastore/{store}/snapshots", self.snapshots)
        r.add("GET", "/status/datastore-usage", self.usage)

    def _store(self, ctx: Ctx, name: str) -> LiveDatastore:
        ds = self.pbs.datastores.get(name)
        if ds is None:
            raise ApiError(400, f"datastore '{name}' does not exist")  # PBS: 400 from config lookup
        return ds

    def _audit(self, ctx: Ctx, path: str) -> None:
        if not ctx.principal.has("Datastore.Audit", "Datastore.Backup"):
            raise ApiError(403, f"permission check failed - missing {DS_PRIVS} on {path}")

    def _ns(self, ds: LiveDatastore, ctx: Ctx) -> str:
        ns = ctx.query.get("ns", "")
        if ns not in ds.spec.namespaces:
            raise ApiError(400, f"namespace '{ns}' does not exist")
        return ns

    def version(self, ctx: Ctx, p: dict[str, str]) -> Any:
        v, rel, repo = VERSIONS[self.pbs.spec.pbs_version]
        return {"version": v, "release": rel, "repoid": repo}

    def nodes(self, ctx: Ctx, p: dict[str, str]) -> Any:
        if not ctx.principal.superuser:  # no access spec => superuser only, never a token
            raise ApiError(403, "permission check failed")
        return [{"node": self.pbs.spec.hostname}]

    def node_status(self, ctx: Ctx, p: dict[str, str]) -> Any:
        if not _HOSTNAME.match(p["node"]):
            raise ApiError(400, "parameter verification errors")
        if not ctx.principal.has("Sys.Audit"):
            raise ApiError(403, "permission check failed - missing Sys.Audit on /system/status")
        s, t = self.pbs.spec, ctx.now
        used = self.pbs.mem(t)
        return {
            "cpu": self.pbs.cpu(t),
            "wait": 0.0008,
            "loadavg": [
                round(self.pbs.cpu(t) * s.cpus, 2),
                round(self.pbs.cpu(t - 300) * s.cpus, 2),
                round(self.pbs.cpu(t - 900) * s.cpus, 2),
            ],
            "memory": {"total": s.maxmem, "used": used, "free": int((s.maxmem - used) * 0.4)},
            "swap": {"total": 4294963200, "used": 0, "free": 4294963200},
            "root": {"total": 62671097856, "used": 4853346304, "avail": 54588125184},
            "uptime": int(t - self.pbs.boot_time),
            "kversion": f"Linux 6.14.11-2-pve {KBUILD}",
            "current-kernel": {
                "sysname": "Linux",
                "release": "6.14.11-2-pve",
                "machine": "x86_64",
                "version": "#1 SMP PREEMPT_DYNAMIC PMX 6.14.11-2 (2025-09-12T09:46Z)",
            },
            "cpuinfo": {
                "model": "Intel(R) Xeon(R) E-2236 CPU @ 3.40GHz",
                "sockets": 1,
                "cpus": s.cpus,
            },
            "info": {"fingerprint": self._fingerprint(self.pbs.name).lower()},
            "boot-info": {"mode": "efi", "secureboot": False},
        }

    def tasks(self, ctx: Ctx, p: dict[str, str]) -> Any:
        if not ctx.principal.has("Sys.Audit"):
            return []
        out: list[dict[str, Any]] = []
        host = self.pbs.spec.hostname
        for ds in self.pbs.datastores.values():
            for snap in ds.snapshots[-25:]:
                if snap.verification:
                    start = snap.backup_time + 7200
                    if start > ctx.now:
                        continue
                    out.append(
                        {
                            "upid": verify_upid(host, ds.spec.name, snap.backup_time),
                            "node": self.pbs.spec.hostname,
                            "pid": 2591,
                            "pstart": 111299,
                            "starttime": start,
                            "worker_type": "verificationjob",
                            "worker_id": f"{ds.spec.name}:v-1",
                            "user": "root@pam",
                            "endtime": start + 40,
                            "status": "OK"
                            if snap.verification == "ok"
                            else "ERROR: verification failed",
                        }
                    )
        out.sort(key=lambda e: -int(e["starttime"]))
        return out[: int_param(ctx.query.get("limit"), "limit", 50, minimum=0)]

    def _list_item(self, ds: LiveDatastore, ctx: Ctx) -> dict[str, Any]:
        e: dict[str, Any] = {"store": ds.spec.name, "comment": ds.spec.comment}
        if self.pbs.spec.pbs_version >= 3:
            e["mount-status"] = "nonremovable"
        if self.pbs.spec.pbs_version >= 4:
            e["backend-type"] = "filesystem"
        return e

    def datastores(self, ctx: Ctx, p: dict[str, str]) -> Any:
        if not ctx.principal.has("Datastore.Audit", "Datastore.Backup"):
            return []
        return [self._list_item(ds, ctx) for ds in self.pbs.datastores.values()]

    def ds_status(self, ctx: Ctx, p: dict[str, str]) -> Any:
        ds = self._store(ctx, p["store"])
        self._audit(ctx, f"/datastore/{ds.spec.name}")
        used = ds.used(ctx.now)
        e: dict[str, Any] = {"total": ds.spec.total, "used": used, "avail": ds.spec.total - used}
        if self.pbs.spec.pbs_version >= 4:
            e["backend-type"] = "filesystem"
        if ctx.query.get("verbose") in ("1", "true"):
            e["gc-status"] = self._gc(ds, ctx.now)
            e["counts"] = {
                "vm": {
                    "groups": len(self._groups(ds, ctx.now, None)),
                    "snapshots": len(ds.snapshots),
                }
            }
        return e

    def _gc(self, ds: LiveDatastore, t: float) -> dict[str, Any]:
        return {
            "upid": f"UPID:{self.pbs.spec.hostname}:000009F2:0001A0B1:00000002:"
            f"{int(t) - 40000:08X}:garbage_collection:{ds.spec.name}:root@pam:",
            "index-file-count": len(ds.snapshots),
            "index-data-bytes": ds.used(t) * 4,
            "disk-bytes": ds.used(t),
            "disk-chunks": ds.used(t) // 2_500_000,
            "removed-bytes": 0,
            "removed-chunks": 0,
            "pending-bytes": 0,
            "pending-chunks": 0,
            "removed-bad": 0,
            "still-bad": 0,
        }

    def usage(self, ctx: Ctx, p: dict[str, str]) -> Any:
        out = []
        for ds in self.pbs.datastores.values():
            if not ctx.principal.has("Datastore.Audit", "Datastore.Backup"):
                continue
            used = ds.used(ctx.now)
            e: dict[str, Any] = {
                "store": ds.spec.name,
                "total": ds.spec.total,
                "used": used,
                "avail": ds.spec.total - used,
                "history-start": int(ctx.now) // 1800 * 1800 - 86400 * 30,
                "history-delta": 1800,
                "history": [round(used / ds.spec.total, 6)] * 48,
                "estimated-full-date": int(ctx.now) + 86400 * 400,
                "gc-status": self._gc(ds, ctx.now),
                "mount-status": "nonremovable",
            }
            if self.pbs.spec.pbs_version >= 4:
                e["backend-type"] = "filesystem"
            out.append(e)
        return out

    def namespaces(self, ctx: Ctx, p: dict[str, str]) -> Any:
        ds = self._store(ctx, p["store"])
        self._audit(ctx, f"/datastore/{ds.spec.name}")
        parent = ctx.query.get("parent", "")
        depth = ctx.query.get("max-depth")
        out = []
        for ns in ds.spec.namespaces:
            if parent and not (ns == parent or ns.startswith(parent + "/")):
                continue
            rel = ns[len(parent) :].strip("/") if parent else ns
            if depth is not None and depth.isdigit() and rel and rel.count("/") + 1 > int(depth):
                continue
            out.append({"ns": ns})
        return out

    @staticmethod
    def _groups(
        ds: LiveDatastore, t: float, ns: str | None
    ) -> dict[tuple[str, str], list[PbsSnapshot]]:
        groups: dict[tuple[str, str], list[PbsSnapshot]] = {}
        for s in ds.visible(t, ns):
            groups.setdefault((s.backup_type, s.backup_id), []).append(s)
        return groups

    def groups(self, ctx: Ctx, p: dict[str, str]) -> Any:
        ds = self._store(ctx, p["store"])
        ns = self._ns(ds, ctx)
        self._audit(ctx, f"/datastore/{ds.spec.name}" + (f"/{ns}" if ns else ""))
        out = []
        for (btype, bid), snaps in sorted(self._groups(ds, ctx.now, ns).items()):
            last = max(snaps, key=lambda s: s.backup_time)
            out.append(
                {
                    "backup-type": btype,
                    "backup-id": bid,
                    "last-backup": last.backup_time,
                    "backup-count": len(snaps),
                    "files": [f for f, _ in last.files],
                    "owner": "root@pam",
                    "comment": last.comment,
                }
            )
        return out

    def snapshots(self, ctx: Ctx, p: dict[str, str]) -> Any:
        ds = self._store(ctx, p["store"])
        ns = self._ns(ds, ctx)
        self._audit(ctx, f"/datastore/{ds.spec.name}" + (f"/{ns}" if ns else ""))
        btype, bid = ctx.query.get("backup-type"), ctx.query.get("backup-id")
        out = []
        for s in ds.visible(ctx.now, ns):
            if (btype and s.backup_type != btype) or (bid and s.backup_id != bid):
                continue
            e: dict[str, Any] = {
                "backup-type": s.backup_type,
                "backup-id": s.backup_id,
                "backup-time": s.backup_time,
                "files": [{"filename": f, "crypt-mode": "none", "size": sz} for f, sz in s.files],
                "size": s.size,
                "owner": "root@pam",
                "protected": s.protected,
            }
            if s.comment:
                e["comment"] = s.comment
            if s.verification:
                e["verification"] = {
                    "state": s.verification,
                    "upid": verify_upid(self.pbs.spec.hostname, ds.spec.name, s.backup_time),
                }
            out.append(e)
        return out
