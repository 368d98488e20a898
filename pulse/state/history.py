"""Chart history: per entity, fixed-size ring buffers at three resolutions, in flat memory.

Every entity (guest, node, storage) owns one `SeriesGroup`: for each of three rings (1 h at poll
resolution, 24 h and 7 d downsampled) one `array('f')` per series plus one `array('i')` holding the
time bucket each slot belongs to. Everything is allocated when the entity is first recorded and
never grows: memory is flat however long Pulse runs. A slot is addressed by `bucket % size`; a
sample landing in the slot's current bucket is averaged in, one from a newer bucket overwrites it.
Pure: callers pass the time (unix seconds).
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

GUEST_SERIES = ("cpu", "memory", "disk", "diskread", "diskwrite", "netin", "netout")
NODE_SERIES = ("cpu", "memory", "disk")
STORAGE_SERIES = ("usage", "used", "total", "avail")


@dataclass(frozen=True, slots=True)
class RingSpec:
    step: int  # seconds per slot
    size: int  # slots

    @property
    def span(self) -> int:
        return self.step * self.size


# 1 h at the default 5 s poll interval, 24 h at 2 min, 7 d at 15 min: 2112 slots per series.
RINGS = (RingSpec(5, 720), RingSpec(120, 720), RingSpec(900, 672))
EMPTY = -1  # bucket marker of a slot that holds nothing


class _Ring:
    __slots__ = ("buckets", "count", "spec", "values")

    def __init__(self, spec: RingSpec, series: int) -> None:
        self.spec = spec
        self.buckets = array("i", [EMPTY]) * spec.size
        self.values = [array("f", [0.0]) * spec.size for _ in range(series)]
        self.count = array("H", [0]) * spec.size  # samples averaged into each slot

    def add(self, ts: float, sample: Sequence[float]) -> None:
        bucket = int(ts // self.spec.step)
        slot = bucket % self.spec.size
        current = self.buckets[slot]
        if current > bucket:
            return  # older than what the slot holds (clock went back): ignore
        if current != bucket:
            self.buckets[slot] = bucket
            self.count[slot] = 0
        n = self.count[slot]
        for series, value in zip(self.values, sample, strict=True):
            if n == 0:
                series[slot] = value
            elif not math.isnan(value):
                old = series[slot]
                series[slot] = value if math.isnan(old) else old + (value - old) / (n + 1)
        if n < 65535:
            self.count[slot] = n + 1

    def window(self, since: float) -> tuple[list[int], list[list[float]]]:
        """Slots whose bucket reaches past `since`, oldest first: (timestamps in ms, values per
        series). NaN marks a series without a value in that slot."""
        step = self.spec.step
        first = int(since // step)
        slots = sorted(
            (bucket, slot)
            for slot, bucket in enumerate(self.buckets)
            if bucket != EMPTY and bucket >= first
        )
        stamps = [bucket * step * 1000 for bucket, _ in slots]
        values = [[series[slot] for _, slot in slots] for series in self.values]
        return stamps, values

    def nbytes(self) -> int:
        return (
            self.buckets.itemsize * len(self.buckets)
            + sum(v.itemsize * len(v) for v in self.values)
            + self.count.itemsize * len(self.count)
        )


class SeriesGroup:
    """The rings of one entity; all its series are recorded together."""

    __slots__ = ("names", "rings")

    def __init__(self, names: tuple[str, ...], rings: Sequence[RingSpec] = RINGS) -> None:
        self.names = names
        self.rings = [_Ring(spec, len(names)) for spec in rings]

    def add(self, ts: float, sample: Sequence[float]) -> None:
        for ring in self.rings:
            ring.add(ts, sample)

    def ring_for(self, seconds: float) -> _Ring:
        """The finest ring whose span covers `seconds`."""
        return next((r for r in self.rings if r.spec.span >= seconds), self.rings[-1])

    def window(self, seconds: float, now: float) -> dict[str, list[tuple[int, float]]]:
        """Every series over the last `seconds`: name -> [(timestamp ms, value)], gaps skipped."""
        stamps, values = self.ring_for(seconds).window(now - seconds)
        return {
            name: [(t, v) for t, v in zip(stamps, series, strict=True) if not math.isnan(v)]
            for name, series in zip(self.names, values, strict=True)
        }

    def nbytes(self) -> int:
        return sum(ring.nbytes() for ring in self.rings)


class History:
    """All chart history, keyed by entity id."""

    def __init__(self, rings: Sequence[RingSpec] = RINGS) -> None:
        self._rings = tuple(rings)
        self._groups: dict[str, SeriesGroup] = {}

    def __len__(self) -> int:
        return len(self._groups)

    def __contains__(self, entity_id: object) -> bool:
        return entity_id in self._groups

    def record(
        self, entity_id: str, names: tuple[str, ...], ts: float, sample: Sequence[float]
    ) -> None:
        group = self._groups.get(entity_id)
        if group is None or group.names != names:
            group = self._groups[entity_id] = SeriesGroup(names, self._rings)
        group.add(ts, [v if math.isfinite(v) else math.nan for v in sample])

    def get(self, entity_id: str) -> SeriesGroup | None:
        return self._groups.get(entity_id)

    def retain(self, entity_ids: Iterable[str]) -> None:
        """Drop the history of entities that no longer exist (deleted guests, removed nodes)."""
        keep = set(entity_ids)
        for entity_id in [e for e in self._groups if e not in keep]:
            del self._groups[entity_id]

    def nbytes(self) -> int:
        return sum(group.nbytes() for group in self._groups.values())
