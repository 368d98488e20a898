"""The auth gate: public paths, private paths, the three ways to authenticate, bypass attempts."""

from __future__ import annotations

import base64
import logging

import pytest

from tests.conftest import AppClient
from tests.security.conftest import PASSWORD, TOKEN, MakeClient, login, script_status


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


async def test_open_instance_allows_everything_and_says_so(
    app_client: AppClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="pulse.security")
    client = await app_client()
    assert (await client.get("/api/system/api-token")).status == 200
    assert (await client.get("/api/guests/metadata")).status == 200
    status = await (await client.get("/api/security/status")).json()
    assert status["requiresAuth"] is False
    assert status["hasAuthentication"] is False
    assert status["quickSetupAvailable"] is True
    assert "no password and no API token" in status["warning"]
    assert any("no password and no API token" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "path", ["/api/health", "/api/version", "/api/security/status", "/", "/index.html"]
)
async def test_public_paths_need_no_credentials(secure_client: MakeClient, path: str) -> None:
    client = await secure_client()
    assert (await client.get(path)).status == 200


@pytest.mark.parametrize(
    "path",
    ["/api/system/api-token", "/api/guests/metadata", "/api/config/nodes", "/ws", "/metrics",
     "/api/nonexistent", "/api/setup-script"],
)  # fmt: skip
async def test_private_paths_answer_401_json(secure_client: MakeClient, path: str) -> None:
    client = await secure_client()
    response = await client.get(path, headers={"Accept": "application/json"})
    assert response.status == 401
    assert await response.json() == {"error": "Authentication required", "code": "unauthorized"}


async def test_basic_challenge_only_for_browsers_outside_the_api(secure_client: MakeClient) -> None:
    client = await secure_client()
    assert (await client.get("/metrics")).headers["WWW-Authenticate"] == 'Basic realm="Pulse"'
    assert "WWW-Authenticate" not in (await client.get("/api/guests/metadata")).headers


async def test_basic_auth_for_scripts(secure_client: MakeClient) -> None:
    client = await secure_client()
    ok = await client.get("/api/guests/metadata", headers=basic("admin", PASSWORD))
    assert ok.status == 200
    assert "pulse_session" not in ok.cookies  # scripts get no session
    wrong = await client.get("/api/guests/metadata", headers=basic("admin", "nope-nope"))
    assert wrong.status == 401
    assert "attempts left" in (await wrong.json())["error"]
    other_user = await client.get("/api/guests/metadata", headers=basic("root", PASSWORD))
    assert other_user.status == 401


async def test_api_token_header_and_bearer(secure_client: MakeClient) -> None:
    client = await secure_client(token=True)
    assert (await client.get("/api/guests/metadata", headers={"X-API-Token": TOKEN})).status == 200
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    assert (await client.get("/api/guests/metadata", headers=bearer)).status == 200
    wrong = await client.get("/api/guests/metadata", headers={"X-API-Token": TOKEN + "x"})
    assert wrong.status == 401
    assert (await wrong.json())["error"] == "Invalid API token"


async def test_token_in_query_is_refused_on_normal_routes(secure_client: MakeClient) -> None:
    client = await secure_client(token=True)
    for path in ("/api/guests/metadata", "/api/system/api-token", "/ws", "/metrics"):
        response = await client.get(path, params={"token": TOKEN})
        assert response.status == 401, path


async def test_token_in_query_is_accepted_on_export(secure_client: MakeClient) -> None:
    client = await secure_client(token=True)
    response = await client.post(
        "/api/config/export", params={"token": TOKEN}, json={"passphrase": "long enough pass"}
    )
    assert response.status == 200, await response.text()
    assert (await response.json())["status"] == "success"


async def test_wrong_tokens_count_towards_the_lockout(secure_client: MakeClient) -> None:
    client = await secure_client(token=True)
    for _ in range(4):
        response = await client.get("/api/guests/metadata", headers={"X-API-Token": "guess"})
        assert response.status == 401
    locked = await client.get("/api/guests/metadata", headers={"X-API-Token": "guess"})
    assert locked.status == 429
    assert locked.headers["Retry-After"] == "900"
    # Now even the right token waits: guessing cannot continue from this address.
    again = await client.get("/api/guests/metadata", headers={"X-API-Token": TOKEN})
    assert again.status == 429


async def test_public_token_routes_count_rejections(secure_client: MakeClient) -> None:
    """auto-register checks its own token; its 401s count towards the lockout as well."""
    client = await secure_client(token=True)
    statuses = []
    for _ in range(6):
        response = await client.post(
            "/api/auto-register", headers={"X-API-Token": "guess"}, json={"type": "pve"}
        )
        statuses.append(response.status)
    assert statuses[:4] == [401] * 4
    assert statuses[4:] == [429, 429]


async def test_session_cookie_authenticates(secure_client: MakeClient) -> None:
    client = await secure_client()
    await login(client)
    assert (await client.get("/api/guests/metadata")).status == 200
    status = await (await client.get("/api/security/status")).json()
    assert status["authenticated"] is True


async def test_login_with_api_token_when_no_password(secure_client: MakeClient) -> None:
    client = await secure_client(password=False, token=True)
    response = await client.post("/api/login", json={"token": TOKEN})
    assert response.status == 200
    assert (await client.get("/api/guests/metadata")).status == 200
    no_password = await client.post("/api/login", json={"password": "whatever-it-is"})
    assert no_password.status == 400


async def test_upstream_bare_authorization_token_on_state_only(secure_client: MakeClient) -> None:
    """Upstream 4.2.1 scripts send `Authorization: <token>` to /api/state (api.md §4.2)."""
    client = await secure_client(token=True)
    bare = {"Authorization": TOKEN}
    assert await script_status(client, "GET", "/api/state", headers=bare) == 200
    assert await script_status(client, "GET", "/api/guests/metadata", headers=bare) == 401
    wrong = {"Authorization": TOKEN + "x"}
    assert await script_status(client, "GET", "/api/state", headers=wrong) == 401
