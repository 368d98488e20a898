"""Security routes: login, logout, password change, API token, security status, quick setup."""

from __future__ import annotations

from aiohttp import web

from pulse import keys
from pulse.api.body import field, json_object, optional_json_object
from pulse.errors import BadRequest, Conflict, Unauthorized
from pulse.jsonio import dumps, json_response
from pulse.security import passwords
from pulse.security.access import identity, is_authenticated
from pulse.security.clientip import is_private
from pulse.security.credentials import Source
from pulse.security.gate import (
    TOKEN_USER,
    basic_credentials,
    check_token,
    verify_password_attempt,
)
from pulse.security.identity import AuthMethod
from pulse.security.wiring import OPEN_WARNING


async def login(request: web.Request) -> web.Response:
    """POST /api/login: JSON {username?, password} (or {token}) or a Basic header."""
    app = request.app
    credentials = app[keys.CREDENTIALS]
    if not credentials.configured:
        raise Conflict("No password or API token is set; there is nothing to log in to")
    basic = basic_credentials(request)
    body = await optional_json_object(request) if basic is None else {}
    token = field(body, "token", str)
    if token is not None and "password" not in body:
        user = (await check_token(request, token)).user
    else:
        if basic is not None:
            username, password = basic
        else:
            username = field(body, "username", str)
            password = field(body, "password", str, required=True)
        if not credentials.has_password:
            raise BadRequest('No password is set; log in with the API token ({"token": ...})')
        user = await verify_password_attempt(request, username, password, method="login")
    response = json_response({})
    info = await app[keys.SESSIONS].login(request, response, user)
    app[keys.AUDIT].record("login.success", request, user=user, method="login")
    # The CSRF token is in the pulse_csrf cookie too; scripts using cookies read it here.
    response.body = dumps({"success": True, "user": user, "csrfToken": info.csrf_token})
    return response


async def logout(request: web.Request) -> web.Response:
    """POST /api/logout: ends the session server-side and clears both cookies."""
    response = json_response({"success": True, "message": "Successfully logged out"})
    user = identity(request).user
    if await request.app[keys.SESSIONS].logout(request, response):
        request.app[keys.AUDIT].record("logout", request, user=user)
    return response


async def change_password(request: web.Request) -> web.Response:
    """POST /api/security/change-password {currentPassword, newPassword}."""
    app = request.app
    credentials = app[keys.CREDENTIALS]
    body = await json_object(request)
    new_password = field(body, "newPassword", str, required=True)
    current = field(body, "currentPassword", str)
    if credentials.password_source not in (Source.SETTINGS, Source.NONE):
        raise Conflict(
            f"The password is set by the {credentials.password_source} (PULSE_PASSWORD) and "
            "cannot be changed here; change it there and restart Pulse"
        )
    if credentials.has_password:
        if not current:
            raise BadRequest("currentPassword is required")
        await verify_password_attempt(request, credentials.username, current, method="change")
    elif credentials.configured and not is_authenticated(request):
        raise Unauthorized("Authentication required")  # token-only: prove it is the owner
    problem = passwords.password_problem(new_password)
    if problem:
        raise BadRequest(problem)
    await credentials.set_password(new_password)
    sessions = app[keys.SESSIONS]
    ended = sessions.revoke_all()
    response = json_response({"success": True, "message": "Password changed successfully"})
    if identity(request).method in (AuthMethod.SESSION, AuthMethod.OPEN, AuthMethod.BASIC):
        await sessions.login(request, response, credentials.username)
    app[keys.AUDIT].record("password.change", request, sessions_ended=ended)
    return response


# -- API token ---------------------------------------------------------------------------------


def _token_locked(request: web.Request) -> None:
    source = request.app[keys.CREDENTIALS].token_source
    if source not in (Source.SETTINGS, Source.NONE):
        raise Conflict(
            f"The API token is set by the {source} (API_TOKEN) and cannot be changed here"
        )


async def api_token_status(request: web.Request) -> web.Response:
    """GET /api/system/api-token[?reveal=true]."""
    credentials = request.app[keys.CREDENTIALS]
    body: dict[str, object] = {"hasToken": credentials.has_token,
                               "source": str(credentials.token_source)}  # fmt: skip
    if request.query.get("reveal", "").lower() in ("true", "1", "yes") and credentials.has_token:
        if not is_authenticated(request):
            raise Unauthorized("Authentication required to reveal the API token")
        body["token"] = credentials.api_token
        request.app[keys.AUDIT].record("token.reveal", request)
    return json_response(body)


