"""Handlers for encrypted configuration export and import (`/api/config/export|import`)."""

from __future__ import annotations

import logging

from aiohttp import web

from pulse import jsonio, keys
from pulse.api.body import json_object, optional_json_object
from pulse.errors import BadRequest
from pulse.security.access import require_export_access
from pulse.security.credentials import SECTION as SECURITY_SECTION
from pulse.security.credentials import Source
from pulse.security.gate import TOKEN_USER
from pulse.store.export import (
    ImportPlan,
    check_export_passphrase,
    check_import_passphrase,
    payload_bytes,
    plan_import,
    seal_async,
    unseal_async,
)

log = logging.getLogger(__name__)


async def export_config(request: web.Request) -> web.Response:
    """POST {passphrase} -> {"status":"success","data":"<base64>"}; GET /api/export takes the
    passphrase from the X-Passphrase header (never from the URL)."""
    require_export_access(request)
    if request.method == "GET":
        passphrase = request.headers.get("X-Passphrase")
    else:
        passphrase = (await json_object(request)).get("passphrase")
    passphrase = check_export_passphrase(passphrase)
    app = request.app
    plaintext = payload_bytes(app[keys.STORE].document(), app[keys.NODES].instances)
    data = await seal_async(plaintext, passphrase)
    app[keys.AUDIT].record("config.export", request, nodes=len(app[keys.NODES].instances))
    return jsonio.json_response({"status": "success", "data": data})


async def apply_import(app: web.Application, plan: ImportPlan) -> bool:
    """Write every imported section in one atomic save, then apply them live. The export's
    API token replaces one generated in Settings (not one from API_TOKEN); True if it did."""
    store, credentials = app[keys.STORE], app[keys.CREDENTIALS]
    token_changeable = credentials.token_source in (Source.SETTINGS, Source.NONE)
    old_token = credentials.api_token
    security = store.get(SECURITY_SECTION, {}) if token_changeable else None
    await store.save(plan.store_changes(security))
    app[keys.NODES].reload()  # pollers follow the registry
    app[keys.LIVE_SETTINGS].reload()
    token_replaced = credentials.api_token != old_token
    if token_replaced:  # as after generating a token: sessions opened with the old one end
        app[keys.SESSIONS].revoke_all(user=TOKEN_USER)
    return token_replaced


async def import_config(request: web.Request) -> web.Response:
    """POST {data, passphrase}: validate everything first, then replace and apply at once."""
    require_export_access(request)
    audit = request.app[keys.AUDIT]
    body = await optional_json_object(request)
    data = body.get("data")
    if not isinstance(data, str) or not data.strip():
        raise BadRequest("Import data is required")
    passphrase = check_import_passphrase(body.get("passphrase"))
    try:
        plan = plan_import(await unseal_async(data, passphrase))
    except BadRequest as exc:
        audit.record("config.import", request, success=False, reason=exc.message)
        raise
    if plan.version and plan.version != "4.0":
        log.warning("importing an export of format %s (expected 4.0)", plan.version)
    token_replaced = await apply_import(request.app, plan)
    audit.record(
        "config.import",
        request,
        nodes=len(plan.instances),
        sections=sorted(plan.sections),
        apiTokenReplaced=token_replaced,
    )
    return jsonio.json_response(
        {"status": "success", "message": "Configuration imported successfully"}
    )
