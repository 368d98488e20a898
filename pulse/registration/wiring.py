"""Sets up the onboarding components on the app: registration tokens and discovery."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from pulse import keys
from pulse.registration.discovery import DiscoveryService, background
from pulse.registration.tokens import RegistrationTokens


def setup_onboarding(app: web.Application) -> None:
    """Set the REGISTRATION_TOKENS and DISCOVERY keys and start discovery's refresh task
    (which stays idle while no discovery subnet is configured)."""
    live = app[keys.LIVE_SETTINGS]
    app[keys.REGISTRATION_TOKENS] = RegistrationTokens()
    app[keys.DISCOVERY] = DiscoveryService(lambda: live.current.discovery_subnet)
    app.cleanup_ctx.append(_discovery_context)


async def _discovery_context(app: web.Application) -> AsyncIterator[None]:
    async with background(app[keys.DISCOVERY]):
        yield
