"""The auth gate and the CSRF check: the two middlewares that decide who may do what.

Public paths need no credentials: /api/health, /api/version, /api/security/status,
/api/login, /api/logout, POST /api/auto-register and /api/setup-script with a `token` (their
handlers check that token), and every static dashboard file (anything not under /api/ and not
/ws, /metrics or /socket.io). Everything else needs a session, the API token or HTTP Basic as
soon as a password or token is configured; with neither, everything is open (the security
status says so loudly).
"""

from __future__ import annotations

import base64
import binascii
import logging

from aiohttp import hdrs, web
from aiohttp.typedefs import Handler

from pulse import jsonio, keys
from pulse.errors import ApiError, Forbidden, TooManyRequests, Unauthorized
from pulse.security import identity as ids
from pulse.security.access import presented_token
from pulse.security.headers import origin_allowed
from pulse.security.lockout import LOCK_SECONDS
from pulse.security.ratelimit import AUTH
from pulse.security.sessions import CSRF_COOKIE

log = logging.getLogger(__name__)

PUBLIC_PATHS = frozenset(
    {"/api/health", "/api/version", "/api/security/status", "/api/login", "/api/logout"}
)
PUBLIC_POST_PATHS = frozenset({"/api/auto-register"})
TOKEN_PUBLIC_PATHS = frozenset({"/api/setup-script"})  # public when a `token` is given
GUARDED_PUBLIC_PATHS = PUBLIC_POST_PATHS | TOKEN_PUBLIC_PATHS
PRIVATE_EXACT = frozenset({"/api", "/ws", "/metrics", "/simple-stats", "/socket.io"})
PRIVATE_PREFIXES = ("/api/", "/ws/", "/socket.io/")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_EXEMPT = frozenset({"/api/login"})
TOKEN_USER = "api-token"  # noqa: S105 - a user label, not a secret


async def _body_token(request: web.Request) -> str:
    if not request.can_read_body:
        return ""
    try:
        body = jsonio.loads(await request.read())  # aiohttp keeps the bytes for the handler
    except ValueError:
        return ""
    token = body.get("token") if isinstance(body, dict) else None
    return token if isinstance(token, str) else ""


def _is_static(path: str) -> bool:
    return path not in PRIVATE_EXACT and not path.startswith(PRIVATE_PREFIXES)


async def is_public(request: web.Request) -> bool:
    path = request.path
    if _is_static(path):
        return True
    if path in PUBLIC_PATHS:
        return True
    if path in PUBLIC_POST_PATHS and request.method == "POST":
        return True
    if path in TOKEN_PUBLIC_PATHS:
        if request.query.get("token", "").strip():
            return True
        return request.method == "POST" and bool((await _body_token(request)).strip())
    return False


def _locked(retry_after: int) -> ApiError:
    return ApiError(
        f"Account temporarily locked due to failed attempts; try again in {retry_after} seconds",
        status=429,
        code="account_locked",
        headers={"Retry-After": str(max(1, retry_after))},
    )


async def verify_password_attempt(
    request: web.Request, username: str | None, password: str, *, method: str
) -> str:
    """Check a login (form, Basic or current password) with lockout and audit.

    Returns the user name on success; raises 429 when the client is locked out, 401 when wrong.
    """
    app = request.app
    credentials, lockout, audit = app[keys.CREDENTIALS], app[keys.LOCKOUT], app[keys.AUDIT]
    ip = request.get(keys.CLIENT_IP, request.remote or "")
    user = username or credentials.username
    wait = lockout.retry_after(ip, user)
    if wait > 0:
        audit.record("login.failure", request, success=False, method=method,
                     reason="Account locked")  # fmt: skip
        raise _locked(wait)
    if not lockout.reserve(ip):
        raise TooManyRequests("Too many login attempts at once; retry in a moment", retry_after=1)
    try:
        ok = await credentials.verify(username, password, cache=method == "basic")
    finally:
        lockout.release(ip)
    if ok:
        lockout.record_success(ip, user)
        return credentials.username
    verdict = lockout.record_failure(ip, user)
    # A password typed into the user-name field must not end up in the audit log.
    shown = user if credentials.username_matches(user) else "(unknown user)"
    audit.record("login.failure", request, success=False, method=method, user=shown,
                 reason="Invalid credentials")  # fmt: skip
    if verdict.retry_after:
        audit.record("lockout", request, success=False, user=shown, seconds=LOCK_SECONDS)
        raise _locked(verdict.retry_after)
    raise Unauthorized(
        f"Invalid credentials ({verdict.attempts_left} attempts left before a "
        f"{LOCK_SECONDS // 60}-minute lock)"
    )


def basic_credentials(request: web.Request) -> tuple[str, str] | None:
    scheme, _, value = request.headers.get(hdrs.AUTHORIZATION, "").strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def _token_failure(request: web.Request, reason: str) -> ApiError | None:
    """Count a rejected token against the client IP; the lock error once it is locked."""
    app = request.app
    ip = request.get(keys.CLIENT_IP, request.remote or "")
    verdict = app[keys.LOCKOUT].record_failure(ip, "")
    app[keys.AUDIT].record("login.failure", request, success=False, method="token",
                           reason=reason)  # fmt: skip
    if verdict.retry_after:
        app[keys.AUDIT].record("lockout", request, success=False, seconds=LOCK_SECONDS)
        return _locked(verdict.retry_after)
    return None


def _raise_if_locked(request: web.Request) -> None:
    ip = request.get(keys.CLIENT_IP, request.remote or "")
    wait = request.app[keys.LOCKOUT].retry_after(ip, "")
    if wait > 0:
        raise _locked(wait)


