"""`probe_instance`: connect, authenticate and describe a PVE/PBS instance (test connection,
cluster detection, auto-registration)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import aiohttp

from pulse.config.nodes import ClusterEndpoint, InstanceConfig, InstanceKind
from pulse.proxmox.errors import PermissionDenied
from pulse.proxmox.pbs import PbsClient
from pulse.proxmox.pve import PveClient


@dataclass(frozen=True, slots=True)
class ProbeResult:
    kind: InstanceKind
    version: str  # PVE "8.4.1", PBS "3.2.4" (as /version reports it)
    release: str = ""
    node_names: tuple[str, ...] = ()  # PVE: all nodes of the cluster (or the one node)
    is_cluster: bool = False
    cluster_name: str = ""
    endpoints: tuple[ClusterEndpoint, ...] = ()  # PVE cluster members (for failover)
    hostname: str = ""  # PVE: the node answering; PBS: the server's host name when visible
    datastores: tuple[str, ...] = ()  # PBS

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.kind.value,
            "version": self.version,
            "release": self.release,
            "nodes": list(self.node_names),
            "nodeCount": len(self.node_names),
            "isCluster": self.is_cluster,
            "clusterName": self.cluster_name,
            "clusterEndpoints": [e.to_json() for e in self.endpoints],
            "hostname": self.hostname,
            "datastores": list(self.datastores),
        }


@contextlib.asynccontextmanager
async def _session(given: aiohttp.ClientSession | None) -> AsyncIterator[aiohttp.ClientSession]:
    if given is not None:
        yield given
        return
    async with aiohttp.ClientSession(trust_env=True) as session:
        yield session


async def probe_instance(
    instance: InstanceConfig,
    *,
    timeout: float,  # noqa: ASYNC109 - per request, not for the whole probe
    session: aiohttp.ClientSession | None = None,
) -> ProbeResult:
    """Describe the instance or raise a `ProxmoxError` (AuthError, TLSError, FingerprintMismatch,
    RequestTimeout, UnreachableError, ApiError) whose message is safe to show to a user.
    A malformed fingerprint raises ValueError."""
    async with _session(session) as http:
        if instance.kind is InstanceKind.PBS:
            return await _probe_pbs(instance, http, timeout)
        return await _probe_pve(instance, http, timeout)


async def _probe_pve(
    instance: InstanceConfig,
    session: aiohttp.ClientSession,
    timeout: float,  # noqa: ASYNC109
) -> ProbeResult:
    client = PveClient(instance, session, timeout=lambda: timeout)
    version = await client.version()
    nodes = await client.nodes()
    names = tuple(sorted(str(n.get("node", "")) for n in nodes if n.get("node")))
    try:
        status = await client.cluster_status()
    except PermissionDenied:
        status = []  # needs Sys.Audit on /; without it the node list is all we know
    cluster = next((e for e in status if e.get("type") == "cluster"), None)
    members = [e for e in status if e.get("type") == "node"]
    local = next((str(e.get("name", "")) for e in members if e.get("local")), "")
    is_cluster = len(members) > 1 or (cluster is not None and len(names) > 1)
    if not status and len(names) > 1:
        is_cluster = True
    cluster_name = ""
    if is_cluster:
        cluster_name = str(cluster.get("name", "")) if cluster else ""
        cluster_name = cluster_name or "Unknown Cluster"
    return ProbeResult(
        kind=InstanceKind.PVE,
        version=str(version.get("version", "")),
        release=str(version.get("release", "")),
        node_names=names,
        is_cluster=is_cluster,
        cluster_name=cluster_name,
        endpoints=client.cluster_endpoints(members) if is_cluster else (),
        hostname=local or (names[0] if len(names) == 1 else ""),
    )


async def _probe_pbs(
    instance: InstanceConfig,
    session: aiohttp.ClientSession,
    timeout: float,  # noqa: ASYNC109
) -> ProbeResult:
    client = PbsClient(instance, session, timeout=lambda: timeout)
    version = await client.version()
    try:
        stores = tuple(str(d.get("store", "")) for d in await client.datastores())
    except PermissionDenied:
        stores = ()
    return ProbeResult(
        kind=InstanceKind.PBS,
        version=str(version.get("version", "")),
        release=str(version.get("release", "")),
        hostname=await client.hostname(),
        datastores=stores,
    )
