"""Monitoring reads: /api/state, /api/storage, /api/backups*, /api/snapshots.

All answer from the latest published snapshot; /api/state returns the bytes serialised once per
snapshot (the same ones the websocket sends).
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from pulse import keys
from pulse.errors import BadRequest, NotFound
from pulse.jsonio import bytes_response, json_response
from pulse.ws.handler import websocket


async def state(request: web.Request) -> web.Response:
    return bytes_response(request.app[keys.STATE].state_bytes())


async def storage_list(request: web.Request) -> web.Response:
    snapshot = request.app[keys.STATE].snapshot
    return json_response(
        {"data": [s.to_json() for s in snapshot.storage], "timestamp": int(time.time())}
    )


async def storage_item(request: web.Request) -> web.Response:
    storage_id = request.match_info.get("storage_id", "").strip()
    if not storage_id:
        raise BadRequest("Storage ID is required", code="missing_storage_id")
    snapshot = request.app[keys.STATE].snapshot
    found = next((s for s in snapshot.storage if s.id == storage_id), None)
    if found is None:
        raise NotFound(f"Storage with ID '{storage_id}' not found", code="storage_not_found")
    return json_response({"data": found.to_json(), "timestamp": int(time.time())})


def _backups(request: web.Request) -> dict[str, Any]:
    snapshot = request.app[keys.STATE].snapshot
    out = snapshot.pve_backups.to_json()
    out["pbsBackups"] = [b.to_json() for b in snapshot.pbs_backups]
    return out


async def backups(request: web.Request) -> web.Response:
    """`/api/backups`, `/api/backups/unified` and any other `/api/backups/<x>` (as upstream)."""
    return json_response(_backups(request))


async def backups_pve(request: web.Request) -> web.Response:
    snapshot = request.app[keys.STATE].snapshot
    return json_response({"backups": [b.to_json() for b in snapshot.pve_backups.storage_backups]})


async def backups_pbs(request: web.Request) -> web.Response:
    snapshot = request.app[keys.STATE].snapshot
    return json_response({"instances": [p.to_json() for p in snapshot.pbs]})


async def snapshots(request: web.Request) -> web.Response:
    snapshot = request.app[keys.STATE].snapshot
    return json_response({"snapshots": [s.to_json() for s in snapshot.pve_backups.guest_snapshots]})


async def storage_redirect(request: web.Request) -> web.Response:
    """`/api/storage` -> `/api/storage/` (upstream's subtree redirect)."""
    raise web.HTTPMovedPermanently(location="/api/storage/")


async def socketio(request: web.Request) -> web.StreamResponse:
    """Upstream's socket.io shim: a websocket transport is served by /ws, the rest redirected."""
    if request.query.get("transport") == "websocket":
        return await websocket(request)
    raise web.HTTPFound(location="/ws")
