"""Logging set-up: one line per event, and a filter that masks every secret Pulse knows."""

from __future__ import annotations

import logging
import re
import sys
import threading
from collections.abc import Iterable

MASK = "***"
# Secrets shorter than this are not masked by value: masking "ab" everywhere would garble logs.
MIN_SECRET_LENGTH = 4
# Credentials that may show up in text even before Pulse knows them as secrets.
_PATTERNS = (
    re.compile(r"(PVEAPIToken=[^=\s]+=)[^\s,;\"']+"),
    re.compile(r"(PBSAPIToken=[^:\s]+:)[^\s,;\"']+"),
    re.compile(r"((?:PVE|PBS)AuthCookie=)[^\s,;\"']+"),
    re.compile(r"((?:password|passwd|secret|token|apiToken|tokenValue)[\"']?\s*[:=]\s*[\"']?)"
               r"[^\s,;\"'&}]+", re.IGNORECASE),
)  # fmt: skip


class SecretMaskingFilter(logging.Filter):
    """Replaces known secret values and credential patterns in messages and tracebacks."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._secrets: tuple[str, ...] = ()

    def set_secrets(self, secrets: Iterable[str]) -> None:
        """Replace the set of secret values; longest first so substrings do not leak parts."""
        usable = {s for s in secrets if len(s) >= MIN_SECRET_LENGTH}
        with self._lock:
            self._secrets = tuple(sorted(usable, key=len, reverse=True))

    def add_secrets(self, secrets: Iterable[str]) -> None:
        self.set_secrets([*self._secrets, *secrets])

    def mask(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        for pattern in _PATTERNS:
            text = pattern.sub(rf"\g<1>{MASK}", text)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.mask(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True


secret_filter = SecretMaskingFilter()

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(level: str, *, stream: object = None) -> None:
    """Configure the root logger once: level from LOG_LEVEL, masking filter on the handler."""
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(logging.Formatter(_FORMAT, datefmt="%Y-%m-%dT%H:%M:%S%z"))
    handler.addFilter(secret_filter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # aiohttp's access log is one line per request; keep it at debug level only.
    logging.getLogger("aiohttp.access").setLevel(
        logging.DEBUG if level == "debug" else logging.WARNING
    )
