"""Small read-only compatibility routes of the original: /api/config and the legacy /api/settings.

`GET /api/settings` keeps upstream's `{current, defaults, capabilities}` shape but reports the
values really in force (upstream hard-coded them). Its write half, `POST /api/settings/update`,
rewrote a YAML file and could exit the process; it answers 410 Gone and points to
/api/config/system, where settings are changed and applied live.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from pulse import keys
from pulse.config.settings import Settings
from pulse.errors import ApiError
from pulse.jsonio import json_response

HIDDEN = "***HIDDEN***"  # what upstream's settings routes show for a set API token


async def config(request: web.Request) -> web.Response:
    """GET /api/config: the few settings the original's dashboard reads at start."""
    live = request.app[keys.LIVE_SETTINGS].current
    return json_response(
        {
            "pollingInterval": float(live.polling_interval),
            # Always on here: cookie sessions need X-CSRF-Token, other browsers' unsafe
            # requests must be same-origin (upstream reported a hard-coded false).
            "csrfProtection": True,
            "autoUpdateEnabled": live.auto_update_enabled,
            "updateChannel": live.update_channel,
        }
    )


def _legacy_settings(
    settings: Settings,
    *,
    polling_interval: int,
    origins: tuple[str, ...],
    token_set: bool,
    auth_enabled: bool,
) -> dict[str, Any]:
    """Upstream's `config.Settings` JSON (intervals in milliseconds, as upstream)."""
    server = {"port": settings.port, "host": settings.listen_address}
    return {
        "server": {"backend": dict(server), "frontend": dict(server)},  # one port serves both
        "monitoring": {
            "pollingInterval": polling_interval * 1000,
            "concurrentPolling": True,  # every instance has its own poller
            "backupPollingCycles": 10,
            "backupPollingIntervalMs": 0,
            "backupPollingEnabled": True,
            "metricsRetentionDays": 7,  # the longest chart range, kept in memory
        },
        "logging": {
            "level": settings.log_level,
            "file": "",  # Pulse logs to stderr (journald / docker logs)
            "maxSize": 0,
            "maxBackups": 0,
            "maxAge": 0,
            "compress": False,
        },
        "security": {
            "apiToken": HIDDEN if token_set else "",
            "allowedOrigins": list(origins),
            "iframeEmbedding": "DENY",
            "enableAuthentication": auth_enabled,
        },
    }


async def settings(request: web.Request) -> web.Response:
    """GET /api/settings: upstream's legacy shape, filled with the values in force."""
    app = request.app
    deployment = app[keys.SETTINGS]
    live = app[keys.LIVE_SETTINGS].current
    credentials = app[keys.CREDENTIALS]
    defaults = Settings()
    return json_response(
        {
            "current": _legacy_settings(
                deployment,
                polling_interval=live.polling_interval,
                origins=live.allowed_origins,
                token_set=credentials.has_token,
                auth_enabled=credentials.configured,
            ),
            "defaults": _legacy_settings(
                defaults,
                polling_interval=defaults.polling_interval,
                origins=defaults.allowed_origins,
                token_set=False,
                auth_enabled=False,
            ),
            # Nothing here needs a restart: system settings apply live via /api/config/system.
            "capabilities": {
                "canRestart": False,
                "canValidatePorts": False,
                "requiresRestart": False,
            },
        }
    )


async def settings_update(request: web.Request) -> web.Response:
    """POST /api/settings/update: gone; says where settings are changed now."""
    raise ApiError(
        "This legacy endpoint is gone: change settings with PUT or POST /api/config/system "
        "(applied live, no restart); ports and log level are deployment settings (config file "
        "or environment)",
        status=410,
        code="gone",
        headers={"Link": '</api/config/system>; rel="alternate"'},
    )
