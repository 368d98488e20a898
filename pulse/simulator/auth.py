"""PVE/PBS authentication: API tokens, HMAC-signed tickets with expiry, CSRF tokens, privileges."""

from __future__ import annotations

import base64
import enum
import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass

# Privileges of the monitoring token: PVEAuditor + guest agent audit (VM.Monitor on PVE 8,
# VM.GuestAgent.Audit on 9) + what storage content needs to list backups (AllocateSpace, VM.Backup).
PVE_FULL = frozenset(
    {
        "Sys.Audit",
        "VM.Audit",
        "Datastore.Audit",
        "Datastore.AllocateSpace",
        "VM.Backup",
        "VM.Monitor",
        "VM.GuestAgent.Audit",
        "Pool.Audit",
        "SDN.Audit",
        "Mapping.Audit",
    }
)
# A PVEAuditor-like role without guest agent access nor backup visibility.
PVE_RESTRICTED = frozenset(
    {"Sys.Audit", "VM.Audit", "Datastore.Audit", "Pool.Audit", "SDN.Audit", "Mapping.Audit"}
)
PBS_FULL = frozenset({"Sys.Audit", "Datastore.Audit"})  # the `Audit` role on /
PBS_RESTRICTED = frozenset({"Sys.Audit"})  # no Datastore.Audit: datastore calls 403 / filtered


class Product(enum.StrEnum):
    PVE = "PVE"
    PBS = "PBS"


class AuthError(Exception):
    """Authentication failed (401) with the server's message."""


@dataclass(frozen=True, slots=True)
class Principal:
    auth_id: str
    privileges: frozenset[str]
    superuser: bool = False
    is_token: bool = False

    def has(self, *privs: str) -> bool:
        """True when any of ``privs`` is granted (PVE's check_any)."""
        return self.superuser or any(p in self.privileges for p in privs)


@dataclass(frozen=True, slots=True)
class Credentials:
    username: str
    password: str
    token_id: str
    token_secret: str
    restricted_token_id: str
    restricted_token_secret: str


class Authenticator:
    """Stateless like Proxmox: tickets are signed with a key; rotating the key expires them all."""

    def __init__(
        self, product: Product, creds: Credentials, now: Callable[[], float], lifetime: float
    ) -> None:
        self.product = product
        self.creds = creds
        self._now = now
        self.lifetime = lifetime
        self._key = secrets.token_bytes(32)
        full, restricted = (
            (PVE_FULL, PVE_RESTRICTED) if product is Product.PVE else (PBS_FULL, PBS_RESTRICTED)
        )
        self._tokens = {
            creds.token_id: (creds.token_secret, Principal(creds.token_id, full, is_token=True)),
            creds.restricted_token_id: (
                creds.restricted_token_secret,
                Principal(creds.restricted_token_id, restricted, is_token=True),
            ),
        }

    @property
    def cookie_name(self) -> str:
        return f"{self.product.value}AuthCookie"

    def rotate_key(self) -> None:
        """Invalidate every ticket issued so far (what an authkey rotation does on PVE)."""
        self._key = secrets.token_bytes(32)

    def _sign(self, text: str) -> str:
        return base64.b64encode(
            hmac.new(self._key, text.encode(), hashlib.sha256).digest()
        ).decode()

    def _ticket_user(self, ticket: str) -> str | None:
        parts = ticket.split(":")
        if len(parts) != 5 or parts[0] != self.product.value or parts[3] != "":
            return None
        plain = ":".join(parts[:3])
        if not hmac.compare_digest(self._sign(plain), parts[4]):
            return None
        try:
            issued = int(parts[2], 16)
        except ValueError:
            return None
        age = self._now() - issued
        if age < -300 or age > self.lifetime:
            return None
        return parts[1]

    def _csrf(self, user: str, stamp: str) -> str:
        return f"{stamp}:{self._sign(stamp + ':' + user)}"

    def login(self, username: str, password: str) -> dict[str, object]:
        """POST /access/ticket: the password may also be a still valid ticket (renewal)."""
        ok = username == self.creds.username and (
            hmac.compare_digest(password.encode(), self.creds.password.encode())
            or self._ticket_user(password) == username
        )
        if not ok:
            raise AuthError(
                "authentication failure"
                if self.product is Product.PVE
                else "permission check failed."
            )
        stamp = f"{int(self._now()):08X}"
        plain = f"{self.product.value}:{username}:{stamp}"
        return {
            "username": username,
            "ticket": f"{plain}::{self._sign(plain)}",
            "CSRFPreventionToken": self._csrf(username, stamp),
        }

    def authenticate(
        self, headers: Mapping[str, str], cookies: Mapping[str, str], method: str
    ) -> Principal:
        auth = headers.get("Authorization", "")
        if auth:
            return self._token(auth)
        ticket = cookies.get(self.cookie_name, "")
        if not ticket:
            raise AuthError(
                "No ticket"
                if self.product is Product.PVE
                else "authentication failed - no authentication credentials provided."
            )
        user = self._ticket_user(ticket)
        if user is None:
            raise AuthError(
                "invalid PVE ticket"
                if self.product is Product.PVE
                else "authentication failed - invalid ticket"
            )
        if method != "GET":
            csrf = headers.get("CSRFPreventionToken", "")
            stamp = csrf.split(":", 1)[0]
            if not csrf or not hmac.compare_digest(csrf, self._csrf(user, stamp)):
                raise AuthError("Permission denied - invalid csrf token")
        return Principal(user, frozenset(), superuser=user == self.creds.username)

    def _token(self, header: str) -> Principal:
        scheme = f"{self.product.value}APIToken"
        bad = AuthError(
            "invalid token value!"
            if self.product is Product.PVE
            else "authentication failed - invalid API token"
        )
        if not header.startswith(scheme):
            raise bad
        value = header[len(scheme) :].lstrip(" =")
        sep = "=" if self.product is Product.PVE else ":"
        token_id, found, secret = value.rpartition(sep)
        if not found or token_id not in self._tokens:
            raise bad
        expected, principal = self._tokens[token_id]
        if not hmac.compare_digest(secret.encode(), expected.encode()):
            raise bad
        return principal
