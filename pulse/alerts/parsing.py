"""Small validators for the alert configuration JSON: every error names the field's path."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any


class AlertConfigError(ValueError):
    """The alert configuration is invalid; the message names the offending field."""


def as_object(value: Any, path: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise AlertConfigError(f"{path} must be an object")
    return value


def as_list(value: Any, path: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise AlertConfigError(f"{path} must be a list")
    return value


def number(
    data: Mapping[str, Any],
    key: str,
    path: str,
    default: float,
    *,
    minimum: float = 0.0,
    maximum: float = math.inf,
) -> float:
    """A finite number within [minimum, maximum]; `default` when absent or null."""
    value = data.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise AlertConfigError(f"{path}.{key} must be a number")
    if value < minimum:
        raise AlertConfigError(f"{path}.{key} must be at least {minimum:g}")
    if value > maximum:
        raise AlertConfigError(f"{path}.{key} must be at most {maximum:g}")
    return float(value)


def integer(
    data: Mapping[str, Any], key: str, path: str, default: int, *, maximum: int = 10**9
) -> int:
    """A whole number ≥ 0 (a float with no fraction is accepted, as browsers send them)."""
    value = number(data, key, path, float(default), maximum=float(maximum))
    if not value.is_integer():
        raise AlertConfigError(f"{path}.{key} must be a whole number")
    return int(value)


def boolean(data: Mapping[str, Any], key: str, path: str, default: bool) -> bool:
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise AlertConfigError(f"{path}.{key} must be true or false")
    return value


def string(data: Mapping[str, Any], key: str, path: str, default: str = "") -> str:
    value = data.get(key)
    if value is None:
        return default
    if not isinstance(value, str):
        raise AlertConfigError(f"{path}.{key} must be a string")
    if len(value) > 1000:
        raise AlertConfigError(f"{path}.{key} is too long")
    return value.strip()


def strings(data: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
    """A list of strings (a single comma-separated string is accepted too)."""
    value = data.get(key)
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.split(",")
    items = as_list(value, f"{path}.{key}")
    out: list[str] = []
    for index, item in enumerate(items):
        if isinstance(item, int) and not isinstance(item, bool):
            item = str(item)
        if not isinstance(item, str):
            raise AlertConfigError(f"{path}.{key}[{index}] must be a string")
        if item.strip():
            out.append(item.strip())
    return tuple(out)


def compact(value: float) -> float | int:
    """Integral floats as ints, so saved and served JSON reads `80`, not `80.0`."""
    value = float(value)
    return int(value) if value.is_integer() and abs(value) < 2**53 else value
