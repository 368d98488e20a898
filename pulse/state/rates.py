"""I/O rates (bytes/s) from Proxmox's cumulative guest counters.

Proxmox refreshes the counters of `/cluster/resources` about every 10 s, so successive polls often
read identical values. A rate is therefore computed only when a new sample arrived, over the time
since the previous one. A new sample shows as moved counters or an advanced `uptime` (both come
from the same pvestatd sample): counters that stand still while the uptime advanced mean a really
idle guest (0). While neither moves, the last rate is kept for up to `hold` seconds (afterwards the
guest really is idle: 0). The elapsed time comes from the guest's `uptime` when it advanced with
the counters (exact), else from the monotonic clock of the observations.

Results: `-1` for every rate until a first rate exists (first sample after start), `0` after a
counter went backwards (guest restart, counter reset) or for a stopped guest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

Counters = tuple[int, int, int, int]  # netin, netout, diskread, diskwrite
Rates = tuple[int, int, int, int]

NO_RATE: Rates = (-1, -1, -1, -1)
ZERO: Rates = (0, 0, 0, 0)
HOLD = 25.0  # seconds: ~2 refresh periods of pvestatd (10 s) plus jitter


@dataclass(slots=True)
class _Sample:
    counters: Counters
    uptime: int
    seen: float  # monotonic time the counters were first seen with these values
    rates: Rates


class RateTracker:
    """Per guest id, the last counter sample and rate. Pure: the caller passes the time."""

    def __init__(self, hold: float = HOLD) -> None:
        self._hold = hold
        self._samples: dict[str, _Sample] = {}

    def __len__(self) -> int:
        return len(self._samples)

    def update(self, guest_id: str, counters: Counters, uptime: int, now: float) -> Rates:
        previous = self._samples.get(guest_id)
        if previous is None:
            self._samples[guest_id] = _Sample(counters, uptime, now, NO_RATE)
            return NO_RATE
        if counters == previous.counters and uptime >= previous.uptime:
            if uptime > previous.uptime:  # a fresh sample in which nothing moved: really idle
                self._samples[guest_id] = _Sample(counters, uptime, now, ZERO)
                return ZERO
            if now - previous.seen > self._hold:
                previous.rates = ZERO  # standing still for longer than a refresh: really idle
            return previous.rates
        restarted = uptime < previous.uptime or any(
            cur < old for cur, old in zip(counters, previous.counters, strict=True)
        )
        if restarted:
            self._samples[guest_id] = _Sample(counters, uptime, now, ZERO)
            return ZERO
        elapsed = float(uptime - previous.uptime)
        if not 0 < elapsed <= (now - previous.seen) + 2 * self._hold:
            elapsed = now - previous.seen  # uptime did not move (or implausibly): wall clock
        if elapsed <= 0:
            return previous.rates
        rates: Rates = tuple(  # type: ignore[assignment]
            int((cur - old) / elapsed) for cur, old in zip(counters, previous.counters, strict=True)
        )
        self._samples[guest_id] = _Sample(counters, uptime, now, rates)
        return rates

    def stopped(self, guest_id: str, now: float) -> Rates:
        """A guest that is not running: no traffic. Its counters restart from 0 with the guest,
        so the first sample after a start yields the true average instead of -1 or a spike."""
        self._samples[guest_id] = _Sample((0, 0, 0, 0), 0, now, ZERO)
        return ZERO

    def retain(self, guest_ids: Iterable[str]) -> None:
        """Forget guests that no longer exist."""
        keep = set(guest_ids)
        for guest_id in [g for g in self._samples if g not in keep]:
            del self._samples[guest_id]
