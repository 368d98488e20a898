"""The audit log: one JSON line per security event, in a bounded rotated file and in the log.

Events are named `area.action` (login.success, login.failure, lockout, logout,
password.change, token.generate, token.reveal, token.delete, csrf.failure, rate_limited,
security.setup, config.export, config.import, node.add, node.update, node.remove,
settings.update, ...). Details must never contain a secret; values are passed through the log's
secret filter anyway as a second line of defence.

Line format (upstream's declared struct): {"timestamp": RFC 3339, "event", "user"?, "ip",
"path"?, "success", "details"?}. The file is 0600, rotated at 1 MiB, 3 old files kept.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import queue
from datetime import UTC, datetime
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


class _PrivateRotatingFileHandler(logging.handlers.RotatingFileHandler):
    """Creates the audit file (and each rotated successor) readable by its owner only."""

    def _open(self) -> Any:
        fd = os.open(self.baseFilename, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        return os.fdopen(fd, "a", encoding=self.encoding, errors=self.errors)


class AuditLog:
    """Writes events through a background thread so the event loop never waits on the disk."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / AUDIT_FILE_NAME
        self._queue: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
        handler = _PrivateRotatingFileHandler(
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
            "timestamp": datetime.now(UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "event": event,
        }
        user = details.pop("user", None)
        if user is None and request is not None:
            who = request.get(keys.IDENTITY)
            user = who.user if who is not None else None
        if isinstance(user, str) and user:
            entry["user"] = user[:64]
        entry["ip"] = client_address(request)
        if request is not None:
            entry["path"] = request.path  # never the query string: it may carry ?token=
        entry["success"] = success
        if details:
            entry["details"] = details
        line = jsonio.dumps(entry).decode()
        log.info("audit %s", line)
        self._file_logger.info(line)
