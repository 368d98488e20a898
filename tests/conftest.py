"""Shared fixtures: settings in a temporary data dir, and the whole app behind a real client."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from pulse import keys
from pulse.app import create_app
from pulse.config.settings import Settings, load_settings
from pulse.simulator import Simulator, homelab_topology
from tests.monitoring import Monitor

# Tests talk to loopback only: discovery refuses any other address before sending a packet.
os.environ["PULSE_DISCOVERY_LOOPBACK_ONLY"] = "1"

AppClient = Callable[..., Awaitable[TestClient[web.Request, web.Application]]]


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir(mode=0o700)
    return path


@pytest.fixture
def make_settings(data_dir: Path) -> Callable[..., Settings]:
    """Settings from an empty environment plus the given overrides (data dir preset)."""

    def make(env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        overrides.setdefault("data_dir", data_dir)
        return load_settings(env or {}, overrides=overrides)

    return make


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture
def app_client(
    aiohttp_client: Callable[..., Awaitable[TestClient[web.Request, web.Application]]],
    make_settings: Callable[..., Settings],
) -> AppClient:
    """`await app_client(env={...}, **overrides)` -> a test client for the full app."""

    async def make(
        env: dict[str, str] | None = None, **overrides: Any
    ) -> TestClient[web.Request, web.Application]:
        return await aiohttp_client(create_app(make_settings(env, **overrides)))

    return make


@pytest.fixture
async def sim() -> AsyncIterator[Simulator]:
    """The homelab topology on loopback: a 3-node cluster, a standalone node, a PBS."""
    async with Simulator(homelab_topology()) as simulator:
        yield simulator


@pytest.fixture
async def monitor(app_client: AppClient, sim: Simulator) -> Monitor:
    """The whole app monitoring `sim`, polling every second with short back-off."""
    client = await app_client(polling_interval=1, connection_timeout=1)
    client.app[keys.POLLERS].max_backoff = 1.0
    return Monitor(client, sim)
