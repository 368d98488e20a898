"""Pure builders: raw PVE payloads (plus cached per-guest details) -> Pulse models."""

from __future__ import annotations

from dataclasses import dataclass

from pulse.models import CpuInfo, Guest, Node, Reason, Source, Storage, Usage, finite
from pulse.proxmox import payloads as p
from pulse.proxmox.errors import ApiError, PermissionDenied, ProxmoxError
from pulse.state.rates import RateTracker

# Filesystems that are not user data (snap images, ISOs, RAM disks, container layers).
SKIP_FS_TYPES = frozenset({
    "squashfs", "iso9660", "udf", "cdfs", "tmpfs", "devtmpfs", "overlay", "ramfs",
    "fuse.lxcfs", "nsfs", "autofs", "proc", "sysfs",
})  # fmt: skip
SKIP_MOUNT_PREFIXES = ("/snap/", "/run/", "/var/lib/docker/", "/var/lib/containers/", "/boot/efi")


@dataclass(frozen=True, slots=True)
class GuestDetail:
    """What the slow cadence learnt about one VM (status/current + guest agent)."""

    agent: bool | None = None  # `agent: 1` in status/current; None = not asked yet
    balloon: int = 0
    balloon_stats: bool | None = None  # the balloon driver reports free memory
    disk: tuple[int, int] | None = None  # agent filesystems: total, used
    disk_reason: Reason = Reason.PENDING
    meminfo: tuple[int, int] | None = None  # guest MemTotal, MemAvailable (bytes)
    mem_reason: Reason = Reason.PENDING


def agent_reason(err: ProxmoxError) -> Reason:
    """Why a guest agent call failed, as a code the dashboard can explain."""
    if isinstance(err, PermissionDenied):
        return Reason.PERMISSION_MISSING
    text = str(err).lower()
    if isinstance(err, ApiError):
        if "no qemu guest agent configured" in text:
            return Reason.AGENT_DISABLED
        if "is not running" in text or "not running" in text:
            return Reason.AGENT_NOT_RUNNING
    return Reason.AGENT_ERROR


def filesystem_usage(result: object) -> tuple[int, int] | None:
    """Sum of real filesystems of a get-fsinfo result (deduplicated by block device)."""
    if not isinstance(result, list):
        return None
    seen: set[str] = set()
    total = used = 0
    for fs in result:
        if not isinstance(fs, dict):
            continue
        size = p.integer(fs.get("total-bytes"))
        if size <= 0:
            continue
        fstype = str(fs.get("type", "")).lower()
        mount = str(fs.get("mountpoint", ""))
        if fstype in SKIP_FS_TYPES or mount == "System Reserved":
            continue
        if mount.startswith(SKIP_MOUNT_PREFIXES):
            continue
        name = str(fs.get("name", "")) or mount
        if name.startswith("loop"):
            continue
        if name in seen:
            continue  # bind mounts, btrfs subvolumes: same device counted once
        seen.add(name)
        total += size
        used += p.integer(fs.get("used-bytes"))
    return (total, used) if total > 0 else None


def parse_meminfo(content: object) -> tuple[int, int] | None:
    """(MemTotal, MemAvailable) in bytes from /proc/meminfo text."""
    if not isinstance(content, str):
        return None
    values: dict[str, int] = {}
    for line in content.splitlines():
        key, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdigit():
            values[key.strip()] = int(parts[0]) * 1024
    total, available = values.get("MemTotal", 0), values.get("MemAvailable")
    if total <= 0 or available is None:
        return None
    return total, min(available, total)


def _mhz(value: object) -> str:
    number = p.num(value, -1.0)
    if number < 0:
        return str(value) if value else ""
    return f"{number:.0f}"


def build_node(
    instance: str,
    host: str,
    res: p.Resource,
    status: p.NodeStatus | None,
    local_storage: p.NodeStorage | None,
    now: float,
) -> Node:
    name = str(res.get("node", ""))
    online = res.get("status") == "online"
    maxmem = p.integer(res.get("maxmem"))
    memory = Usage.of(maxmem, p.integer(res.get("mem"))) if online else Usage()
    disk = (
        Usage.of(p.integer(res.get("maxdisk")), p.integer(res.get("disk"))) if online else Usage()
    )
    load: tuple[float, ...] = ()
    kernel = pve_version = ""
    cpu_info = CpuInfo()
    if status is not None and online:
        load = tuple(p.num(v) for v in status.get("loadavg", []) if p.num(v, -1.0) >= 0)
        kernel = str(status.get("kversion", ""))
        pve_version = str(status.get("pveversion", ""))
        info = status.get("cpuinfo", {})
        cpu_info = CpuInfo(
            model=str(info.get("model", "")),
            cores=p.integer(res.get("maxcpu")) or p.integer(info.get("cores")),
            sockets=p.integer(info.get("sockets")),
            mhz=_mhz(info.get("mhz", "")),
        )
        rootfs = status.get("rootfs", {})
        if p.integer(rootfs.get("total")) > 0:
            disk = Usage.of(
                p.integer(rootfs.get("total")),
                p.integer(rootfs.get("used")),
                p.integer(rootfs.get("avail")),
            )
    if online and disk.total == 0 and local_storage is not None:
        disk = Usage.of(
            p.integer(local_storage.get("total")),
            p.integer(local_storage.get("used")),
            p.integer(local_storage.get("avail")),
        )
    return Node(
        id=f"{instance}-{name}",
        name=name,
        instance=instance,
        host=host,
        status=str(res.get("status", "unknown")),
        cpu=finite(p.num(res.get("cpu"))) if online else 0.0,
        memory=memory,
        disk=disk,
        uptime=p.integer(res.get("uptime")) if online else 0,
        load_average=load,
        kernel_version=kernel,
        pve_version=pve_version,
        cpu_info=cpu_info,
        last_seen=now,
        connection_health="healthy" if online else "offline",
        error="" if online else "node is offline (reported by the cluster)",
    )


