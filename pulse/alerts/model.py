"""The alert object: one firing (or resolved) alert per resource and metric, and its wire shapes."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pulse.models import rfc3339 as models_rfc3339


class AlertLevel(StrEnum):
    INFO = "info"  # only the webhook self-test sends it; the engine never raises one
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Severity order: info < warning < critical."""
        return _RANK[self]


_RANK = {AlertLevel.INFO: 0, AlertLevel.WARNING: 1, AlertLevel.CRITICAL: 2}
# The levels the engine raises, configurations choose from and history filters on.
ALERT_LEVELS = (AlertLevel.WARNING, AlertLevel.CRITICAL)


class ResourceType(StrEnum):
    """`metadata.resourceType`, also the first word of the message."""

    VM = "VM"
    CONTAINER = "Container"
    NODE = "Node"
    STORAGE = "Storage"
    PBS = "PBS"
    DATASTORE = "Datastore"


class Metric(StrEnum):
    """Alert `type` values. The first eleven are upstream's; the rest are ours (new types)."""

    CPU = "cpu"
    MEMORY = "memory"
    DISK = "disk"
    DISK_READ = "diskRead"
    DISK_WRITE = "diskWrite"
    NETWORK_IN = "networkIn"
    NETWORK_OUT = "networkOut"
    USAGE = "usage"  # storage and PBS datastores
    OFFLINE = "offline"  # node, guest or PBS server unreachable / not running
    POWERED_OFF = "poweredOff"  # a guest that should run is stopped
    BACKUP_AGE = "backupAge"  # newest backup older than N days (value in days)
    TEST = "test"  # the webhook self-test (never raised by the engine)


IO_METRICS = frozenset({Metric.DISK_READ, Metric.DISK_WRITE, Metric.NETWORK_IN, Metric.NETWORK_OUT})
STATE_METRICS = frozenset({Metric.OFFLINE, Metric.POWERED_OFF})
UNITLESS_METRICS = STATE_METRICS | {Metric.TEST}


def metric_unit(metric: Metric) -> str:
    """The unit of an alert's `value` and `threshold` ("" for on/off alerts such as offline)."""
    if metric in IO_METRICS:
        return "MB/s"
    if metric in UNITLESS_METRICS:
        return ""
    if metric is Metric.BACKUP_AGE:
        return "days"
    return "%"


def rfc3339(moment: datetime | None) -> str | None:
    """A time on the wire: RFC 3339 in UTC, `null` when unset (the API-wide convention of
    `pulse.models`)."""
    return None if moment is None else models_rfc3339(moment.timestamp())


