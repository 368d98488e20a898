"""`pulse --demo`: the whole daemon against the built-in simulator, on loopback only.

The simulator (a 3-node cluster with one node offline, a standalone node, a PBS server) starts
inside the app's lifetime; its servers are registered through the normal node registry, pinned by
certificate fingerprint, so the same pollers and clients as a real run monitor them. Without
`--data-dir` everything lives in a temporary directory that is removed on exit.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from aiohttp import web

from pulse import keys
from pulse.config.nodes import InstanceConfig, InstanceKind
from pulse.config.settings import Settings
from pulse.registration.connect import learn, probe

if TYPE_CHECKING:
    from pulse.simulator import ServerInfo

log = logging.getLogger("pulse.demo")

DEMO_HOST = "127.0.0.1"  # the demo serves loopback unless --host says otherwise


def instance_for(server: ServerInfo, instance_id: str) -> InstanceConfig:
    """The instance config of a simulated server: its API token, its pinned fingerprint."""
    return InstanceConfig(
        id=instance_id,
        kind=InstanceKind(server.kind),
        name=server.name,
        host=server.url,
        token_name=server.token_id,
        token_value=server.token_secret,
        fingerprint=server.fingerprint,
        verify_ssl=False,
    )


def install_demo(app: web.Application) -> None:
    """Start the simulator with the app and register its servers (appended last: the pollers
    are already running and pick the new instances up through the registry)."""
    app.cleanup_ctx.append(_simulator)


async def _simulator(app: web.Application) -> AsyncIterator[None]:
    from pulse.simulator import Simulator, demo_topology  # only the demo needs it

    registry = app[keys.NODES]
    async with Simulator(demo_topology()) as sim:
        added: list[str] = []
        for server in sim.servers:
            kind = InstanceKind(server.kind)
            existing = registry.by_name(server.name)
            instance = instance_for(server, existing.id if existing else registry.next_id(kind))
            # As when a user adds a node: connect once and take over the cluster facts.
            result, _latency = await probe(app, instance)
            await registry.put(learn(instance, result, others=registry.instances, name_given=True))
            added.append(instance.id)
            log.info("demo: monitoring simulated %s %r at %s", kind.value, server.name, server.url)
        settings = app[keys.SETTINGS]
        log.info("demo: open http://%s:%d/ in a browser", _visible_host(settings), settings.port)
        try:
            yield
        finally:
            for instance_id in added:  # the simulator's ports are gone after this run
                await registry.remove(instance_id)


def _visible_host(settings: Settings) -> str:
    wildcard = settings.listen_address in ("0.0.0.0", "::", "")  # noqa: S104
    return "127.0.0.1" if wildcard else settings.listen_address


def run_demo(
    args: argparse.Namespace,
    settings_from_args: Callable[[argparse.Namespace], Settings],
    start: Callable[[Settings, bool], int],
) -> int:
    """Serve the demo: temporary data dir unless --data-dir, loopback unless --host."""
    temp: tempfile.TemporaryDirectory[str] | None = None
    if args.data_dir is None:
        temp = tempfile.TemporaryDirectory(prefix="pulse-demo-")
        args.data_dir = Path(temp.name)
    if args.host is None:
        args.host = DEMO_HOST
    try:
        return start(settings_from_args(args), True)
    finally:
        if temp is not None:
            temp.cleanup()
