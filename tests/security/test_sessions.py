"""Sessions: cookie attributes, rotation at login, logout and password change really end them,
forged and expired cookies are refused, and sessions survive a restart."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient
from cryptography.fernet import Fernet

from pulse import keys
from pulse.app import create_app
from pulse.config.settings import Settings
from pulse.store.config_store import ConfigStore
from tests.security.conftest import (
    PASSWORD_HASH,
    Client,
    FakeClock,
    MakeClient,
    login,
    session_cookie,
    set_clock,
)


def fernet_for(data_dir: Path) -> Fernet:
    store = ConfigStore(data_dir)
    store.load()
    key = base64.urlsafe_b64decode(store.get("security")["sessionKey"])
    return Fernet(base64.urlsafe_b64encode(key))


async def with_cookie(client: Client, cookie: str, path: str = "/api/guests/metadata") -> int:
    """Status of a request that carries exactly this session cookie (like a copied cookie)."""
    url = client.make_url(path)
    async with client.session.get(url, cookies={"pulse_session": cookie}) as response:
        return response.status


async def test_login_sets_both_cookies_with_the_right_attributes(
    secure_client: MakeClient,
) -> None:
    client = await secure_client()
    response = await client.post("/api/login", json={"password": "correct-horse-battery"})
    assert response.status == 200
    raw = response.headers.getall("Set-Cookie")
    session = next(c for c in raw if c.startswith("pulse_session="))
    csrf = next(c for c in raw if c.startswith("pulse_csrf="))
    for attribute in ("HttpOnly", "SameSite=Lax", "Max-Age=86400", "Path=/"):
        assert attribute in session
    assert "Secure" not in session  # plain HTTP
    assert "HttpOnly" not in csrf  # the dashboard's script reads it
    assert "SameSite=Strict" in csrf
    body = await response.json()
    assert body["success"] is True
    assert body["user"] == "admin"


async def test_wrong_password_sets_no_cookie(secure_client: MakeClient) -> None:
    client = await secure_client()
    response = await client.post("/api/login", json={"username": "admin", "password": "nope"})
    assert response.status == 401
    assert "Invalid credentials" in (await response.json())["error"]
    assert "Set-Cookie" not in response.headers
    wrong_user = await client.post(
        "/api/login", json={"username": "root", "password": "correct-horse-battery"}
    )
    assert wrong_user.status == 401


async def test_login_issues_a_new_session_id_and_ends_the_old_one(
    secure_client: MakeClient,
) -> None:
    client = await secure_client()
    await login(client)
    first = session_cookie(client)
    await login(client)
    second = session_cookie(client)
    assert first != second
    assert await with_cookie(client, first) == 401
    assert await with_cookie(client, second) == 200


async def test_logout_ends_the_session_even_for_a_copied_cookie(
    secure_client: MakeClient,
) -> None:
    client = await secure_client()
    csrf = await login(client)
    copied = session_cookie(client)
    response = await client.post("/api/logout", headers={"X-CSRF-Token": csrf})
    assert response.status == 200
    assert await response.json() == {"success": True, "message": "Successfully logged out"}
    cleared = response.headers.getall("Set-Cookie")
    assert any(c.startswith("pulse_session=") and "Max-Age=0" in c for c in cleared)
    assert any(c.startswith("pulse_csrf=") and "Max-Age=0" in c for c in cleared)
    assert await with_cookie(client, copied) == 401


async def test_password_change_ends_every_session(
    aiohttp_client: Callable[..., Awaitable[Client]], secure_client: MakeClient
) -> None:
    owner = await secure_client(password=False, token=False)
    setup = await owner.post("/api/security/quick-setup", json={"password": "first-password"})
    assert setup.status == 200
    owner_csrf = owner.session.cookie_jar.filter_cookies(owner.make_url("/"))["pulse_csrf"].value
    other = await aiohttp_client(owner.app)  # another browser, same server
    await login(other, "first-password")
    other_cookie = session_cookie(other)
    old_owner_cookie = session_cookie(owner)

    response = await owner.post(
        "/api/security/change-password",
        json={"currentPassword": "first-password", "newPassword": "second-password"},
        headers={"X-CSRF-Token": owner_csrf},
    )
    assert response.status == 200, await response.text()
    assert await with_cookie(other, other_cookie) == 401
    assert await with_cookie(owner, old_owner_cookie) == 401
    # The caller got a fresh session and stays logged in.
    assert (await owner.get("/api/guests/metadata")).status == 200
    assert (await other.post("/api/login", json={"password": "first-password"})).status == 401
    await login(other, "second-password")


async def test_forged_and_foreign_cookies_are_refused(
    secure_client: MakeClient, data_dir: Path
) -> None:
    client = await secure_client()
    await login(client)
    genuine = session_cookie(client)
    assert await with_cookie(client, "garbage") == 401
    assert await with_cookie(client, genuine[:-4] + "AAAA") == 401
    # A cookie sealed with another key (another Pulse, or a guessed key) means nothing here.
    payload = fernet_for(data_dir).decrypt(genuine.encode())
    foreign = Fernet(Fernet.generate_key()).encrypt(payload).decode()
    assert await with_cookie(client, foreign) == 401
    # Right key, but a session id the server never issued.
    data = json.loads(payload)
    data["session"]["sid"] = "0" * 64
    invented = fernet_for(data_dir).encrypt(json.dumps(data).encode()).decode()
    assert await with_cookie(client, invented) == 401
    assert await with_cookie(client, genuine) == 200


async def test_sessions_expire_after_24_hours(
    secure_client: MakeClient, clock: FakeClock, data_dir: Path
) -> None:
    client = await secure_client()
    await login(client)
    cookie = session_cookie(client)
    clock.advance(23 * 3600)
    assert await with_cookie(client, cookie) == 200
    clock.advance(3600 + 1)
    assert await with_cookie(client, cookie) == 401


async def test_a_cookie_older_than_24_hours_is_refused_by_its_seal(
    secure_client: MakeClient, data_dir: Path
) -> None:
    client = await secure_client()
    await login(client)
    fernet = fernet_for(data_dir)
    payload = fernet.decrypt(session_cookie(client).encode())
    old = fernet.encrypt_at_time(payload, int(time.time()) - 25 * 3600).decode()
    assert await with_cookie(client, old) == 401


async def test_sessions_survive_a_restart(
    aiohttp_client: Callable[..., Awaitable[Client]],
    make_settings: Callable[..., Settings],
    clock: FakeClock,
) -> None:
    settings = make_settings({"PULSE_PASSWORD": PASSWORD_HASH})
    first_app = create_app(settings)
    set_clock(first_app, clock)
    first = await aiohttp_client(first_app)
    await login(first)
    cookie = session_cookie(first)
    await first_app[keys.SESSIONS].flush()
    await first.close()

    second_app = create_app(settings)
    set_clock(second_app, clock)
    second: TestClient[web.Request, web.Application] = await aiohttp_client(second_app)
    assert await with_cookie(second, cookie) == 200
    assert (settings.data_dir / "sessions.json").stat().st_mode & 0o777 == 0o600
    raw_id = json.loads(fernet_for(settings.data_dir).decrypt(cookie.encode()))["session"]["sid"]
    assert raw_id not in (settings.data_dir / "sessions.json").read_text()  # only hashes


async def test_secure_cookie_and_hsts_behind_a_trusted_https_proxy(
    secure_client: MakeClient,
) -> None:
    client = await secure_client(trusted_proxies="127.0.0.1/32")
    response = await client.post(
        "/api/login",
        json={"password": "correct-horse-battery"},
        headers={"X-Forwarded-Proto": "https"},
    )
    assert response.status == 200
    assert all("Secure" in c for c in response.headers.getall("Set-Cookie"))
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    plain = await client.get("/api/health")
    assert "Strict-Transport-Security" not in plain.headers


async def test_no_trusted_proxy_means_forwarded_proto_is_ignored(
    secure_client: MakeClient,
) -> None:
    client = await secure_client()
    response = await client.post(
        "/api/login",
        json={"password": "correct-horse-battery"},
        headers={"X-Forwarded-Proto": "https"},
    )
    assert not any("Secure" in c for c in response.headers.getall("Set-Cookie"))
    assert "Strict-Transport-Security" not in response.headers