def parse_rfc3339(text: Any) -> datetime | None:
    """The inverse of `rfc3339` (also accepts Go's nanosecond form); None when unparsable."""
    if not isinstance(text, str) or not text or text.startswith("0001-"):
        return None
    value = text.strip().replace("Z", "+00:00").replace("z", "+00:00")
    # Python parses at most 6 fractional digits: cut Go's nanoseconds down to microseconds.
    if "." in value:
        head, _, rest = value.partition(".")
        digits = ""
        while rest and rest[0].isdigit():
            digits, rest = digits + rest[0], rest[1:]
        value = f"{head}.{digits[:6].ljust(6, '0')}{rest}"
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _number(value: float) -> float | int:
    """Integral floats as ints on the wire (`80`, not `80.0`), as upstream prints them."""
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert. Immutable: the engine replaces it on every change, so a copy handed to the
    notifier or the history writer never changes under their feet."""

    id: str  # "<resourceId>-<type>"
    type: Metric
    level: AlertLevel
    resource_id: str
    resource_name: str
    node: str
    instance: str
    message: str
    value: float
    threshold: float
    start_time: datetime
    last_seen: datetime
    resource_type: ResourceType
    clear_threshold: float
    acknowledged: bool = False
    ack_time: datetime | None = None
    ack_user: str = ""
    peak_value: float = 0.0  # highest value seen while active (history records it)
    resolved_time: datetime | None = None
    last_escalation: int = 0
    escalation_times: tuple[datetime, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)  # more metadata (unit, lock, tags...)

    def replace(self, **changes: Any) -> Alert:
        return dataclasses.replace(self, **changes)

    @property
    def unit(self) -> str:
        """ "%", "MB/s", "days" or "" (offline alerts): how to print value and threshold."""
        return metric_unit(self.type)

    @property
    def resolved(self) -> bool:
        return self.resolved_time is not None

    @property
    def metadata(self) -> dict[str, Any]:
        return {
            "resourceType": str(self.resource_type),
            "clearThreshold": _number(self.clear_threshold),
            **self.extra,
        }

    def _identity_json(self) -> dict[str, Any]:
        """What the full object and the short copy in the state share."""
        return {
            "id": self.id,
            "type": str(self.type),
            "level": str(self.level),
            "resourceId": self.resource_id,
            "resourceName": self.resource_name,
            "node": self.node,
            "instance": self.instance,
            "message": self.message,
            "value": _number(round(self.value, 2)),
            "threshold": _number(self.threshold),
            "startTime": rfc3339(self.start_time),
        }

    def to_json(self) -> dict[str, Any]:
        """The full object (`/api/alerts/active`, history, websocket `alert`), reference §1.1."""
        data = self._identity_json()
        data["lastSeen"] = rfc3339(self.last_seen)
        data["acknowledged"] = self.acknowledged
        if self.acknowledged and self.ack_time is not None:
            data["ackTime"] = rfc3339(self.ack_time)
            data["ackUser"] = self.ack_user
        data["metadata"] = self.metadata
        if self.last_escalation:
            data["lastEscalation"] = self.last_escalation
        if self.escalation_times:
            data["escalationTimes"] = [rfc3339(t) for t in self.escalation_times]
        if self.resolved_time is not None:
            data["resolvedTime"] = rfc3339(self.resolved_time)
            data["peakValue"] = _number(round(self.peak_value, 2))
        return data

    def to_state_json(self) -> dict[str, Any]:
        """The short copy inside `/api/state` `activeAlerts` (state-model §3.16)."""
        data = self._identity_json()
        data["acknowledged"] = self.acknowledged
        if self.resolved_time is not None:
            data["resolvedTime"] = rfc3339(self.resolved_time)
        return data

    @classmethod
    def from_json(cls, data: Any) -> Alert | None:
        """Rebuild an alert written by `to_json` (persisted files); None when it is not one."""
        if not isinstance(data, dict):
            return None
        try:
            metadata = data.get("metadata") or {}
            start = parse_rfc3339(data.get("startTime"))
            if start is None:
                return None
            extra = {
                k: v for k, v in metadata.items() if k not in ("resourceType", "clearThreshold")
            }
            value = float(data.get("value", 0))
            return cls(
                id=str(data["id"]),
                type=Metric(data["type"]),
                level=AlertLevel(data.get("level", "warning")),
                resource_id=str(data["resourceId"]),
                resource_name=str(data.get("resourceName", "")),
                node=str(data.get("node", "")),
                instance=str(data.get("instance", "")),
                message=str(data.get("message", "")),
                value=value,
                threshold=float(data.get("threshold", 0)),
                start_time=start,
                last_seen=parse_rfc3339(data.get("lastSeen")) or start,
                resource_type=ResourceType(metadata.get("resourceType", "VM")),
                clear_threshold=float(metadata.get("clearThreshold", 0)),
                acknowledged=bool(data.get("acknowledged", False)),
                ack_time=parse_rfc3339(data.get("ackTime")),
                ack_user=str(data.get("ackUser", "")),
                peak_value=float(data.get("peakValue", value)),
                resolved_time=parse_rfc3339(data.get("resolvedTime")),
                last_escalation=int(data.get("lastEscalation", 0)),
                escalation_times=tuple(
                    t for t in map(parse_rfc3339, data.get("escalationTimes") or []) if t
                ),
                extra=extra if isinstance(extra, dict) else {},
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
