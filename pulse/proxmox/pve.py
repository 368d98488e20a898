"""Async Proxmox VE client: one coroutine per endpoint, cluster failover across member nodes.

The configured host is the preferred endpoint. Cluster members learnt from /cluster/status are
reached at `<scheme>://<member ip>:<configured port>`; when the instance pins a certificate
fingerprint, each member is pinned to the `ssl_fingerprint` that /nodes reports for it (learnt
through the already pinned connection). An endpoint that fails at the transport level (refused,
timeout, TLS) is skipped for `retry_after` seconds, then tried again, so polling returns to the
preferred node once it is back.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from yarl import URL

from pulse.config.nodes import ClusterEndpoint, InstanceConfig
from pulse.proxmox import payloads as p
from pulse.proxmox.calls import CallStats
from pulse.proxmox.errors import ApiError, ProxmoxError, UnreachableError, is_endpoint_failure
from pulse.proxmox.tls import SslArg, normalize_fingerprint, ssl_argument
from pulse.proxmox.transport import Auth, Product, Transport

log = logging.getLogger(__name__)

RETRY_AFTER = 60.0  # seconds an endpoint that failed is skipped before it is tried again


def pve_token_id(instance: InstanceConfig) -> str:
    """`user@realm!tokenid`; a bare token id is completed with the configured user."""
    name = instance.token_name.strip()
    if "!" not in name and instance.user:
        return f"{instance.user.strip()}!{name}"
    return name


def make_auth(instance: InstanceConfig, product: Product, token_id: str) -> Auth:
    if instance.uses_token:
        return Auth(product, token_id=token_id, token_secret=instance.token_value)
    return Auth(product, user=instance.user.strip(), password=instance.password)


def member_url(configured: str, ip: str) -> str:
    """The configured URL with its host replaced by a member's address (same scheme/port)."""
    url = URL(configured)
    return str(url.with_host(ip).with_path(""))


@dataclass(slots=True)
class Endpoint:
    name: str  # node name ("" for the configured host when unknown)
    transport: Transport
    down_until: float = 0.0
    error: str = ""

    @property
    def url(self) -> str:
        return self.transport.base_url