async def check_token(request: web.Request, token: str) -> ids.Identity:
    """The API token check of private routes and token login: lockout, audit, 401."""
    _raise_if_locked(request)
    if request.app[keys.CREDENTIALS].token_matches(token):
        return ids.Identity(ids.AuthMethod.TOKEN, TOKEN_USER)
    raise _token_failure(request, "Invalid API token") or Unauthorized("Invalid API token")


async def _guarded_public(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Auto-register and setup-script check their own tokens (registration or API token):
    a 401 from them counts as a failed attempt, so guessing is as limited as at the gate."""
    _raise_if_locked(request)
    try:
        response = await handler(request)
    except ApiError as exc:
        if exc.status == 401:
            raise _token_failure(request, "token rejected") or exc from None
        raise
    if response.status == 401:
        locked = _token_failure(request, "token rejected")
        if locked is not None:
            raise locked
    return response


async def authenticate(request: web.Request, *, strict: bool) -> ids.Identity:
    """Establish the identity. `strict` (private paths): wrong credentials are an error and
    count towards the lockout; on public paths only a valid cookie or token is recognised.

    A live session wins over other headers (so a dashboard sending a stale X-API-Token from its
    storage is not locked out, and its writes still need the CSRF token). A token header is
    only judged when a token is configured at all.
    """
    app = request.app
    credentials = app[keys.CREDENTIALS]
    info = await app[keys.SESSIONS].current(request)
    if info is not None:
        return ids.Identity(ids.AuthMethod.SESSION, info.user, info.session_id)
    token = presented_token(request) if credentials.has_token else ""
    if token:
        if strict:
            return await check_token(request, token)
        if credentials.token_matches(token):
            return ids.Identity(ids.AuthMethod.TOKEN, TOKEN_USER)
    basic = basic_credentials(request) if strict else None
    if basic is not None and credentials.has_password:
        user, password = basic
        if not credentials.recently_verified(user, password):
            app[keys.RATE_LIMITS].check(AUTH, request.get(keys.CLIENT_IP, ""), request)
        name = await verify_password_attempt(request, user, password, method="basic")
        return ids.Identity(ids.AuthMethod.BASIC, name)
    return ids.ANONYMOUS


def _looks_like_api_call(request: web.Request) -> bool:
    return (
        request.path.startswith("/api/")
        or request.headers.get("X-Requested-With", "") == "XMLHttpRequest"
        or "application/json" in request.headers.get(hdrs.ACCEPT, "")
    )


@web.middleware
async def auth_gate_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    credentials = request.app[keys.CREDENTIALS]
    if not credentials.configured:
        request[keys.IDENTITY] = ids.OPEN
        return await handler(request)
    if _is_static(request.path):  # dashboard files: nothing to prove, nothing to decrypt
        request[keys.IDENTITY] = ids.ANONYMOUS
        return await handler(request)
    public = await is_public(request)
    identity = await authenticate(request, strict=not public)
    request[keys.IDENTITY] = identity
    if public and request.path in GUARDED_PUBLIC_PATHS:
        return await _guarded_public(request, handler)
    if not public and not identity.authenticated:
        headers: dict[str, str] = {}
        if credentials.has_password and not _looks_like_api_call(request):
            headers["WWW-Authenticate"] = 'Basic realm="Pulse"'
        raise Unauthorized("Authentication required", headers=headers)
    return await handler(request)


def _cross_site(request: web.Request) -> bool:
    if request.headers.get("Sec-Fetch-Site", "").lower() == "cross-site":
        return not origin_allowed(request) or not request.headers.get(hdrs.ORIGIN)
    return not origin_allowed(request)


@web.middleware
async def csrf_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Cookie sessions must send X-CSRF-Token equal to their session's token; open instances
    and Basic-authenticated browsers refuse cross-site requests (browsers attach cached Basic
    credentials and nothing else stops a foreign page posting to an open Pulse)."""
    identity = request.get(keys.IDENTITY, ids.ANONYMOUS)
    sessions = request.app[keys.SESSIONS]
    unsafe = request.method not in SAFE_METHODS and request.path.startswith("/api/")
    info = sessions.get(identity.session_id) if identity.method is ids.AuthMethod.SESSION else None
    if unsafe and request.path not in CSRF_EXEMPT:
        if info is not None:
            presented = request.headers.get("X-CSRF-Token", "").strip()
            if not sessions.csrf_matches(info, presented):
                request.app[keys.AUDIT].record(
                    "csrf.failure", request, success=False,
                    reason="missing CSRF token" if not presented else "invalid CSRF token",
                )  # fmt: skip
                raise Forbidden("CSRF token validation failed", code="csrf_failed")
        elif identity.method in (ids.AuthMethod.OPEN, ids.AuthMethod.BASIC) and _cross_site(
            request
        ):
            request.app[keys.AUDIT].record("csrf.failure", request, success=False,
                                           reason="cross-site request")  # fmt: skip
            raise Forbidden(
                "Cross-site request refused (CSRF protection); add this origin to "
                "ALLOWED_ORIGINS if it is yours",
                code="csrf_failed",
            )
    response = await handler(request)
    # Re-issue the CSRF cookie whenever a live session lacks it (e.g. the browser dropped it).
    if (
        info is not None
        and request.cookies.get(CSRF_COOKIE) != info.csrf_token
        and isinstance(response, web.Response)
        and not response.prepared
        and sessions.get(info.session_id) is not None
    ):
        sessions.set_csrf_cookie(request, response, info.csrf_token)
    return response
