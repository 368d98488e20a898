"""The poll cycle of one Proxmox Backup Server.

Per cycle: `/version`, `/nodes/localhost/status`, `/status/datastore-usage` (sizes of every store
in one call). Namespaces and backup snapshots (one call per namespace, not per group) run on the
slow cadence and are cached.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from functools import partial
from typing import Any

from pulse.models import PBSBackup, PBSInstance, PBSNamespace, percent
from pulse.polling import backup_build as bb
from pulse.polling.coordinator import Coordinator
from pulse.polling.pve_extras import bounded
from pulse.proxmox import payloads as p
from pulse.proxmox.errors import ProxmoxError
from pulse.proxmox.pbs import PbsClient
from pulse.state.slices import InstanceSlice

log = logging.getLogger(__name__)


class PbsPoller(Coordinator):
    def setup(self) -> None:
        assert self.session is not None
        self.client = PbsClient(
            self.instance, self.session, timeout=self._timeout, stats=self.stats
        )
        self._stores: list[str] = []
        self._namespaces: dict[str, tuple[PBSNamespace, ...]] = {}
        self._backups: tuple[PBSBackup, ...] = ()
        self._due = 0.0

    @property
    def pbs_id(self) -> str:
        return f"pbs-{self.instance.name}"

    def failed_slice(self, error: str) -> InstanceSlice:
        if self.slice.pbs:
            return self.slice.failed(error)
        entry = PBSInstance(
            id=self.pbs_id,
            name=self.instance.name,
            host=self.instance.host,
            status="offline",
            connection_health="unhealthy",
            error=error,
            stale=True,
        )
        return dataclasses.replace(self.slice, healthy=False, error=error, pbs=(entry,))

    async def cycle(self) -> InstanceSlice:
        instance = self.instance
        version = await self.client.version()
        now = self._clock()
        status, usage = await asyncio.gather(self._status(), self._usage())
        memory = status.get("memory", {}) if status else {}
        mem_total, mem_used = p.integer(memory.get("total")), p.integer(memory.get("used"))
        datastores: tuple[Any, ...] = ()
        error = ""
        if instance.monitor_datastores:
            if isinstance(usage, ProxmoxError):
                error = f"datastores unavailable: {usage}"
            else:
                self._stores = [str(u.get("store", "")) for u in usage if u.get("store")]
                datastores = tuple(
                    bb.datastore(u, self._namespaces.get(str(u.get("store", "")), ()))
                    for u in usage
                )
        entry = PBSInstance(
            id=self.pbs_id,
            name=instance.name,
            host=instance.host,
            status="online",
            version=str(version.get("version", "")) or "connected",
            cpu=p.num(status.get("cpu")) if status else 0.0,
            memory=percent(mem_used, mem_total),
            memory_used=mem_used,
            memory_total=mem_total,
            uptime=p.integer(status.get("uptime")) if status else 0,
            datastores=datastores,
            connection_health="healthy",
            last_seen=now,
            error=error,
        )
        backups = self._backups if instance.monitor_backups and instance.monitor_datastores else ()
        return InstanceSlice(
            instance_id=instance.id,
            name=instance.name,
            health_key=self.pbs_id,
            healthy=True,
            updated=now,
            pbs=(entry,),
            pbs_backups=backups,
        )

    async def _status(self) -> p.PbsNodeStatus | None:
        try:
            return await self.client.node_status()
        except ProxmoxError as exc:  # needs Sys.Audit; the rest still works without it
            log.debug("%s: node status: %s", self.instance.name, exc)
            return None

    async def _usage(self) -> list[dict[str, Any]] | ProxmoxError:
        if not self.instance.monitor_datastores:
            return []
        try:
            return await self.client.datastore_usage()
        except ProxmoxError as exc:
            return exc

    async def background_pass(self, now: float) -> None:
        if now < self._due or not self.instance.monitor_datastores:
            return
        self._due = now + self.cadence.backups
        results = await bounded([partial(self._store_backups, s) for s in self._stores], 2)
        self._backups = tuple(b for group in results for b in group)

    async def _store_backups(self, store: str) -> list[PBSBackup]:
        try:
            spaces = bb.namespaces(await self.client.namespaces(store))
        except ProxmoxError as exc:
            log.debug("%s: namespaces of %s: %s", self.instance.name, store, exc)
            spaces = self._namespaces.get(store) or (PBSNamespace(""),)
        self._namespaces[store] = spaces
        if not self.instance.monitor_backups:
            return []

        async def listing(namespace: str) -> list[PBSBackup]:
            try:
                items = await self.client.snapshots(store, namespace)
            except ProxmoxError as exc:  # keep the namespaces that worked
                log.debug("%s: snapshots of %s/%s: %s", self.instance.name, store, namespace, exc)
                return [
                    b for b in self._backups if b.datastore == store and b.namespace == namespace
                ]
            return [bb.pbs_backup(self.instance.name, store, namespace, item) for item in items]

        groups = await bounded([partial(listing, ns.path) for ns in spaces], 3)
        return [b for group in groups for b in group]
