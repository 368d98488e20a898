"""The app skeleton through a real client: health, version, JSON errors, static files."""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

import pulse
from pulse.api.body import json_object
from pulse.app import create_app
from pulse.config.settings import Settings
from pulse.jsonio import json_response

Client = TestClient[web.Request, web.Application]


async def test_health(app_client: Callable[..., Awaitable[Client]]) -> None:
    client = await app_client()
    response = await client.get("/api/health")
    assert response.status == 200
    body = await response.json()
    assert body["status"] == "healthy"
    assert abs(body["timestamp"] - time.time()) < 5
    assert isinstance(body["uptime"], float)
    assert body["uptime"] >= 0


async def test_version(app_client: Callable[..., Awaitable[Client]]) -> None:
    client = await app_client(env={"UPDATE_CHANNEL": "rc"})
    body = await (await client.get("/api/version")).json()
    assert body == {
        "version": f"v{pulse.__version__}",
        "build": "development",  # the tests run from the source checkout
        "runtime": "python",
        "channel": "rc",
        "isDocker": body["isDocker"],
        "isDevelopment": True,
    }
    assert isinstance(body["isDocker"], bool)


async def test_unknown_api_path_is_json_404(app_client: Callable[..., Awaitable[Client]]) -> None:
    client = await app_client()
    for method in ("GET", "POST", "DELETE"):
        response = await client.request(method, "/api/does-not-exist")
        assert response.status == 404
        assert response.content_type == "application/json"
        body = await response.json()
        assert "does-not-exist" in body["error"]


async def test_wrong_method_is_json_405(app_client: Callable[..., Awaitable[Client]]) -> None:
    client = await app_client()
    response = await client.post("/api/health")
    assert response.status == 405
    assert (await response.json())["error"] == "method POST not allowed for /api/health"


def app_with_extra_routes(settings: Settings) -> web.Application:
    app = create_app(settings)

    async def boom(request: web.Request) -> web.Response:
        raise RuntimeError("database password is hunter2-very-secret")

    async def echo(request: web.Request) -> web.Response:
        return json_response(await json_object(request))

    app.router.add_post("/api/test/boom", boom)
    app.router.add_post("/api/test/echo", echo)
    return app


async def test_unexpected_error_is_500_json_without_traceback(
    aiohttp_client: Callable[..., Awaitable[Client]],
    make_settings: Callable[..., Settings],
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = await aiohttp_client(app_with_extra_routes(make_settings()))
    with caplog.at_level(logging.ERROR):
        response = await client.post("/api/test/boom")
    assert response.status == 500
    text = await response.text()
    assert "Traceback" not in text
    assert "hunter2" not in text
    assert await response.json() == {"error": "internal server error", "code": "internal_error"}
    logged = [r for r in caplog.records if r.name == "pulse.api.middlewares"]
    assert len(logged) == 1
    assert logged[0].exc_info is not None


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "request body must be a JSON object"),
        (b"{not json", "request body is not valid JSON"),
        (b"[1, 2]", "request body must be a JSON object"),
    ],
)
async def test_bad_json_bodies_are_400(
    aiohttp_client: Callable[..., Awaitable[Client]],
    make_settings: Callable[..., Settings],
    body: bytes,
    message: str,
) -> None:
    client = await aiohttp_client(app_with_extra_routes(make_settings()))
    response = await client.post("/api/test/echo", data=body)
    assert response.status == 400
    assert await response.json() == {"error": message, "code": "bad_request"}


async def test_oversized_body_is_json_413(
    aiohttp_client: Callable[..., Awaitable[Client]],
    make_settings: Callable[..., Settings],
) -> None:
    client = await aiohttp_client(app_with_extra_routes(make_settings()))
    response = await client.post("/api/test/echo", data=io.BytesIO(b"x" * (3 * 1024 * 1024)))
    assert response.status == 413
    assert "error" in await response.json()


async def test_dashboard_is_served_with_spa_fallback(
    app_client: Callable[..., Awaitable[Client]],
) -> None:
    client = await app_client()
    index = await client.get("/")
    assert index.status == 200
    assert index.content_type == "text/html"
    assert index.headers["Cache-Control"] == "no-cache"
    page = await index.text()
    # A dashboard route (no file extension) gets the same page, so reloads work.
    route = await client.get("/settings/nodes")
    assert route.status == 200
    assert await route.text() == page
    # A missing asset is a 404, not the page.
    missing = await client.get("/missing.js")
    assert missing.status == 404


async def test_path_traversal_is_refused(app_client: Callable[..., Awaitable[Client]]) -> None:
    client = await app_client()
    for path in ("/..%2f..%2fpyproject.toml", "/../pyproject.toml", "/%2e%2e/pyproject.toml"):
        response = await client.get(path)
        text = await response.text()
        assert "[project]" not in text, path


async def test_secrets_from_the_store_are_masked_in_logs(
    aiohttp_client: Callable[..., Awaitable[Client]],
    make_settings: Callable[..., Settings],
) -> None:
    from pulse import keys
    from pulse.logs import secret_filter

    app = create_app(make_settings())
    await app[keys.STORE].save({"nodes": [{"name": "lab", "tokenValue": "tok-abcdef-123456"}]})
    record = logging.LogRecord(
        "x", logging.INFO, __file__, 1, "using %s", ("tok-abcdef-123456",), None
    )
    secret_filter.filter(record)
    assert record.getMessage() == "using ***"


async def test_env_secrets_are_masked(make_settings: Callable[..., Settings]) -> None:
    from pulse.logs import secret_filter

    create_app(make_settings(env={"API_TOKEN": "env-token-987654"}))
    assert secret_filter.mask("token is env-token-987654!") == "token is ***!"
