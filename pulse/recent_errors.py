"""`RecentErrors`: the last warnings and errors Pulse logged, masked, for /api/diagnostics."""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from typing import Any

from pulse.logs import secret_filter
from pulse.models import rfc3339

MAX_ENTRIES = 50
MAX_MESSAGE = 500  # characters; a log line is a hint, not a dump


@dataclass(frozen=True, slots=True)
class LogEntry:
    time: float
    level: str
    logger: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {
            "time": rfc3339(self.time),
            "level": self.level,
            "logger": self.logger,
            "message": self.message,
        }


class RecentErrors(logging.Handler):
    """A bounded ring of WARNING+ records of the `pulse` loggers (memory stays flat)."""

    def __init__(self, size: int = MAX_ENTRIES) -> None:
        super().__init__(logging.WARNING)
        self._entries: deque[LogEntry] = deque(maxlen=size)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            # Masked here: the stream handler's filter may run after us, or not at all.
            message = secret_filter.mask(record.getMessage())
            if record.exc_info and record.exc_info[1] is not None:
                message += f" ({type(record.exc_info[1]).__name__})"
            if len(message) > MAX_MESSAGE:
                message = message[:MAX_MESSAGE] + "…"
            self._entries.append(LogEntry(record.created, record.levelname, record.name, message))
        except Exception:
            self.handleError(record)

    def entries(self) -> list[LogEntry]:
        """Oldest first."""
        return list(self._entries)
