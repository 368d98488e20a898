"""Passwords: hash detection, bcrypt off the event loop, env passwords, change and set-up."""

from __future__ import annotations

import asyncio
import time

import pytest

from pulse.security import passwords
from tests.conftest import AppClient
from tests.security.conftest import PASSWORD, PASSWORD_HASH, MakeClient, login


def test_hash_detection() -> None:
    assert passwords.is_bcrypt_hash(PASSWORD_HASH)
    assert passwords.is_bcrypt_hash(PASSWORD_HASH.replace("$2b$", "$2y$", 1))
    assert not passwords.is_bcrypt_hash("$2b$04$tooshort")
    assert not passwords.is_bcrypt_hash("x" * 60)


def test_password_rules() -> None:
    assert passwords.password_problem("short") == "Password must be at least 8 characters"
    assert passwords.password_problem("é" * 40) is not None  # 80 bytes: over bcrypt's 72
    assert passwords.password_problem("long enough") is None
    assert not passwords.check_password_sync("x" * 100, PASSWORD_HASH)
    assert not passwords.check_password_sync(PASSWORD, "$2b$12$broken")


async def test_plain_env_password_is_hashed_at_start(secure_client: MakeClient) -> None:
    client = await secure_client(env={"PULSE_AUTH_PASS": "plain-text-password"}, password=False)
    stored = client.app  # the plain value is never compared directly: only its bcrypt hash
    from pulse import keys

    assert stored[keys.CREDENTIALS].password_hash.startswith("$2b$12$")
    await login(client, "plain-text-password")
    status = await (await client.get("/api/security/status")).json()
    assert status["credentialsSource"]["password"] == "env"
    assert status["passwordChangeable"] is False


async def test_env_password_cannot_be_changed_here(secure_client: MakeClient) -> None:
    client = await secure_client()
    csrf = await login(client)
    response = await client.post(
        "/api/security/change-password",
        json={"currentPassword": PASSWORD, "newPassword": "another-password"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status == 409
    assert "PULSE_PASSWORD" in (await response.json())["error"]


async def test_quick_setup_then_change_password(app_client: AppClient) -> None:
    client = await app_client()
    setup = await client.post(
        "/api/security/quick-setup", json={"username": "owner", "password": "first-password"}
    )
    assert setup.status == 200, await setup.text()
    body = await setup.json()
    assert body["success"] is True
    assert len(body["apiToken"]) == 64  # generated, shown once
    csrf = client.session.cookie_jar.filter_cookies(client.make_url("/"))["pulse_csrf"].value
    headers = {"X-CSRF-Token": csrf}
    again = await client.post(
        "/api/security/quick-setup", json={"password": "other-password"}, headers=headers
    )
    assert again.status == 409
    wrong = await client.post(
        "/api/security/change-password",
        json={"currentPassword": "not-it-at-all", "newPassword": "second-password"},
        headers=headers,
    )
    assert wrong.status == 401
    short = await client.post(
        "/api/security/change-password",
        json={"currentPassword": "first-password", "newPassword": "short"},
        headers=headers,
    )
    assert short.status == 400
    missing = await client.post(
        "/api/security/change-password", json={"newPassword": "second-password"}, headers=headers
    )
    assert missing.status == 400
    ok = await client.post(
        "/api/security/change-password",
        json={"currentPassword": "first-password", "newPassword": "second-password"},
        headers=headers,
    )
    assert ok.status == 200
    assert (await client.post("/api/login", json={"password": "first-password"})).status == 401
    response = await client.post(
        "/api/login", json={"username": "owner", "password": "second-password"}
    )
    assert response.status == 200


async def test_quick_setup_refused_once_configured(secure_client: MakeClient) -> None:
    client = await secure_client()
    response = await client.post("/api/security/quick-setup", json={"password": "new-password"})
    assert response.status == 401  # not public: an attacker cannot replace the password


async def test_logins_do_not_stall_the_event_loop(secure_client: MakeClient) -> None:
    """bcrypt (cost 12, ~0.3 s each) runs in threads: the loop keeps answering meanwhile."""
    client = await secure_client(env={"PULSE_PASSWORD": "a-plain-password"}, password=False)
    gaps: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        last = time.perf_counter()
        while not stop.is_set():
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    tick = asyncio.create_task(ticker())
    started = time.perf_counter()
    logins = [
        asyncio.ensure_future(client.post("/api/login", json={"password": p}))
        for p in ("a-plain-password", "wrong-password-1", "a-plain-password")
    ]
    health = [(await client.get("/api/health")).status for _ in range(5)]
    answered_health = time.perf_counter() - started
    statuses = sorted(r.status for r in await asyncio.gather(*logins))
    logins_done = time.perf_counter() - started
    stop.set()
    await tick
    assert health == [200] * 5
    assert statuses == [200, 200, 401]
    # A blocked loop would show a gap of a whole bcrypt run: about a third of the time all
    # three logins took (~0.3 s each at cost 12). The bound scales with that time, so a
    # machine slowed by other work does not fail the test while a blocked loop still does.
    bound = max(0.15, logins_done / 4)
    assert max(gaps) < bound, f"max loop lag {max(gaps):.3f}s (bound {bound:.3f}s)"
    assert answered_health < logins_done


@pytest.mark.parametrize("body", [b"", b"[]", b'{"password": 5}', b"{bad"])
async def test_bad_login_bodies_are_400(secure_client: MakeClient, body: bytes) -> None:
    client = await secure_client()
    assert (await client.post("/api/login", data=body)).status == 400


async def test_an_open_instance_can_set_its_first_password(app_client: AppClient) -> None:
    client = await app_client()
    response = await client.post(
        "/api/security/change-password", json={"newPassword": "the-first-password"}
    )
    assert response.status == 200
    assert (await client.get("/api/guests/metadata")).status == 200  # logged in at once
    client.session.cookie_jar.clear()
    assert (await client.get("/api/guests/metadata")).status == 401
    await login(client, "the-first-password")
