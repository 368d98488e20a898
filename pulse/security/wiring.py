"""Installs the security layer into the application: components, middlewares, headers."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web
from aiohttp.typedefs import Middleware

from pulse import keys
from pulse.config.settings import Settings
from pulse.security.clientip import ClientResolver, client_ip_middleware
from pulse.security.credentials import Credentials
from pulse.security.gate import auth_gate_middleware, csrf_middleware
from pulse.security.headers import add_security_headers, preflight_middleware
from pulse.security.lockout import Lockout
from pulse.security.ratelimit import RateLimiter, rate_limit_middleware
from pulse.security.sessions import SessionManager
from pulse.store.config_store import ConfigStore

log = logging.getLogger("pulse.security")

# In this order, right after the error middleware. Security headers are not a middleware:
# `on_response_prepare` adds them to every response, errors and static files included.
MIDDLEWARES: tuple[Middleware, ...] = (
    preflight_middleware,  # CORS preflight, before any auth
    client_ip_middleware,  # request[CLIENT_IP] for everything below and the audit log
    auth_gate_middleware,  # request[IDENTITY]; 401 on private routes without credentials
    csrf_middleware,  # 403 for cookie sessions without their X-CSRF-Token
    rate_limit_middleware,  # 429 with Retry-After
)

OPEN_WARNING = (
    "SECURITY: no password and no API token are set - anyone who can reach Pulse can read "
    "and change its configuration, including the credentials of your Proxmox servers. Set "
    "PULSE_PASSWORD and/or API_TOKEN, or use Settings -> Security in the dashboard."
)


def setup_security(app: web.Application, settings: Settings, store: ConfigStore) -> None:
    """Set the security AppKeys and hooks; `MIDDLEWARES` go into the Application itself."""
    app[keys.CREDENTIALS] = Credentials(settings, store)
    app[keys.SESSIONS] = SessionManager(settings.data_dir)
    app[keys.LOCKOUT] = Lockout(settings.data_dir)
    app[keys.RATE_LIMITS] = RateLimiter()
    app[keys.CLIENT_RESOLVER] = ClientResolver(settings.trusted_proxies)
    app.on_response_prepare.append(add_security_headers)
    app.cleanup_ctx.append(_security_lifecycle)


async def _security_lifecycle(app: web.Application) -> AsyncIterator[None]:
    credentials = app[keys.CREDENTIALS]
    await credentials.start()
    app[keys.SESSIONS].start(await credentials.session_key())
    if not credentials.configured:
        log.warning(OPEN_WARNING)
    yield
    await app[keys.SESSIONS].flush()
    await app[keys.LOCKOUT].flush()
