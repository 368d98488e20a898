"""`POST /api/auto-register`: what a setup script sends, turned into a saved, checked node.

The original saved whatever it was sent, unchecked; here the token is tried against the node
first (400 with the reason when it does not work), an existing node with the same host is
updated in place (its name, toggles and TLS settings kept), and new nodes get a unique name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from pulse import keys
from pulse.config.node_input import (
    MAX_FIELD_CHARS,
    NodeRequest,
    build_instance,
    normalise_fingerprint,
    normalise_host,
)
from pulse.config.nodes import InstanceConfig, InstanceKind
from pulse.errors import BadRequest
from pulse.registration.connect import learn, probe


@dataclass(frozen=True, slots=True)
class Registration:
    kind: InstanceKind
    host: str  # normalised
    server_name: str
    token_id: str
    token_value: str
    fingerprint: str  # normalised ("" = none sent)


def parse_registration(body: dict[str, Any]) -> Registration:
    if body.get("requestToken") is True:
        raise BadRequest(
            "requestToken mode is not supported: run the setup script on the node instead"
        )
    values: dict[str, str] = {}
    for key in ("type", "host", "serverName", "name", "tokenId", "tokenValue", "fingerprint"):
        value = body.get(key)
        if value is not None and not isinstance(value, str):
            raise BadRequest(f"{key} must be a string")
        if value is not None and len(value) > MAX_FIELD_CHARS:  # the token goes into a header
            raise BadRequest(f"{key} must be at most {MAX_FIELD_CHARS} characters")
        values[key] = (value or "").strip() if key != "tokenValue" else value or ""
    if not all(values[k] for k in ("type", "host", "tokenId", "tokenValue")):
        raise BadRequest("Missing required fields: type, host, tokenId and tokenValue")
    try:
        kind = InstanceKind(values["type"].lower())
    except ValueError:
        raise BadRequest("Invalid node type: must be pve or pbs") from None
    return Registration(
        kind=kind,
        host=normalise_host(kind, values["host"]),
        server_name=values["serverName"] or values["name"],  # the seed's example sends `name`
        token_id=values["tokenId"],
        token_value=values["tokenValue"],
        fingerprint=normalise_fingerprint(values["fingerprint"]),
    )


async def register(app: web.Application, reg: Registration) -> tuple[InstanceConfig, bool]:
    """Add or update the node after checking the token works; returns (node, created)."""
    registry = app[keys.NODES]
    old = next((i for i in registry.instances if i.kind is reg.kind and i.host == reg.host), None)
    request = NodeRequest(
        kind=reg.kind,
        name=None,
        host=reg.host,
        user="",
        password=None,
        token_name=reg.token_id,
        token_value=reg.token_value,
        # A fingerprint sent by the node itself is better than no verification at all.
        fingerprint=reg.fingerprint or None,
        verify_ssl=None if old else False,
        toggles={},
    )
    instance_id = old.id if old else registry.next_id(reg.kind)
    candidate = build_instance(
        request,
        instance_id=instance_id,
        others=registry.instances,
        old=old,
        fallback_name=reg.server_name,
    )
    result, _ = await probe(app, candidate)
    instance = learn(candidate, result, others=registry.instances, name_given=True)
    if old is None:
        return await registry.add(instance), True
    if await registry.update(instance):
        return instance, False
    return await registry.add(instance), True  # deleted while its connection was tested
