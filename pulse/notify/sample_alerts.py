"""The alerts the test endpoints send (reference §6.5), and the one templates are checked with."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pulse.alerts.model import Alert, AlertLevel, Metric, ResourceType


def _alert(**fields: Any) -> Alert:
    start: datetime = fields["start_time"]
    fields.setdefault("type", Metric.CPU)
    fields.setdefault("level", AlertLevel.WARNING)
    fields.setdefault("resource_type", ResourceType.VM)
    fields.setdefault("clear_threshold", max(float(fields["threshold"]) - 5, 0.0))
    return Alert(last_seen=start, peak_value=fields["value"], **fields)


def email_test_alert(now: datetime, node: str = "test-node", instance: str = "") -> Alert:
    return _alert(
        id="test-alert", resource_id="test-email-config",
        resource_name="Email Configuration Test", node=node, instance=instance or "pulse",
        message="This is a test email from Pulse to confirm your email settings work",
        value=85.5, threshold=80.0, start_time=now - timedelta(minutes=5),
    )  # fmt: skip


def webhook_test_alert(now: datetime) -> Alert:
    return _alert(
        id=f"test-{now.strftime('%Y%m%d-%H%M%S')}", resource_id="100", resource_name="Test VM",
        node="pve-node-01", instance="pve-node-01",
        message="Test webhook notification from Pulse Monitoring", value=85.5, threshold=80.0,
        start_time=now - timedelta(minutes=2),
    )  # fmt: skip


def saved_webhook_test_alert(now: datetime, webhook_id: str, name: str) -> Alert:
    return _alert(
        id=f"test-webhook-{webhook_id}", type=Metric.TEST, level=AlertLevel.INFO,
        resource_id="webhook-test", resource_name="Webhook Test", node="test-node",
        instance="pulse-server", message=f"Testing webhook: {name}", value=0.0, threshold=0.0,
        start_time=now,
    )  # fmt: skip


# Custom templates are trial-rendered with this one at save time: its name holds the
# characters that break JSON when a renderer forgets to escape them.
TEMPLATE_CHECK_ALERT = _alert(
    id="pve1-pve1-101-cpu", resource_id="pve1-pve1-101", resource_name='web "frontend" \\ 1',
    node="pve1", instance="pve1", message="VM cpu usage at 87.3% (trigger: 80%, clear: 75%)",
    value=87.3, threshold=80.0, start_time=datetime(2025, 1, 1, tzinfo=UTC),
)  # fmt: skip
