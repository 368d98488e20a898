"""Counting Proxmox API calls: totals and mean duration per endpoint, and calls per poll cycle."""

from __future__ import annotations

import contextvars
from dataclasses import dataclass, field


@dataclass(slots=True)
class CycleCounter:
    """Calls made by one poll cycle (set as the context's counter while the cycle runs)."""

    calls: int = 0
    failed: int = 0


current_counter: contextvars.ContextVar[CycleCounter | None] = contextvars.ContextVar(
    "pulse_proxmox_cycle_counter", default=None
)


@dataclass(slots=True)
class CallStats:
    """Per-instance call statistics since the instance's poller started."""

    total: int = 0
    failed: int = 0
    _durations: dict[str, list[float]] = field(default_factory=dict)  # label -> [count, sum s]

    def record(self, label: str, seconds: float, ok: bool) -> None:
        self.total += 1
        if not ok:
            self.failed += 1
        entry = self._durations.setdefault(label, [0.0, 0.0])
        entry[0] += 1
        entry[1] += seconds
        counter = current_counter.get()
        if counter is not None:
            counter.calls += 1
            if not ok:
                counter.failed += 1

    def mean_ms(self) -> dict[str, float]:
        return {
            label: round(total / count * 1000.0, 3)
            for label, (count, total) in self._durations.items()
            if count
        }
