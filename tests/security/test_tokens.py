"""API token routes: status, reveal, generate, delete; env tokens are fixed; storage is
encrypted; the export rule of the seed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

from pulse import keys
from pulse.app import create_app
from pulse.config.settings import Settings
from tests.conftest import AppClient
from tests.security.conftest import (
    PASSWORD_HASH,
    TOKEN,
    Client,
    MakeClient,
    login,
    script_status,
)


async def test_generate_reveal_use_and_delete(secure_client: MakeClient) -> None:
    client = await secure_client()
    csrf = await login(client)
    headers = {"X-CSRF-Token": csrf}
    assert await (await client.get("/api/system/api-token")).json() == {
        "hasToken": False,
        "source": "none",
    }
    generated = await (await client.post("/api/system/api-token/generate", headers=headers)).json()
    token = generated["token"]
    assert len(token) == 64
    assert int(token, 16) >= 0
    status = await (await client.get("/api/system/api-token")).json()
    assert status == {"hasToken": True, "source": "settings"}
    revealed = await (await client.get("/api/system/api-token", params={"reveal": "true"})).json()
    assert revealed["token"] == token

    as_script = {"X-API-Token": token}
    assert await script_status(client, "GET", "/api/guests/metadata", headers=as_script) == 200
    deleted = await client.delete("/api/system/api-token/delete", headers=headers)
    assert await deleted.json() == {"hasToken": False}
    assert await script_status(client, "GET", "/api/guests/metadata", headers=as_script) == 401


async def test_regenerating_replaces_the_old_token(secure_client: MakeClient) -> None:
    client = await secure_client()
    csrf = {"X-CSRF-Token": await login(client)}
    first = (await (await client.post("/api/system/api-token/generate", headers=csrf)).json())[
        "token"
    ]
    second = (await (await client.post("/api/system/api-token/generate", headers=csrf)).json())[
        "token"
    ]
    assert first != second
    old = {"X-API-Token": first}
    assert await script_status(client, "GET", "/api/guests/metadata", headers=old) == 401
    new = {"X-API-Token": second}
    assert await script_status(client, "GET", "/api/guests/metadata", headers=new) == 200


async def test_a_stale_token_header_does_not_hurt_a_session(secure_client: MakeClient) -> None:
    """The dashboard may still send an old token from its storage; the session counts."""
    client = await secure_client(token=True)
    await login(client)
    for _ in range(6):
        response = await client.get("/api/guests/metadata", headers={"X-API-Token": "stale"})
        assert response.status == 200


async def test_reveal_needs_authentication(secure_client: MakeClient) -> None:
    client = await secure_client(token=True)
    assert (await client.get("/api/system/api-token", params={"reveal": "true"})).status == 401


async def test_an_env_token_cannot_be_changed_here(secure_client: MakeClient) -> None:
    client = await secure_client(token=True)
    headers = {"X-API-Token": TOKEN}
    response = await client.post("/api/system/api-token/generate", headers=headers)
    assert response.status == 409
    assert "API_TOKEN" in (await response.json())["error"]
    assert (await client.delete("/api/system/api-token", headers=headers)).status == 409


async def test_generated_token_is_kept_encrypted_and_survives_restart(
    aiohttp_client: Callable[..., Awaitable[Client]],
    make_settings: Callable[..., Settings],
    data_dir: Path,
) -> None:
    settings = make_settings({"PULSE_PASSWORD": PASSWORD_HASH})
    client = await aiohttp_client(create_app(settings))
    csrf = {"X-CSRF-Token": await login(client)}
    token = (await (await client.post("/api/system/api-token/generate", headers=csrf)).json())[
        "token"
    ]
    await client.app[keys.SESSIONS].flush()
    await client.close()
    files = [p for p in data_dir.rglob("*") if p.is_file()]  # noqa: ASYNC240 - a test
    assert files
    for path in files:
        assert token.encode() not in path.read_bytes(), path
    restarted = await aiohttp_client(create_app(settings))
    headers = {"X-API-Token": token}
    assert (await restarted.get("/api/guests/metadata", headers=headers)).status == 200


async def test_export_rule_token_required_even_for_a_session(secure_client: MakeClient) -> None:
    client = await secure_client(token=True)
    csrf = {"X-CSRF-Token": await login(client)}
    body = {"passphrase": "long enough pass"}
    session_only = await client.post("/api/config/export", json=body, headers=csrf)
    assert session_only.status == 401
    assert "API token" in (await session_only.json())["error"]
    with_token = await client.post(
        "/api/config/export", json=body, headers={**csrf, "X-API-Token": TOKEN}
    )
    assert with_token.status == 200


async def test_export_rule_without_token(app_client: AppClient) -> None:
    refused = await (await app_client()).post("/api/config/import", json={})
    assert refused.status == 403
    assert (await refused.json())["error"] == (
        "Import requires API_TOKEN to be set (or set ALLOW_UNPROTECTED_EXPORT=true for homelab use)"
    )
    allowed = await app_client(env={"ALLOW_UNPROTECTED_EXPORT": "true"})
    response = await allowed.post("/api/config/export", json={"passphrase": "long enough pass"})
    assert response.status == 200
