"""A faithful Proxmox VE + Backup Server API simulator on loopback (demo, tests, benchmarks)."""

from pulse.simulator.builders import (
    build_topology,
    demo_topology,
    homelab_topology,
    scaled_topology,
)
from pulse.simulator.clock import SimClock
from pulse.simulator.info import ServerInfo
from pulse.simulator.simulator import Simulator
from pulse.simulator.topology import Dynamics, Fault, FaultSpec, Topology

__all__ = [
    "Dynamics",
    "Fault",
    "FaultSpec",
    "ServerInfo",
    "SimClock",
    "Simulator",
    "Topology",
    "build_topology",
    "demo_topology",
    "homelab_topology",
    "scaled_topology",
]
