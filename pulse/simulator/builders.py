"""Deterministic topology builders: homelab (tests), demo (pulse --demo), scaled (benchmarks)."""

from __future__ import annotations

import random
import uuid

from pulse.simulator.catalog import (
    CATALOG,
    CPU_MODELS,
    DAY,
    GIB,
    Template,
    check_address_plan,
    guest_ip,
    node_ip,
    pbs_ip,
)
from pulse.simulator.topology import (
    AgentMode,
    BackupSpec,
    DatastoreSpec,
    Dynamics,
    Fault,
    FilesystemSpec,
    GuestKind,
    GuestSpec,
    NodeSpec,
    PbsSnapshotSpec,
    PbsSpec,
    PveSpec,
    Rates,
    SnapshotSpec,
    StorageSpec,
    Topology,
)


def _secret(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def _filesystems(
    rng: random.Random, t: Template, disk: int, used: float
) -> tuple[FilesystemSpec, ...]:
    if t.ostype.startswith("win"):
        return (
            FilesystemSpec(
                "\\\\?\\Volume{5c7b1d2e-0000-0000-0000-100000000000}\\",
                "System Reserved",
                "NTFS",
                0,
                0,
            ),
            FilesystemSpec(
                "\\\\?\\Volume{5c7b1d2e-0000-0000-0000-501f00000000}\\",
                "C:\\",
                "NTFS",
                disk - 600 * 1024**2,
                int((disk - 600 * 1024**2) * used),
            ),
        )
    root_total = disk - 1100 * 1024**2
    fss = [
        FilesystemSpec("sda1", "/", "ext4", root_total, int(root_total * used)),
        FilesystemSpec("sda15", "/boot/efi", "vfat", 109422592, 6303744),
    ]
    if rng.random() < 0.4:  # snap loop devices: used == total, no disk address
        fss.append(
            FilesystemSpec("loop0", "/snap/core22/1380", "squashfs", 77463552, 77463552, False)
        )
    if rng.random() < 0.3:  # a bind mount: the same device listed twice
        fss.append(
            FilesystemSpec("sda1", "/var/lib/docker", "ext4", root_total, int(root_total * used))
        )
    return tuple(reversed(fss))  # the agent lists mounts in reverse order


def _snapshots(rng: random.Random) -> tuple[SnapshotSpec, ...]:
    n = rng.choice((0, 0, 0, 1, 1, 2, 3))
    names = ("before-upgrade", "pre-config-change", "clean-install", "weekly")
    snaps: list[SnapshotSpec] = []
    age = rng.randint(20, 60) * DAY
    for i in range(n):
        parent = snaps[-1].name if snaps else ""
        snaps.append(
            SnapshotSpec(
                names[i],
                age,
                f"snapshot {names[i]}" if i != 1 else "",
                parent,
                vmstate=rng.random() < 0.3,
            )
        )
        age -= rng.randint(2, 15) * DAY
    return tuple(snaps)


def _guest(
    rng: random.Random, inst: int, idx: int, vmid: int, node: str, t: Template, suffix: str
) -> GuestSpec:
    template = "template" in t.tags
    # every sixth guest is stopped, so each topology shows stopped VMs; others stop at random
    running = not template and idx % 6 != 5 and rng.random() < 0.9
    mem = int(t.mem_gib * GIB)
    disk = t.disk_gib * GIB
    used = rng.uniform(0.15, 0.85)
    agent = AgentMode.NONE
    if t.kind is GuestKind.QEMU and not template:
        agent = rng.choices((AgentMode.RUNNING, AgentMode.NOT_RUNNING, AgentMode.NONE), (7, 1, 2))[
            0
        ]
    scale = rng.uniform(0.3, 3.0)
    lock = ""
    if not template and rng.random() < 0.03:
        lock = rng.choice(("snapshot", "migrate", "suspended"))
    mac = f"BC:24:11:{inst & 0xFF:02X}:{(idx >> 8) & 0xFF:02X}:{idx & 0xFF:02X}"
    return GuestSpec(
        vmid=vmid,
        name=t.name + suffix,
        kind=t.kind,
        node=node,
        cpus=t.cpus,
        maxmem=mem,
        maxdisk=disk,
        running=running,
        uptime=rng.randint(3600, 40 * DAY) if running else 0,
        cpu_base=t.cpu_base * rng.uniform(0.5, 1.5),
        mem_base=rng.uniform(0.3, 0.8),
        disk_base=used,
        rates=Rates(
            netin=round(rng.uniform(500, 200_000) * scale),
            netout=round(rng.uniform(500, 150_000) * scale),
            diskread=round(rng.uniform(0, 300_000) * scale),
            diskwrite=round(rng.uniform(1000, 400_000) * scale),
        ),
        ip=guest_ip(inst, idx),
        mac=mac,
        ostype=t.ostype if t.kind is GuestKind.QEMU else "debian",
        template=template,
        tags=t.tags if not template else (),
        lock=lock,
        ha_state="started" if running and "prod" in t.tags and rng.random() < 0.6 else "",
        agent=agent,
        balloon_stats=not t.ostype.startswith("win"),
        maxswap=512 * 1024**2 if t.kind is GuestKind.LXC else 0,
        filesystems=_filesystems(rng, t, disk, used) if agent is AgentMode.RUNNING else (),
        snapshots=_snapshots(rng) if not template else (),
    )


def _nodes(
    rng: random.Random, inst: int, names: list[str], versions: list[int]
) -> tuple[NodeSpec, ...]:
    out = []
    for k, (name, ver) in enumerate(zip(names, versions, strict=True), start=1):
        model, cpus, sockets, mhz = CPU_MODELS[(inst + k) % len(CPU_MODELS)]
        out.append(
            NodeSpec(
                name=name,
                ip=node_ip(inst, k),
                maxcpu=cpus,
                maxmem=rng.choice((32, 64, 128)) * GIB,
                rootfs_total=rng.choice((100861726720, 236223201280, 68182605824)),
                cpu_model=model,
                sockets=sockets,
                mhz=mhz,
                uptime=rng.randint(2 * DAY, 90 * DAY),
                cpu_base=rng.uniform(0.05, 0.3),
                mem_base=rng.uniform(0.35, 0.75),
                rootfs_base=rng.uniform(0.1, 0.5),
                pve_version=ver,
                level=rng.choice(("", "", "c")),
            )
        )
    return tuple(out)


def _storages(
    rng: random.Random, inst: int, zfs: bool, pbs_name: str | None, pbs_addr: str, namespace: str
) -> tuple[StorageSpec, ...]:
    out = [
        StorageSpec(
            "local",
            "dir",
            ("backup", "iso", "vztmpl"),
            100861726720,
            rng.uniform(0.1, 0.4),
            path="/var/lib/vz",
        )
    ]
    if zfs:
        out.append(
            StorageSpec(
                "local-zfs",
                "zfspool",
                ("images", "rootdir"),
                1888262373376,
                rng.uniform(0.2, 0.6),
                pool="rpool/data",
            )
        )
    else:
        out.append(
            StorageSpec(
                "local-lvm",
                "lvmthin",
                ("images", "rootdir"),
                1836337004544,
                rng.uniform(0.2, 0.6),
                vgname="pve",
                thinpool="data",
            )
        )
    out.append(
        StorageSpec(
            "nas-backup",
            "nfs",
            ("backup", "iso"),
            7999376588800,
            rng.uniform(0.3, 0.7),
            shared=True,
            path="/mnt/pve/nas-backup",
            server=f"127.0.250.{inst + 1}",
            export="/volume1/proxmox",
        )
    )
    if pbs_name:
        out.append(
            StorageSpec(
                "pbs-main",
                "pbs",
                ("backup",),
                0,
                0.0,
                shared=True,
                server=pbs_addr,
                datastore="main",
                pbs_server=pbs_name,
                namespace=namespace,
            )
        )
    return tuple(out)


def _backups(
    rng: random.Random, guests: list[GuestSpec], first_node: str, limit: int
) -> tuple[BackupSpec, ...]:
    out = []
    for g in guests[:limit]:
        if g.template or rng.random() < 0.3:
            continue
        for day in range(rng.randint(1, 3)):
            storage = rng.choice(("local", "nas-backup"))
            out.append(
                BackupSpec(
                    storage=storage,
                    node=g.node if storage == "local" else first_node,
                    vmid=g.vmid,
                    kind=g.kind,
                    age=day * DAY + rng.randint(3 * 3600, 5 * 3600),
                    size=int(g.maxdisk * rng.uniform(0.05, 0.3)),
                    notes=g.name if rng.random() < 0.7 else "",
                    protected=rng.random() < 0.05,
                )
            )
    return tuple(out)


def _pbs_snapshots(
    rng: random.Random, guests: list[GuestSpec], ns: str, per_guest: int
) -> list[PbsSnapshotSpec]:
    out = []
    for g in guests:
        if g.template or rng.random() < 0.2:
            continue
        btype = "vm" if g.kind is GuestKind.QEMU else "ct"
        for i in range(rng.randint(1, per_guest)):
            size = int(g.maxdisk * rng.uniform(0.05, 0.4))
            files = (
                (
                    ("index.json.blob", 512),
                    ("qemu-server.conf.blob", 433),
                    ("drive-scsi0.img.fidx", size),
                    ("client.log.blob", 2271),
                )
                if btype == "vm"
                else (
                    ("index.json.blob", 488),
                    ("pct.conf.blob", 312),
                    ("root.pxar.didx", size),
                    ("catalog.pcat1.didx", 7720),
                )
            )
            out.append(
                PbsSnapshotSpec(
                    ns=ns,
                    backup_type=btype,
                    backup_id=str(g.vmid),
                    age=i * DAY + rng.randint(3600, 7200),
                    size=size + 3204,
                    protected=(g.vmid % 9 == 4 and i == 0) or rng.random() < 0.03,
                    comment=g.name if rng.random() < 0.8 else "",
                    verification="failed"
                    if (g.vmid % 5 == 1 and i == 0)
                    else rng.choices(("ok", ""), (3, 1))[0],
                    files=files,
                )
            )
    return out


def build_topology(
    *,
    seed: int,
    clusters: list[tuple[str, int, int]],
    standalone: list[tuple[str, int]],
    pbs: bool = True,
    dynamics: Dynamics | None = None,
    faults: dict[str, Fault] | None = None,
    versions: dict[str, int] | None = None,
    pbs_per_guest: int = 3,
    local_backups: int = 60,
) -> Topology:
    """Assemble a topology.

    ``clusters`` = [(name, nodes, guests)], ``standalone`` = [(node name, guests)].
    """
    rng = random.Random(seed)
    versions = versions or {}
    pbs_name = "pbs1" if pbs else None
    pves: list[PveSpec] = []
    pbs_snaps: list[PbsSnapshotSpec] = []
    namespaces = [""]
    layout = [(name, n, g, True) for name, n, g in clusters] + [
        (name, 1, g, False) for name, g in standalone
    ]
    check_address_plan([(n, g) for _, n, g, _ in layout])
    for inst, (name, n_nodes, n_guests, is_cluster) in enumerate(layout):
        names = (
            [f"{name}-{k:02d}" if n_nodes > 9 else f"pve{k}" for k in range(1, n_nodes + 1)]
            if is_cluster
            else [name]
        )
        if is_cluster and inst > 0 and n_nodes <= 9:
            names = [f"{name}-pve{k}" for k in range(1, n_nodes + 1)]
        vers = [versions.get(nm, 9 if (k % 3) else 8) for k, nm in enumerate(names, start=1)]
        nodes = _nodes(rng, inst, names, vers)
        guests = []
        for i in range(n_guests):
            t = CATALOG[i % len(CATALOG)]
            suffix = "" if n_guests <= len(CATALOG) else f"-{i // len(CATALOG) + 1:03d}"
            node = names[i % len(names)]
            guests.append(_guest(rng, inst, i, 100 + i, node, t, suffix))
        ns = "" if inst == 0 else name
        if ns:
            namespaces.append(ns)
        storages = _storages(
            rng, inst, zfs=inst % 2 == 1, pbs_name=pbs_name, pbs_addr=pbs_ip(0), namespace=ns
        )
        pbs_snaps += _pbs_snapshots(rng, guests, ns, pbs_per_guest) if pbs else []
        pves.append(
            PveSpec(
                name=name,
                cluster=name if is_cluster else None,
                nodes=nodes,
                guests=tuple(guests),
                storages=storages,
                backups=_backups(rng, guests, names[0], local_backups),
                token_secret=_secret(rng),
                restricted_token_secret=_secret(rng),
                password=_secret(rng)[:18],
            )
        )
    pbs_specs: tuple[PbsSpec, ...] = ()
    if pbs:
        main = DatastoreSpec(
            "main",
            "Main backup store",
            "/mnt/datastore/main",
            3998614552576,
            0.42,
            namespaces=(*namespaces, *(f"{ns}/archive" for ns in namespaces[1:2])),
            snapshots=tuple(pbs_snaps),
        )
        offsite = DatastoreSpec(
            "offsite",
            "Offsite replica",
            "/mnt/datastore/offsite",
            7999376588800,
            0.18,
            namespaces=("",),
            snapshots=tuple(pbs_snaps[: max(1, len(pbs_snaps) // 10)]),
        )
        pbs_specs = (
            PbsSpec(
                name="pbs1",
                ip=pbs_ip(0),
                hostname="pbs1",
                pbs_version=4,
                datastores=(main, offsite),
                uptime=rng.randint(5 * DAY, 60 * DAY),
                maxmem=16 * GIB,
                cpus=8,
                cpu_base=0.04,
                mem_base=0.5,
                token_secret=_secret(rng),
                restricted_token_secret=_secret(rng),
                password=_secret(rng)[:18],
            ),
        )
    return Topology(
        seed=seed,
        pve=tuple(pves),
        pbs=pbs_specs,
        dynamics=dynamics or Dynamics(),
        faults=dict(faults or {}),
    )


def homelab_topology(seed: int = 1) -> Topology:
    """Small deterministic setup for tests: 3-node cluster (PVE 9, 9, 8), a standalone PVE 8 node,
    one PBS; no random start/stop and no new backups."""
    return build_topology(
        seed=seed,
        clusters=[("homelab", 3, 14)],
        standalone=[("pve-edge", 5)],
        versions={"pve1": 9, "pve2": 9, "pve3": 8, "pve-edge": 8},
    )


def demo_topology(seed: int = 7) -> Topology:
    """What `pulse --demo` runs: the homelab shape with pve3 offline and dynamics switched on."""
    return build_topology(
        seed=seed,
        clusters=[("homelab", 3, 18)],
        standalone=[("pve-edge", 6)],
        versions={"pve1": 9, "pve2": 9, "pve3": 8, "pve-edge": 8},
        dynamics=Dynamics(
            start_stop=True, start_stop_interval=300.0, backups=True, backup_interval=600.0
        ),
        faults={"pve3": Fault.OFFLINE},
    )


def scaled_topology(
    nodes: int = 100, guests: int = 5000, *, seed: int = 42, cluster_size: int = 20
) -> Topology:
    """Benchmark topology: ``nodes`` in clusters of ``cluster_size``, guests spread evenly."""
    if nodes < 1 or guests < 0:
        raise ValueError("need at least one node")
    sizes = [cluster_size] * (nodes // cluster_size) + (
        [nodes % cluster_size] if nodes % cluster_size else []
    )
    per = [guests * s // nodes for s in sizes]
    per[0] += guests - sum(per)
    clusters = [
        (f"dc{i + 1}", s, g) for i, (s, g) in enumerate(zip(sizes, per, strict=True)) if s > 1
    ]
    standalone = [
        (f"dc{i + 1}", g) for i, (s, g) in enumerate(zip(sizes, per, strict=True)) if s == 1
    ]
    return build_topology(
        seed=seed, clusters=clusters, standalone=standalone, pbs_per_guest=1, local_backups=200
    )
