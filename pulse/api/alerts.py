"""Alert routes: configuration, thresholds and overrides, active alerts, history, acknowledge.

Two families over the same engine: upstream's `/api/alerts/*` (what its dashboard calls) and
the seed's `/api/notifications/thresholds*` and `/api/notifications/alerts*`.
`GET /api/notifications/alerts` answers the history array, newest first (as
`/api/alerts/history`), with the same query parameters.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from pulse import keys
from pulse.alerts.config import THRESHOLD_KEYS, AlertConfig, merged
from pulse.alerts.history import HistoryQuery
from pulse.alerts.model import ALERT_LEVELS, AlertLevel, parse_rfc3339
from pulse.alerts.parsing import AlertConfigError
from pulse.alerts.service import AlertService
from pulse.api.body import field, json_object, optional_json_object
from pulse.errors import BadRequest, NotFound
from pulse.jsonio import json_response
from pulse.security.identity import AuthMethod, Identity

MAX_BULK = 1000
SUCCESS = {"status": "success"}


def _service(request: web.Request) -> AlertService:
    return request.app[keys.ALERTS]


def _user(request: web.Request) -> str:
    identity: Identity | None = request.get(keys.IDENTITY)
    if identity is None or not identity.user:
        return "admin" if identity is None or identity.method is AuthMethod.OPEN else "api"
    return identity.user


async def _save(request: web.Request, changes: dict[str, Any]) -> None:
    service = _service(request)
    try:
        config = merged(service.config, changes, now=service.clock())
    except AlertConfigError as exc:
        raise BadRequest(str(exc)) from None
    await service.update_config(config)
    request.app[keys.AUDIT].record("alerts.config", request, keys=",".join(sorted(changes)))


# -- configuration ----------------------------------------------------------------------------


async def get_config(request: web.Request) -> web.Response:
    return json_response(_service(request).config.to_json())


async def put_config(request: web.Request) -> web.Response:
    """Replace the configuration. Keys the body leaves out keep their current value, so a
    client that does not know Pulse's additions (backupAge, connectivity...) cannot wipe them;
    unknown keys (the dashboard sends a few) are ignored."""
    body = await json_object(request)
    known = set(AlertConfig().to_json()) | {"customRules"}
    await _save(request, {k: v for k, v in body.items() if k in known})
    return json_response(SUCCESS)


async def get_thresholds(request: web.Request) -> web.Response:
    return json_response(_service(request).config.thresholds_json())


async def post_thresholds(request: web.Request) -> web.Response:
    """Merge any subset of the threshold keys; guest and node defaults merge per metric."""
    body = await json_object(request)
    unknown = sorted(set(body) - set(THRESHOLD_KEYS))
    if unknown:
        raise BadRequest(f"unknown field {unknown[0]!r}; allowed: {', '.join(THRESHOLD_KEYS)}")
    current = _service(request).config.thresholds_json()
    changes = dict(body)
    for key in ("guestDefaults", "nodeDefaults"):
        if key in body:
            if not isinstance(body[key], dict):
                raise BadRequest(f"{key} must be an object")
            changes[key] = {**current[key], **body[key]}
    await _save(request, changes)
    return json_response(SUCCESS)


async def get_overrides(request: web.Request) -> web.Response:
    return json_response(_service(request).config.to_json()["overrides"])


async def post_overrides(request: web.Request) -> web.Response:
    """Replace the whole overrides map (resource id → thresholds / disabled / switches)."""
    await _save(request, {"overrides": await json_object(request)})
    return json_response(SUCCESS)


# -- active alerts ----------------------------------------------------------------------------


async def active(request: web.Request) -> web.Response:
    return json_response([alert.to_json() for alert in _service(request).engine.active()])


async def acknowledge(request: web.Request) -> web.Response:
    alert_id = request.match_info["alert_id"]
    body = await optional_json_object(request)
    user = field(body, "user", str) or _user(request)
    if not _service(request).acknowledge([alert_id], user[:100]):
        raise NotFound(f"alert not found: {alert_id}")
    return json_response({"success": True})


async def unacknowledge(request: web.Request) -> web.Response:
    alert_id = request.match_info["alert_id"]
    if not _service(request).unacknowledge([alert_id]):
        raise NotFound(f"alert not found: {alert_id}")
    return json_response({"success": True})


async def clear(request: web.Request) -> web.Response:
    """Remove an active alert; succeeds for unknown ids too (it is gone either way)."""
    _service(request).clear([request.match_info["alert_id"]])
    return json_response({"success": True})


async def _bulk_ids(request: web.Request) -> tuple[list[str], dict[str, Any]]:
    body = await json_object(request)
    ids = field(body, "alertIds", list, required=True)
    if len(ids) > MAX_BULK or not all(isinstance(i, str) and i for i in ids):
        raise BadRequest(f"alertIds must be a list of at most {MAX_BULK} alert ids")
    return ids, body


def _bulk_results(ids: list[str], done: set[str]) -> web.Response:
    results = [
        {"alertId": i, "success": True} if i in done
        else {"alertId": i, "success": False, "error": f"alert not found: {i}"}
        for i in ids
    ]  # fmt: skip
    return json_response({"results": results})


async def bulk_acknowledge(request: web.Request) -> web.Response:
    ids, body = await _bulk_ids(request)
    user = field(body, "user", str) or _user(request)
    done = _service(request).acknowledge(ids, user[:100])
    return _bulk_results(ids, {a.id for a in done})


async def bulk_unacknowledge(request: web.Request) -> web.Response:
    ids, _ = await _bulk_ids(request)
    return _bulk_results(ids, {a.id for a in _service(request).unacknowledge(ids)})


async def bulk_clear(request: web.Request) -> web.Response:
    ids, _ = await _bulk_ids(request)
    _service(request).clear(ids)
    return _bulk_results(ids, set(ids))


# -- history ----------------------------------------------------------------------------------


def _int_param(request: web.Request, name: str, default: int, maximum: int) -> int:
    raw = request.query.get(name, "")
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()):  # isdigit alone passes '²', int() does not
        raise BadRequest(f"{name} must be a non-negative whole number")
    return min(int(raw), maximum)


def _history_query(request: web.Request) -> HistoryQuery:
    limit = _int_param(request, "limit", 100, 5000) or 100
    severity = request.query.get("severity", "").lower()
    if severity in ("", "all"):
        level = None
    elif severity in ALERT_LEVELS:
        level = AlertLevel(severity)
    else:
        raise BadRequest("severity must be warning, critical or all")
    bounds = {}
    for name in ("startTime", "endTime"):
        raw = request.query.get(name, "")
        bounds[name] = parse_rfc3339(raw) if raw else None
        if raw and bounds[name] is None:
            raise BadRequest(f"{name} must be an RFC 3339 time")
    return HistoryQuery(
        limit=limit,
        offset=_int_param(request, "offset", 0, 10**6),
        level=level,
        start=bounds["startTime"],
        end=bounds["endTime"],
        resource_id=request.query.get("resourceId", ""),
    )


async def history(request: web.Request) -> web.Response:
    alerts = _service(request).history_page(_history_query(request))
    return json_response([alert.to_json() for alert in alerts])


async def clear_history(request: web.Request) -> web.Response:
    _service(request).clear_history()
    request.app[keys.AUDIT].record("alerts.history.clear", request)
    return json_response({"status": "success", "message": "Alert history cleared"})
