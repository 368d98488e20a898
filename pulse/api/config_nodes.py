"""Handlers for `/api/config/nodes`: list, add, update, delete and connection tests.

Every change goes through `NodeRegistry`, which persists it and tells the poller manager, so a
node starts, restarts or stops polling at once. A node is only saved after its server answered.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from pulse import jsonio, keys
from pulse.api.body import json_object, optional_json_object
from pulse.config.node_input import build_instance, node_json, parse_request
from pulse.config.nodes import InstanceConfig, InstanceKind
from pulse.errors import BadRequest, NotFound
from pulse.registration.connect import ConnectionFailed, learn, probe, success_message

# Fields whose change means the server must be checked again before saving.
_CONNECTION_FIELDS = ("host", "user", "password", "token_name", "token_value", "fingerprint",
                      "verify_ssl")  # fmt: skip


def _node_view(app: web.Application, instance: InstanceConfig) -> dict[str, Any]:
    """The API view plus the poller's verdict: "connected" when its last cycle succeeded."""
    status = app[keys.POLLERS].status(instance.id)
    connected = status is not None and status.connected
    view = node_json(instance, "connected" if connected else "disconnected")
    if status is not None and status.last_error:
        view["lastError"] = status.last_error
    return view


def _existing(request: web.Request) -> InstanceConfig:
    instance = request.app[keys.NODES].get(request.match_info["node_id"])
    if instance is None:
        raise NotFound("Node not found")
    return instance


async def list_nodes(request: web.Request) -> web.Response:
    app = request.app
    return jsonio.json_response([_node_view(app, i) for i in app[keys.NODES].instances])


async def add_node(request: web.Request) -> web.Response:
    app = request.app
    registry = app[keys.NODES]
    req = parse_request(await json_object(request))
    if req.kind is None:
        raise BadRequest("Invalid node type: must be pve or pbs")
    candidate = build_instance(
        req, instance_id=registry.next_id(req.kind), others=registry.instances
    )
    result, _ = await probe(app, candidate)
    instance = learn(candidate, result, others=registry.instances, name_given=bool(req.name))
    instance = await registry.add(instance)
    app[keys.AUDIT].record("node.add", request, node=instance.name, type=instance.kind.value)
    return jsonio.json_response(
        {"status": "success", "id": instance.id, "node": _node_view(app, instance)}, status=201
    )


async def update_node(request: web.Request) -> web.Response:
    app = request.app
    registry = app[keys.NODES]
    old = _existing(request)
    req = parse_request(await json_object(request))
    instance = build_instance(req, instance_id=old.id, others=registry.instances, old=old)
    if any(getattr(instance, f) != getattr(old, f) for f in _CONNECTION_FIELDS):
        result, _ = await probe(app, instance)
        instance = learn(instance, result, others=registry.instances, name_given=True)
    if not await registry.update(instance):
        raise NotFound("Node not found")
    app[keys.AUDIT].record("node.update", request, node=instance.name, type=instance.kind.value)
    return jsonio.json_response({"status": "success", "node": _node_view(app, instance)})


async def delete_node(request: web.Request) -> web.Response:
    app = request.app
    removed = await app[keys.NODES].remove(request.match_info["node_id"])
    if removed is None:
        raise NotFound("Node not found")
    app[keys.AUDIT].record("node.remove", request, node=removed.name, type=removed.kind.value)
    app[keys.HUB].broadcast("node_deleted", {"nodeType": removed.kind.value, "id": removed.id})
    return jsonio.json_response({"status": "success"})


def _candidate(app: web.Application, body: dict[str, Any]) -> InstanceConfig:
    """An unsaved instance from a body; with the `id` of a saved node, blank secrets keep the
    saved ones (the edit dialog tests before saving without re-typing the password)."""
    registry = app[keys.NODES]
    old = registry.get(body["id"]) if isinstance(body.get("id"), str) else None
    req = parse_request(body)
    if old is not None and req.kind not in (None, old.kind):
        old = None
    return build_instance(req, instance_id=old.id if old else "candidate", others=(), old=old)


async def test_connection(request: web.Request) -> web.Response:
    """POST a node request (not saved): 200 with counts, or 400 with the reason."""
    candidate = _candidate(request.app, await json_object(request))
    result, latency = await probe(request.app, candidate)
    return jsonio.json_response({**success_message(result), "latency": round(latency)})


def _test_answer(result_latency: tuple[Any, float]) -> dict[str, Any]:
    result, latency = result_latency
    if result.kind is InstanceKind.PBS:
        message = "Connected to PBS instance"
    elif result.is_cluster:
        message = f"Connected to PVE cluster with {len(result.node_names)} nodes"
    else:
        message = "Connected to PVE node"
    return {**success_message(result), "message": message, "latency": round(latency)}


async def test_config(request: web.Request) -> web.Response:
    """Upstream's `test-config`: always 200, `status` success or error."""
    candidate = _candidate(request.app, await json_object(request))
    try:
        return jsonio.json_response(_test_answer(await probe(request.app, candidate)))
    except ConnectionFailed as exc:
        return jsonio.json_response({"status": "error", "message": exc.message})


async def test_saved_node(request: web.Request) -> web.Response:
    """POST /api/config/nodes/{id}/test: check a saved node; always 200 like upstream."""
    await optional_json_object(request)
    instance = request.app[keys.NODES].get(request.match_info["node_id"])
    if instance is None:
        return jsonio.json_response({"status": "error", "message": "Node not found"})
    try:
        return jsonio.json_response(_test_answer(await probe(request.app, instance)))
    except ConnectionFailed as exc:
        return jsonio.json_response({"status": "error", "message": exc.message})
