"""Checking a candidate instance against its server before it is saved (add, update,
test-connection, auto-register) and taking over what the server says about itself."""

from __future__ import annotations

import asyncio
import time

from aiohttp import web

from pulse import keys
from pulse.config.node_input import unique_name
from pulse.config.nodes import InstanceConfig, InstanceKind
from pulse.errors import BadRequest
from pulse.proxmox import ProbeResult, ProxmoxError, probe_instance

# A probe makes a handful of calls, each bounded by the connection timeout; bound the whole.
_CALLS_PER_PROBE = 4


class ConnectionFailed(BadRequest):
    """The server could not be reached or refused the credentials (message safe to show)."""


async def probe(app: web.Application, instance: InstanceConfig) -> tuple[ProbeResult, float]:
    """Probe `instance`; returns the result and the latency in ms, or raises ConnectionFailed."""
    timeout = float(app[keys.LIVE_SETTINGS].current.connection_timeout)
    started = time.monotonic()
    try:
        async with asyncio.timeout(timeout * _CALLS_PER_PROBE):
            result = await probe_instance(instance, timeout=timeout)
    except ProxmoxError as exc:
        raise ConnectionFailed(f"Connection failed: {exc}") from None
    except TimeoutError:
        raise ConnectionFailed(
            f"Connection failed: no complete answer within {timeout * _CALLS_PER_PROBE:.0f} s"
        ) from None
    except ValueError as exc:  # a fingerprint the TLS layer cannot use
        raise ConnectionFailed(f"Connection failed: {exc}") from None
    return result, (time.monotonic() - started) * 1000


def learn(
    instance: InstanceConfig,
    result: ProbeResult,
    *,
    others: tuple[InstanceConfig, ...],
    name_given: bool,
) -> InstanceConfig:
    """Take over the cluster facts (PVE) and, when no name was given, the name Proxmox uses:
    the cluster name, the node name of a standalone PVE node, or the PBS host name (better than
    upstream's host address, which says nothing once there are several)."""
    if instance.kind is InstanceKind.PVE:
        instance = instance.replace(
            is_cluster=result.is_cluster,
            cluster_name=result.cluster_name,
            cluster_endpoints=result.endpoints,
        )
        own_name = result.cluster_name if result.is_cluster else next(iter(result.node_names), "")
    else:
        own_name = result.hostname
    if not name_given and own_name:
        return instance.replace(name=unique_name(own_name, others, instance.id))
    return instance


def success_message(result: ProbeResult) -> dict[str, object]:
    """The test-connection answer of the original (counts and cluster facts)."""
    if result.kind is InstanceKind.PBS:
        count = len(result.datastores)
        return {
            "status": "success",
            "message": f"Successfully connected. Found {count} datastore(s)",
            "datastoreCount": count,
            "version": result.version,
        }
    nodes = len(result.node_names)
    out: dict[str, object] = {
        "status": "success",
        "message": f"Successfully connected to {nodes} node(s)",
        "isCluster": result.is_cluster,
        "nodeCount": nodes,
        "version": result.version,
    }
    if result.is_cluster:
        out["clusterNodeCount"] = len(result.endpoints) or nodes
        out["clusterName"] = result.cluster_name
    return out
