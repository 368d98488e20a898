"""The notification dispatcher: queue, cooldown, grouping, per-channel workers with retries.

The alert engine calls `alert_fired/resolved/acknowledged/escalated` (non-blocking: they only
enqueue). One consumer task applies the policy (acknowledged, cooldown, maxAlertsHour, quiet
hours, maintenance: all from the alert configuration's `Schedule`) and collects events into a
batch for the grouping window; when the window closes every channel gets ONE notification for
the batch, through its own worker task and bounded queue, so a dead webhook or
mail server only ever delays itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pulse.alerts.model import Alert
from pulse.alerts.schedule import Schedule
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

EVENT_QUEUE_SIZE = 2000
CHANNEL_QUEUE_SIZE = 50
SEND_TIMEOUT_S = 30.0
MAX_TRACKED_IDS = 10_000
RATE_WINDOW_S = 3600.0  # `maxAlertsHour` counts notifications in this rolling window

ChannelSource = Callable[[], Sequence[Channel]]
# The alert configuration's schedule (cooldown, grouping window, quiet hours, maintenance,
# maxAlertsHour), read at each decision so that a saved or imported config applies at once.
ScheduleSource = Callable[[], Schedule]


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

    def unqueue(self, alert_id: str) -> None:
        self.fired.pop(alert_id, None)
        for group in self.escalated.values():
            group.pop(alert_id, None)


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
        schedule: ScheduleSource = Schedule,
        clock: Clock | None = None,
        window: float | None = None,
        retry_delays: Sequence[float] = DEFAULT_RETRY_DELAYS,
        send_timeout: float = SEND_TIMEOUT_S,
    ) -> None:
        self._channels = channels
        self.schedule = schedule
        self.clock: Clock = clock or SystemClock()
        self._window_override = window
        self.retry_delays = tuple(retry_delays)
        self.send_timeout = send_timeout
        self._events: asyncio.Queue[_Event] = asyncio.Queue(EVENT_QUEUE_SIZE)
        self._batch = _Batch()
        self._flush_task: asyncio.Task[None] | None = None
        self._consumer: asyncio.Task[None] | None = None
        self._workers: dict[str, _ChannelWorker] = {}
        # id -> (monotonic times queued within the last hour, level rank of the last):
        # cooldown, maxAlertsHour and "a higher level is news".
        self._notified: OrderedDict[str, tuple[list[float], int]] = OrderedDict()
        self._open: OrderedDict[str, None] = OrderedDict()  # sent, not yet resolved
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
        return self.schedule().window_seconds

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
        if event.kind in ("acknowledged", "resolved"):
            batch.unqueue(alert.id)  # not sent yet: it never will be
            if event.kind == "acknowledged":
                _remember(self._acked, alert.id)
                return
            self._acked.pop(alert.id, None)
            if alert.id in self._open:  # only alerts the channels heard fire
                del self._open[alert.id]
                batch.resolved[alert.id] = alert
            return
        if alert.acknowledged or alert.id in self._acked:
            return
        schedule = self.schedule()
        reason = schedule.suppression(alert, self.clock.now())
        now = self.clock.monotonic()
        times, rank = self._notified.get(alert.id, ([], -1))
        times = [t for t in times if now - t < RATE_WINDOW_S]
        if not reason and event.kind == "fired":
            if times and now - times[-1] < schedule.cooldown_seconds and alert.level.rank <= rank:
                return  # cooling down (a higher level than last time is news, though)
            if 0 < schedule.max_alerts_hour <= len(times):
                reason = f"more than {schedule.max_alerts_hour} notifications in an hour"
        if reason:
            self.stats["suppressed"] += 1
            log.debug("notification for %s suppressed (%s)", alert.id, reason)
            return
        if event.kind == "fired":
            batch.fired[alert.id] = alert
        else:
            batch.escalated.setdefault(event.target, {})[alert.id] = alert
        batch.resolved.pop(alert.id, None)
        _remember(self._notified, alert.id, ([*times, now], alert.level.rank))
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
        for alert_id in [*batch.fired, *(i for g in batch.escalated.values() for i in g)]:
            _remember(self._open, alert_id)  # its resolution is news from now on
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
