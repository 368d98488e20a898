"""`Hub`: fans serialised messages out to every websocket client without letting one stall.

Each message is serialised once; every client gets the same bytes through its own bounded queue
and writer task. A client whose queue is full (it cannot keep up) is disconnected; the browser
reconnects and receives a fresh full state. Envelope: `{"type": ..., "data": ...}` (api.md §5.2).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from pulse import jsonio

log = logging.getLogger(__name__)

QUEUE_SIZE = 32  # messages; a state update per cycle, so ~2 minutes of backlog at 5 s
SEND_TIMEOUT = 10.0  # seconds for one frame before the client counts as stuck
CLOSE_TIMEOUT = 2.0  # seconds to wait for a dropped client's close handshake


def envelope(message_type: str, data: Any, *, timestamp: bool = False) -> bytes:
    message: dict[str, Any] = {"type": message_type, "data": data}
    if timestamp:
        message["timestamp"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return jsonio.dumps(message)


def wrap_bytes(message_type: str, data: bytes) -> bytes:
    """An envelope around data that is already serialised (the cached state bytes)."""
    return b'{"type":' + jsonio.dumps(message_type) + b',"data":' + data + b"}"


class Client:
    """One connected websocket, its queue of pending messages and its writer task."""

    __slots__ = ("queue", "remote", "task", "ws")

    def __init__(self, ws: web.WebSocketResponse, remote: str) -> None:
        self.ws = ws
        self.remote = remote
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue(QUEUE_SIZE)
        self.task: asyncio.Task[None] | None = None


class Hub:
    """The set of connected clients. `broadcast*` never awaits: safe from any callback."""

    def __init__(self) -> None:
        self._clients: set[Client] = set()
        self._closing: set[asyncio.Task[None]] = set()  # strong references until done

    @property
    def client_count(self) -> int:
        return len(self._clients)

    def broadcast(self, message_type: str, data: object) -> None:
        """Serialise `{"type": message_type, "data": data}` once and send it to every client."""
        self.broadcast_bytes(envelope(message_type, data))

    def broadcast_bytes(self, payload: bytes) -> None:
        """Send an already serialised message (a complete envelope) to every client."""
        for client in list(self._clients):
            self._offer(client, payload)

    def broadcast_state(self, state_bytes: bytes) -> None:
        """A `rawData` message around the cached state bytes."""
        if self._clients:
            self.broadcast_bytes(wrap_bytes("rawData", state_bytes))

    def send(self, client: Client, payload: bytes) -> None:
        self._offer(client, payload)

    def _offer(self, client: Client, payload: bytes) -> None:
        try:
            client.queue.put_nowait(payload)
        except asyncio.QueueFull:
            log.info("websocket client %s cannot keep up; disconnecting it", client.remote)
            self._drop(client)

    async def _write_loop(self, client: Client) -> None:
        while True:
            payload = await client.queue.get()
            if payload is None or client.ws.closed:
                return
            try:
                async with asyncio.timeout(SEND_TIMEOUT):
                    await client.ws.send_frame(payload, WSMsgType.TEXT)
            except (TimeoutError, ConnectionError, RuntimeError) as exc:
                # A peer that stopped reading (or vanished) is dropped now, not after its queue
                # filled up: it would otherwise count as connected and hold its backlog.
                log.info(
                    "websocket client %s: send failed (%s); disconnecting it",
                    client.remote,
                    type(exc).__name__,
                )
                self._drop(client)
                return

    def _drop(self, client: Client) -> None:
        self._clients.discard(client)
        if client.task is not None and client.task is not asyncio.current_task():
            client.task.cancel()
        if not client.ws.closed:
            # Closing waits for the peer; do it in the background so broadcasts stay instant.
            task = asyncio.get_running_loop().create_task(self._close(client, b"too slow"))
            self._closing.add(task)
            task.add_done_callback(self._closing.discard)

    def attach(self, ws: web.WebSocketResponse, remote: str) -> Client:
        client = Client(ws, remote)
        client.task = asyncio.get_running_loop().create_task(self._write_loop(client))
        self._clients.add(client)
        return client

    async def detach(self, client: Client) -> None:
        self._clients.discard(client)
        if client.task is not None:
            client.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await client.task

    @staticmethod
    async def _close(
        client: Client, message: bytes, code: int = WSCloseCode.TRY_AGAIN_LATER
    ) -> None:
        # A stuck peer never answers the close frame: bound the wait.
        with contextlib.suppress(Exception):
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await client.ws.close(code=code, message=message)

    async def close_all(self) -> None:
        """Shutdown: close every client at once (a stuck one costs at most CLOSE_TIMEOUT)."""
        clients = list(self._clients)
        self._clients.clear()
        for client in clients:
            if client.task is not None:
                client.task.cancel()
        closing = [self._close(c, b"server shutdown", WSCloseCode.GOING_AWAY) for c in clients]
        await asyncio.gather(*closing, *self._closing)
