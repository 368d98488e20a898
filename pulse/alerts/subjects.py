"""What the engine evaluates: one `Subject` per monitored resource, in alert units."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from pulse.alerts.model import Metric, ResourceType


class Kind(StrEnum):
    """Which defaults apply to a subject."""

    GUEST = "guest"
    NODE = "node"
    STORAGE = "storage"
    DATASTORE = "datastore"
    PBS = "pbs"


@dataclass(frozen=True, slots=True)
class BackupInfo:
    """The guest's newest backup across PVE storage and every PBS server."""

    newest: datetime | None  # None: no backup found anywhere


@dataclass(frozen=True, slots=True)
class Subject:
    """A resource as the engine sees it this cycle.

    `values` holds the numeric metrics in alert units (percent, MB/s); a metric missing from it
    is not checked this cycle (no data, e.g. I/O rates before the second sample).
    `down`: node or PBS server unreachable; for guests, not running.
    """

    resource_id: str
    kind: Kind
    resource_type: ResourceType
    name: str
    node: str
    instance: str
    status: str = ""
    values: dict[Metric, float] = field(default_factory=dict)
    down: bool = False
    lock: str = ""
    tags: tuple[str, ...] = ()
    vmid: int = 0
    backup: BackupInfo | None = None  # guests only; None when backup data is not known yet

    @property
    def node_id(self) -> str:
        return f"{self.instance}-{self.node}"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything the engine needs from one poll cycle.

    `healthy_instances`: instances that answered this cycle. An alert whose resource is gone is
    resolved only when its instance is healthy (and, for guests, its node is online): a guest
    that vanished because its node went down keeps its alerts; a deleted one loses them.
    """

    subjects: tuple[Subject, ...]
    healthy_instances: frozenset[str]
    online_nodes: frozenset[str]  # node ids `<instance>-<node>`
    backups_known: bool = False  # backup lists have been fetched from every source
