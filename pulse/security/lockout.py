"""Failed-login lockout: per client IP a lock, per user name a slow-down; survives a restart.

Upstream counted failures forever and re-locked on the next single typo after a lock, and its
per-user lock let anyone lock the admin out. Here failures count within a rolling 15-minute
window; the 5th failure from one IP locks that IP for 15 minutes and starts a fresh window.
Failures against one user name from many IPs only slow that name down (a growing delay of at
most a minute), so a stranger cannot lock the owner out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulse.security.persist import JsonStateFile

FILE_NAME = "lockout.json"
MAX_FAILURES = 5
WINDOW_SECONDS = 15 * 60
LOCK_SECONDS = 15 * 60
USER_DELAY_MAX = 60
MAX_ENTRIES = 10_000  # bounded memory whatever a password sprayer sends


@dataclass(slots=True)
class _Entry:
    failures: list[float] = field(default_factory=list)
    locked_until: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return {"failures": self.failures, "lockedUntil": self.locked_until}

    @classmethod
    def from_json(cls, raw: object) -> _Entry | None:
        if not isinstance(raw, dict):
            return None
        failures = raw.get("failures", [])
        locked = raw.get("lockedUntil", 0.0)
        if not isinstance(failures, list) or not isinstance(locked, int | float):
            return None
        return cls([float(f) for f in failures if isinstance(f, int | float)], float(locked))


@dataclass(frozen=True, slots=True)
class Verdict:
    """Outcome of a failed attempt: locked for `retry_after` seconds, or attempts left."""

    retry_after: int
    attempts_left: int


def _user_key(username: str) -> str:
    return username.strip().lower()[:64]


class Lockout:
    def __init__(self, data_dir: Path, *, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._ips: dict[str, _Entry] = {}
        self._users: dict[str, _Entry] = {}
        self._pending: dict[str, int] = {}
        self._next_prune = 0.0
        self._file = JsonStateFile(data_dir / FILE_NAME, self._snapshot)
        self._load(self._file.load())

    # -- persistence ---------------------------------------------------------------------------

    def _load(self, raw: dict[str, Any]) -> None:
        for name, target in (("ips", self._ips), ("users", self._users)):
            section = raw.get(name)
            if isinstance(section, dict):
                for key, value in list(section.items())[:MAX_ENTRIES]:
                    entry = _Entry.from_json(value)
                    if entry is not None:
                        target[str(key)] = entry
        self._prune()

    def _snapshot(self) -> dict[str, Any]:
        return {
            "version": 1,
            "ips": {k: v.to_json() for k, v in self._ips.items()},
            "users": {k: v.to_json() for k, v in self._users.items()},
        }

    async def flush(self) -> None:
        await self._file.flush()

    def _prune(self) -> None:
        now = self.clock()
        for table in (self._ips, self._users):
            for key in [k for k, e in table.items() if not self._live(e, now)]:
                del table[key]
            while len(table) > MAX_ENTRIES:  # oldest first (dicts keep insertion order)
                del table[next(iter(table))]

    @staticmethod
    def _live(entry: _Entry, now: float) -> bool:
        entry.failures = [t for t in entry.failures if now - t < WINDOW_SECONDS]
        return bool(entry.failures) or entry.locked_until > now

    # -- checks --------------------------------------------------------------------------------

    def _user_delay(self, entry: _Entry) -> int:
        extra = len(entry.failures) - MAX_FAILURES
        return 0 if extra < 0 else min(USER_DELAY_MAX, 2**extra)

    def retry_after(self, ip: str, username: str) -> int:
        """Seconds until this IP may try a password (or the API token) again; 0 = now."""
        now = self.clock()
        waits = [0.0]
        ip_entry = self._ips.get(ip)
        if ip_entry is not None and ip_entry.locked_until > now:
            waits.append(ip_entry.locked_until - now)
        user_entry = self._users.get(_user_key(username))
        if user_entry is not None and self._live(user_entry, now) and user_entry.failures:
            waits.append(user_entry.failures[-1] + self._user_delay(user_entry) - now)
        wait = max(waits)
        return int(wait) + (1 if wait > int(wait) else 0)

    def reserve(self, ip: str) -> bool:
        """Claim one of the IP's remaining attempts while a password check runs, so parallel
        requests cannot try more than 5 passwords before the lock lands."""
        entry = self._ips.get(ip)
        failures = 0
        if entry is not None and self._live(entry, self.clock()):
            failures = len(entry.failures)
        pending = self._pending.get(ip, 0)
        if failures + pending >= MAX_FAILURES:
            return False
        self._pending[ip] = pending + 1
        return True

    def release(self, ip: str) -> None:
        pending = self._pending.get(ip, 0) - 1
        if pending > 0:
            self._pending[ip] = pending
        else:
            self._pending.pop(ip, None)

    def record_failure(self, ip: str, username: str) -> Verdict:
        """Count one failure; lock the IP at the 5th within the window."""
        now = self.clock()
        ip_entry = self._ips.pop(ip, None) or _Entry()
        self._live(ip_entry, now)
        ip_entry.failures.append(now)
        self._ips[ip] = ip_entry  # re-inserted: most recent last, pruned last
        retry = 0
        if len(ip_entry.failures) >= MAX_FAILURES:
            ip_entry.failures = []  # a fresh window once the lock ends
            ip_entry.locked_until = now + LOCK_SECONDS
            retry = LOCK_SECONDS
        if username:
            key = _user_key(username)
            user_entry = self._users.pop(key, None) or _Entry()
            self._live(user_entry, now)
            user_entry.failures.append(now)
            self._users[key] = user_entry
        for table in (self._ips, self._users):
            while len(table) > MAX_ENTRIES:  # least recently failed first
                del table[next(iter(table))]
        if now >= self._next_prune:
            self._next_prune = now + WINDOW_SECONDS
            self._prune()
        self._file.schedule_save()
        return Verdict(retry, max(0, MAX_FAILURES - len(ip_entry.failures)) if not retry else 0)

    def record_success(self, ip: str, username: str) -> None:
        """A correct password clears that IP's and that user's failures."""
        removed = self._ips.pop(ip, None) is not None
        removed = (self._users.pop(_user_key(username), None) is not None) or removed
        if removed:
            self._file.schedule_save()

    def locked_ips(self) -> int:
        now = self.clock()
        return sum(1 for e in self._ips.values() if e.locked_until > now)
