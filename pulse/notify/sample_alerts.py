"""The alerts the test endpoints send (reference §6.5)."""

from __future__ import annotations

from datetime import datetime, timedelta

from pulse.notify.alert_info import AlertInfo


def email_test_alert(now: datetime, node: str = "test-node", instance: str = "") -> AlertInfo:
    return AlertInfo(
        id="test-alert", type="cpu", level="warning", resource_id="test-email-config",
        resource_name="Email Configuration Test", node=node, instance=instance or "pulse",
        message="This is a test email from Pulse to confirm your email settings work",
        value=85.5, threshold=80.0, start_time=now - timedelta(minutes=5),
    )  # fmt: skip


def webhook_test_alert(now: datetime) -> AlertInfo:
    return AlertInfo(
        id=f"test-{now.strftime('%Y%m%d-%H%M%S')}", type="cpu", level="warning",
        resource_id="100", resource_name="Test VM", node="pve-node-01", instance="pve-node-01",
        message="Test webhook notification from Pulse Monitoring", value=85.5, threshold=80.0,
        start_time=now - timedelta(minutes=2),
    )  # fmt: skip


def saved_webhook_test_alert(now: datetime, webhook_id: str, name: str) -> AlertInfo:
    return AlertInfo(
        id=f"test-webhook-{webhook_id}", type="test", level="info", resource_id="webhook-test",
        resource_name="Webhook Test", node="test-node", instance="pulse-server",
        message=f"Testing webhook: {name}", value=0.0, threshold=0.0, start_time=now,
    )  # fmt: skip
