"""The enabled channels, read from the store at send time, each bound to its sender."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import aiohttp

from pulse.notify import email_config, email_send, webhook_send
from pulse.notify.delivery import Channel, Notification
from pulse.store.config_store import ConfigStore

SessionGetter = Callable[[], aiohttp.ClientSession]


async def _send_email(config: dict[str, Any], notification: Notification) -> None:
    smtp = email_send.target(config)
    await email_send.send(smtp, email_send.notification_message(smtp, notification))


async def _send_webhook(
    session: SessionGetter,
    webhook: dict[str, Any],
    url_for: webhook_send.UrlFor | None,
    notification: Notification,
) -> None:
    await webhook_send.deliver(session(), webhook, notification, url_for=url_for)


def configured_channels(
    store: ConfigStore, session: SessionGetter, url_for: webhook_send.UrlFor | None = None
) -> list[Channel]:
    """E-mail (when enabled and complete) and every enabled webhook."""
    channels: list[Channel] = []
    mail = email_config.stored(store.get(email_config.SECTION))
    if mail["enabled"] and mail["server"] and mail["from"]:
        channels.append(
            Channel("email", "email", "email", bool(mail["notifyOnResolve"]),
                    functools.partial(_send_email, mail))
        )  # fmt: skip
    hooks = store.get("webhooks")
    for hook in hooks if isinstance(hooks, list) else []:
        if not isinstance(hook, dict) or not hook.get("enabled") or not hook.get("url"):
            continue
        label = f"webhook {str(hook.get('name') or hook.get('id'))[:60]!r}"
        channels.append(
            Channel(f"webhook:{hook.get('id')}", "webhook", label,
                    bool(hook.get("notifyOnResolve")),
                    functools.partial(_send_webhook, session, hook, url_for))
        )  # fmt: skip
    return channels
