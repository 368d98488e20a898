"""Custom rules: filter-matched threshold sets for guests (reference §2.4)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pulse.alerts.model import Metric
from pulse.alerts.parsing import (
    AlertConfigError,
    as_list,
    as_object,
    boolean,
    integer,
    number,
    string,
)
from pulse.alerts.subjects import Subject
from pulse.alerts.thresholds import (
    GUEST_METRICS,
    Threshold,
    parse_threshold_set,
    threshold_set_json,
)

MAX_RULES = 500
_METRIC_FIELDS = {str(m).lower(): m for m in GUEST_METRICS}
_OPERATORS = (">", "<", ">=", "<=", "=", "==")


class FilterType(StrEnum):
    TEXT = "text"
    METRIC = "metric"
    RAW = "raw"


@dataclass(frozen=True, slots=True)
class Filter:
    type: FilterType
    field: str = ""
    operator: str = ""
    value: Any = None
    raw_text: str = ""

    def matches(self, subject: Subject) -> bool:
        if self.type is FilterType.RAW:
            needle = self.raw_text.lower()
            hay = (subject.name, subject.resource_id, subject.node, subject.status)
            return any(needle in text.lower() for text in hay)
        if self.type is FilterType.TEXT:
            needle = str(self.value).lower()
            name = self.field.lower()
            if name == "name":
                return needle in subject.name.lower()
            if name == "node":
                return needle in subject.node.lower()
            if name == "vmid":  # upstream: a substring of the guest id string
                return needle in subject.resource_id.lower()
            if name == "tag" or name == "tags":
                return any(needle == tag.lower() for tag in subject.tags)
            return False
        metric = _METRIC_FIELDS.get(self.field.lower())
        if metric is None or metric not in subject.values:
            return False
        actual, wanted = subject.values[metric], float(self.value)
        return {
            ">": actual > wanted,
            "<": actual < wanted,
            ">=": actual >= wanted,
            "<=": actual <= wanted,
        }.get(self.operator, abs(actual - wanted) <= 0.5)

    def to_json(self) -> dict[str, Any]:
        if self.type is FilterType.RAW:
            return {"type": "raw", "rawText": self.raw_text}
        data: dict[str, Any] = {"type": str(self.type), "field": self.field, "value": self.value}
        if self.type is FilterType.METRIC:
            data["operator"] = self.operator
        return data


def parse_filter(value: Any, path: str) -> Filter:
    data = as_object(value, path)
    kind = string(data, "type", path)
    if kind not in FilterType.__members__.values():
        raise AlertConfigError(f"{path}.type must be text, metric or raw")
    if kind == FilterType.RAW:
        return Filter(FilterType.RAW, raw_text=string(data, "rawText", path))
    name = string(data, "field", path)
    if kind == FilterType.METRIC:
        if name.lower() not in _METRIC_FIELDS:
            raise AlertConfigError(f"{path}.field: unknown metric {name!r}")
        operator = string(data, "operator", path, ">")
        if operator not in _OPERATORS:
            raise AlertConfigError(f"{path}.operator must be one of {', '.join(_OPERATORS)}")
        return Filter(FilterType.METRIC, name, operator, number(data, "value", path, 0, minimum=-1))
    raw = data.get("value")
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str):
        raise AlertConfigError(f"{path}.value must be a string")
    return Filter(FilterType.TEXT, name, "", raw)


@dataclass(frozen=True, slots=True)
class CustomRule:
    id: str
    name: str
    priority: int
    enabled: bool
    match_all: bool  # logicalOperator AND; anything else is OR
    filters: tuple[Filter, ...]
    thresholds: dict[Metric, Threshold]
    extra: dict[str, Any] = field(default_factory=dict)  # description, notifications, times

    def matches(self, subject: Subject) -> bool:
        if not self.filters:
            return True
        results = (f.matches(subject) for f in self.filters)
        return all(results) if self.match_all else any(results)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.extra.get("description", ""),
            "priority": self.priority,
            "enabled": self.enabled,
            "filterConditions": {
                "logicalOperator": "AND" if self.match_all else "OR",
                "filters": [f.to_json() for f in self.filters],
            },
            "thresholds": threshold_set_json(self.thresholds),
            **{k: v for k, v in self.extra.items() if k != "description"},
        }


def parse_rules(value: Any, path: str, hysteresis_margin: float) -> tuple[CustomRule, ...]:
    items = as_list(value, path)
    if len(items) > MAX_RULES:
        raise AlertConfigError(f"{path}: at most {MAX_RULES} rules")
    rules = []
    for i, item in enumerate(items):
        rpath = f"{path}[{i}]"
        data = as_object(item, rpath)
        conditions = as_object(data.get("filterConditions"), f"{rpath}.filterConditions")
        fpath = f"{rpath}.filterConditions.filters"
        extra: dict[str, Any] = {"description": string(data, "description", rpath)}
        for key in ("notifications", "createdAt", "updatedAt"):
            if data.get(key) is not None:
                extra[key] = data[key]
        rules.append(
            CustomRule(
                id=string(data, "id", rpath) or f"rule-{i + 1}",
                name=string(data, "name", rpath),
                priority=integer(data, "priority", rpath, 0),
                enabled=boolean(data, "enabled", rpath, True),
                match_all=string(conditions, "logicalOperator", rpath, "AND").upper() == "AND",
                filters=tuple(
                    parse_filter(f, f"{fpath}[{j}]")
                    for j, f in enumerate(as_list(conditions.get("filters"), fpath))
                ),
                thresholds=parse_threshold_set(
                    data.get("thresholds"),
                    f"{rpath}.thresholds",
                    GUEST_METRICS,
                    clear_fallback=5.0,
                    hysteresis_margin=hysteresis_margin,
                ),
                extra=extra,
            )
        )
    return tuple(rules)


def winning_rule(rules: tuple[CustomRule, ...], subject: Subject) -> CustomRule | None:
    """The enabled matching rule with the highest priority (ties: the first in the list)."""
    best: CustomRule | None = None
    for rule in rules:
        if (
            rule.enabled
            and rule.matches(subject)
            and (best is None or rule.priority > best.priority)
        ):
            best = rule
    return best