async def generate_api_token(request: web.Request) -> web.Response:
    """POST /api/system/api-token/generate: a new 64-hex token, shown once."""
    _token_locked(request)
    app = request.app
    token = await app[keys.CREDENTIALS].generate_token()
    app[keys.SESSIONS].revoke_all(user=TOKEN_USER)
    app[keys.AUDIT].record("token.generate", request)
    return json_response({"hasToken": True, "token": token})


async def delete_api_token(request: web.Request) -> web.Response:
    """DELETE /api/system/api-token/delete."""
    _token_locked(request)
    app = request.app
    await app[keys.CREDENTIALS].delete_token()
    app[keys.SESSIONS].revoke_all(user=TOKEN_USER)
    app[keys.AUDIT].record("token.delete", request)
    return json_response({"hasToken": False})


# -- status and first-run set-up ---------------------------------------------------------------


async def security_status(request: web.Request) -> web.Response:
    """GET /api/security/status (public): what protects this instance, for the dashboard."""
    app = request.app
    credentials = app[keys.CREDENTIALS]
    settings = app[keys.SETTINGS]
    client_ip = request.get(keys.CLIENT_IP, request.remote or "")
    private = is_private(client_ip)
    configured = credentials.configured
    body: dict[str, object] = {
        "apiTokenConfigured": credentials.has_token,
        "requiresAuth": configured,
        "hasAuthentication": configured,
        "hasPassword": credentials.has_password,
        "exportProtected": credentials.has_token or not settings.allow_unprotected_export,
        "unprotectedExportAllowed": settings.allow_unprotected_export,
        "credentialsSource": {
            "password": str(credentials.password_source),
            "apiToken": str(credentials.token_source),
        },
        "passwordChangeable": credentials.password_source in (Source.SETTINGS, Source.NONE),
        "apiTokenChangeable": credentials.token_source in (Source.SETTINGS, Source.NONE),
        "authenticated": is_authenticated(request),
        "hasAuditLogging": True,
        "credentialsEncrypted": True,
        "hasHTTPS": bool(request.get(keys.CLIENT_HTTPS, False)),
        "clientIP": client_ip,
        "isPrivateNetwork": private,
        "isTrustedNetwork": private,
        "publicAccess": not private,
        "quickSetupAvailable": not configured,
    }
    if not configured:
        body["warning"] = OPEN_WARNING
    return json_response(body)


async def quick_setup(request: web.Request) -> web.Response:
    """POST /api/security/quick-setup {username?, password, apiToken?}: first-run set-up.

    Only while no credential exists. Stores a bcrypt hash (and the token) in the encrypted
    store — never a plain file — applies at once and logs the caller in.
    """
    app = request.app
    credentials = app[keys.CREDENTIALS]
    body = await json_object(request)
    username = field(body, "username", str) or None
    password = field(body, "password", str, required=True)
    token = field(body, "apiToken", str)
    problem = passwords.password_problem(password)
    if problem:
        raise BadRequest(problem)
    if username is not None and not (0 < len(username) <= 64 and username.isprintable()):
        raise BadRequest("username must be 1-64 printable characters")
    if token is not None and len(token) < 16:
        raise BadRequest("apiToken must be at least 16 characters (or leave it out)")
    async with credentials.setup_lock:
        if credentials.configured:
            raise Conflict("Security is already configured; change it in Settings -> Security")
        await credentials.set_password(password, username=username)
        if token:
            await credentials.store_token(token)
        generated = None if token else await credentials.generate_token()
    response = json_response({})
    await app[keys.SESSIONS].login(request, response, credentials.username)
    app[keys.AUDIT].record("security.setup", request, user=credentials.username)
    answer: dict[str, object] = {
        "success": True,
        "method": "settings",
        "automatic": True,
        "message": "Security configured and active; no restart needed.",
    }
    if generated:
        answer["apiToken"] = generated  # shown once; the user copies it for scripts
    response.body = dumps(answer)
    return response
