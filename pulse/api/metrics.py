"""/metrics: the current state in Prometheus text format, built at scrape time.

A custom collector reads the latest immutable snapshot when Prometheus scrapes, so polling does no
metrics work at all, and each app has its own `CollectorRegistry` (nothing is registered in the
process-wide default registry, so several apps in one process never collide).

Naming follows prometheus-pve-exporter's spirit with a `pulse_` prefix and base units: ratios
0..1 (`_ratio`), bytes (`_bytes`), seconds (`_seconds`), unix times (`_timestamp_seconds`).
Entities of an unreachable instance keep `up` = 0 and their `last_seen` time but drop their
resource gauges: the last known values are not current, and graphing them as if they were would
hide the outage.
"""

from __future__ import annotations

import asyncio
import platform
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from aiohttp import web
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector, CollectorRegistry

from pulse import keys
from pulse.alerts.collect import newest_backups
from pulse.alerts.model import ALERT_LEVELS, AlertLevel
from pulse.models import Guest, State
from pulse.polling.status import InstanceStatus

GUEST_LABELS = ["instance", "node", "vmid", "name", "type"]
NODE_LABELS = ["instance", "node"]
STORAGE_LABELS = ["instance", "node", "storage", "type"]
DATASTORE_LABELS = ["instance", "datastore"]
POLLER_LABELS = ["instance", "type"]


def _gauge(name: str, doc: str, labels: list[str]) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, doc, labels=labels)


@dataclass(frozen=True, slots=True)
class ScrapeInput:
    """Everything one scrape reads, captured on the event loop in microseconds: the immutable
    snapshot plus copies of the few live values, so the expensive part can run in a thread."""

    state: State
    pollers: tuple[InstanceStatus, ...]
    alerts: tuple[tuple[str, int], ...]  # (level, active count)
    websocket_clients: int
    version: str

    @classmethod
    def capture(cls, app: web.Application) -> ScrapeInput:
        counts = dict.fromkeys(ALERT_LEVELS, 0)
        for alert in app[keys.ALERTS].engine.active():
            level = AlertLevel(alert.level)
            if level in counts:  # the engine only raises warning and critical
                counts[level] += 1
        return cls(
            state=app[keys.STATE].snapshot,
            pollers=tuple(app[keys.POLLERS].statuses()),
            alerts=tuple((level.value, count) for level, count in counts.items()),
            websocket_clients=app[keys.HUB].client_count,
            version=app[keys.BUILD_INFO].version,
        )

    def same_as(self, other: ScrapeInput) -> bool:
        """True when a scrape of `other` would give the same answer (the snapshot is
        immutable, so identity is enough for it)."""
        return (
            self.state is other.state
            and self.pollers == other.pollers
            and self.alerts == other.alerts
            and self.websocket_clients == other.websocket_clients
        )


# The scrape handler captures on the loop and encodes in a worker thread; `to_thread` copies the
# context, so the collector finds the capture here. Called any other way (on the loop), the
# collector captures for itself.
_captured: ContextVar[ScrapeInput | None] = ContextVar("pulse_metrics_input", default=None)


class PulseCollector(Collector):
    """Turns the app's current snapshot, poller statuses and active alerts into metrics."""

    def __init__(self, app: web.Application) -> None:
        self._app = app

    def collect(self) -> Iterable[Metric]:
        scrape = _captured.get() or ScrapeInput.capture(self._app)
        state = scrape.state
        yield from _process(scrape)
        yield from _nodes(state)
        yield from _guests(state)
        yield from _storage(state)
        yield from _pbs(state)
        yield from _pollers(scrape.pollers)
        active = _gauge("pulse_alerts_active", "Active alerts by level", ["level"])
        for level, count in scrape.alerts:
            active.add_metric([level], count)
        yield active


def _process(scrape: ScrapeInput) -> Iterator[Metric]:
    info = GaugeMetricFamily(
        "pulse_build_info",
        "Pulse version and the Python running it (always 1)",
        labels=["version", "python"],
    )
    info.add_metric([scrape.version, platform.python_version()], 1)
    yield info
    yield GaugeMetricFamily(
        "pulse_websocket_clients", "Dashboard websocket connections", scrape.websocket_clients
    )
    if scrape.state.last_update > 0:
        yield GaugeMetricFamily(
            "pulse_state_last_update_timestamp_seconds",
            "When the monitoring state was last rebuilt",
            scrape.state.last_update,
        )


