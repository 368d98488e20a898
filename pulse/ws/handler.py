"""GET /ws: the live state stream (api.md §5).

On connect: `welcome`, then `initialState` (the cached state bytes). Afterwards the hub pushes a
`rawData` per published cycle and the alerts engine its `alert`/`alertResolved` messages. The
client may send `ping` (answered `pong`) and `requestData` (answered `rawData`). Protocol-level
ping/pong (heartbeat) closes connections whose peer stopped answering.

Origin check: no `Origin` header (scripts) is accepted; `*` in ALLOWED_ORIGINS accepts any;
otherwise the origin must be listed, or - when the list is empty - be the page's own origin.
Authentication is the normal auth middleware's job (/ws is not a public path).
"""

from __future__ import annotations

import logging
import time

from aiohttp import WSMsgType, web
from yarl import URL

from pulse import jsonio, keys
from pulse.errors import BadRequest, Forbidden
from pulse.ws.hub import envelope, wrap_bytes

log = logging.getLogger(__name__)

HEARTBEAT = 30.0  # seconds between protocol pings; a peer that misses the pong is closed
MAX_INCOMING = 64 * 1024  # clients only send tiny control messages
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}


def _host_port(host: str, scheme: str) -> str:
    url = URL(f"{scheme}://{host}")
    port = url.port or _DEFAULT_PORTS.get(scheme, 0)
    return f"{(url.host or '').lower()}:{port}"


def origin_allowed(origin: str | None, host: str, allowed: tuple[str, ...], scheme: str) -> bool:
    if not origin:
        return True
    entries = {a.strip().rstrip("/").lower() for a in allowed if a.strip()}
    if "*" in entries:
        return True
    normalized = origin.strip().rstrip("/").lower()
    if entries:
        return normalized in entries
    try:
        url = URL(normalized)
        if not url.host or url.scheme not in ("http", "https"):
            return False
        origin_port = url.port or _DEFAULT_PORTS[url.scheme]
        return f"{url.host}:{origin_port}" == _host_port(host, url.scheme)
    except (ValueError, KeyError):
        return False


async def websocket(request: web.Request) -> web.WebSocketResponse:
    app = request.app
    allowed = app[keys.LIVE_SETTINGS].current.allowed_origins
    if not origin_allowed(request.headers.get("Origin"), request.host, allowed, request.scheme):
        raise Forbidden("websocket origin not allowed")
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT, compress=False, max_msg_size=MAX_INCOMING)
    if not ws.can_prepare(request).ok:
        raise BadRequest("websocket upgrade expected")
    await ws.prepare(request)
    hub, store = app[keys.HUB], app[keys.STATE]
    client = hub.attach(ws, request.remote or "?")
    hub.send(client, envelope("welcome", {"message": "Connected to Pulse WebSocket"}))
    hub.send(client, wrap_bytes("initialState", store.state_bytes()))
    try:
        async for message in ws:
            if message.type is not WSMsgType.TEXT:
                continue
            try:
                parsed = jsonio.loads(message.data)
            except ValueError:
                continue  # not JSON: ignore, as upstream
            kind = parsed.get("type") if isinstance(parsed, dict) else None
            if kind == "ping":
                hub.send(client, envelope("pong", {"timestamp": int(time.time())}))
            elif kind == "requestData":
                hub.send(client, wrap_bytes("rawData", store.state_bytes()))
    finally:
        await hub.detach(client)
    return ws
