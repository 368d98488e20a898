"""Network discovery of Proxmox VE and PBS servers — only in a subnet the user gave.

Nothing is scanned unless a subnet comes from the request or the `discoverySubnet` setting
(the original scanned the LAN every 5 minutes unasked). Subnets are capped at 1024 addresses
and must be private (RFC 1918, ULA, loopback, link-local) unless the request confirms
otherwise. Each address gets a TCP connect per port (1 s), then an unauthenticated
`GET /api2/json/version` and, if needed, `GET /` tell PVE from PBS by what the server says,
not by the port alone (registration-discovery-updates.md §4.3).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import ipaddress
import logging
import os
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

from pulse import jsonio
from pulse.errors import BadRequest

log = logging.getLogger(__name__)

DEFAULT_PORTS = (8006, 8007)
PORT_GUESS = {8006: "pve", 8007: "pbs"}
MAX_ADDRESSES = 1024
WORKERS = 50
CONNECT_TIMEOUT = 1.0
HTTP_TIMEOUT = 2.0
DNS_TIMEOUT = 1.0
SCAN_DEADLINE = 30.0
# What a home or office network uses (Python's is_private also counts documentation ranges).
_LAN = tuple(
    ipaddress.ip_network(n)
    for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8", "169.254.0.0/16",
              "fc00::/7", "fe80::/10", "::1/128")
)  # fmt: skip
REFRESH_INTERVAL = 300.0
# Test suites and demos set this to 1: a scan of anything but loopback then fails before a
# single packet is sent (a test once scanned a documentation range by mistake).
LOOPBACK_ONLY_ENV = "PULSE_DISCOVERY_LOOPBACK_ONLY"


class ScanRefused(RuntimeError):
    """A scan outside loopback while PULSE_DISCOVERY_LOOPBACK_ONLY=1 (a bug in a test)."""


def guard(ip: str) -> None:
    """Raise ScanRefused for a non-loopback address when only loopback may be probed."""
    if os.environ.get(LOOPBACK_ONLY_ENV) == "1" and not ipaddress.ip_address(ip).is_loopback:
        raise ScanRefused(f"{LOOPBACK_ONLY_ENV}=1: refusing to probe {ip}")


@dataclass(frozen=True, slots=True)
class DiscoveredServer:
    ip: str
    port: int
    type: str  # "pve" | "pbs"
    version: str = "Unknown"
    release: str = ""
    hostname: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "ip": self.ip, "port": self.port, "type": self.type, "version": self.version,
        }  # fmt: skip
        if self.hostname:
            out["hostname"] = self.hostname
        if self.release:
            out["release"] = self.release
        return out


@dataclass(frozen=True, slots=True)
class ScanResult:
    subnet: str
    servers: tuple[DiscoveredServer, ...]
    errors: tuple[str, ...]
    updated: float  # unix seconds when the scan finished
    ports: tuple[int, ...] = DEFAULT_PORTS

    def to_json(self, now: float) -> dict[str, Any]:
        return {
            "servers": [s.to_json() for s in self.servers],
            "errors": list(self.errors),
            "subnet": self.subnet,
            "cached": True,
            "updated": int(self.updated),
            "age": max(0, int(now - self.updated)),
        }


def addresses(subnet: str, *, allow_public: bool = False) -> list[str]:
    """The host addresses to probe; BadRequest when the subnet is invalid, too big or public."""
    try:
        network = ipaddress.ip_network(subnet.strip(), strict=False)
    except ValueError:
        raise BadRequest(
            f"invalid subnet {subnet!r}: use CIDR notation like 192.168.1.0/24"
        ) from None
    if network.num_addresses > MAX_ADDRESSES:
        raise BadRequest(
            f"subnet {network} has {network.num_addresses} addresses; at most {MAX_ADDRESSES} "
            "(a /22 for IPv4) are scanned — give a smaller subnet"
        )
    lan = any(network.subnet_of(n) for n in _LAN if n.version == network.version)  # type: ignore[arg-type]
    if not lan and not allow_public:
        raise BadRequest(
            f"subnet {network} is not a private network; confirm with allowPublic to scan it"
        )
    hosts = [str(ip) for ip in network.hosts()]
    if network.version == 4 and network.prefixlen < 31:
        hosts = [h for h in hosts if not h.endswith((".0", ".255"))]
    return hosts


def check_ports(raw: Any) -> tuple[int, ...]:
    if raw is None:
        return DEFAULT_PORTS
    if not isinstance(raw, list) or not raw or len(raw) > 8:
        raise BadRequest("ports must be a list of 1 to 8 port numbers")
    if not all(isinstance(p, int) and not isinstance(p, bool) and 0 < p < 65536 for p in raw):
        raise BadRequest("ports must be numbers between 1 and 65535")
    return tuple(dict.fromkeys(raw))


def _classify(status: int, server_header: str, text: str) -> str:
    """PVE or PBS from an unauthenticated answer ("" when it says nothing)."""
    lowered = text.lower()
    if "pve-api-daemon" in server_header or "proxmox virtual environment" in lowered:
        return "pve"
    if "proxmox backup server" in lowered or "proxmox-backup" in server_header:
        return "pbs"
    if status == 401 and "no ticket" in lowered:
        return "pve"
    if status == 401 and "no authentication credentials provided" in lowered:
        return "pbs"
    return ""


async def _is_open(ip: str, port: int) -> bool:
    guard(ip)
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT):
            _, writer = await asyncio.open_connection(ip, port)
    except (OSError, TimeoutError):
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


async def _get(session: aiohttp.ClientSession, url: str) -> tuple[int, str, str, Any]:
    async with session.get(url, allow_redirects=False) as response:
        body = await response.content.read(64 * 1024)
        text = f"{response.reason or ''} {body.decode('utf-8', 'replace')}"
        data: Any = None
        if response.status == 200 and "json" in (response.content_type or ""):
            with contextlib.suppress(ValueError):
                data = jsonio.loads(body)
        return response.status, response.headers.get("Server", "").lower(), text, data


async def identify(session: aiohttp.ClientSession, ip: str, port: int) -> DiscoveredServer | None:
    """Ask an open port what it is; None when it is not a Proxmox server we can name."""
    guard(ip)
    host = f"[{ip}]" if ":" in ip else ip
    base = f"https://{host}:{port}"
    kind, version, release = "", "Unknown", ""
    try:
        status, server, text, data = await _get(session, f"{base}/api2/json/version")
        kind = _classify(status, server, text)
        if isinstance(data, dict) and isinstance(data.get("data"), dict):
            version = str(data["data"].get("version") or "Unknown")
            release = str(data["data"].get("release") or "")
        if not kind:
            status, server, text, _ = await _get(session, f"{base}/")
            kind = _classify(status, server, text)
    except (aiohttp.ClientError, TimeoutError, UnicodeError):
        pass
    kind = kind or PORT_GUESS.get(port, "")
    if not kind:
        return None
    return DiscoveredServer(ip=ip, port=port, type=kind, version=version, release=release)


async def _reverse_dns(ip: str) -> str:
    if ipaddress.ip_address(ip).is_loopback:
        return ""  # nothing to learn, and the resolver would be asked (traffic off the host)
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(DNS_TIMEOUT):
            name, _ = await loop.getnameinfo((ip, 0), socket.NI_NAMEREQD)
    except (OSError, TimeoutError):
        return ""
    return "" if name == ip else name.rstrip(".")


async def scan(
    subnet: str, ports: Sequence[int] = DEFAULT_PORTS, *, allow_public: bool = False
) -> tuple[list[DiscoveredServer], list[str]]:
    """Probe every address of `subnet` on `ports` with bounded concurrency and a deadline."""
    hosts = addresses(subnet, allow_public=allow_public)
    for ip in hosts:
        guard(ip)
    queue: asyncio.Queue[tuple[str, int]] = asyncio.Queue()
    for ip in hosts:
        for port in ports:
            queue.put_nowait((ip, port))
    found: list[DiscoveredServer] = []
    timeout = aiohttp.ClientTimeout(total=HTTP_TIMEOUT)
    connector = aiohttp.TCPConnector(ssl=False, limit=WORKERS, force_close=True)
    errors: list[str] = []

    async def worker(session: aiohttp.ClientSession) -> None:
        while not queue.empty():
            ip, port = queue.get_nowait()
            if await _is_open(ip, port):
                server = await identify(session, ip, port)
                if server is not None:
                    hostname = await _reverse_dns(ip)
                    found.append(dataclasses.replace(server, hostname=hostname))

    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        try:
            async with asyncio.timeout(SCAN_DEADLINE), asyncio.TaskGroup() as group:
                for _ in range(min(WORKERS, queue.qsize())):
                    group.create_task(worker(session))
        except TimeoutError:
            errors.append(f"scan stopped after {SCAN_DEADLINE:.0f} s; results are partial")
    found.sort(key=lambda s: (ipaddress.ip_address(s.ip), s.port))
    return found, errors


class DiscoveryService:
    """Runs scans one at a time, keeps the last result, refreshes a configured subnet."""

    def __init__(
        self, configured_subnet: Callable[[], str], clock: Callable[[], float] = time.time
    ) -> None:
        self.configured_subnet = configured_subnet
        self.clock = clock
        self.last: ScanResult | None = None
        self._running: asyncio.Task[ScanResult] | None = None

    @property
    def scanning(self) -> bool:
        return self._running is not None and not self._running.done()

    async def scan(
        self, subnet: str, ports: Iterable[int] = DEFAULT_PORTS, *, allow_public: bool = False
    ) -> ScanResult:
        """Scan (or join the scan already running for the same subnet and ports)."""
        ports = tuple(ports)
        addresses(subnet, allow_public=allow_public)  # 400 before anything starts
        running = self._running
        if running is not None and not running.done():
            return await asyncio.shield(running)
        task = asyncio.create_task(self._scan(subnet, ports, allow_public))
        self._running = task
        return await asyncio.shield(task)

    async def _scan(self, subnet: str, ports: tuple[int, ...], allow_public: bool) -> ScanResult:
        started = self.clock()
        servers, errors = await scan(subnet, ports, allow_public=allow_public)
        self.last = ScanResult(subnet, tuple(servers), tuple(errors), self.clock(), ports)
        log.info(
            "discovery of %s found %d server(s) in %.1f s",
            subnet, len(servers), self.clock() - started,
        )  # fmt: skip
        return self.last

    async def refresh_forever(self) -> None:
        """Rescan the configured subnet every 5 minutes; idle while none is configured."""
        while True:
            subnet = self.configured_subnet()
            if subnet:
                try:
                    await self.scan(subnet)
                except BadRequest as exc:
                    log.warning("discovery subnet %s not scanned: %s", subnet, exc.message)
            await asyncio.sleep(REFRESH_INTERVAL)

    async def stop(self) -> None:
        if self._running is not None:
            self._running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._running


@contextlib.asynccontextmanager
async def background(service: DiscoveryService) -> AsyncIterator[None]:
    task = asyncio.create_task(service.refresh_forever())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await service.stop()
