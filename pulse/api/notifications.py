"""/api/notifications/*: e-mail and webhook settings, service templates, test sends."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from pulse import keys
from pulse.alerts.model import Alert
from pulse.api.body import json_object, optional_json_object
from pulse.errors import BadRequest, NotFound
from pulse.jsonio import json_response
from pulse.notify import email_config, email_send, webhook_config, webhook_send
from pulse.notify.delivery import DeliveryError, EventKind, Notification
from pulse.notify.gotemplate import TemplateError
from pulse.notify.sample_alerts import (
    email_test_alert,
    saved_webhook_test_alert,
    webhook_test_alert,
)
from pulse.notify.services import SERVICES

WEBHOOK_TEST_TIMEOUT_S = 10.0
SUCCESS = {"status": "success", "message": "Test notification sent"}


def _now() -> datetime:
    return datetime.now(UTC).astimezone()


# -- e-mail -----------------------------------------------------------------------------------


def _stored_email(request: web.Request) -> dict[str, Any]:
    return email_config.stored(request.app[keys.STORE].get(email_config.SECTION))


async def get_email(request: web.Request) -> web.Response:
    return json_response(email_config.public_view(_stored_email(request)))


async def update_email(request: web.Request) -> web.Response:
    body = await json_object(request)
    async with request.app[keys.NOTIFIER].config_lock:
        config = email_config.merge(body, _stored_email(request))
        await request.app[keys.STORE].save({email_config.SECTION: config})
    request.app[keys.AUDIT].record("notifications.email.update", request, enabled=config["enabled"])
    return json_response({"status": "success"})


async def email_providers(request: web.Request) -> web.Response:
    return json_response(list(email_config.PROVIDERS))


async def _send_test_email(request: web.Request, body: dict[str, Any]) -> None:
    """Send the one-alert test e-mail with `body` over the saved settings; 400 on failure."""
    config = email_config.merge(body, _stored_email(request)) if body else _stored_email(request)
    email_config.validate(config, require_complete=True)
    now = _now()
    nodes = request.app[keys.NODES].instances
    alert = email_test_alert(now, *((nodes[0].name, nodes[0].name) if nodes else ()))
    smtp = email_send.target(config)
    try:
        await email_send.send(smtp, email_send.single_message(smtp, alert, now))
    except DeliveryError as exc:
        request.app[keys.AUDIT].record("notifications.email.test", request, success=False)
        raise BadRequest(f"failed to send test email: {exc}") from None
    request.app[keys.AUDIT].record("notifications.email.test", request)


async def test_email(request: web.Request) -> web.Response:
    body = await optional_json_object(request)
    config = body.get("config")
    await _send_test_email(request, config if isinstance(config, dict) else body)
    return json_response(SUCCESS)


# -- webhooks ---------------------------------------------------------------------------------


def _stored_webhooks(request: web.Request) -> list[dict[str, Any]]:
    hooks = request.app[keys.STORE].get(webhook_config.SECTION)
    return [h for h in hooks if isinstance(h, dict)] if isinstance(hooks, list) else []


def _find(hooks: list[dict[str, Any]], webhook_id: str) -> int:
    for index, hook in enumerate(hooks):
        if hook.get("id") == webhook_id:
            return index
    raise NotFound(f"webhook not found: {webhook_id}")


async def list_webhooks(request: web.Request) -> web.Response:
    return json_response([webhook_config.public_view(h) for h in _stored_webhooks(request)])


async def create_webhook(request: web.Request) -> web.Response:
    body = await json_object(request)
    async with request.app[keys.NOTIFIER].config_lock:
        hooks = _stored_webhooks(request)
        if len(hooks) >= webhook_config.MAX_WEBHOOKS:
            raise BadRequest(f"at most {webhook_config.MAX_WEBHOOKS} webhooks")
        hook = webhook_config.merge(body, None)
        wanted = body.get("id")
        taken = {h.get("id") for h in hooks}
        valid_id = isinstance(wanted, str) and 0 < len(wanted) <= 100 and wanted not in taken
        hook["id"] = wanted if valid_id else webhook_config.new_id()
        await request.app[keys.STORE].save({webhook_config.SECTION: [*hooks, hook]})
    request.app[keys.AUDIT].record(
        "notifications.webhook.create", request, webhook=hook["id"], service=hook["service"]
    )
    return json_response(webhook_config.public_view(hook))


async def update_webhook(request: web.Request) -> web.Response:
    webhook_id = request.match_info["webhook_id"]
    body = await json_object(request)
    async with request.app[keys.NOTIFIER].config_lock:
        hooks = _stored_webhooks(request)
        index = _find(hooks, webhook_id)
        hooks[index] = webhook_config.merge(body, hooks[index])
        await request.app[keys.STORE].save({webhook_config.SECTION: hooks})
    request.app[keys.AUDIT].record("notifications.webhook.update", request, webhook=webhook_id)
    return json_response(webhook_config.public_view(hooks[index]))


async def delete_webhook(request: web.Request) -> web.Response:
    webhook_id = request.match_info["webhook_id"]
    async with request.app[keys.NOTIFIER].config_lock:
        hooks = _stored_webhooks(request)
        del hooks[_find(hooks, webhook_id)]
        await request.app[keys.STORE].save({webhook_config.SECTION: hooks})
    request.app[keys.AUDIT].record("notifications.webhook.delete", request, webhook=webhook_id)
    return json_response({"status": "success"})


async def webhook_templates(request: web.Request) -> web.Response:
    return json_response([s.to_json() for s in SERVICES])


async def _send_test_webhook(
    request: web.Request, hook: dict[str, Any], alert: Alert
) -> dict[str, Any]:
    """Send `alert` once to `hook`: {"status", "response", "success"}; 400 when nothing arrived."""
    nodes = request.app[keys.NODES]
    notification = Notification(EventKind.FIRED, (alert,), _now())

    def url_for(name: str) -> str:
        found = nodes.by_name(name)
        return found.host if found is not None else ""

    def failure(message: str) -> web.Response:
        request.app[keys.AUDIT].record("notifications.webhook.test", request, success=False)
        safe = message.replace(hook["url"], webhook_config.mask_url(hook["url"]))
        return json_response({"status": 0, "response": "", "error": safe}, status=400)

    try:
        outgoing = webhook_send.build_request(hook, notification, url_for, single=True)
    except TemplateError as exc:
        raise _Reply(failure(f"template error: {exc}")) from None
    outgoing.headers["User-Agent"] = f"{webhook_send.USER_AGENT} (Test)"
    try:
        async with webhook_send.new_session() as session:
            answer = await webhook_send.post(session, outgoing, seconds=WEBHOOK_TEST_TIMEOUT_S)
    except TimeoutError:
        raise _Reply(failure("the webhook did not answer within 10 seconds")) from None
    except OSError as exc:  # aiohttp's ClientConnectorError is an OSError too
        raise _Reply(failure(f"cannot reach the webhook: {exc.strerror or exc}")) from None
    except Exception as exc:  # aiohttp.ClientError and friends: report, never 500
        raise _Reply(failure(f"webhook request failed: {type(exc).__name__}")) from None
    ok = 200 <= answer.status < 300
    request.app[keys.AUDIT].record("notifications.webhook.test", request, success=ok)
    return {"status": answer.status, "response": answer.text, "success": ok}


class _Reply(Exception):
    """Carries a ready response out of a helper (the test endpoints' 400 shape has extra keys)."""

    def __init__(self, response: web.Response) -> None:
        super().__init__("reply")
        self.response = response


async def test_webhook(request: web.Request) -> web.Response:
    body = await json_object(request)
    body.setdefault("service", "generic")
    hooks = _stored_webhooks(request)
    saved = next((h for h in hooks if body.get("id") and h.get("id") == body.get("id")), None)
    hook = webhook_config.merge(body, saved)  # a saved webhook's masked URL/headers still work
    try:
        result = await _send_test_webhook(request, hook, webhook_test_alert(_now()))
    except _Reply as reply:
        return reply.response
    return json_response(result)


async def test_notification(request: web.Request) -> web.Response:
    """Upstream's POST /api/notifications/test: {"method"|"type", "config"?, "webhookId"?}."""
    body = await json_object(request)
    method = body.get("method") or body.get("type")
    if method == "email":
        config = body.get("config")
        if config is not None and not isinstance(config, dict):
            raise BadRequest("config must be an object")
        if config is None and not _stored_email(request)["enabled"]:
            raise BadRequest("email notifications are not enabled")
        await _send_test_email(request, config or {})
        return json_response(SUCCESS)
    if method == "webhook":
        hooks = _stored_webhooks(request)
        webhook_id = body.get("webhookId")
        if webhook_id:
            found = [h for h in hooks if h.get("id") == webhook_id]
            if not found:
                raise NotFound("Webhook not found")
            hook = found[0]
        else:
            if not hooks:
                raise BadRequest("no webhooks configured")
            enabled = [h for h in hooks if h.get("enabled")]
            if not enabled:
                raise BadRequest("no enabled webhooks found")
            hook = enabled[0]
        alert = saved_webhook_test_alert(_now(), str(hook.get("id")), str(hook.get("name")))
        try:
            result = await _send_test_webhook(request, hook, alert)
        except _Reply as reply:
            return reply.response
        if not result["success"]:
            raise BadRequest(f"webhook answered HTTP {result['status']}")
        return json_response(SUCCESS)
    raise BadRequest(f"unknown notification method: {str(method)[:40]}")
