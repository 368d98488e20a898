"""Builders for states and clocks used by the alert tests (real model objects, loopback hosts)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

from pulse.alerts.model import Alert, AlertLevel, Metric, ResourceType
from pulse.models import (
    Guest,
    Node,
    PBSBackup,
    PBSDatastore,
    PBSInstance,
    PVEBackups,
    State,
    Storage,
    StorageBackup,
    Usage,
)

T0 = datetime(2025, 8, 12, 10, 0, tzinfo=UTC)
GIB = 1024**3


def make_alert(
    resource_id: str,
    *,
    metric: Metric = Metric.CPU,
    level: str = "warning",
    name: str = "",
    value: float = 90.0,
    threshold: float = 80.0,
    start: datetime = T0,
    message: str = "high",
    node: str = "pve1",
    instance: str = "pve1",
    **fields: Any,
) -> Alert:
    """An alert as the engine hands it to the notifier (`<resource_id>-<metric>`)."""
    return Alert(id=f"{resource_id}-{metric}", type=metric, level=AlertLevel(level),
                 resource_id=resource_id, resource_name=name or resource_id, node=node,
                 instance=instance, message=message, value=value, threshold=threshold,
                 start_time=start, last_seen=start, resource_type=ResourceType.VM,
                 clear_threshold=threshold - 5, peak_value=value, **fields)  # fmt: skip


class Clock:
    """An injected clock the test moves by hand."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def usage(percent: float) -> Usage:
    return Usage.of(100 * GIB, int(percent * GIB))


def node(name: str = "pve1", *, instance: str = "lab", cpu: float = 0.1, **kw: Any) -> Node:
    fields: dict[str, Any] = {"memory": usage(30), "disk": usage(20)} | kw
    return Node(
        id=f"{instance}-{name}",
        name=name,
        instance=instance,
        host="https://127.0.1.11:8006",
        status=fields.pop("status", "online"),
        cpu=cpu,
        **fields,
    )


def guest(vmid: int = 101, *, node_name: str = "pve1", instance: str = "lab", **kw: Any) -> Guest:
    fields: dict[str, Any] = {
        "name": f"vm{vmid}",
        "type": "qemu",
        "status": "running",
        "cpu": 0.05,
        "memory": usage(40),
        "disk": usage(30),
        "network_in": 1000,
        "network_out": 1000,
        "disk_read": 1000,
        "disk_write": 1000,
    } | kw
    return Guest(id=f"{instance}-{node_name}-{vmid}", vmid=vmid, node=node_name,
                 instance=instance, **fields)  # fmt: skip


def storage(name: str = "local", *, node_name: str = "pve1", pct: float = 50, **kw: Any) -> Storage:
    used = int(pct * GIB)
    return Storage(id=f"lab-{node_name}-{name}", name=name, node=node_name, instance="lab",
                   type="dir", status="available", total=100 * GIB, used=used,
                   free=100 * GIB - used, usage=pct, **kw)  # fmt: skip


def pbs(name: str = "backup1", *, status: str = "online", store_pct: float = 40) -> PBSInstance:
    store = PBSDatastore(name="main", total=100 * GIB, used=int(store_pct * GIB), usage=store_pct)
    return PBSInstance(id=f"pbs-{name}", name=name, host="https://127.0.1.20:8007",
                       status=status, datastores=(store,), connection_health="healthy")  # fmt: skip


def pbs_backup(
    vmid: int, when: datetime, *, server: str = "backup1", kind: str = "vm"
) -> PBSBackup:
    ts = when.timestamp()
    return PBSBackup(id=f"pbs-{server}-main--{kind}-{vmid}-{int(ts)}", instance=server,
                     datastore="main", namespace="", backup_type=kind, vmid=str(vmid),
                     backup_time=ts)  # fmt: skip


def pve_backup(
    vmid: int, when: datetime, *, instance: str = "lab", kind: str = "qemu"
) -> StorageBackup:
    volid = f"local:backup/vzdump-{kind}-{vmid}-{int(when.timestamp())}.vma.zst"
    return StorageBackup(id=f"{instance}-{volid}", instance=instance, storage="local",
                         node="pve1", type=kind, vmid=vmid, ctime=int(when.timestamp()),
                         size=GIB, format="vma.zst", volid=volid)  # fmt: skip


def state(
    *,
    nodes: tuple[Node, ...] | None = None,
    guests: tuple[Guest, ...] = (),
    storages: tuple[Storage, ...] = (),
    pbs_list: tuple[PBSInstance, ...] = (),
    pbs_backups: tuple[PBSBackup, ...] = (),
    pve_backups: tuple[StorageBackup, ...] = (),
) -> State:
    return State(
        nodes=(node(),) if nodes is None else nodes,
        vms=tuple(g for g in guests if g.type == "qemu"),
        containers=tuple(g for g in guests if g.type == "lxc"),
        storage=storages,
        pbs=pbs_list,
        pbs_backups=pbs_backups,
        pve_backups=PVEBackups(storage_backups=pve_backups),
    )


def replace(obj: Any, **changes: Any) -> Any:
    return dataclasses.replace(obj, **changes)


class Recorder:
    """Stands in for the notifier and the websocket hub: records what the service hands them."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []  # (kind, alert id)
        self.messages: list[tuple[str, Any]] = []

    def alert_fired(self, alert: Any) -> None:
        self.events.append(("fired", alert.id))

    def alert_resolved(self, alert: Any) -> None:
        self.events.append(("resolved", alert.id))

    def alert_acknowledged(self, alert: Any) -> None:
        self.events.append(("acknowledged", alert.id))

    def alert_escalated(self, alert: Any, notify: str = "all") -> None:
        self.events.append((f"escalated:{notify}", alert.id))

    def broadcast(self, message_type: str, data: object) -> None:
        self.messages.append((message_type, data))
