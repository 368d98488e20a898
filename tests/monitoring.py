"""Monitoring a simulator end to end: the whole app polling it, read through /api/state."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from pulse import keys
from pulse.config.nodes import InstanceConfig, InstanceKind
from pulse.demo import instance_for as demo_instance
from pulse.simulator import ServerInfo, Simulator


def instance_for(server: ServerInfo, instance_id: str, **changes: Any) -> InstanceConfig:
    """The demo's instance config for a simulated server, with test-specific changes."""
    base = demo_instance(server, instance_id)
    return base.replace(**changes) if changes else base


@dataclass
class Monitor:
    client: TestClient[web.Request, web.Application]
    sim: Simulator

    @property
    def app(self) -> web.Application:
        return self.client.app  # type: ignore[return-value]

    async def add(self, server: ServerInfo, **changes: Any) -> InstanceConfig:
        registry = self.app[keys.NODES]
        instance = instance_for(server, registry.next_id(InstanceKind(server.kind)), **changes)
        await registry.put(instance)
        return instance

    async def add_all(self) -> None:
        for server in self.sim.servers:
            await self.add(server)

    async def state(self) -> dict[str, Any]:
        response = await self.client.get("/api/state")
        assert response.status == 200
        data: dict[str, Any] = await response.json()
        return data

    async def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], limit: float = 15.0
    ) -> dict[str, Any]:
        """Poll /api/state until `predicate(state)` holds (fails the test after `limit` s)."""
        deadline = asyncio.get_running_loop().time() + limit
        while True:
            state = await self.state()
            if predicate(state):
                return state
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"condition not met within {limit} s; last state: {state}")
            await asyncio.sleep(0.1)
