"""The one place Pulse turns data into JSON bytes and back (orjson)."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_DATACLASS


def dumps(value: Any) -> bytes:
    """Serialise to compact JSON bytes (dataclasses, datetimes and enums included)."""
    return orjson.dumps(value, option=_OPTIONS)


def dumps_pretty(value: Any) -> bytes:
    """Serialise to indented JSON bytes with a trailing newline, for files people read."""
    return orjson.dumps(value, option=_OPTIONS | orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)


def loads(data: bytes | bytearray | memoryview | str) -> Any:
    """Parse JSON; raises `orjson.JSONDecodeError` (a `ValueError`) on bad input."""
    return orjson.loads(data)


def json_response(
    value: Any, *, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """A JSON response serialised with orjson."""
    return web.Response(
        body=dumps(value), status=status, headers=headers, content_type="application/json"
    )


def bytes_response(body: bytes, *, status: int = 200) -> web.Response:
    """A JSON response from bytes that were serialised earlier (cached state)."""
    return web.Response(body=body, status=status, content_type="application/json")
