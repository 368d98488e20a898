"""The error middleware: every error leaves Pulse as JSON `{"error": "..."}`, never a traceback."""

from __future__ import annotations

import logging

from aiohttp import web
from aiohttp.typedefs import Handler

from pulse import jsonio
from pulse.errors import ApiError

log = logging.getLogger(__name__)

_REASONS = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    413: "Request body too large",
    415: "Unsupported media type",
}


def error_body(message: str, status: int, code: str | None = None) -> dict[str, object]:
    body: dict[str, object] = {"error": message}
    if code:
        body["code"] = code
    return body


def is_api_path(path: str) -> bool:
    return path.startswith(("/api/", "/ws")) or path in ("/api", "/metrics")


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return jsonio.json_response(
            error_body(exc.message, exc.status, exc.code), status=exc.status, headers=exc.headers
        )
    except web.HTTPException as exc:
        if exc.status < 400:  # redirects and the like pass through
            raise
        if exc.status == 404 and request.path.startswith("/api/"):
            message = f"no API route {request.method} {request.path}"
        elif exc.status == 405:
            message = f"method {request.method} not allowed for {request.path}"
        else:
            message = _REASONS.get(exc.status, exc.reason)
        headers = {k: v for k, v in exc.headers.items() if k.lower() in ("allow", "retry-after")}
        return jsonio.json_response(
            error_body(message, exc.status), status=exc.status, headers=headers
        )
    except Exception:
        # Logged once with its traceback (secrets masked by the log filter); the client learns
        # nothing about the internals.
        log.exception("unexpected error in %s %s", request.method, request.path)
        return jsonio.json_response(
            error_body("internal server error", 500, "internal_error"), status=500
        )
