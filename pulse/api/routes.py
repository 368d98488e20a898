"""The route table: every HTTP route Pulse serves, in one place to audit.

Each area adds its routes in its own block below. Handlers live in one module per area and stay
thin: parse, call the owning component, shape the answer.
"""

from __future__ import annotations

from aiohttp import web

from pulse.api import (
    alerts,
    charts,
    config_nodes,
    config_system,
    core,
    diagnostics,
    export,
    guest_metadata,
    legacy,
    metrics,
    monitoring,
    notifications,
    onboarding,
    openapi,
    security,
    updates,
)
from pulse.static import add_static_routes
from pulse.ws.handler import websocket


def setup_routes(app: web.Application) -> None:
    router = app.router

    # -- core ----------------------------------------------------------------------------------
    router.add_get("/api/health", core.health)
    router.add_get("/api/version", core.version)
    router.add_get("/api/openapi.json", openapi.openapi)

    # -- monitoring: state, charts, storage, backups, snapshots, websocket ---------------------
    router.add_get("/api/state", monitoring.state)
    router.add_get("/api/storage", monitoring.storage_redirect)
    router.add_get("/api/storage/", monitoring.storage_list)
    router.add_get("/api/storage/{storage_id}", monitoring.storage_item)
    router.add_get("/api/storage-charts", charts.storage_charts)
    router.add_get("/api/charts", charts.charts)
    router.add_get("/api/backups", monitoring.backups)
    router.add_get("/api/backups/", monitoring.backups)
    router.add_get("/api/backups/unified", monitoring.backups)
    router.add_get("/api/backups/pve", monitoring.backups_pve)
    router.add_get("/api/backups/pbs", monitoring.backups_pbs)
    router.add_get("/api/backups/{other}", monitoring.backups)  # upstream: any other subpath
    router.add_get("/api/snapshots", monitoring.snapshots)
    router.add_get("/ws", websocket)
    router.add_get("/socket.io", monitoring.socketio)
    router.add_get("/socket.io/", monitoring.socketio)

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
    router.add_get("/api/config/nodes", config_nodes.list_nodes)
    router.add_post("/api/config/nodes", config_nodes.add_node)
    router.add_post("/api/config/nodes/test-connection", config_nodes.test_connection)
    router.add_post("/api/config/nodes/test-config", config_nodes.test_config)
    router.add_put("/api/config/nodes/{node_id}", config_nodes.update_node)
    router.add_delete("/api/config/nodes/{node_id}", config_nodes.delete_node)
    router.add_post("/api/config/nodes/{node_id}/test", config_nodes.test_saved_node)
    router.add_get("/api/config/system", config_system.get_system)
    router.add_post("/api/config/system", config_system.update_system)
    router.add_put("/api/config/system", config_system.update_system)
    router.add_get("/api/system/settings", config_system.get_system)
    router.add_post("/api/system/settings/update", config_system.update_system)
    router.add_post("/api/config/export", export.export_config)
    router.add_post("/api/config/import", export.import_config)
    router.add_get("/api/export", export.export_config)  # the seed's example path
    router.add_post("/api/export", export.export_config)
    router.add_post("/api/import", export.import_config)
    router.add_get("/api/setup-script", onboarding.setup_script_handler)
    router.add_post("/api/setup-script", onboarding.setup_script_handler)
    router.add_post("/api/setup-script-url", onboarding.setup_script_url)
    router.add_post("/api/auto-register", onboarding.auto_register)
    router.add_post("/api/tokens/generate", onboarding.generate_token)
    router.add_get("/api/tokens/list", onboarding.list_tokens)
    router.add_delete("/api/tokens/revoke", onboarding.revoke_token)
    router.add_get("/api/discover", onboarding.get_discovery)
    router.add_post("/api/discover", onboarding.post_discovery)

    # -- alerts and notifications --------------------------------------------------------------
    # alert engine: seed paths, then upstream's /api/alerts/* family (bulk before {alert_id})
    router.add_get("/api/notifications/thresholds", alerts.get_thresholds)
    router.add_post("/api/notifications/thresholds", alerts.post_thresholds)
    router.add_get("/api/notifications/thresholds/overrides", alerts.get_overrides)
    router.add_post("/api/notifications/thresholds/overrides", alerts.post_overrides)
    router.add_get("/api/notifications/alerts", alerts.history)
    router.add_post("/api/notifications/alerts/clear", alerts.clear_history)
    router.add_get("/api/alerts/config", alerts.get_config)
    router.add_put("/api/alerts/config", alerts.put_config)
    router.add_post("/api/alerts/config", alerts.put_config)
    router.add_get("/api/alerts/active", alerts.active)
    router.add_get("/api/alerts/history", alerts.history)
    router.add_delete("/api/alerts/history", alerts.clear_history)
    router.add_post("/api/alerts/bulk/acknowledge", alerts.bulk_acknowledge)
    router.add_post("/api/alerts/bulk/unacknowledge", alerts.bulk_unacknowledge)
    router.add_post("/api/alerts/bulk/clear", alerts.bulk_clear)
    router.add_post("/api/alerts/{alert_id}/acknowledge", alerts.acknowledge)
    router.add_post("/api/alerts/{alert_id}/unacknowledge", alerts.unacknowledge)
    router.add_post("/api/alerts/{alert_id}/clear", alerts.clear)
    # notifications: e-mail, webhooks, service templates, test sends
    router.add_get("/api/notifications/email", notifications.get_email)
    router.add_post("/api/notifications/email", notifications.update_email)
    router.add_put("/api/notifications/email", notifications.update_email)
    router.add_post("/api/notifications/email/test", notifications.test_email)
    router.add_get("/api/notifications/email-providers", notifications.email_providers)
    router.add_get("/api/notifications/webhooks", notifications.list_webhooks)
    router.add_post("/api/notifications/webhooks", notifications.create_webhook)
    router.add_post("/api/notifications/webhooks/test", notifications.test_webhook)
    router.add_put("/api/notifications/webhooks/{webhook_id}", notifications.update_webhook)
    router.add_delete("/api/notifications/webhooks/{webhook_id}", notifications.delete_webhook)
    router.add_get("/api/notifications/webhook-templates", notifications.webhook_templates)
    router.add_post("/api/notifications/test", notifications.test_notification)

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

    # -- metrics, diagnostics, legacy read-only settings ---------------------------------------
    router.add_get("/metrics", metrics.metrics)
    router.add_get("/api/diagnostics", diagnostics.diagnostics)
    router.add_get("/api/config", legacy.config)
    router.add_get("/api/settings", legacy.settings)
    router.add_post("/api/settings/update", legacy.settings_update)

    # -- static dashboard files (last: it matches every remaining GET) -------------------------
    add_static_routes(app)
