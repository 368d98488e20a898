"""Password hashing with bcrypt (cost 12): the blocking calls, and their async wrappers."""

from __future__ import annotations

import asyncio
import re

import bcrypt

BCRYPT_COST = 12
MIN_PASSWORD_LENGTH = 8
# bcrypt only looks at the first 72 bytes; bcrypt >= 5 refuses longer input instead of
# silently truncating it, so Pulse refuses such passwords with a clear message.
MAX_PASSWORD_BYTES = 72
# Upstream's rule: a value is a hash when it starts with $2 and is exactly 60 characters long.
_BCRYPT_HASH = re.compile(r"^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$")


def is_bcrypt_hash(value: str) -> bool:
    """True when `value` is a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters)."""
    return value.startswith("$2") and len(value) == 60 and bool(_BCRYPT_HASH.match(value))


def password_problem(password: str) -> str | None:
    """Why `password` cannot be used as a new password, or None when it can."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must be at least {MIN_PASSWORD_LENGTH} characters"
    if len(password.encode("utf-8")) > MAX_PASSWORD_BYTES:
        return f"Password must be at most {MAX_PASSWORD_BYTES} bytes long"
    return None


def hash_password_sync(password: str, *, cost: int = BCRYPT_COST) -> str:
    """bcrypt hash of `password` (blocking: ~0.3 s at cost 12, over 1 s on a Raspberry Pi)."""
    encoded = password.encode("utf-8")
    if len(encoded) > MAX_PASSWORD_BYTES:
        raise ValueError(f"password is longer than {MAX_PASSWORD_BYTES} bytes")
    return bcrypt.hashpw(encoded, bcrypt.gensalt(cost)).decode("ascii")


def check_password_sync(password: str, password_hash: str) -> bool:
    """Constant-time bcrypt check (blocking). Over-long or malformed input is just False."""
    encoded = password.encode("utf-8")
    if len(encoded) > MAX_PASSWORD_BYTES:
        return False
    try:
        return bcrypt.checkpw(encoded, password_hash.encode("ascii"))
    except ValueError:  # a malformed stored hash must read as "wrong password", not a 500
        return False


async def hash_password(password: str) -> str:
    """`hash_password_sync` in a worker thread, so the event loop keeps serving."""
    return await asyncio.to_thread(hash_password_sync, password)


async def check_password(password: str, password_hash: str) -> bool:
    """`check_password_sync` in a worker thread, so the event loop keeps serving."""
    return await asyncio.to_thread(check_password_sync, password, password_hash)
