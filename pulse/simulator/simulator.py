"""`Simulator`: starts a topology's endpoints, control API and dynamics; injects faults."""

from __future__ import annotations

import asyncio
import math
import socket
from types import TracebackType
from typing import Any

from pulse.simulator.auth import Authenticator, Credentials, Product
from pulse.simulator.clock import SimClock
from pulse.simulator.dynamics import EventLoop
from pulse.simulator.faults import ONE_SHOT
from pulse.simulator.info import ServerInfo
from pulse.simulator.model import Model, build_model
from pulse.simulator.pbs_routes import PbsApi
from pulse.simulator.pve_routes import PveApi
from pulse.simulator.server import Endpoint, bind_group
from pulse.simulator.tls import CertificateStore
from pulse.simulator.topology import Fault, FaultSpec, Topology

PVE_CAP = {
    "dc": {"Sys.Audit": 1},
    "nodes": {"Sys.Audit": 1},
    "vms": {"VM.Audit": 1},
    "storage": {"Datastore.Audit": 1},
    "access": {},
    "sdn": {"SDN.Audit": 1},
    "mapping": {},
}


class Simulator:
    """Async context manager serving a :class:`Topology` on loopback HTTPS.

    Ground truth for tests: ``sim.model`` (live nodes, guests, storage, backups, PBS datastores)
    evaluated at ``sim.now()``.
    """

    def __init__(
        self, topology: Topology, *, clock: SimClock | None = None, agent_ping_delay: float = 0.0
    ) -> None:
        self.topology = topology
        self.clock = clock or SimClock()
        # real PVE waits 3 s for guest-ping before "QEMU guest agent is not running"; tests want 0
        self.agent_ping_delay = agent_ping_delay
        self.model: Model = build_model(topology.pve, topology.pbs, topology.seed, self.clock.now())
        self._events = EventLoop(self.model, topology.dynamics, topology.seed)
        self._certs: CertificateStore | None = None
        self.endpoints: dict[str, Endpoint] = {}
        self._instance_of: dict[str, str] = {}  # endpoint name -> instance name
        self._auth: dict[str, Authenticator] = {}
        self._creds: dict[str, Credentials] = {}
        self._control: Any = None
        self.control_url = ""
        self._lock = asyncio.Lock()

    # lifecycle --------------------------------------------------------------------------------
    async def __aenter__(self) -> Simulator:
        try:
            await self._start()
        except BaseException:
            await self._stop()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._stop()

    async def _start(self) -> None:
        from pulse.simulator.control import ControlServer

        self._certs = certs = CertificateStore()
        topo = self.topology
        life = topo.ticket_lifetime
        for inst in self.model.pve.values():
            spec = inst.spec
            creds = Credentials(
                "root@pam",
                spec.password,
                "pulse-monitor@pam!pulse",
                spec.token_secret,
                "pulse-restricted@pve!audit",
                spec.restricted_token_secret,
            )
            auth = Authenticator(Product.PVE, creds, self.clock.now, life)
            self._auth[inst.name], self._creds[inst.name] = auth, creds
            api = PveApi(self.model, inst, self.fingerprint, lambda: self.agent_ping_delay)
            clustername = spec.cluster

            def on_login(data: dict[str, object], cluster: str | None = clustername) -> None:
                data["cap"] = PVE_CAP
                if cluster:
                    data["clustername"] = cluster

            for node in inst.nodes.values():
                self.endpoints[node.name] = Endpoint(
                    name=node.name,
                    product=Product.PVE,
                    host=node.spec.ip,
                    router=api.router,
                    auth=auth,
                    certs=certs,
                    now=self.now,
                    on_login=on_login,
                )
                self._instance_of[node.name] = inst.name
            eps = [self.endpoints[n] for n in inst.nodes]
            _, socks = bind_group([e.host for e in eps], topo.pve_port)
            await self._start_all(eps, socks)
        for pbs in self.model.pbs.values():
            ps = pbs.spec
            creds = Credentials(
                "root@pam",
                ps.password,
                "pulse-monitor@pbs!pulse",
                ps.token_secret,
                "pulse-restricted@pbs!audit",
                ps.restricted_token_secret,
            )
            auth = Authenticator(Product.PBS, creds, self.clock.now, life)
            self._auth[pbs.name], self._creds[pbs.name] = auth, creds
            ep = Endpoint(
                name=pbs.name,
                product=Product.PBS,
                host=ps.ip,
                router=PbsApi(self.model, pbs, self.fingerprint).router,
                auth=auth,
                certs=certs,
                now=self.now,
            )
            self.endpoints[pbs.name] = ep
            self._instance_of[pbs.name] = pbs.name
            _, socks = bind_group([ps.ip], topo.pbs_port)
            await self._start_all([ep], socks)
        self._control = ControlServer(self)
        self.control_url = await self._control.start(topo.control_port)
        for target, f in topo.faults.items():
            fs = f if isinstance(f, FaultSpec) else FaultSpec(f)
            await self.set_fault(target, fs.fault, latency=fs.latency)

    @staticmethod
    async def _start_all(eps: list[Endpoint], socks: list[socket.socket]) -> None:
        try:
            for ep, sock in zip(eps, socks, strict=True):
                await ep.start(sock)
        except BaseException:
            for sock in socks:  # sockets not yet owned by a listener
                sock.close()
            raise

    async def _stop(self) -> None:
        if self._control is not None:
            await self._control.stop()
            self._control = None
        for ep in self.endpoints.values():
            await ep.stop()
        if self._certs is not None:
            self._certs.close()
            self._certs = None

    # facts ----------------------------------------------------------------------------------
    def now(self) -> float:
        """Current simulated time; replays due dynamics events first."""
        t = self.clock.now()
        self._events.advance(t)
        return t

    def fingerprint(self, name: str) -> str:
        """Current certificate fingerprint of a node or PBS server (``AA:BB:...``)."""
        return self.endpoints[name].fingerprint

    @property
    def servers(self) -> list[ServerInfo]:
        out: list[ServerInfo] = []
        for inst in self.model.pve.values():
            eps = [self.endpoints[n] for n in inst.nodes]
            out.append(
                self._info(
                    "pve", inst.name, eps, inst.spec.cluster, inst.entry_node().spec.pve_version
                )
            )
        for pbs in self.model.pbs.values():
            out.append(
                self._info("pbs", pbs.name, [self.endpoints[pbs.name]], None, pbs.spec.pbs_version)
            )
        return out

    def _info(
        self, kind: str, name: str, eps: list[Endpoint], cluster: str | None, ver: int
    ) -> ServerInfo:
        c = self._creds[name]
        first = eps[0]
        return ServerInfo(
            kind="pve" if kind == "pve" else "pbs",
            name=name,
            url=first.url,
            host=first.host,
            port=first.port,
            token_id=c.token_id,
            token_secret=c.token_secret,
            username=c.username,
            password=c.password,
            restricted_token_id=c.restricted_token_id,
            restricted_token_secret=c.restricted_token_secret,
            fingerprint=first.fingerprint,
            cluster=cluster,
            nodes=tuple(e.name for e in eps),
            node_urls=tuple(e.url for e in eps),
            node_fingerprints=tuple(e.fingerprint for e in eps),
            version=ver,
        )

    def server(self, name: str) -> ServerInfo:
        for s in self.servers:
            if s.name == name:
                return s
        raise KeyError(name)

    def info(self) -> dict[str, object]:
        return {"servers": [s.to_json() for s in self.servers], "control": self.control_url}

    def faults(self) -> dict[str, dict[str, object]]:
        return {name: ep.fault.to_json() for name, ep in self.endpoints.items() if ep.fault.fault}

    # fault injection ------------------------------------------------------------------------------
    async def set_fault(
        self, target: str, fault: Fault | str | None, *, latency: float = 0.0
    ) -> None:
        """Inject (or with ``None`` clear) a fault on a PVE node or PBS server."""
        if target not in self.endpoints:
            raise KeyError(f"unknown target {target!r}; known: {sorted(self.endpoints)}")
        if not math.isfinite(latency) or latency < 0:
            raise ValueError("latency must be a finite number of seconds >= 0")
        fault = Fault(fault) if fault is not None else None
        async with self._lock:
            ep = self.endpoints[target]
            if fault is Fault.ROTATE_CERT:
                ep.new_certificate()
                if ep.listening:
                    await ep.restart()
                return
            if fault is Fault.EXPIRE_TICKETS:
                self._auth[self._instance_of[target]].rotate_key()
                return
            previous = ep.fault.fault
            ep.fault.fault, ep.fault.latency = fault, (latency if fault is Fault.SLOW else 0.0)
            if previous is Fault.HANG and fault is not Fault.HANG:
                ep.fault.release()
            self._set_online(target, fault is not Fault.OFFLINE)
            if fault is Fault.OFFLINE:
                await ep.stop()
            elif not ep.listening:
                await ep.start()

    def _set_online(self, target: str, online: bool) -> None:
        if target in self.model.pbs:
            self.model.pbs[target].online = online
        else:
            self.model.node(target).online = online

    async def rotate_certificate(self, target: str) -> str:
        await self.set_fault(target, Fault.ROTATE_CERT)
        return self.fingerprint(target)

    def expire_tickets(self, target: str) -> None:
        self._auth[self._instance_of[target]].rotate_key()


__all__ = ["ONE_SHOT", "Simulator"]
