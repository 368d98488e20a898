"""JSON shapes of PVE answers: field names, types and units as pve-manager/qemu-server emit."""

from __future__ import annotations

from typing import Any

from pulse.simulator.model import GuestSample, LiveGuest, LiveNode, LivePve
from pulse.simulator.topology import GuestKind

VERSIONS = {
    8: {
        "version": "8.4.1",
        "release": "8.4",
        "repoid": "2a5fa54a8503f96d",
        "kernel": "6.8.12-9-pve",
        "kbuild": "#1 SMP PREEMPT_DYNAMIC PMX 6.8.12-9 (2025-03-16T19:18Z)",
        "machine": "pc-i440fx-9.2+pve1",
        "qemu": "9.2.0",
    },
    9: {
        "version": "9.0.10",
        "release": "9.0",
        "repoid": "deb1ca707ec72a89",
        "kernel": "6.14.11-2-pve",
        "kbuild": "#1 SMP PREEMPT_DYNAMIC PMX 6.14.11-2 (2025-09-12T09:46Z)",
        "machine": "pc-i440fx-10.0+pve1",
        "qemu": "10.0.2",
    },
}


def version_info(ver: int) -> dict[str, str]:
    v = VERSIONS[ver]
    return {"version": v["version"], "release": v["release"], "repoid": v["repoid"]}


def _opt(entry: dict[str, Any], g: LiveGuest, t: float) -> None:
    """Keys PVE only sends when set."""
    if g.spec.tags:
        entry["tags"] = ";".join(g.spec.tags)
    if lock := g.lock(t):
        entry["lock"] = lock


def _pressure(entry: dict[str, Any], g: LiveGuest, s: GuestSample) -> None:
    """PVE 9 PSI averages: numbers for VMs, strings for containers (assigned without `* 1`)."""
    base = round(s.cpu * 3.0, 2)
    vals = {
        "pressurecpusome": base,
        "pressurecpufull": round(base / 2, 2),
        "pressureiosome": 0.05,
        "pressureiofull": 0.03,
        "pressurememorysome": 0.0,
        "pressurememoryfull": 0.0,
    }
    for k, v in vals.items():
        entry[k] = v if g.kind is GuestKind.QEMU else f"{v:.2f}"


def node_entry(node: LiveNode, t: float, fingerprint: str, audit: bool) -> dict[str, Any]:
    """One item of GET /nodes."""
    e: dict[str, Any] = {
        "node": node.name,
        "status": "online" if node.online else "offline",
        "id": f"node/{node.name}",
        "type": "node",
        "ssl_fingerprint": fingerprint,
    }
    if node.online:  # an offline member's RRD entry goes stale: no level, no numbers
        e["level"] = node.spec.level
    if node.online and audit:
        e.update(node_stats(node, t))
    return e


def node_stats(node: LiveNode, t: float) -> dict[str, Any]:
    """The RRD numbers of an online node, as `extract_node_stats` adds them (/nodes, resources)."""
    return {
        "cpu": node.cpu(t),
        "maxcpu": node.spec.maxcpu,
        "mem": node.mem(t),
        "maxmem": node.spec.maxmem,
        "disk": node.rootfs_used(t),
        "maxdisk": node.spec.rootfs_total,
        "uptime": node.uptime(t),
    }


def node_status(node: LiveNode, t: float) -> dict[str, Any]:
    s, v = node.spec, VERSIONS[node.spec.pve_version]
    used = node.mem(t)
    free = max(0, int((s.maxmem - used) * 0.35))  # MemFree: page cache is not free
    swap_total = 8 * 1024**3
    rootfs_used = node.rootfs_used(t)
    memory: dict[str, int] = {"total": s.maxmem, "used": used, "free": free}
    if s.pve_version >= 9:
        memory["available"] = s.maxmem - used
    cores = s.maxcpu // s.sockets // (2 if s.maxcpu >= 8 else 1)
    return {
        "uptime": node.uptime(t),
        "idle": 0,
        "cpu": node.cpu(t),
        "wait": 0.0012,
        "loadavg": list(node.loadavg(t)),
        "kversion": f"Linux {v['kernel']} {v['kbuild']}",
        "pveversion": f"pve-manager/{v['version']}/{v['repoid']}",
        "cpuinfo": {
            "model": s.cpu_model,
            "cores": cores,
            "sockets": s.sockets,
            "cpus": s.maxcpu,
            "mhz": s.mhz,
            "hvm": "1",
            "user_hz": 100,
            "flags": "fpu vme de pse tsc msr pae",
        },
        "memory": memory,
        "swap": {"total": swap_total, "used": 0, "free": swap_total},
        "ksm": {"shared": 0},
        "rootfs": {
            "total": s.rootfs_total,
            "used": rootfs_used,
            "avail": int(s.rootfs_total * 0.95) - rootfs_used,
            "free": s.rootfs_total - rootfs_used,
        },
        "current-kernel": {
            "sysname": "Linux",
            "release": v["kernel"],
            "version": v["kbuild"],
            "machine": "x86_64",
        },
        "boot-info": {"mode": "efi", "secureboot": 0},
    }