def _pollers(statuses: tuple[InstanceStatus, ...]) -> Iterator[Metric]:
    up = _gauge("pulse_poller_up", "1 if the last poll cycle succeeded", POLLER_LABELS)
    last = _gauge(
        "pulse_poller_last_success_timestamp_seconds",
        "End of the last successful poll cycle",
        POLLER_LABELS,
    )
    requests = _gauge(
        "pulse_poller_cycle_requests", "API requests made by the last cycle", POLLER_LABELS
    )
    duration = _gauge(
        "pulse_poller_cycle_duration_seconds", "Duration of the last cycle", POLLER_LABELS
    )
    failures = _gauge("pulse_poller_consecutive_failures", "Failed cycles in a row", POLLER_LABELS)
    cycles = CounterMetricFamily(
        "pulse_poller_cycles", "Poll cycles completed", labels=POLLER_LABELS
    )
    calls = CounterMetricFamily(
        "pulse_poller_api_requests", "API requests to the instance", labels=POLLER_LABELS
    )
    errors = CounterMetricFamily(
        "pulse_poller_api_errors", "API requests that failed", labels=POLLER_LABELS
    )
    for status in statuses:
        labels = [status.name, status.kind]
        up.add_metric(labels, 1 if status.connected else 0)
        if status.last_success > 0:
            last.add_metric(labels, status.last_success)
        requests.add_metric(labels, status.requests_last_cycle)
        duration.add_metric(labels, status.last_cycle_duration)
        failures.add_metric(labels, status.consecutive_failures)
        cycles.add_metric(labels, status.cycles)
        calls.add_metric(labels, status.total_api_calls)
        errors.add_metric(labels, status.failed_api_calls)
    yield from (up, last, requests, duration, failures, cycles, calls, errors)


def _nodes(state: State) -> Iterator[Metric]:
    up = _gauge("pulse_node_up", "1 if the node is online and its data current", NODE_LABELS)
    seen = _gauge("pulse_node_last_seen_timestamp_seconds", "Last good data", NODE_LABELS)
    cpu = _gauge("pulse_node_cpu_ratio", "CPU usage (0..1 of all cores)", NODE_LABELS)
    cpus = _gauge("pulse_node_cpus", "CPU cores", NODE_LABELS)
    mem_used = _gauge("pulse_node_memory_used_bytes", "Memory in use", NODE_LABELS)
    mem_total = _gauge("pulse_node_memory_total_bytes", "Memory size", NODE_LABELS)
    disk_used = _gauge("pulse_node_disk_used_bytes", "Root filesystem in use", NODE_LABELS)
    disk_total = _gauge("pulse_node_disk_total_bytes", "Root filesystem size", NODE_LABELS)
    uptime = _gauge("pulse_node_uptime_seconds", "Node uptime", NODE_LABELS)
    load = _gauge("pulse_node_load1", "1-minute load average", NODE_LABELS)
    for node in state.nodes:
        labels = [node.instance, node.name]
        current = not node.stale
        up.add_metric(labels, 1 if current and node.status == "online" else 0)
        if node.last_seen > 0:
            seen.add_metric(labels, node.last_seen)
        if not current or node.status != "online":
            continue
        cpu.add_metric(labels, node.cpu)
        cpus.add_metric(labels, node.cpu_info.cores)
        mem_used.add_metric(labels, node.memory.used)
        mem_total.add_metric(labels, node.memory.total)
        disk_used.add_metric(labels, node.disk.used)
        disk_total.add_metric(labels, node.disk.total)
        uptime.add_metric(labels, node.uptime)
        if node.load_average:
            load.add_metric(labels, node.load_average[0])
    yield from (up, seen, cpu, cpus, mem_used, mem_total, disk_used, disk_total, uptime, load)


def _guests(state: State) -> Iterator[Metric]:
    L = GUEST_LABELS
    up = _gauge("pulse_guest_up", "1 if the guest is running and its data current", L)
    seen = _gauge("pulse_guest_last_seen_timestamp_seconds", "Last good data", L)
    cpu = _gauge("pulse_guest_cpu_ratio", "CPU usage (0..1 of its vCPUs)", L)
    cpus = _gauge("pulse_guest_cpus", "vCPUs / cores assigned", L)
    mem_used = _gauge("pulse_guest_memory_used_bytes", "Memory in use", L)
    mem_total = _gauge("pulse_guest_memory_total_bytes", "Memory assigned", L)
    disk_used = _gauge("pulse_guest_disk_used_bytes", "Disk in use (when known)", L)
    disk_total = _gauge("pulse_guest_disk_total_bytes", "Disk size", L)
    net_in = _gauge("pulse_guest_network_receive_bytes_per_second", "Network receive rate", L)
    net_out = _gauge("pulse_guest_network_transmit_bytes_per_second", "Network transmit rate", L)
    disk_read = _gauge("pulse_guest_disk_read_bytes_per_second", "Disk read rate", L)
    disk_write = _gauge("pulse_guest_disk_write_bytes_per_second", "Disk write rate", L)
    uptime = _gauge("pulse_guest_uptime_seconds", "Guest uptime", L)
    backup = _gauge(
        "pulse_guest_last_backup_timestamp_seconds",
        "Newest backup of the guest on PVE storage or PBS (age: time() - this)",
        L,
    )
    backups = newest_backups(state)  # the alert engine's backup-age view, so the two agree
    rates = ((net_in, "network_in"), (net_out, "network_out"),
             (disk_read, "disk_read"), (disk_write, "disk_write"))  # fmt: skip
    guest: Guest
    for guest in state.guests():
        labels = [guest.instance, guest.node, str(guest.vmid), guest.name, guest.type]
        current = not guest.stale
        up.add_metric(labels, 1 if current and guest.running else 0)
        if guest.last_seen > 0:
            seen.add_metric(labels, guest.last_seen)
        last_backup = backups.get((guest.instance, guest.type, guest.vmid)) or backups.get(
            ("", guest.type, guest.vmid)  # on a PBS server, which does not name the cluster
        )
        if last_backup:
            backup.add_metric(labels, last_backup)
        if not current:
            continue
        cpus.add_metric(labels, guest.cpus)
        mem_total.add_metric(labels, guest.memory.total)
        if guest.disk.total:
            disk_total.add_metric(labels, guest.disk.total)
        if not guest.running:
            continue
        cpu.add_metric(labels, guest.cpu)
        mem_used.add_metric(labels, guest.memory.used)
        if guest.disk.total:
            disk_used.add_metric(labels, guest.disk.used)
        uptime.add_metric(labels, guest.uptime)
        for family, attr in rates:
            value = getattr(guest, attr)
            if value >= 0:  # -1: no previous sample yet
                family.add_metric(labels, value)
    yield from (up, seen, cpu, cpus, mem_used, mem_total, disk_used, disk_total)
    yield from (net_in, net_out, disk_read, disk_write, uptime, backup)


