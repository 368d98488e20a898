"""CSRF: cookie sessions need their own X-CSRF-Token; tokens and Basic are exempt; an open
instance refuses cross-site writes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tests.conftest import AppClient
from tests.security.conftest import TOKEN, Client, MakeClient, login
from tests.security.test_gate import basic

WRITE = "/api/system/api-token/generate"  # a state-changing route of this area


async def test_session_write_without_csrf_token_is_refused(secure_client: MakeClient) -> None:
    client = await secure_client()
    await login(client)
    response = await client.post(WRITE)
    assert response.status == 403
    body = await response.json()
    assert "CSRF" in body["error"]
    assert body["code"] == "csrf_failed"
    assert (await client.get("/api/system/api-token")).status == 200  # reads need none


async def test_wrong_csrf_token_is_refused(secure_client: MakeClient) -> None:
    client = await secure_client()
    csrf = await login(client)
    response = await client.post(WRITE, headers={"X-CSRF-Token": csrf[:-2] + "xx"})
    assert response.status == 403


async def test_csrf_token_of_another_session_is_refused(
    aiohttp_client: Callable[..., Awaitable[Client]], secure_client: MakeClient
) -> None:
    mine = await secure_client()
    await login(mine)
    theirs = await aiohttp_client(mine.app)
    their_csrf = await login(theirs)
    response = await mine.post(WRITE, headers={"X-CSRF-Token": their_csrf})
    assert response.status == 403


async def test_right_csrf_token_passes(secure_client: MakeClient) -> None:
    client = await secure_client()
    csrf = await login(client)
    response = await client.post(WRITE, headers={"X-CSRF-Token": csrf})
    assert response.status == 200
    assert len((await response.json())["token"]) == 64


async def test_api_token_and_basic_requests_are_exempt(secure_client: MakeClient) -> None:
    client = await secure_client(token=True, password=True)
    response = await client.delete(
        "/api/guests/metadata/lab-pve1-100", headers={"X-API-Token": TOKEN}
    )
    assert response.status in (200, 204, 404)
    response = await client.delete(
        "/api/guests/metadata/lab-pve1-100", headers=basic("admin", "correct-horse-battery")
    )
    assert response.status in (200, 204, 404)


async def test_basic_from_a_foreign_page_is_refused(secure_client: MakeClient) -> None:
    """Browsers attach cached Basic credentials to cross-site form posts."""
    client = await secure_client()
    headers = {**basic("admin", "correct-horse-battery"), "Origin": "https://evil.example",
               "Sec-Fetch-Site": "cross-site"}  # fmt: skip
    response = await client.delete("/api/guests/metadata/lab-pve1-100", headers=headers)
    assert response.status == 403


async def test_csrf_cookie_is_reissued_when_missing(secure_client: MakeClient) -> None:
    client = await secure_client()
    csrf = await login(client)
    jar = client.session.cookie_jar
    session = jar.filter_cookies(client.make_url("/"))["pulse_session"].value
    jar.clear()
    url = client.make_url("/api/guests/metadata")
    async with client.session.get(url, cookies={"pulse_session": session}) as response:
        assert response.status == 200
        assert response.cookies["pulse_csrf"].value == csrf


OPEN_WRITE = "/api/guests/metadata/lab-pve1-100"  # does not create a credential


async def test_open_instance_refuses_cross_site_writes(app_client: AppClient) -> None:
    client = await app_client()
    foreign = await client.delete(OPEN_WRITE, headers={"Origin": "https://evil.example"})
    assert foreign.status == 403
    assert "CSRF" in (await foreign.json())["error"]
    fetch_meta = await client.delete(OPEN_WRITE, headers={"Sec-Fetch-Site": "cross-site"})
    assert fetch_meta.status == 403
    same_origin = str(client.make_url("")).rstrip("/")
    same = await client.delete(OPEN_WRITE, headers={"Origin": same_origin})
    assert same.status in (200, 204, 404)
    script = await client.delete(OPEN_WRITE)  # curl sends no Origin
    assert script.status in (200, 204, 404)


async def test_listed_origin_may_write_to_an_open_instance(app_client: AppClient) -> None:
    client = await app_client(env={"ALLOWED_ORIGINS": "https://dash.example"})
    response = await client.delete(OPEN_WRITE, headers={"Origin": "https://dash.example"})
    assert response.status in (200, 204, 404)
