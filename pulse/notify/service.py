"""Builds the app's notifier from the store and runs it for the app's lifetime (cleanup_ctx)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from aiohttp import web

from pulse import keys
from pulse.notify.delivery import Channel
from pulse.notify.dispatcher import NotificationDispatcher, delivery_timing
from pulse.store.config_store import ConfigStore


def create_notifier(store: ConfigStore) -> NotificationDispatcher:
    """The dispatcher, reading its channels and timing from the store on every use."""

    def channels() -> Sequence[Channel]:
        return []

    return NotificationDispatcher(channels, timing=lambda: delivery_timing(store.get("alerts")))


async def notifier_context(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: start the dispatcher's tasks; stop them (and drop the queue) on shutdown."""
    notifier = app[keys.NOTIFIER]
    await notifier.start()
    yield
    await notifier.stop()
