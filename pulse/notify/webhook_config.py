"""Webhook settings (store section `webhooks`): validation, partial updates, masked views."""

from __future__ import annotations

import ipaddress
import re
import time
import urllib.parse
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from pulse import jsonio
from pulse.errors import BadRequest
from pulse.notify.gotemplate import Template, TemplateError
from pulse.notify.sample_alerts import TEMPLATE_CHECK_ALERT
from pulse.notify.services import BY_NAME
from pulse.notify.template_data import template_data

SECTION = "webhooks"
MASK = "***"
METHODS = ("POST", "PUT", "PATCH")
MAX_WEBHOOKS = 50
MAX_HEADERS = 20
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$")
_BLOCKED_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data"})


def blocked_address(address: str) -> bool:
    """Link-local (cloud metadata services live there): never a webhook target."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_link_local or ip.is_multicast or ip.is_unspecified


def validate_url(url: str) -> str:
    """An http(s) URL with a host; 400 otherwise (file:, javascript:, link-local, ...)."""
    url = url.strip()
    if not url:
        raise BadRequest("url is required")
    if len(url) > 2048 or any(ord(c) < 0x21 or c == "\x7f" for c in url):
        raise BadRequest("url must be a single http:// or https:// URL without spaces")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise BadRequest("url must start with http:// or https://")
    try:
        host = parts.hostname or ""
        _ = parts.port
    except ValueError:
        raise BadRequest("url has an invalid host or port") from None
    if not host:
        raise BadRequest("url has no host")
    if host.lower() in _BLOCKED_HOSTS or blocked_address(host):
        raise BadRequest("url points to a link-local or metadata address, which is not allowed")
    return url


def mask_url(url: str) -> str:
    """Scheme and host only: tokens in paths and query strings stay secret."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        port = ""
    return f"{parts.scheme}://{host}{port}/{MASK}" if host else MASK


def public_view(webhook: Mapping[str, Any]) -> dict[str, Any]:
    """What the API shows: URL and header values masked, with `hasUrl`."""
    url = str(webhook.get("url", ""))
    headers = webhook.get("headers") or {}
    return {
        "id": webhook.get("id", ""),
        "name": webhook.get("name", ""),
        "url": mask_url(url) if url else "",
        "hasUrl": bool(url),
        "method": webhook.get("method", "POST"),
        "headers": dict.fromkeys(headers, MASK),
        "enabled": bool(webhook.get("enabled", False)),
        "service": webhook.get("service", "generic"),
        "template": webhook.get("template", ""),
        "notifyOnResolve": bool(webhook.get("notifyOnResolve", False)),
    }


def new_id() -> str:
    return f"webhook-{time.time_ns()}"


def _text(body: Mapping[str, Any], name: str, limit: int) -> str | None:
    if name not in body or body[name] is None:
        return None
    value = body[name]
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a string")
    if len(value) > limit:
        raise BadRequest(f"{name} is longer than {limit} characters")
    return value


def _bool(body: Mapping[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise BadRequest(f"{name} must be true or false")
    return value


def _headers(value: Any, old: Mapping[str, str]) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise BadRequest("headers must be an object of header names to values")
    if len(value) > MAX_HEADERS:
        raise BadRequest(f"at most {MAX_HEADERS} headers")
    out: dict[str, str] = {}
    for name, header in value.items():
        if not isinstance(name, str) or not _HEADER_NAME.match(name):
            raise BadRequest(f"invalid header name {str(name)[:64]!r}")
        if not isinstance(header, str) or len(header) > 4096:
            raise BadRequest(f"header {name} must be a string of at most 4096 characters")
        if any(c in header for c in "\r\n\x00"):
            raise BadRequest(f"header {name} must not contain line breaks")
        if header == MASK:  # the masked value sent back: keep what is stored
            if name not in old:
                raise BadRequest(f"header {name} is masked but has no stored value")
            header = old[name]
        out[name] = header
    return out


def merge(body: Mapping[str, Any], old: Mapping[str, Any] | None) -> dict[str, Any]:
    """Validate `body` over `old` (None: create). Omitted or masked secrets keep their values."""
    old = old or {}
    merged: dict[str, Any] = {
        "id": old.get("id", ""),
        "name": old.get("name", ""),
        "url": old.get("url", ""),
        "method": old.get("method", "POST"),
        "headers": dict(old.get("headers") or {}),
        "enabled": old.get("enabled", True),
        "service": old.get("service", "generic"),
        "template": old.get("template", ""),
        "notifyOnResolve": old.get("notifyOnResolve", False),
    }
    name = _text(body, "name", 100)
    if name is not None:
        merged["name"] = name.strip()
    url = _text(body, "url", 2048)
    if url is not None and url.strip() and not (merged["url"] and url == mask_url(merged["url"])):
        if MASK in url:
            raise BadRequest("url is masked; send the full URL, or leave it out to keep it")
        merged["url"] = validate_url(url)
    method = _text(body, "method", 10)
    if method:
        if method.upper() not in METHODS:
            raise BadRequest(f"method must be one of {', '.join(METHODS)}")
        merged["method"] = method.upper()
    if body.get("headers") is not None:
        merged["headers"] = _headers(body["headers"], merged["headers"])
    service = _text(body, "service", 40)
    if service is not None:
        service = service.strip().lower() or "generic"
        if service not in BY_NAME:
            raise BadRequest(f"unknown service {service!r}; use one of {', '.join(BY_NAME)}")
        merged["service"] = service
    template = _text(body, "template", 32 * 1024)
    if template is not None:
        merged["template"] = template
        if template.strip():
            check_template(template)
    for flag in ("enabled", "notifyOnResolve"):
        value = _bool(body, flag)
        if value is not None:
            merged[flag] = value
    if not merged["url"]:
        raise BadRequest("url is required")
    if not merged["name"]:
        merged["name"] = BY_NAME[merged["service"]].name
    return merged


def check_template(source: str) -> Template:
    """Parse and trial-render a custom template; 400 naming the problem."""
    try:
        template = Template(source)
        now = TEMPLATE_CHECK_ALERT.start_time + timedelta(minutes=5)
        for resolved in (False, True):
            output = template.render(
                template_data([TEMPLATE_CHECK_ALERT], now=now, resolved=resolved)
            )
            if template.json_mode:
                jsonio.loads(output)
    except TemplateError as exc:
        raise BadRequest(f"template error: {exc}") from None
    except ValueError:
        raise BadRequest("template does not produce valid JSON") from None
    return template
