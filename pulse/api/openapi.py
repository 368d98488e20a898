"""/api/openapi.json: an OpenAPI 3.1 description of every route, built from the route table.

`ROUTE_DOCS` holds one line per route ("METHOD /path": (tag, summary)). A test checks that every
registered route is documented here and nothing documented is missing, so the description stays
true as routes are added.
"""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

import pulse
from pulse.jsonio import json_response

PUBLIC = frozenset(
    {
        "GET /api/health",
        "GET /api/version",
        "GET /api/openapi.json",
        "GET /api/security/status",
        "POST /api/login",
        "POST /api/auto-register",
        "POST /api/logout",
    }
)

ROUTE_DOCS: dict[str, tuple[str, str]] = {
    "GET /api/notifications/thresholds": ("alerts", "Default thresholds and tuning values"),
    "POST /api/notifications/thresholds": ("alerts", "Merge changes into the thresholds"),
    "GET /api/notifications/thresholds/overrides": ("alerts", "Per-resource overrides"),
    "POST /api/notifications/thresholds/overrides": ("alerts", "Replace the overrides map"),
    "GET /api/notifications/alerts": ("alerts", "Alert history, newest first (as /alerts/history)"),
    "POST /api/notifications/alerts/clear": ("alerts", "Clear the alert history"),
    "GET /api/alerts/config": ("alerts", "The whole alert configuration"),
    "PUT /api/alerts/config": ("alerts", "Replace the alert configuration (absent keys kept)"),
    "POST /api/alerts/config": ("alerts", "Same as PUT /api/alerts/config"),
    "GET /api/alerts/active": ("alerts", "Active alerts (full objects)"),
    "GET /api/alerts/history": ("alerts", "History; limit, offset, severity, startTime, ..."),
    "DELETE /api/alerts/history": ("alerts", "Clear the alert history"),
    "POST /api/alerts/bulk/acknowledge": ("alerts", "Acknowledge {alertIds: [...]}"),
    "POST /api/alerts/bulk/unacknowledge": ("alerts", "Unacknowledge {alertIds: [...]}"),
    "POST /api/alerts/bulk/clear": ("alerts", "Clear {alertIds: [...]}"),
    "POST /api/alerts/{alert_id}/acknowledge": ("alerts", "Acknowledge an active alert"),
    "POST /api/alerts/{alert_id}/unacknowledge": ("alerts", "Undo an acknowledgement"),
    "POST /api/alerts/{alert_id}/clear": ("alerts", "Remove an active alert by hand"),
    "GET /api/notifications/email": ("notifications", "E-mail settings (password masked)"),
    "POST /api/notifications/email": ("notifications", "Save e-mail settings"),
    "PUT /api/notifications/email": ("notifications", "Same as POST /api/notifications/email"),
    "POST /api/notifications/email/test": ("notifications", "Send a test e-mail (given or saved)"),
    "GET /api/notifications/email-providers": ("notifications", "SMTP provider presets"),
    "GET /api/notifications/webhooks": ("notifications", "Webhooks (URLs and headers masked)"),
    "POST /api/notifications/webhooks": ("notifications", "Add a webhook"),
    "POST /api/notifications/webhooks/test": ("notifications", "Send a test to a webhook"),
    "PUT /api/notifications/webhooks/{webhook_id}": ("notifications", "Change a webhook (partial)"),
    "DELETE /api/notifications/webhooks/{webhook_id}": ("notifications", "Remove a webhook"),
    "GET /api/notifications/webhook-templates": ("notifications", "Service payload templates"),
    "POST /api/notifications/test": ("notifications", "Test e-mail or a webhook"),
    "GET /api/health": ("core", "Liveness: status, unix timestamp and uptime in seconds"),
    "GET /api/version": ("core", "Version, build, runtime, update channel, Docker/dev flags"),
    "GET /api/openapi.json": ("core", "This OpenAPI description"),
    "GET /api/state": ("monitoring", "Full state: nodes, guests, storage, PBS, backups, alerts"),
    "GET /api/storage": ("monitoring", "Redirects (301) to /api/storage/"),
    "GET /api/storage/": ("monitoring", "Every storage of every instance"),
    "GET /api/storage/{storage_id}": ("monitoring", "One storage by id (404 if unknown)"),
    "GET /api/storage-charts": ("monitoring", "Storage usage history; range in minutes"),
    "GET /api/charts": ("monitoring", "History of guests, nodes, storage; range=5m..7d, id="),
    "GET /api/backups": ("monitoring", "Backup tasks, storage backups, snapshots, PBS backups"),
    "GET /api/backups/": ("monitoring", "Same as /api/backups"),
    "GET /api/backups/unified": ("monitoring", "Same as /api/backups"),
    "GET /api/backups/pve": ("monitoring", "PVE storage backups"),
    "GET /api/backups/pbs": ("monitoring", "PBS instances with their datastores"),
    "GET /api/backups/{other}": ("monitoring", "Same as /api/backups (upstream catch-all)"),
    "GET /api/snapshots": ("monitoring", "Guest snapshots"),
    "GET /ws": ("monitoring", "WebSocket: initialState, then rawData each cycle, alerts"),
    "GET /api/guests/metadata": ("guests", "Custom URL, description and tags of every guest"),
    "GET /api/guests/metadata/": ("guests", "Same as /api/guests/metadata"),
    "GET /api/guests/metadata/{guest_id}": ("guests", "Metadata of one guest (empty if unset)"),
    "PUT /api/guests/metadata/{guest_id}": ("guests", "Set a guest's metadata"),
    "POST /api/guests/metadata/{guest_id}": ("guests", "Set a guest's metadata"),
    "DELETE /api/guests/metadata/{guest_id}": ("guests", "Remove a guest's metadata"),
    "GET /api/updates/check": ("updates", "Check the package index for a newer Pulse"),
    "GET /api/updates/status": ("updates", "Status of the last update check"),
    "POST /api/updates/apply": ("updates", "Explains how to upgrade this installation (409)"),
    "POST /api/login": ("security", "Log in ({username?, password} or Basic); sets cookies"),
    "POST /api/logout": ("security", "End the session server-side and clear its cookies"),
    "GET /api/security/status": ("security", "What protects this instance (public)"),
    "POST /api/security/change-password": ("security", "Change the dashboard password"),
    "POST /api/security/quick-setup": ("security", "First-run: set password (+ token)"),
    "GET /api/system/api-token": ("security", "API token status; ?reveal=true shows it"),
    "POST /api/system/api-token/generate": ("security", "Generate a new API token"),
    "DELETE /api/system/api-token/delete": ("security", "Remove the API token"),
    "DELETE /api/system/api-token": ("security", "Remove the API token (alias)"),
    "POST /api/system/api-token/delete": ("security", "Remove the API token (alias)"),
    "GET /api/config/nodes": ("config", "Configured PVE/PBS nodes (no secrets)"),
    "POST /api/config/nodes": ("config", "Add a node after checking its connection (201)"),
    "POST /api/config/nodes/test-connection": ("config", "Check an unsaved node (400 on failure)"),
    "POST /api/config/nodes/test-config": ("config", "Check an unsaved node (always 200, status)"),
    "PUT /api/config/nodes/{node_id}": ("config", "Update a node (absent fields unchanged)"),
    "DELETE /api/config/nodes/{node_id}": ("config", "Remove a node (its poller stops)"),
    "POST /api/config/nodes/{node_id}/test": ("config", "Check a saved node (always 200, status)"),
    "GET /api/config/system": ("config", "Running system settings and env-locked fields"),
    "POST /api/config/system": ("config", "Partial update of system settings, applied live"),
    "PUT /api/config/system": ("config", "Same as POST (upstream's method)"),
    "GET /api/system/settings": ("config", "Same as GET /api/config/system"),
    "POST /api/system/settings/update": ("config", "Same as POST /api/config/system"),
    "POST /api/config/export": ("config", "Export the configuration encrypted ({passphrase})"),
    "POST /api/config/import": ("config", "Import an export ({data, passphrase}), applied live"),
    "GET /api/export": ("config", "Export (passphrase in the X-Passphrase header)"),
    "POST /api/export": ("config", "Same as POST /api/config/export"),
    "POST /api/import": ("config", "Same as POST /api/config/import"),
    "GET /api/setup-script": ("onboarding", "Bash setup script for a PVE/PBS host (query)"),
    "POST /api/setup-script": ("onboarding", "Bash setup script for a PVE/PBS host (JSON)"),
    "POST /api/setup-script-url": ("onboarding", "One-liner with a short-lived registration token"),
    "POST /api/auto-register": ("onboarding", "Register a node (registration or API token)"),
    "POST /api/tokens/generate": ("onboarding", "Create a registration token (shown once)"),
    "GET /api/tokens/list": ("onboarding", "Live registration tokens (hints only)"),
    "DELETE /api/tokens/revoke": ("onboarding", "Revoke a registration token (?token= or ?id=)"),
    "GET /api/discover": ("onboarding", "Last discovery result"),
    "POST /api/discover": ("onboarding", "Scan a subnet ({subnet, ports?}) for PVE/PBS"),
    "GET /metrics": ("core", "Prometheus metrics: nodes, guests, storage, PBS, pollers, alerts"),
    "GET /api/diagnostics": ("core", "Live connection test per instance, pollers, runtime, errors"),
    "GET /api/config": ("config", "Polling interval, CSRF, auto-update, update channel"),
    "GET /api/settings": ("config", "Legacy settings view (current, defaults, capabilities)"),
    "POST /api/settings/update": ("config", "Gone (410): use /api/config/system"),
}

_PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}")


def documented_routes(app: web.Application) -> list[tuple[str, str]]:
    """(METHOD, path) of every API route the app serves (static files and HEAD left out)."""
    seen: list[tuple[str, str]] = []
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path") or info.get("formatter") or ""
        if route.method in ("HEAD", "*") or not path.startswith(("/api", "/ws", "/metrics")):
            continue
        key = (route.method, path)
        if key not in seen:
            seen.append(key)
    return seen


def build_spec(app: web.Application) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for method, path in documented_routes(app):
        tag, summary = ROUTE_DOCS.get(f"{method} {path}", ("other", ""))
        operation: dict[str, Any] = {
            "tags": [tag],
            "summary": summary,
            "responses": {
                "200": {"description": "Success"},
                "400": {"$ref": "#/components/responses/Error"},
            },
        }
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in _PARAM.findall(path)
        ]
        if parameters:
            operation["parameters"] = parameters
        if f"{method} {path}" in PUBLIC:
            operation["security"] = []
        paths.setdefault(_PARAM.sub(r"{\1}", path), {})[method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Pulse API",
            "version": pulse.__version__,
            "description": "Real-time monitoring of Proxmox VE and Proxmox Backup Server.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {
                "apiToken": {"type": "apiKey", "in": "header", "name": "X-API-Token"},
                "session": {"type": "apiKey", "in": "cookie", "name": "pulse_session"},
                "basic": {"type": "http", "scheme": "basic"},
            },
            "responses": {
                "Error": {
                    "description": "Error",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["error"],
                                "properties": {
                                    "error": {"type": "string"},
                                    "code": {"type": "string"},
                                },
                            }
                        }
                    },
                }
            },
        },
        "security": [{"apiToken": []}, {"session": []}, {"basic": []}],
    }


async def openapi(request: web.Request) -> web.Response:
    return json_response(build_spec(request.app))