def guest_list_entry(g: LiveGuest, t: float, ver: int, full: bool) -> dict[str, Any]:
    """One item of GET /nodes/{node}/qemu (optionally ?full=1) or /nodes/{node}/lxc."""
    s = g.sample(t)
    spec = g.spec
    e: dict[str, Any] = {
        "vmid": spec.vmid,
        "name": spec.name,
        "status": "running" if s.running else "stopped",
        "cpu": s.cpu,
        "cpus": spec.cpus,
        "maxmem": spec.maxmem,
        "disk": s.disk,
        "maxdisk": spec.maxdisk,
        "netin": s.netin,
        "netout": s.netout,
        "uptime": s.uptime,
    }
    if g.kind is GuestKind.LXC:
        e.update(
            type="lxc",
            mem=s.mem,
            swap=s.swap,
            maxswap=spec.maxswap,
            diskread=s.diskread,
            diskwrite=s.diskwrite,
        )
    else:
        host_view = s.memhost if ver >= 9 else min(s.memhost, spec.maxmem)
        if full:
            e["mem"] = s.mem if spec.balloon_stats else host_view
            # full mode copies `status` into `qmpstatus` for stopped VMs (qemu-server vmstatus)
            e["qmpstatus"] = "running" if s.running else "stopped"
            if s.running:
                e.update(diskread=s.diskread, diskwrite=s.diskwrite)
            elif ver < 9:
                e.update(diskread=0, diskwrite=0)
        else:
            e["mem"] = host_view
            if ver < 9:  # PVE 8 only reads block stats over QMP in full mode
                e.update(diskread=0, diskwrite=0)
        if ver >= 9:
            e["memhost"] = s.memhost
    if s.running:
        e["pid"] = 10000 + spec.vmid * 7
        if ver >= 9:
            _pressure(e, g, s)
    if spec.template:
        e["template"] = 1
    _opt(e, g, t)
    return e


def guest_status(g: LiveGuest, t: float, ver: int) -> dict[str, Any]:
    """GET /nodes/{node}/{qemu,lxc}/{vmid}/status/current (always `full` data)."""
    spec = g.spec
    e = guest_list_entry(g, t, ver, full=True)
    s = g.sample(t)
    managed = bool(spec.ha_state)
    ha: dict[str, Any] = {"managed": int(managed)}
    if managed:
        ha["state"] = spec.ha_state
        if ver < 9:
            ha["group"] = None
    e["ha"] = ha
    if g.kind is GuestKind.QEMU:
        v = VERSIONS[ver]
        e["qmpstatus"] = "running" if s.running else "stopped"
        if spec.agent.value != "none":
            e["agent"] = 1
        if s.running:
            e["running-machine"] = v["machine"]
            e["running-qemu"] = v["qemu"]
            e["balloon"] = spec.maxmem
            info: dict[str, Any] = {"actual": spec.maxmem, "max_mem": spec.maxmem}
            if spec.balloon_stats:
                e["freemem"] = s.freemem
                info.update(
                    total_mem=s.meminfo_total,
                    free_mem=s.freemem,
                    mem_swapped_in=0,
                    mem_swapped_out=0,
                    major_page_faults=2841,
                    minor_page_faults=391224 + s.uptime,
                    last_update=int(t) - int(t) % 2,
                )
            e["ballooninfo"] = info
    return e


def resource_guest(g: LiveGuest, tq: float, ver: int, online: bool) -> dict[str, Any]:
    """A qemu/lxc item of /cluster/resources (pvestatd's cached, full-mode numbers)."""
    spec = g.spec
    e: dict[str, Any] = {
        "id": f"{g.kind.value}/{spec.vmid}",
        "type": g.kind.value,
        "vmid": spec.vmid,
        "node": spec.node,
    }
    if not online:  # no fresh RRD data from a dead node: PVE only knows the guest exists
        e["status"] = "unknown"
        return e
    s = g.sample(tq)
    mem = (
        s.mem
        if (g.kind is GuestKind.LXC or spec.balloon_stats)
        else (s.memhost if ver >= 9 else min(s.memhost, spec.maxmem))
    )
    e.update(
        name=spec.name,
        status="running" if s.running else "stopped",
        cpu=s.cpu,
        maxcpu=spec.cpus,
        mem=mem,
        maxmem=spec.maxmem,
        disk=s.disk,
        maxdisk=spec.maxdisk,
        netin=s.netin,
        netout=s.netout,
        diskread=s.diskread,
        diskwrite=s.diskwrite,
        uptime=s.uptime,
        template=int(spec.template),
    )
    if ver >= 9:
        e["memhost"] = s.memhost if g.kind is GuestKind.QEMU else 0
    if spec.ha_state:
        e["hastate"] = spec.ha_state
    if spec.pool:
        e["pool"] = spec.pool
    _opt(e, g, tq)
    return e


