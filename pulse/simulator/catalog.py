"""Name pools, hardware models and the loopback address plan used by the topology builders."""

from __future__ import annotations

from dataclasses import dataclass

from pulse.simulator.topology import GuestKind

GIB = 1024**3
DAY = 86400


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    kind: GuestKind
    cpus: int
    mem_gib: float
    disk_gib: int
    tags: tuple[str, ...]
    ostype: str = "l26"
    cpu_base: float = 0.05


_T = Template
_Q, _L = GuestKind.QEMU, GuestKind.LXC
CATALOG: tuple[Template, ...] = (
    _T("docker-host", _Q, 4, 8, 64, ("prod", "docker"), cpu_base=0.12),
    _T("home-assistant", _Q, 2, 4, 32, ("prod", "smarthome"), cpu_base=0.04),
    _T("pihole", _L, 1, 0.5, 8, ("dns",), cpu_base=0.01),
    _T("opnsense", _Q, 2, 4, 32, ("network", "prod"), "other", 0.06),
    _T("nginx-proxy", _L, 1, 1, 8, ("web",), cpu_base=0.02),
    _T("truenas", _Q, 4, 16, 32, ("storage",), cpu_base=0.08),
    _T("postgres", _L, 2, 4, 32, ("db", "prod"), cpu_base=0.05),
    _T("win11-desktop", _Q, 4, 8, 128, ("desktop",), "win11", 0.10),
    _T("grafana", _L, 1, 1, 8, ("monitoring",), cpu_base=0.02),
    _T("k3s-server", _Q, 2, 4, 32, ("k8s",), cpu_base=0.15),
    _T("jellyfin", _L, 4, 4, 16, ("media",), cpu_base=0.20),
    _T("nextcloud", _Q, 2, 4, 64, ("prod", "web"), cpu_base=0.06),
    _T("unifi", _L, 2, 2, 16, ("network",), cpu_base=0.03),
    _T("gitlab", _Q, 4, 8, 64, ("dev",), cpu_base=0.09),
    _T("mariadb", _L, 2, 2, 16, ("db",), cpu_base=0.04),
    _T("win-server-2022", _Q, 4, 8, 80, ("windows", "ad"), "win11", 0.07),
    _T("vaultwarden", _L, 1, 0.5, 4, ("security",), cpu_base=0.01),
    _T("ubuntu-dev", _Q, 4, 8, 64, ("dev",), cpu_base=0.03),
    _T("mqtt", _L, 1, 0.5, 4, ("smarthome",), cpu_base=0.01),
    _T("prometheus", _L, 2, 4, 32, ("monitoring",), cpu_base=0.06),
    _T("paperless", _L, 2, 2, 16, (), cpu_base=0.02),
    _T("debian-12-tmpl", _Q, 2, 2, 16, ("template",), cpu_base=0.0),
)

CPU_MODELS: tuple[tuple[str, int, int, str], ...] = (
    # model, logical cpus, sockets, mhz (PVE reports mhz as a string)
    ("AMD Ryzen 7 5700G with Radeon Graphics", 16, 1, "3800.000"),
    ("Intel(R) Core(TM) i5-8500T CPU @ 2.10GHz", 6, 1, "2100.000"),
    ("Intel(R) Xeon(R) Silver 4314 CPU @ 2.40GHz", 64, 2, "2400.000"),
    ("Intel(R) N100", 4, 1, "806.400"),
)


# Limits of the address plan below: every address must stay a valid 127.0.0.0/8 address.
MAX_INSTANCES = 155  # guest_ip: 127.(100 + instance)
MAX_NODES_PER_INSTANCE = 244  # node_ip: last octet 10 + k
MAX_GUESTS_PER_INSTANCE = 250 * 256


def check_address_plan(layout: list[tuple[int, int]]) -> None:
    """Refuse a topology whose addresses would leave 127.0.0.0/8; ``layout`` = (nodes, guests)
    per instance."""
    if len(layout) > MAX_INSTANCES:
        raise ValueError(f"at most {MAX_INSTANCES} PVE instances fit the loopback address plan")
    for nodes, guests in layout:
        if nodes > MAX_NODES_PER_INSTANCE:
            raise ValueError(f"at most {MAX_NODES_PER_INSTANCE} nodes per cluster")
        if guests > MAX_GUESTS_PER_INSTANCE:
            raise ValueError(f"at most {MAX_GUESTS_PER_INSTANCE} guests per cluster")


def node_ip(instance: int, k: int) -> str:
    """Node ``k`` (1-based) of PVE instance ``instance`` (0-based): 127.0.<instance+1>.<10+k>."""
    return f"127.0.{instance + 1}.{10 + k}"


def pbs_ip(index: int) -> str:
    return f"127.0.{200 + index}.10"


def guest_ip(instance: int, index: int) -> str:
    return f"127.{100 + instance}.{index // 250}.{index % 250 + 2}"
