"""A small JSON state file (sessions, lockouts) saved atomically and off the event loop.

Saves are coalesced: at most one write runs at a time and a burst of changes (a password
spraying client) becomes one or two writes, each holding the newest snapshot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pulse import jsonio
from pulse.store.atomic import atomic_write

log = logging.getLogger(__name__)


class JsonStateFile:
    """Loads a JSON object once; `schedule_save()` persists `snapshot()` in the background."""

    def __init__(self, path: Path, snapshot: Callable[[], dict[str, Any]]) -> None:
        self.path = path
        self._snapshot = snapshot
        self._dirty = False
        self._task: asyncio.Task[None] | None = None

    def load(self) -> dict[str, Any]:
        """The saved object, or {} when missing or unreadable (logged, never fatal)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            log.warning("cannot read %s: %s", self.path, exc.strerror or exc)
            return {}
        try:
            value = jsonio.loads(raw)
        except ValueError:
            log.warning("%s is not valid JSON; starting from an empty state", self.path)
            return {}
        return value if isinstance(value, dict) else {}

    def schedule_save(self) -> None:
        """Persist soon; returns at once. Without a running loop, writes synchronously."""
        self._dirty = True
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.save_now()
            return
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._writer())

    async def _writer(self) -> None:
        while self._dirty:
            self._dirty = False
            data = jsonio.dumps(self._snapshot())
            try:
                await asyncio.to_thread(atomic_write, self.path, data, mode=0o600)
            except OSError as exc:
                log.error("cannot write %s: %s", self.path, exc.strerror or exc)

    async def flush(self) -> None:
        """Wait for pending writes (shutdown, tests)."""
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._dirty:
            await self._writer()

    def save_now(self) -> None:
        self._dirty = False
        try:
            atomic_write(self.path, jsonio.dumps(self._snapshot()), mode=0o600)
        except OSError as exc:
            log.error("cannot write %s: %s", self.path, exc.strerror or exc)
