"""Passphrase-encrypted configuration export/import, interoperable with upstream Pulse 4.x.

Crypto (config-and-security.md §7.2, exact): PBKDF2-HMAC-SHA256, 100 000 iterations, 32-byte
salt, AES-256-GCM with a 12-byte nonce, `salt ‖ nonce ‖ ciphertext ‖ tag`, standard base64.
Payload (§7.3): `version "4.0"`, Go-style node records, alerts, email, webhooks, system.

The key derivation costs real CPU: callers on the event loop use `seal_async`/`open_async`.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import pulse
from pulse import jsonio
from pulse.config import upstream
from pulse.config.nodes import SECTION as NODES_SECTION
from pulse.config.nodes import InstanceConfig
from pulse.errors import BadRequest
from pulse.security.credentials import SECTION as SECURITY_SECTION

ITERATIONS = 100_000
SALT_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
KEY_BYTES = 32
PAYLOAD_VERSION = "4.0"
MIN_PASSPHRASE = 12
WRONG_PASSPHRASE = "Wrong passphrase or corrupted data"  # noqa: S105 - a message


def _key(passphrase: str, salt: bytes) -> bytes:
    return hashlib.pbkdf2_hmac("sha256", passphrase.encode(), salt, ITERATIONS, dklen=KEY_BYTES)


def seal(plaintext: bytes, passphrase: str) -> str:
    """Encrypt to the export text (blocking: ~0.1 s of CPU for the key derivation)."""
    salt, nonce = os.urandom(SALT_BYTES), os.urandom(NONCE_BYTES)
    sealed = AESGCM(_key(passphrase, salt)).encrypt(nonce, plaintext, None)
    return base64.b64encode(salt + nonce + sealed).decode("ascii")


def unseal(text: str, passphrase: str) -> bytes:
    """Decrypt an export text; BadRequest if it is not one or the passphrase is wrong."""
    try:
        raw = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        raise BadRequest("Import data is not a Pulse export (not base64)") from None
    if len(raw) < SALT_BYTES + NONCE_BYTES + TAG_BYTES:
        raise BadRequest("Import data is too short to be a Pulse export")
    salt, nonce = raw[:SALT_BYTES], raw[SALT_BYTES : SALT_BYTES + NONCE_BYTES]
    try:
        return AESGCM(_key(passphrase, salt)).decrypt(nonce, raw[SALT_BYTES + NONCE_BYTES :], None)
    except InvalidTag:
        raise BadRequest(WRONG_PASSPHRASE) from None


async def seal_async(plaintext: bytes, passphrase: str) -> str:
    return await asyncio.to_thread(seal, plaintext, passphrase)


async def unseal_async(text: str, passphrase: str) -> bytes:
    return await asyncio.to_thread(unseal, text, passphrase)


def check_export_passphrase(passphrase: Any) -> str:
    if not isinstance(passphrase, str) or not passphrase:
        raise BadRequest("Passphrase is required")
    if len(passphrase) < MIN_PASSPHRASE:
        raise BadRequest(f"Passphrase must be at least {MIN_PASSPHRASE} characters long")
    return passphrase


def check_import_passphrase(passphrase: Any) -> str:
    if not isinstance(passphrase, str) or not passphrase:
        raise BadRequest("Passphrase is required")
    return passphrase


def build_payload(
    document: Mapping[str, Any], instances: tuple[InstanceConfig, ...]
) -> dict[str, Any]:
    """The decrypted export document from the store's sections."""
    email = document.get("email")
    return {
        "version": PAYLOAD_VERSION,
        "exportedAt": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "exportedBy": f"pulse-python {pulse.__version__}",
        "nodes": upstream.go_nodes(instances),
        "alerts": document.get("alerts") or {},
        "email": {**upstream.EMAIL_DEFAULTS, **email}
        if isinstance(email, Mapping)
        else {**upstream.EMAIL_DEFAULTS},
        "webhooks": document.get("webhooks") or [],
        "system": {**(document.get("system") or {}), **_stored_token(document)},
    }


def _stored_token(document: Mapping[str, Any]) -> dict[str, str]:
    """`{"apiToken": ...}` for the token generated in Settings, as upstream's system.json
    carries it (a token from API_TOKEN is the deployment's, not part of the export)."""
    security = document.get(SECURITY_SECTION)
    token = security.get("apiToken") if isinstance(security, Mapping) else None
    return {"apiToken": token} if isinstance(token, str) and token else {}


def payload_bytes(document: Mapping[str, Any], instances: tuple[InstanceConfig, ...]) -> bytes:
    return jsonio.dumps_pretty(build_payload(document, instances))


@dataclass(frozen=True, slots=True)
class ImportPlan:
    """A validated import: the instances and the other sections to write in one save."""

    instances: list[InstanceConfig]
    sections: dict[str, Any]  # email / webhooks / alerts / system present in the payload
    version: str
    api_token: str = ""  # system.apiToken of the export ("" = none)

    def store_changes(self, security: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Every section the import replaces, for one atomic `ConfigStore.save`. Pass the
        current `security` section to take over the export's API token as well."""
        changes = {**self.sections, NODES_SECTION: [i.to_store() for i in self.instances]}
        if security is not None and self.api_token:
            changes[SECURITY_SECTION] = {**security, "apiToken": self.api_token}
        return changes


def plan_import(plaintext: bytes) -> ImportPlan:
    """Validate a decrypted payload completely before anything is changed."""
    try:
        payload = jsonio.loads(plaintext)
    except ValueError:
        raise BadRequest("Import data decrypted but is not a configuration document") from None
    if not isinstance(payload, dict):
        raise BadRequest("Import data decrypted but is not a configuration document")
    if payload.get("nodes") is None:
        # Upstream wiped every node in this case; refusing is the safe reading.
        raise BadRequest("Import data has no nodes section")
    instances = upstream.instances_from_go(payload["nodes"])
    sections: dict[str, Any] = {}
    api_token = ""
    if payload.get("email") is not None:
        sections["email"] = upstream.email_section(payload["email"])
    if payload.get("webhooks") is not None:
        sections["webhooks"] = upstream.webhooks_section(payload["webhooks"])
    if payload.get("alerts") is not None:
        sections["alerts"] = upstream.alerts_section(payload["alerts"])
    if payload.get("system") is not None:
        sections["system"] = upstream.system_section(payload["system"], strict=False)
        api_token = upstream.api_token(payload["system"])
    version = payload.get("version")
    return ImportPlan(instances, sections, version if isinstance(version, str) else "", api_token)
