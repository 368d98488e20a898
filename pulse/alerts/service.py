"""`AlertService`: the app's alert engine, its configuration, history and files, wired together.

Runs the engine in the state store's cycle hook (pure, no I/O), then hands new and resolved
alerts to the websocket hub and the notifier (both non-blocking) and marks the files dirty; a
background task writes them atomically in a worker thread. Owns the store section `alerts`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from aiohttp import web

from pulse import jsonio, keys
from pulse.alerts.collect import snapshot_of
from pulse.alerts.config import AlertConfig, parse_config
from pulse.alerts.engine import AlertEngine, Changes
from pulse.alerts.history import AlertHistory, HistoryQuery
from pulse.alerts.model import Alert
from pulse.alerts.parsing import AlertConfigError
from pulse.models import JSON, State
from pulse.store.atomic import atomic_write, remove_stale_temp_files
from pulse.store.config_store import ConfigStore

log = logging.getLogger(__name__)

SECTION = "alerts"
Clock = Callable[[], datetime]
BACKUP_GRACE = timedelta(minutes=10)  # backup lists arrive on a slow cadence after start
RESTORE_MAX_AGE = timedelta(hours=24)  # active alerts older than this are not restored
SAVE_COALESCE_S = 1.0
TICK_S = 60.0


class Notifier(Protocol):
    """The notification dispatcher's interface (pulse.notify); every call only enqueues."""

    def alert_fired(self, alert: Alert) -> None: ...
    def alert_resolved(self, alert: Alert) -> None: ...
    def alert_acknowledged(self, alert: Alert) -> None: ...
    def alert_escalated(self, alert: Alert, notify: str = "all") -> None: ...


class Broadcaster(Protocol):
    """The websocket hub (pulse.ws.hub.Hub)."""

    def broadcast(self, message_type: str, data: object) -> None: ...


class StateSource(Protocol):
    """The state store (pulse.state.store.StateStore)."""

    def add_cycle_hook(self, hook: Callable[[State], None]) -> None: ...
    def set_alert_provider(self, provider: Callable[[], tuple[list[JSON], list[JSON]]]) -> None: ...
    def invalidate(self) -> None: ...


def utc_now() -> datetime:
    return datetime.now(UTC)


