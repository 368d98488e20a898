"""The slow cadence of a PVE instance: per-guest details, backups, snapshots, storage config,
cluster membership. Results are cached here and read by the regular cycle."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, replace
from functools import partial
from typing import TypeVar

from pulse.models import BackupTask, Guest, GuestSnapshot, Reason, StorageBackup
from pulse.polling import backup_build as bb
from pulse.polling.pve_build import (
    GuestDetail,
    StorageDef,
    agent_reason,
    filesystem_usage,
    parse_meminfo,
    storage_defs,
)
from pulse.proxmox.errors import ProxmoxError
from pulse.proxmox.payloads import Task
from pulse.proxmox.pve import PveClient

log = logging.getLogger(__name__)

CONCURRENCY = 4  # per-guest calls in flight per instance
AGENT_RETRY = 300.0  # seconds before asking an agent that was not running / not permitted again
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class BackupStore:
    """A storage on a node that may hold backups (from the regular cycle's storage listing)."""

    node: str
    name: str
    type: str
    content: str
    shared: bool


async def bounded(jobs: Iterable[Callable[[], Awaitable[T]]], limit: int = CONCURRENCY) -> list[T]:
    semaphore = asyncio.Semaphore(limit)

    async def run(job: Callable[[], Awaitable[T]]) -> T:
        async with semaphore:
            return await job()

    return list(await asyncio.gather(*(run(job) for job in jobs)))


class PveExtras:
    """Cached slow-cadence data of one PVE instance."""

    def __init__(self, client: PveClient, instance: str) -> None:
        self.client = client
        self.instance = instance
        self.details: dict[str, GuestDetail] = {}
        self.defs: dict[str, StorageDef] = {}
        self.backup_tasks: tuple[BackupTask, ...] = ()
        self.storage_backups: tuple[StorageBackup, ...] = ()
        self.snapshots: tuple[GuestSnapshot, ...] = ()
        self._agent_retry: dict[str, float] = {}
        self._due: dict[str, float] = {}

    def due(self, job: str, now: float, every: float) -> bool:
        if now < self._due.get(job, 0.0):
            return False
        self._due[job] = now + every
        return True

    # -- jobs --------------------------------------------------------------------------------

    async def refresh_membership(self) -> None:
        status = await self.client.cluster_status()
        nodes = await self.client.nodes()
        self.client.learn_members(status, nodes)

    async def refresh_storage_config(self) -> None:
        self.defs = storage_defs(await self.client.storage_config())

    async def refresh_guest_details(self, guests: Iterable[Guest], now: float) -> None:
        vms = [g for g in guests if g.type == "qemu" and g.running and not g.stale]
        alive = {g.id for g in guests}
        for gone in [k for k in self.details if k not in alive]:
            del self.details[gone]
        await bounded([partial(self._guest_detail, g, now) for g in vms])

    async def _guest_detail(self, guest: Guest, now: float) -> None:
        previous = self.details.get(guest.id, GuestDetail())
        try:
            status = await self.client.guest_status(guest.node, "qemu", guest.vmid)
        except ProxmoxError as exc:
            log.debug("%s: status of VM %s: %s", self.instance, guest.vmid, exc)
            return
        detail = replace(
            previous,
            agent=bool(status.get("agent")),
            balloon=int(status.get("balloon", 0) or 0),
            balloon_stats="freemem" in status,
        )
        if not detail.agent:
            detail = replace(
                detail,
                disk=None,
                disk_reason=Reason.AGENT_DISABLED,
                meminfo=None,
                mem_reason=Reason.AGENT_DISABLED,
            )
        elif now >= self._agent_retry.get(guest.id, 0.0):
            detail = await self._agent(guest, detail, now)
        self.details[guest.id] = detail

    async def _agent(self, guest: Guest, detail: GuestDetail, now: float) -> GuestDetail:
        disk, disk_reason = detail.disk, detail.disk_reason
        try:
            fs = await self.client.agent(guest.node, guest.vmid, "get-fsinfo")
        except ProxmoxError as exc:
            disk, disk_reason = None, agent_reason(exc)
        else:
            disk = filesystem_usage(fs)
            disk_reason = Reason.OK if disk else Reason.AGENT_ERROR
        meminfo, mem_reason = detail.meminfo, detail.mem_reason
        if disk_reason in (Reason.AGENT_NOT_RUNNING, Reason.AGENT_DISABLED):
            meminfo, mem_reason = None, disk_reason
        else:
            try:
                raw = await self.client.agent(
                    guest.node, guest.vmid, "file-read", file="/proc/meminfo"
                )
            except ProxmoxError as exc:
                meminfo, mem_reason = None, agent_reason(exc)
            else:
                content = raw.get("content") if isinstance(raw, dict) else None
                meminfo = parse_meminfo(content)
                mem_reason = Reason.OK if meminfo else Reason.AGENT_ERROR
        if {disk_reason, mem_reason} & {Reason.AGENT_NOT_RUNNING, Reason.PERMISSION_MISSING}:
            self._agent_retry[guest.id] = now + AGENT_RETRY
        return replace(
            detail, disk=disk, disk_reason=disk_reason, meminfo=meminfo, mem_reason=mem_reason
        )

    async def refresh_backups(self, online_nodes: list[str], storages: list[BackupStore]) -> None:
        tasks: list[BackupTask] = []
        for listing in await bounded([partial(self._tasks_of, n) for n in online_nodes]):
            tasks.extend(t for t in (bb.backup_task(self.instance, x) for x in listing) if t)
        self.backup_tasks = tuple({t.id: t for t in tasks}.values())
        self.storage_backups = await self._storage_backups(online_nodes, storages)

    async def _tasks_of(self, node: str) -> list[Task]:
        try:
            return await self.client.backup_tasks(node)
        except ProxmoxError as exc:
            log.debug("%s: tasks of %s: %s", self.instance, node, exc)
            return []

    async def _storage_backups(
        self, online_nodes: list[str], storages: list[BackupStore]
    ) -> tuple[StorageBackup, ...]:
        """Backup volumes of every backup-capable storage; shared storage asked on one node."""
        targets: list[BackupStore] = []
        shared_done: set[str] = set()
        for store in storages:
            if store.node not in online_nodes or "backup" not in store.content.split(","):
                continue
            if store.shared:
                if store.name in shared_done:
                    continue
                shared_done.add(store.name)
            targets.append(store)

        async def content(store: BackupStore) -> list[StorageBackup]:
            try:
                items = await self.client.storage_content(store.node, store.name)
            except ProxmoxError as exc:
                log.debug("%s: content of %s on %s: %s", self.instance, store.name, store.node, exc)
                return []
            built = (
                bb.storage_backup(
                    self.instance, store.node, store.name, store.type, store.shared, i
                )
                for i in items
            )
            return [b for b in built if b is not None]

        lists = await bounded([partial(content, t) for t in targets])
        return tuple({b.volid: b for group in lists for b in group}.values())

    async def refresh_snapshots(self, guests: Iterable[Guest]) -> None:
        targets = [g for g in guests if not g.stale and g.status != "unknown"]

        async def snaps(guest: Guest) -> list[GuestSnapshot]:
            try:
                items = await self.client.snapshots(guest.node, guest.type, guest.vmid)
            except ProxmoxError as exc:
                log.debug("%s: snapshots of %s: %s", self.instance, guest.vmid, exc)
                return []
            return [
                s
                for s in (
                    bb.guest_snapshot(self.instance, guest.node, guest.type, guest.vmid, item)
                    for item in items
                )
                if s is not None
            ]

        lists = await bounded([partial(snaps, g) for g in targets])
        self.snapshots = tuple(s for group in lists for s in group)
