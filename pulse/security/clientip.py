"""Who is the client: the TCP peer, or what a trusted reverse proxy says it forwarded.

Upstream believed X-Forwarded-For from anyone, so a client could choose its own rate-limit and
lockout key. Here the forwarded headers count only when the TCP peer is in `trusted_proxies`;
then X-Forwarded-For is read right to left, skipping trusted hops, and the first address that
is not a trusted proxy is the client.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from aiohttp import web
from aiohttp.typedefs import Handler

from pulse import keys

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

PRIVATE_NETWORKS: tuple[Network, ...] = tuple(
    ipaddress.ip_network(n)
    for n in ("127.0.0.0/8", "::1/128", "169.254.0.0/16", "10.0.0.0/8", "172.16.0.0/12",
              "192.168.0.0/16", "fc00::/7", "fe80::/10")
)  # fmt: skip


def parse_address(text: str) -> Address | None:
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def in_networks(address: Address, networks: Sequence[Network]) -> bool:
    return any(address.version == net.version and address in net for net in networks)


def is_private(text: str) -> bool:
    address = parse_address(text)
    return address is not None and in_networks(address, PRIVATE_NETWORKS)


class ClientResolver:
    def __init__(self, trusted_proxies: Sequence[str]) -> None:
        self.trusted: tuple[Network, ...] = tuple(
            ipaddress.ip_network(n, strict=False) for n in trusted_proxies
        )

    def _trusted(self, address: Address | None) -> bool:
        return address is not None and in_networks(address, self.trusted)

    def resolve(self, request: web.Request) -> tuple[str, bool]:
        """(client IP text, reached over HTTPS)."""
        peer_text = request.remote or ""
        peer = parse_address(peer_text)
        https = request.transport is not None and (
            request.transport.get_extra_info("sslcontext") is not None
        )
        if not self._trusted(peer):
            return (str(peer) if peer else peer_text or "unknown"), https
        client: Address | None = peer
        forwarded = request.headers.getall("X-Forwarded-For", [])
        hops = [h for value in forwarded for h in value.split(",") if h.strip()]
        if hops:
            for hop in reversed(hops):
                address = parse_address(hop)
                if address is None:
                    break  # garbage from an untrusted hop: stop at the last good address
                client = address
                if not self._trusted(address):
                    break
        elif real := parse_address(request.headers.get("X-Real-IP", "")):
            client = real
        proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
        return str(client), https or proto == "https"


@web.middleware
async def client_ip_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    resolver: ClientResolver = request.app[keys.CLIENT_RESOLVER]
    request[keys.CLIENT_IP], request[keys.CLIENT_HTTPS] = resolver.resolve(request)
    return await handler(request)
