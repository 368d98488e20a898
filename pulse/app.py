"""`create_app(settings)`: the one place that wires every part of Pulse together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

from aiohttp import web

from pulse import keys
from pulse.alerts.service import AlertService, alerts_context
from pulse.api.diagnostics import Diagnostics, diagnostics_context
from pulse.api.metrics import MetricsExporter
from pulse.api.middlewares import error_middleware
from pulse.api.routes import setup_routes
from pulse.buildinfo import detect
from pulse.config.init_import import import_initial_config
from pulse.config.live import LiveSettings
from pulse.config.migrate import migrate_upstream
from pulse.config.nodes import NodeRegistry
from pulse.config.settings import Settings
from pulse.logs import secret_filter
from pulse.notify.service import create_notifier, notifier_context
from pulse.polling.wiring import setup_monitoring
from pulse.registration.wiring import setup_onboarding
from pulse.security.audit import AuditLog
from pulse.security.wiring import MIDDLEWARES as SECURITY_MIDDLEWARES
from pulse.security.wiring import setup_security
from pulse.store.config_store import ConfigStore
from pulse.updates.checker import UpdateChecker
from pulse.updates.schedule import run_auto_checks

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 2 * 1024 * 1024  # config imports are the largest bodies


def _watch_secrets(settings: Settings, store: ConfigStore) -> None:
    """Keep the log filter's list of secrets equal to what the store and environment hold."""

    def refresh(_changed: frozenset[str] = frozenset()) -> None:
        secret_filter.set_secrets(
            store.secret_values()
            | {s for s in (settings.api_token, settings.password) if s}
            | ({settings.init_config_passphrase} - {""})
        )

    refresh()
    store.subscribe(refresh)


async def _audit_log(app: web.Application) -> AsyncIterator[None]:
    app[keys.AUDIT].start()
    yield
    app[keys.AUDIT].stop()


async def _auto_update_checks(app: web.Application) -> AsyncIterator[None]:
    task = asyncio.create_task(run_auto_checks(app[keys.UPDATES], app[keys.LIVE_SETTINGS]))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


def create_app(settings: Settings, *, store: ConfigStore | None = None) -> web.Application:
    """Build the application. Loads the config store; raises StartupError if it cannot."""
    if store is None:
        store = ConfigStore(settings.data_dir)
        store.load()
        migrate_upstream(store, take_api_token=not settings.api_token)
        import_initial_config(settings, store)  # PULSE_INIT_CONFIG_* on a never-saved store
    _watch_secrets(settings, store)

    app = web.Application(
        middlewares=[error_middleware, *SECURITY_MIDDLEWARES],
        client_max_size=MAX_REQUEST_BYTES,
    )
    app[keys.SETTINGS] = settings
    app[keys.STORE] = store
    app[keys.LIVE_SETTINGS] = LiveSettings(settings, store)
    app[keys.BUILD_INFO] = detect()
    app[keys.STARTED_AT] = time.monotonic()
    app[keys.NODES] = NodeRegistry(store)
    app[keys.AUDIT] = AuditLog(settings.data_dir)
    app.cleanup_ctx.append(_audit_log)
    setup_security(app, settings, store)
    setup_monitoring(app)  # state store, websocket hub, pollers (monitoring area)
    app[keys.NOTIFIER] = create_notifier(store, app[keys.NODES])
    app.cleanup_ctx.append(notifier_context)
    app[keys.ALERTS] = alerts = AlertService(store, settings.data_dir)
    alerts.load()
    alerts.attach(notifier=app[keys.NOTIFIER])
    # cooldown, grouping window, maxAlertsHour, quiet hours, maintenance: one parsed config
    app[keys.NOTIFIER].schedule = lambda: alerts.config.schedule
    app.cleanup_ctx.append(alerts_context)
    build = app[keys.BUILD_INFO]
    app[keys.UPDATES] = UpdateChecker(
        current_version=build.version, index_url=settings.update_server, is_docker=build.is_docker
    )
    app.cleanup_ctx.append(_auto_update_checks)
    setup_onboarding(app)  # registration tokens, discovery (config/onboarding area)
    app[keys.METRICS] = MetricsExporter(app)  # /metrics: a registry per app, read at scrape time
    app[keys.DIAGNOSTICS] = Diagnostics()
    app.cleanup_ctx.append(diagnostics_context)

    setup_routes(app)
    return app
