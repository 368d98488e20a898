"""`Coordinator`: the poll loop of one instance (Home Assistant's update-coordinator shape).

The next cycle is scheduled after the current one ends, so cycles never overlap; a failed cycle
backs off; a source going bad is logged once, and once more when it recovers. Each coordinator
also runs a background loop for the slow cadence (guest agent, snapshots, backup listings) so
those per-guest calls never lengthen the regular cycle. Calls are counted per cycle.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp

from pulse.config.nodes import InstanceConfig
from pulse.polling.status import InstanceStatus
from pulse.proxmox.calls import CallStats, CycleCounter, current_counter
from pulse.proxmox.errors import ProxmoxError
from pulse.state.slices import InstanceSlice

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Cadence:
    """Seconds between the slow-cadence jobs (all run once right after start)."""

    guest_details: float = 60.0  # status/current + guest agent per running VM
    backups: float = 60.0  # vzdump tasks, backup storage content, PBS snapshots
    snapshots: float = 300.0  # guest snapshot lists
    storage_config: float = 60.0  # cluster storage definitions
    membership: float = 600.0  # cluster members and their certificates
    tick: float = 5.0  # how often the background loop looks for due jobs
    endpoint_retry: float = 60.0  # a failed cluster endpoint is tried again after this


class Coordinator:
    """Base class; subclasses implement `cycle()` and optionally `background_pass()`."""

    def __init__(
        self,
        instance: InstanceConfig,
        *,
        interval: Callable[[], float],
        timeout: Callable[[], float],
        on_update: Callable[[Coordinator], None],
        initial: InstanceSlice,
        cadence: Cadence,
        max_backoff: float = 30.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.instance = instance
        self.slice = initial
        self.stats = CallStats()
        self.cadence = cadence
        self._interval = interval
        self._timeout = timeout
        self._on_update = on_update
        self._max_backoff = max_backoff
        self._clock = clock
        self._wake = asyncio.Event()
        self._first_success = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._failures = 0
        self._last_error = ""
        self._error_kind = ""
        self._last_success = 0.0
        self._cycles = 0
        self._requests_last_cycle = 0
        self._background_counter = CycleCounter()
        self._duration = 0.0
        self.session: aiohttp.ClientSession | None = None

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        connector = aiohttp.TCPConnector(limit=8, ttl_dns_cache=300)
        self.session = aiohttp.ClientSession(connector=connector, trust_env=True)
        self.setup()
        loop = asyncio.get_running_loop()
        name = self.instance.name
        self._tasks = [
            loop.create_task(self._run(), name=f"poll {name}"),
            loop.create_task(self._background(), name=f"poll {name} (slow cadence)"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        if self.session is not None:
            await self.session.close()
            self.session = None

    def wake(self) -> None:
        """Run the next cycle now (interval changed, or a test wants fresh data)."""
        self._wake.set()

    # -- subclass interface --------------------------------------------------------------------

    def setup(self) -> None:
        """Create the API client (the session exists now)."""

    async def cycle(self) -> InstanceSlice:
        raise NotImplementedError

    async def background_pass(self, now: float) -> None:
        """Run the slow-cadence jobs that are due at monotonic time `now`."""

    def failed_slice(self, error: str) -> InstanceSlice:
        return self.slice.failed(error)

    def endpoint(self) -> str:
        return self.instance.host

    # -- loops ---------------------------------------------------------------------------------

    def cycle_deadline(self) -> float:
        """A cycle may make a few sequential calls; bound it so a hang cannot stall the loop."""
        return max(self._timeout() * 3.0, self._interval())

    async def _run(self) -> None:
        while True:
            started = time.monotonic()
            counter = CycleCounter()
            token = current_counter.set(counter)
            ok = False
            try:
                async with asyncio.timeout(self.cycle_deadline()):
                    self.slice = await self.cycle()
                ok = True
            except ProxmoxError as exc:
                self._failed(str(exc), exc.kind)
            except TimeoutError:
                self._failed(
                    f"polling took longer than {self.cycle_deadline():g} s and was abandoned",
                    "timeout",
                )
            except Exception:
                if not self._last_error.startswith("internal error"):
                    log.exception("%s: unexpected error while polling", self.instance.name)
                self._failed("internal error while polling (see the Pulse log)", "internal")
            finally:
                current_counter.reset(token)
            self._duration = time.monotonic() - started
            self._requests_last_cycle = counter.calls
            self._cycles += 1
            if ok:
                self._succeeded()
            else:
                self.slice = self.failed_slice(self._last_error)
            self._on_update(self)
            await self._sleep(self._next_delay(ok))

    def _next_delay(self, ok: bool) -> float:
        interval = self._interval()
        if ok:
            return interval
        backoff = interval * float(2 ** min(self._failures - 1, 6))
        return min(backoff, max(interval, self._max_backoff))

    async def _sleep(self, seconds: float) -> None:
        if not self._wake.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(seconds):
                    await self._wake.wait()
        self._wake.clear()

    def _failed(self, message: str, kind: str) -> None:
        self._failures += 1
        if message != self._last_error:
            log.warning("%s: %s", self.instance.name, message)
        self._last_error = message
        self._error_kind = kind

    def _succeeded(self) -> None:
        if self._failures:
            log.info("%s: reachable again", self.instance.name)
        self._failures = 0
        self._last_error = ""
        self._error_kind = ""
        self._last_success = self._clock()
        self._first_success.set()

    async def _background(self) -> None:
        token = current_counter.set(self._background_counter)
        try:
            await self._first_success.wait()
            first = True
            while True:
                try:
                    await self.background_pass(time.monotonic())
                except ProxmoxError as exc:
                    log.debug("%s: slow-cadence job failed: %s", self.instance.name, exc)
                except Exception:
                    log.exception("%s: slow-cadence job failed", self.instance.name)
                if first:  # show the first guest details and backups now, not a full interval later
                    first = False
                    self.wake()
                await asyncio.sleep(self.cadence.tick)
        finally:
            current_counter.reset(token)

    # -- status ------------------------------------------------------------------------------

    def status(self) -> InstanceStatus:
        return InstanceStatus(
            instance_id=self.instance.id,
            name=self.instance.name,
            kind=self.instance.kind.value,
            running=bool(self._tasks),
            connected=self._cycles > 0 and self._failures == 0,
            last_success=self._last_success,
            last_error=self._last_error,
            error_kind=self._error_kind,
            consecutive_failures=self._failures,
            requests_last_cycle=self._requests_last_cycle,
            background_requests=self._background_counter.calls,
            last_cycle_duration=round(self._duration, 6),
            cycles=self._cycles,
            endpoint=self.endpoint(),
            total_api_calls=self.stats.total,
            failed_api_calls=self.stats.failed,
        )
