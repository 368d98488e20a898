"""The poll cycle of one PVE instance (standalone node or cluster).

Per cycle: one `/cluster/resources` (every node, guest and counter of the cluster), then per
online node `/nodes/{n}/status` and `/nodes/{n}/storage` concurrently: 1 + 2 x nodes calls,
however many guests there are. Per-guest data (status/current, guest agent, snapshots) and backup
listings come from the slow cadence in `PveExtras`.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from typing import Any

from pulse.models import Guest, Node, Storage
from pulse.polling.coordinator import Coordinator
from pulse.polling.pve_build import build_guest, build_node, build_storage
from pulse.polling.pve_extras import BackupStore, PveExtras
from pulse.proxmox import payloads as p
from pulse.proxmox.errors import ProxmoxError
from pulse.proxmox.pve import PveClient
from pulse.state.rates import RateTracker
from pulse.state.slices import InstanceSlice


class PvePoller(Coordinator):
    def __init__(self, *args: Any, rates: RateTracker, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rates = rates

    def setup(self) -> None:
        assert self.session is not None
        self.client = PveClient(
            self.instance,
            self.session,
            timeout=self._timeout,
            stats=self.stats,
            retry_after=self.cadence.endpoint_retry,
        )
        self.extras = PveExtras(self.client, self.instance.name)
        self._backup_stores: list[BackupStore] = []
        self._online: list[str] = []

    def endpoint(self) -> str:
        client: PveClient | None = getattr(self, "client", None)
        return client.active.url if client is not None else self.instance.host

    def failed_slice(self, error: str) -> InstanceSlice:
        if self.slice.nodes:
            return self.slice.failed(error)
        # Never reached: one placeholder node so the instance and its error are visible.
        name = self.instance.name
        placeholder = Node(
            id=f"{name}-failed",
            name=name,
            instance=name,
            host=self.instance.host,
            status="offline",
            connection_health="error",
            stale=True,
            error=error,
        )
        return dataclasses.replace(self.slice, healthy=False, error=error, nodes=(placeholder,))

    async def cycle(self) -> InstanceSlice:
        instance = self.instance
        name = instance.name
        resources = await self.client.resources()
        now, mono = self._clock(), time.monotonic()
        node_res = [r for r in resources if r.get("type") == "node" and r.get("node")]
        online = [str(r["node"]) for r in node_res if r.get("status") == "online"]
        details = await asyncio.gather(*(self._node_details(n) for n in online))
        by_node = dict(zip(online, details, strict=True))

        previous_nodes = {n.id: n for n in self.slice.nodes}
        nodes: list[Node] = []
        storage: dict[str, Storage] = {}
        backup_stores: list[BackupStore] = []
        for res in node_res:
            node = str(res["node"])
            status, node_storage = by_node.get(node, (None, []))
            local = next(
                (
                    s
                    for want in ("local", "local-lvm")
                    for s in node_storage
                    if s.get("storage") == want
                ),
                None,
            )
            node_model = build_node(name, instance.host, res, status, local, now)
            if node_model.status != "online":
                # Last seen = the last cycle it was online (unset if never seen online).
                old_node = previous_nodes.get(node_model.id)
                node_model = dataclasses.replace(
                    node_model, last_seen=old_node.last_seen if old_node else 0.0
                )
            nodes.append(node_model)
            for entry in node_storage:
                item = build_storage(
                    name, node, entry, self.extras.defs.get(str(entry.get("storage")))
                )
                storage.setdefault(item.id, item)  # shared storage: the first node wins
                backup_stores.append(
                    BackupStore(node, item.name, item.type, item.content, item.shared)
                )

        previous = {g.id: g for g in (*self.slice.vms, *self.slice.containers)}
        vms: list[Guest] = []
        containers: list[Guest] = []
        for res in resources:
            kind = res.get("type")
            if kind not in ("qemu", "lxc") or p.integer(res.get("template")):
                continue
            if (kind == "qemu" and not instance.monitor_vms) or (
                kind == "lxc" and not instance.monitor_containers
            ):
                continue
            guest_id = f"{name}-{res.get('node', '')}-{p.integer(res.get('vmid'))}"
            if str(res.get("node", "")) not in online:
                # Its node is down: PVE only knows the guest exists. Keep the last good data.
                old = previous.get(guest_id)
                guest = (
                    dataclasses.replace(old, stale=True)
                    if old
                    else build_guest(name, res, None, self.rates, now, mono)
                )
            else:
                guest = build_guest(
                    name, res, self.extras.details.get(guest_id), self.rates, now, mono
                )
            (vms if kind == "qemu" else containers).append(guest)

        self._online = online
        self._backup_stores = backup_stores
        extras = self.extras
        backups = instance.monitor_backups
        return InstanceSlice(
            instance_id=instance.id,
            name=name,
            health_key=name,
            healthy=True,
            updated=now,
            nodes=tuple(nodes),
            vms=tuple(vms),
            containers=tuple(containers),
            storage=tuple(storage.values()) if instance.monitor_storage else (),
            backup_tasks=extras.backup_tasks if backups else (),
            storage_backups=extras.storage_backups if backups else (),
            guest_snapshots=extras.snapshots if backups else (),
        )

    async def _node_details(self, node: str) -> tuple[p.NodeStatus | None, list[p.NodeStorage]]:
        async def status() -> p.NodeStatus | None:
            try:
                return await self.client.node_status(node)
            except ProxmoxError:
                return None

        async def storage() -> list[p.NodeStorage]:
            if not self.instance.monitor_storage:
                return []
            try:
                return await self.client.node_storage(node)
            except ProxmoxError:
                return []

        got_status, got_storage = await asyncio.gather(status(), storage())
        return got_status, got_storage

    async def background_pass(self, now: float) -> None:
        extras, cadence = self.extras, self.cadence
        guests = (*self.slice.vms, *self.slice.containers)
        if extras.due("membership", now, cadence.membership):
            # Needs Sys.Audit on /; without it there is no failover data, polling still works.
            with contextlib.suppress(ProxmoxError):
                await extras.refresh_membership()
        if self.instance.monitor_storage and extras.due("storage", now, cadence.storage_config):
            await extras.refresh_storage_config()
        if extras.due("details", now, cadence.guest_details):
            await extras.refresh_guest_details(guests, now)
        if self.instance.monitor_backups:
            if extras.due("backups", now, cadence.backups):
                await extras.refresh_backups(list(self._online), list(self._backup_stores))
            if extras.due("snapshots", now, cadence.snapshots):
                await extras.refresh_snapshots(guests)
