"""`StateStore`: the latest immutable `State`, its serialised bytes, and who hears about it.

Publishing a snapshot runs the cycle hooks (the alerts engine evaluates there), bumps the version,
serialises the state once (with the alert provider's lists) and hands the bytes to subscribers
(the websocket hub). Readers only ever see whole snapshots: `snapshot` is swapped atomically.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from pulse import jsonio
from pulse.models import JSON, State

log = logging.getLogger(__name__)

CycleHook = Callable[[State], None]
AlertProvider = Callable[[], tuple[list[JSON], list[JSON]]]
Subscriber = Callable[[State, bytes], None]


def _no_alerts() -> tuple[list[JSON], list[JSON]]:
    return [], []


class StateStore:
    """Owner of the published state. One per application, survives every reconfiguration."""

    def __init__(self) -> None:
        self._snapshot = State()
        self._version = 0
        self._bytes: bytes | None = None
        self._hooks: list[CycleHook] = []
        self._subscribers: list[Subscriber] = []
        self._alerts: AlertProvider = _no_alerts

    @property
    def snapshot(self) -> State:
        """The latest published state (immutable; keep a reference for a consistent read)."""
        return self._snapshot

    @property
    def version(self) -> int:
        """Incremented by every publish; 0 before the first one."""
        return self._version

    def add_cycle_hook(self, hook: CycleHook) -> None:
        """`hook(state)` runs after a snapshot is assembled and before it is serialised and
        broadcast. It must be fast and must not block; an exception is logged and ignored."""
        self._hooks.append(hook)

    def set_alert_provider(self, provider: AlertProvider) -> None:
        """`provider()` -> (activeAlerts, recentlyResolved) as JSON-ready dicts."""
        self._alerts = provider
        self._bytes = None

    def subscribe(self, subscriber: Subscriber) -> None:
        """`subscriber(state, state_bytes)` after every publish (the hub broadcasts rawData)."""
        self._subscribers.append(subscriber)

    def publish(self, state: State) -> None:
        for hook in self._hooks:
            try:
                hook(state)
            except Exception:
                log.exception("state cycle hook %r failed", hook)
        self._snapshot = state
        self._version += 1
        self._bytes = None
        body = self.state_bytes()
        for subscriber in self._subscribers:
            try:
                subscriber(state, body)
            except Exception:
                log.exception("state subscriber %r failed", subscriber)

    def invalidate(self) -> None:
        """Re-serialise on the next read (call after alerts changed outside a cycle)."""
        self._bytes = None

    def state_bytes(self) -> bytes:
        """The `/api/state` body: serialised once per snapshot (or after `invalidate`)."""
        if self._bytes is None:
            self._bytes = jsonio.dumps(self.state_json())
        return self._bytes

    def state_json(self) -> JSON:
        try:
            active, resolved = self._alerts()
        except Exception:
            log.exception("alert provider failed")
            active, resolved = [], []
        return self._snapshot.to_json(active, resolved)
