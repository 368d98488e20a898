"""Chart history rings: bounded memory, averaging, range selection (pure, injected time)."""

from __future__ import annotations

import math

from pulse.state.history import GUEST_SERIES, NODE_SERIES, RINGS, History, SeriesGroup

START = 1_750_000_000.0  # a fixed unix time; nothing here reads the clock


def test_accelerated_week_keeps_values_and_bounded_memory() -> None:
    history = History()
    group_bytes = SeriesGroup(NODE_SERIES).nbytes()
    step = 5.0
    samples = int(7 * 86400 / step) + 1000  # a bit more than a week at the 5 s poll interval
    for i in range(samples):
        ts = START + i * step
        # cpu follows the hour of the day; memory is constant; disk grows slowly
        hour = (ts // 3600) % 24
        history.record("lab-pve1", NODE_SERIES, ts, (hour, 50.0, i / samples * 100))
        if i == 1000:
            assert history.nbytes() == group_bytes  # allocated once, up front
    now = START + (samples - 1) * step
    assert history.nbytes() == group_bytes  # flat however long it runs
    group = history.get("lab-pve1")
    assert group is not None

    hour_view = group.window(3600, now)
    assert 700 <= len(hour_view["cpu"]) <= 721  # poll resolution: one point per 5 s
    assert all(v == 50.0 for _, v in hour_view["memory"])

    day_view = group.window(86400, now)
    assert 700 <= len(day_view["cpu"]) <= 721  # 2-minute averages
    # a 2-minute bucket inside one hour averages to that hour
    for t, v in day_view["cpu"][:-1]:
        assert v == ((t / 1000) // 3600) % 24

    week_view = group.window(7 * 86400, now)
    assert 660 <= len(week_view["disk"]) <= 673  # 15-minute averages
    values = [v for _, v in week_view["disk"]]
    assert values == sorted(values)  # monotonic series stays monotonic after averaging
    oldest = week_view["disk"][0][0] / 1000
    assert now - oldest <= 7 * 86400 + 900


def test_average_of_bucket_and_gaps() -> None:
    group = SeriesGroup(("v",))
    base = START - START % 900
    group.add(base, [10.0])
    group.add(base + 60, [20.0])  # same 2 min and 15 min bucket, different 5 s bucket
    group.add(base + 3 * 3600, [float("nan")])  # a missing value leaves a gap, no zero
    points = group.window(7 * 86400, base + 3 * 3600)["v"]
    assert points[0] == (int(base) * 1000, 15.0)
    assert len(points) == 1
    fine = group.window(3600, base + 3600 + 120)["v"]
    assert [v for _, v in fine] == []  # older than an hour: not in the 1 h view


def test_deleted_entities_are_dropped() -> None:
    history = History()
    history.record("a", GUEST_SERIES, START, (1, 2, 3, 4, 5, 6, 7))
    history.record("b", GUEST_SERIES, START, (1, 2, 3, 4, 5, 6, 7))
    history.retain(["b"])
    assert "a" not in history
    assert "b" in history
    assert len(history) == 1


def test_non_finite_values_are_not_charted() -> None:
    history = History()
    history.record("x", NODE_SERIES, START, (math.inf, 1.0, math.nan))
    group = history.get("x")
    assert group is not None
    view = group.window(3600, START + 1)
    assert view["cpu"] == []
    assert view["disk"] == []
    assert len(view["memory"]) == 1


def test_ring_spans() -> None:
    assert [r.span for r in RINGS] == [3600, 86400, 7 * 86400]
