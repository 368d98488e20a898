"""Upstream Pulse 4.x shapes <-> our store sections: Go-style node records, email, webhooks,
alerts and system settings, as found in its export files and data directory.

Used by export/import (`pulse/store/export.py`) and by the data-dir migration
(`pulse/config/migrate.py`). Reading is lenient where upstream itself was (Go matches JSON keys
case-insensitively, absent fields are zero values) and strict where a bad value would break
polling (hosts, credentials): those raise BadRequest naming the record.
"""

from __future__ import annotations

import logging
import re
import secrets
import time
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from pulse.config.live import LIVE_FIELDS
from pulse.config.node_input import NodeRequest, build_instance
from pulse.config.nodes import ClusterEndpoint, InstanceConfig, InstanceKind
from pulse.config.settings import SETTING_SPECS
from pulse.errors import BadRequest

log = logging.getLogger(__name__)

_PVE_BOOLS = ("MonitorVMs", "MonitorContainers", "MonitorStorage", "MonitorBackups")
_PBS_BOOLS = (
    "MonitorBackups",
    "MonitorDatastores",
    "MonitorSyncJobs",
    "MonitorVerifyJobs",
    "MonitorPruneJobs",
    "MonitorGarbageJobs",
)
# Upstream's PBS host bug appended :8007 after an explicit port (https://pbs:8443:8007).
_DOUBLE_PORT = re.compile(r"^(https?://.+:\d+):8007$")
_SPECS = {spec.name: spec for spec in SETTING_SPECS}


def rfc3339(unix: float) -> str:
    if unix <= 0:
        return "0001-01-01T00:00:00Z"
    return datetime.fromtimestamp(unix, UTC).isoformat().replace("+00:00", "Z")


def _unix(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str) and value and not value.startswith("0001-"):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return 0.0
    return 0.0


def endpoint_json(endpoint: ClusterEndpoint) -> dict[str, Any]:
    """A cluster endpoint the way upstream's API and files show it (LastSeen as RFC 3339)."""
    return {**endpoint.to_json(), "LastSeen": rfc3339(endpoint.last_seen)}


