"""One HTTP endpoint of a PVE/PBS server: authentication, TLS, timeouts, typed errors.

Every call goes through `Transport.get`/`post`: it adds the API token or ticket cookie (logging in
and renewing the ticket before it expires, re-logging once on a 401), applies the TLS mode and the
connection timeout, unwraps `{"data": ...}` and turns every failure into a `ProxmoxError` whose
message a user understands. Nothing here logs or returns a credential.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import Any

import aiohttp
import orjson

from pulse.proxmox.calls import CallStats
from pulse.proxmox.errors import (
    ApiError,
    AuthError,
    FingerprintMismatch,
    PermissionDenied,
    ProxmoxError,
    RequestTimeout,
    TLSError,
    UnreachableError,
)
from pulse.proxmox.tls import SslArg, display_fingerprint

TICKET_RENEW_AFTER = 105 * 60.0  # tickets live 2 h; renew at 1 h 45 min


class Product(StrEnum):
    PVE = "PVE"
    PBS = "PBS"

    @property
    def label(self) -> str:
        return "Proxmox VE" if self is Product.PVE else "Proxmox Backup Server"


class Auth:
    """Credentials of one instance, shared by all its endpoints (cluster tickets are valid on
    every member)."""

    def __init__(self, product: Product, *, token_id: str = "", token_secret: str = "",
                 user: str = "", password: str = "") -> None:  # fmt: skip
        self.product = product
        self._header = ""
        if token_id and token_secret:
            sep = "=" if product is Product.PVE else ":"
            self._header = f"{product.value}APIToken={token_id}{sep}{token_secret}"
        self._user = user
        self._password = password
        self._ticket = ""
        self._csrf = ""
        self._issued = 0.0
        self._lock = asyncio.Lock()

    @property
    def uses_token(self) -> bool:
        return bool(self._header)

    def headers(self, method: str) -> dict[str, str]:
        if self._header:
            return {"Authorization": self._header}
        headers = {"Cookie": f"{self.product.value}AuthCookie={self._ticket}"}
        if method != "GET":
            headers["CSRFPreventionToken"] = self._csrf
        return headers

    def ticket_fresh(self) -> bool:
        return bool(self._ticket) and time.monotonic() - self._issued < TICKET_RENEW_AFTER

    async def ensure(self, transport: Transport, *, force: bool = False) -> None:
        """Log in when there is no ticket yet, when it is about to expire, or when forced."""
        if self._header or (self.ticket_fresh() and not force):
            return
        stale = self._ticket
        async with self._lock:
            if self._ticket != stale and self.ticket_fresh():
                return  # another request logged in while we waited
            if not self._user or "@" not in self._user:
                raise AuthError("the user name must look like user@realm (e.g. root@pam)")
            if not self._password:
                raise AuthError("no password or API token is configured for this instance")
            data = await transport.request(
                "POST", "/access/ticket", data={"username": self._user, "password": self._password},
                authenticated=False, label="/access/ticket",
            )  # fmt: skip
            if not isinstance(data, dict) or not isinstance(data.get("ticket"), str):
                raise AuthError("login failed: the server sent no ticket")
            if data.get("NeedTFA"):
                raise AuthError(
                    "this account uses two-factor authentication; use an API token instead"
                )
            self._ticket = data["ticket"]
            self._csrf = str(data.get("CSRFPreventionToken", ""))
            self._issued = time.monotonic()


def _error_text(body: bytes, reason: str | None) -> str:
    """The server's own message: PVE JSON `message`, else the reason phrase or the body text."""
    text = ""
    try:
        parsed = orjson.loads(body) if body else None
    except orjson.JSONDecodeError:
        parsed = None
    if isinstance(parsed, dict) and isinstance(parsed.get("message"), str):
        text = parsed["message"]
    elif parsed is None and body and not body.lstrip().startswith(b"<"):
        text = body.decode("utf-8", "replace")
    if not text:
        text = reason or ""
    text = " ".join(text.split())
    return text[:200]


