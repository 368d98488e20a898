"""Optional events (guests start/stop, new backups) replayed lazily up to the current sim time."""

from __future__ import annotations

import random

from pulse.simulator.model import LiveBackup, LiveGuest, Model, PbsSnapshot
from pulse.simulator.topology import Dynamics, GuestKind

# A clock jumping weeks ahead must not stall a request: older events are skipped past this many.
MAX_EVENTS_PER_CALL = 5000


class EventLoop:
    """Two Poisson streams drawn from the seed, processed in time order whenever time moves.

    The outcome at time t depends only on the seed and t, not on when requests arrived.
    """

    def __init__(self, model: Model, dynamics: Dynamics, seed: int) -> None:
        self.model = model
        self.dynamics = dynamics
        self._rng = random.Random(seed ^ 0xD1CE)
        self._guests = [g for g in model.all_guests() if not g.spec.template]
        inf = float("inf")
        t0 = model.t0
        self._next_ss = t0 + self._gap(dynamics.start_stop_interval) if dynamics.start_stop else inf
        self._next_bk = t0 + self._gap(dynamics.backup_interval) if dynamics.backups else inf

    def _gap(self, mean: float) -> float:
        return self._rng.expovariate(1.0 / max(1.0, mean))

    def advance(self, t: float) -> None:
        if not self._guests:
            return
        budget = MAX_EVENTS_PER_CALL
        while budget and min(self._next_ss, self._next_bk) <= t:
            budget -= 1
            if self._next_ss <= self._next_bk:
                self._start_stop(self._next_ss)
                self._next_ss += self._gap(self.dynamics.start_stop_interval)
            else:
                self._backup(self._next_bk)
                self._next_bk += self._gap(self.dynamics.backup_interval)
        if not budget:  # fell far behind: resynchronise instead of replaying everything
            if self._next_ss <= t:
                self._next_ss = t + self._gap(self.dynamics.start_stop_interval)
            if self._next_bk <= t:
                self._next_bk = t + self._gap(self.dynamics.backup_interval)

    def _start_stop(self, at: float) -> None:
        g = self._rng.choice(self._guests)
        if g.running:
            g.running = False
            self.model.events.append((at, f"stop {g.instance.name}/{g.node}/{g.vmid}"))
        else:
            g.running = True
            g.started_at = at  # counters restart from zero, like a fresh QEMU/LXC process
            self.model.events.append((at, f"start {g.instance.name}/{g.node}/{g.vmid}"))
        kind = ("qm" if g.kind is GuestKind.QEMU else "vz") + ("start" if g.running else "stop")
        g.instance.add_task(g.node, kind, str(g.vmid), int(at), int(at) + 2, "OK")

    def _backup(self, at: float) -> None:
        g = self._rng.choice(self._guests)
        inst = g.instance
        storages = [s for s in inst.spec.storages if "backup" in s.content]
        if not storages:
            return
        st = self._rng.choice(storages)
        start = int(at)
        duration = self._rng.randint(30, 600)
        size = int(g.spec.maxdisk * self._rng.uniform(0.05, 0.3))
        failed = self._rng.random() < 0.05
        status = "job errors" if failed else "OK"
        inst.add_task(g.node, "vzdump", str(g.vmid), start, start + duration, status)
        g.backup_until = max(g.backup_until, float(start + duration))
        self.model.events.append((at, f"backup {inst.name}/{g.vmid} -> {st.storage}"))
        if failed:
            return
        if st.type == "pbs":
            self._pbs_snapshot(g, st.pbs_server, st.datastore, st.namespace, start, duration, size)
        else:
            node = g.node if not st.shared else next(iter(inst.nodes))
            inst.add_backup(
                LiveBackup(
                    st.storage,
                    node,
                    g.vmid,
                    g.kind,
                    start,
                    size,
                    g.spec.name,
                    False,
                    float(start + duration),
                )
            )

    def _pbs_snapshot(
        self, g: LiveGuest, server: str, store: str, ns: str, start: int, duration: int, size: int
    ) -> None:
        pbs = self.model.pbs.get(server)
        if pbs is None or store not in pbs.datastores:
            return
        btype = "vm" if g.kind is GuestKind.QEMU else "ct"
        files = (
            (("index.json.blob", 512), ("drive-scsi0.img.fidx", size))
            if btype == "vm"
            else (("index.json.blob", 488), ("root.pxar.didx", size))
        )
        pbs.datastores[store].add(
            PbsSnapshot(
                ns,
                btype,
                str(g.vmid),
                start,
                size + 1000,
                False,
                g.spec.name,
                "",
                files,
                float(start + duration),
            )
        )
