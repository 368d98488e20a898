"""A config import (`POST /api/config/import`) writes the `alerts` and `webhooks` sections
straight through the store: the alert engine and the notifier must follow at once."""

from __future__ import annotations

from typing import Any

from pulse import keys
from tests.alerts.factories import Clock, guest, state
from tests.api.test_config_export import AUTH, PASS, TOKEN, upstream_seal
from tests.conftest import AppClient
from tests.notify.servers import Receiver


async def test_imported_alert_config_and_webhooks_apply_without_a_restart(
    app_client: AppClient, receiver: Receiver
) -> None:
    client = await app_client(env={"API_TOKEN": TOKEN})
    alerts = client.app[keys.ALERTS]
    alerts.clock = clock = Clock()
    notifier = client.app[keys.NOTIFIER]
    payload: dict[str, Any] = {
        "version": "4.0",
        "nodes": {"pveInstances": [], "pbsInstances": []},
        "alerts": {"enabled": True, "guestDefaults": {"cpu": {"trigger": 50, "clear": 40}},
                   "schedule": {"cooldown": 0, "groupingWindow": 1, "maxAlertsHour": 0}},
        "webhooks": [{"id": "w1", "name": "imported", "url": receiver.url + "/imported",
                      "method": "POST", "headers": {}, "enabled": True, "service": "generic"}],
    }  # fmt: skip
    reply = await client.post(
        "/api/config/import",
        json={"data": upstream_seal(payload, PASS), "passphrase": PASS},
        headers=AUTH,
    )
    assert reply.status == 200, await reply.text()
    shown = await (await client.get("/api/alerts/config", headers=AUTH)).json()
    assert shown["guestDefaults"]["cpu"] == {"trigger": 50, "clear": 40}
    assert notifier.window == 1.0  # the imported grouping window, through the parsed config
    clock.advance(seconds=5)
    alerts.on_cycle(state(guests=(guest(cpu=0.6),)))  # 60 %: only alerts with the import
    assert [a.id for a in alerts.engine.active()] == ["lab-pve1-101-cpu"]
    await notifier.drain()
    [request] = receiver.requests
    assert request.path == "/imported"
    assert [a["id"] for a in request.json()["alerts"]] == ["lab-pve1-101-cpu"]
