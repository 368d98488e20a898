"""E-mail end to end against a real SMTP server (aiosmtpd) on loopback."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from pulse import keys
from pulse.notify import email_send
from pulse.notify.delivery import DeliveryError
from pulse.notify.sample_alerts import email_test_alert
from tests.alerts.factories import make_alert
from tests.notify.servers import SmtpServer

Client = TestClient[web.Request, web.Application]


def plain_config(server: SmtpServer, **extra: Any) -> dict[str, Any]:
    return {"enabled": True, "server": "127.0.0.1", "port": server.port, "from": "Pulse <pulse@example.com>",
            "to": ["ops@example.com", "oncall@example.com"], "tls": False, "startTLS": False, **extra}  # fmt: skip


def parts(message: Any) -> dict[str, str]:
    return {p.get_content_type(): p.get_content() for p in message.iter_parts()}


async def test_test_email_over_plain_smtp_arrives_with_both_bodies(
    app_client: Callable[..., Awaitable[Client]], smtp_plain: SmtpServer
) -> None:
    client = await app_client()
    response = await client.post("/api/notifications/email/test", json=plain_config(smtp_plain))
    assert response.status == 200, await response.text()
    assert await response.json() == {"status": "success", "message": "Test notification sent"}
    [mail] = smtp_plain.received
    assert mail.sender == "pulse@example.com"
    assert mail.recipients == ["ops@example.com", "oncall@example.com"]
    message = mail.message
    assert message["Subject"] == "[Pulse Alert] Warning: CPU on Email Configuration Test"
    assert message["To"] == "ops@example.com, oncall@example.com"
    assert message["From"] == "Pulse <pulse@example.com>"
    assert message["X-Mailer"] == "Pulse Monitoring System"
    assert message["Message-ID"].endswith("@pulse-monitoring>")
    assert message.get_content_type() == "multipart/alternative"
    bodies = parts(message)
    assert "Current value: 85.5%" in bodies["text/plain"]
    assert "Threshold: 80%" in bodies["text/plain"]
    assert "<b>WARNING Alert</b>" in bodies["text/html"]
    # nothing was saved by a test send
    assert client.app[keys.STORE].get("email") is None


async def test_starttls_with_auth_uses_the_saved_password(
    app_client: Callable[..., Awaitable[Client]],
    smtp_starttls: SmtpServer,
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # trust the test's own CA
    client = await app_client()
    config = plain_config(smtp_starttls, startTLS=True, username="pulse", password="s3cret-pw")
    saved = await client.post("/api/notifications/email", json=config)
    assert saved.status == 200, await saved.text()
    shown = await (await client.get("/api/notifications/email")).json()
    assert shown["password"] == ""
    assert shown["hasPassword"] is True
    assert "s3cret-pw" not in str(shown)
    # The dashboard sends the form back with the password field empty: the password stays.
    again = await client.put("/api/notifications/email", json={**shown, "to": ["x@example.com"]})
    assert again.status == 200
    response = await client.post("/api/notifications/email/test", json={})
    assert response.status == 200, await response.text()
    assert smtp_starttls.logins == [("pulse", "s3cret-pw")]
    [mail] = smtp_starttls.received
    assert mail.recipients == ["x@example.com"]


async def test_wrong_password_is_a_clear_400(
    app_client: Callable[..., Awaitable[Client]],
    smtp_starttls: SmtpServer,
    certificate: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    client = await app_client()
    config = plain_config(smtp_starttls, startTLS=True, username="pulse", password="wrong-pw")
    response = await client.post("/api/notifications/email/test", json=config)
    assert response.status == 400
    error = (await response.json())["error"]
    assert "authentication failed" in error
    assert "wrong-pw" not in error
    assert smtp_starttls.received == []


async def test_untrusted_certificate_is_refused(
    app_client: Callable[..., Awaitable[Client]], smtp_starttls: SmtpServer
) -> None:
    client = await app_client()
    config = plain_config(smtp_starttls, startTLS=True, username="pulse", password="s3cret-pw")
    response = await client.post("/api/notifications/email/test", json=config)
    assert response.status == 400
    assert "certificate" in (await response.json())["error"].lower()
    assert smtp_starttls.logins == []  # the password never left


async def test_implicit_tls(smtp_tls: SmtpServer, certificate: tuple[Path, Path]) -> None:
    context = ssl.create_default_context(cafile=str(certificate[0]))
    smtp = email_send.target(
        {"server": "127.0.0.1", "port": smtp_tls.port, "tls": True, "from": "a@example.com"}
    )
    assert smtp.security is email_send.Security.TLS
    assert smtp.recipients == ("a@example.com",)
    now = datetime.now(UTC)
    await email_send.send(smtp, email_send.single_message(smtp, email_test_alert(now), now),
                          tls_context=context)  # fmt: skip
    assert [m.recipients for m in smtp_tls.received] == [["a@example.com"]]
    # The TLS close_notify exchange finishes a few loop turns after send() returns; let it,
    # or the test's loop closes first and the socket is reported as leaked by a later test.
    await asyncio.sleep(0.1)


async def test_password_never_goes_out_unencrypted_to_a_remote_server() -> None:
    smtp = email_send.target({"server": "smtp.example.com", "port": 25, "startTLS": False,
                              "username": "u", "password": "p", "from": "a@example.com"})  # fmt: skip
    now = datetime.now(UTC)
    with pytest.raises(DeliveryError, match="unencrypted") as caught:
        await email_send.send(smtp, email_send.single_message(smtp, email_test_alert(now), now))
    assert caught.value.retryable is False


async def test_grouped_alert_email_escapes_names(
    app_client: Callable[..., Awaitable[Client]], smtp_plain: SmtpServer
) -> None:
    client = await app_client()
    assert (
        await client.post("/api/notifications/email", json=plain_config(smtp_plain))
    ).status == 200
    notifier = client.app[keys.NOTIFIER]
    now = datetime.now(UTC)
    for i, level in enumerate(("critical", "warning", "warning")):
        notifier.alert_fired(make_alert(
            f"r{i}", level=level, name=f"<script>x{i}</script>", value=90.0 + i,
            message=f"VM cpu usage at 9{i}.0%", start=now - timedelta(minutes=3)))  # fmt: skip
    await notifier.drain()
    [mail] = smtp_plain.received
    assert mail.message["Subject"] == "[Pulse Alert] 1 Critical, 2 Warning alerts"
    bodies = parts(mail.message)
    assert "<script>" not in bodies["text/html"]
    assert "&lt;script&gt;x0" in bodies["text/html"]
    assert "1. <script>x0</script> (r0-cpu)" in bodies["text/plain"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"enabled": True, "server": "", "from": "a@example.com"}, "incomplete"),
        ({"from": "not-an-address"}, "not a valid e-mail address"),
        ({"to": ["ok@example.com", "bad\r\nBcc: x@evil.example"]}, "not a valid e-mail address"),
        ({"port": 70000}, "port"),
        ({"server": "smtp example.com"}, "host name"),
        ({"enabled": "yes"}, "true or false"),
    ],
)
async def test_bad_email_settings_are_rejected_and_change_nothing(
    app_client: Callable[..., Awaitable[Client]], body: dict[str, Any], message: str
) -> None:
    client = await app_client()
    response = await client.post("/api/notifications/email", json=body)
    assert response.status == 400
    assert message in (await response.json())["error"]
    assert client.app[keys.STORE].get("email") is None


async def test_providers_list(app_client: Callable[..., Awaitable[Client]]) -> None:
    client = await app_client()
    providers = await (await client.get("/api/notifications/email-providers")).json()
    assert [p["name"] for p in providers][:2] == ["Gmail / Google Workspace", "SendGrid"]
    assert len(providers) == 11
    assert providers[-1]["smtpHost"] == ""
    assert all(p["smtpPort"] == 587 and p["startTLS"] and not p["tls"] for p in providers)
