"""`PollerManager`: one coordinator per configured instance, reconciled live on config changes.

Adding, editing or removing an instance starts, restarts or stops only that instance's poller;
the others keep running, and the rate samples and chart history of every instance that keeps
running survive. After each instance cycle the manager records its chart points, keeps its slice
and publishes a new state snapshot (near-simultaneous cycles are coalesced into one publish).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from pulse.config.live import LiveSettings, SystemSettings
from pulse.config.nodes import InstanceConfig, InstanceKind, NodeRegistry
from pulse.models import Performance, Stats
from pulse.polling.coordinator import Cadence, Coordinator
from pulse.polling.pbs_poller import PbsPoller
from pulse.polling.pve_poller import PvePoller
from pulse.polling.status import InstanceStatus
from pulse.state.history import GUEST_SERIES, NODE_SERIES, STORAGE_SERIES, History
from pulse.state.rates import RateTracker
from pulse.state.slices import InstanceSlice, assemble
from pulse.state.store import StateStore

log = logging.getLogger(__name__)

PUBLISH_DELAY = 0.05  # seconds: cycles finishing within this window share one publish
# At most two publishes per polling interval, however many instances finish at other moments:
# each publish assembles, evaluates alerts on and serialises the whole state.
PUBLISHES_PER_INTERVAL = 2


class PollerManager:
    def __init__(
        self,
        registry: NodeRegistry,
        live: LiveSettings,
        store: StateStore,
        *,
        version: str,
        client_count: Callable[[], int] = lambda: 0,
        cadence: Cadence | None = None,
        interval: Callable[[], float] | None = None,
        max_backoff: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.registry = registry
        self.live = live
        self.store = store
        self.history = History()
        self.rates = RateTracker()
        self.cadence = cadence or Cadence()
        self._version = version
        self._client_count = client_count
        self._interval = interval or (lambda: float(live.current.polling_interval))
        self.max_backoff = max_backoff
        self._clock = clock
        self._pollers: dict[str, Coordinator] = {}
        self._slices: dict[str, InstanceSlice] = {}
        self._stopping: set[asyncio.Task[None]] = set()
        self._publish_handle: asyncio.TimerHandle | None = None
        self._last_publish = float("-inf")  # loop time
        self._started_at = 0.0
        self._publishes = 0
        self._running = False
        registry.subscribe(self._instances_changed)
        live.subscribe(self._settings_changed)

    # -- lifecycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        self._running = True
        self._started_at = self._clock()
        self.reconcile(self.registry.instances)
        self._publish()
        self._last_publish = float("-inf")  # the empty start-up state must not delay real data

    async def stop(self) -> None:
        self._running = False
        if self._publish_handle is not None:
            self._publish_handle.cancel()
            self._publish_handle = None
        pollers = list(self._pollers.values())
        self._pollers.clear()
        await asyncio.gather(*(p.stop() for p in pollers), *self._stopping)

    # -- reconciliation ------------------------------------------------------------------------

    def _instances_changed(self, instances: tuple[InstanceConfig, ...]) -> None:
        if self._running:
            self.reconcile(instances)

    def _settings_changed(self, _new: SystemSettings, changed: frozenset[str]) -> None:
        if "pollingInterval" in changed:
            for poller in self._pollers.values():
                poller.wake()

    def reconcile(self, instances: tuple[InstanceConfig, ...]) -> None:
        """Start, restart or stop pollers so there is exactly one per configured instance."""
        wanted = {i.id: i for i in instances}
        for instance_id in [k for k in self._pollers if k not in wanted]:
            self._retire(instance_id)
            self._slices.pop(instance_id, None)
            self._schedule_publish()
        for instance_id, instance in wanted.items():
            current = self._pollers.get(instance_id)
            if current is not None and current.instance == instance:
                continue
            initial = self._slices.get(instance_id)
            if current is not None:
                self._retire(instance_id)
                if initial is not None and initial.name != instance.name:
                    initial = None  # renamed: new ids; the old ones are pruned at publish
            self._launch(instance, initial)

    def _retire(self, instance_id: str) -> None:
        poller = self._pollers.pop(instance_id)
        task = asyncio.get_running_loop().create_task(poller.stop())
        self._stopping.add(task)
        task.add_done_callback(self._stopping.discard)

    def _launch(self, instance: InstanceConfig, initial: InstanceSlice | None) -> None:
        is_pbs = instance.kind is InstanceKind.PBS
        health_key = f"pbs-{instance.name}" if is_pbs else instance.name
        initial = initial or InstanceSlice(instance.id, instance.name, health_key)
        common: dict[str, Any] = {
            "interval": self._interval,
            "timeout": lambda: float(self.live.current.connection_timeout),
            "on_update": self._cycle_done,
            "initial": initial,
            "cadence": self.cadence,
            "max_backoff": self.max_backoff,
            "clock": self._clock,
        }
        poller: Coordinator
        if is_pbs:
            poller = PbsPoller(instance, **common)
        else:
            poller = PvePoller(instance, rates=self.rates, **common)
        self._pollers[instance.id] = poller
        try:
            poller.start()
        except ValueError as exc:  # a malformed fingerprint in the stored config
            log.error("%s: cannot poll: %s", instance.name, exc)

    # -- cycles and publishing ---------------------------------------------------------------

    def _cycle_done(self, poller: Coordinator) -> None:
        if self._pollers.get(poller.instance.id) is not poller:
            return  # a retired poller finishing its last cycle
        piece = poller.slice
        self._slices[poller.instance.id] = piece
        if piece.healthy:
            self._record(piece)
        self._schedule_publish()

    def _record(self, piece: InstanceSlice) -> None:
        ts = piece.updated
        record = self.history.record
        for node in piece.nodes:
            record(node.id, NODE_SERIES, ts, (node.cpu * 100, node.memory.usage, node.disk.usage))
        for guest in (*piece.vms, *piece.containers):
            if guest.stale:
                continue
            rates = [float(r) if r >= 0 else float("nan") for r in (
                guest.disk_read, guest.disk_write, guest.network_in, guest.network_out
            )]  # fmt: skip
            record(
                guest.id,
                GUEST_SERIES,
                ts,
                (guest.cpu * 100, guest.memory.usage, guest.disk.usage, *rates),
            )
        for storage in piece.storage:
            record(
                storage.id,
                STORAGE_SERIES,
                ts,
                (storage.usage, float(storage.used), float(storage.total), float(storage.free)),
            )

    def _schedule_publish(self) -> None:
        if self._publish_handle is None and self._running:
            loop = asyncio.get_running_loop()
            spacing = self._interval() / PUBLISHES_PER_INTERVAL
            delay = max(PUBLISH_DELAY, self._last_publish + spacing - loop.time())
            self._publish_handle = loop.call_later(delay, self._publish)

    def _publish(self) -> None:
        self._publish_handle = None
        self._last_publish = asyncio.get_running_loop().time()
        slices = [self._slices[k] for k in self._pollers if k in self._slices]
        self._publishes += 1
        state = assemble(slices, performance=self._performance(), stats=self._stats())
        self.store.publish(state)
        guest_ids = [g.id for g in state.guests()]
        # Forget what vanished (deleted guests, removed or renamed instances): by id, never by
        # an instance-name prefix (instance "pve" would take "pve-lab"'s entries with it).
        self.rates.retain(guest_ids)
        self.history.retain([n.id for n in state.nodes] + guest_ids + [s.id for s in state.storage])

    def _performance(self) -> Performance:
        statuses = [p.status() for p in self._pollers.values()]
        durations: dict[str, list[float]] = {}
        for poller in self._pollers.values():
            for label, ms in poller.stats.mean_ms().items():
                durations.setdefault(label, []).append(ms)
        return Performance(
            last_poll_duration=max((s.last_cycle_duration for s in statuses), default=0.0),
            polling_start_time=self._started_at,
            total_api_calls=sum(s.total_api_calls for s in statuses),
            failed_api_calls=sum(s.failed_api_calls for s in statuses),
            api_calls_last_cycle=sum(s.requests_last_cycle for s in statuses),
            api_call_duration=tuple(
                sorted((label, round(sum(v) / len(v), 3)) for label, v in durations.items())
            ),
        )

    def _stats(self) -> Stats:
        now = self._clock()
        return Stats(
            start_time=self._started_at,
            uptime=int(now - self._started_at) if self._started_at else 0,
            polling_cycles=sum(p.status().cycles for p in self._pollers.values()),
            web_socket_clients=self._client_count(),
            version=self._version,
        )

    # -- queries -------------------------------------------------------------------------------

    def status(self, instance_id: str) -> InstanceStatus | None:
        """How the poller of `instance_id` is doing; None when no such instance is polled."""
        poller = self._pollers.get(instance_id)
        return poller.status() if poller is not None else None

    def statuses(self) -> list[InstanceStatus]:
        return [p.status() for p in self._pollers.values()]

    def refresh_now(self) -> None:
        """Run every poller's next cycle immediately."""
        for poller in self._pollers.values():
            poller.wake()
