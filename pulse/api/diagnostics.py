"""GET /api/diagnostics: per-instance poller status and a live connection test, runtime facts
and the recent warnings, for the dashboard's Diagnostics panel and bug reports.

Differences from the original (api.md §4.4): every instance is probed concurrently under one
short deadline (upstream probed them one after another with 10 s timeouts each), concurrent
calls share one probe run, the poller's own verdict is reported beside the live test, errors are
the clients' user-facing sentences passed through the secret mask, `nodes`/`pbs` are `[]`
rather than `null`, and Go's `goVersion`/`numGoroutine` become `pythonVersion`/`tasks`.
No credential of any kind is part of the answer.
"""

from __future__ import annotations

import asyncio
import logging
import os
import platform
import sys
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from pulse import keys
from pulse.config.nodes import InstanceConfig, InstanceKind
from pulse.jsonio import json_response
from pulse.logs import secret_filter
from pulse.models import rfc3339
from pulse.proxmox import ProbeResult, ProxmoxError, probe_instance
from pulse.recent_errors import RecentErrors

log = logging.getLogger(__name__)

PROBE_DEADLINE = 8.0  # seconds for all probes together, well inside any proxy's timeout
PROBE_CALL_TIMEOUT = 5.0  # seconds per Proxmox request (the connection timeout if lower)


@dataclass(frozen=True, slots=True)
class ProbeOutcome:
    connected: bool
    latency_ms: float = 0.0
    result: ProbeResult | None = None
    error: str = ""
    error_kind: str = ""


def auth_method(instance: InstanceConfig) -> str:
    if instance.uses_token:
        return "api_token"
    if instance.user and instance.password:
        return "username_password"
    return "none"


