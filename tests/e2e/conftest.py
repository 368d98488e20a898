"""End-to-end fixtures: the simulator on loopback and the whole app monitoring it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from pulse import keys
from pulse.config.nodes import InstanceConfig, InstanceKind
from pulse.simulator import ServerInfo, Simulator, homelab_topology
from tests.conftest import AppClient


def instance_for(server: ServerInfo, instance_id: str, **changes: Any) -> InstanceConfig:
    """An instance config for a simulated server: API token, pinned fingerprint."""
    base = InstanceConfig(
        id=instance_id,
        kind=InstanceKind(server.kind),
        name=server.name,
        host=server.url,
        token_name=server.token_id,
        token_value=server.token_secret,
        fingerprint=server.fingerprint,
    )
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


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    async with Simulator(homelab_topology()) as simulator:
        yield simulator


@pytest.fixture
async def monitor(app_client: AppClient, sim: Simulator) -> Monitor:
    client = await app_client(polling_interval=1, connection_timeout=1)
    client.app[keys.POLLERS].max_backoff = 1.0
    return Monitor(client, sim)
