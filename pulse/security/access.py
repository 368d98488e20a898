"""Access rules handlers call: who is authenticated, and the stricter rule for export/import.

require_export_access(request)   # first line of the export/import handlers
is_authenticated(request)        # True when the request proved who it is
has_valid_api_token(request)     # the API token itself was presented (auto-register)
"""

from __future__ import annotations

from aiohttp import web

from pulse import keys
from pulse.errors import Forbidden, Unauthorized
from pulse.security.credentials import tokens_equal
from pulse.security.identity import ANONYMOUS, Identity

# The only routes where `?token=` is accepted: scripted export/import (the seed's curl example)
# and setup-script downloads. Anywhere else a token in a URL would end up in proxy logs and
# browser history, so it is ignored there.
QUERY_TOKEN_PATHS = frozenset(
    {"/api/config/export", "/api/config/import", "/api/export", "/api/import"}
)
QUERY_TOKEN_GET_PATHS = frozenset({"/api/setup-script"})
# Upstream 4.2.1 scripts send the bare token as `Authorization: <token>` to /api/state.
BARE_AUTHORIZATION_PATHS = frozenset({"/api/state"})
EXPORT_PATHS = QUERY_TOKEN_PATHS


def query_token_allowed(request: web.Request) -> bool:
    return request.path in QUERY_TOKEN_PATHS or (
        request.method in ("GET", "HEAD") and request.path in QUERY_TOKEN_GET_PATHS
    )


def presented_token(request: web.Request) -> str:
    """The API token the request carries: X-API-Token, `Authorization: Bearer`, or `?token=`
    (and upstream's bare `Authorization: <token>`) on the routes that allow it; "" when none."""
    header = request.headers.get("X-API-Token", "").strip()
    if header:
        return header
    scheme, _, value = request.headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if scheme and not value and request.path in BARE_AUTHORIZATION_PATHS:
        return scheme
    if query_token_allowed(request):
        return request.query.get("token", "").strip()
    return ""


def identity(request: web.Request) -> Identity:
    """The identity the auth gate established (anonymous when the gate did not run)."""
    found = request.get(keys.IDENTITY)
    return found if found is not None else ANONYMOUS


def is_authenticated(request: web.Request) -> bool:
    """True when the request carries a valid session, API token or Basic credentials.

    On an open instance (no password, no token) this is False: nothing was proved. Public
    routes are checked too: a valid cookie or token there is recognised as well.
    """
    return identity(request).authenticated


def has_valid_api_token(request: web.Request) -> bool:
    """True when the request presents the configured API token (constant-time compare)."""
    credentials = request.app[keys.CREDENTIALS]
    return tokens_equal(presented_token(request), credentials.api_token)


def require_export_access(request: web.Request) -> None:
    """The seed's export/import rule; raise Unauthorized/Forbidden when it is not met.

    With an API token configured the request must present it (header, Bearer or `?token=`):
    a logged-in session alone is not enough, as upstream. Without a token, export/import is
    refused unless ALLOW_UNPROTECTED_EXPORT=true.
    """
    action = "Import" if "import" in request.path.rsplit("/", 1)[-1] else "Export"
    credentials = request.app[keys.CREDENTIALS]
    if credentials.has_token:
        if not has_valid_api_token(request):
            raise Unauthorized(
                f"Unauthorized: {action.lower()} requires the API token "
                "(X-API-Token header or ?token=)"
            )
        return
    if not request.app[keys.SETTINGS].allow_unprotected_export:
        raise Forbidden(
            f"{action} requires API_TOKEN to be set "
            "(or set ALLOW_UNPROTECTED_EXPORT=true for homelab use)"
        )
