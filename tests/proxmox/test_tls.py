"""Fingerprint pinning input: both Proxmox's AA:BB form and plain hex; SHA-1 refused clearly."""

from __future__ import annotations

import aiohttp
import pytest

from pulse.proxmox.tls import display_fingerprint, normalize_fingerprint, ssl_argument

SHA256 = "AB:" * 31 + "CD"


def test_accepts_colon_and_plain_forms() -> None:
    plain = normalize_fingerprint(SHA256)
    assert len(plain) == 64
    assert plain == plain.lower()
    assert ":" not in plain
    assert normalize_fingerprint(plain.upper()) == plain
    assert display_fingerprint(plain) == SHA256


def test_rejects_sha1_and_garbage() -> None:
    with pytest.raises(ValueError, match="SHA-1"):
        normalize_fingerprint("AB:" * 19 + "CD")
    with pytest.raises(ValueError, match="hexadecimal"):
        normalize_fingerprint("zz" * 32)
    with pytest.raises(ValueError, match="64 hex"):
        normalize_fingerprint("ab" * 10)


def test_pinning_wins_over_verification() -> None:
    assert isinstance(ssl_argument(True, SHA256), aiohttp.Fingerprint)
    assert not isinstance(ssl_argument(False, ""), aiohttp.Fingerprint)
