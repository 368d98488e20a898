"""Hostile input on every route: never a 500 or a traceback, 4xx changes nothing, no secret leaks.

The routes come from the app's own route table, so a new route is fuzzed without touching this
file; the body fields and query parameters tried on a route are the string keys its handler's
module and the input parsers it imports read (`body.get("x")`, `field(body, "x", ...)`,
`body["x"]`, any name in a function reading `request.query`), and every editable config
document (its GET answer) is sent back with each node replaced in turn by hostile values.
The app monitors the simulator with an API token, a password, node tokens, an SMTP password and
a webhook secret configured; none may appear in a response, the websocket or the captured log
(checked before the log filter masks anything: code must not log them in the first place).

Nothing is skipped. Destructive routes stay harmless: the data dir is the test's own tmp dir,
DELETE routes only get ids that do not exist, the API token comes from the environment (so
generate/delete answer 409) and the password is never sent, so no credential can change.
Rate limits and the login lockout run on injected clocks that move an hour per call, so every
request reaches its handler instead of being answered 429 by the security layer.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import io
import itertools
import json
import logging
import re
import socket
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestClient
from yarl import URL

from pulse import keys
from pulse.api.openapi import documented_routes
from pulse.app import MAX_REQUEST_BYTES
from pulse.simulator import Simulator
from tests.conftest import AppClient
from tests.monitoring import Monitor

Client = TestClient[web.Request, web.Application]

API_TOKEN = "no500-api-token-6f1c2a9d8e7b"
PASSWORD = "no500-Password-4b7e1d"
SMTP_PASSWORD = "no500-smtp-secret-93ad"
WEBHOOK_SECRET = "no500-hook-secret-51fe"
AUTH = {"X-API-Token": API_TOKEN}
JSON = {"Content-Type": "application/json"}

# '²' passes str.isdigit() but not int(); '²²:00' looks like a time; 9000 characters overflow
# an HTTP header line; the rest: wrong types, extremes, control characters, traversal.
VALUES: tuple[Any, ...] = ("²", "x" * 9000, 10**30, -1, True, {})
NESTED_VALUES: tuple[Any, ...] = ("²", "²²:00", "x" * 9000, -(10**30), {})
DEEP_VALUES: tuple[Any, ...] = ("²", "²²:00", {})  # below the top level: fewer, time-bound
WRITE_ONLY_VALUES: tuple[Any, ...] = ("²", "x" * 9000, 10**30, {})
QUERY_VALUES = ("%C2%B2", "-1", "99999999999999999999999", "NaN", "1e400", "%00%FF", "x" * 3000, "")
PATH_VALUES = ("..%2F..%2Fetc%2Fpasswd", "%2e%2e", "x" * 3000, "%E2%98%83", "%00", "-1",
               "9" * 400, "%FF%FE", "a%20b")  # fmt: skip
RAW_BODIES: tuple[tuple[bytes, str], ...] = (
    (b"", "application/json"),
    (b"{", "application/json"),
    (b"null", "application/json"),
    (b"[]", "application/json"),
    (b'"text"', "application/json"),
    (b"NaN", "application/json"),
    (b'{"a": NaN, "b": Infinity, "c": -Infinity}', "application/json"),
    (b'{"a": 1e99999}', "application/json"),
    (b'{"a": ' + b"9" * 5000 + b"}", "application/json"),
    (b"[" * 5000, "application/json"),
    (b"\xff\xfe{}", "application/json"),
    (b"a=b&token=x&password=y", "application/x-www-form-urlencoded"),
    (b"hello", "text/plain"),
    (b"--x\r\n\r\n", "multipart/form-data; boundary=x"),
    (b"{}", "application/octet-stream"),
)
OVERSIZED = b'{"a": "' + b"x" * MAX_REQUEST_BYTES + b'"}'  # over the app's body limit
# Where an editable document is read from, for the routes that take one back (and their kin).
DOCUMENT_SOURCES = {
    "/api/config/nodes": "/api/config/nodes",
    "/api/config/nodes/test-connection": "/api/config/nodes",
    "/api/config/nodes/test-config": "/api/config/nodes",
    "/api/config/nodes/{node_id}": "/api/config/nodes",
    "/api/notifications/webhooks": "/api/notifications/webhooks",
    "/api/notifications/webhooks/test": "/api/notifications/webhooks",
    "/api/notifications/webhooks/{webhook_id}": "/api/notifications/webhooks",
    "/api/notifications/email/test": "/api/notifications/email",
    "/api/notifications/test": "/api/notifications/email",
    "/api/system/settings/update": "/api/system/settings",
    "/api/settings/update": "/api/settings",
}


# -- what a handler reads ----------------------------------------------------------------------


def _is_parser(module_name: str) -> bool:
    """A Pulse module that validates client input (raises BadRequest): the keys it reads count
    for the handlers importing it (node_input for the node routes, email_config, ...)."""
    module = sys.modules.get(module_name)
    return bool(
        module_name.startswith("pulse.")
        and module is not None
        and hasattr(module, "__file__")
        and "BadRequest" in inspect.getsource(module)
        and module_name != "pulse.errors"
    )


@cache
def _keys_read(module_name: str, *, follow: bool = True) -> tuple[frozenset[str], frozenset[str]]:
    """(body keys, query keys) the module's code reads, found in its syntax tree; with `follow`,
    also those of the Pulse modules it imports from (the parsers a handler hands its body to)."""
    tree = ast.parse(inspect.getsource(sys.modules[module_name]))
    if follow:
        imported = {
            name
            for n in ast.walk(tree)
            if isinstance(n, ast.ImportFrom) and n.module
            for name in (n.module, *(f"{n.module}.{alias.name}" for alias in n.names))
        }
        nested = [_keys_read(m, follow=False) for m in imported if _is_parser(m)]
        body_keys, query_keys = _keys_read(module_name, follow=False)
        return (
            body_keys.union(*(b for b, _ in nested)),
            query_keys.union(*(q for _, q in nested)),
        )
    body: set[str] = set()
    query: set[str] = set()

    def const(node: ast.AST) -> str | None:
        return (
            node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None
        )

    for node in ast.walk(tree):
        # Every name in a function that reads the query string (`_int_param(request, "limit")`).
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and any(
            isinstance(n, ast.Attribute) and n.attr == "query" for n in ast.walk(node)
        ):
            query.update(filter(None, map(const, ast.walk(node))))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            name = const(node.args[0])
            owner = node.func.value
            if name and node.func.attr == "get":
                is_query = isinstance(owner, ast.Attribute) and owner.attr == "query"
                (query if is_query else body).add(name)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            if node.func.id == "field" and len(node.args) > 1 and (name := const(node.args[1])):
                body.add(name)
        elif isinstance(node, ast.Subscript) and (name := const(node.slice)):
            body.add(name)
    is_key = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,40}").fullmatch
    return (frozenset(filter(is_key, body)), frozenset(filter(is_key, query)))


def _mutations(doc: Any, depth: int = 0) -> Iterator[Any]:
    """Copies of `doc` with one node (at any depth) replaced by each hostile value."""
    if depth > 5 or not isinstance(doc, dict | list):
        return
    values = NESTED_VALUES if depth == 0 else DEEP_VALUES
    for key, value in list(doc.items() if isinstance(doc, dict) else enumerate(doc)):
        for replacement in itertools.chain(values, _mutations(value, depth + 1)):
            copy = json.loads(json.dumps(doc))
            copy[key] = replacement
            yield copy


# -- the target ----------------------------------------------------------------------------------


@dataclass
class Target:
    client: Client
    secrets: frozenset[str]
    real_ids: dict[str, str]
    caplog: pytest.LogCaptureFixture
    problems: list[str] = field(default_factory=list)
    sent: int = 0
    saves: list[frozenset[str]] = field(default_factory=list)  # sections of every store save
    fuzzed_handlers: set[str] = field(default_factory=set)  # handlers shared by routes: once

    def __post_init__(self) -> None:
        self.app[keys.STORE].subscribe(self.saves.append)

    @property
    def app(self) -> web.Application:
        return self.client.app

    async def send(
        self, method: str, path: str, body: bytes | None = None, content_type: str = ""
    ) -> None:
        self.sent += 1
        headers = {**AUTH, **({"Content-Type": content_type} if content_type else {})}
        saves_before = len(self.saves)
        logged_before = len(self.caplog.records)
        what = f"{method} {path[:120]} body={(body or b'')[:80]!r}"
        # A large body goes as a stream (aiohttp warns about big raw bytes).
        data = io.BytesIO(body) if body is not None and len(body) > 1024**2 else body
        response = await self.client.request(
            method, URL(path, encoded=True), data=data, headers=headers, allow_redirects=False
        )
        raw = await response.read()
        text = raw.decode("utf-8", "replace")
        if response.status >= 500:
            self.problems.append(f"{what}: {response.status} {text[:200]}")
        if "Traceback" in text:
            self.problems.append(f"{what}: traceback in the response")
        on_api = path.startswith(("/api/", "/ws", "/metrics"))
        if 400 <= response.status < 500 and on_api:
            try:
                answer = json.loads(text)
            except ValueError:
                answer = None
            if not (isinstance(answer, dict) and isinstance(answer.get("error"), str)):
                self.problems.append(f"{what}: {response.status} without {{error}}: {text[:100]}")
        if 400 <= response.status < 500 and len(self.saves) != saves_before:
            changed = sorted(set().union(*self.saves[saves_before:]))
            self.problems.append(f"{what}: answered {response.status} but saved {changed}")
        shown = text + "".join(f"{k}: {v}\n" for k, v in response.headers.items())
        if any(secret in shown for secret in self.secrets):
            self.problems.append(f"{what}: a configured secret is in the response")
        for record in self.caplog.records[logged_before:]:
            line = self.caplog.handler.format(record)
            if record.exc_info or "Traceback" in line:
                self.problems.append(f"{what}: traceback logged: {line[-300:]}")
            if any(secret in line for secret in self.secrets):
                self.problems.append(f"{what}: a configured secret is in the log")


def _loopback_only(real: Any) -> Any:
    """getaddrinfo that refuses every name but loopback, so no hostile host name reaches DNS."""

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in ("localhost", "::1") and not name.startswith("127."):
            raise socket.gaierror(socket.EAI_NONAME, "the test resolves loopback only")
        return real(host, *args, **kwargs)

    return resolve


@pytest.fixture
async def target(
    app_client: AppClient,
    sim: Simulator,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    unused_tcp_port: int,
) -> Target:
    monkeypatch.setattr(socket, "getaddrinfo", _loopback_only(socket.getaddrinfo))
    caplog.set_level(logging.INFO)
    env = {
        "API_TOKEN": API_TOKEN,
        "PULSE_PASSWORD": PASSWORD,
        "PULSE_UPDATE_SERVER": f"http://127.0.0.1:{unused_tcp_port}",  # nothing listens there
    }
    client = await app_client(env=env, polling_interval=1, connection_timeout=1)
    app = client.app
    hour = itertools.count(start=int(time.time()), step=3600)
    app[keys.RATE_LIMITS].clock = lambda: float(next(hour))
    app[keys.LOCKOUT].clock = lambda: float(next(hour))
    await Monitor(client, sim).add_all()
    hook = await client.post(
        "/api/notifications/webhooks",
        headers=AUTH,
        json={"name": "ops", "service": "generic", "url": f"http://127.0.0.1:{unused_tcp_port}/h",
              "headers": {"Authorization": f"Bearer {WEBHOOK_SECRET}"}},
    )  # fmt: skip
    assert hook.status == 200, await hook.text()
    email = await client.post(
        "/api/notifications/email",
        headers=AUTH,
        json={"enabled": True, "server": "127.0.0.1", "port": unused_tcp_port,
              "username": "pulse", "password": SMTP_PASSWORD, "from": "pulse@example.com",
              "to": ["ops@example.com"], "tls": False, "startTLS": False},
    )  # fmt: skip
    assert email.status == 200, await email.text()
    store_secrets = {s for s in app[keys.STORE].secret_values() if len(s) >= 8}
    secrets = frozenset(store_secrets | {API_TOKEN, PASSWORD, SMTP_PASSWORD, WEBHOOK_SECRET})
    assert {s.token_secret for s in sim.servers} <= secrets  # node token secrets are checked
    real_ids = {
        "node_id": app[keys.NODES].instances[0].id,
        "webhook_id": (await hook.json())["id"],
        "guest_id": "homelab-pve1-100",
    }
    return Target(client, secrets, real_ids, caplog)


def _routes(app: web.Application) -> list[tuple[str, str]]:
    """(METHOD, path template) of every route in the table, static catch-all included."""
    seen: list[tuple[str, str]] = []
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        template = info.get("path") or info.get("formatter") or ""
        if route.method != "HEAD" and (route.method, template) not in seen:
            seen.append((route.method, template))
    return seen


def _handler(app: web.Application, method: str, template: str) -> Any:
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        if route.method == method and (info.get("path") or info.get("formatter")) == template:
            return route.handler
    raise AssertionError(f"no handler for {method} {template}")


def _discards_body(handler: Any) -> bool:
    """The handler checks that a body is JSON and ignores it (`await optional_json_object(r)`
    as a statement): its fields mean nothing, the raw bodies above cover it."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(handler)))
    return any(
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Await)
        and isinstance(node.value.value, ast.Call)
        and getattr(node.value.value.func, "id", "") in ("json_object", "optional_json_object")
        for node in ast.walk(tree)
    )


