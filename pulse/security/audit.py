"""The audit log: one JSON line per security event, in a bounded rotated file and in the log.

Events are named `area.action` (login.success, login.failure, lockout, logout,
password.change, token.generate, token.delete, config.export, config.import, node.add,
node.update, node.remove, settings.update, ...). Details must never contain a secret; values
are passed through the log's secret filter anyway as a second line of defence.
"""

from __future__ import annotations

import logging
import logging.handlers
import queue
import time
from pathlib import Path
from typing import Any

from aiohttp import web

from pulse import jsonio, keys
from pulse.logs import secret_filter

AUDIT_FILE_NAME = "audit.log"
MAX_BYTES = 1024 * 1024
BACKUP_COUNT = 3

log = logging.getLogger("pulse.audit")


def client_address(request: web.Request | None) -> str:
    """The client address the security layer resolved (trusted proxies applied), else the peer."""
    if request is None:
        return ""
    return request.get(keys.CLIENT_IP) or request.remote or ""


class AuditLog:
    """Writes events through a background thread so the event loop never waits on the disk."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / AUDIT_FILE_NAME
        self._queue: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
        handler = logging.handlers.RotatingFileHandler(
            self.path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8", delay=True
        )
        handler.setFormatter(logging.Formatter("%(message)s"))
        handler.addFilter(secret_filter)
        self._listener = logging.handlers.QueueListener(self._queue, handler)
        self._file_logger = logging.Logger("pulse.audit.file")
        self._file_logger.addHandler(logging.handlers.QueueHandler(self._queue))
        self._started = False

    def start(self) -> None:
        if not self._started:
            self._listener.start()
            self._started = True

    def stop(self) -> None:
        if self._started:
            self._listener.stop()
            self._started = False

    def record(
        self,
        event: str,
        request: web.Request | None = None,
        *,
        success: bool = True,
        **details: Any,
    ) -> None:
        entry: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "event": event,
            "success": success,
            "ip": client_address(request),
        }
        if request is not None:
            entry["path"] = request.path
            who = request.get(keys.IDENTITY)
            if who is not None and who.user:
                entry["user"] = who.user
        entry.update(details)
        line = jsonio.dumps(entry).decode()
        log.info("audit %s", line)
        self._file_logger.info(line)
