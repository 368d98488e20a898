"""/api/openapi.json describes exactly the routes the app serves."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.test_utils import TestClient

from pulse.api.openapi import ROUTE_DOCS, documented_routes
from pulse.app import create_app
from pulse.config.settings import Settings

Client = TestClient[web.Request, web.Application]


def test_every_route_is_documented_and_every_doc_has_a_route(
    make_settings: Callable[..., Settings],
) -> None:
    app = create_app(make_settings())
    served = {f"{method} {path}" for method, path in documented_routes(app)}
    undocumented = sorted(served - set(ROUTE_DOCS))
    stale = sorted(set(ROUTE_DOCS) - served)
    assert undocumented == [], "add these to ROUTE_DOCS in pulse/api/openapi.py"
    assert stale == [], "these documented routes no longer exist"
    assert all(summary for _tag, summary in ROUTE_DOCS.values())


async def test_spec_is_served(app_client: Callable[..., Awaitable[Client]]) -> None:
    client = await app_client()
    response = await client.get("/api/openapi.json")
    assert response.status == 200
    spec = await response.json()
    assert spec["openapi"].startswith("3.")
    health = spec["paths"]["/api/health"]["get"]
    assert health["security"] == []
    meta = spec["paths"]["/api/guests/metadata/{guest_id}"]
    assert set(meta) == {"get", "put", "post", "delete"}
    assert meta["get"]["parameters"][0]["name"] == "guest_id"
