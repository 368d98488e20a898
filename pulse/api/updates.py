"""/api/updates/*: check for a newer Pulse, report the status, explain how to apply it."""

from __future__ import annotations

from aiohttp import web

from pulse import keys
from pulse.config.parsers import parse_channel
from pulse.errors import BadRequest, Conflict
from pulse.jsonio import json_response
from pulse.updates.install import detect_install


async def check(request: web.Request) -> web.Response:
    configured = request.app[keys.LIVE_SETTINGS].current.update_channel
    channel = request.query.get("channel", configured)
    try:
        channel = parse_channel(channel)
    except ValueError as exc:
        raise BadRequest(f"invalid channel: {exc}") from None
    info = await request.app[keys.UPDATES].check(channel, use_cache=channel == configured)
    return json_response(info.to_json())


async def status(request: web.Request) -> web.Response:
    return json_response(request.app[keys.UPDATES].status.to_json())


async def apply(request: web.Request) -> web.Response:
    # Pulse never rewrites its own files: the installer that put it there upgrades it.
    method = detect_install(request.app[keys.BUILD_INFO].is_docker)
    raise Conflict(
        f"updates are applied by your package manager ({method.kind} install): "
        f"{method.upgrade_hint}",
        code="update_not_applied",
    )
