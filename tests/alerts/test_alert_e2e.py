"""End to end: a simulator guest crosses a threshold; the alert appears in /api/state and on
/ws, then resolves when the guest calms down. Real simulator, pollers, state store and hub."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

from aiohttp import ClientWebSocketResponse, WSMsgType

from pulse.simulator.topology import GuestKind
from tests.monitoring import Monitor


async def next_message(ws: ClientWebSocketResponse, wanted: str) -> Any:
    """The data of the next websocket message of type `wanted` (others skipped)."""
    async with asyncio.timeout(15):
        while True:
            msg = await ws.receive()
            assert msg.type is WSMsgType.TEXT, msg
            data = msg.json()
            if data["type"] == wanted:
                return data["data"]


async def test_guest_crossing_memory_threshold_alerts_in_state_and_websocket(
    monitor: Monitor,
) -> None:
    await monitor.add_all()
    live = next(
        g for g in monitor.sim.model.all_guests()
        if g.kind is GuestKind.LXC and g.running and not g.spec.template and not g.spec.lock
    )  # fmt: skip
    inst = live.instance.name
    alert_id = f"{inst}-{live.node}-{live.vmid}-memory"
    await monitor.wait_for(
        lambda s: any(c["vmid"] == live.vmid and c["status"] == "running" for c in s["containers"])
    )
    ws = await monitor.client.ws_connect("/ws")
    try:
        await next_message(ws, "initialState")
        live.spec = dataclasses.replace(live.spec, mem_base=0.99)  # ≥ 87 % from now on
        state = await monitor.wait_for(
            lambda s: any(a["id"] == alert_id for a in s["activeAlerts"])
        )
        shown = next(a for a in state["activeAlerts"] if a["id"] == alert_id)
        assert shown["type"] == "memory"
        assert shown["resourceName"] == live.spec.name
        assert shown["node"] == live.node
        assert shown["value"] >= 85
        assert shown["message"].startswith("Container memory usage at ")
        pushed = await next_message(ws, "alert")
        assert pushed["id"] == alert_id
        assert pushed["metadata"]["resourceType"] == "Container"

        live.spec = dataclasses.replace(live.spec, mem_base=0.1)
        resolved = await next_message(ws, "alertResolved")
        assert resolved == {"alertId": alert_id}
        state = await monitor.wait_for(
            lambda s: any(a["id"] == alert_id for a in s["recentlyResolved"])
        )
        assert all(a["id"] != alert_id for a in state["activeAlerts"])
        history = await (await monitor.client.get("/api/alerts/history")).json()
        assert history[0]["id"] == alert_id
        assert history[0]["resolvedTime"]
    finally:
        await ws.close()
