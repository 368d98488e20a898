"""AES-256-GCM sealing and the key file, compatible with the original Pulse's `.encryption.key`
(base64 of 32 random bytes) and its `nonce ‖ ciphertext ‖ tag` layout."""

from __future__ import annotations

import base64
import binascii
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pulse.errors import StoreError
from pulse.store.atomic import atomic_write

KEY_FILE_NAME = ".encryption.key"
KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16


class DecryptionError(ValueError):
    """The data was tampered with, is truncated, or was sealed with another key."""


def encrypt(key: bytes, plaintext: bytes, associated_data: bytes | None = None) -> bytes:
    """Seal with a fresh random nonce; returns nonce ‖ ciphertext ‖ tag."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plaintext, associated_data)


def decrypt(key: bytes, sealed: bytes, associated_data: bytes | None = None) -> bytes:
    """Open what `encrypt` sealed; raises DecryptionError if anything does not match."""
    if len(sealed) < NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("data is too short to be encrypted content")
    try:
        return AESGCM(key).decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated_data)
    except InvalidTag:
        message = "authentication failed: wrong key, or the data was changed"
        raise DecryptionError(message) from None


def load_or_create_key(data_dir: Path) -> bytes:
    """Read the store key, creating it (mode 0600) on first start.

    A key file that exists but is not valid stops start-up: replacing it would make every
    encrypted file unreadable (the original Pulse silently did that).
    """
    path = data_dir / KEY_FILE_NAME
    if path.exists():
        try:
            text = path.read_text(encoding="ascii")
            key = base64.b64decode("".join(text.split()), validate=True)
        except (OSError, UnicodeDecodeError, binascii.Error) as exc:
            raise StoreError(
                f"key file {path} is unreadable or not base64 ({exc}); restore it from a backup "
                "— without it the encrypted configuration cannot be read"
            ) from None
        if len(key) != KEY_BYTES:
            raise StoreError(
                f"key file {path} holds {len(key)} bytes, expected {KEY_BYTES}; restore it from "
                "a backup — without it the encrypted configuration cannot be read"
            )
        return key
    key = os.urandom(KEY_BYTES)
    try:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        atomic_write(path, base64.b64encode(key) + b"\n", mode=0o600)
    except OSError as exc:
        raise StoreError(f"cannot create key file {path}: {exc.strerror or exc}") from None
    return key