class PveClient:
    """All PVE calls of one instance (a standalone node or a cluster)."""

    def __init__(
        self,
        instance: InstanceConfig,
        session: aiohttp.ClientSession,
        *,
        timeout: Callable[[], float],
        stats: CallStats | None = None,
        retry_after: float = RETRY_AFTER,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.instance = instance
        self.session = session
        self.stats = stats or CallStats()
        self._timeout = timeout
        self._retry_after = retry_after
        self._clock = clock
        self._auth = make_auth(instance, Product.PVE, pve_token_id(instance))
        self._pinned = bool(normalize_fingerprint(instance.fingerprint))
        self.primary = Endpoint("", self._transport(instance.host, self._ssl(instance.fingerprint)))
        self.members: dict[str, Endpoint] = {}
        self.active: Endpoint = self.primary
        self._member_ips: dict[str, str] = {e.node_name: e.ip for e in instance.cluster_endpoints}

    def _ssl(self, fingerprint: str) -> SslArg:
        return ssl_argument(self.instance.verify_ssl, fingerprint)

    def _transport(self, url: str, ssl_arg: SslArg) -> Transport:
        return Transport(
            self.session, url, self._auth, ssl_arg, timeout=self._timeout, stats=self.stats
        )

    # -- failover ------------------------------------------------------------------------------

    def endpoints(self) -> list[Endpoint]:
        return [self.primary, *self.members.values()]

    async def get(
        self, path: str, params: Mapping[str, str] | None = None, *, label: str | None = None
    ) -> Any:
        """GET through the preferred endpoint, failing over to cluster members when it is down."""
        now = self._clock()
        candidates = [e for e in self.endpoints() if e.down_until <= now]
        if not candidates:  # everything failed recently: try them all anyway, preferred first
            candidates = self.endpoints()
        last: ProxmoxError | None = None
        for endpoint in candidates:
            try:
                result = await endpoint.transport.get(path, params, label=label)
            except ProxmoxError as exc:
                if not is_endpoint_failure(exc):
                    raise
                self._mark_down(endpoint, exc)
                last = exc
                continue
            self._mark_up(endpoint)
            return result
        raise last or UnreachableError("no endpoint of this instance is reachable")

    def _mark_down(self, endpoint: Endpoint, exc: ProxmoxError) -> None:
        if not endpoint.error and len(self.endpoints()) > 1:
            log.warning(
                "%s: endpoint %s failed (%s); using another cluster node",
                self.instance.name,
                endpoint.url,
                exc,
            )
        endpoint.error = str(exc)
        endpoint.down_until = self._clock() + self._retry_after

    def _mark_up(self, endpoint: Endpoint) -> None:
        if endpoint.error and len(self.endpoints()) > 1:
            log.info("%s: endpoint %s answers again", self.instance.name, endpoint.url)
        endpoint.error = ""
        endpoint.down_until = 0.0
        self.active = endpoint

    def learn_members(
        self, status: list[p.ClusterStatusEntry], nodes: list[p.NodeListEntry]
    ) -> None:
        """Update failover endpoints from /cluster/status (addresses) and /nodes (certificates)."""
        fingerprints = {n.get("node", ""): n.get("ssl_fingerprint", "") for n in nodes}
        primary_host = URL(self.instance.host).host or ""
        for entry in status:
            if entry.get("type") == "node" and entry.get("name") and entry.get("ip"):
                self._member_ips[str(entry["name"])] = str(entry["ip"])
        for name, ip in self._member_ips.items():
            if ip == primary_host:
                self.primary.name = name
                continue
            fingerprint = fingerprints.get(name, "")
            if self._pinned:
                try:
                    ssl_arg = self._ssl(fingerprint)
                except ValueError:
                    continue
                if not fingerprint:
                    continue  # cannot pin a member whose certificate we have not learnt
            else:
                ssl_arg = self._ssl("")
            url = member_url(self.instance.host, ip)
            known = self.members.get(name)
            if known is not None and known.url == url and known.transport.ssl_arg == ssl_arg:
                continue
            self.members[name] = Endpoint(name, self._transport(url, ssl_arg))

    def cluster_endpoints(self, status: list[p.ClusterStatusEntry]) -> tuple[ClusterEndpoint, ...]:
        now = time.time()
        return tuple(
            ClusterEndpoint(
                node_id=str(e.get("id", "")),
                node_name=str(e.get("name", "")),
                host=str(e.get("name", "")),
                ip=str(e.get("ip", "")),
                online=bool(e.get("online", 0)),
                last_seen=now,
            )
            for e in status
            if e.get("type") == "node"
        )

    # -- endpoints ----------------------------------------------------------------------------

    async def version(self) -> p.Version:
        return p.as_dict(await self.get("/version"), "/version", p.Version)

    async def cluster_status(self) -> list[p.ClusterStatusEntry]:
        data = await self.get("/cluster/status")
        return p.as_list(data, "/cluster/status", p.ClusterStatusEntry)

    async def nodes(self) -> list[p.NodeListEntry]:
        return p.as_list(await self.get("/nodes"), "/nodes", p.NodeListEntry)

    async def resources(self) -> list[p.Resource]:
        data = await self.get("/cluster/resources")
        return p.as_list(data, "/cluster/resources", p.Resource)

    async def node_status(self, node: str) -> p.NodeStatus:
        data = await self.get(f"/nodes/{node}/status", label="/nodes/{node}/status")
        return p.as_dict(data, "node status", p.NodeStatus)

    async def node_storage(self, node: str) -> list[p.NodeStorage]:
        data = await self.get(f"/nodes/{node}/storage", label="/nodes/{node}/storage")
        return p.as_list(data, "node storage", p.NodeStorage)

    async def storage_config(self) -> list[p.StorageConfig]:
        return p.as_list(await self.get("/storage"), "/storage", p.StorageConfig)

    async def guest_status(self, node: str, kind: str, vmid: int) -> p.GuestStatus:
        data = await self.get(
            f"/nodes/{node}/{kind}/{vmid}/status/current",
            label=f"/nodes/{{node}}/{kind}/{{vmid}}/status/current",
        )
        return p.as_dict(data, "guest status", p.GuestStatus)

    async def agent(self, node: str, vmid: int, command: str, **params: str) -> Any:
        """A guest agent command; returns its `result` (an `error` result raises ApiError)."""
        data = await self.get(
            f"/nodes/{node}/qemu/{vmid}/agent/{command}",
            params or None,
            label=f"/nodes/{{node}}/qemu/{{vmid}}/agent/{command}",
        )
        if isinstance(data, dict):
            if isinstance(data.get("result"), dict) and "error" in data["result"]:
                error = data["result"]["error"]
                desc = error.get("desc", "") if isinstance(error, dict) else str(error)
                raise ApiError(f"guest agent error: {str(desc)[:160]}")
            if "result" in data:
                return data["result"]
            return data
        return data

    async def snapshots(self, node: str, kind: str, vmid: int) -> list[p.Snapshot]:
        data = await self.get(
            f"/nodes/{node}/{kind}/{vmid}/snapshot",
            label=f"/nodes/{{node}}/{kind}/{{vmid}}/snapshot",
        )
        return p.as_list(data, "snapshot list", p.Snapshot)

    async def backup_tasks(self, node: str, limit: int = 100) -> list[p.Task]:
        data = await self.get(
            f"/nodes/{node}/tasks",
            {"typefilter": "vzdump", "limit": str(limit)},
            label="/nodes/{node}/tasks",
        )
        return p.as_list(data, "task list", p.Task)

    async def storage_content(self, node: str, storage: str) -> list[p.StorageContent]:
        data = await self.get(
            f"/nodes/{node}/storage/{storage}/content",
            {"content": "backup"},
            label="/nodes/{node}/storage/{storage}/content",
        )
        return p.as_list(data, "storage content", p.StorageContent)
