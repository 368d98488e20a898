"""Typed errors of the Proxmox clients; `str()` is a sentence for users, never with a secret.

ProxmoxError                 anything a PVE/PBS call can fail with
├── AuthError                credentials refused (401/403 on login, invalid token, 2FA needed)
├── PermissionDenied         authenticated, but the token lacks a privilege (403 on a call)
├── TLSError                 handshake failed (certificate not trusted, wrong protocol)
│   └── FingerprintMismatch  the pinned SHA-256 fingerprint does not match the certificate
├── RequestTimeout           no answer within the connection timeout
├── UnreachableError         connection refused, DNS failure, host down, connection reset
└── ApiError                 the server answered with an error status or unusable data
"""

from __future__ import annotations

from pulse.logs import secret_filter


class ProxmoxError(Exception):
    """Base class: a call to Proxmox VE or PBS failed. `str(err)` is safe to show."""

    kind = "error"

    def __init__(self, message: str, *, status: int = 0) -> None:
        # Messages quote what servers answered; a server (or proxy) that echoes the request
        # could hand back our credentials. They reach the UI and the API, so mask them here.
        message = secret_filter.mask(message)
        super().__init__(message)
        self.message = message
        self.status = status

    def __str__(self) -> str:
        return self.message


class AuthError(ProxmoxError):
    kind = "auth"


class PermissionDenied(ProxmoxError):
    """A 403 for one call: the credentials work but lack a privilege."""

    kind = "permission"


class TLSError(ProxmoxError):
    kind = "tls"


class FingerprintMismatch(TLSError):
    kind = "fingerprint"


class RequestTimeout(ProxmoxError):
    kind = "timeout"


class UnreachableError(ProxmoxError):
    kind = "unreachable"


class ApiError(ProxmoxError):
    kind = "api"


def is_endpoint_failure(err: ProxmoxError) -> bool:
    """True when the endpoint itself is down or untrusted (fail over to another cluster node).

    HTTP errors do not count: PVE answers 5xx for calls it proxies to an offline member, from a
    perfectly healthy endpoint.
    """
    return isinstance(err, TLSError | RequestTimeout | UnreachableError)