def resource_node(node: LiveNode, tq: float, ha: bool) -> dict[str, Any]:
    e: dict[str, Any] = {
        "id": f"node/{node.name}",
        "type": "node",
        "node": node.name,
        "status": "online" if node.online else "offline",
    }
    if node.online:
        e["level"] = node.spec.level
        e.update(node_stats(node, tq))
        e["cgroup-mode"] = 2
        if ha:
            e["hastate"] = "online"
    return e


def cluster_status(inst: LivePve, local: str) -> list[dict[str, Any]]:
    nodes = list(inst.nodes.values())
    out: list[dict[str, Any]] = []
    if inst.spec.cluster:
        online = sum(n.online for n in nodes)
        out.append(
            {
                "type": "cluster",
                "id": "cluster",
                "name": inst.spec.cluster,
                "nodes": len(nodes),
                "quorate": int(online * 2 > len(nodes)),
                "version": len(nodes) + 2,
            }
        )
    for i, n in enumerate(nodes, start=1):
        out.append(
            {
                "type": "node",
                "id": f"node/{n.name}",
                "name": n.name,
                "ip": n.spec.ip,
                "local": int(n.name == local),
                "nodeid": i if inst.spec.cluster else 0,
                "online": int(n.online),
                "level": n.spec.level,
            }
        )
    return out


def guest_config(g: LiveGuest) -> dict[str, Any]:
    s = g.spec
    gib = s.maxdisk // 1024**3
    disk_store = "local-lvm"
    e: dict[str, Any]
    if g.kind is GuestKind.QEMU:
        e = {
            "name": s.name,
            "memory": str(s.maxmem // 1024**2),
            "cores": s.cpus,
            "sockets": 1,
            "ostype": s.ostype,
            "boot": "order=scsi0;net0",
            "scsihw": "virtio-scsi-single",
            "scsi0": f"{disk_store}:vm-{s.vmid}-disk-0,iothread=1,size={gib}G",
            "net0": f"virtio={s.mac},bridge=vmbr0,firewall=1",
            "onboot": 1,
            "numa": 0,
            "smbios1": f"uuid=6b0d8a3e-{s.vmid:04d}-4c1e-9d2a-5f0b3c7e9a1d",
            "vmgenid": f"0c6f8a52-{s.vmid:04d}-4d5e-8f7a-1b2c3d4e5f60",
        }
        if s.agent.value != "none":
            e["agent"] = "1"
        if not s.balloon_stats:
            e["balloon"] = 0
    else:
        e = {
            "hostname": s.name,
            "memory": s.maxmem // 1024**2,
            "swap": s.maxswap // 1024**2,
            "cores": s.cpus,
            "ostype": s.ostype,
            "arch": "amd64",
            "unprivileged": 1,
            "rootfs": f"{disk_store}:vm-{s.vmid}-disk-0,size={gib}G",
            "net0": f"name=eth0,bridge=vmbr0,hwaddr={s.mac},ip={s.ip}/24,type=veth",
            "features": "nesting=1",
            "onboot": 1,
        }
    if s.tags:
        e["tags"] = ";".join(s.tags)
    if s.lock:
        e["lock"] = s.lock
    if s.template:
        e["template"] = 1
    e["digest"] = f"{s.vmid:040x}"
    return e


def snapshot_list(g: LiveGuest, t0: float) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for snap in g.spec.snapshots:
        e: dict[str, Any] = {
            "name": snap.name,
            "snaptime": int(t0 - snap.age),
            "description": snap.description,
        }
        if snap.parent:
            e["parent"] = snap.parent
        if g.kind is GuestKind.QEMU and snap.vmstate:
            e["vmstate"] = 1
        out.append(e)
    current: dict[str, Any] = {
        "name": "current",
        "description": "You are here!",
        "digest": f"{g.vmid:040x}",
        "running": int(g.running),
    }
    if g.spec.snapshots:
        current["parent"] = g.spec.snapshots[-1].name
    out.append(current)
    return out
