"""QEMU guest agent answers (`/nodes/{n}/qemu/{vmid}/agent/...`) built from the guest's spec."""

from __future__ import annotations

from typing import Any

from pulse.simulator.model import LiveGuest

COMMANDS = (
    "fsfreeze-status",
    "fstrim",
    "get-fsinfo",
    "get-host-name",
    "get-memory-block-info",
    "get-memory-blocks",
    "get-osinfo",
    "get-time",
    "get-timezone",
    "get-users",
    "get-vcpus",
    "info",
    "network-get-interfaces",
    "ping",
)


def _disk(i: int) -> list[dict[str, Any]]:
    return [
        {
            "bus-type": "scsi",
            "bus": 0,
            "target": 0,
            "unit": i,
            "dev": f"/dev/sda{i + 1}",
            "serial": "drive-scsi0",
            "pci-controller": {"domain": 0, "bus": 9, "slot": 1, "function": 0},
        }
    ]


def fsinfo(g: LiveGuest, t: float) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i, fs in enumerate(g.spec.filesystems):
        e: dict[str, Any] = {
            "name": fs.name,
            "mountpoint": fs.mountpoint,
            "type": fs.type,
            "disk": _disk(i) if fs.has_disk else [],
        }
        if fs.total_bytes:
            grow = int((t - g.started_at) * 512) if fs.type not in ("squashfs", "vfat") else 0
            e["used-bytes"] = min(fs.total_bytes, fs.used_bytes + grow)
            e["total-bytes"] = fs.total_bytes
            if not g.spec.ostype.startswith("win"):
                e["total-bytes-privileged"] = int(fs.total_bytes * 1.05)
        out.append(e)
    return out


def interfaces(g: LiveGuest, t: float) -> list[dict[str, Any]]:
    s = g.sample(t)
    lo = {
        "name": "lo",
        "hardware-address": "00:00:00:00:00:00",
        "ip-addresses": [
            {"ip-address-type": "ipv4", "ip-address": "127.0.0.1", "prefix": 8},
            {"ip-address-type": "ipv6", "ip-address": "::1", "prefix": 128},
        ],
        "statistics": {
            "rx-bytes": 51234,
            "rx-packets": 612,
            "rx-errs": 0,
            "rx-dropped": 0,
            "tx-bytes": 51234,
            "tx-packets": 612,
            "tx-errs": 0,
            "tx-dropped": 0,
        },
    }
    name = "Ethernet" if g.spec.ostype.startswith("win") else "eth0"
    eth = {
        "name": name,
        "hardware-address": g.spec.mac.lower(),
        "ip-addresses": [{"ip-address-type": "ipv4", "ip-address": g.spec.ip, "prefix": 24}],
        "statistics": {
            "rx-bytes": s.netin,
            "rx-packets": s.netin // 900,
            "rx-errs": 0,
            "rx-dropped": 0,
            "tx-bytes": s.netout,
            "tx-packets": s.netout // 900,
            "tx-errs": 0,
            "tx-dropped": 0,
        },
    }
    return [lo, eth]


def osinfo(g: LiveGuest) -> dict[str, Any]:
    if g.spec.ostype.startswith("win"):
        return {
            "id": "mswindows",
            "kernel-release": "22631",
            "kernel-version": "10.0",
            "machine": "x86_64",
            "name": "Microsoft Windows",
            "pretty-name": "Windows 11 Pro",
            "version": "Microsoft Windows 11",
            "version-id": "11",
            "variant": "client",
            "variant-id": "client",
        }
    return {
        "id": "debian",
        "kernel-release": "6.1.0-25-amd64",
        "kernel-version": "#1 SMP PREEMPT_DYNAMIC Debian 6.1.106-3 (2024-08-26)",
        "machine": "x86_64",
        "name": "Debian GNU/Linux",
        "pretty-name": "Debian GNU/Linux 12 (bookworm)",
        "version": "12 (bookworm)",
        "version-id": "12",
    }


def meminfo(g: LiveGuest, t: float) -> str:
    """/proc/meminfo as `file-read` returns it: MemAvailable is what PVE itself cannot see."""
    s = g.sample(t)
    kb = 1024
    total, free = s.meminfo_total // kb, s.freemem // kb
    cached = int((total - free) * 0.3)
    return (
        f"MemTotal:       {total} kB\nMemFree:        {free} kB\n"
        f"MemAvailable:   {free + cached} kB\nBuffers:        {cached // 10} kB\n"
        f"Cached:         {cached} kB\nSwapTotal:             0 kB\nSwapFree:              0 kB\n"
    )


def command(g: LiveGuest, cmd: str, t: float) -> Any:
    """The `result` for an agent command, or None when the command is unknown."""
    if cmd == "get-fsinfo":
        return fsinfo(g, t)
    if cmd == "network-get-interfaces":
        return interfaces(g, t)
    if cmd == "get-osinfo":
        return osinfo(g)
    if cmd == "info":
        return {
            "version": "7.2.11",
            "supported_commands": [
                {"name": f"guest-{c}", "enabled": True, "success-response": c not in ("shutdown",)}
                for c in COMMANDS
            ],
        }
    if cmd == "get-host-name":
        return {"host-name": g.spec.name}
    if cmd == "get-memory-block-info":
        return {"size": 134217728}
    if cmd == "get-time":
        return int(t * 1_000_000_000)
    if cmd == "get-timezone":
        return {"zone": "UTC", "offset": 0}
    if cmd == "get-vcpus":
        return [{"logical-id": i, "online": True, "can-offline": i > 0} for i in range(g.spec.cpus)]
    if cmd == "get-users":
        return [{"user": "root", "login-time": float(int(g.started_at) + 600)}]
    if cmd == "ping":
        return {}
    return None
