"""Guest metadata: validated, persisted in the encrypted store, never a 404 for unknown guests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from pulse import keys
from pulse.store.config_store import ConfigStore

Client = TestClient[web.Request, web.Application]


async def test_round_trip_and_persistence(app_client: Callable[..., Awaitable[Client]]) -> None:
    client = await app_client()
    guest = "homelab-pve1-101"
    assert await (await client.get("/api/guests/metadata")).json() == {}
    unknown = await client.get(f"/api/guests/metadata/{guest}")
    assert unknown.status == 200
    assert await unknown.json() == {"id": guest, "customUrl": "", "description": "", "tags": []}

    body = {"customUrl": "https://nas.example:5001/", "description": "NAS", "tags": ["a", "a", "b"]}
    saved = await client.put(f"/api/guests/metadata/{guest}", json=body)
    assert saved.status == 200
    expected = {
        "id": guest,
        "customUrl": "https://nas.example:5001/",
        "description": "NAS",
        "tags": ["a", "b"],
    }
    assert await saved.json() == expected
    assert await (await client.get(f"/api/guests/metadata/{guest}")).json() == expected
    assert await (await client.get("/api/guests/metadata")).json() == {guest: expected}

    # It is in the encrypted store on disk, not only in memory.
    store = ConfigStore(client.app[keys.SETTINGS].data_dir)
    store.load()
    assert store.get("guestMetadata") == {guest: expected}

    deleted = await client.delete(f"/api/guests/metadata/{guest}")
    assert deleted.status == 204
    assert await (await client.get("/api/guests/metadata")).json() == {}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"customUrl": "javascript:alert(1)"}, "Custom URL must start with http:// or https://"),
        ({"customUrl": "ftp://x"}, "Custom URL must start with http:// or https://"),
        ({"customUrl": 5}, "customUrl must be a string"),
        ({"description": "x" * 3000}, "description must be a string of at most 2000 characters"),
        ({"tags": "prod"}, "tags must be a list"),
        ({"tags": [""]}, "tags must be a list"),
        ({"owner": "me"}, "unknown field 'owner'"),
    ],
)
async def test_bad_input_is_400_and_changes_nothing(
    app_client: Callable[..., Awaitable[Client]], body: dict[str, object], message: str
) -> None:
    client = await app_client()
    response = await client.put("/api/guests/metadata/pve-1-100", json=body)
    assert response.status == 400
    assert (await response.json())["error"].startswith(message)
    assert await (await client.get("/api/guests/metadata")).json() == {}


async def test_invalid_guest_id(app_client: Callable[..., Awaitable[Client]]) -> None:
    client = await app_client()
    response = await client.put("/api/guests/metadata/%20bad%20id", json={})
    assert response.status == 400
