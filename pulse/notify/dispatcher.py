"""The notification dispatcher: queue, cooldown, grouping, per-channel workers with retries.

The alert engine calls `alert_fired/resolved/acknowledged/escalated` (non-blocking: they only
enqueue). One consumer task applies the policy (acknowledged, cooldown, quiet hours) and collects
events into a batch for the grouping window; when the window closes every channel gets ONE
notification for the batch, through its own worker task and bounded queue, so a dead webhook or
mail server only ever delays itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pulse.alerts.model import Alert
from pulse.notify.delivery import (
    DEFAULT_RETRY_DELAYS,
    Channel,
    Clock,
    EventKind,
    Notification,
    SystemClock,
    send_with_retries,
)

log = logging.getLogger(__name__)

DEFAULT_COOLDOWN_S = 5 * 60.0
DEFAULT_WINDOW_S = 30.0
EVENT_QUEUE_SIZE = 2000
CHANNEL_QUEUE_SIZE = 50
SEND_TIMEOUT_S = 30.0
MAX_TRACKED_IDS = 10_000

ChannelSource = Callable[[], Sequence[Channel]]
# Returns a reason ("quiet hours", "maintenance") when a notification must not go out now.
Suppressor = Callable[[Alert, datetime], str | None]


def delivery_timing(alerts_section: Any) -> tuple[float, float]:
    """(cooldown seconds, grouping window seconds) from the alert config's `schedule`.

    Zero or missing values mean the notifier's defaults (5 min, 30 s), as in the reference.
    """
    schedule = alerts_section.get("schedule") if isinstance(alerts_section, Mapping) else None
    if not isinstance(schedule, Mapping):
        return DEFAULT_COOLDOWN_S, DEFAULT_WINDOW_S

    def positive(value: Any) -> float | None:
        ok = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
        return float(value) if ok else None

    cooldown = positive(schedule.get("cooldown"))
    window = positive(schedule.get("groupingWindow"))
    grouping = schedule.get("grouping")
    if window is None and isinstance(grouping, Mapping):
        window = positive(grouping.get("window"))
    return (
        cooldown * 60 if cooldown is not None else DEFAULT_COOLDOWN_S,
        window if window is not None else DEFAULT_WINDOW_S,
    )


@dataclass(slots=True)
class _Event:
    kind: str  # "fired" | "resolved" | "acknowledged" | "escalated"
    alert: Alert
    target: str = "all"  # escalation: "email" | "webhook" | "all"


@dataclass(slots=True)
class _Batch:
    fired: dict[str, Alert] = field(default_factory=dict)
    resolved: dict[str, Alert] = field(default_factory=dict)
    escalated: dict[str, dict[str, Alert]] = field(default_factory=dict)

    def empty(self) -> bool:
        return not (self.fired or self.resolved or any(self.escalated.values()))


class _ChannelWorker:
    """One task per channel: sends its queued notifications one after another, with retries."""

    def __init__(self, dispatcher: NotificationDispatcher, key: str) -> None:
        self.queue: asyncio.Queue[tuple[Channel, Notification]] = asyncio.Queue(CHANNEL_QUEUE_SIZE)
        self.task = asyncio.create_task(self._run(dispatcher), name=f"notify-{key}")

    def offer(self, channel: Channel, notification: Notification) -> None:
        if self.queue.full():
            # The channel is far behind (retrying a dead endpoint); drop its oldest message.
            self.queue.get_nowait()
            self.queue.task_done()
            log.warning("notification queue for %s is full; dropped the oldest", channel.label)
        self.queue.put_nowait((channel, notification))

    async def _run(self, dispatcher: NotificationDispatcher) -> None:
        while True:
            channel, notification = await self.queue.get()
            try:
                ok = await send_with_retries(
                    functools.partial(channel.send, notification),
                    label=channel.label,
                    delays=dispatcher.retry_delays,
                    attempt_timeout=dispatcher.send_timeout,
                )
                dispatcher.record_result(channel, notification, ok)
            except Exception:
                log.exception("notification to %s failed unexpectedly", channel.label)
            finally:
                self.queue.task_done()


class NotificationDispatcher:
    """Owns notification policy and delivery. Start with `start()`, stop with `stop()`."""

    def __init__(
        self,
        channels: ChannelSource,
        *,
        timing: Callable[[], tuple[float, float]] | None = None,
        clock: Clock | None = None,
        window: float | None = None,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        send_timeout: float = SEND_TIMEOUT_S,
        suppressor: Suppressor | None = None,
    ) -> None:
        self._channels = channels
        self._timing = timing or (lambda: (DEFAULT_COOLDOWN_S, DEFAULT_WINDOW_S))
        self.clock: Clock = clock or SystemClock()
        self._window_override = window
        self.retry_delays = tuple(retry_delays)
        self.send_timeout = send_timeout
        self.suppressor = suppressor
        self._events: asyncio.Queue[_Event] = asyncio.Queue(EVENT_QUEUE_SIZE)
        self._batch = _Batch()
        self._flush_task: asyncio.Task[None] | None = None
        self._consumer: asyncio.Task[None] | None = None
        self._workers: dict[str, _ChannelWorker] = {}
        # id -> (monotonic time queued, level rank): cooldown and escalation-by-level.
        self._notified: OrderedDict[str, tuple[float, int]] = OrderedDict()
        self._open: OrderedDict[str, None] = OrderedDict()  # notified, not yet resolved
        self._acked: OrderedDict[str, None] = OrderedDict()
        self.stats = {"sent": 0, "failed": 0, "dropped": 0, "suppressed": 0}
        self._on_stop: list[Callable[[], Awaitable[None]]] = []
        # Serialises read-modify-write of the `email`/`webhooks` store sections (API handlers).
        self.config_lock = asyncio.Lock()

    def on_stop(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Run `callback` after the tasks stopped (closing the HTTP session)."""
        self._on_stop.append(callback)

    # -- the alert engine's interface (non-blocking) --------------------------------------------

    def alert_fired(self, alert: Alert) -> None:
        """A new alert (or one whose level rose). Notified after the grouping window."""
        self._enqueue(_Event("fired", alert))

    def alert_resolved(self, alert: Alert) -> None:
        """An alert cleared; channels with notifyOnResolve hear about it if they heard it fire."""
        self._enqueue(_Event("resolved", alert))

    def alert_acknowledged(self, alert: Alert) -> None:
        """A user acknowledged the alert: it is not (re-)sent until it resolves."""
        self._enqueue(_Event("acknowledged", alert))

    def alert_escalated(self, alert: Alert, notify: str = "all") -> None:
        """Re-notify an unacknowledged alert (escalation level reached); bypasses the cooldown.

        `notify` picks the channels: "email", "webhook" or "all".
        """
        target = notify if notify in ("email", "webhook") else "all"
        self._enqueue(_Event("escalated", alert, target))

    def _enqueue(self, event: _Event) -> None:
        try:
            self._events.put_nowait(event)
        except asyncio.QueueFull:
            self.stats["dropped"] += 1
            log.warning("notification queue full; dropped %s of %s", event.kind, event.alert.id)

    # -- life cycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        if self._consumer is None:
            self._consumer = asyncio.create_task(self._consume(), name="notify-dispatcher")

    async def stop(self) -> None:
        """Cancel every task; undelivered notifications are dropped (logged by count)."""
        tasks = [t for t in (self._consumer, self._flush_task) if t is not None]
        tasks += [w.task for w in self._workers.values()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        pending = sum(w.queue.qsize() for w in self._workers.values())
        if pending:
            log.info("notifier stopped with %d undelivered notification(s)", pending)
        self._consumer = self._flush_task = None
        self._workers.clear()
        for callback in self._on_stop:
            await callback()

    async def drain(self) -> None:
        """Process every queued event, send the open batch now and wait for all channels."""
        await self._events.join()
        if self._flush_task is not None:
            self._flush_task.cancel()
            self._flush_task = None
        self._flush()
        for worker in list(self._workers.values()):
            await worker.queue.join()

    @property
    def window(self) -> float:
        if self._window_override is not None:
            return self._window_override
        return self._timing()[1]

    # -- policy ---------------------------------------------------------------------------------

    async def _consume(self) -> None:
        while True:
            event = await self._events.get()
            try:
                self._apply(event)
            except Exception:
                log.exception("notification event for %s failed", event.alert.id)
            finally:
                self._events.task_done()

    def _apply(self, event: _Event) -> None:
        alert, batch = event.alert, self._batch
        if event.kind == "acknowledged":
            _remember(self._acked, alert.id)
            batch.fired.pop(alert.id, None)
            for group in batch.escalated.values():
                group.pop(alert.id, None)
            return
        if event.kind == "resolved":
            self._acked.pop(alert.id, None)
            batch.fired.pop(alert.id, None)
            if alert.id in self._open:  # only tell channels about alerts they heard fire
                del self._open[alert.id]
                batch.resolved[alert.id] = alert
            return
        if alert.acknowledged or alert.id in self._acked:
            return
        reason = self.suppressor(alert, self.clock.now()) if self.suppressor else None
        if reason:
            self.stats["suppressed"] += 1
            log.debug("notification for %s suppressed (%s)", alert.id, reason)
            return
        now = self.clock.monotonic()
        if event.kind == "fired":
            cooldown = self._timing()[0]
            last = self._notified.get(alert.id)
            if last is not None and now - last[0] < cooldown and alert.level.rank <= last[1]:
                return
            batch.fired[alert.id] = alert
        else:
            batch.escalated.setdefault(event.target, {})[alert.id] = alert
        batch.resolved.pop(alert.id, None)
        _remember(self._notified, alert.id, (now, alert.level.rank))
        _remember(self._open, alert.id)
        if self._flush_task is None:
            self._flush_task = asyncio.create_task(self._flush_later(), name="notify-batch")

    async def _flush_later(self) -> None:
        await asyncio.sleep(self.window)
        self._flush_task = None
        self._flush()

    # -- delivery -------------------------------------------------------------------------------

    def _flush(self) -> None:
        batch, self._batch = self._batch, _Batch()
        if batch.empty():
            return
        sent_at = self.clock.now()
        try:
            channels = list(self._channels())
        except Exception:
            log.exception("cannot read notification channels; batch dropped")
            return
        for channel in channels:
            for notification in _notifications_for(channel, batch, sent_at):
                worker = self._workers.get(channel.key)
                if worker is None or worker.task.done():
                    worker = self._workers[channel.key] = _ChannelWorker(self, channel.key)
                worker.offer(channel, notification)
        self._retire_workers({c.key for c in channels})

    def _retire_workers(self, live_keys: set[str]) -> None:
        for key in [k for k, w in self._workers.items() if k not in live_keys and w.queue.empty()]:
            self._workers.pop(key).task.cancel()

    def record_result(self, channel: Channel, notification: Notification, ok: bool) -> None:
        self.stats["sent" if ok else "failed"] += 1


def _notifications_for(channel: Channel, batch: _Batch, sent_at: datetime) -> list[Notification]:
    out: list[Notification] = []
    fired = dict(batch.fired)
    for target, group in batch.escalated.items():
        if target in ("all", channel.kind):
            fired.update(group)
    if fired:
        out.append(Notification(EventKind.FIRED, tuple(fired.values()), sent_at))
    if batch.resolved and channel.notify_on_resolve:
        out.append(Notification(EventKind.RESOLVED, tuple(batch.resolved.values()), sent_at))
    return out


def _remember(table: OrderedDict[str, Any], key: str, value: Any = None) -> None:
    """Insert or refresh `key`, forgetting the oldest entries beyond MAX_TRACKED_IDS."""
    table[key] = value
    table.move_to_end(key)
    while len(table) > MAX_TRACKED_IDS:
        table.popitem(last=False)
