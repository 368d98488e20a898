"""Every typed `web.AppKey` of the application, in one place.

Each key is set once in `create_app` (or in its owner's setup function, before start-up) and the
object behind it is mutated afterwards, never reassigned. Owners add their key here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from pulse.buildinfo import BuildInfo
    from pulse.config.live import LiveSettings
    from pulse.config.nodes import NodeRegistry
    from pulse.config.settings import Settings
    from pulse.notify.dispatcher import NotificationDispatcher
    from pulse.security.audit import AuditLog
    from pulse.store.config_store import ConfigStore

SETTINGS: web.AppKey[Settings] = web.AppKey("settings")
"""Deployment settings, frozen at start-up."""
LIVE_SETTINGS: web.AppKey[LiveSettings] = web.AppKey("live_settings")
"""System settings the dashboard can change at run time."""
STORE: web.AppKey[ConfigStore] = web.AppKey("store")
"""The encrypted configuration store."""
BUILD_INFO: web.AppKey[BuildInfo] = web.AppKey("build_info")
"""Version and runtime facts for /api/version."""
STARTED_AT: web.AppKey[float] = web.AppKey("started_at", float)
"""time.monotonic() when the app was created, for /api/health uptime."""
NODES: web.AppKey[NodeRegistry] = web.AppKey("nodes")
"""The configured Proxmox instances (owner of the store's `nodes` section)."""
AUDIT: web.AppKey[AuditLog] = web.AppKey("audit")
"""The security audit log: `app[AUDIT].record("node.add", request, node=name)`."""
NOTIFIER: web.AppKey[NotificationDispatcher] = web.AppKey("notifier")
"""The notification dispatcher: `app[NOTIFIER].alert_fired(alert)` etc. (non-blocking)."""
