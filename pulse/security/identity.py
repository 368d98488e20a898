"""Who made a request: set once per request by the auth gate, read by handlers and the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class AuthMethod(StrEnum):
    OPEN = "open"  # no password and no token configured: everything is allowed
    SESSION = "session"  # the pulse_session cookie of a login
    TOKEN = "token"  # noqa: S105 - the API token (X-API-Token, Bearer, or ?token= where allowed)
    BASIC = "basic"  # HTTP Basic with the dashboard user and password
    ANONYMOUS = "anonymous"  # credentials are configured but none were presented (public paths)


@dataclass(frozen=True, slots=True)
class Identity:
    method: AuthMethod
    user: str = ""
    session_id: str = ""  # the server-side session id (SESSION only)

    @property
    def authenticated(self) -> bool:
        """True when the request proved who it is (an open instance proves nothing)."""
        return self.method in (AuthMethod.SESSION, AuthMethod.TOKEN, AuthMethod.BASIC)


OPEN = Identity(AuthMethod.OPEN)
ANONYMOUS = Identity(AuthMethod.ANONYMOUS)