def _fill(template: str, value: str) -> str:
    return re.sub(r"\{[^}]+\}", value, template)


async def _fuzz_route(
    target: Target, method: str, template: str, routes: list[tuple[str, str]]
) -> None:
    params = re.findall(r"\{(\w+)", template)
    # Hostile ids in the path (with no body and with an empty object).
    for value in PATH_VALUES if params else ():
        await target.send(method, _fill(template, value), b"{}", "application/json")
    # The rest go to one concrete path: a real id where one exists (not for DELETE: the test
    # keeps its node, webhook and metadata), else one that does not exist.
    name = params[0] if params else ""
    real = target.real_ids.get(name) if method != "DELETE" else None
    path = _fill(template, quote(real or "no-such-id", safe=""))
    if template == "/{path}":
        path = "/index.html"
    # GET handlers read no body: a few bodies show that, all of them go to the others.
    for raw, content_type in RAW_BODIES if method != "GET" else RAW_BODIES[1::6]:
        await target.send(method, path, raw, content_type)
    if method != "GET":
        await target.send(method, path, OVERSIZED, "application/json")
    handler = _handler(target.app, method, template)
    body_keys, query_keys = _keys_read(handler.__module__)
    await target.send(method, f"{path}?unknownParam=%FF&unknownParam=")
    for key in sorted(query_keys):
        for value in QUERY_VALUES:
            await target.send(method, f"{path}?{key}={value}")
    # Body fields and documents depend on the handler only: once for routes sharing one.
    name = f"{handler.__module__}.{handler.__qualname__}"
    if method == "GET" or name in target.fuzzed_handlers or _discards_body(handler):
        return
    target.fuzzed_handlers.add(name)
    document: Any = {}
    source = DOCUMENT_SOURCES.get(template) or (template if ("GET", template) in routes else "")
    if source:
        response = await target.client.get(_fill(source, quote(real or "", safe="")), headers=AUTH)
        document = await response.json()
        if isinstance(document, list):
            document = document[0] if document else {}
        for mutated in _mutations(document):
            await target.send(method, path, json.dumps(mutated).encode(), "application/json")
    # Keys the document already has were just mutated in place; the others one at a time
    # (next to a document they are mostly write-only strings: password, tokenValue).
    for key in sorted(body_keys - set(document if isinstance(document, dict) else ())):
        for value in WRITE_ONLY_VALUES if document else VALUES:
            await target.send(method, path, json.dumps({key: value}).encode(), "application/json")