class _Fold:
    """Case-insensitive view of a JSON object, like Go's encoding/json matching."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = {str(k).casefold(): v for k, v in data.items()}

    def get(self, key: str, default: Any = None) -> Any:
        value = self._data.get(key.casefold(), default)
        return default if value is None else value

    def text(self, key: str) -> str:
        value = self.get(key, "")
        return value if isinstance(value, str) else str(value)


# -- nodes ----------------------------------------------------------------------------------------


def go_node_record(instance: InstanceConfig) -> dict[str, Any]:
    """The upstream `nodes.enc` record of an instance (secrets included; export only).

    `ID` is our own addition (upstream ignores unknown keys) so ids survive a round trip.
    """
    record: dict[str, Any] = {
        "Name": instance.name,
        "Host": instance.host,
        "User": instance.user,
        "Password": instance.password,
        "TokenName": instance.token_name,
        "TokenValue": instance.token_value,
        "Fingerprint": instance.fingerprint,
        "VerifySSL": instance.verify_ssl,
    }
    if instance.kind is InstanceKind.PVE:
        record.update(
            MonitorVMs=instance.monitor_vms,
            MonitorContainers=instance.monitor_containers,
            MonitorStorage=instance.monitor_storage,
            MonitorBackups=instance.monitor_backups,
            IsCluster=instance.is_cluster,
            ClusterName=instance.cluster_name,
            ClusterEndpoints=[endpoint_json(e) for e in instance.cluster_endpoints] or None,
        )
    else:
        record.update(
            MonitorBackups=True,
            MonitorDatastores=instance.monitor_datastores,
            MonitorSyncJobs=instance.monitor_sync_jobs,
            MonitorVerifyJobs=instance.monitor_verify_jobs,
            MonitorPruneJobs=instance.monitor_prune_jobs,
            MonitorGarbageJobs=instance.monitor_garbage_jobs,
        )
    record["ID"] = instance.id
    return record


def go_nodes(instances: Iterable[InstanceConfig]) -> dict[str, list[dict[str, Any]]]:
    instances = tuple(instances)
    return {
        "pveInstances": [go_node_record(i) for i in instances if i.kind is InstanceKind.PVE],
        "pbsInstances": [go_node_record(i) for i in instances if i.kind is InstanceKind.PBS],
    }


def _endpoints(raw: Any) -> tuple[ClusterEndpoint, ...]:
    if not isinstance(raw, list):
        return ()
    out = []
    for item in raw:
        if isinstance(item, Mapping):
            f = _Fold(item)
            out.append(
                ClusterEndpoint(
                    node_id=f.text("NodeID"),
                    node_name=f.text("NodeName"),
                    host=f.text("Host"),
                    ip=f.text("IP"),
                    online=bool(f.get("Online", False)),
                    last_seen=_unix(f.get("LastSeen")),
                )
            )
    return tuple(out)


def _instance_from_record(
    kind: InstanceKind, record: Any, where: str, taken: list[InstanceConfig]
) -> InstanceConfig:
    if not isinstance(record, Mapping):
        raise BadRequest(f"{where}: expected an object")
    f = _Fold(record)
    host = f.text("Host").strip()
    if kind is InstanceKind.PBS and (bug := _DOUBLE_PORT.match(host)):
        host = bug.group(1)
    bools = _PVE_BOOLS if kind is InstanceKind.PVE else _PBS_BOOLS
    toggles = {name[0].lower() + name[1:]: bool(f.get(name, False)) for name in bools}
    token_name, token_value = f.text("TokenName"), f.text("TokenValue")
    use_token = bool(token_name and token_value)  # upstream: the token wins when both exist
    request = NodeRequest(
        kind=kind,
        name=None,
        host=host,
        user="" if use_token else f.text("User"),
        password="" if use_token else f.text("Password"),
        token_name=token_name if use_token else "",
        token_value=token_value if use_token else "",
        fingerprint=f.text("Fingerprint"),
        verify_ssl=bool(f.get("VerifySSL", False)),
        toggles=toggles,
    )
    wanted_id = f.text("ID")
    used = {i.id for i in taken}
    if not re.fullmatch(rf"{kind.value}-\d+", wanted_id) or wanted_id in used:
        number = 0
        while f"{kind.value}-{number}" in used:
            number += 1
        wanted_id = f"{kind.value}-{number}"
    name = f.text("Name").strip()
    try:
        instance = build_instance(request, instance_id=wanted_id, others=taken, fallback_name=name)
    except BadRequest as exc:
        raise BadRequest(f"{where} ({name or host or 'unnamed'}): {exc.message}") from None
    if name and instance.name != name:
        log.warning("imported node %r renamed to %r: names must be unique", name, instance.name)
    if kind is InstanceKind.PVE:
        instance = instance.replace(
            is_cluster=bool(f.get("IsCluster", False)),
            cluster_name=f.text("ClusterName"),
            cluster_endpoints=_endpoints(f.get("ClusterEndpoints")),
        )
    return instance


def instances_from_go(nodes: Any) -> list[InstanceConfig]:
    """Validated instances from upstream's `{"pveInstances": [...], "pbsInstances": [...]}`."""
    if not isinstance(nodes, Mapping):
        raise BadRequest("nodes: expected an object with pveInstances and pbsInstances")
    f = _Fold(nodes)
    out: list[InstanceConfig] = []
    for kind, key in ((InstanceKind.PVE, "pveInstances"), (InstanceKind.PBS, "pbsInstances")):
        records = f.get(key, [])
        if not isinstance(records, list):
            raise BadRequest(f"nodes.{key}: expected a list")
        for n, record in enumerate(records):
            out.append(_instance_from_record(kind, record, f"nodes.{key}[{n}]", out))
    return out


# -- notifications, alerts, system ----------------------------------------------------------------

EMAIL_DEFAULTS: dict[str, Any] = {
    "enabled": False,
    "provider": "",
    "server": "",
    "port": 587,
    "username": "",
    "password": "",
    "from": "",
    "to": [],
    "tls": True,
    "startTLS": False,
}
_EMAIL_TYPES: dict[str, type] = {
    "enabled": bool, "provider": str, "server": str, "port": int, "username": str,
    "password": str, "from": str, "to": list, "tls": bool, "startTLS": bool,
}  # fmt: skip


