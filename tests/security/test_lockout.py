"""Lockout: 5 failures lock an address for 15 minutes, across a restart; user names only slow
down; the window rolls."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from pulse import keys
from pulse.app import create_app
from pulse.config.settings import Settings
from pulse.security.lockout import Lockout
from tests.security.conftest import (
    PASSWORD,
    PASSWORD_HASH,
    Client,
    FakeClock,
    MakeClient,
    set_clock,
)


async def attempt(client: Client, password: str, ip: str | None = None) -> tuple[int, dict]:
    headers = {"X-Forwarded-For": ip} if ip else {}
    response = await client.post("/api/login", json={"password": password}, headers=headers)
    return response.status, {"body": await response.json(), **response.headers}


async def test_five_failures_lock_then_the_right_password_waits(
    secure_client: MakeClient, clock: FakeClock
) -> None:
    client = await secure_client()
    for n in range(4):
        status, info = await attempt(client, "wrong")
        assert status == 401
        assert f"{4 - n} attempts left" in info["body"]["error"]
    status, info = await attempt(client, "wrong")
    assert status == 429
    assert info["Retry-After"] == "900"
    assert "try again in 900 seconds" in info["body"]["error"]
    assert info["body"]["code"] == "account_locked"

    clock.advance(600)
    status, info = await attempt(client, PASSWORD)
    assert status == 429
    assert info["Retry-After"] == "300"
    clock.advance(300)
    status, _ = await attempt(client, PASSWORD)
    assert status == 200


async def test_after_the_lock_a_single_typo_does_not_relock(
    secure_client: MakeClient, clock: FakeClock
) -> None:
    client = await secure_client()
    for _ in range(5):
        await attempt(client, "wrong")
    clock.advance(900)
    status, info = await attempt(client, "wrong")
    assert status == 401
    assert "4 attempts left" in info["body"]["error"]


async def test_failures_outside_the_window_are_forgotten(
    secure_client: MakeClient, clock: FakeClock
) -> None:
    client = await secure_client()
    for _ in range(4):
        await attempt(client, "wrong")
    clock.advance(16 * 60)
    for _ in range(4):
        status, _ = await attempt(client, "wrong")
        assert status == 401
    assert (await attempt(client, PASSWORD))[0] == 200


async def test_the_lock_holds_across_a_restart(
    aiohttp_client: Callable[..., Awaitable[Client]],
    make_settings: Callable[..., Settings],
    clock: FakeClock,
) -> None:
    settings = make_settings({"PULSE_PASSWORD": PASSWORD_HASH})
    app = create_app(settings)
    set_clock(app, clock)
    client = await aiohttp_client(app)
    for _ in range(5):
        await attempt(client, "wrong")
    await app[keys.LOCKOUT].flush()
    await client.close()

    restarted = create_app(settings)
    set_clock(restarted, clock)
    client = await aiohttp_client(restarted)
    status, info = await attempt(client, PASSWORD)
    assert status == 429
    assert int(info["Retry-After"]) == 900
    assert (settings.data_dir / "lockout.json").stat().st_mode & 0o777 == 0o600


async def test_one_address_cannot_lock_the_owner_out(
    secure_client: MakeClient, clock: FakeClock
) -> None:
    client = await secure_client(trusted_proxies="127.0.0.0/8")
    for _ in range(5):
        await attempt(client, "wrong", ip="203.0.113.66")
    assert (await attempt(client, "wrong", ip="203.0.113.66"))[0] == 429
    # The owner, from elsewhere, waits at most a short slow-down, not 15 minutes.
    status, info = await attempt(client, PASSWORD, ip="192.0.2.10")
    assert status == 429
    assert info["Retry-After"] == "1"
    clock.advance(1)
    assert (await attempt(client, PASSWORD, ip="192.0.2.10"))[0] == 200


async def test_user_name_slow_down_grows_but_stays_short(
    secure_client: MakeClient, clock: FakeClock
) -> None:
    """Password spraying from many addresses: each failure beyond 5 doubles the wait for
    that user name, up to a minute."""
    client = await secure_client(trusted_proxies="127.0.0.0/8")
    waits = []
    for n in range(12):
        status, info = await attempt(client, "wrong", ip=f"203.0.113.{n}")
        if status == 429:
            waits.append(int(info["Retry-After"]))
            clock.advance(int(info["Retry-After"]))
            status, info = await attempt(client, "wrong", ip=f"203.0.113.{n}")
        assert status == 401
    assert waits == [1, 2, 4, 8, 16, 32, 60]


def test_parallel_attempts_cannot_exceed_the_budget(tmp_path: object) -> None:
    from pathlib import Path

    lockout = Lockout(Path(str(tmp_path)), clock=FakeClock())
    for _ in range(3):
        lockout.record_failure("198.51.100.1", "admin")
    assert lockout.reserve("198.51.100.1")
    assert lockout.reserve("198.51.100.1")
    assert not lockout.reserve("198.51.100.1")  # 3 failures + 2 checks running = 5
    lockout.release("198.51.100.1")
    assert lockout.reserve("198.51.100.1")


async def test_memory_is_bounded(tmp_path: object) -> None:
    from pathlib import Path

    from pulse.security import lockout as module

    lockout = Lockout(Path(str(tmp_path)), clock=FakeClock())
    for n in range(module.MAX_ENTRIES + 10):
        lockout.record_failure(f"10.{n // 65536}.{n // 256 % 256}.{n % 256}", f"user{n}")
    await lockout.flush()  # writes were coalesced while the loop ran
    snapshot = lockout._snapshot()
    assert len(snapshot["ips"]) <= module.MAX_ENTRIES
    assert len(snapshot["users"]) <= module.MAX_ENTRIES


async def test_spoofed_forwarded_for_does_not_escape_the_lock(secure_client: MakeClient) -> None:
    client = await secure_client()  # no trusted proxy
    for n in range(5):
        await attempt(client, "wrong", ip=f"198.51.100.{n}")
    assert (await attempt(client, PASSWORD, ip="198.51.100.77"))[0] == 429
