"""/api/health and /api/version."""

from __future__ import annotations

import time

from aiohttp import web

from pulse import keys
from pulse.jsonio import json_response


async def health(request: web.Request) -> web.Response:
    app = request.app
    return json_response(
        {
            "status": "healthy",
            "timestamp": int(time.time()),
            "uptime": round(time.monotonic() - app[keys.STARTED_AT], 6),
        }
    )


async def version(request: web.Request) -> web.Response:
    info = request.app[keys.BUILD_INFO]
    return json_response(
        {
            "version": info.version,
            "build": info.build,
            "runtime": "python",
            "channel": request.app[keys.LIVE_SETTINGS].current.update_channel,
            "isDocker": info.is_docker,
            "isDevelopment": info.is_development,
        }
    )
