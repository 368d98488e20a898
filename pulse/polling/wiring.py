"""Wires the monitoring core into the app: state store, websocket hub, pollers, their lifetime."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from pulse import keys
from pulse.polling.manager import PollerManager
from pulse.state.store import StateStore
from pulse.ws.hub import Hub


def setup_monitoring(app: web.Application) -> None:
    """Set STATE, HUB and POLLERS; pollers start with the app and stop with it."""
    store = StateStore()
    hub = Hub()
    app[keys.STATE] = store
    app[keys.HUB] = hub
    app[keys.POLLERS] = PollerManager(
        app[keys.NODES],
        app[keys.LIVE_SETTINGS],
        store,
        version=app[keys.BUILD_INFO].version,
        client_count=lambda: hub.client_count,
    )
    store.subscribe(lambda _state, body: hub.broadcast_state(body))
    app.cleanup_ctx.append(_pollers)
    app.on_shutdown.append(_close_websockets)


async def _pollers(app: web.Application) -> AsyncIterator[None]:
    manager = app[keys.POLLERS]
    await manager.start()
    yield
    await manager.stop()


async def _close_websockets(app: web.Application) -> None:
    await app[keys.HUB].close_all()
