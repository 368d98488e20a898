"""Rate limits: the table, the sliding window, 429 with Retry-After, client-IP keying."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import make_mocked_request

from pulse.security import ratelimit as rl
from tests.conftest import AppClient
from tests.security.conftest import FakeClock, MakeClient


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("POST", "/api/login", rl.AUTH),
        ("POST", "/api/security/change-password", rl.AUTH),
        ("POST", "/api/config/export", rl.EXPORT),
        ("GET", "/api/config/import", rl.EXPORT),  # counted before the 405, as upstream
        ("POST", "/api/notifications/email/test", rl.TEST_EMAIL),
        ("POST", "/api/notifications/webhooks/test", rl.TEST_EMAIL),
        ("GET", "/api/updates/check", rl.UPDATE_CHECK),
        ("GET", "/api/state", None),
    ],
)
def test_the_table(method: str, path: str, expected: rl.Limit | None) -> None:
    assert rl.route_limit(make_mocked_request(method, path)) == expected


def test_limits_are_the_documented_numbers() -> None:
    assert (rl.GENERAL.limit, rl.GENERAL.window) == (500, 60)
    assert (rl.AUTH.limit, rl.AUTH.window) == (10, 60)
    assert (rl.EXPORT.limit, rl.EXPORT.window) == (5, 60)
    assert (rl.TEST_EMAIL.limit, rl.TEST_EMAIL.window) == (10, 60)
    assert (rl.UPDATE_CHECK.limit, rl.UPDATE_CHECK.window) == (10, 3600)


def test_sliding_window_and_retry_after() -> None:
    clock = FakeClock()
    limiter = rl.RateLimiter(clock=clock)
    for _ in range(10):
        assert limiter.hit(rl.UPDATE_CHECK, "198.51.100.7") == 0
        clock.advance(60)
    wait = limiter.hit(rl.UPDATE_CHECK, "198.51.100.7")
    assert wait == pytest.approx(3600 - 600)
    assert limiter.hit(rl.UPDATE_CHECK, "198.51.100.8") == 0  # another client
    clock.advance(wait)
    assert limiter.hit(rl.UPDATE_CHECK, "198.51.100.7") == 0


def test_memory_is_bounded() -> None:
    clock = FakeClock()
    limiter = rl.RateLimiter(clock=clock)
    for n in range(rl.MAX_KEYS + 50):
        limiter.hit(rl.GENERAL, f"k{n}")
    assert len(limiter) == rl.MAX_KEYS
    clock.advance(61)  # idle buckets are swept at the next request
    limiter.hit(rl.GENERAL, "fresh")
    assert len(limiter) == 1


async def test_auth_limit_answers_429_with_retry_after(secure_client: MakeClient) -> None:
    client = await secure_client()
    for _ in range(10):  # malformed bodies do not touch the lockout but do count
        assert (await client.post("/api/login", data=b"not json")).status == 400
    response = await client.post("/api/login", json={"password": "correct-horse-battery"})
    assert response.status == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 60
    assert await response.json() == {
        "error": "Too many authentication attempts",
        "code": "rate_limited",
    }


async def test_export_and_import_share_one_bucket(app_client: AppClient) -> None:
    client = await app_client()
    statuses = [(await client.post("/api/config/export", json={})).status for _ in range(3)]
    statuses += [(await client.post("/api/config/import", json={})).status for _ in range(2)]
    assert 429 not in statuses
    assert (await client.post("/api/config/import", json={})).status == 429
    assert (await client.post("/api/config/export", json={})).status == 429


async def test_general_limit_and_its_exemptions(app_client: AppClient) -> None:
    client = await app_client()
    for _ in range(500):
        assert (await client.get("/api/version")).status == 200
    limited = await client.get("/api/version")
    assert limited.status == 429
    assert "Retry-After" in limited.headers
    assert (await client.get("/api/health")).status == 200  # exempt
    assert (await client.get("/")).status == 200  # static files are not limited


async def test_forwarded_for_is_ignored_without_a_trusted_proxy(app_client: AppClient) -> None:
    client = await app_client()
    for n in range(5):
        spoof = {"X-Forwarded-For": f"203.0.113.{n}"}
        assert (await client.post("/api/config/export", json={}, headers=spoof)).status != 429
    spoof = {"X-Forwarded-For": "203.0.113.99", "X-Real-IP": "203.0.113.98"}
    assert (await client.post("/api/config/export", json={}, headers=spoof)).status == 429
    status = await (await client.get("/api/security/status", headers=spoof)).json()
    assert status["clientIP"] == "127.0.0.1"


async def test_forwarded_for_counts_from_a_trusted_proxy(app_client: AppClient) -> None:
    client = await app_client(trusted_proxies="127.0.0.0/8")
    for _ in range(5):
        headers = {"X-Forwarded-For": "203.0.113.1"}
        assert (await client.post("/api/config/export", json={}, headers=headers)).status != 429
    blocked = {"X-Forwarded-For": "203.0.113.1"}
    assert (await client.post("/api/config/export", json={}, headers=blocked)).status == 429
    # The client cannot pick its bucket by prepending addresses: the rightmost untrusted wins.
    prepended = {"X-Forwarded-For": "192.0.2.50, 203.0.113.1"}
    assert (await client.post("/api/config/export", json={}, headers=prepended)).status == 429
    other = {"X-Forwarded-For": "203.0.113.2"}
    assert (await client.post("/api/config/export", json={}, headers=other)).status != 429
    status = await (await client.get("/api/security/status", headers=other)).json()
    assert status["clientIP"] == "203.0.113.2"
    assert status["publicAccess"] is True
