"""Automatic update checks: when enabled, check every N hours and log what is available.

Nothing is installed automatically; the dashboard shows the status and the user upgrades with
their package manager.
"""

from __future__ import annotations

import asyncio
import logging

from pulse.config.live import LiveSettings, SystemSettings
from pulse.updates.checker import UpdateChecker, UpstreamError

log = logging.getLogger(__name__)

_WATCHED = frozenset({"autoUpdateEnabled", "autoUpdateCheckInterval", "updateChannel"})


async def run_auto_checks(
    checker: UpdateChecker, live: LiveSettings, *, first_delay: float = 60.0
) -> None:
    """Runs until cancelled. Re-plans at once when the auto-update settings change."""
    changed = asyncio.Event()

    def on_change(_new: SystemSettings, fields: frozenset[str]) -> None:
        if fields & _WATCHED:
            changed.set()

    live.subscribe(on_change)
    delay: float | None = first_delay
    while True:
        settings = live.current
        if not settings.auto_update_enabled:
            delay = None
        elif delay is None:
            delay = first_delay
        changed.clear()
        try:
            await asyncio.wait_for(changed.wait(), delay)
            continue  # settings changed: re-plan
        except TimeoutError:
            pass
        try:
            info = await checker.check(settings.update_channel, use_cache=False)
        except UpstreamError as exc:
            log.info("automatic update check failed: %s", exc.message)
        else:
            if info.available:
                log.warning(
                    "Pulse %s is available (running %s)", info.latest_version, info.current_version
                )
        delay = settings.auto_update_check_interval * 3600.0
