"""Publishing is coalesced: however many instances finish their cycles at different moments,
the whole state is assembled, evaluated and serialised at most twice per polling interval."""

from __future__ import annotations

import asyncio

from pulse import keys
from tests.conftest import AppClient


async def test_at_most_two_publishes_per_interval(app_client: AppClient) -> None:
    client = await app_client(polling_interval=1)
    manager, store = client.app[keys.POLLERS], client.app[keys.STATE]
    await asyncio.sleep(0.1)
    before = store.version
    for _ in range(12):  # twelve instances finishing 0.1 s apart, over 1.2 intervals
        manager._schedule_publish()
        await asyncio.sleep(0.1)
    await asyncio.sleep(0.6)  # let the last scheduled publish happen
    published = store.version - before
    assert 2 <= published <= 4, published  # one per 0.5 s, not one per cycle
