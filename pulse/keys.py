"""Every typed `web.AppKey` of the application, in one place.

Each key is set once in `create_app` (or in its owner's setup function, before start-up) and the
object behind it is mutated afterwards, never reassigned. Owners add their key here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from pulse.alerts.service import AlertService
    from pulse.api.diagnostics import Diagnostics
    from pulse.api.metrics import MetricsExporter
    from pulse.buildinfo import BuildInfo
    from pulse.config.live import LiveSettings
    from pulse.config.nodes import NodeRegistry
    from pulse.config.settings import Settings
    from pulse.notify.dispatcher import NotificationDispatcher
    from pulse.polling.manager import PollerManager
    from pulse.registration.discovery import DiscoveryService
    from pulse.registration.tokens import RegistrationTokens
    from pulse.security.audit import AuditLog
    from pulse.security.clientip import ClientResolver
    from pulse.security.credentials import Credentials
    from pulse.security.identity import Identity
    from pulse.security.lockout import Lockout
    from pulse.security.ratelimit import RateLimiter
    from pulse.security.sessions import SessionManager
    from pulse.state.store import StateStore
    from pulse.store.config_store import ConfigStore
    from pulse.updates.checker import UpdateChecker
    from pulse.ws.hub import Hub

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
ALERTS: web.AppKey[AlertService] = web.AppKey("alerts")
"""The alert engine, its configuration (store section `alerts`), active alerts and history."""
UPDATES: web.AppKey[UpdateChecker] = web.AppKey("updates")
"""Update check and status (/api/updates/*)."""
REGISTRATION_TOKENS: web.AppKey[RegistrationTokens] = web.AppKey("registration_tokens")
"""One-time tokens that setup scripts present to /api/auto-register."""
DISCOVERY: web.AppKey[DiscoveryService] = web.AppKey("discovery")
"""Network discovery of PVE/PBS servers in a user-given subnet (/api/discover)."""
STATE: web.AppKey[StateStore] = web.AppKey("state")
"""The published monitoring state: `.snapshot`, `state_bytes()`, cycle hooks, alert provider."""
HUB: web.AppKey[Hub] = web.AppKey("hub")
"""The websocket hub: `broadcast(type, data)` to every connected /ws client."""
POLLERS: web.AppKey[PollerManager] = web.AppKey("pollers")
"""One poller per configured instance; `.status(id)`, `.history` (charts), `.refresh_now()`."""
METRICS: web.AppKey[MetricsExporter] = web.AppKey("metrics")
"""/metrics: this app's own Prometheus registry, read at scrape time (`.registry`, `.render`)."""
DIAGNOSTICS: web.AppKey[Diagnostics] = web.AppKey("diagnostics")
"""/api/diagnostics: recent warnings of the `pulse` loggers and the shared probe run."""

# -- security (request keys are set by the security middlewares on every request) --------------
CREDENTIALS: web.AppKey[Credentials] = web.AppKey("credentials")
"""Password hash, API token and user name in force (owner of the store's `security` section)."""
SESSIONS: web.AppKey[SessionManager] = web.AppKey("sessions")
"""Login sessions: encrypted pulse_session cookie plus the server-side registry of live ids."""
LOCKOUT: web.AppKey[Lockout] = web.AppKey("lockout")
"""Failed-login counters and locks per client IP and user name (survive a restart)."""
RATE_LIMITS: web.AppKey[RateLimiter] = web.AppKey("rate_limits")
"""The request rate limiter with Pulse's one table of limits."""
CLIENT_RESOLVER: web.AppKey[ClientResolver] = web.AppKey("client_resolver")
"""Resolves the client IP from the peer and (trusted proxies only) X-Forwarded-For."""
CLIENT_IP: web.RequestKey[str] = web.RequestKey("client_ip", str)
"""The client's IP address (X-Forwarded-For believed only from trusted proxies)."""
CLIENT_HTTPS: web.RequestKey[bool] = web.RequestKey("client_https", bool)
"""True when the client reached Pulse over HTTPS (directly or via a trusted proxy)."""
IDENTITY: web.RequestKey[Identity] = web.RequestKey("identity")
"""How the request authenticated (`pulse.security.identity.Identity`)."""
