"""Fixtures for the security tests: a fast password hash, login helpers, a settable clock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import bcrypt
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from pulse.app import create_app
from pulse.config.settings import Settings

Client = TestClient[web.Request, web.Application]
PASSWORD = "correct-horse-battery"
# Cost 4 keeps the suite fast; Pulse accepts any bcrypt hash from the environment as is.
PASSWORD_HASH = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()
TOKEN = "t" * 20 + "0123456789abcdef"


class FakeClock:
    def __init__(self, start: float = 1_900_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


MakeClient = Callable[..., Awaitable[Client]]


@pytest.fixture
def secure_client(
    aiohttp_client: Callable[..., Awaitable[Client]],
    make_settings: Callable[..., Settings],
    clock: FakeClock,
) -> MakeClient:
    """`await secure_client(env=..., password=True, token=False, **overrides)`: the full app
    with a password (fast hash) and/or API token, every security clock set to `clock`."""

    async def make(
        env: dict[str, str] | None = None,
        *,
        password: bool = True,
        token: bool = False,
        **overrides: Any,
    ) -> Client:
        environ = dict(env or {})
        if password:
            environ.setdefault("PULSE_PASSWORD", PASSWORD_HASH)
        if token:
            environ.setdefault("API_TOKEN", TOKEN)
        app = create_app(make_settings(environ, **overrides))
        set_clock(app, clock)
        return await aiohttp_client(app)

    return make


def set_clock(app: web.Application, clock: FakeClock) -> None:
    from pulse import keys

    app[keys.SESSIONS].clock = clock
    app[keys.LOCKOUT].clock = clock
    app[keys.RATE_LIMITS].clock = clock


async def login(client: Client, password: str = PASSWORD, **extra: Any) -> str:
    """Log in through the API; returns the CSRF token (the cookie jar keeps the session)."""
    response = await client.post("/api/login", json={"password": password, **extra})
    assert response.status == 200, await response.text()
    body = await response.json()
    assert (
        client.session.cookie_jar.filter_cookies(client.make_url("/"))["pulse_csrf"].value
        == (body["csrfToken"])
    )
    return str(body["csrfToken"])


def session_cookie(client: Client) -> str:
    return client.session.cookie_jar.filter_cookies(client.make_url("/"))["pulse_session"].value


async def script_status(client: Client, method: str, path: str, **kwargs: Any) -> int:
    """Status of a request sent like a script: no cookies at all."""
    async with (
        aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session,
        session.request(method, client.make_url(path), **kwargs) as response,
    ):
        return response.status