@dataclass
class Diagnostics:
    """App-wide diagnostics state: the recent-errors log and the shared probe run."""

    recent: RecentErrors = field(default_factory=RecentErrors)
    deadline: float = PROBE_DEADLINE
    _running: asyncio.Task[dict[str, ProbeOutcome]] | None = None
    _running_for: tuple[InstanceConfig, ...] = ()
    # every run still going (a caller that went away leaves its run referenced here)
    _tasks: set[asyncio.Task[dict[str, ProbeOutcome]]] = field(default_factory=set)

    async def probe_all(
        self,
        instances: tuple[InstanceConfig, ...],
        call_timeout: float,  # per Proxmox request; the deadline bounds the whole run
    ) -> dict[str, ProbeOutcome]:
        """Probe every instance at once; callers arriving meanwhile share the same run."""
        task = self._running
        if task is None or task.done() or self._running_for != instances:
            task = asyncio.create_task(self._probe(instances, call_timeout))
            self._running, self._running_for = task, instances
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        # shield: a client that disconnects must not cancel the run others wait for
        return await asyncio.shield(task)

    async def _probe(
        self,
        instances: Sequence[InstanceConfig],
        call_timeout: float,
    ) -> dict[str, ProbeOutcome]:
        outcomes = await asyncio.gather(*(self._probe_one(i, call_timeout) for i in instances))
        return {i.id: outcome for i, outcome in zip(instances, outcomes, strict=True)}

    async def _probe_one(
        self,
        instance: InstanceConfig,
        call_timeout: float,
    ) -> ProbeOutcome:
        if auth_method(instance) == "none":
            return ProbeOutcome(False, error="No authentication configured", error_kind="auth")
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.deadline):
                result = await probe_instance(instance, timeout=call_timeout)
        except ProxmoxError as exc:
            return ProbeOutcome(False, error=secret_filter.mask(str(exc)), error_kind=exc.kind)
        except TimeoutError:
            message = f"no complete answer within {self.deadline:g} s"
            return ProbeOutcome(False, error=message, error_kind="timeout")
        except ValueError as exc:  # a stored fingerprint the TLS layer cannot use
            return ProbeOutcome(False, error=secret_filter.mask(str(exc)), error_kind="config")
        except Exception:  # a shared run must always finish with an answer for everyone
            log.exception("%s: diagnostics probe failed unexpectedly", instance.name)
            return ProbeOutcome(
                False, error="unexpected error (see the log)", error_kind="internal"
            )
        latency = round((time.monotonic() - started) * 1000, 1)
        return ProbeOutcome(True, latency_ms=latency, result=result)

    @property
    def probing(self) -> int:
        """Probe runs still going."""
        return len(self._tasks)

    async def close(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def diagnostics_context(app: web.Application) -> AsyncIterator[None]:
    """Collect the `pulse` loggers' warnings while the app runs; stop a probe run at exit."""
    diagnostics = app[keys.DIAGNOSTICS]
    logger = logging.getLogger("pulse")
    logger.addHandler(diagnostics.recent)
    yield
    logger.removeHandler(diagnostics.recent)
    await diagnostics.close()


def _details(result: ProbeResult) -> dict[str, Any]:
    if result.kind is InstanceKind.PBS:
        return {
            "version": result.version,
            "release": result.release,
            "hostname": result.hostname,
            "datastoreCount": len(result.datastores),
            "datastores": list(result.datastores),
        }
    return {
        "version": result.version,
        "release": result.release,
        "hostname": result.hostname,
        "node_count": len(result.node_names),
        "nodes": list(result.node_names),
        "isCluster": result.is_cluster,
        "clusterName": result.cluster_name,
    }


def _instance_report(
    app: web.Application, instance: InstanceConfig, outcome: ProbeOutcome
) -> dict[str, Any]:
    report: dict[str, Any] = {
        "id": instance.id,
        "name": instance.name,
        "host": instance.host,
        "type": instance.kind.value,
        "authMethod": auth_method(instance),
        "verifySSL": instance.verify_ssl,
        "fingerprintPinned": bool(instance.fingerprint),
        "connected": outcome.connected,
    }
    if outcome.connected:
        report["latencyMs"] = outcome.latency_ms
    else:
        report["error"] = outcome.error
        report["errorKind"] = outcome.error_kind
    if outcome.result is not None:
        report["details"] = _details(outcome.result)
        if outcome.result.is_cluster:
            members = len(outcome.result.endpoints) or len(outcome.result.node_names)
            report["clusterInfo"] = {"nodes": members, "name": outcome.result.cluster_name}
    status = app[keys.POLLERS].status(instance.id)
    if status is None:
        report["poller"] = None
    else:
        poller = status.to_json()
        poller["lastError"] = secret_filter.mask(status.last_error)
        report["poller"] = poller
    return report


def _rss_bytes() -> int:
    """Resident memory now (Linux /proc); elsewhere the peak, which is what the OS offers."""
    try:
        with open("/proc/self/statm", "rb") as statm:  # procfs: no disk I/O behind it
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        pass
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(peak if sys.platform == "darwin" else peak * 1024)


def _system(app: web.Application) -> dict[str, Any]:
    rss = _rss_bytes()
    live = app[keys.LIVE_SETTINGS].current
    return {
        "os": platform.system().lower(),
        "arch": platform.machine(),
        "pythonVersion": platform.python_version(),
        "pythonImplementation": platform.python_implementation(),
        "numCPU": os.cpu_count() or 0,
        "tasks": len(asyncio.all_tasks()),
        "memoryMB": round(rss / 1024 / 1024, 1),
        "memoryRSSBytes": rss,
        "websocketClients": app[keys.HUB].client_count,
        "isDocker": app[keys.BUILD_INFO].is_docker,
        "pollingInterval": live.polling_interval,
        "connectionTimeout": live.connection_timeout,
    }


async def diagnostics(request: web.Request) -> web.Response:
    app = request.app
    instances = app[keys.NODES].instances
    call_timeout = min(float(app[keys.LIVE_SETTINGS].current.connection_timeout),
                       PROBE_CALL_TIMEOUT)  # fmt: skip
    outcomes = await app[keys.DIAGNOSTICS].probe_all(instances, call_timeout)
    reports = [_instance_report(app, i, outcomes[i.id]) for i in instances]
    build = app[keys.BUILD_INFO]
    state = app[keys.STATE].snapshot
    return json_response(
        {
            "version": build.version,
            "build": build.build,
            "runtime": "python",
            "uptime": round(time.monotonic() - app[keys.STARTED_AT], 3),
            "generatedAt": rfc3339(time.time()),
            "nodes": [r for r in reports if r["type"] == InstanceKind.PVE.value],
            "pbs": [r for r in reports if r["type"] == InstanceKind.PBS.value],
            "system": _system(app),
            "performance": state.performance.to_json(),
            "lastUpdate": rfc3339(state.last_update),
            "errors": [f"{r['name']}: {r['error']}" for r in reports if not r["connected"]],
            "recentErrors": [e.to_json() for e in app[keys.DIAGNOSTICS].recent.entries()],
        }
    )
