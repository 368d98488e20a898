"""Alert history: every alert raised (and how it ended), bounded by count and age.

Kept in memory and written as one JSON file (`<data dir>/alerts/alert-history.json`) by the
service, atomically and off the event loop. Entry on disk: `{"alert": <alert object>,
"timestamp": <when it was added>}` as upstream; unlike upstream the alert is updated when it
resolves (`resolvedTime`, `peakValue`) and acknowledgements are recorded.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pulse import jsonio
from pulse.alerts.model import Alert, AlertLevel, parse_rfc3339, rfc3339

log = logging.getLogger(__name__)

MAX_ENTRIES = 5000
MAX_AGE = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class HistoryQuery:
    """Filters of `GET /api/alerts/history` (the dashboard sends all of them)."""

    limit: int = 100
    offset: int = 0
    level: AlertLevel | None = None
    start: datetime | None = None
    end: datetime | None = None
    resource_id: str = ""


def _key(alert: Alert) -> str:
    return f"{alert.id}@{alert.start_time.timestamp():.6f}"


class AlertHistory:
    def __init__(self, *, max_entries: int = MAX_ENTRIES, max_age: timedelta = MAX_AGE) -> None:
        self.max_entries = max_entries
        self.max_age = max_age
        # key → (alert, time added); insertion order = oldest first.
        self._entries: OrderedDict[str, tuple[Alert, datetime]] = OrderedDict()
        self.version = 0  # bumped on every change: the file is rewritten only when it moved

    def __len__(self) -> int:
        return len(self._entries)

    def record(self, alert: Alert, now: datetime) -> None:
        """Add a raised alert, or update the entry of the same occurrence (resolved, acked)."""
        key = _key(alert)
        self.version += 1
        if key in self._entries:
            self._entries[key] = (alert, self._entries[key][1])
            return
        self._entries[key] = (alert, now)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def prune(self, now: datetime) -> int:
        """Drop entries older than max_age; returns how many went."""
        cutoff = now - self.max_age
        stale = [k for k, (_, added) in self._entries.items() if added < cutoff]
        for key in stale:
            del self._entries[key]
        self.version += bool(stale)
        return len(stale)

    def clear(self) -> None:
        self._entries.clear()
        self.version += 1

    def query(self, query: HistoryQuery) -> list[Alert]:
        """Matching alerts, newest first."""
        out: list[Alert] = []
        skipped = 0
        for alert, _added in reversed(self._entries.values()):
            if query.level is not None and alert.level is not query.level:
                continue
            if query.resource_id and alert.resource_id != query.resource_id:
                continue
            if query.start is not None and alert.start_time < query.start:
                continue
            if query.end is not None and alert.start_time > query.end:
                continue
            if skipped < query.offset:
                skipped += 1
                continue
            out.append(alert)
            if len(out) >= query.limit:
                break
        return out

    # -- file form --------------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        return jsonio.dumps(
            [
                {"alert": alert.to_json(), "timestamp": rfc3339(added)}
                for alert, added in self._entries.values()
            ]
        )

    def load(self, raw: bytes, now: datetime) -> None:
        """Replace the entries with a file's (bad entries skipped, limits applied)."""
        try:
            data: Any = jsonio.loads(raw)
        except ValueError:
            log.warning("alert history file is not valid JSON; starting with an empty history")
            return
        if not isinstance(data, list):
            return
        self._entries.clear()
        rows: list[tuple[Alert, datetime]] = []
        for item in data:
            if not isinstance(item, dict):
                continue
            alert = Alert.from_json(item.get("alert"))
            if alert is None:
                continue
            added = parse_rfc3339(item.get("timestamp")) or alert.start_time
            rows.append((alert, added))
        rows.sort(key=lambda row: row[1])
        for alert, added in rows:
            self.record(alert, added)
        self.prune(now)
