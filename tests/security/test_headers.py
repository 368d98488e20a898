"""Security headers on every response (API, static, errors) and CORS per ALLOWED_ORIGINS."""

from __future__ import annotations

import pytest

from tests.conftest import AppClient
from tests.security.conftest import MakeClient

REQUIRED = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options",
            "Referrer-Policy", "Permissions-Policy")  # fmt: skip


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/api/health", 200),
        ("GET", "/", 200),
        ("GET", "/index.html", 200),
        ("GET", "/missing.js", 404),
        ("GET", "/api/nonexistent", 401),
        ("GET", "/api/security/status", 200),
        ("POST", "/api/login", 400),
        ("PATCH", "/api/health", 405),
        ("OPTIONS", "/api/system/api-token", 204),
    ],
)
async def test_every_response_carries_the_headers(
    secure_client: MakeClient, method: str, path: str, status: int
) -> None:
    client = await secure_client()
    response = await client.request(method, path)
    assert response.status == status
    for name in REQUIRED:
        assert name in response.headers, name
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP


async def test_headers_on_open_instance_404_and_errors(app_client: AppClient) -> None:
    client = await app_client()
    for path in ("/api/nope", "/nope.css"):
        response = await client.get(path)
        assert response.status == 404
        assert response.headers["X-Frame-Options"] == "DENY"


async def test_csp_allows_no_inline_script_and_no_framing(secure_client: MakeClient) -> None:
    client = await secure_client()
    csp = (await client.get("/")).headers["Content-Security-Policy"]
    directives = {part.split()[0]: part.split()[1:] for part in csp.split("; ")}
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert "'self'" in directives["connect-src"]
    assert any(src.startswith("ws://") for src in directives["connect-src"])


async def test_api_answers_are_not_cached(secure_client: MakeClient) -> None:
    client = await secure_client()
    assert (await client.get("/api/health")).headers["Cache-Control"] == "no-store"
    assert (await client.get("/")).headers["Cache-Control"] != "no-store"


async def test_no_cors_headers_without_allowed_origins(secure_client: MakeClient) -> None:
    client = await secure_client()
    response = await client.get("/api/health", headers={"Origin": "https://dash.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_cors_echoes_only_listed_origins(secure_client: MakeClient) -> None:
    client = await secure_client(
        env={"ALLOWED_ORIGINS": "https://dash.example, https://other.example:8443"}
    )
    ok = await client.get("/api/health", headers={"Origin": "https://other.example:8443"})
    assert ok.headers["Access-Control-Allow-Origin"] == "https://other.example:8443"
    assert "Origin" in ok.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in ok.headers
    assert "X-CSRF-Token" in ok.headers["Access-Control-Allow-Headers"]
    denied = await client.get("/api/health", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in denied.headers
    # Errors carry them too, so a listed page can read why a call failed.
    error = await client.get("/api/system/api-token", headers={"Origin": "https://dash.example"})
    assert error.status == 401
    assert error.headers["Access-Control-Allow-Origin"] == "https://dash.example"


async def test_wildcard_origin_never_with_credentials(secure_client: MakeClient) -> None:
    client = await secure_client(env={"ALLOWED_ORIGINS": "*"})
    response = await client.get("/api/health", headers={"Origin": "https://any.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers


async def test_preflight_is_answered_before_auth(secure_client: MakeClient) -> None:
    client = await secure_client(env={"ALLOWED_ORIGINS": "https://dash.example"})
    response = await client.options(
        "/api/config/nodes",
        headers={"Origin": "https://dash.example", "Access-Control-Request-Method": "POST"},
    )
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == "https://dash.example"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    foreign = await client.options("/api/config/nodes", headers={"Origin": "https://evil.example"})
    assert foreign.status == 204
    assert "Access-Control-Allow-Origin" not in foreign.headers
