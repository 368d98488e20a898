"""`ServerInfo`: the connection facts of one simulated Pulse instance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class ServerInfo:
    """One per configured Pulse instance: a PVE cluster (entry point = first node), a standalone
    PVE node, or a PBS server."""

    kind: Literal["pve", "pbs"]
    name: str
    url: str
    host: str
    port: int
    token_id: str
    token_secret: str
    username: str
    password: str
    restricted_token_id: str
    restricted_token_secret: str
    fingerprint: str
    cluster: str | None
    nodes: tuple[str, ...]
    node_urls: tuple[str, ...] = ()  # same order as `nodes`; every node of a cluster, same port
    node_fingerprints: tuple[str, ...] = ()  # each node has its own certificate, like real PVE
    version: int = 0  # PVE 8/9 of the entry node, PBS 3/4

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "name": self.name,
            "url": self.url,
            "host": self.host,
            "port": self.port,
            "tokenId": self.token_id,
            "tokenSecret": self.token_secret,
            "username": self.username,
            "password": self.password,
            "restrictedTokenId": self.restricted_token_id,
            "restrictedTokenSecret": self.restricted_token_secret,
            "fingerprint": self.fingerprint,
            "cluster": self.cluster,
            "nodes": list(self.nodes),
            "nodeUrls": list(self.node_urls),
            "nodeFingerprints": list(self.node_fingerprints),
            "version": self.version,
        }
