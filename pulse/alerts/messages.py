"""Alert message texts: upstream's shape, with the right unit for each metric."""

from __future__ import annotations

from datetime import datetime

from pulse.alerts.model import IO_METRICS, Metric, ResourceType, metric_unit


def _amount(value: float, unit: str, decimals: int) -> str:
    text = f"{value:.{decimals}f}"
    return f"{text}%" if unit == "%" else f"{text} {unit}"


def threshold_message(
    resource_type: ResourceType, metric: Metric, value: float, trigger: float, clear: float
) -> str:
    """`VM cpu usage at 87.3% (trigger: 80%, clear: 75%)`; `VM diskRead at 160.0 MB/s (...)`;
    storage and datastores say `Storage usage at 91.2% (...)` (not upstream's "usage usage")."""
    unit = metric_unit(metric)
    if metric is Metric.USAGE:
        subject = f"{resource_type} usage"
    elif metric in IO_METRICS:
        subject = f"{resource_type} {metric}"
    else:
        subject = f"{resource_type} {metric} usage"
    return (
        f"{subject} at {_amount(value, unit, 1)} "
        f"(trigger: {_amount(trigger, unit, 0)}, clear: {_amount(clear, unit, 0)})"
    )


def state_message(resource_type: ResourceType, metric: Metric, name: str) -> str:
    """`Node pve1 is offline`, `VM web is powered off`."""
    what = "powered off" if metric is Metric.POWERED_OFF else "offline"
    return f"{resource_type} {name} is {what}"


def backup_message(
    resource_type: ResourceType, name: str, newest: datetime | None, age_days: float, limit: float
) -> str:
    """`VM web: newest backup is 9.2 days old (limit: 7 days)` or `... has no backup`."""
    if newest is None:
        return f"{resource_type} {name} has no backup"
    return (
        f"{resource_type} {name}: newest backup is {age_days:.1f} days old (limit: {limit:g} days)"
    )
