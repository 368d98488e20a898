"""Handlers for node onboarding: setup scripts, auto-register, registration tokens, discovery.

`/api/setup-script` with `?token=` and `/api/auto-register` pass the auth gate unauthenticated,
so these handlers check the one-time registration token (or the API token) themselves.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from yarl import URL

from pulse import jsonio, keys
from pulse.api.body import field, json_object, optional_json_object
from pulse.config.upstream import rfc3339
from pulse.errors import BadRequest, NotFound, Unauthorized
from pulse.registration import setup_script
from pulse.registration.auto_register import parse_registration, register
from pulse.registration.discovery import check_ports
from pulse.registration.tokens import NODE_TYPES, RegistrationToken, TokenError
from pulse.security.access import has_valid_api_token, is_authenticated
from pulse.security.audit import client_address

SCRIPT_TOKEN_VALIDITY = 30 * 60.0


def _truthy(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("1", "true", "yes"))


def _default_pulse_url(request: web.Request) -> str:
    https = request.get(keys.CLIENT_HTTPS, request.secure)
    return f"{'https' if https else 'http'}://{request.host}"


def _require_user(request: web.Request) -> None:
    """A logged-in user or the API token; an instance without any credentials is open."""
    if request.app[keys.CREDENTIALS].configured and not is_authenticated(request):
        raise Unauthorized("Authentication required")


def _script_token(request: web.Request, presented: str) -> str:
    """The registration token to put into a script: the presented live one, or a new one."""
    tokens = request.app[keys.REGISTRATION_TOKENS]
    if presented and not has_valid_api_token(request):
        try:
            tokens.check(presented)
        except TokenError as exc:
            raise Unauthorized(f"Token expired or invalid: {exc}") from None
        return presented
    if not presented:
        _require_user(request)
    token, _ = tokens.issue(
        validity=SCRIPT_TOKEN_VALIDITY,
        description="setup script",
        created_by=client_address(request),
    )
    return token


async def setup_script_handler(request: web.Request) -> web.Response:
    """GET with query parameters (upstream) or POST with a JSON body (the seed)."""
    params: dict[str, Any] = (
        dict(request.query) if request.method == "GET" else await optional_json_object(request)
    )
    pulse_url = params.get("pulse_url") or params.get("pulseUrl") or _default_pulse_url(request)
    if not isinstance(pulse_url, str):
        raise BadRequest("pulse_url must be a string")
    script_request = setup_script.build_request(
        params.get("type"),
        params.get("host"),
        pulse_url,
        _truthy(params.get("backup_perms", params.get("backupPerms"))),
    )
    token = params.get("token") or ""
    if not isinstance(token, str):
        raise BadRequest("token must be a string")
    reg_token = _script_token(request, token.strip())
    settings = request.app[keys.SETTINGS]
    pin = ""
    if script_request.pulse_url.startswith("https://"):
        pin = setup_script.pulse_pin(settings.tls_cert_file)
    text = setup_script.render(script_request, reg_token, pin=pin)
    return web.Response(
        text=text,
        content_type="text/plain",
        charset="utf-8",
        headers={
            "Content-Disposition": f"inline; filename=pulse-setup-{script_request.kind.value}.sh",
            "Cache-Control": "no-store",
        },
    )


async def setup_script_url(request: web.Request) -> web.Response:
    """A one-liner for the node's shell, carrying a short-lived registration token (never the
    API token, unlike upstream)."""
    _require_user(request)
    body = await json_object(request)
    pulse_url = body.get("pulseUrl") or _default_pulse_url(request)
    if not isinstance(pulse_url, str):
        raise BadRequest("pulseUrl must be a string")
    script_request = setup_script.build_request(
        body.get("type"), body.get("host"), pulse_url, _truthy(body.get("backupPerms"))
    )
    token, record = request.app[keys.REGISTRATION_TOKENS].issue(
        validity=SCRIPT_TOKEN_VALIDITY,
        description="setup script",
        created_by=client_address(request),
    )
    query = {
        "type": script_request.kind.value,
        "host": script_request.host,
        "pulse_url": script_request.pulse_url,
        "token": token,
    }
    if script_request.backup_perms:
        query["backup_perms"] = "true"
    base = URL(script_request.pulse_url)
    url = str(base.with_path(base.path.rstrip("/") + "/api/setup-script").with_query(query))
    return jsonio.json_response(
        {"url": url, "command": f"curl -fsSL '{url}' | bash", "expires": int(record.expires)}
    )


async def auto_register(request: web.Request) -> web.Response:
    app = request.app
    tokens = app[keys.REGISTRATION_TOKENS]
    presented = request.headers.get("X-Registration-Token", "").strip()
    if presented:
        try:
            tokens.check(presented)
        except TokenError as exc:
            app[keys.AUDIT].record("node.register", request, success=False, reason=str(exc))
            raise Unauthorized(f"Invalid registration token: {exc}") from None
    elif not has_valid_api_token(request):
        raise Unauthorized("Registration requires a valid registration token or API token")
    body = await json_object(request)
    if body.get("check") is True:  # the setup script's pre-flight: nothing is used or changed
        return jsonio.json_response({"status": "success", "message": "Registration token valid"})
    reg = parse_registration(body)
    record: RegistrationToken | None = None
    if presented:
        try:
            record = tokens.consume(presented, reg.kind.value)
        except TokenError as exc:
            raise Unauthorized(f"Invalid registration token: {exc}") from None
    try:
        instance, created = await register(app, reg)
    except BadRequest:
        if record is not None:
            tokens.refund(record)  # a fixable problem: the same script may be run again
        raise
    app[keys.AUDIT].record(
        "node.register", request, node=instance.name, type=instance.kind.value, created=created
    )
    app[keys.HUB].broadcast(
        "node_auto_registered",
        {"type": instance.kind.value, "host": instance.host, "name": instance.name,
         "tokenId": instance.token_name, "hasToken": True, "verifySSL": instance.verify_ssl,
         "id": instance.id, "status": "connected"},
    )  # fmt: skip
    return jsonio.json_response(
        {
            "status": "success",
            "message": f"Node {reg.host} auto-registered successfully",
            "nodeId": instance.id,
            "name": instance.name,
            "created": created,
        }
    )


# -- registration tokens (upstream 4.2.1 /api/tokens/*) -------------------------------------------


async def generate_token(request: web.Request) -> web.Response:
    body = await optional_json_object(request)
    minutes = field(body, "validityMinutes", int) or 15
    max_uses = field(body, "maxUses", int)
    types = field(body, "allowedTypes", list) or list(NODE_TYPES)
    if not all(t in NODE_TYPES for t in types):
        raise BadRequest("allowedTypes may only contain pve and pbs")
    description = field(body, "description", str) or ""
    token, record = request.app[keys.REGISTRATION_TOKENS].issue(
        validity=min(max(minutes, 1), 1440) * 60.0,
        max_uses=1 if max_uses is None or max_uses < 0 else max_uses,
        allowed_types=tuple(types),
        description=description[:200],
        created_by=client_address(request),
    )
    request.app[keys.AUDIT].record("registration_token.generate", request, id=record.digest[:16])
    out: dict[str, Any] = {
        **record.to_json(),
        "token": token,
        "expires": rfc3339(record.expires),
    }
    return jsonio.json_response(out)


async def list_tokens(request: web.Request) -> web.Response:
    records = request.app[keys.REGISTRATION_TOKENS].list()
    return jsonio.json_response([{**r.to_json(), "expires": rfc3339(r.expires)} for r in records])


async def revoke_token(request: web.Request) -> web.Response:
    token = request.query.get("token", "") or request.query.get("id", "")
    if not token:
        raise BadRequest("Token parameter required")
    if not request.app[keys.REGISTRATION_TOKENS].revoke(token):
        raise NotFound("Token not found")
    request.app[keys.AUDIT].record("registration_token.revoke", request)
    return jsonio.json_response({"success": True})


# -- discovery ------------------------------------------------------------------------------------


async def get_discovery(request: web.Request) -> web.Response:
    service = request.app[keys.DISCOVERY]
    if service.last is None:
        return jsonio.json_response(
            {
                "servers": [],
                "errors": [],
                "subnet": service.configured_subnet(),
                "cached": False,
                "scanning": service.scanning,
            }
        )
    return jsonio.json_response(
        {**service.last.to_json(service.clock()), "scanning": service.scanning}
    )


async def post_discovery(request: web.Request) -> web.Response:
    """Scan the given subnet (or the configured one) and answer the fresh result."""
    service = request.app[keys.DISCOVERY]
    body = await optional_json_object(request)
    if field(body, "use_cache", bool) and service.last is not None:
        return await get_discovery(request)
    subnet = field(body, "subnet", str) or ""
    if subnet.strip().lower() in ("", "auto"):
        subnet = service.configured_subnet()
    if not subnet:
        raise BadRequest(
            'no subnet to scan: send {"subnet": "192.168.1.0/24"} or set discoverySubnet'
        )
    ports = check_ports(body.get("ports"))
    result = await service.scan(subnet, ports, allow_public=bool(field(body, "allowPublic", bool)))
    answer = result.to_json(service.clock())
    request.app[keys.HUB].broadcast(
        "discovery_update",
        {"servers": answer["servers"], "errors": answer["errors"], "timestamp": answer["updated"]},
    )
    return jsonio.json_response({**answer, "scanning": False})
