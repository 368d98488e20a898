"""Browser fixtures: the real app monitoring the simulator, and headless Debian Chromium driven by
Playwright (never `playwright install`: the browser comes from apt, see scripts/test-deps.sh).

Every page records console errors, uncaught exceptions and CSP violations; `Browser.assert_clean`
fails the test on any of them.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from pulse import keys
from pulse.config.nodes import InstanceConfig, InstanceKind
from pulse.demo import instance_for
from pulse.simulator import ServerInfo, Simulator, homelab_topology
from tests.conftest import AppClient

playwright_api = pytest.importorskip("playwright.async_api")

CHROMIUM = os.environ.get("PULSE_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000

if not os.access(CHROMIUM, os.X_OK):
    pytest.skip(f"{CHROMIUM} missing: run scripts/test-deps.sh", allow_module_level=True)

# Reported by the page itself when a CSP rule blocks something (Chrome also logs it as an error).
CSP_LISTENER = """
document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + e.blockedURI);
});
"""


@dataclass
class Page:
    """A Playwright page plus what it reported."""

    page: Any
    base: str
    problems: list[str] = field(default_factory=list)

    async def open(self, hash_route: str = "#/main") -> None:
        await self.page.goto(f"{self.base}/{hash_route}")

    def assert_clean(self, *allowed: str) -> None:
        """No console error, page error or CSP violation except those matching `allowed`."""
        left = [p for p in self.problems if not any(re.search(a, p) for a in allowed)]
        assert not left, "browser reported problems:\n" + "\n".join(left)


@dataclass
class Pulse:
    client: TestClient[web.Request, web.Application]
    sim: Simulator

    @property
    def app(self) -> web.Application:
        return self.client.app  # type: ignore[return-value]

    @property
    def base(self) -> str:
        return str(self.client.make_url("")).rstrip("/")

    def instance(self, server: ServerInfo) -> InstanceConfig:
        return instance_for(server, self.app[keys.NODES].next_id(InstanceKind(server.kind)))

    async def add(self, server: ServerInfo) -> None:
        await self.app[keys.NODES].put(self.instance(server))

    async def state(self) -> dict[str, Any]:
        response = await self.client.get("/api/state")
        assert response.status == 200
        data: dict[str, Any] = await response.json()
        return data


@pytest.fixture
async def pulse(app_client: AppClient) -> AsyncIterator[Pulse]:
    """Pulse (polling every second) with every simulated server registered, fingerprints pinned."""
    async with Simulator(homelab_topology()) as sim:
        client = await app_client(polling_interval=1, connection_timeout=2)
        running = Pulse(client, sim)
        for server in sim.servers:
            await running.add(server)
        yield running


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    async with playwright_api.async_playwright() as p:
        chromium = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
async def page(browser: Any, pulse: Pulse) -> AsyncIterator[Page]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    raw = await context.new_page()
    await raw.add_init_script(CSP_LISTENER)
    wrapped = Page(raw, pulse.base)
    raw.on(
        "console",
        lambda m: wrapped.problems.append(f"console: {m.text}") if m.type == "error" else None,
    )
    raw.on("pageerror", lambda e: wrapped.problems.append(f"page error: {e}"))
    try:
        yield wrapped
    finally:
        await context.close()