def _storage(state: State) -> Iterator[Metric]:
    up = _gauge("pulse_storage_up", "1 if the storage is available", STORAGE_LABELS)
    used = _gauge("pulse_storage_used_bytes", "Storage in use", STORAGE_LABELS)
    total = _gauge("pulse_storage_total_bytes", "Storage size", STORAGE_LABELS)
    for storage in state.storage:
        labels = [storage.instance, storage.node, storage.name, storage.type]
        available = not storage.stale and storage.status == "available"
        up.add_metric(labels, 1 if available else 0)
        if available:
            used.add_metric(labels, storage.used)
            total.add_metric(labels, storage.total)
    yield from (up, used, total)


def _pbs(state: State) -> Iterator[Metric]:
    up = _gauge("pulse_pbs_up", "1 if the backup server answers", ["instance"])
    cpu = _gauge("pulse_pbs_cpu_ratio", "CPU usage (0..1)", ["instance"])
    mem_used = _gauge("pulse_pbs_memory_used_bytes", "Memory in use", ["instance"])
    mem_total = _gauge("pulse_pbs_memory_total_bytes", "Memory size", ["instance"])
    uptime = _gauge("pulse_pbs_uptime_seconds", "Server uptime", ["instance"])
    ds_up = _gauge("pulse_pbs_datastore_up", "1 if the datastore is readable", DATASTORE_LABELS)
    ds_used = _gauge("pulse_pbs_datastore_used_bytes", "Datastore in use", DATASTORE_LABELS)
    ds_total = _gauge("pulse_pbs_datastore_total_bytes", "Datastore size", DATASTORE_LABELS)
    for server in state.pbs:
        current = not server.stale and server.status == "online"
        up.add_metric([server.name], 1 if current else 0)
        if not current:
            continue
        cpu.add_metric([server.name], server.cpu)
        mem_used.add_metric([server.name], server.memory_used)
        mem_total.add_metric([server.name], server.memory_total)
        uptime.add_metric([server.name], server.uptime)
        for store in server.datastores:
            labels = [server.name, store.name]
            readable = store.status == "available"
            ds_up.add_metric(labels, 1 if readable else 0)
            if readable:
                ds_used.add_metric(labels, store.used)
                ds_total.add_metric(labels, store.total)
    yield from (up, cpu, mem_used, mem_total, uptime, ds_up, ds_used, ds_total)


def _encode(
    encoder: Callable[[CollectorRegistry], bytes], registry: CollectorRegistry, scrape: ScrapeInput
) -> bytes:
    _captured.set(scrape)  # in this thread's copy of the context only
    return encoder(registry)


class MetricsExporter:
    """This app's own registry (nothing goes into prometheus_client's global one) and the last
    answer, reused while nothing changed (a second scraper, or a user's curl, costs nothing)."""

    def __init__(self, app: web.Application) -> None:
        self._app = app
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(PulseCollector(app))
        self._last: tuple[ScrapeInput, str, bytes] | None = None

    async def render(self, accept: str) -> tuple[bytes, str]:
        """(body, content type). Building and encoding thousands of samples costs real CPU
        (several hundred ms for 2000 guests here), so it runs in a worker thread on the captured,
        immutable input while the event loop keeps serving the dashboard and the pollers."""
        encoder, content_type = choose_encoder(accept)
        scrape = ScrapeInput.capture(self._app)
        last = self._last
        if last is not None and last[1] == content_type and last[0].same_as(scrape):
            return last[2], content_type
        body = await asyncio.to_thread(_encode, encoder, self.registry, scrape)
        self._last = (scrape, content_type, body)
        return body, content_type


async def metrics(request: web.Request) -> web.Response:
    """GET /metrics: Prometheus text format (OpenMetrics when the scraper asks for it)."""
    body, content_type = await request.app[keys.METRICS].render(request.headers.get("Accept", ""))
    return web.Response(body=body, headers={"Content-Type": content_type})
