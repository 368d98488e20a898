"""E-mail settings (store section `email`): defaults, validation, masked view, provider presets."""

from __future__ import annotations

import email.utils
import re
from collections.abc import Mapping
from typing import Any

from pulse.errors import BadRequest

SECTION = "email"
PASSWORD_MASK = "********"  # noqa: S105 - the mask shown instead of a password
MAX_RECIPIENTS = 50
DEFAULTS: dict[str, Any] = {
    "enabled": False,
    "provider": "",
    "server": "",
    "port": 587,
    "username": "",
    "password": "",
    "from": "",
    "to": [],
    "tls": False,
    "startTLS": True,
    "notifyOnResolve": False,
}
_ADDRESS = re.compile(r"^[^@\s<>\"(),;:]+@[A-Za-z0-9.-]+\.[A-Za-z0-9-]{2,}$|^[^@\s<>]+@localhost$")
_HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}$|^\[?[0-9A-Fa-f:.]+\]?$")


def _preset(name: str, host: str, instructions: str) -> dict[str, Any]:
    return {"name": name, "smtpHost": host, "smtpPort": 587, "tls": False, "startTLS": True,
            "authRequired": True, "instructions": instructions}  # fmt: skip


PROVIDERS: tuple[dict[str, Any], ...] = (
    _preset("Gmail / Google Workspace", "smtp.gmail.com",
            "Turn on 2-step verification, create an app password at "
            "myaccount.google.com/apppasswords and use it with your full address as username."),
    _preset("SendGrid", "smtp.sendgrid.net",
            "Create an API key with Mail Send permission. Username is the word apikey, "
            "password is the key. The sender address must be verified."),
    _preset("Mailgun", "smtp.mailgun.org",
            "Verify your domain, then use that domain's SMTP login and password. "
            "EU accounts use smtp.eu.mailgun.org."),
    _preset("Amazon SES (US East)", "email-smtp.us-east-1.amazonaws.com",
            "Verify the domain or address, create SMTP credentials in the SES console and leave "
            "the sandbox. For other regions change us-east-1 in the host."),
    _preset("Microsoft 365 / Outlook", "smtp.office365.com",
            "Use the account password (an app password with MFA). Authenticated SMTP may have "
            "to be enabled for the mailbox by an administrator."),
    _preset("Brevo (formerly Sendinblue)", "smtp-relay.brevo.com",
            "Username is your account e-mail; password is an SMTP key from the SMTP & API page, "
            "not your login password. Register the sender first."),
    _preset("Postmark", "smtp.postmarkapp.com",
            "Use a server API token as both username and password; verify a sender signature."),
    _preset("SparkPost", "smtp.sparkpostmail.com",
            "Username SMTP_Injection, password an API key with the SMTP permission. "
            "EU accounts use smtp.eu.sparkpostmail.com."),
    _preset("Resend", "smtp.resend.com",
            "Username resend, password an API key; the sending domain must be verified."),
    _preset("SMTP2GO", "mail.smtp2go.com",
            "Use an SMTP user and password from the dashboard and add your sender domain."),
    _preset("Custom SMTP Server", "",
            "Any SMTP server: port 25 is usually plain, 587 STARTTLS and 465 implicit TLS. "
            "Leave username empty only for a trusted relay. Send a test before saving."),
)  # fmt: skip

# Providers whose SMTP username is fixed (applied when the username is left empty).
PROVIDER_USERNAMES = {"SendGrid": "apikey", "SparkPost": "SMTP_Injection", "Resend": "resend"}


def stored(store_value: Any) -> dict[str, Any]:
    """The stored settings over the defaults (tolerates a missing or odd section)."""
    config = dict(DEFAULTS)
    if isinstance(store_value, Mapping):
        config.update({k: v for k, v in store_value.items() if k in DEFAULTS})
    config["to"] = list(config["to"]) if isinstance(config["to"], list) else []
    return config


def public_view(config: Mapping[str, Any]) -> dict[str, Any]:
    """What the API shows: the password never, only whether one is set."""
    view = dict(config)
    view["password"] = ""
    view["hasPassword"] = bool(config.get("password"))
    return view


def valid_address(value: str) -> bool:
    if any(c in value for c in "\r\n\x00") or len(value) > 320:
        return False
    _, address = email.utils.parseaddr(value)
    return bool(address) and bool(_ADDRESS.match(address))


def merge(body: Mapping[str, Any], old: Mapping[str, Any]) -> dict[str, Any]:
    """Validate `body` over the stored settings; a blank or masked password keeps the old one."""
    config = stored(old)
    for key in ("provider", "server", "username", "from"):
        if body.get(key) is not None:
            value = body[key]
            if not isinstance(value, str) or len(value) > 320:
                raise BadRequest(f"{key} must be a string of at most 320 characters")
            config[key] = value.strip()
    for key in ("enabled", "tls", "startTLS", "notifyOnResolve"):
        if body.get(key) is not None:
            if not isinstance(body[key], bool):
                raise BadRequest(f"{key} must be true or false")
            config[key] = body[key]
    if body.get("port") is not None:
        port = body["port"]
        if isinstance(port, str) and port.strip().isascii() and port.strip().isdigit():
            port = int(port)
        if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
            raise BadRequest("port must be a number from 1 to 65535")
        config["port"] = port
    password = body.get("password")
    if password is not None:
        if not isinstance(password, str) or len(password) > 1024:
            raise BadRequest("password must be a string")
        if password and password != PASSWORD_MASK:
            config["password"] = password
    if "to" in body and body["to"] is not None:
        recipients = body["to"]
        if isinstance(recipients, str):
            recipients = [r for r in re.split(r"[,;\s]+", recipients) if r]
        if not isinstance(recipients, list) or not all(isinstance(r, str) for r in recipients):
            raise BadRequest("to must be a list of e-mail addresses")
        config["to"] = [r.strip() for r in recipients if r.strip()]
    if not config["username"] and not PROVIDER_USERNAMES.get(config["provider"]):
        config["password"] = ""  # no login: do not keep a password around
    validate(config, require_complete=bool(config["enabled"]))
    return config


def validate(config: Mapping[str, Any], *, require_complete: bool) -> None:
    """400 for a bad server, sender or recipient; incomplete is fine unless it must be sendable."""
    server, sender, recipients = config["server"], config["from"], config["to"]
    if server and not _HOST.match(server):
        raise BadRequest("server must be a host name or IP address")
    if sender and not valid_address(sender):
        raise BadRequest(f"from is not a valid e-mail address: {sender[:80]}")
    if len(recipients) > MAX_RECIPIENTS:
        raise BadRequest(f"at most {MAX_RECIPIENTS} recipients")
    for recipient in recipients:
        if not valid_address(recipient):
            raise BadRequest(f"not a valid e-mail address: {recipient[:80]}")
    if require_complete and not (server and sender):
        raise BadRequest("email configuration is incomplete: server and from are required")
