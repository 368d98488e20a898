"""Deterministic, bounded pseudo-random signals: O(1) evaluation at any simulated time."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

# pvestatd refreshes the RRD cache (and so /cluster/resources, /nodes) every 10 s.
REFRESH_SECONDS = 10.0

_TAU = 2.0 * math.pi


def quantize(t: float, phase: float, step: float = REFRESH_SECONDS) -> float:
    """The time of the last refresh at or before ``t`` for a refresher with the given phase."""
    return math.floor((t - phase) / step) * step + phase


def hash_unit(salt: int, tick: int) -> float:
    """A stable pseudo-random number in [0, 1) for ``(salt, tick)``; no state, no allocation."""
    x = (salt * 0x9E3779B1 + tick * 0x85EBCA77) & 0xFFFFFFFF
    x ^= x >> 15
    x = (x * 0x2C1B3C6D) & 0xFFFFFFFF
    x ^= x >> 12
    x = (x * 0x297A2D39) & 0xFFFFFFFF
    x ^= x >> 15
    return x / 4294967296.0


@dataclass(frozen=True, slots=True)
class Wander:
    """A smooth bounded walk in [-1, 1]: three sines of random period and phase plus jitter.

    A true random walk would need to be stepped through every tick when the clock jumps a day
    ahead; this stays O(1) per read and is still deterministic from the seed.
    """

    periods: tuple[float, float, float]
    phases: tuple[float, float, float]
    salt: int

    @classmethod
    def from_rng(cls, rng: random.Random) -> Wander:
        periods = (rng.uniform(180, 600), rng.uniform(900, 3600), rng.uniform(3600 * 3, 3600 * 12))
        phases = (rng.uniform(0, _TAU), rng.uniform(0, _TAU), rng.uniform(0, _TAU))
        return cls(periods, phases, rng.getrandbits(31))

    def at(self, t: float) -> float:
        p, ph = self.periods, self.phases
        smooth = (
            0.45 * math.sin(_TAU * t / p[0] + ph[0])
            + 0.30 * math.sin(_TAU * t / p[1] + ph[1])
            + 0.15 * math.sin(_TAU * t / p[2] + ph[2])
        )
        jitter = hash_unit(self.salt, int(t // REFRESH_SECONDS)) * 0.2 - 0.1
        return max(-1.0, min(1.0, smooth + jitter))
