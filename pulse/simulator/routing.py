"""Request context, a tiny path router and the PVE/PBS response formatters."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from aiohttp import web
from multidict import MultiMapping

from pulse.simulator.auth import Principal, Product


class ApiError(Exception):
    """An error answer; rendered the way the product's HTTP server renders it."""

    def __init__(
        self,
        status: int,
        message: str,
        errors: Mapping[str, str] | None = None,
        *,
        newline: bool = True,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = dict(errors) if errors else None
        # PVE handlers `die "...\n"`; only the router's own 501 message has no newline
        self.newline = newline


@dataclass(frozen=True, slots=True)
class Reply:
    """Handler result with extra top-level keys next to `data` (e.g. `total` on task lists)."""

    data: Any
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Ctx:
    principal: Principal
    query: MultiMapping[str]
    now: float
    local_node: str  # the node whose API answers (PVE) / the PBS server name


Handler = Callable[[Ctx, dict[str, str]], Any]


class Router:
    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        def group(m: re.Match[str]) -> str:
            return f"(?P<{m.group(1)}>{m.group(2) or '[^/]+'})"

        regex = re.sub(r"\{(\w+)(?::([^}]+))?\}", group, pattern)
        self._routes.append((method, re.compile(f"^{regex}/?$"), handler))

    def get(self, pattern: str) -> Callable[[Handler], Handler]:
        def deco(fn: Handler) -> Handler:
            self.add("GET", pattern, fn)
            return fn

        return deco

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
        for m, regex, handler in self._routes:
            if m == method and (found := regex.match(path)):
                return handler, found.groupdict()
        return None


JSON_CT = "application/json;charset=UTF-8"


def render_data(result: Any) -> bytes:
    if isinstance(result, Reply):
        return orjson.dumps({"data": result.data, **result.extra})
    return orjson.dumps({"data": result})


def render_error(product: Product, err: ApiError) -> web.Response:
    """PVE (pve-http-server >= 5.2): JSON body with `message`, reason phrase = the message.
    PBS (proxmox-rest-server): the bare message text as body, still labelled JSON."""
    reason = err.message.splitlines()[0][:200] if err.message else None
    if product is Product.PBS:
        return web.Response(
            status=err.status,
            reason=reason,
            body=err.message.encode(),
            headers={"Content-Type": JSON_CT},
        )
    body: dict[str, Any] = {"data": None, "message": err.message + ("\n" if err.newline else "")}
    if err.errors:
        body["errors"] = err.errors
    return web.Response(
        status=err.status, reason=reason, body=orjson.dumps(body), headers={"Content-Type": JSON_CT}
    )


def not_implemented(method: str, rel: str) -> ApiError:
    """PVE's answer to a path no handler serves (pve-manager `PVE/HTTPServer.pm` rest_handler:
    the relative URI, without `/api2/json`, and no trailing newline)."""
    return ApiError(501, f"Method '{method} {rel}' not implemented", newline=False)


def int_param(
    value: str | None, name: str, default: int | None = None, minimum: int | None = None
) -> int:
    """Parse an integer parameter like PVE does, answering 400 with `errors` on bad input."""
    if value is None or value == "":
        if default is None:
            raise ApiError(
                400,
                "Parameter verification failed.",
                {name: "property is missing and it is not optional"},
            )
        return default
    try:
        number = int(value)
    except ValueError:
        raise ApiError(
            400,
            "Parameter verification failed.",
            {name: f"type check ('integer') failed - got '{value}'"},
        ) from None
    if minimum is not None and number < minimum:
        raise ApiError(
            400,
            "Parameter verification failed.",
            {name: f"value must have a minimum value of {minimum}"},
        )
    return number
