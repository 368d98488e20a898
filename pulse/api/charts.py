"""Chart history: /api/charts?range=... and /api/storage-charts?range=<minutes> (api.md §6)."""

from __future__ import annotations

import re
import time
from typing import Any

from aiohttp import web

from pulse import keys
from pulse.errors import BadRequest
from pulse.jsonio import json_response
from pulse.models import Guest, Node, Storage, epoch_time
from pulse.state.history import History

RANGES = {
    "5m": 300,
    "15m": 900,
    "30m": 1800,
    "1h": 3600,
    "4h": 4 * 3600,
    "12h": 12 * 3600,
    "24h": 86400,
    "7d": 7 * 86400,
}
_LEADING_INT = re.compile(r"^\s*(\d+)")

Point = dict[str, float | int]


def _points(series: list[tuple[int, float]]) -> list[Point]:
    return [{"timestamp": t, "value": round(v, 6)} for t, v in series]


def _guest_now(guest: Guest) -> dict[str, float]:
    return {
        "cpu": guest.cpu * 100,
        "memory": guest.memory.usage,
        "disk": guest.disk.usage,
        "diskread": guest.disk_read,
        "diskwrite": guest.disk_write,
        "netin": guest.network_in,
        "netout": guest.network_out,
    }


def _node_now(node: Node) -> dict[str, float]:
    return {"cpu": node.cpu * 100, "memory": node.memory.usage, "disk": node.disk.usage}


async def charts(request: web.Request) -> web.Response:
    text = request.query.get("range", "1h").strip() or "1h"
    seconds = RANGES.get(text)
    if seconds is None:
        raise BadRequest(f"invalid range {text[:20]!r}; use one of {', '.join(RANGES)}")
    wanted = request.query.get("id", "").strip()
    snapshot = request.app[keys.STATE].snapshot
    history = request.app[keys.POLLERS].history
    now = time.time()
    now_ms = int(now) * 1000
    oldest = now_ms

    def window(entity_id: str) -> dict[str, list[tuple[int, float]]]:
        nonlocal oldest
        group = history.get(entity_id)
        if group is None:
            return {}
        data = group.window(seconds, now)
        for series in data.values():
            if series:
                oldest = min(oldest, series[0][0])
        return data

    def include(entity_id: str) -> bool:
        return not wanted or entity_id == wanted

    guests: dict[str, Any] = {}
    for guest in snapshot.guests():
        if not include(guest.id):
            continue
        data = window(guest.id)
        current = _guest_now(guest)
        if not data.get("cpu"):
            guests[guest.id] = {k: [{"timestamp": now_ms, "value": v}] for k, v in current.items()}
        else:
            guests[guest.id] = {k: _points(data.get(k, [])) for k in current}
    nodes: dict[str, Any] = {}
    for node in snapshot.nodes:
        if not include(node.id):
            continue
        data = window(node.id)
        nodes[node.id] = {
            k: _points(data[k]) if data.get(k) else [{"timestamp": now_ms, "value": v}]
            for k, v in _node_now(node).items()
        }
    storage: dict[str, Any] = {}
    for item in snapshot.storage:
        if not include(item.id):
            continue
        usage = window(item.id).get("usage")
        storage[item.id] = {
            "disk": _points(usage) if usage else [{"timestamp": now_ms, "value": item.usage}]
        }
    return json_response(
        {
            "data": guests,
            "nodeData": nodes,
            "storageData": storage,
            "timestamp": now_ms,
            "stats": {"oldestDataTimestamp": oldest},
        }
    )


def _storage_series(history: History, item: Storage, seconds: float, now: float) -> dict[str, Any]:
    group = history.get(item.id)
    data = group.window(seconds, now) if group is not None else {}
    return {
        name: [{"value": v, "timestamp": epoch_time(t / 1000)} for t, v in data.get(name, [])]
        for name in ("usage", "used", "total", "avail")
    }


async def storage_charts(request: web.Request) -> web.Response:
    """`range` = minutes (default 60); a leading integer is read as upstream does."""
    match = _LEADING_INT.match(request.query.get("range", ""))
    minutes = int(match.group(1)) if match else 60
    if not 1 <= minutes <= 7 * 24 * 60:
        raise BadRequest("range must be between 1 and 10080 minutes")
    snapshot = request.app[keys.STATE].snapshot
    history = request.app[keys.POLLERS].history
    now = time.time()
    return json_response(
        {s.id: _storage_series(history, s, minutes * 60, now) for s in snapshot.storage}
    )
