"""Hub: a peer that stops accepting data is dropped by its own writer, others keep receiving."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import pytest
from aiohttp import WSMsgType, web

from pulse.ws import hub as hub_module
from pulse.ws.hub import Hub


class Peer:
    """The part of a WebSocketResponse the hub uses; `stuck` peers never finish a send."""

    def __init__(self, *, stuck: bool = False, broken: bool = False) -> None:
        self.stuck = stuck
        self.broken = broken
        self.closed = False
        self.frames: list[bytes] = []
        self.close_code: int | None = None

    async def send_frame(self, payload: bytes, opcode: WSMsgType) -> None:
        assert opcode is WSMsgType.TEXT
        if self.broken:
            raise ConnectionResetError("peer gone")
        if self.stuck:
            await asyncio.Event().wait()
        self.frames.append(payload)

    async def close(self, *, code: int, message: bytes) -> bool:
        self.close_code = code
        if self.stuck:
            await asyncio.Event().wait()  # never answers the close handshake either
        self.closed = True
        return True


def _attach(hub: Hub, peer: Peer) -> Any:
    return hub.attach(cast(web.WebSocketResponse, peer), "127.0.0.1")


async def _settle(condition: Any) -> None:
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition not reached")


@pytest.mark.parametrize("fault", ["stuck", "broken"])
async def test_failed_send_drops_only_that_client(
    monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    monkeypatch.setattr(hub_module, "SEND_TIMEOUT", 0.05)
    monkeypatch.setattr(hub_module, "CLOSE_TIMEOUT", 0.05)
    hub = Hub()
    good, bad = Peer(), Peer(stuck=fault == "stuck", broken=fault == "broken")
    _attach(hub, good)
    _attach(hub, bad)
    hub.broadcast_bytes(b'{"type":"rawData","data":1}')  # one message: its queue is far from full
    await _settle(lambda: hub.client_count == 1)
    hub.broadcast_bytes(b'{"type":"rawData","data":2}')
    await _settle(lambda: len(good.frames) == 2)
    assert good.frames == [b'{"type":"rawData","data":1}', b'{"type":"rawData","data":2}']
    assert bad.frames == []
    assert bad.close_code is not None  # told to go away (a stuck peer: bounded wait)
    await hub.close_all()
    assert good.closed
