"""Shared fixtures: settings in a temporary data dir, and the whole app behind a real client."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from pulse.app import create_app
from pulse.config.settings import Settings, load_settings

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
