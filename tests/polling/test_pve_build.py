"""Pure builders: guest agent filesystems, /proc/meminfo, storage entries, agent error reasons."""

from __future__ import annotations

from pulse.models import Reason, Source
from pulse.polling.pve_build import (
    GuestDetail,
    StorageDef,
    agent_reason,
    build_guest,
    build_storage,
    filesystem_usage,
    parse_meminfo,
)
from pulse.proxmox.errors import ApiError, PermissionDenied
from pulse.proxmox.payloads import NodeStorage, Resource
from pulse.state.rates import RateTracker

GIB = 1024**3


def test_filesystems_deduplicated_and_virtual_ones_skipped() -> None:
    result = [
        {
            "name": "loop3",
            "mountpoint": "/snap/core/1",
            "type": "squashfs",
            "total-bytes": 100,
            "used-bytes": 100,
        },
        {
            "name": "sda1",
            "mountpoint": "/",
            "type": "ext4",
            "total-bytes": 10 * GIB,
            "used-bytes": 4 * GIB,
        },
        {
            "name": "sda1",
            "mountpoint": "/var/lib/bind",
            "type": "ext4",
            "total-bytes": 10 * GIB,
            "used-bytes": 4 * GIB,
        },  # bind mount of the same device
        {
            "name": "sdb1",
            "mountpoint": "/data",
            "type": "xfs",
            "total-bytes": 20 * GIB,
            "used-bytes": 1 * GIB,
        },
        {"name": "sr0", "mountpoint": "/media/cd", "type": "iso9660", "total-bytes": 700},
        {
            "name": "\\\\?\\Volume{1}",
            "mountpoint": "System Reserved",
            "type": "NTFS",
            "total-bytes": 500,
            "used-bytes": 30,
        },
    ]
    assert filesystem_usage(result) == (30 * GIB, 5 * GIB)
    assert filesystem_usage([]) is None
    assert filesystem_usage({"error": "x"}) is None


def test_meminfo_is_cache_aware() -> None:
    text = "MemTotal: 8000 kB\nMemFree: 1000 kB\nMemAvailable: 5000 kB\nCached: 3500 kB\n"
    assert parse_meminfo(text) == (8000 * 1024, 5000 * 1024)
    assert parse_meminfo("MemTotal: 1 kB\n") is None
    assert parse_meminfo(None) is None


def test_agent_reasons() -> None:
    assert agent_reason(PermissionDenied("x")) is Reason.PERMISSION_MISSING
    assert agent_reason(ApiError("... No QEMU guest agent configured")) is Reason.AGENT_DISABLED
    assert agent_reason(ApiError("QEMU guest agent is not running")) is Reason.AGENT_NOT_RUNNING
    assert agent_reason(ApiError("something else")) is Reason.AGENT_ERROR


def _vm(**extra: object) -> Resource:
    base: Resource = {
        "type": "qemu",
        "vmid": 101,
        "node": "pve1",
        "name": "web",
        "status": "running",
        "cpu": 0.25,
        "maxcpu": 4,
        "mem": 2 * GIB,
        "maxmem": 8 * GIB,
        "disk": 0,
        "maxdisk": 32 * GIB,
        "uptime": 100,
        "netin": 0,
        "netout": 0,
        "diskread": 0,
        "diskwrite": 0,
    }
    base.update(extra)  # type: ignore[typeddict-item]
    return base


def test_vm_memory_and_disk_sources() -> None:
    rates = RateTracker()
    agent = GuestDetail(
        agent=True,
        balloon_stats=True,
        disk=(30 * GIB, 6 * GIB),
        disk_reason=Reason.OK,
        meminfo=(7 * GIB, 5 * GIB),
        mem_reason=Reason.OK,
    )
    vm = build_guest("lab", _vm(), agent, rates, now=1.0, mono=1.0)
    assert vm.memory.used == 2 * GIB
    assert vm.memory.total == 8 * GIB
    assert vm.memory_source is Source.GUEST_AGENT
    assert vm.disk_source is Source.GUEST_AGENT
    assert vm.disk.usage == 20.0

    no_perm = GuestDetail(
        agent=True,
        balloon_stats=True,
        disk_reason=Reason.PERMISSION_MISSING,
        mem_reason=Reason.PERMISSION_MISSING,
    )
    vm = build_guest("lab", _vm(), no_perm, rates, now=1.0, mono=1.0)
    assert vm.memory_source is Source.BALLOON
    assert vm.memory.used == 2 * GIB
    assert vm.disk_source is Source.NONE
    assert vm.disk_reason is Reason.PERMISSION_MISSING
    assert vm.disk.used == 0
    assert vm.disk.total == 32 * GIB

    stopped = build_guest("lab", _vm(status="stopped", mem=5), None, rates, now=1.0, mono=1.0)
    assert stopped.memory.used == 0
    assert stopped.cpu == 0.0
    assert stopped.memory_reason is Reason.GUEST_STOPPED
    assert (stopped.network_in, stopped.disk_write) == (0, 0)


def test_memory_clamped_to_total() -> None:
    vm = build_guest("lab", _vm(mem=20 * GIB), GuestDetail(), RateTracker(), 1.0, 1.0)
    assert vm.memory.used == vm.memory.total
    assert vm.memory.free == 0
    assert vm.memory.usage == 100.0


def test_storage_entry() -> None:
    entry: NodeStorage = {
        "storage": "nfs",
        "type": "nfs",
        "content": "iso,backup",
        "active": 1,
        "enabled": 1,
        "shared": 1,
        "total": 100,
        "used": 40,
        "avail": 55,
    }
    item = build_storage("lab", "pve1", entry, StorageDef(content="images,backup", shared=True))
    assert item.id == "lab-shared-nfs"
    assert item.node == "shared"
    assert item.shared
    assert (item.total, item.used, item.free, item.usage) == (100, 40, 55, 40.0)
    assert item.content == "backup,images"
    assert item.status == "available"
    off = build_storage(
        "lab", "pve1", {**entry, "active": 0, "shared": 0}, StorageDef(disabled=True)
    )
    assert off.status == "disabled"
    assert off.id == "lab-pve1-nfs"
    assert not off.enabled
