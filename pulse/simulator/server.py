"""Listeners: one HTTPS endpoint per PVE node / PBS server, with auth, routing and faults."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import socket
import ssl
import weakref
from collections.abc import Callable

from aiohttp import web

from pulse.simulator.auth import Authenticator, AuthError, Product
from pulse.simulator.faults import FaultState
from pulse.simulator.routing import (
    JSON_CT,
    ApiError,
    Ctx,
    Router,
    not_implemented,
    render_data,
    render_error,
)
from pulse.simulator.tls import Certificate, CertificateStore
from pulse.simulator.topology import Fault

LOOPBACK_PREFIX = "127."
INDEX_HTML = b"<!DOCTYPE html>\n<html><head><title>Proxmox</title></head><body></body></html>\n"


def _check_loopback(host: str) -> None:
    # a hard rule: the simulator must never listen beyond the loopback network
    if not host.startswith(LOOPBACK_PREFIX):
        raise ValueError(f"refusing to listen on non-loopback address {host!r}")


def bind_socket(host: str, port: int) -> socket.socket:
    _check_loopback(host)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def bind_group(hosts: list[str], port: int, attempts: int = 50) -> tuple[int, list[socket.socket]]:
    """Bind every host on one common port (cluster members share the port, as 8006 on PVE)."""
    last: OSError | None = None
    for _ in range(attempts):
        socks: list[socket.socket] = []
        try:
            socks.append(bind_socket(hosts[0], port))
            chosen = socks[0].getsockname()[1]
            for h in hosts[1:]:
                socks.append(bind_socket(h, chosen))
            return chosen, socks
        except OSError as err:
            last = err
            for s in socks:
                s.close()
            if port:
                break
    raise OSError(f"could not bind {hosts} on a common port: {last}")


class Endpoint:
    """The API of one PVE node or PBS server on its own loopback address."""

    def __init__(
        self,
        *,
        name: str,
        product: Product,
        host: str,
        router: Router,
        auth: Authenticator,
        certs: CertificateStore,
        now: Callable[[], float],
        on_login: Callable[[dict[str, object]], None] | None = None,
    ) -> None:
        self.name = name
        self.product = product
        self.host = host
        self.port = 0
        self.router = router
        self.auth = auth
        self.fault = FaultState()
        self._certs = certs
        self._now = now
        self._on_login = on_login
        self._ssl: ssl.SSLContext | None = None
        self.cert: Certificate | None = None
        self._runner: web.ServerRunner | None = None
        # Connections this endpoint accepted: a node that goes offline drops them all, as a
        # powered-off host would (closing the listener alone leaves keep-alive connections).
        self._transports: weakref.WeakSet[asyncio.Transport] = weakref.WeakSet()
        self.new_certificate()

    @property
    def listening(self) -> bool:
        return self._runner is not None

    @property
    def fingerprint(self) -> str:
        assert self.cert is not None
        return self.cert.fingerprint

    @property
    def url(self) -> str:
        return f"https://{self.host}:{self.port}"

    def new_certificate(self) -> None:
        self._ssl, self.cert = self._certs.server_context(self.name, [self.host])

    async def start(self, sock: socket.socket | None = None) -> None:
        if self._runner is not None:
            return
        if sock is None:
            for _ in range(20):  # the port was ours a moment ago; retry briefly if still busy
                try:
                    sock = bind_socket(self.host, self.port)
                    break
                except OSError:
                    await asyncio.sleep(0.05)
            else:
                sock = bind_socket(self.host, self.port)
        self.port = sock.getsockname()[1]
        server = web.Server(self.handle, handler_cancellation=True, access_log=None)
        runner = web.ServerRunner(server, shutdown_timeout=0.5)
        await runner.setup()
        await web.SockSite(runner, sock, ssl_context=self._ssl).start()
        self._runner = runner

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        self.fault.release()
        if runner is not None:
            await runner.cleanup()
        for transport in list(self._transports):
            transport.abort()

    async def restart(self) -> None:
        await self.stop()
        await self.start()

    # request pipeline --------------------------------------------------------------------------
    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        if request.transport is not None:
            if self._runner is None:  # stopped meanwhile: this host is gone
                request.transport.abort()
                return web.Response(status=503)
            self._transports.add(request.transport)
        fault = self.fault.fault
        if fault is Fault.HANG:
            await self.fault.hang()
            if request.transport is not None:
                request.transport.abort()  # the client sees the connection drop, never an answer
            return web.Response(status=503)
        if fault is Fault.SLOW and self.fault.latency > 0:
            await asyncio.sleep(self.fault.latency)
        if fault is Fault.ERROR500:
            return render_error(self.product, ApiError(500, "Internal Server Error"))
        path = request.path
        if not path.startswith("/api2/json/"):
            if path in ("/", ""):
                return web.Response(body=INDEX_HTML, content_type="text/html")
            return web.Response(status=404, reason="Not Found", text="File not found")
        rel = path[len("/api2/json") :]
        try:
            body = await self._dispatch(request, rel)
        except AuthError as err:
            return render_error(self.product, ApiError(401, str(err)))
        except ApiError as err:
            return render_error(self.product, err)
        if self.fault.fault is Fault.MALFORMED:
            body = body[: max(9, len(body) // 2)] if len(body) > 12 else b'{"data": [{'
        return web.Response(body=body, headers={"Content-Type": JSON_CT})

    async def _dispatch(self, request: web.BaseRequest, rel: str) -> bytes:
        method = request.method
        now = self._now()
        if rel.rstrip("/") == "/access/ticket" and method == "POST":
            return render_data(await self._login(request))
        # both products authenticate before they look the path up (pve-manager HTTPServer.pm
        # auth_handler/rest_handler; proxmox-rest-server: only `World` methods skip auth)
        principal = self.auth.authenticate(request.headers, request.cookies, method)
        match = self.router.match(method, rel)
        if match is None:
            if self.product is Product.PBS:
                raise ApiError(404, f"Path '/api2/json{rel}' not found.")
            raise not_implemented(method, rel)
        handler, params = match
        result = handler(Ctx(principal, request.query, now, self.name), params)
        if inspect.isawaitable(result):
            result = await result
        return render_data(result)

    async def _login(self, request: web.BaseRequest) -> dict[str, object]:
        form: dict[str, str] = {}
        if request.content_type == "application/json":
            with contextlib.suppress(ValueError):
                raw = await request.json()
                if isinstance(raw, dict):
                    form = {str(k): str(v) for k, v in raw.items()}
        else:
            form = {k: str(v) for k, v in (await request.post()).items()}
        username, password = form.get("username", ""), form.get("password", "")
        if not username or not password:
            raise ApiError(
                400,
                "Parameter verification failed.",
                {
                    k: "property is missing and it is not optional"
                    for k in ("username", "password")
                    if not form.get(k)
                },
            )
        if "@" not in username and form.get("realm"):
            username = f"{username}@{form['realm']}"
        data = self.auth.login(username, password)
        if self._on_login is not None:
            self._on_login(data)
        return data
