"""Login sessions: an encrypted `pulse_session` cookie plus a server-side registry of live ids.

The cookie (aiohttp-session's EncryptedCookieStorage, Fernet) only carries a random session
id; the id is valid while the registry holds it. Logout, a password change or expiry remove it,
so a copied cookie stops working at once. The registry (hashed ids, 0600 file) and the cookie
key (in the encrypted store) survive a restart, so a restart does not log anyone out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp_session import Session
from aiohttp_session.cookie_storage import EncryptedCookieStorage
from cryptography.fernet import Fernet

from pulse import keys
from pulse.security.persist import JsonStateFile

SESSION_COOKIE = "pulse_session"
CSRF_COOKIE = "pulse_csrf"
SESSION_SECONDS = 24 * 3600  # absolute lifetime from login (no sliding renewal)
FILE_NAME = "sessions.json"
MAX_SESSIONS = 1000  # the oldest session goes when a new one would exceed this


@dataclass(frozen=True, slots=True)
class SessionInfo:
    session_id: str  # the registry key (a hash of the id in the cookie)
    user: str
    created: float
    expires: float
    csrf_token: str


def _hash_id(raw_id: str) -> str:
    return hashlib.sha256(raw_id.encode("ascii", "replace")).hexdigest()


class SessionManager:
    def __init__(self, data_dir: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._sessions: dict[str, SessionInfo] = {}
        self._file = JsonStateFile(data_dir / FILE_NAME, self._snapshot)
        self._storages: tuple[EncryptedCookieStorage, EncryptedCookieStorage] | None = None
        self._load(self._file.load())

    def start(self, key: bytes) -> None:
        """Install the cookie key (from the encrypted store). Called once at start-up."""
        fernet = Fernet(base64.urlsafe_b64encode(key))
        params: dict[str, Any] = {
            "cookie_name": SESSION_COOKIE,
            "max_age": SESSION_SECONDS,
            "httponly": True,
            "samesite": "Lax",
        }
        self._storages = (
            EncryptedCookieStorage(fernet, secure=False, **params),
            EncryptedCookieStorage(fernet, secure=True, **params),
        )

    def _storage(self, request: web.Request) -> EncryptedCookieStorage:
        if self._storages is None:
            raise RuntimeError("SessionManager.start() was not called")
        return self._storages[1 if request.get(keys.CLIENT_HTTPS, False) else 0]

    # -- persistence ---------------------------------------------------------------------------

    def _load(self, raw: dict[str, Any]) -> None:
        now = self.clock()
        entries = raw.get("sessions")
        if not isinstance(entries, dict):
            return
        for sid, value in entries.items():
            if not isinstance(value, dict):
                continue
            try:
                info = SessionInfo(
                    str(sid),
                    str(value["user"]),
                    float(value["created"]),
                    float(value["expires"]),
                    str(value["csrf"]),
                )
            except (KeyError, TypeError, ValueError):
                continue
            if info.expires > now:
                self._sessions[info.session_id] = info

    def _snapshot(self) -> dict[str, Any]:
        return {
            "version": 1,
            "sessions": {
                sid: {"user": s.user, "created": s.created, "expires": s.expires,
                      "csrf": s.csrf_token}
                for sid, s in self._sessions.items()
            },
        }  # fmt: skip

    async def flush(self) -> None:
        await self._file.flush()

    def __len__(self) -> int:
        return len(self._sessions)

    # -- reading -------------------------------------------------------------------------------

    def get(self, session_id: str) -> SessionInfo | None:
        """The live session with this registry id (None when ended or expired)."""
        info = self._sessions.get(session_id) if session_id else None
        return info if info is not None and info.expires > self.clock() else None

    def has_cookie(self, request: web.Request) -> bool:
        return bool(request.cookies.get(SESSION_COOKIE))

    async def current(self, request: web.Request) -> SessionInfo | None:
        """The live session the request's cookie names; None when absent, forged or ended."""
        if not self.has_cookie(request):
            return None
        # Fernet rejects forged cookies and, with ttl=max_age, cookies older than 24 hours.
        cookie = await self._storage(request).load_session(request)
        raw_id = cookie.get("sid")
        if cookie.new or not isinstance(raw_id, str):
            return None
        info = self._sessions.get(_hash_id(raw_id))
        if info is None:
            return None
        if info.expires <= self.clock():
            self._drop({info.session_id})
            return None
        return info

    # -- changes -------------------------------------------------------------------------------

    async def login(
        self, request: web.Request, response: web.StreamResponse, user: str
    ) -> SessionInfo:
        """Start a new session (a fresh id, never the one the browser sent) and set both
        cookies on `response`."""
        old = await self.current(request)
        if old is not None:
            self._sessions.pop(old.session_id, None)
        now = self.clock()
        raw_id = secrets.token_hex(32)
        info = SessionInfo(
            _hash_id(raw_id), user, now, now + SESSION_SECONDS, secrets.token_urlsafe(32)
        )
        self._sessions[info.session_id] = info
        while len(self._sessions) > MAX_SESSIONS:
            self._sessions.pop(next(iter(self._sessions)))
        self._file.schedule_save()
        cookie = Session(None, data=None, new=True, max_age=SESSION_SECONDS)
        cookie["sid"] = raw_id
        await self._storage(request).save_session(request, response, cookie)
        self.set_csrf_cookie(request, response, info.csrf_token)
        return info

    async def logout(self, request: web.Request, response: web.StreamResponse) -> bool:
        """End the request's session (if any) and clear both cookies; True if one ended."""
        info = await self.current(request)
        if info is not None:
            self._drop({info.session_id})
        response.del_cookie(SESSION_COOKIE, path="/")
        response.del_cookie(CSRF_COOKIE, path="/")
        return info is not None

    def revoke_all(self, *, user: str | None = None) -> int:
        """End every session (of `user`, or all); returns how many ended."""
        ended = {sid for sid, s in self._sessions.items() if user is None or s.user == user}
        self._drop(ended)
        return len(ended)

    def _drop(self, session_ids: set[str]) -> None:
        if not session_ids:
            return
        for sid in session_ids:
            self._sessions.pop(sid, None)
        self._file.schedule_save()

    # -- CSRF ----------------------------------------------------------------------------------

    @staticmethod
    def csrf_matches(info: SessionInfo, presented: str) -> bool:
        if not presented:
            return False
        return hmac.compare_digest(presented.encode("utf-8"), info.csrf_token.encode("utf-8"))

    def set_csrf_cookie(
        self, request: web.Request, response: web.StreamResponse, token: str
    ) -> None:
        """`pulse_csrf`: readable by the dashboard's script (not HttpOnly), SameSite=Strict."""
        response.set_cookie(
            CSRF_COOKIE,
            token,
            path="/",
            max_age=SESSION_SECONDS,
            samesite="Strict",
            secure=request.get(keys.CLIENT_HTTPS, False),
        )
