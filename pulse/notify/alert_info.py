"""The notifier's read-only view of an alert, built from the alert engine's JSON form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol


class AlertLike(Protocol):
    """What the notifier needs from the alert engine's `Alert`: its reference JSON form."""

    def to_json(self) -> dict[str, Any]: ...


class Level(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


LEVEL_RANK = {"info": 0, "warning": 1, "critical": 2}


def level_rank(level: str) -> int:
    return LEVEL_RANK.get(level, 1)


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _number(data: Mapping[str, Any], key: str) -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return 0.0
    return float(value)


def _time(data: Mapping[str, Any], key: str) -> datetime | None:
    value = data.get(key)
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not value or value.startswith("0001-"):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class AlertInfo:
    """One alert as the notifier sees it (a copy: changing it never touches the engine's)."""

    id: str
    type: str
    level: str
    resource_id: str
    resource_name: str
    node: str
    instance: str
    message: str
    value: float
    threshold: float
    start_time: datetime
    acknowledged: bool = False
    resolved_time: datetime | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> AlertInfo:
        metadata = data.get("metadata")
        return cls(
            id=_text(data, "id"),
            type=_text(data, "type"),
            level=_text(data, "level") or Level.WARNING,
            resource_id=_text(data, "resourceId"),
            resource_name=_text(data, "resourceName"),
            node=_text(data, "node"),
            instance=_text(data, "instance"),
            message=_text(data, "message"),
            value=_number(data, "value"),
            threshold=_number(data, "threshold"),
            start_time=_time(data, "startTime") or datetime.now(UTC).astimezone(),
            acknowledged=data.get("acknowledged") is True,
            resolved_time=_time(data, "resolvedTime"),
            metadata=dict(metadata) if isinstance(metadata, Mapping) else {},
        )

    @classmethod
    def of(cls, alert: AlertLike | AlertInfo | Mapping[str, Any]) -> AlertInfo:
        """Accept the engine's Alert, an AlertInfo or the JSON mapping."""
        if isinstance(alert, AlertInfo):
            return alert
        if isinstance(alert, Mapping):
            return cls.from_json(alert)
        return cls.from_json(alert.to_json())

    def with_message(self, message: str) -> AlertInfo:
        return replace(self, message=message)

    def to_json(self) -> dict[str, Any]:
        """The reference's alert object (generic webhook payloads carry it)."""
        out: dict[str, Any] = {
            "id": self.id,
            "type": self.type,
            "level": self.level,
            "resourceId": self.resource_id,
            "resourceName": self.resource_name,
            "node": self.node,
            "instance": self.instance,
            "message": self.message,
            "value": self.value,
            "threshold": self.threshold,
            "startTime": self.start_time.isoformat(),
            "acknowledged": self.acknowledged,
        }
        if self.resolved_time is not None:
            out["resolvedTime"] = self.resolved_time.isoformat()
        if self.metadata:
            out["metadata"] = self.metadata
        return out
