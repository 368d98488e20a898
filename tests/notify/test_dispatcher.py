"""The dispatcher's policy: grouping, cooldown, escalation, acknowledgement, resolve, retries."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from pulse import keys
from pulse.alerts.model import Alert, Metric
from pulse.alerts.schedule import QuietHours, Schedule, parse_schedule
from pulse.notify.delivery import Channel, DeliveryError, Notification
from pulse.notify.dispatcher import NotificationDispatcher
from tests.alerts.factories import make_alert
from tests.notify.servers import Receiver

Client = TestClient[web.Request, web.Application]
T0 = datetime(2025, 8, 12, 10, 0, tzinfo=UTC)


@dataclass
class ManualClock:
    t: float = 1000.0
    wall: datetime = T0

    def monotonic(self) -> float:
        return self.t

    def now(self) -> datetime:
        return self.wall

    def advance(self, seconds: float) -> None:
        self.t += seconds
        self.wall += timedelta(seconds=seconds)


@dataclass
class Recorder:
    """A channel that records what it is asked to send (and can fail on demand)."""

    key: str = "rec"
    kind: str = "webhook"
    notify_on_resolve: bool = True
    failures: list[DeliveryError] = field(default_factory=list)
    sent: list[Notification] = field(default_factory=list)
    attempts: int = 0
    block: asyncio.Event | None = None

    async def send(self, notification: Notification) -> None:
        self.attempts += 1
        if self.block is not None:
            await self.block.wait()
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(notification)

    def channel(self) -> Channel:
        return Channel(self.key, self.kind, self.key, self.notify_on_resolve, self.send)

    def ids(self) -> list[list[str]]:
        return [[a.id for a in n.alerts] for n in self.sent]


def alert(i: int, level: str = "warning") -> Alert:
    return make_alert(f"g{i}", level=level, name=f"vm{i}", start=T0)


@pytest.fixture
async def setup() -> AsyncIterator[tuple[NotificationDispatcher, list[Recorder], ManualClock]]:
    clock = ManualClock()
    recorders = [Recorder()]
    dispatcher = NotificationDispatcher(
        lambda: [r.channel() for r in recorders], clock=clock, window=0.05,
        retry_delays=(0.01, 0.02),
    )  # fmt: skip
    await dispatcher.start()
    yield dispatcher, recorders, clock
    await dispatcher.stop()


async def test_a_burst_is_one_notification_after_the_window(setup) -> None:  # type: ignore[no-untyped-def]
    dispatcher, [rec], _ = setup
    for i in range(31):
        dispatcher.alert_fired(alert(i))
    dispatcher.alert_fired(alert(0))  # a repeat inside the window is not listed twice
    await asyncio.sleep(0.2)  # the real window (0.05 s) closes on its own
    assert len(rec.sent) == 1
    assert len(rec.ids()[0]) == 31


async def test_cooldown_and_level_escalation(setup) -> None:  # type: ignore[no-untyped-def]
    dispatcher, [rec], clock = setup
    dispatcher.alert_fired(alert(1))
    await dispatcher.drain()
    clock.advance(60)
    dispatcher.alert_fired(alert(1))  # same level within 5 min: dropped
    await dispatcher.drain()
    assert rec.ids() == [["g1-cpu"]]
    dispatcher.alert_fired(alert(1, "critical"))  # level rose: sent despite the cooldown
    await dispatcher.drain()
    clock.advance(60)
    dispatcher.alert_fired(alert(1, "critical"))
    await dispatcher.drain()
    assert rec.ids() == [["g1-cpu"], ["g1-cpu"]]
    clock.advance(301)
    dispatcher.alert_fired(alert(1, "critical"))  # cooldown over
    await dispatcher.drain()
    assert len(rec.sent) == 3


async def test_acknowledged_alerts_are_not_sent_and_resolve_is_per_channel(setup) -> None:  # type: ignore[no-untyped-def]
    dispatcher, recorders, clock = setup
    quiet = Recorder(key="quiet", notify_on_resolve=False)
    recorders.append(quiet)
    dispatcher.alert_fired(alert(1))
    dispatcher.alert_fired(alert(2))
    dispatcher.alert_acknowledged(alert(2))  # acknowledged inside the window: dropped
    await dispatcher.drain()
    assert recorders[0].ids() == [["g1-cpu"]]
    clock.advance(600)
    dispatcher.alert_fired(alert(2))  # still acknowledged
    dispatcher.alert_fired(replace(alert(3), acknowledged=True))
    await dispatcher.drain()
    assert len(recorders[0].sent) == 1
    dispatcher.alert_resolved(replace(alert(1), resolved_time=clock.now()))
    dispatcher.alert_resolved(alert(7))  # never notified: no "resolved" either
    await dispatcher.drain()
    assert [n.kind for n in recorders[0].sent] == ["fired", "resolved"]
    assert recorders[0].ids()[1] == ["g1-cpu"]
    assert [n.kind for n in quiet.sent] == ["fired"]


async def test_retries_then_gives_up_and_never_blocks_other_channels(setup) -> None:  # type: ignore[no-untyped-def]
    dispatcher, recorders, _ = setup
    flaky = recorders[0]
    flaky.failures += [
        DeliveryError("503", retryable=True),
        DeliveryError("timeout", retryable=True),
    ]
    dead = Recorder(key="dead", block=asyncio.Event())  # hangs until its timeout
    broken = Recorder(key="broken", failures=[DeliveryError("400", retryable=False)])
    recorders += [dead, broken]
    dispatcher.send_timeout = 0.1
    dispatcher.alert_fired(alert(1))
    await asyncio.wait_for(dispatcher.drain(), 2)
    assert (flaky.attempts, len(flaky.sent)) == (3, 1)  # two retries, then delivered
    assert (broken.attempts, broken.sent) == (1, [])  # permanent errors are not retried
    assert (dead.attempts, dead.sent) == (3, [])  # timed out three times, gave up
    assert dispatcher.stats["failed"] == 2


async def test_quiet_hours_suppressor_and_escalation_targets(setup) -> None:  # type: ignore[no-untyped-def]
    dispatcher, recorders, _ = setup
    mail = Recorder(key="email", kind="email")
    recorders.append(mail)
    quiet = QuietHours(enabled=True, start="09:00", end="12:00", timezone="UTC")
    dispatcher.schedule = lambda: Schedule(quiet_hours=quiet)  # T0 is 10:00 UTC
    dispatcher.alert_fired(alert(1))
    dispatcher.alert_fired(alert(2, "critical"))
    await dispatcher.drain()
    assert recorders[0].ids() == [["g2-cpu"]]
    dispatcher.alert_escalated(alert(2, "critical"), "email")  # bypasses the cooldown
    await dispatcher.drain()
    assert mail.ids() == [["g2-cpu"], ["g2-cpu"]]
    assert recorders[0].ids() == [["g2-cpu"]]


def test_timing_comes_from_the_alert_schedule() -> None:
    def timing(schedule: dict[str, object]) -> tuple[float, float]:
        parsed = parse_schedule(schedule, "schedule", now=T0)
        return parsed.cooldown_seconds, parsed.window_seconds

    assert timing({}) == (300.0, 30.0)
    assert timing({"cooldown": 0, "groupingWindow": 0, "grouping": {"window": 0}}) == (300.0, 30.0)
    assert timing({"cooldown": 10, "groupingWindow": 0, "grouping": {"window": 5}}) == (600.0, 5.0)
    assert timing({"groupingWindow": 3600, "grouping": {"window": 86400}})[1] == 3600.0


async def test_an_alert_gone_within_the_window_is_never_announced(setup) -> None:  # type: ignore[no-untyped-def]
    dispatcher, [rec], clock = setup
    dispatcher.alert_fired(alert(1))
    dispatcher.alert_fired(alert(2))
    dispatcher.alert_resolved(replace(alert(1), resolved_time=clock.now()))  # same window
    await dispatcher.drain()
    assert rec.ids() == [["g2-cpu"]]  # no "fired" and no "resolved" for g1
    assert [n.kind for n in rec.sent] == ["fired"]
    clock.advance(600)
    dispatcher.alert_fired(alert(2, "critical"))  # announced before, re-queued, then resolved
    dispatcher.alert_resolved(replace(alert(2), resolved_time=clock.now()))
    await dispatcher.drain()
    assert [(n.kind, [a.id for a in n.alerts]) for n in rec.sent[1:]] == [("resolved", ["g2-cpu"])]


async def test_max_alerts_per_hour_per_alert(setup) -> None:  # type: ignore[no-untyped-def]
    dispatcher, [rec], clock = setup
    dispatcher.schedule = lambda: Schedule(cooldown=1, max_alerts_hour=2)
    for _ in range(4):
        dispatcher.alert_fired(alert(1))
        await dispatcher.drain()
        clock.advance(61)  # past the one-minute cooldown each time
    assert rec.ids() == [["g1-cpu"], ["g1-cpu"]]
    assert dispatcher.stats["suppressed"] == 2
    clock.advance(3600)  # the rolling hour is over
    dispatcher.alert_fired(alert(1))
    await dispatcher.drain()
    assert len(rec.sent) == 3


async def test_node_down_with_many_guests_is_one_webhook_call_with_retries(
    app_client: Callable[..., Awaitable[Client]], receiver: Receiver
) -> None:
    client = await app_client()
    made = await client.post("/api/notifications/webhooks",
                             json={"name": "hook", "url": receiver.url + "/h", "service": "generic"})  # fmt: skip
    assert made.status == 200
    notifier = client.app[keys.NOTIFIER]
    notifier.retry_delays = (0.01, 0.01, 0.01)
    receiver.statuses += [503, 429]
    for i in range(30):
        notifier.alert_fired(alert(i))
    notifier.alert_fired(make_alert("pve1-pve1", metric=Metric.OFFLINE, level="critical"))
    await notifier.drain()
    assert len(receiver.requests) == 3  # 503, 429, then 200: one notification, retried
    payload = receiver.requests[-1].json()
    assert payload["count"] == 31
    assert payload["grouped"] is True
