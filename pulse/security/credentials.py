"""The credentials Pulse accepts: the dashboard password (bcrypt) and the API token.

Both come from the deployment settings (env `PULSE_PASSWORD`/`PULSE_AUTH_PASS`, `API_TOKEN`, or
the YAML file) or else from the store section `security`, which the dashboard edits:

    security:
      username: admin          # only when set by quick-setup
      passwordHash: $2b$12$... # bcrypt, cost 12
      apiToken: <64 hex>       # generated in Settings; kept encrypted so it can be revealed
      sessionKey: <base64>     # Fernet key of the session cookie (sessions survive a restart)

A setting from the environment or the file wins and cannot be changed through the API.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import secrets
import time
from enum import StrEnum
from typing import Any

from pulse.config.settings import Settings
from pulse.errors import StartupError
from pulse.security import passwords
from pulse.store.config_store import ConfigStore

log = logging.getLogger(__name__)

SECTION = "security"
TOKEN_BYTES = 32  # 64 hex characters, as upstream generates
# Scripts using HTTP Basic would pay a bcrypt check (~0.3 s) per request; a verified
# user/password pair is remembered briefly (as a keyed digest, never the password itself).
BASIC_CACHE_SECONDS = 300
BASIC_CACHE_SIZE = 64
# At most this many bcrypt runs at once: a burst of logins must not occupy every worker thread
# that store saves and other off-loop work share.
BCRYPT_SLOTS = 2


class Source(StrEnum):
    """Where a credential comes from (reported by /api/security/status)."""

    NONE = "none"
    ENV = "env"
    FILE = "config file"
    COMMAND_LINE = "command line"
    SETTINGS = "settings"


def _setting_source(settings: Settings, name: str) -> Source:
    origin = settings.sources.get(name, "default")
    if origin.startswith("env "):
        return Source.ENV
    if origin.startswith("file "):
        return Source.FILE
    return Source.COMMAND_LINE


def tokens_equal(presented: str, expected: str) -> bool:
    """Constant-time comparison of two token strings (False when either is empty)."""
    if not presented or not expected:
        return False
    return hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))


class Credentials:
    """The effective user, password hash and API token; the only reader of `security`."""

    def __init__(self, settings: Settings, store: ConfigStore) -> None:
        self._settings = settings
        self._store = store
        self._env_hash: str | None = None
        self._cache_key = secrets.token_bytes(32)
        self._verified: dict[bytes, float] = {}
        self._bcrypt_slots = asyncio.Semaphore(BCRYPT_SLOTS)
        self.setup_lock = asyncio.Lock()  # first-run set-up: one caller wins
        if settings.password and passwords.is_bcrypt_hash(settings.password):
            self._env_hash = settings.password

    # -- start-up ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Hash a plain-text environment password once (in a thread); keep only the hash."""
        plain = self._settings.password
        if plain and self._env_hash is None:
            if len(plain.encode("utf-8")) > passwords.MAX_PASSWORD_BYTES:
                raise StartupError(
                    f"invalid setting password: longer than {passwords.MAX_PASSWORD_BYTES} bytes"
                )
            self._env_hash = await passwords.hash_password(plain)
            log.warning(
                "the dashboard password is set in plain text; store a hash instead "
                "(create one with `pulse hash-password`)"
            )

    async def session_key(self) -> bytes:
        """The 32-byte session cookie key, created once and kept in the encrypted store."""
        section = self._section()
        encoded = section.get("sessionKey")
        if isinstance(encoded, str):
            try:
                key = base64.urlsafe_b64decode(encoded.encode("ascii"))
            except ValueError:
                key = b""
            if len(key) == 32:
                return key
            log.warning(
                "stored session key is invalid; creating a new one (everyone logs in again)"
            )
        key = secrets.token_bytes(32)
        section["sessionKey"] = base64.urlsafe_b64encode(key).decode("ascii")
        await self._store.save({SECTION: section})
        return key

    # -- what is configured --------------------------------------------------------------------

    def _section(self) -> dict[str, Any]:
        section = self._store.get(SECTION, {})
        return dict(section) if isinstance(section, dict) else {}

    @property
    def username(self) -> str:
        """PULSE_AUTH_USER when set, else the name quick-setup stored, else admin."""
        if "auth_user" not in self._settings.sources:
            stored = self._section().get("username")
            if isinstance(stored, str) and stored:
                return stored
        return self._settings.auth_user or "admin"

    @property
    def password_hash(self) -> str:
        if self._settings.password:
            # Until start() has hashed a plain env password nothing can match it.
            return self._env_hash or ""
        stored = self._section().get("passwordHash")
        return stored if isinstance(stored, str) else ""

    @property
    def has_password(self) -> bool:
        return bool(self._settings.password) or bool(self.password_hash)

    @property
    def password_source(self) -> Source:
        if self._settings.password:
            return _setting_source(self._settings, "password")
        return Source.SETTINGS if self.password_hash else Source.NONE

    @property
    def api_token(self) -> str:
        if self._settings.api_token:
            return self._settings.api_token
        stored = self._section().get("apiToken")
        return stored if isinstance(stored, str) else ""

    @property
    def has_token(self) -> bool:
        return bool(self.api_token)

    @property
    def token_source(self) -> Source:
        if self._settings.api_token:
            return _setting_source(self._settings, "api_token")
        return Source.SETTINGS if self.api_token else Source.NONE

    @property
    def configured(self) -> bool:
        """True once a password or a token exists: from then on every private route needs one."""
        return self.has_password or self.has_token

    # -- checks --------------------------------------------------------------------------------

    def token_matches(self, presented: str) -> bool:
        return tokens_equal(presented, self.api_token)

    def username_matches(self, username: str | None) -> bool:
        """An omitted user name means the configured one (the login form may leave it out)."""
        if username is None or username == "":
            return True
        return hmac.compare_digest(username.encode("utf-8"), self.username.encode("utf-8"))

    def _digest(self, username: str, password: str) -> bytes:
        material = f"{self.password_hash}\0{username}\0{password}".encode()
        return hmac.new(self._cache_key, material, hashlib.sha256).digest()

    def recently_verified(self, username: str | None, password: str) -> bool:
        """True when this user/password pair passed a cached check minutes ago."""
        if not self.password_hash or not password or not self.username_matches(username):
            return False
        return self._verified.get(self._digest(username or "", password), 0.0) > time.monotonic()

    async def verify(self, username: str | None, password: str, *, cache: bool = False) -> bool:
        """Check a user name and password; bcrypt runs in a worker thread.

        `cache=True` (HTTP Basic on every request of a script) remembers a success for a few
        minutes; a password change forgets everything at once.
        """
        password_hash = self.password_hash
        if not password_hash or not password:
            return False
        user_ok = self.username_matches(username)
        digest = self._digest(username or "", password)
        now = time.monotonic()
        if cache and self._verified.get(digest, 0.0) > now:
            return user_ok
        # bcrypt runs even for a wrong user name, so timing does not reveal which one was wrong.
        async with self._bcrypt_slots:
            ok = await passwords.check_password(password, password_hash) and user_ok
        if ok and cache:
            self._verified = {k: v for k, v in self._verified.items() if v > now}
            if len(self._verified) >= BASIC_CACHE_SIZE:
                self._verified.pop(next(iter(self._verified)))
            self._verified[digest] = now + BASIC_CACHE_SECONDS
        return ok

    # -- changes (through the API) -------------------------------------------------------------

    async def set_password(self, new_password: str, *, username: str | None = None) -> None:
        """Store a new bcrypt hash (the caller has checked that it may be changed)."""
        async with self._bcrypt_slots:
            new_hash = await passwords.hash_password(new_password)
        section = self._section()
        section["passwordHash"] = new_hash
        if username:
            section["username"] = username
        await self._store.save({SECTION: section})
        self._verified.clear()

    async def generate_token(self) -> str:
        token = secrets.token_hex(TOKEN_BYTES)
        await self.store_token(token)
        return token

    async def store_token(self, token: str) -> None:
        section = self._section()
        section["apiToken"] = token
        await self._store.save({SECTION: section})

    async def delete_token(self) -> None:
        section = self._section()
        section.pop("apiToken", None)
        await self._store.save({SECTION: section})
