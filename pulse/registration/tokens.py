"""One-time registration tokens: what a setup script presents to `POST /api/auto-register`.

Only a SHA-256 of each token is kept (in memory: tokens live minutes, a restart simply
invalidates them); the token itself is shown once, when it is issued. Lookups go by hash, so
comparing a presented token leaks nothing about the stored ones.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

PREFIX = "PULSE-REG-"
DEFAULT_VALIDITY = 15 * 60.0
MAX_VALIDITY = 24 * 3600.0
MAX_USES = 100
NODE_TYPES = ("pve", "pbs")


class TokenError(Exception):
    """A presented token cannot be used; the message says why (no secret in it)."""


@dataclass(frozen=True, slots=True)
class RegistrationToken:
    digest: str
    hint: str  # the first characters, enough to tell tokens apart in a list
    created: float
    expires: float
    max_uses: int  # 0 = unlimited
    used: int
    allowed_types: tuple[str, ...]
    description: str
    created_by: str

    def to_json(self) -> dict[str, object]:
        return {
            "token": f"{self.hint}…",
            "id": self.digest[:16],
            "created": self.created,
            "expires": self.expires,
            "maxUses": self.max_uses,
            "usedCount": self.used,
            "allowedTypes": list(self.allowed_types),
            "description": self.description,
        }


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class RegistrationTokens:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._tokens: dict[str, RegistrationToken] = {}

    def issue(
        self,
        *,
        validity: float = DEFAULT_VALIDITY,
        max_uses: int = 1,
        allowed_types: tuple[str, ...] = NODE_TYPES,
        description: str = "",
        created_by: str = "",
    ) -> tuple[str, RegistrationToken]:
        """A new token (returned once, in clear) and its record."""
        self.prune()
        token = PREFIX + secrets.token_hex(16)
        now = self._clock()
        record = RegistrationToken(
            digest=_digest(token),
            hint=token[: len(PREFIX) + 4],
            created=now,
            expires=now + min(max(validity, 60.0), MAX_VALIDITY),
            max_uses=min(max(max_uses, 0), MAX_USES),
            used=0,
            allowed_types=tuple(allowed_types) or NODE_TYPES,
            description=description,
            created_by=created_by,
        )
        self._tokens[record.digest] = record
        return token, record

    def _live(self, token: str) -> RegistrationToken:
        record = self._tokens.get(_digest(token.strip()))
        if record is None:
            raise TokenError("invalid registration token")
        if self._clock() >= record.expires:
            del self._tokens[record.digest]
            raise TokenError("registration token expired")
        return record

    def check(self, token: str) -> RegistrationToken:
        """The live record of `token` without using it (setup-script downloads)."""
        return self._live(token)

    def consume(self, token: str, node_type: str) -> RegistrationToken:
        """Use the token once for a node of `node_type`; the last use deletes it."""
        record = self._live(token)
        if node_type not in record.allowed_types:
            raise TokenError(f"node type {node_type} is not allowed for this token")
        record = replace(record, used=record.used + 1)
        if record.max_uses and record.used >= record.max_uses:
            del self._tokens[record.digest]
        else:
            self._tokens[record.digest] = record
        return record

    def refund(self, record: RegistrationToken) -> None:
        """Give a use back when the registration failed for a reason the user can fix
        (the node was unreachable), so re-running the same script works."""
        if self._clock() < record.expires:
            self._tokens[record.digest] = replace(record, used=max(0, record.used - 1))

    def revoke(self, token_or_id: str) -> bool:
        key = token_or_id.strip()
        digest = _digest(key)
        if digest in self._tokens:
            del self._tokens[digest]
            return True
        for record in list(self._tokens.values()):
            if len(key) >= 8 and record.digest.startswith(key):
                del self._tokens[record.digest]
                return True
        return False

    def list(self) -> list[RegistrationToken]:
        self.prune()
        return sorted(self._tokens.values(), key=lambda r: r.created)

    def prune(self) -> None:
        now = self._clock()
        for digest in [d for d, r in self._tokens.items() if now >= r.expires]:
            del self._tokens[digest]
