"""Reading request bodies and parameters, with clear 400s instead of exceptions."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from pulse import jsonio
from pulse.errors import BadRequest


async def json_object(request: web.Request) -> dict[str, Any]:
    """The request body as a JSON object; 400 if it is missing, not JSON or not an object."""
    raw = await request.read()
    if not raw.strip():
        raise BadRequest("request body must be a JSON object")
    try:
        value = jsonio.loads(raw)
    except ValueError:
        raise BadRequest("request body is not valid JSON") from None
    if not isinstance(value, dict):
        raise BadRequest("request body must be a JSON object")
    return value


async def optional_json_object(request: web.Request) -> dict[str, Any]:
    """Like json_object, but an empty body is an empty object."""
    if not (await request.read()).strip():
        return {}
    return await json_object(request)


def field(body: dict[str, Any], name: str, kind: type, *, required: bool = False) -> Any:
    """One field of a parsed body, type-checked; None when absent and not required."""
    if name not in body or body[name] is None:
        if required:
            raise BadRequest(f"{name} is required")
        return None
    value = body[name]
    if kind is int and isinstance(value, bool):
        raise BadRequest(f"{name} must be a number")
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, kind):
        names = {str: "a string", bool: "true or false", int: "a number", float: "a number",
                 list: "a list", dict: "an object"}  # fmt: skip
        raise BadRequest(f"{name} must be {names.get(kind, kind.__name__)}")
    return value
