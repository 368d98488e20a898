"""Async Proxmox Backup Server client: one coroutine per endpoint Pulse reads."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import aiohttp

from pulse.config.nodes import InstanceConfig
from pulse.proxmox import payloads as p
from pulse.proxmox.calls import CallStats
from pulse.proxmox.errors import ApiError, AuthError, ProxmoxError
from pulse.proxmox.pve import make_auth
from pulse.proxmox.tls import ssl_argument
from pulse.proxmox.transport import Product, Transport


def pbs_token_id(instance: InstanceConfig) -> str:
    """`user@realm!name`: a bare token name is completed with the user (realm `pbs` default)."""
    name = instance.token_name.strip()
    if "!" in name:
        return name
    user = instance.user.strip()
    if not user:
        raise AuthError("the PBS token needs the form user@realm!tokenname (or a user field)")
    if "@" not in user:
        user = f"{user}@pbs"
    return f"{user}!{name}"


class PbsClient:
    """All PBS calls of one instance."""

    def __init__(
        self,
        instance: InstanceConfig,
        session: aiohttp.ClientSession,
        *,
        timeout: Callable[[], float],
        stats: CallStats | None = None,
    ) -> None:
        self.instance = instance
        self.stats = stats or CallStats()
        token_id = pbs_token_id(instance) if instance.uses_token else ""
        auth = make_auth(instance, Product.PBS, token_id)
        ssl_arg = ssl_argument(instance.verify_ssl, instance.fingerprint)
        self.transport = Transport(
            session, instance.host, auth, ssl_arg, timeout=timeout, stats=self.stats
        )

    async def get(
        self, path: str, params: Mapping[str, str] | None = None, *, label: str | None = None
    ) -> Any:
        return await self.transport.get(path, params, label=label)

    async def version(self) -> p.Version:
        return p.as_dict(await self.get("/version"), "/version", p.Version)

    async def node_status(self) -> p.PbsNodeStatus:
        # PBS ignores the node name beyond a syntax check; /nodes itself is superuser-only.
        data = await self.get("/nodes/localhost/status")
        return p.as_dict(data, "node status", p.PbsNodeStatus)

    async def hostname(self) -> str:
        """The server's host name: /nodes (superuser only) or the node part of a task UPID."""
        try:
            nodes = p.as_list(await self.get("/nodes"), "/nodes", p.NodeListEntry)
            if nodes and nodes[0].get("node"):
                return str(nodes[0]["node"])
        except ProxmoxError:
            pass
        try:
            tasks = p.as_list(
                await self.get("/nodes/localhost/tasks", {"limit": "1"}), "tasks", p.Task
            )
        except ProxmoxError:
            return ""
        for task in tasks:
            parts = str(task.get("upid", "")).split(":")
            if len(parts) > 1 and parts[1]:
                return parts[1]
        return ""

    async def datastores(self) -> list[p.PbsDatastore]:
        return p.as_list(await self.get("/admin/datastore"), "/admin/datastore", p.PbsDatastore)

    async def datastore_usage(self) -> list[dict[str, Any]]:
        """Sizes of every datastore in one call (`store`, `total`, `used`, `avail`, `error`)."""
        data = await self.get("/status/datastore-usage")
        return p.as_list(data, "/status/datastore-usage", dict)

    async def namespaces(self, store: str) -> list[dict[str, Any]]:
        """Namespaces of a store; PBS before 2.2 has none (404) -> only the root."""
        try:
            data = await self.get(
                f"/admin/datastore/{store}/namespace", label="/admin/datastore/{store}/namespace"
            )
        except ApiError as exc:
            if exc.status == 404:
                return [{"ns": ""}]
            raise
        return p.as_list(data, "namespace list", dict)

    async def snapshots(self, store: str, namespace: str) -> list[dict[str, Any]]:
        """Every snapshot of one namespace (one call instead of one per backup group)."""
        params = {"ns": namespace} if namespace else None
        data = await self.get(
            f"/admin/datastore/{store}/snapshots",
            params,
            label="/admin/datastore/{store}/snapshots",
        )
        return p.as_list(data, "snapshot list", dict)