class Transport:
    """HTTP calls to one base URL (`https://host:port`)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        base_url: str,
        auth: Auth,
        ssl_arg: SslArg,
        *,
        timeout: Callable[[], float],
        stats: CallStats,
    ) -> None:
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self.ssl_arg = ssl_arg
        self._timeout = timeout
        self._stats = stats

    @property
    def product(self) -> Product:
        return self.auth.product

    async def get(
        self, path: str, params: Mapping[str, str] | None = None, *, label: str | None = None
    ) -> Any:
        return await self.call("GET", path, params=params, label=label)

    async def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        label: str | None = None,
    ) -> Any:
        """An authenticated call; re-logs in once when a ticket was refused."""
        await self.auth.ensure(self)
        try:
            return await self.request(method, path, params=params, data=data, label=label)
        except AuthError:
            if self.auth.uses_token:
                raise
        await self.auth.ensure(self, force=True)
        return await self.request(method, path, params=params, data=data, label=label)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        data: Mapping[str, str] | None = None,
        authenticated: bool = True,
        label: str | None = None,
    ) -> Any:
        url = f"{self.base_url}/api2/json{path}"
        headers = self.auth.headers(method) if authenticated else {}
        started = time.monotonic()
        ok = False
        try:
            async with asyncio.timeout(self._timeout()):
                async with self.session.request(
                    method, url, params=params, data=data, headers=headers, ssl=self.ssl_arg,
                    allow_redirects=False,
                ) as response:  # fmt: skip
                    body = await response.read()
                    status, reason = response.status, response.reason
            result = self._decode(status, reason, body, path)
            ok = True
            return result
        except ProxmoxError:
            raise
        except TimeoutError:
            raise RequestTimeout(
                f"{self._where()} did not answer within {self._timeout():g} s"
            ) from None
        except aiohttp.ServerFingerprintMismatch as exc:
            raise FingerprintMismatch(
                f"certificate fingerprint changed/mismatch at {self._where()}: the server "
                f"presents {display_fingerprint(exc.got.hex())} but "
                f"{display_fingerprint(exc.expected.hex())} is pinned; if the certificate was "
                "renewed on purpose, update the fingerprint in the node settings"
            ) from None
        except aiohttp.ClientConnectorCertificateError as exc:
            detail = getattr(exc.certificate_error, "verify_message", "") or "verification failed"
            raise TLSError(
                f"the certificate of {self._where()} is not trusted ({detail}); "
                "pin its fingerprint or turn certificate verification off"
            ) from None
        except (aiohttp.ClientSSLError, aiohttp.ClientConnectorSSLError) as exc:
            raise TLSError(
                f"TLS handshake with {self._where()} failed ({_short(exc)}); is it https on the "
                "right port?"
            ) from None
        except aiohttp.ClientConnectorError as exc:
            raise UnreachableError(
                f"cannot connect to {self._where()} ({exc.strerror or _short(exc)})"
            ) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise UnreachableError(
                f"connection to {self._where()} failed ({_short(exc)})"
            ) from None
        finally:
            self._stats.record(label or path, time.monotonic() - started, ok)

    def _where(self) -> str:
        return self.base_url.split("://", 1)[-1]

    def _decode(self, status: int, reason: str | None, body: bytes, path: str) -> Any:
        if status == 401:
            raise AuthError(
                f"{self._where()} refused the credentials ({_error_text(body, reason) or '401'});"
                " check the user/token and its secret",
                status=status,
            )
        if status == 403:
            raise PermissionDenied(
                f"permission denied for {path} ({_error_text(body, reason) or '403'}); "
                "the token lacks a privilege",
                status=status,
            )
        if status >= 400 or status < 200:
            raise ApiError(
                f"{self.product.label} answered {status} for {path}: "
                f"{_error_text(body, reason) or 'no details'}",
                status=status,
            )
        if body.lstrip().startswith(b"<"):
            raise ApiError(
                f"{self._where()} answered with an HTML page instead of the API; check the "
                f"port ({'8006' if self.product is Product.PVE else '8007'}) and use https",
                status=status,
            )
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            raise ApiError(
                f"{self.product.label} sent unreadable data for {path}", status=status
            ) from None
        if not isinstance(payload, dict) or "data" not in payload:
            raise ApiError(
                f"{self.product.label} sent an unexpected answer for {path}", status=status
            )
        return payload["data"]


def _short(exc: BaseException) -> str:
    text = str(exc) or exc.__class__.__name__
    return text[:160]
