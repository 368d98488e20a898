"""/api/guests/metadata: the user's custom URL, description and tags per guest.

Kept in the store's `guestMetadata` section (this module owns it), keyed by guest id
(`<instance>-<node>-<vmid>`). Entries of guests that no longer exist are kept: a guest may only
be stopped or migrating, and the user wrote the note on purpose.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web
from yarl import URL

from pulse import keys
from pulse.api.body import json_object
from pulse.errors import BadRequest
from pulse.jsonio import json_response

SECTION = "guestMetadata"
_GUEST_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,199}$")
MAX_DESCRIPTION = 2000
MAX_TAGS = 32
MAX_TAG_LENGTH = 64


def _empty(guest_id: str) -> dict[str, Any]:
    return {"id": guest_id, "customUrl": "", "description": "", "tags": []}


def _guest_id(request: web.Request) -> str:
    guest_id = request.match_info["guest_id"]
    if not _GUEST_ID.match(guest_id):
        raise BadRequest("invalid guest ID")
    return guest_id


def _validate(guest_id: str, body: dict[str, Any]) -> dict[str, Any]:
    unknown = set(body) - {"id", "customUrl", "description", "tags"}
    if unknown:
        raise BadRequest(f"unknown field {sorted(unknown)[0]!r}")
    custom_url = body.get("customUrl") or ""
    if not isinstance(custom_url, str):
        raise BadRequest("customUrl must be a string")
    custom_url = custom_url.strip()
    if custom_url:
        try:
            parsed = URL(custom_url)
        except ValueError:
            raise BadRequest("Custom URL must start with http:// or https://") from None
        if parsed.scheme not in ("http", "https") or not parsed.host:
            raise BadRequest("Custom URL must start with http:// or https://")
    description = body.get("description") or ""
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION:
        raise BadRequest(f"description must be a string of at most {MAX_DESCRIPTION} characters")
    tags = body.get("tags") or []
    if (
        not isinstance(tags, list)
        or len(tags) > MAX_TAGS
        or not all(isinstance(t, str) and 0 < len(t.strip()) <= MAX_TAG_LENGTH for t in tags)
    ):
        raise BadRequest(
            f"tags must be a list of at most {MAX_TAGS} non-empty strings "
            f"of at most {MAX_TAG_LENGTH} characters"
        )
    return {
        "id": guest_id,
        "customUrl": custom_url,
        "description": description,
        "tags": list(dict.fromkeys(t.strip() for t in tags)),
    }


async def list_all(request: web.Request) -> web.Response:
    return json_response(request.app[keys.STORE].get(SECTION, {}) or {})


async def get_one(request: web.Request) -> web.Response:
    guest_id = _guest_id(request)
    entries = request.app[keys.STORE].get(SECTION, {}) or {}
    return json_response(entries.get(guest_id) or _empty(guest_id))


async def put_one(request: web.Request) -> web.Response:
    guest_id = _guest_id(request)
    entry = _validate(guest_id, await json_object(request))
    store = request.app[keys.STORE]
    entries = store.get(SECTION, {}) or {}
    entries[guest_id] = entry
    await store.save({SECTION: entries})
    return json_response(entry)


async def delete_one(request: web.Request) -> web.Response:
    guest_id = _guest_id(request)
    store = request.app[keys.STORE]
    entries = store.get(SECTION, {}) or {}
    if entries.pop(guest_id, None) is not None:
        await store.save({SECTION: entries})
    return web.Response(status=204)
