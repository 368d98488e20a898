"""Fixtures for the simulator tests: a homelab topology on a manual clock, an HTTPS client."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from pulse.simulator import SimClock, Simulator, homelab_topology
from pulse.simulator.testing import SimApi


@pytest.fixture
def clock() -> SimClock:
    return SimClock.manual()


@pytest.fixture
async def sim(clock: SimClock) -> AsyncIterator[Simulator]:
    async with Simulator(homelab_topology(), clock=clock) as s:
        yield s


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


@pytest.fixture
def api(session: aiohttp.ClientSession) -> SimApi:
    return SimApi(session)
