"""Sending e-mail with aiosmtplib: transport per provider (plain, STARTTLS, TLS), timeouts."""

from __future__ import annotations

import asyncio
import ipaddress
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import parseaddr
from enum import StrEnum
from typing import Any

import aiosmtplib

from pulse.alerts.model import Alert
from pulse.notify.delivery import DeliveryError, Notification
from pulse.notify.email_config import PROVIDER_USERNAMES
from pulse.notify.email_content import (
    build_message,
    grouped_bodies,
    single_bodies,
    single_subject,
    subject,
)

CONNECT_TIMEOUT_S = 10.0
SESSION_TIMEOUT_S = 30.0


class Security(StrEnum):
    TLS = "tls"  # implicit TLS (port 465, or `tls: true`)
    STARTTLS = "starttls"  # plain connect, then STARTTLS; failure is an error (no downgrade)
    NONE = "none"


@dataclass(frozen=True, slots=True)
class SmtpTarget:
    server: str
    port: int
    security: Security
    sender: str
    recipients: tuple[str, ...]
    username: str = ""
    password: str = field(default="", repr=False)


def target(config: Mapping[str, Any]) -> SmtpTarget:
    """Where and how to send, from validated e-mail settings (provider defaults applied)."""
    port = int(config.get("port") or 587)
    if config.get("tls") or port == 465:
        security = Security.TLS
    elif config.get("startTLS"):
        security = Security.STARTTLS
    else:
        security = Security.NONE
    provider = str(config.get("provider", ""))
    password = str(config.get("password", ""))
    username = str(config.get("username", "")) or PROVIDER_USERNAMES.get(provider, "")
    if not username and provider == "Postmark":
        username = password  # Postmark uses the server token as both
    sender = str(config.get("from", ""))
    recipients = tuple(config.get("to") or ()) or (sender,)
    return SmtpTarget(
        str(config.get("server", "")), port, security, sender, recipients, username, password
    )


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


async def send(
    smtp: SmtpTarget, message: EmailMessage, *, tls_context: ssl.SSLContext | None = None
) -> None:
    """Deliver one message; raises DeliveryError (retryable for timeouts and 4xx replies)."""
    if not smtp.server or not smtp.sender:
        raise DeliveryError("email configuration is incomplete", retryable=False)
    login = bool(smtp.username and smtp.password)
    if login and smtp.security is Security.NONE and not _is_loopback(smtp.server):
        raise DeliveryError(
            f"refusing to send the SMTP password unencrypted to {smtp.server}; "
            "enable STARTTLS or TLS",
            retryable=False,
        )
    context = tls_context
    if context is None and smtp.security is not Security.NONE:
        # Loading the system CA store takes ~30 ms of CPU: off the loop, and only for TLS.
        context = await asyncio.to_thread(ssl.create_default_context)
    try:
        async with asyncio.timeout(SESSION_TIMEOUT_S):
            await aiosmtplib.send(
                message,
                sender=email_address(smtp.sender),
                recipients=[email_address(r) for r in smtp.recipients],
                hostname=smtp.server,
                port=smtp.port,
                username=smtp.username if login else None,
                password=smtp.password if login else None,
                use_tls=smtp.security is Security.TLS,
                start_tls=smtp.security is Security.STARTTLS,
                tls_context=context,
                timeout=CONNECT_TIMEOUT_S,
            )
    except TimeoutError:
        raise DeliveryError("SMTP server timed out", retryable=True) from None
    except aiosmtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"SMTP authentication failed ({exc.code})", retryable=False) from None
    except aiosmtplib.SMTPRecipientsRefused as exc:
        refused = ", ".join(r.recipient for r in exc.recipients)
        raise DeliveryError(f"recipients refused: {refused}", retryable=False) from None
    except aiosmtplib.SMTPResponseException as exc:
        raise DeliveryError(
            f"SMTP error {exc.code}: {exc.message}", retryable=400 <= exc.code < 500
        ) from None
    except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPServerDisconnected) as exc:
        raise DeliveryError(f"cannot talk to SMTP server: {exc}", retryable=True) from None
    except ssl.SSLError as exc:
        raise DeliveryError(f"TLS error: {exc.reason or exc}", retryable=False) from None
    except aiosmtplib.SMTPException as exc:
        raise DeliveryError(f"SMTP error: {exc}", retryable=False) from None
    except OSError as exc:
        reason = f"cannot reach SMTP server: {exc.strerror or exc}"
        raise DeliveryError(reason, retryable=True) from None


def email_address(value: str) -> str:
    """The bare address of `Name <addr>` (the SMTP envelope wants only the address)."""
    return parseaddr(value)[1] or value


def notification_message(smtp: SmtpTarget, notification: Notification) -> EmailMessage:
    text, html_body = grouped_bodies(notification)
    return build_message(smtp.sender, smtp.recipients, subject(notification), text, html_body)


def single_message(smtp: SmtpTarget, alert: Alert, now: datetime) -> EmailMessage:
    text, html_body = single_bodies(alert, now)
    return build_message(smtp.sender, smtp.recipients, single_subject(alert), text, html_body)
