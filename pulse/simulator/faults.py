"""Fault state of one endpoint (a PVE node or a PBS server) and what each fault means.

* ``offline``  the node stops listening (connection refused) and its cluster peers report it
  offline; clearing it listens again on the same address and port.
* ``hang``     connections are accepted and requests never answered; clearing it drops the
  hung connections.
* ``slow``     every answer is delayed by ``latency`` wall-clock seconds.
* ``error500`` every request gets HTTP 500 in the product's error format.
* ``malformed`` every request gets HTTP 200 with a truncated, invalid JSON body.
* ``expire_tickets`` one-shot: the signing key of the instance rotates, so every ticket issued so
  far answers 401 (tickets are cluster-wide on PVE); logging in again works.
* ``rotate_cert`` one-shot: a new self-signed certificate (new fingerprint); the listener restarts.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from pulse.simulator.topology import Fault

ONE_SHOT = frozenset({Fault.EXPIRE_TICKETS, Fault.ROTATE_CERT})


@dataclass(slots=True)
class FaultState:
    fault: Fault | None = None
    latency: float = 0.0
    hung: set[asyncio.Future[None]] = field(default_factory=set)

    def to_json(self) -> dict[str, object]:
        return {"fault": self.fault.value if self.fault else None, "latency": self.latency}

    async def hang(self) -> None:
        """Wait until the hang is cleared or the listener stops."""
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.hung.add(fut)
        try:
            await fut
        finally:
            self.hung.discard(fut)

    def release(self) -> None:
        for fut in list(self.hung):
            if not fut.done():
                fut.set_result(None)