def _vm_memory(res: p.Resource, detail: GuestDetail) -> tuple[Usage, Source, Reason]:
    total = p.integer(res.get("maxmem"))
    if detail.meminfo is not None:
        mem_total, available = detail.meminfo
        return Usage.of(total, mem_total - available), Source.GUEST_AGENT, Reason.OK
    used = p.integer(res.get("mem"))
    if detail.balloon_stats is not None:
        source = Source.BALLOON if detail.balloon_stats else Source.HYPERVISOR
    elif "memhost" in res:  # PVE 9: `mem` differs from the host view when the driver reports
        source = Source.BALLOON if used != p.integer(res.get("memhost")) else Source.HYPERVISOR
    else:
        source = Source.HYPERVISOR
    reason = detail.mem_reason if detail.mem_reason is not Reason.OK else Reason.AGENT_ERROR
    return Usage.of(total, used), source, reason


def build_guest(
    instance: str,
    res: p.Resource,
    detail: GuestDetail | None,
    rates: RateTracker,
    now: float,
    mono: float,
) -> Guest:
    kind = str(res.get("type", "qemu"))
    vmid = p.integer(res.get("vmid"))
    node = str(res.get("node", ""))
    guest_id = f"{instance}-{node}-{vmid}"
    status = str(res.get("status", "unknown"))
    running = status == "running"
    maxdisk = p.integer(res.get("maxdisk"))
    if running:
        counters = (
            p.integer(res.get("netin")),
            p.integer(res.get("netout")),
            p.integer(res.get("diskread")),
            p.integer(res.get("diskwrite")),
        )
        netin, netout, dread, dwrite = rates.update(
            guest_id, counters, p.integer(res.get("uptime")), mono
        )
    else:
        netin, netout, dread, dwrite = rates.stopped(guest_id, mono)
    balloon = 0
    if not running:
        memory = Usage.of(p.integer(res.get("maxmem")), 0)
        disk = (
            Usage.of(maxdisk, 0)
            if kind == "qemu"
            else Usage.of(maxdisk, p.integer(res.get("disk")))
        )
        mem_src = disk_src = Source.NONE
        mem_why = disk_why = Reason.GUEST_STOPPED
    elif kind == "lxc":
        memory = Usage.of(p.integer(res.get("maxmem")), p.integer(res.get("mem")))
        disk = Usage.of(maxdisk, p.integer(res.get("disk")))
        mem_src = disk_src = Source.HYPERVISOR
        mem_why = disk_why = Reason.NOT_APPLICABLE
    else:
        detail = detail or GuestDetail()
        memory, mem_src, mem_why = _vm_memory(res, detail)
        if detail.disk is not None:
            disk = Usage.of(detail.disk[0], detail.disk[1])
            disk_src, disk_why = Source.GUEST_AGENT, Reason.OK
        else:
            disk = Usage.of(maxdisk, 0)
            disk_src, disk_why = Source.NONE, detail.disk_reason
        maxmem = p.integer(res.get("maxmem"))
        if 0 < detail.balloon < maxmem:
            balloon = detail.balloon
    tags = tuple(t for t in str(res.get("tags", "")).replace(",", ";").split(";") if t.strip())
    return Guest(
        id=guest_id,
        vmid=vmid,
        name=str(res.get("name", "")),
        node=node,
        instance=instance,
        type=kind,
        status=status,
        cpu=finite(p.num(res.get("cpu"))) if running else 0.0,
        cpus=p.integer(res.get("maxcpu")),
        memory=memory,
        disk=disk,
        network_in=netin,
        network_out=netout,
        disk_read=dread,
        disk_write=dwrite,
        uptime=p.integer(res.get("uptime")) if running else 0,
        tags=tags,
        lock=str(res.get("lock", "")),
        last_seen=now,
        memory_source=mem_src,
        memory_reason=mem_why,
        disk_source=disk_src,
        disk_reason=disk_why,
        balloon=balloon,
    )


@dataclass(frozen=True, slots=True)
class StorageDef:
    content: str = ""
    shared: bool = False
    disabled: bool = False


def storage_defs(config: list[p.StorageConfig]) -> dict[str, StorageDef]:
    return {
        str(c.get("storage", "")): StorageDef(
            content=str(c.get("content", "")),
            shared=bool(p.integer(c.get("shared"))),
            disabled=bool(p.integer(c.get("disable"))),
        )
        for c in config
    }


def build_storage(
    instance: str, node: str, entry: p.NodeStorage, definition: StorageDef | None
) -> Storage:
    name = str(entry.get("storage", ""))
    shared = bool(p.integer(entry.get("shared"))) or bool(definition and definition.shared)
    enabled = p.integer(entry.get("enabled"), 1) == 1 and not (definition and definition.disabled)
    active = p.integer(entry.get("active")) == 1
    content = (definition.content if definition and definition.content else "") or str(
        entry.get("content", "")
    )
    total, used = p.integer(entry.get("total")), p.integer(entry.get("used"))
    usage = Usage.of(total, used, p.integer(entry.get("avail")))
    return Storage(
        id=f"{instance}-shared-{name}" if shared else f"{instance}-{node}-{name}",
        name=name,
        node="shared" if shared else node,
        instance=instance,
        type=str(entry.get("type", "")),
        status="available" if active else ("inactive" if enabled else "disabled"),
        total=usage.total,
        used=usage.used,
        free=usage.free,
        usage=usage.usage,
        content=",".join(sorted(c for c in content.split(",") if c)),
        shared=shared,
        enabled=enabled,
        active=active,
    )
