"""Builds the app's notifier from the store and runs it for the app's lifetime (cleanup_ctx)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import aiohttp
from aiohttp import web

from pulse import keys
from pulse.config.nodes import NodeRegistry
from pulse.notify.channels import configured_channels
from pulse.notify.delivery import Channel
from pulse.notify.dispatcher import NotificationDispatcher
from pulse.notify.webhook_send import new_session
from pulse.store.config_store import ConfigStore


class _Session:
    """The notifier's HTTP session, opened lazily inside the running loop."""

    def __init__(self) -> None:
        self.session: aiohttp.ClientSession | None = None

    def __call__(self) -> aiohttp.ClientSession:
        if self.session is None or self.session.closed:
            self.session = new_session()
        return self.session

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
            self.session = None


def create_notifier(
    store: ConfigStore, nodes: NodeRegistry | None = None
) -> NotificationDispatcher:
    """The dispatcher, reading its channels and timing from the store on every use."""
    session = _Session()

    def url_for(instance: str) -> str:
        found = nodes.by_name(instance) if nodes is not None else None
        return found.host if found is not None else ""

    def channels() -> Sequence[Channel]:
        return configured_channels(store, session, url_for)

    # The alert service points `notifier.schedule` at its parsed configuration (app.py).
    notifier = NotificationDispatcher(channels)
    notifier.on_stop(session.close)
    return notifier


async def notifier_context(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: start the dispatcher's tasks; stop them (and drop the queue) on shutdown."""
    notifier = app[keys.NOTIFIER]
    await notifier.start()
    yield
    await notifier.stop()
