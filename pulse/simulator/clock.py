"""Simulated clock: real time, accelerated time, or a manually advanced clock."""

from __future__ import annotations

import math
import time

# 2025-08-11T00:00:00Z: a fixed, realistic epoch for manual clocks so that tests are reproducible.
DEFAULT_EPOCH = 1754870400.0


class SimClock:
    """Unix time as the simulated Proxmox hosts see it.

    * ``SimClock()`` follows the wall clock.
    * ``SimClock(speed=60)`` runs 60 times faster than the wall clock (history and soak tests).
    * ``SimClock.manual()`` stands still until :meth:`advance` moves it (deterministic tests).

    :meth:`advance` works in every mode and simply jumps forward.
    """

    __slots__ = ("_manual", "_mono0", "_offset", "_speed", "_start")

    def __init__(
        self, *, speed: float = 1.0, start: float | None = None, manual: bool = False
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._speed = float(speed)
        self._manual = manual
        if start is None:
            start = DEFAULT_EPOCH if manual else time.time()
        self._start = float(start)
        self._mono0 = time.monotonic()
        self._offset = 0.0

    @classmethod
    def manual(cls, start: float = DEFAULT_EPOCH) -> SimClock:
        """A clock that only moves when :meth:`advance` is called."""
        return cls(start=start, manual=True)

    @property
    def speed(self) -> float:
        return 0.0 if self._manual else self._speed

    @property
    def is_manual(self) -> bool:
        return self._manual

    def now(self) -> float:
        """Current simulated unix time in seconds."""
        if self._manual:
            return self._start + self._offset
        return self._start + (time.monotonic() - self._mono0) * self._speed + self._offset

    def advance(self, seconds: float) -> None:
        """Jump the simulated time forward (never backwards: Proxmox clocks do not rewind)."""
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError("the simulated clock only moves forward by a finite amount")
        self._offset += seconds

    def real_seconds(self, sim_seconds: float) -> float:
        """Wall-clock seconds that ``sim_seconds`` of simulated time take (0 for manual clocks)."""
        return 0.0 if self._manual else sim_seconds / self._speed
