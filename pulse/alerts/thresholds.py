"""Threshold objects and threshold sets (defaults, overrides, custom-rule thresholds)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pulse.alerts.model import Metric
from pulse.alerts.parsing import AlertConfigError, as_object, boolean, compact, number

GUEST_METRICS = (
    Metric.CPU,
    Metric.MEMORY,
    Metric.DISK,
    Metric.DISK_READ,
    Metric.DISK_WRITE,
    Metric.NETWORK_IN,
    Metric.NETWORK_OUT,
)
NODE_METRICS = (Metric.CPU, Metric.MEMORY, Metric.DISK)
THRESHOLD_METRICS = (*GUEST_METRICS, Metric.USAGE)
# Per-resource on/off switches an override may carry (true = alert, false = never).
SWITCH_METRICS = (Metric.OFFLINE, Metric.POWERED_OFF, Metric.BACKUP_AGE)
MAX_DELAY_SECONDS = 7 * 86400


@dataclass(frozen=True, slots=True)
class Threshold:
    """Fires at value ≥ trigger, clears at value ≤ clear (hysteresis). trigger 0 = disabled.

    `critical`: the level turns critical at this value (0 = upstream's rule, trigger + 10).
    `delay`: seconds the value must stay ≥ trigger before the alert fires (None = the
    configuration's `timeThreshold`).
    """

    trigger: float
    clear: float
    critical: float = 0.0
    delay: int | None = None

    @property
    def enabled(self) -> bool:
        return self.trigger > 0

    @property
    def critical_at(self) -> float:
        return self.critical if self.critical > 0 else self.trigger + 10

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"trigger": compact(self.trigger), "clear": compact(self.clear)}
        if self.critical > 0:
            data["critical"] = compact(self.critical)
        if self.delay is not None:
            data["delay"] = self.delay
        return data


def parse_threshold(value: Any, path: str, *, clear_fallback: float | None) -> Threshold:
    """Parse `{"trigger","clear","critical"?,"delay"?}` or a plain number (legacy form).

    `clear_fallback`: the clear margin below trigger when clear is absent or ≤ 0 (overrides and
    rules use 5); None means clear = trigger (defaults), as upstream does.
    """
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = {"trigger": value}
    data = as_object(value, path)
    trigger = number(data, "trigger", path, 0.0)
    clear = number(data, "clear", path, 0.0)
    critical = number(data, "critical", path, 0.0)
    delay_value = data.get("delay")
    delay = (
        None
        if delay_value is None
        else int(number(data, "delay", path, 0.0, maximum=MAX_DELAY_SECONDS))
    )
    if trigger <= 0:
        return Threshold(0.0, 0.0, 0.0, delay)
    if clear <= 0:
        clear = trigger if clear_fallback is None else max(trigger - clear_fallback, 0.0)
    if clear > trigger:
        raise AlertConfigError(
            f"{path}.clear ({clear:g}) must not be above {path}.trigger ({trigger:g})"
        )
    if 0 < critical < trigger:
        raise AlertConfigError(
            f"{path}.critical ({critical:g}) must not be below {path}.trigger ({trigger:g})"
        )
    return Threshold(trigger, clear, critical, delay)


def parse_threshold_set(
    value: Any,
    path: str,
    metrics: tuple[Metric, ...],
    *,
    clear_fallback: float | None,
    hysteresis_margin: float = 5.0,
) -> dict[Metric, Threshold]:
    """A map metric → threshold. Only metrics present are returned (overrides replace those).

    Legacy plain numbers (`cpuLegacy`: 80) apply when the object form is absent and become
    `{trigger: n, clear: n − hysteresisMargin}`.
    """
    data = as_object(value, path)
    out: dict[Metric, Threshold] = {}
    for metric in metrics:
        key = str(metric)
        if data.get(key) is not None:
            out[metric] = parse_threshold(data[key], f"{path}.{key}", clear_fallback=clear_fallback)
        elif data.get(f"{key}Legacy") is not None:
            legacy = number(data, f"{key}Legacy", path, 0.0)
            out[metric] = Threshold(legacy, max(legacy - hysteresis_margin, 0.0))
    return out


def threshold_set_json(thresholds: Mapping[Metric, Threshold]) -> dict[str, Any]:
    return {str(metric): threshold.to_json() for metric, threshold in thresholds.items()}


@dataclass(frozen=True, slots=True)
class Override:
    """Per-resource settings, keyed by resource id (guest, node, storage, datastore or PBS).

    Only the thresholds present replace the defaults. `disabled` silences every alert of the
    resource; `switches` turns offline / powered-off / backup-age alerts on or off for it.
    """

    thresholds: dict[Metric, Threshold] = field(default_factory=dict)
    disabled: bool = False
    switches: dict[Metric, bool] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = threshold_set_json(self.thresholds)
        if self.disabled:
            data["disabled"] = True
        for metric, on in self.switches.items():
            data[str(metric)] = on
        return data


def parse_override(value: Any, path: str, hysteresis_margin: float) -> Override:
    data = as_object(value, path)
    switches: dict[Metric, bool] = {}
    for metric in SWITCH_METRICS:
        if data.get(str(metric)) is not None:
            switches[metric] = boolean(data, str(metric), path, True)
    return Override(
        thresholds=parse_threshold_set(
            data,
            path,
            THRESHOLD_METRICS,
            clear_fallback=5.0,
            hysteresis_margin=hysteresis_margin,
        ),
        disabled=boolean(data, "disabled", path, False),
        switches=switches,
    )
