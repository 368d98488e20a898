"""The data object webhook templates see (reference §6.4 fields, plus URL, Unit, Resolved)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from pulse.alerts.model import Alert
from pulse.notify.gotemplate import Struct

MAX_LISTED_NAMES = 10


def template_time(moment: datetime) -> str:
    """RFC 3339 with seconds precision and the server's offset (`Z` for UTC), as upstream's
    templates print it (the API's times are UTC with fractions: `pulse.alerts.model.rfc3339`)."""
    text = moment.astimezone().isoformat(timespec="seconds")
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def go_duration(seconds: float) -> str:
    """`42s`, `5m`, `3h 7m`, `2d 4h` (the reference's duration text)."""
    total = max(0, int(seconds))
    if total < 60:
        return f"{total}s"
    if total < 3600:
        return f"{total // 60}m"
    if total < 86400:
        return f"{total // 3600}h {total % 3600 // 60}m"
    return f"{total // 86400}d {total % 86400 // 3600}h"


def alert_fields(alert: Alert, now: datetime) -> Struct:
    """The per-alert fields (used at the top level and for each element of `.Alerts`)."""
    return Struct(
        ID=alert.id,
        Level=str(alert.level),
        Type=str(alert.type),
        ResourceName=alert.resource_name,
        ResourceID=alert.resource_id,
        Node=alert.node,
        Instance=alert.instance,
        Message=alert.message,
        Value=float(alert.value),
        Threshold=float(alert.threshold),
        Unit=alert.unit,
        StartTime=template_time(alert.start_time),
        Duration=go_duration((now - alert.start_time).total_seconds()),
        Resolved=alert.resolved,
    )


def grouped_message(alerts: Sequence[Alert]) -> str:
    """The first alert's message, naming the others when a batch holds several."""
    first = alerts[0].message
    others = alerts[1:]
    if not others:
        return first
    names = [a.resource_name or a.id for a in others[:MAX_LISTED_NAMES]]
    more = f", and {len(others) - len(names)} more" if len(others) > len(names) else ""
    noun = "alert" if len(others) == 1 else "alerts"
    return f"{first} (and {len(others)} more {noun}: {', '.join(names)}{more})"


def template_data(
    alerts: Sequence[Alert],
    *,
    now: datetime,
    resolved: bool = False,
    url: str = "",
    chat_id: str = "",
    custom_fields: Mapping[str, str] | None = None,
) -> Struct:
    """The object a template renders: the first alert's fields plus the whole batch."""
    first = alerts[0]
    data = alert_fields(first, now)
    data.update(
        Message=grouped_message(alerts),
        Resolved=resolved,
        Status="resolved" if resolved else "firing",
        Timestamp=template_time(now),
        Unix=int(now.timestamp()),
        URL=url,
        CustomFields=dict(custom_fields or {}),
        ChatID=chat_id,
        AlertCount=len(alerts),
        Alerts=[alert_fields(a, now) for a in alerts],
    )
    return data
