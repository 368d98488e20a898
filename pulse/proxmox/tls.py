"""TLS modes for Proxmox connections: CA verification, no verification, or fingerprint pinning."""

from __future__ import annotations

import ssl
import string

import aiohttp

SslArg = ssl.SSLContext | aiohttp.Fingerprint | bool

_HEX = frozenset(string.hexdigits)


def normalize_fingerprint(value: str) -> str:
    """`AA:BB:..`, `aa bb ..` or plain hex -> 64 lower-case hex digits; ValueError otherwise."""
    text = "".join(ch for ch in value.strip() if ch not in ": -").lower()
    if not text:
        return ""
    if not set(text) <= _HEX:
        raise ValueError("the fingerprint must be hexadecimal, e.g. AA:BB:CC:... (SHA-256)")
    if len(text) == 40:
        raise ValueError(
            "that looks like a SHA-1 fingerprint; only SHA-256 fingerprints are supported "
            "(Proxmox shows them under Node → System → Certificates)"
        )
    if len(text) != 64:
        raise ValueError("a SHA-256 fingerprint has 32 bytes (64 hex digits)")
    return text


def display_fingerprint(hex_digits: str) -> str:
    """64 hex digits -> `AA:BB:...` as Proxmox displays it."""
    text = hex_digits.upper()
    return ":".join(text[i : i + 2] for i in range(0, len(text), 2))


_insecure: ssl.SSLContext | None = None
_verified: ssl.SSLContext | None = None


def _insecure_context() -> ssl.SSLContext:
    global _insecure
    if _insecure is None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the user chose "verify SSL: off"
        _insecure = context
    return _insecure


def _verified_context() -> ssl.SSLContext:
    global _verified
    if _verified is None:
        _verified = ssl.create_default_context()
    return _verified


def ssl_argument(verify_ssl: bool, fingerprint: str) -> SslArg:
    """The `ssl=` argument for aiohttp: a pinned fingerprint wins over CA verification.

    Raises ValueError for a malformed fingerprint.
    """
    pinned = normalize_fingerprint(fingerprint)
    if pinned:
        return aiohttp.Fingerprint(bytes.fromhex(pinned))
    if verify_ssl:
        return _verified_context()
    return _insecure_context()
