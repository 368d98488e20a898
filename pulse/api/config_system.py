"""Handlers for the runtime system settings (`/api/config/system`, `/api/system/settings`).

Updates are partial merges (POST and PUT alike) validated by `LiveSettings`: an invalid value
gives 400 and changes nothing, a value fixed by an environment variable cannot be changed, and
secrets (the API token) are never read or written here. Every answer carries the effective
settings.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from pulse import jsonio, keys
from pulse.api.body import json_object
from pulse.errors import BadRequest

# Shown by GET and sent back unchanged by the dashboard: accepted and ignored on update.
_READ_ONLY = frozenset({"backendPort", "frontendPort", "locked", "status", "message"})


def effective(app: web.Application) -> dict[str, Any]:
    """The running settings, the informational ports, and which values the environment fixes."""
    settings = app[keys.SETTINGS]
    live = app[keys.LIVE_SETTINGS]
    return {
        **live.current.to_json(),
        "backendPort": settings.port,
        "frontendPort": settings.port,
        "locked": live.locked,
    }


async def get_system(request: web.Request) -> web.Response:
    return jsonio.json_response(effective(request.app))


async def update_system(request: web.Request) -> web.Response:
    body = await json_object(request)
    if "apiToken" in body:
        raise BadRequest("the API token is managed under /api/system/api-token")
    changes = {k: v for k, v in body.items() if k not in _READ_ONLY}
    live = request.app[keys.LIVE_SETTINGS]
    before = live.current.to_json()
    await live.update(changes)  # validates everything first; BadRequest changes nothing
    after = live.current.to_json()
    changed = sorted(k for k in after if after[k] != before[k])
    if changed:
        request.app[keys.AUDIT].record("settings.update", request, fields=changed)
    message = (
        f"Polling interval updated to {after['pollingInterval']} seconds"
        if "pollingInterval" in changes
        else "Settings saved"
    )
    return jsonio.json_response({"status": "success", "message": message, **effective(request.app)})
