"""GET /ws: the live state stream (api.md §5).

On connect: `welcome`, then `initialState` (the cached state bytes). Afterwards the hub pushes a
`rawData` per published cycle and the alerts engine its `alert`/`alertResolved` messages. The
client may send `ping` (answered `pong`) and `requestData` (answered `rawData`). Protocol-level
ping/pong (heartbeat) closes connections whose peer stopped answering.

Origin check (cross-site websocket hijacking): the security layer's one rule,
`pulse.security.headers.origin_allowed` - no `Origin` (scripts), the page's own origin, or one
listed in ALLOWED_ORIGINS (`*` = any).
Authentication is the normal auth middleware's job (/ws is not a public path).
"""

from __future__ import annotations

import logging
import time

from aiohttp import WSMsgType, web

from pulse import jsonio, keys
from pulse.errors import BadRequest, Forbidden
from pulse.security.headers import origin_allowed
from pulse.ws.hub import envelope, wrap_bytes

log = logging.getLogger(__name__)

HEARTBEAT = 30.0  # seconds between protocol pings; a peer that misses the pong is closed
MAX_INCOMING = 64 * 1024  # clients only send tiny control messages


async def websocket(request: web.Request) -> web.WebSocketResponse:
    app = request.app
    if not origin_allowed(request):
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
