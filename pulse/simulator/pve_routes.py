"""The PVE REST API (`/api2/json/...`) of one instance, answered from the live model."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from pulse.simulator import agent
from pulse.simulator import pve_payloads as pp
from pulse.simulator import pve_storage as ps
from pulse.simulator.auth import PVE_FULL
from pulse.simulator.model import LiveGuest, LiveNode, LivePbs, LivePve, Model
from pulse.simulator.routing import ApiError, Ctx, Reply, Router, int_param, not_implemented
from pulse.simulator.topology import AgentMode, GuestKind


def _perm(path: str, *privs: str) -> ApiError:
    return ApiError(403, f"Permission check failed ({path}, {'|'.join(privs)})")


class PveApi:
    def __init__(
        self,
        model: Model,
        inst: LivePve,
        fingerprints: Callable[[str], str],
        agent_delay: Callable[[], float],
    ) -> None:
        self.model = model
        self.inst = inst
        self._fingerprint = fingerprints
        self._agent_delay = agent_delay  # real seconds PVE waits for guest-ping before giving up
        self.router = r = Router()
        r.add("GET", "/version", self.version)
        r.add("GET", "/nodes", self.nodes)
        r.add("GET", "/nodes/{node}", self.node_index)
        r.add("GET", "/nodes/{node}/status", self.node_status)
        r.add("GET", "/nodes/{node}/version", self.node_version)
        r.add("GET", "/nodes/{node}/{kind:qemu|lxc}", self.guest_list)
        r.add("GET", "/nodes/{node}/{kind:qemu|lxc}/{vmid}/status/current", self.guest_status)
        r.add("GET", "/nodes/{node}/{kind:qemu|lxc}/{vmid}/config", self.guest_config)
        r.add("GET", "/nodes/{node}/{kind:qemu|lxc}/{vmid}/snapshot", self.snapshots)
        r.add("GET", "/nodes/{node}/lxc/{vmid}/interfaces", self.lxc_interfaces)
        r.add("GET", "/nodes/{node}/qemu/{vmid}/agent", self.agent_index)
        r.add("GET", "/nodes/{node}/qemu/{vmid}/agent/{cmd}", self.agent_cmd)
        r.add("GET", "/nodes/{node}/storage", self.node_storage)
        r.add("GET", "/nodes/{node}/storage/{storage}/status", self.storage_status)
        r.add("GET", "/nodes/{node}/storage/{storage}/content", self.storage_content)
        r.add("GET", "/nodes/{node}/tasks", self.tasks)
        r.add("GET", "/storage", self.storage_config)
        r.add("GET", "/cluster/status", self.cluster_status)
        r.add("GET", "/cluster/resources", self.resources)
        r.add("GET", "/cluster/ha/resources", self.ha_resources)
        r.add("GET", "/cluster/ha/status/current", self.ha_status)
        r.add("GET", "/access/permissions", self.permissions)

    # helpers ---------------------------------------------------------------------------------
    def _node(self, ctx: Ctx, name: str) -> LiveNode:
        node = self.inst.nodes.get(name)
        if node is None:
            raise ApiError(
                500,
                f"hostname lookup '{name}' failed - failed to get address info for: "
                f"{name}: Name or service not known",
            )
        if not node.online and name != ctx.local_node:
            # the answering node proxies to the member, which does not answer
            raise ApiError(595, "No route to host")
        return node

    def _guest(self, node: LiveNode, kind: str, vmid_s: str, ctx: Ctx) -> LiveGuest:
        vmid = int_param(vmid_s, "vmid")
        g = self.inst.guests.get(vmid)
        if g is None or g.node != node.name or g.kind.value != kind:
            conf = "qemu-server" if kind == "qemu" else "lxc"
            raise ApiError(
                500, f"Configuration file 'nodes/{node.name}/{conf}/{vmid}.conf' does not exist"
            )
        if not ctx.principal.has("VM.Audit"):
            raise _perm(f"/vms/{vmid}", "VM.Audit")
        return g

    def _pbs_for(self, storage: str) -> LivePbs | None:
        spec = self.inst.storage_specs.get(storage)
        return self.model.pbs.get(spec.pbs_server) if spec and spec.pbs_server else None

    # handlers ----------------------------------------------------------------------------------
    def version(self, ctx: Ctx, p: dict[str, str]) -> Any:
        return pp.version_info(self.inst.nodes[ctx.local_node].spec.pve_version)

    def node_version(self, ctx: Ctx, p: dict[str, str]) -> Any:
        return pp.version_info(self._node(ctx, p["node"]).spec.pve_version)

    def nodes(self, ctx: Ctx, p: dict[str, str]) -> Any:
        tq = self.inst.refresh_time(ctx.now)
        return [
            pp.node_entry(n, tq, self._fingerprint(n.name), ctx.principal.has("Sys.Audit"))
            for n in self.inst.nodes.values()
        ]

    def node_index(self, ctx: Ctx, p: dict[str, str]) -> Any:
        self._node(ctx, p["node"])
        return [
            {"name": n} for n in ("qemu", "lxc", "storage", "tasks", "status", "version", "network")
        ]

    def node_status(self, ctx: Ctx, p: dict[str, str]) -> Any:
        node = self._node(ctx, p["node"])
        if not ctx.principal.has("Sys.Audit"):
            raise _perm(f"/nodes/{node.name}", "Sys.Audit")
        return pp.node_status(node, ctx.now)

    def guest_list(self, ctx: Ctx, p: dict[str, str]) -> Any:
        kind = p["kind"]
        node = self._node(ctx, p["node"])
        if not ctx.principal.has("VM.Audit"):
            return []
        full = ctx.query.get("full") in ("1", "true")
        ver = node.spec.pve_version
        return [
            pp.guest_list_entry(g, ctx.now, ver, full)
            for g in self.inst.guests_by_node[node.name]
            if g.kind.value == kind
        ]

    def guest_status(self, ctx: Ctx, p: dict[str, str]) -> Any:
        node = self._node(ctx, p["node"])
        g = self._guest(node, p["kind"], p["vmid"], ctx)
        return pp.guest_status(g, ctx.now, node.spec.pve_version)

    def guest_config(self, ctx: Ctx, p: dict[str, str]) -> Any:
        node = self._node(ctx, p["node"])
        return pp.guest_config(self._guest(node, p["kind"], p["vmid"], ctx))

    def snapshots(self, ctx: Ctx, p: dict[str, str]) -> Any:
        node = self._node(ctx, p["node"])
        return pp.snapshot_list(self._guest(node, p["kind"], p["vmid"], ctx), self.model.t0)

    def lxc_interfaces(self, ctx: Ctx, p: dict[str, str]) -> Any:
        g = self._guest(self._node(ctx, p["node"]), "lxc", p["vmid"], ctx)
        if not g.running:
            raise ApiError(500, f"CT {g.vmid} not running")
        return [
            {
                "name": "lo",
                "hwaddr": "00:00:00:00:00:00",
                "inet": "127.0.0.1/8",
                "inet6": "::1/128",
            },
            {"name": "eth0", "hwaddr": g.spec.mac.lower(), "inet": f"{g.spec.ip}/24"},
        ]

    def _agent_guest(
        self, ctx: Ctx, p: dict[str, str], file_read: bool = False
    ) -> tuple[LiveGuest, LiveNode]:
        node = self._node(ctx, p["node"])
        g = self._guest(node, "qemu", p["vmid"], ctx)
        privs: tuple[str, ...]
        if node.spec.pve_version >= 9:
            privs = (
                "VM.GuestAgent.FileRead" if file_read else "VM.GuestAgent.Audit",
                "VM.GuestAgent.Unrestricted",
            )
        else:
            privs = ("VM.Monitor",)
        if not ctx.principal.has(*privs):
            raise _perm(f"/vms/{g.vmid}", *privs)
        if not g.running:
            raise ApiError(500, f"VM {g.vmid} is not running")
        if g.spec.agent is AgentMode.NONE:
            raise ApiError(500, "No QEMU guest agent configured")
        return g, node

    async def agent_index(self, ctx: Ctx, p: dict[str, str]) -> Any:
        self._agent_guest(ctx, p)
        return [{"name": c} for c in agent.COMMANDS]

    async def agent_cmd(self, ctx: Ctx, p: dict[str, str]) -> Any:
        cmd = p["cmd"]
        if cmd not in agent.COMMANDS and cmd != "file-read":
            raise not_implemented("GET", f"/nodes/{p['node']}/qemu/{p['vmid']}/agent/{cmd}")
        g, _ = self._agent_guest(ctx, p, file_read=cmd == "file-read")
        if g.spec.agent is AgentMode.NOT_RUNNING:
            delay = self._agent_delay()
            if delay:
                await asyncio.sleep(delay)
            raise ApiError(500, "QEMU guest agent is not running")
        if cmd == "file-read":
            if ctx.query.get("file") != "/proc/meminfo":
                raise ApiError(500, "can't open file - No such file or directory")
            return {"content": agent.meminfo(g, ctx.now)}
        return {"result": agent.command(g, cmd, ctx.now)}

    def storage_config(self, ctx: Ctx, p: dict[str, str]) -> Any:
        if not ctx.principal.has("Datastore.Audit", "Datastore.AllocateSpace"):
            return []
        out = []
        for s in self.inst.spec.storages:
            pbs = self._pbs_for(s.storage)
            out.append(ps.storage_config(s, self._fingerprint(pbs.name) if pbs else ""))
        return out

    def node_storage(self, ctx: Ctx, p: dict[str, str]) -> Any:
        node = self._node(ctx, p["node"])
        if not ctx.principal.has("Datastore.Audit", "Datastore.AllocateSpace"):
            return []
        q = ctx.query
        out = []
        for st in self.inst.node_storages(node.name):
            if (c := q.get("content")) and c not in st.spec.content:
                continue
            if (name := q.get("storage")) and name != st.spec.storage:
                continue
            if q.get("enabled") in ("1", "true") and not st.spec.enabled:
                continue
            out.append(ps.node_storage_entry(st, ctx.now, self._pbs_for(st.spec.storage)))
        return out

    def _storage(self, ctx: Ctx, p: dict[str, str]) -> tuple[LiveNode, Any]:
        node = self._node(ctx, p["node"])
        name = p["storage"]
        found = [st for st in self.inst.node_storages(node.name) if st.spec.storage == name]
        if not found:
            raise ApiError(500, f"storage '{name}' does not exist")
        if not ctx.principal.has("Datastore.Audit", "Datastore.AllocateSpace"):
            raise _perm(f"/storage/{name}", "Datastore.Audit", "Datastore.AllocateSpace")
        return node, found[0]

    def storage_status(self, ctx: Ctx, p: dict[str, str]) -> Any:
        _, st = self._storage(ctx, p)
        e = ps.node_storage_entry(st, ctx.now, self._pbs_for(st.spec.storage))
        del e["storage"]
        return e

    def storage_content(self, ctx: Ctx, p: dict[str, str]) -> Any:
        node, st = self._storage(ctx, p)
        pbs = self._pbs_for(st.spec.storage)
        if st.spec.type == "pbs" and (pbs is None or not pbs.online):
            raise ApiError(
                500,
                f"error fetching datastores - 500 Can't connect to {st.spec.server}:8007 "
                "(Connection refused)",
            )
        vmid = int_param(ctx.query.get("vmid"), "vmid") if ctx.query.get("vmid") else None
        see = ctx.principal.has("Datastore.Allocate") or (
            ctx.principal.has("Datastore.AllocateSpace") and ctx.principal.has("VM.Backup")
        )
        return ps.storage_content(
            self.inst, node.name, st.spec, ctx.now, pbs, see, ctx.query.get("content"), vmid
        )

    def tasks(self, ctx: Ctx, p: dict[str, str]) -> Any:
        node = self._node(ctx, p["node"])
        q = ctx.query
        start = int_param(q.get("start"), "start", 0, minimum=0)
        limit = int_param(q.get("limit"), "limit", 50, minimum=0)
        vmid = q.get("vmid")
        source = q.get("source", "archive")
        now = ctx.now
        see_all = ctx.principal.has("Sys.Audit")
        user = ctx.principal.auth_id.split("!")[0]
        selected = []
        for task in reversed(self.inst.tasks[node.name]):
            if task.starttime > now:
                continue
            running = task.endtime > now
            if (running and source == "archive") or (not running and source == "active"):
                continue
            if (tf := q.get("typefilter")) and task.type != tf:
                continue
            if vmid and task.id != vmid:
                continue
            if not see_all and task.user != user:
                continue
            if q.get("errors") in ("1", "true") and (running or task.status == "OK"):
                continue
            selected.append(task)
        page = []
        for task in selected[start : start + limit] if limit else selected[start:]:
            e: dict[str, Any] = {
                "upid": task.upid,
                "node": task.node,
                "pid": task.pid,
                "pstart": task.pstart,
                "starttime": task.starttime,
                "type": task.type,
                "id": task.id,
                "user": task.user,
            }
            if task.endtime <= now:
                e["endtime"] = task.endtime
                e["status"] = task.status
            page.append(e)
        return Reply(page, {"total": len(selected)})

    def cluster_status(self, ctx: Ctx, p: dict[str, str]) -> Any:
        if not ctx.principal.has("Sys.Audit"):
            raise _perm("/", "Sys.Audit")
        return pp.cluster_status(self.inst, ctx.local_node)

    def resources(self, ctx: Ctx, p: dict[str, str]) -> Any:
        rtype = ctx.query.get("type")
        if rtype and rtype not in ("vm", "storage", "node", "sdn"):
            raise ApiError(
                400,
                "Parameter verification failed.",
                {
                    "type": f"value '{rtype}' does not have a value in the enumeration "
                    "'vm, storage, node, sdn'"
                },
            )
        tq = self.inst.refresh_time(ctx.now)
        pr = ctx.principal
        ha = any(g.spec.ha_state for g in self.inst.guests.values())
        out: list[dict[str, Any]] = []
        if rtype in (None, "vm") and pr.has("VM.Audit"):
            for g in self.inst.guests.values():
                node = self.inst.nodes[g.node]
                out.append(pp.resource_guest(g, tq, node.spec.pve_version, node.online))
        for node in self.inst.nodes.values():
            if rtype in (None, "node"):
                e = pp.resource_node(node, tq, ha)
                if not pr.has("Sys.Audit"):
                    e = {k: e[k] for k in ("id", "type", "node", "status", "level") if k in e}
                out.append(e)
            if rtype in (None, "storage") and pr.has("Datastore.Audit", "Datastore.AllocateSpace"):
                for st in self.inst.node_storages(node.name):
                    if st.spec.enabled:  # storage_check_enabled: disabled ones are not listed
                        out.append(self._resource_storage(node, st, tq))
            if rtype in (None, "sdn") and pr.has("SDN.Audit"):
                out.append(
                    {
                        "id": f"sdn/{node.name}/localnetwork",
                        "type": "sdn",
                        "sdn": "localnetwork",
                        "node": node.name,
                        "status": "ok" if node.online else "unknown",
                    }
                )
        return out

    def _resource_storage(self, node: LiveNode, st: Any, tq: float) -> dict[str, Any]:
        spec = st.spec
        e: dict[str, Any] = {
            "id": f"storage/{node.name}/{spec.storage}",
            "type": "storage",
            "storage": spec.storage,
            "node": node.name,
            "plugintype": spec.type,
            "content": ",".join(sorted(spec.content)),
            "shared": int(ps.is_shared(spec)),
        }
        if not node.online:
            e["status"] = "unknown"
            return e
        entry = ps.node_storage_entry(st, tq, self._pbs_for(spec.storage))
        if not entry.get("active"):
            e["status"] = "unknown"
            return e
        e.update(status="available", disk=entry["used"], maxdisk=entry["total"])
        return e

    def ha_resources(self, ctx: Ctx, p: dict[str, str]) -> Any:
        if not ctx.principal.has("Sys.Audit"):
            raise _perm("/", "Sys.Audit")
        return [
            {
                "sid": f"{'vm' if g.kind is GuestKind.QEMU else 'ct'}:{g.vmid}",
                "type": "vm" if g.kind is GuestKind.QEMU else "ct",
                "state": g.spec.ha_state,
                "max_restart": 1,
                "max_relocate": 1,
                "failback": 1,
                "digest": "5e4f3a2b1c0d",
            }
            for g in self.inst.guests.values()
            if g.spec.ha_state
        ]

    def ha_status(self, ctx: Ctx, p: dict[str, str]) -> Any:
        if not ctx.principal.has("Sys.Audit"):
            raise _perm("/", "Sys.Audit")
        now = int(ctx.now)
        master = next((n for n in self.inst.nodes.values() if n.online), self.inst.entry_node())
        out: list[dict[str, Any]] = [
            {"id": "quorum", "type": "quorum", "node": master.name, "status": "OK", "quorate": 1},
            {
                "id": "master",
                "type": "master",
                "node": master.name,
                "status": f"{master.name} (active)",
                "timestamp": now - 3,
            },
        ]
        for n in self.inst.nodes.values():
            out.append(
                {
                    "id": f"lrm:{n.name}",
                    "type": "lrm",
                    "node": n.name,
                    "timestamp": now - 5,
                    "status": f"{n.name} ({'active' if n.online else 'old timestamp - dead?'})",
                }
            )
        for g in self.inst.guests.values():
            if g.spec.ha_state:
                sid = f"{'vm' if g.kind is GuestKind.QEMU else 'ct'}:{g.vmid}"
                out.append(
                    {
                        "id": f"service:{sid}",
                        "type": "service",
                        "sid": sid,
                        "node": g.node,
                        "state": g.spec.ha_state,
                        "crm_state": g.spec.ha_state,
                        "request_state": g.spec.ha_state,
                        "max_restart": 1,
                        "max_relocate": 1,
                        "status": f"{sid} ({g.node}, {g.spec.ha_state})",
                    }
                )
        return out

    def permissions(self, ctx: Ctx, p: dict[str, str]) -> Any:
        pr = ctx.principal
        privs = (
            sorted(PVE_FULL | {"Sys.Modify", "VM.Allocate", "Datastore.Allocate"})
            if pr.superuser
            else sorted(pr.privileges)
        )
        granted = dict.fromkeys(privs, 1)
        return {path: dict(granted) for path in ("/", "/vms", "/storage", "/nodes")}
