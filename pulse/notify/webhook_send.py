"""Building and sending webhook requests: payload selection (reference §6.2) and HTTP delivery."""

from __future__ import annotations

import email.header
import socket
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from pulse import jsonio
from pulse.notify.delivery import DeliveryError, Notification
from pulse.notify.gotemplate import Template, TemplateError
from pulse.notify.services import BY_NAME, service
from pulse.notify.template_data import template_data
from pulse.notify.webhook_config import blocked_address, mask_url

USER_AGENT = "Pulse-Monitoring/2.0"
MAX_RESPONSE_CHARS = 1000

UrlFor = Callable[[str], str]  # instance name -> its web URL ("" if unknown)


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    method: str
    url: str
    headers: dict[str, str]
    body: bytes


def custom_fields(webhook: Mapping[str, Any]) -> dict[str, str]:
    """Values templates may use as .CustomFields: URL query parameters, then headers."""
    url = str(webhook.get("url", ""))
    fields = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
    fields.update({str(k): str(v) for k, v in (webhook.get("headers") or {}).items()})
    return fields


def _header_value(text: str) -> str:
    text = " ".join(text.split())  # no line breaks in headers, ever
    try:
        text.encode("ascii")
    except UnicodeEncodeError:
        return email.header.Header(text, "utf-8").encode()  # RFC 2047, as ntfy accepts
    return text


def build_request(
    webhook: Mapping[str, Any],
    notification: Notification,
    url_for: UrlFor | None = None,
    *,
    single: bool = False,
) -> WebhookRequest:
    """The request for one notification; raises TemplateError if the template fails.

    `single` (the test paths): a generic webhook gets the one-alert generic template instead
    of the grouped `{"alerts": [...]}` body.
    """
    alerts = notification.alerts
    fields = custom_fields(webhook)
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    chosen = service(str(webhook.get("service", "")))
    source = str(webhook.get("template") or "")
    if single and chosen is None and not source.strip():
        source = BY_NAME["generic"].payload
    if chosen is not None:
        headers.update(chosen.headers)
        source = source or chosen.payload
    headers.update({str(k): str(v) for k, v in (webhook.get("headers") or {}).items()})
    if source.strip():
        data = template_data(
            alerts,
            now=notification.sent_at,
            resolved=notification.resolved,
            url=url_for(alerts[0].instance) if url_for else "",
            chat_id=fields.get("chat_id", ""),
            custom_fields=fields,
        )
        template = Template(source)
        text = template.render(data)
        if template.json_mode:
            try:
                jsonio.loads(text)
            except ValueError:
                raise TemplateError("template output is not valid JSON") from None
        for name, header_source in (chosen.header_templates if chosen else {}).items():
            value = _header_value(Template(header_source).render(data))
            if value:
                headers[name] = value
        body = text.encode()
    else:
        body = jsonio.dumps(
            {
                "alerts": [a.to_json() for a in alerts],
                "count": len(alerts),
                "timestamp": int(notification.sent_at.timestamp()),
                "source": "pulse-monitoring",
                "grouped": True,
                "status": "resolved" if notification.resolved else "firing",
            }
        )
    return WebhookRequest(str(webhook.get("method") or "POST"), str(webhook["url"]), headers, body)


class SafeResolver(AbstractResolver):
    """Resolves like aiohttp's default but refuses link-local (metadata service) addresses."""

    def __init__(self) -> None:
        self._inner = aiohttp.ThreadedResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = [r for r in await self._inner.resolve(host, port, family)
                   if not blocked_address(r["host"])]  # fmt: skip
        if not results:
            raise OSError(f"{host} resolves only to link-local addresses, which are not allowed")
        return results

    async def close(self) -> None:
        await self._inner.close()


def new_session() -> aiohttp.ClientSession:
    """The notifier's HTTP session (no cookies kept, guarded resolver)."""
    connector = aiohttp.TCPConnector(resolver=SafeResolver(), limit=20)
    return aiohttp.ClientSession(connector=connector, cookie_jar=aiohttp.DummyCookieJar())


@dataclass(frozen=True, slots=True)
class WebhookResponse:
    status: int
    text: str  # truncated
    retry_after: float | None


class BlockedTarget(OSError):
    """The URL names a link-local (metadata service) address; nothing is sent."""


async def post(
    session: aiohttp.ClientSession, request: WebhookRequest, *, seconds: float
) -> WebhookResponse:
    """Send once (no redirects followed). Transport problems raise aiohttp/OS errors.

    aiohttp does not ask the resolver about an IP literal, so SafeResolver cannot see
    `http://169.254.169.254/`; a URL that reached the store without the API's validation
    (a config import) is checked here.
    """
    if blocked_address(urllib.parse.urlsplit(request.url).hostname or ""):
        raise BlockedTarget("webhook URL points to a link-local address, which is not allowed")
    async with session.request(
        request.method,
        request.url,
        data=request.body,
        headers=request.headers,
        timeout=aiohttp.ClientTimeout(total=seconds),
        allow_redirects=False,
    ) as response:
        raw = await response.content.read(MAX_RESPONSE_CHARS * 4)
        retry_after = response.headers.get("Retry-After", "").strip()
        return WebhookResponse(
            response.status,
            raw.decode("utf-8", "replace")[:MAX_RESPONSE_CHARS],
            # isascii: isdigit() alone passes '²', which float() rejects
            float(retry_after) if retry_after.isascii() and retry_after.isdigit() else None,
        )


async def deliver(
    session: aiohttp.ClientSession,
    webhook: Mapping[str, Any],
    notification: Notification,
    *,
    url_for: UrlFor | None = None,
    seconds: float = 30.0,
) -> None:
    """Send one notification; DeliveryError says whether a retry may help."""
    try:
        request = build_request(webhook, notification, url_for)
    except TemplateError as exc:
        raise DeliveryError(f"template error: {exc}", retryable=False) from None
    try:
        response = await post(session, request, seconds=seconds)
    except TimeoutError:
        raise DeliveryError("timed out", retryable=True) from None
    except BlockedTarget as exc:
        raise DeliveryError(str(exc), retryable=False) from None
    except (aiohttp.ClientError, OSError) as exc:
        # Some aiohttp errors quote the URL, and webhook URLs carry tokens.
        reason = str(exc).replace(request.url, mask_url(request.url))
        raise DeliveryError(f"{type(exc).__name__}: {reason}", retryable=True) from None
    status = response.status
    if 200 <= status < 300:
        return
    raise DeliveryError(
        f"HTTP {status}",
        retryable=status == 429 or status >= 500,
        retry_after=response.retry_after,
    )
