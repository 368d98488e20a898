"""Validation and normalisation of node requests (add, update, test, auto-register, import).

Turns the JSON the dashboard or a script sends (`config-and-security.md` §5.1) into an
`InstanceConfig`, with a clear `BadRequest` for anything wrong and nothing half-applied.
Hosts are parsed as URLs (IPv6 literals, `http://`, explicit ports) instead of the original's
substring tests; toggles default to the dashboard's defaults on create and stay unchanged on
update; a node keeps exactly one kind of credential (token or password).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from yarl import URL

from pulse.config.nodes import InstanceConfig, InstanceKind, NameTaken
from pulse.errors import BadRequest

DEFAULT_PORTS = {InstanceKind.PVE: 8006, InstanceKind.PBS: 8007}
MAX_NAME = 100
# Every string field: far above any real host, user, token or password, far below the 8 KiB
# header line a server accepts (a token goes out in the Authorization header).
MAX_FIELD_CHARS = 1024
_HOSTNAME = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_.-]{0,252})$")
_USER = re.compile(r"^[^\s@!:]+@[A-Za-z0-9._-]+$")
_TOKEN_PART = re.compile(r"^[A-Za-z][A-Za-z0-9._-]*$")
_FINGERPRINT_SEPARATORS = re.compile(r"[\s:]")

PVE_TOGGLES = ("monitorVMs", "monitorContainers", "monitorStorage", "monitorBackups")
PBS_TOGGLES = (
    "monitorDatastores",
    "monitorSyncJobs",
    "monitorVerifyJobs",
    "monitorPruneJobs",
    "monitorGarbageJobs",
)
_TOGGLE_FIELDS = {
    "monitorVMs": "monitor_vms",
    "monitorContainers": "monitor_containers",
    "monitorStorage": "monitor_storage",
    "monitorBackups": "monitor_backups",
    "monitorDatastores": "monitor_datastores",
    "monitorSyncJobs": "monitor_sync_jobs",
    "monitorVerifyJobs": "monitor_verify_jobs",
    "monitorPruneJobs": "monitor_prune_jobs",
    "monitorGarbageJobs": "monitor_garbage_jobs",
}
_STRINGS = ("type", "name", "host", "user", "password", "tokenName", "tokenValue", "fingerprint")


@dataclass(frozen=True, slots=True)
class NodeRequest:
    """A parsed request body: None means "not sent" (matters for updates)."""

    kind: InstanceKind | None
    name: str | None
    host: str | None
    user: str | None
    password: str | None
    token_name: str | None
    token_value: str | None
    fingerprint: str | None
    verify_ssl: bool | None
    toggles: Mapping[str, bool]  # JSON toggle name -> value, only those sent


def parse_request(body: Mapping[str, Any]) -> NodeRequest:
    """Type-check a request body (400 naming the field); values are stripped strings."""
    strings: dict[str, str | None] = {}
    for name in _STRINGS:
        value = body.get(name)
        if value is not None and not isinstance(value, str):
            raise BadRequest(f"{name} must be a string")
        if value is not None and len(value) > MAX_FIELD_CHARS:
            raise BadRequest(f"{name} must be at most {MAX_FIELD_CHARS} characters")
        # Secrets are taken as typed (a password may end in a space); the rest is trimmed.
        strings[name] = (
            value if name in ("password", "tokenValue") or value is None else value.strip()
        )
    toggles: dict[str, bool] = {}
    for name in (*PVE_TOGGLES, *PBS_TOGGLES, "verifySSL"):
        value = body.get(name)
        if value is not None and not isinstance(value, bool):
            raise BadRequest(f"{name} must be true or false")
        if value is not None and name != "verifySSL":
            toggles[name] = value
    kind = None
    if strings["type"]:
        try:
            kind = InstanceKind(strings["type"].lower())
        except ValueError:
            raise BadRequest("Invalid node type: must be pve or pbs") from None
    verify = body.get("verifySSL")
    return NodeRequest(
        kind=kind,
        name=strings["name"],
        host=strings["host"],
        user=strings["user"],
        password=strings["password"],
        token_name=strings["tokenName"],
        token_value=strings["tokenValue"],
        fingerprint=strings["fingerprint"],
        verify_ssl=verify if isinstance(verify, bool) else None,
        toggles=toggles,
    )


def normalise_host(kind: InstanceKind, raw: str) -> str:
    """`pve.lan` -> `https://pve.lan:8006`; keeps explicit ports, brackets IPv6, drops `/#...`."""
    text = raw.strip()
    if not text:
        raise BadRequest("Host is required")
    if "://" not in text:
        try:  # a bare IPv6 literal cannot be prefixed as is
            if ipaddress.ip_address(text.strip("[]")).version == 6:
                text = f"[{text.strip('[]')}]"
        except ValueError:
            pass
        text = f"https://{text}"
    try:
        url = URL(text)
    except ValueError:
        raise BadRequest(f"host {raw!r} is not a valid URL") from None
    if url.scheme not in ("http", "https"):
        raise BadRequest(f"host {raw!r} must start with https:// or http://")
    if not url.host:
        raise BadRequest(f"host {raw!r} has no host name")
    if url.user or url.password:
        raise BadRequest("host must not contain credentials; use the user/password fields")
    if url.query_string:
        raise BadRequest(f"host {raw!r} must not contain a query string")
    path = url.path.rstrip("/")
    if path.endswith("/api2/json"):  # pasted from API docs: the client adds it itself
        path = path[: -len("/api2/json")]
    if path:
        raise BadRequest(f"host {raw!r} must be a base URL like https://pve.lan:8006")
    host = url.host
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        if not _HOSTNAME.match(host):
            raise BadRequest(f"host {raw!r} has an invalid host name") from None
        shown = host.lower()
    else:
        shown = f"[{literal}]" if literal.version == 6 else str(literal)
    port = url.explicit_port
    if port is None and url.scheme == "https":
        port = DEFAULT_PORTS[kind]
    # Plain http without a port stays as given (a reverse proxy on 80), as the original does.
    return f"{url.scheme}://{shown}" + (f":{port}" if port is not None else "")


def host_label(host: str) -> str:
    """The host name or address of a base URL, without scheme and port (derived names)."""
    try:
        return URL(host).host or host
    except ValueError:
        return host


def normalise_fingerprint(raw: str) -> str:
    """SHA-256 certificate fingerprint as lower-case hex without separators ("" = none)."""
    text = _FINGERPRINT_SEPARATORS.sub("", raw).lower()
    if not text:
        return ""
    if not re.fullmatch(r"[0-9a-f]+", text):
        raise BadRequest("fingerprint must be hexadecimal (e.g. AA:BB:...)")
    if len(text) == 40:
        raise BadRequest("fingerprint looks like SHA-1; only SHA-256 fingerprints are supported")
    if len(text) != 64:
        raise BadRequest("fingerprint must be a SHA-256 fingerprint (64 hex digits)")
    return text


def check_name(name: str, others: Iterable[InstanceConfig], own_id: str | None = None) -> str:
    """Validate a display name and enforce uniqueness across PVE and PBS (case-insensitive)."""
    if len(name) > MAX_NAME:
        raise BadRequest(f"name must be at most {MAX_NAME} characters")
    if any(not ch.isprintable() for ch in name):
        raise BadRequest("name must not contain control characters")
    folded = name.casefold()
    for other in others:
        if other.id != own_id and other.name.casefold() == folded:
            raise NameTaken(name)
    return name


def unique_name(base: str, others: Iterable[InstanceConfig], own_id: str | None = None) -> str:
    """`base`, or `base-2`, `base-3`... whichever is free (auto-register, import)."""
    taken = {o.name.casefold() for o in others if o.id != own_id}
    base = base[:MAX_NAME] or "node"
    candidate, number = base, 1
    while candidate.casefold() in taken:
        number += 1
        candidate = f"{base[: MAX_NAME - 6]}-{number}"
    return candidate


def _pve_user(user: str) -> str:
    if not _USER.match(user):
        raise BadRequest("user must look like user@realm (e.g. root@pam)")
    return user


def _pbs_user(user: str) -> str:
    user = user if "@" in user else f"{user}@pbs"
    if not _USER.match(user):
        raise BadRequest("user must look like user@realm (e.g. admin@pbs)")
    return user


def _token_id(kind: InstanceKind, token_name: str, user: str) -> str:
    """The full token id `user@realm!name` (PBS also accepts a bare name plus `user`)."""
    owner, bang, name = token_name.rpartition("!")
    if not bang:
        if kind is InstanceKind.PVE or not user:
            raise BadRequest("tokenName must be the full token id, e.g. pulse-monitor@pam!pulse")
        owner, name = user, token_name
    owner = _pve_user(owner) if kind is InstanceKind.PVE else _pbs_user(owner)
    if not _TOKEN_PART.match(name):
        raise BadRequest("token name after '!' must start with a letter (letters, digits, ._-)")
    return f"{owner}!{name}"


def _credentials(
    kind: InstanceKind, req: NodeRequest, old: InstanceConfig | None
) -> dict[str, str]:
    """user/password/token fields after applying `req` to `old` (None = create or test)."""
    new_token = bool(req.token_name) or bool(req.token_value)
    new_password = bool(req.password)
    if new_token or (old is not None and old.uses_token and not new_password):
        token_name = req.token_name or (old.token_name if old else "")
        token_value = req.token_value or (old.token_value if old and old.uses_token else "")
        if not token_name or not token_value:
            raise BadRequest("Authentication credentials required: tokenName and tokenValue")
        user = req.user or ""
        token_id = _token_id(kind, token_name, user)
        return {"user": "", "password": "", "token_name": token_id, "token_value": token_value}
    user = req.user if req.user else (old.user if old else "")
    password = req.password or (old.password if old and not old.uses_token else "")
    if not user or not password:
        raise BadRequest(
            "Authentication credentials required: user and password, or tokenName and tokenValue"
        )
    user = _pve_user(user) if kind is InstanceKind.PVE else _pbs_user(user)
    return {"user": user, "password": password, "token_name": "", "token_value": ""}


def _toggles(kind: InstanceKind, req: NodeRequest, old: InstanceConfig | None) -> dict[str, bool]:
    names = PVE_TOGGLES if kind is InstanceKind.PVE else (*PBS_TOGGLES, "monitorBackups")
    defaults = InstanceConfig(id="", kind=kind, name="", host="")  # UI defaults live in the model
    base = old if old is not None and old.kind is kind else defaults
    out = {_TOGGLE_FIELDS[n]: req.toggles.get(n, getattr(base, _TOGGLE_FIELDS[n])) for n in names}
    if kind is InstanceKind.PBS:
        out["monitor_backups"] = True  # PBS backups are the point of adding a PBS
    return out


def build_instance(
    req: NodeRequest,
    *,
    instance_id: str,
    others: Iterable[InstanceConfig],
    old: InstanceConfig | None = None,
    fallback_name: str = "",
) -> InstanceConfig:
    """A complete, validated instance from a request (create when `old` is None, else update).

    The type of an existing node cannot change (its id and state are tied to it).
    """
    others = tuple(others)
    kind = req.kind or (old.kind if old else None)
    if kind is None:
        raise BadRequest("Invalid node type: must be pve or pbs")
    if old is not None and kind is not old.kind:
        raise BadRequest("the type of an existing node cannot be changed; add a new node instead")
    if req.host is None and old is None:
        raise BadRequest("Host is required")
    host = normalise_host(kind, req.host) if req.host is not None else old.host  # type: ignore[union-attr]
    if req.name:
        name = req.name
    elif old is not None and req.name is None:
        name = old.name
    else:
        name = unique_name(fallback_name or host_label(host), others, instance_id)
    name = check_name(name, others, instance_id)
    fingerprint = (
        normalise_fingerprint(req.fingerprint)
        if req.fingerprint is not None
        else (old.fingerprint if old else "")
    )
    verify_ssl = req.verify_ssl if req.verify_ssl is not None else (old.verify_ssl if old else True)
    changes: dict[str, Any] = {
        "kind": kind,
        "name": name,
        "host": host,
        "fingerprint": fingerprint,
        "verify_ssl": verify_ssl,
        **_credentials(kind, req, old),
        **_toggles(kind, req, old),
    }
    if old is not None:
        if host != old.host:  # another entry point: the cluster facts must be learnt again
            changes.update(is_cluster=False, cluster_name="", cluster_endpoints=())
        return old.replace(**changes)
    return InstanceConfig(id=instance_id, **changes)


def node_json(instance: InstanceConfig, status: str) -> dict[str, Any]:
    """The API view of a node (§5.3): no secrets, every toggle always present."""
    out: dict[str, Any] = {
        "id": instance.id,
        "type": instance.kind.value,
        "name": instance.name,
        "host": instance.host,
        "user": instance.user,
        "hasPassword": bool(instance.password),
        "tokenName": instance.token_name,
        "hasToken": bool(instance.token_value),
        "fingerprint": instance.fingerprint,
        "verifySSL": instance.verify_ssl,
    }
    names = PVE_TOGGLES if instance.kind is InstanceKind.PVE else PBS_TOGGLES
    for name in names:
        out[name] = getattr(instance, _TOGGLE_FIELDS[name])
    out["status"] = status
    if instance.kind is InstanceKind.PVE:
        out["isCluster"] = instance.is_cluster
        out["clusterName"] = instance.cluster_name
        out["clusterEndpoints"] = [e.to_json() for e in instance.cluster_endpoints]
    return out
