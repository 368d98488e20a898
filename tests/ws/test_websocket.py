"""/ws: initial state, per-cycle updates with identical bytes, origin check, slow clients."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from pulse import keys
from pulse.models import Node, State
from tests.conftest import AppClient


async def _receive(ws: aiohttp.ClientWebSocketResponse) -> dict[str, object]:
    message = await asyncio.wait_for(ws.receive(), 5)
    assert message.type is aiohttp.WSMsgType.TEXT
    data: dict[str, object] = message.json()
    return data


async def test_initial_state_then_raw_data_each_publish(app_client: AppClient) -> None:
    client = await app_client()
    store = client.app[keys.STATE]
    store.publish(State(nodes=(Node("lab-pve1", "pve1", "lab", "https://h", "online"),)))
    async with client.ws_connect("/ws") as first, client.ws_connect("/ws") as second:
        for ws in (first, second):
            assert (await _receive(ws))["type"] == "welcome"
            initial = await _receive(ws)
            assert initial["type"] == "initialState"
            assert initial["data"] == await (await client.get("/api/state")).json()
        assert client.app[keys.HUB].client_count == 2

        store.publish(State(nodes=(Node("lab-pve2", "pve2", "lab", "https://h", "online"),)))
        raw = [await asyncio.wait_for(ws.receive(), 5) for ws in (first, second)]
        assert raw[0].data == raw[1].data  # the same serialised bytes for everyone
        update = raw[0].json()
        assert update["type"] == "rawData"
        assert [n["name"] for n in update["data"]["nodes"]] == ["pve2"]

        await first.send_json({"type": "ping"})
        assert (await _receive(first))["type"] == "pong"
        await first.send_str("not json")  # ignored, connection stays usable
        await first.send_json({"type": "requestData"})
        assert (await _receive(first))["type"] == "rawData"
    for _ in range(50):
        if client.app[keys.HUB].client_count == 0:
            break
        await asyncio.sleep(0.02)
    assert client.app[keys.HUB].client_count == 0  # closed clients are cleaned up


@pytest.mark.parametrize(
    ("allowed", "origin", "accepted"),
    [
        ("", None, True),  # scripts send no Origin
        ("", "same", True),
        ("", "http://evil.example", False),
        ("https://dash.example", "https://dash.example", True),
        ("https://dash.example", "same", True),  # the page's own origin needs no listing
        ("https://dash.example", "http://evil.example", False),
        ("*", "http://anything.example", True),
    ],
)
async def test_origin_check(
    app_client: AppClient, allowed: str, origin: str | None, accepted: bool
) -> None:
    client = await app_client(env={"ALLOWED_ORIGINS": allowed} if allowed else None)
    headers = {}
    if origin == "same":
        headers["Origin"] = f"http://{client.host}:{client.port}"
    elif origin:
        headers["Origin"] = origin
    if accepted:
        async with client.ws_connect("/ws", headers=headers) as ws:
            assert (await _receive(ws))["type"] == "welcome"
    else:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await client.ws_connect("/ws", headers=headers)
        assert refused.value.status == 403


async def test_slow_client_is_dropped_without_stalling_others(app_client: AppClient) -> None:
    client = await app_client()
    hub = client.app[keys.HUB]
    payload = b'{"type":"rawData","data":"' + b"x" * 200_000 + b'"}'
    async with client.ws_connect("/ws") as reader, client.ws_connect("/ws") as _stalled:
        for _ in range(2):
            await _receive(reader)  # welcome, initialState
        received = 0
        for _ in range(120):
            hub.broadcast_bytes(payload)  # never awaits: the loop is never held up
            message = await asyncio.wait_for(reader.receive(), 5)
            if message.type is aiohttp.WSMsgType.TEXT and len(message.data) > 100_000:
                received += 1
            await asyncio.sleep(0)
        assert received == 120  # the reading client got every update
        assert hub.client_count == 1  # the one that never read was disconnected