async def test_no_route_answers_500_leaks_a_secret_or_changes_config_on_error(
    target: Target,
) -> None:
    routes = _routes(target.app)
    assert set(documented_routes(target.app)) < set(routes)  # every API route, static too
    for method, template in routes:
        await _fuzz_route(target, method, template, routes)
    assert target.problems == [], "\n".join(target.problems[:40])
    # Still authenticated with the same token and still holding its nodes: not a vacuous pass.
    nodes = await (await target.client.get("/api/config/nodes", headers=AUTH)).json()
    assert target.real_ids["node_id"] in [n["id"] for n in nodes]


async def test_websocket_first_messages_hold_no_secret(target: Target, sim: Simulator) -> None:
    client = target.client
    deadline = asyncio.get_running_loop().time() + 15
    while True:  # the first poll: the state the websocket sends includes every server
        state = await (await client.get("/api/state", headers=AUTH)).json()
        if len(state["nodes"]) >= 4 or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.1)
    async with client.ws_connect("/ws", headers=AUTH) as ws:
        await ws.send_str("not json")
        await ws.send_bytes(b"\x00\xff")
        await ws.send_str(json.dumps({"type": "ping", "token": API_TOKEN[:4]}))
        await ws.send_str(json.dumps({"type": "requestData"}))
        messages: list[str] = []
        while len(messages) < 4:
            message = await ws.receive(timeout=10)
            assert message.type is WSMsgType.TEXT, message
            messages.append(message.data)
    kinds = [json.loads(m)["type"] for m in messages]
    assert kinds[:2] == ["welcome", "initialState"]
    assert {"rawData", "pong"} <= set(kinds)
    everything = "".join(messages)
    assert state["nodes"]
    assert all(node["name"] in everything for node in state["nodes"])  # real data was sent
    leaked = [s[:6] for s in target.secrets if s in everything]
    assert leaked == []
    logged = target.caplog.text
    assert "Traceback" not in logged
    assert not [s for s in target.secrets if s in logged]