class AlertService:
    def __init__(self, store: ConfigStore, data_dir: Path, *, clock: Clock = utc_now) -> None:
        self.store = store
        self.clock = clock
        self.directory = data_dir / "alerts"
        self.history_path = self.directory / "alert-history.json"
        self.active_path = self.directory / "active-alerts.json"
        self.config = self._stored_config()
        self.engine = AlertEngine(self.config)
        self.history = AlertHistory()
        self.notifier: Notifier | None = None
        self.hub: Broadcaster | None = None
        self.state: StateSource | None = None
        self._first_cycle: datetime | None = None
        self._saved_history = -1  # history version last written (-1: never)
        self._dirty = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        store.subscribe(self._store_changed)

    # -- configuration --------------------------------------------------------------------------

    def _stored_config(self) -> AlertConfig:
        section = self.store.get(SECTION)
        if section is None:
            return AlertConfig()
        try:
            return parse_config(section, now=self.clock())
        except AlertConfigError as exc:
            log.error("stored alert configuration is invalid (%s); using the defaults", exc)
            return AlertConfig()

    def _store_changed(self, changed: frozenset[str]) -> None:
        if SECTION in changed:  # our own saves, and config imports
            self._apply_config(self._stored_config())

    def _apply_config(self, config: AlertConfig) -> None:
        self.config = config
        self.engine.config = config

    async def update_config(self, config: AlertConfig) -> None:
        """Persist and apply a validated configuration (StoreError if it cannot be saved)."""
        await self.store.save({SECTION: config.to_json()})
        self._apply_config(config)

    # -- wiring ---------------------------------------------------------------------------------

    def attach(
        self,
        *,
        state: StateSource | None = None,
        hub: Broadcaster | None = None,
        notifier: Notifier | None = None,
    ) -> None:
        """Connect to the state store (cycle hook + alert provider), hub and notifier."""
        if state is not None:
            self.state = state
            state.add_cycle_hook(self.on_cycle)
            state.set_alert_provider(self.alert_lists)
        if hub is not None:
            self.hub = hub
        if notifier is not None:
            self.notifier = notifier

    # -- the cycle hook and the state's alert lists ---------------------------------------------

    def on_cycle(self, state: State) -> None:
        """Evaluate the fresh state (runs inside StateStore.publish; no I/O, no awaiting)."""
        now = self.clock()
        if self._first_cycle is None:
            self._first_cycle = now
        snapshot = snapshot_of(state, backups_ready=now - self._first_cycle >= BACKUP_GRACE)
        self._apply(self.engine.evaluate(snapshot, now), now)

    def alert_lists(self) -> tuple[list[JSON], list[JSON]]:
        """`activeAlerts` and `recentlyResolved` for /api/state."""
        now = self.clock()
        return (
            [alert.to_state_json() for alert in self.engine.active()],
            [alert.to_state_json() for alert in self.engine.recently_resolved(now)],
        )

    def _apply(self, changes: Changes, now: datetime) -> None:
        for alert in changes.fired:
            self.history.record(alert, now)
            self._broadcast("alert", alert.to_json())
            if self.notifier is not None:
                self.notifier.alert_fired(alert)
        for alert in changes.resolved:
            self._resolved(alert, now)
        if changes.changed:
            self._dirty.set()

    def _resolved(self, alert: Alert, now: datetime) -> None:
        self.history.record(alert, now)
        self._broadcast("alertResolved", {"alertId": alert.id})
        if self.notifier is not None:
            self.notifier.alert_resolved(alert)

    def _broadcast(self, message_type: str, data: object) -> None:
        if self.hub is not None:
            self.hub.broadcast(message_type, data)

    def _changed_outside_cycle(self) -> None:
        self._dirty.set()
        if self.state is not None:
            self.state.invalidate()

    # -- user actions ---------------------------------------------------------------------------

    def acknowledge(self, alert_ids: Iterable[str], user: str) -> list[Alert]:
        now = self.clock()
        done = []
        for alert_id in alert_ids:
            alert = self.engine.acknowledge(alert_id, user, now)
            if alert is not None:
                done.append(alert)
                self.history.record(alert, now)
                if self.notifier is not None:
                    self.notifier.alert_acknowledged(alert)
        if done:
            self._changed_outside_cycle()
        return done

    def unacknowledge(self, alert_ids: Iterable[str]) -> list[Alert]:
        now = self.clock()
        done = [a for a in map(self.engine.unacknowledge, alert_ids) if a is not None]
        for alert in done:
            self.history.record(alert, now)
        if done:
            self._changed_outside_cycle()
        return done

    def clear(self, alert_ids: Iterable[str]) -> list[Alert]:
        now = self.clock()
        done = [a for a in (self.engine.clear(i, now) for i in alert_ids) if a is not None]
        for alert in done:
            self._resolved(alert, now)
        if done:
            self._changed_outside_cycle()
        return done

    def clear_history(self) -> None:
        self.history.clear()
        self._dirty.set()

    def history_page(self, query: HistoryQuery) -> list[Alert]:
        return self.history.query(query)

    # -- files ----------------------------------------------------------------------------------

    def load(self) -> None:
        """Read history and active alerts (blocking: call before the loop serves requests)."""
        now = self.clock()
        if self.directory.exists():
            remove_stale_temp_files(self.history_path)
            remove_stale_temp_files(self.active_path)
        with contextlib.suppress(FileNotFoundError):
            self.history.load(self.history_path.read_bytes(), now)
        try:
            raw = self.active_path.read_bytes()
        except FileNotFoundError:
            return
        try:
            items = jsonio.loads(raw)
        except ValueError:
            log.warning("%s is not valid JSON; no active alerts restored", self.active_path)
            return
        alerts = [Alert.from_json(item) for item in items] if isinstance(items, list) else []
        # An alert not seen for a day is history, not news; the next cycles re-raise what
        # still holds. The rest come back without a new notification.
        fresh = [a for a in alerts if a and not a.resolved and now - a.last_seen < RESTORE_MAX_AGE]
        self.engine.restore(fresh)
        log.info("restored %d active alert(s), %d history entries", len(fresh), len(self.history))

    async def save(self) -> None:
        """Write the active alerts, and the history if it changed since the last write, each
        atomically in a worker thread (the minute tick saves lastSeen; rewriting thousands of
        history entries with it every minute would be waste)."""
        version = self.history.version
        history = self.history.to_bytes() if version != self._saved_history else None
        active = jsonio.dumps([alert.to_json() for alert in self.engine.active()])
        await asyncio.to_thread(self._write, history, active)
        self._saved_history = version

    def _write(self, history: bytes | None, active: bytes) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if history is not None:
            atomic_write(self.history_path, history, mode=0o600)
        atomic_write(self.active_path, active, mode=0o600)

    # -- background tasks -----------------------------------------------------------------------

    async def start(self) -> None:
        if self.store.get(SECTION) is None:  # one default, written once: API and engine agree
            with contextlib.suppress(Exception):
                await self.store.save({SECTION: self.config.to_json()})
        self._tasks = [
            asyncio.create_task(self._save_loop(), name="alerts-save"),
            asyncio.create_task(self._tick_loop(), name="alerts-tick"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        try:
            await self.save()
        except OSError as exc:
            log.error("cannot save alerts at shutdown: %s", exc)

    async def _save_loop(self) -> None:
        while True:
            await self._dirty.wait()
            await asyncio.sleep(SAVE_COALESCE_S)  # one write for a burst of changes
            self._dirty.clear()
            try:
                await self.save()
            except OSError as exc:
                log.error("cannot save alert files in %s: %s", self.directory, exc)

    async def _tick_loop(self) -> None:
        while True:
            await asyncio.sleep(TICK_S)
            self.tick()

    def tick(self) -> None:
        """Once a minute: escalate unacknowledged alerts, prune history, save lastSeen."""
        now = self.clock()
        for alert, level in self.engine.due_escalations(now):
            self.history.record(alert, now)
            self._broadcast("alert", alert.to_json())
            if self.notifier is not None:
                self.notifier.alert_escalated(alert, str(level.notify))
        self.history.prune(now)
        if self.engine.active():
            self._dirty.set()


async def alerts_context(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: start the save and escalation tasks; save everything on shutdown."""
    service = app[keys.ALERTS]
    # Attached at start-up, when every component's key is set whatever the wiring order.
    service.attach(state=app.get(keys.STATE), hub=app.get(keys.HUB))
    await service.start()
    yield
    await service.stop()
