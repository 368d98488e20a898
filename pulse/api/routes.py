"""The route table: every HTTP route Pulse serves, in one place to audit.

Each area adds its routes in its own block below. Handlers live in one module per area and stay
thin: parse, call the owning component, shape the answer.
"""

from __future__ import annotations

from aiohttp import web

from pulse.api import core, guest_metadata, openapi, security, updates
from pulse.static import add_static_routes


def setup_routes(app: web.Application) -> None:
    router = app.router

    # -- core ----------------------------------------------------------------------------------
    router.add_get("/api/health", core.health)
    router.add_get("/api/version", core.version)
    router.add_get("/api/openapi.json", openapi.openapi)

    # -- monitoring: state, charts, storage, backups, snapshots, websocket ---------------------

    # -- security: login, logout, password, API token, security status -------------------------
    router.add_post("/api/login", security.login)
    router.add_post("/api/logout", security.logout)
    router.add_get("/api/security/status", security.security_status)
    router.add_post("/api/security/change-password", security.change_password)
    router.add_post("/api/security/quick-setup", security.quick_setup)
    router.add_get("/api/system/api-token", security.api_token_status)
    router.add_post("/api/system/api-token/generate", security.generate_api_token)
    router.add_delete("/api/system/api-token/delete", security.delete_api_token)
    router.add_delete("/api/system/api-token", security.delete_api_token)  # REST-style alias
    router.add_post("/api/system/api-token/delete", security.delete_api_token)  # form alias

    # -- configuration: nodes, system settings, export/import, setup scripts, discovery --------

    # -- alerts and notifications --------------------------------------------------------------

    # -- guest metadata (custom URL, description, tags per guest) ------------------------------
    router.add_get("/api/guests/metadata", guest_metadata.list_all)
    router.add_get("/api/guests/metadata/", guest_metadata.list_all)
    router.add_get("/api/guests/metadata/{guest_id}", guest_metadata.get_one)
    router.add_put("/api/guests/metadata/{guest_id}", guest_metadata.put_one)
    router.add_post("/api/guests/metadata/{guest_id}", guest_metadata.put_one)
    router.add_delete("/api/guests/metadata/{guest_id}", guest_metadata.delete_one)

    # -- updates -------------------------------------------------------------------------------
    router.add_get("/api/updates/check", updates.check)
    router.add_get("/api/updates/status", updates.status)
    router.add_post("/api/updates/apply", updates.apply)

    # -- static dashboard files (last: it matches every remaining GET) -------------------------
    add_static_routes(app)