def email_section(raw: Any) -> dict[str, Any]:
    """Upstream email settings (alerts-and-notifications.md §5.1) as the `email` section."""
    if not isinstance(raw, Mapping):
        raise BadRequest("email: expected an object")
    f = _Fold(raw)
    out = dict(EMAIL_DEFAULTS)
    for key, kind in _EMAIL_TYPES.items():
        value = f.get(key)
        if value is None:
            continue
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            raise BadRequest(f"email.{key}: expected a number")
        if not isinstance(value, kind):
            raise BadRequest(f"email.{key}: expected {kind.__name__}")
        out[key] = value
    if not all(isinstance(item, str) for item in out["to"]):
        raise BadRequest("email.to: expected a list of addresses")
    return out


def webhooks_section(raw: Any) -> list[dict[str, Any]]:
    """Upstream webhooks (§6.1) as the `webhooks` section; ids kept or made, unknown keys kept."""
    if not isinstance(raw, list):
        raise BadRequest("webhooks: expected a list")
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n, item in enumerate(raw):
        if not isinstance(item, Mapping):
            raise BadRequest(f"webhooks[{n}]: expected an object")
        hook = dict(item)
        for key in ("id", "name", "url", "method", "service", "template"):
            if hook.get(key) is not None and not isinstance(hook[key], str):
                raise BadRequest(f"webhooks[{n}].{key}: expected a string")
        if not hook.get("url"):
            raise BadRequest(f"webhooks[{n}]: url is required")
        headers = hook.get("headers") or {}
        if not isinstance(headers, Mapping) or not all(
            isinstance(v, str) for v in headers.values()
        ):
            raise BadRequest(f"webhooks[{n}].headers: expected an object of strings")
        hook["headers"] = dict(headers)
        hook["method"] = hook.get("method") or "POST"
        hook["service"] = hook.get("service") or "generic"
        hook["enabled"] = bool(hook.get("enabled", False))
        hook_id = hook.get("id") or f"webhook-{time.time_ns()}-{secrets.token_hex(2)}"
        if hook_id in seen:
            hook_id = f"{hook_id}-{n}"
        seen.add(hook_id)
        hook["id"] = hook_id
        out.append(hook)
    return out


def alerts_section(raw: Any) -> dict[str, Any]:
    """Upstream alert configuration (§2.2) as the `alerts` section (the alert engine
    normalises thresholds itself on load; here only the container shapes are checked)."""
    if not isinstance(raw, Mapping):
        raise BadRequest("alerts: expected an object")
    out = {k: v for k, v in raw.items() if v is not None}
    for key in ("guestDefaults", "nodeDefaults", "storageDefault", "overrides", "schedule"):
        if key in out and not isinstance(out[key], Mapping):
            raise BadRequest(f"alerts.{key}: expected an object")
    if "customRules" in out and not isinstance(out["customRules"], list):
        raise BadRequest("alerts.customRules: expected a list")
    return out


def system_section(raw: Any, *, strict: bool) -> dict[str, Any]:
    """Upstream `system.json` as the `system` section: only the live settings we know.

    Ports, API token and unknown keys are not imported (ports come from the deployment,
    the API token belongs to the security settings). Invalid values raise when `strict`,
    else they are skipped with a warning.
    """
    if not isinstance(raw, Mapping):
        raise BadRequest("system: expected an object")
    f = _Fold(raw)
    out: dict[str, Any] = {}
    for json_name, name in LIVE_FIELDS.items():
        value = f.get(json_name)
        if value is None or value == "" or (value == 0 and not isinstance(value, bool)):
            continue  # upstream's zero values mean "not set"
        try:
            parsed = _SPECS[name].parse(value)
        except ValueError as exc:
            if strict:
                raise BadRequest(f"system.{json_name}: {exc}") from None
            log.warning("not importing system.%s: %s", json_name, exc)
            continue
        out[json_name] = list(parsed) if isinstance(parsed, tuple) else parsed
    return out


def api_token(raw: Mapping[str, Any]) -> str:
    """The `apiToken` of an upstream system.json/export ("" when absent or unusable)."""
    value = _Fold(raw).get("apiToken")
    if not isinstance(value, str) or not value.strip():
        return ""
    token = value.strip()
    if len(token) > 512 or not token.isprintable() or any(c.isspace() for c in token):
        log.warning("not importing system.apiToken: not a usable token")
        return ""
    return token
