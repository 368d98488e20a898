"""Value parsers for settings: each takes a raw value (YAML scalar or env string) and returns
the typed value or raises ValueError with a message that a user understands."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from pathlib import Path

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
LOG_LEVELS = ("debug", "info", "warning", "error")
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def parse_bool(raw: object) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"expected true or false, got {raw!r}")


def int_between(low: int, high: int) -> Callable[[object], int]:
    def parse(raw: object) -> int:
        if isinstance(raw, bool):
            raise ValueError(f"expected a whole number, got {raw!r}")
        try:
            value = int(str(raw).strip())
        except ValueError:
            raise ValueError(f"expected a whole number, got {raw!r}") from None
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high}, got {value}")
        return value

    return parse


def parse_port(raw: object) -> int:
    return int_between(1, 65535)(raw)


def parse_log_level(raw: object) -> str:
    text = str(raw).strip().lower()
    if text == "warn":  # upstream's spelling
        text = "warning"
    if text not in LOG_LEVELS:
        raise ValueError(f"must be one of debug, info, warn, error; got {raw!r}")
    return text


def parse_str(raw: object) -> str:
    if isinstance(raw, (dict, list)):
        raise ValueError("expected a single value, not a list or mapping")
    return str(raw).strip()


def parse_path(raw: object) -> Path:
    text = parse_str(raw)
    if not text:
        raise ValueError("must not be empty")
    return Path(text).expanduser()


def parse_optional_path(raw: object) -> Path | None:
    text = parse_str(raw)
    return Path(text).expanduser() if text else None


def parse_origins(raw: object) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else str(raw).split(",")
    origins = tuple(str(item).strip().rstrip("/") for item in items if str(item).strip())
    for origin in origins:
        if origin != "*" and not re.match(r"^https?://[^/\s]+$", origin):
            raise ValueError(f"{origin!r} is not an origin like https://pulse.example:7655 or *")
    return origins


def parse_networks(raw: object) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else str(raw).split(",")
    networks: list[str] = []
    for item in items:
        text = str(item).strip()
        if not text:
            continue
        try:
            networks.append(str(ipaddress.ip_network(text, strict=False)))
        except ValueError:
            raise ValueError(f"{text!r} is not an IP address or CIDR network") from None
    return tuple(networks)


def parse_subnet(raw: object) -> str:
    """A discovery subnet; empty (or upstream's "auto") means discovery stays off."""
    text = parse_str(raw)
    if text.lower() in ("", "auto"):
        return ""
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        raise ValueError(f"{text!r} is not a CIDR subnet like 192.0.2.0/24") from None


def parse_channel(raw: object) -> str:
    text = parse_str(raw).lower()
    if text not in ("stable", "rc"):
        raise ValueError(f"must be stable or rc, got {raw!r}")
    return text


def parse_hhmm(raw: object) -> str:
    text = parse_str(raw)
    if not _HHMM.match(text):
        raise ValueError(f"must be a time like 03:00, got {raw!r}")
    return text


def parse_host(raw: object) -> str:
    text = parse_str(raw)
    try:
        ipaddress.ip_address(text)
    except ValueError:
        if not re.match(r"^[A-Za-z0-9.-]+$", text):
            raise ValueError(f"{text!r} is not an IP address or host name") from None
    return text
