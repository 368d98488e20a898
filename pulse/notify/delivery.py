"""What a channel sends (a Notification), how a send fails, and the bounded retry schedule."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from time import monotonic
from typing import Protocol

from pulse.alerts.model import Alert

log = logging.getLogger(__name__)

MAX_RETRY_DELAY = 30.0
DEFAULT_RETRY_DELAYS = (1.0, 2.0, 4.0)  # 1 s doubling, 3 retries (the reference's schedule)


class EventKind(StrEnum):
    FIRED = "fired"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class Notification:
    """One message to one channel: a batch of new (or escalated) alerts, or of resolved ones."""

    kind: EventKind
    alerts: tuple[Alert, ...]
    sent_at: datetime

    @property
    def resolved(self) -> bool:
        return self.kind is EventKind.RESOLVED


@dataclass(frozen=True, slots=True)
class Channel:
    """One enabled destination (the e-mail settings or one webhook) with its bound sender."""

    key: str  # "email" or "webhook:<id>": one worker task and queue per key
    kind: str  # "email" | "webhook" (escalation levels pick channels by kind)
    label: str  # for logs; never contains a secret
    notify_on_resolve: bool
    send: Callable[[Notification], Awaitable[None]]


class DeliveryError(Exception):
    """A send failed. `retryable` says whether trying again may help (timeouts, 5xx, 429)."""

    def __init__(self, message: str, *, retryable: bool, retry_after: float | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class Clock(Protocol):
    """Time as the dispatcher sees it; tests inject a manual clock."""

    def monotonic(self) -> float: ...

    def now(self) -> datetime: ...


class SystemClock:
    def monotonic(self) -> float:
        return monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC).astimezone()


Send = Callable[[], Awaitable[None]]


async def send_with_retries(
    send: Send,
    *,
    label: str,
    delays: Sequence[float],
    attempt_timeout: float,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> bool:
    """Run `send` until it succeeds, fails permanently or the retries are used up.

    Timeouts and retryable DeliveryErrors are retried after delays[i] (or the server's
    Retry-After when larger), each capped at MAX_RETRY_DELAY. Returns True when delivered.
    """
    attempts = len(delays) + 1
    for attempt in range(attempts):
        retry_after: float | None = None
        try:
            async with asyncio.timeout(attempt_timeout):
                await send()
        except DeliveryError as exc:
            if not exc.retryable or attempt == attempts - 1:
                log.warning("notification to %s failed: %s", label, exc)
                return False
            retry_after = exc.retry_after
            log.info("notification to %s failed (%s); retrying", label, exc)
        except TimeoutError:
            if attempt == attempts - 1:
                log.warning("notification to %s timed out after %s s", label, attempt_timeout)
                return False
            log.info("notification to %s timed out; retrying", label)
        else:
            return True
        await sleep(min(MAX_RETRY_DELAY, max(delays[attempt], retry_after or 0.0)))
    return False
