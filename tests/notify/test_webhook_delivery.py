"""Webhooks end to end: CRUD with masked secrets, each service's payload at a real receiver."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from pulse import keys
from pulse.alerts.model import Alert, Metric
from pulse.notify.delivery import DeliveryError, EventKind, Notification
from pulse.notify.webhook_send import build_request, deliver
from tests.alerts.factories import make_alert
from tests.notify.servers import Receiver

Client = TestClient[web.Request, web.Application]


async def create(client: Client, **body: Any) -> dict[str, Any]:
    response = await client.post("/api/notifications/webhooks", json=body)
    assert response.status == 200, await response.text()
    result: dict[str, Any] = await response.json()
    return result


def alert(i: int, level: str = "warning", name: str = "") -> Alert:
    return make_alert(
        f"pve1-pve1-{100 + i}", level=level, name=name or f"vm{i}", value=90.0 + i % 10,
        message=f"VM cpu usage at 9{i % 10}.0% (trigger: 80%, clear: 75%)",
        start=datetime.now(UTC) - timedelta(minutes=4),
    )  # fmt: skip


async def test_crud_masks_url_and_headers_and_keeps_them_on_edit(
    app_client: Callable[..., Awaitable[Client]], receiver: Receiver
) -> None:
    client = await app_client()
    secret_url = f"{receiver.url}/hook/TOKEN123?key=abc"
    made = await create(client, name="Discord", url=secret_url, service="discord",
                        headers={"Authorization": "Bearer hdr-secret"})  # fmt: skip
    assert made["url"].endswith("/***")
    assert made["hasUrl"] is True
    assert made["headers"] == {"Authorization": "***"}
    listed = await (await client.get("/api/notifications/webhooks")).json()
    assert "TOKEN123" not in str(listed)
    assert "hdr-secret" not in str(listed)
    # The dashboard sends the masked object back with a new name: secrets are kept.
    edited = await client.put(f"/api/notifications/webhooks/{made['id']}",
                              json={**listed[0], "name": "Renamed", "enabled": False})  # fmt: skip
    assert edited.status == 200
    [stored] = client.app[keys.STORE].get("webhooks")
    assert stored["url"] == secret_url
    assert stored["headers"] == {"Authorization": "Bearer hdr-secret"}
    assert (stored["name"], stored["enabled"]) == ("Renamed", False)
    # The saved webhook can be tested through its masked form.
    tested = await client.post("/api/notifications/webhooks/test", json=listed[0])
    assert (await tested.json())["success"] is True
    assert receiver.requests[-1].path == "/hook/TOKEN123"
    assert receiver.requests[-1].headers["Authorization"] == "Bearer hdr-secret"
    gone = await client.delete(f"/api/notifications/webhooks/{made['id']}")
    assert await gone.json() == {"status": "success"}
    missing = await client.delete(f"/api/notifications/webhooks/{made['id']}")
    assert missing.status == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"url": "file:///etc/passwd"}, "http:// or https://"),
        ({"url": "javascript:alert(1)"}, "http:// or https://"),
        ({"url": "http://169.254.169.254/latest/meta-data"}, "link-local"),
        ({"url": "http://[fe80::1]/x"}, "link-local"),
        ({"url": "http://metadata.google.internal/x"}, "metadata"),
        ({"url": "https://h.example/***"}, "masked"),
        ({"url": "https://h.example/x", "service": "carrier-pigeon"}, "unknown service"),
        ({"url": "https://h.example/x", "template": '{"a": "{{.Nope}}"}'}, "can't evaluate"),
        ({"url": "https://h.example/x", "template": '{"a": {{.Message}}}'}, "valid JSON"),
        ({"url": "https://h.example/x", "template": "{{if .Level}}"}, "missing {{end}}"),
        ({"url": "https://h.example/x", "headers": {"X": "a\r\nInjected: 1"}}, "line breaks"),
        ({"url": "https://h.example/x", "method": "DELETE"}, "method"),
    ],
)
async def test_bad_webhooks_are_rejected(
    app_client: Callable[..., Awaitable[Client]], body: dict[str, Any], message: str
) -> None:
    client = await app_client()
    response = await client.post("/api/notifications/webhooks", json=body)
    assert response.status == 400
    assert message in (await response.json())["error"]
    assert client.app[keys.STORE].get("webhooks") is None


def check_discord(p: dict[str, Any], _: Any) -> None:
    embed = p["embeds"][0]
    assert p["username"] == "Pulse Monitoring"
    assert embed["title"] == "Pulse Alert: Critical"
    assert embed["color"] == 15158332
    assert [f["name"] for f in embed["fields"]] == [
        "Resource", "Node", "Type", "Value", "Threshold", "Duration"]  # fmt: skip
    assert embed["fields"][3]["value"] == "91.0%"


def check_slack(p: dict[str, Any], _: Any) -> None:
    assert p["text"] == 'Pulse Alert: Critical - web "1" \\ x'
    assert [b["type"] for b in p["blocks"]] == ["header", "section", "section", "context"]
    assert p["blocks"][2]["fields"][0]["text"] == '*Resource:*\nweb "1" \\ x'


def check_telegram(p: dict[str, Any], request: Any) -> None:
    assert p["chat_id"] == "4242"
    assert p["parse_mode"] == "Markdown"
    assert "*Pulse Alert: Critical*" in p["text"]
    assert "and 2 more alerts" in p["text"]


def check_teams(p: dict[str, Any], _: Any) -> None:
    assert p["@type"] == "MessageCard"
    assert p["themeColor"] == "FF0000"
    assert [f["name"] for f in p["sections"][0]["facts"]][-1] == "Instance"


def check_teams_adaptive(p: dict[str, Any], _: Any) -> None:
    card = p["attachments"][0]["content"]
    assert card["type"] == "AdaptiveCard"
    assert card["body"][0]["color"] == "Attention"


def check_pagerduty(p: dict[str, Any], request: Any) -> None:
    assert p["routing_key"] == "R0UT1NG"
    assert p["event_action"] == "trigger"
    assert p["dedup_key"] == "pve1-pve1-101-cpu"
    assert p["payload"]["severity"] == "critical"
    assert request.headers["Accept"] == "application/vnd.pagerduty+json;version=2"


def check_gotify(p: dict[str, Any], request: Any) -> None:
    assert p["priority"] == 8
    assert request.query["token"] == "app-token"


def check_pushover(p: dict[str, Any], _: Any) -> None:
    assert (p["token"], p["user"], p["priority"]) == ("app", "usr", 1)


def check_generic(p: dict[str, Any], _: Any) -> None:
    assert p["count"] == 3
    assert p["source"] == "pulse-monitoring"
    assert [a["id"] for a in p["alerts"]] == [f"pve1-pve1-{100 + i}-cpu" for i in (1, 2, 3)]


SERVICES = {
    "discord": ("/api/webhooks/1/tok", {}, check_discord),
    "slack": ("/services/T/B/X", {}, check_slack),
    "telegram": ("/botTOKEN/sendMessage?chat_id=4242", {}, check_telegram),
    "teams": ("/webhookb2/x", {}, check_teams),
    "teams-adaptive": ("/webhookb2/y", {}, check_teams_adaptive),
    "pagerduty": ("/v2/enqueue", {"routing_key": "R0UT1NG"}, check_pagerduty),
    "gotify": ("/message?token=app-token", {}, check_gotify),
    "pushover": ("/1/messages.json?token=app&user=usr", {}, check_pushover),
    "generic": ("/hook", {}, check_generic),
}


@pytest.mark.parametrize("service", list(SERVICES))
async def test_each_service_gets_its_payload_once_for_a_batch(
    app_client: Callable[..., Awaitable[Client]], receiver: Receiver, service: str
) -> None:
    path, headers, check = SERVICES[service]
    client = await app_client()
    await create(client, name=service, url=receiver.url + path, service=service, headers=headers)
    notifier = client.app[keys.NOTIFIER]
    notifier.alert_fired(alert(1, "critical", name='web "1" \\ x'))
    notifier.alert_fired(alert(2))
    notifier.alert_fired(alert(3))
    await notifier.drain()
    [request] = receiver.requests
    assert request.headers["User-Agent"] == "Pulse-Monitoring/2.0"
    check(request.json(), request)


async def test_ntfy_uses_headers_and_a_text_body(
    app_client: Callable[..., Awaitable[Client]], receiver: Receiver
) -> None:
    client = await app_client()
    await create(client, name="ntfy", url=receiver.url + "/alerts", service="ntfy")
    client.app[keys.NOTIFIER].alert_fired(alert(1, "critical", name="dbé"))
    await client.app[keys.NOTIFIER].drain()
    [request] = receiver.requests
    assert request.headers["Priority"] == "urgent"
    assert request.headers["Tags"] == "rotating_light"
    assert request.headers["Content-Type"].startswith("text/plain")
    assert request.headers["Title"].startswith("=?utf-8?")  # RFC 2047 for non-ASCII
    assert request.body.decode().startswith("VM cpu usage at 91.0%")


async def test_seed_custom_template_is_rendered_with_escaping(
    app_client: Callable[..., Awaitable[Client]], receiver: Receiver
) -> None:
    client = await app_client()
    template = (
        '{"alert": "{{.Level}}: {{.Message}}", "value": {{.Value}}, "who": "{{.ResourceName}}"}'
    )
    await create(client, name="custom", url=receiver.url + "/c", service="generic",
                 template=template)  # fmt: skip
    client.app[keys.NOTIFIER].alert_fired(alert(1, name='say "hi" \\o/'))
    await client.app[keys.NOTIFIER].drain()
    assert receiver.requests[0].json() == {
        "alert": "warning: VM cpu usage at 91.0% (trigger: 80%, clear: 75%)",
        "value": 91.0,
        "who": 'say "hi" \\o/',
    }


async def test_webhook_test_reports_target_status(
    app_client: Callable[..., Awaitable[Client]], receiver: Receiver
) -> None:
    client = await app_client()
    receiver.statuses.append(500)
    response = await client.post("/api/notifications/webhooks/test",
                                 json={"name": "T", "url": receiver.url + "/t"})  # fmt: skip
    assert await response.json() == {"status": 500, "response": "nope", "success": False}
    body = receiver.requests[0].json()
    assert body["alert"]["resource_name"] == "Test VM"
    assert receiver.requests[0].headers["User-Agent"] == "Pulse-Monitoring/2.0 (Test)"
    dead = await client.post("/api/notifications/webhooks/test",
                             json={"name": "T", "url": "http://127.0.0.1:9/x"})  # fmt: skip
    assert dead.status == 400
    assert (await dead.json())["status"] == 0


async def test_templates_list(app_client: Callable[..., Awaitable[Client]]) -> None:
    client = await app_client()
    templates = await (await client.get("/api/notifications/webhook-templates")).json()
    names = [t["service"] for t in templates]
    assert names[:7] == [
        "discord",
        "telegram",
        "slack",
        "teams",
        "pagerduty",
        "teams-adaptive",
        "ntfy",
    ]
    assert {"gotify", "pushover", "generic"} <= set(names)
    assert all(t["method"] == "POST" and t["payloadTemplate"] for t in templates)


def test_values_carry_their_metric_unit() -> None:
    now = datetime.now(UTC)
    backup = make_alert("pve1-pve1-101", metric=Metric.BACKUP_AGE, value=9.24, threshold=7)
    io = make_alert("pve1-pve1-102", metric=Metric.DISK_READ, value=160, threshold=150)
    hook = {"url": "http://127.0.0.1:9/x", "service": "slack"}
    for item, value, threshold in ((backup, "9.2 days", "7 days"), (io, "160.0 MB/s", "150 MB/s")):
        request = build_request(hook, Notification(EventKind.FIRED, (item,), now))
        fields = json.loads(request.body)["blocks"][2]["fields"]
        assert fields[3]["text"] == f"*Value:*\n{value}"
        assert fields[4]["text"] == f"*Threshold:*\n{threshold}"


class NoNetwork:
    """A session stand-in that fails the test if anything would be sent."""

    def request(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a request was attempted")


async def test_imported_link_local_url_is_refused_before_any_connection() -> None:
    # aiohttp skips the resolver for IP literals, so SafeResolver alone would not stop these.
    notification = Notification(EventKind.FIRED, (alert(1),), datetime.now(UTC))
    for url in ("http://169.254.169.254/latest/meta-data", "http://[fe80::1]/x"):
        hook = {"url": url, "service": "generic"}
        with pytest.raises(DeliveryError, match="link-local") as caught:
            await deliver(NoNetwork(), hook, notification)  # type: ignore[arg-type]
        assert caught.value.retryable is False
