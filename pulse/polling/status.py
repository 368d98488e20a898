"""`InstanceStatus`: how one instance's poller is doing (config API `status`, diagnostics)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pulse.models import rfc3339


@dataclass(frozen=True, slots=True)
class InstanceStatus:
    instance_id: str
    name: str
    kind: str  # pve | pbs
    running: bool = False  # a poller task exists
    connected: bool = False  # the last cycle succeeded
    last_success: float = 0.0  # unix seconds of the last successful cycle
    last_error: str = ""  # message of the last failed cycle ("" after a success)
    error_kind: str = ""  # auth | permission | tls | fingerprint | timeout | unreachable | api
    consecutive_failures: int = 0
    requests_last_cycle: int = 0  # Proxmox calls made by the last completed cycle
    background_requests: int = 0  # calls of the slow cadence (agent, snapshots, backups) so far
    last_cycle_duration: float = 0.0  # seconds
    cycles: int = 0
    endpoint: str = ""  # base URL that answered last (differs from the host after a failover)
    total_api_calls: int = 0
    failed_api_calls: int = 0

    @property
    def state(self) -> str:
        """`connected`, `error` or `pending` (no cycle finished yet)."""
        if self.connected:
            return "connected"
        return "error" if self.last_error else "pending"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.instance_id,
            "name": self.name,
            "type": self.kind,
            "status": self.state,
            "connected": self.connected,
            "lastSuccess": rfc3339(self.last_success),
            "lastError": self.last_error,
            "errorKind": self.error_kind,
            "consecutiveFailures": self.consecutive_failures,
            "requestsLastCycle": self.requests_last_cycle,
            "backgroundRequests": self.background_requests,
            "lastCycleDuration": self.last_cycle_duration,
            "cycles": self.cycles,
            "endpoint": self.endpoint,
            "totalApiCalls": self.total_api_calls,
            "failedApiCalls": self.failed_api_calls,
        }
