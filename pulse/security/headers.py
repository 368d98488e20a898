"""Security headers on every response (API, static files, errors) and CORS per ALLOWED_ORIGINS.

Headers are added in `on_response_prepare`, which sees every response aiohttp sends — also
error answers rendered by the error middleware and files served by the static handler — so no
path can miss them. The CSP needs no exception for the dashboard: it has no inline script.
"""

from __future__ import annotations

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler

from pulse import keys

_STATIC_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Permissions-Policy": "geolocation=(), microphone=(), camera=(), payment=(), usb=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
HSTS = "max-age=31536000"
CORS_METHODS = "GET, POST, PUT, DELETE, OPTIONS"
CORS_HEADERS = "Content-Type, Authorization, X-API-Token, X-CSRF-Token"


def content_security_policy(request: web.Request) -> str:
    # 'self' covers same-origin websockets in CSP 3 browsers; the explicit ws(s):// source keeps
    # older ones working. The Host header only shapes the requester's own response.
    host = request.host
    ws = f" ws://{host} wss://{host}" if host and all(c not in host for c in " ;,'\"") else ""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'{ws}; "
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )


def allowed_origins(request: web.Request) -> tuple[str, ...]:
    return request.app[keys.LIVE_SETTINGS].current.allowed_origins


def cors_origin(request: web.Request) -> str | None:
    """The Access-Control-Allow-Origin value for this request, or None (no CORS headers)."""
    origin = request.headers.get(hdrs.ORIGIN, "").rstrip("/")
    configured = allowed_origins(request)
    if not origin or not configured:
        return None
    if origin in configured:
        return origin
    if "*" in configured:
        return "*"  # never together with Allow-Credentials (Pulse never sends that header)
    return None


def same_origin(request: web.Request, origin: str) -> bool:
    """True when `origin` is the origin the request was sent to (scheme-less host match)."""
    _, _, rest = origin.partition("://")
    return bool(rest) and rest.lower() == request.host.lower()


def origin_allowed(request: web.Request) -> bool:
    """The websocket / cross-site rule: no Origin, same origin, or listed in ALLOWED_ORIGINS
    (`*` = any). An empty list means same origin only."""
    origin = request.headers.get(hdrs.ORIGIN, "").rstrip("/")
    if not origin or same_origin(request, origin):
        return True
    configured = allowed_origins(request)
    return "*" in configured or origin in configured


async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
    """on_response_prepare: the security and CORS headers of every response."""
    headers = response.headers
    for name, value in _STATIC_HEADERS.items():
        headers.setdefault(name, value)
    headers.setdefault("Content-Security-Policy", content_security_policy(request))
    if request.get(keys.CLIENT_HTTPS) or request.app[keys.SETTINGS].https:
        headers.setdefault("Strict-Transport-Security", HSTS)
    if request.path.startswith("/api/"):
        headers.setdefault(hdrs.CACHE_CONTROL, "no-store")
    origin = cors_origin(request)
    if origin is not None:
        headers[hdrs.ACCESS_CONTROL_ALLOW_ORIGIN] = origin
        headers[hdrs.ACCESS_CONTROL_ALLOW_METHODS] = CORS_METHODS
        headers[hdrs.ACCESS_CONTROL_ALLOW_HEADERS] = CORS_HEADERS
    if allowed_origins(request):
        headers.add(hdrs.VARY, "Origin")


@web.middleware
async def preflight_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Answer every OPTIONS request before auth (browsers send preflights without
    credentials); the CORS headers are added only for allowed origins."""
    if request.method == hdrs.METH_OPTIONS:
        response = web.Response(status=204, headers={hdrs.ALLOW: CORS_METHODS})
        if cors_origin(request) is not None:
            response.headers[hdrs.ACCESS_CONTROL_MAX_AGE] = "600"
        return response
    return await handler(request)
