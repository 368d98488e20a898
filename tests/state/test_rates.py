"""Counter rates: first sample, identical readings between refreshes, resets, restarts."""

from __future__ import annotations

from pulse.state.rates import NO_RATE, ZERO, RateTracker


def test_first_sample_then_rate_from_uptime() -> None:
    rates = RateTracker()
    assert rates.update("g", (1000, 2000, 0, 0), 100, now=0.0) == NO_RATE
    # PVE refreshed its counters 10 s later (uptime moved by 10 s with them)
    assert rates.update("g", (11000, 4000, 500, 0), 110, now=5.0) == (1000, 200, 50, 0)


def test_identical_readings_keep_the_last_rate_then_fall_to_zero() -> None:
    rates = RateTracker(hold=25.0)
    rates.update("g", (0, 0, 0, 0), 100, now=0.0)
    assert rates.update("g", (10000, 0, 0, 0), 110, now=10.0) == (1000, 0, 0, 0)
    # the next polls read the cached counters again: no false zero
    assert rates.update("g", (10000, 0, 0, 0), 110, now=15.0) == (1000, 0, 0, 0)
    assert rates.update("g", (10000, 0, 0, 0), 110, now=30.0) == (1000, 0, 0, 0)
    # nothing moved for longer than ~2 refresh periods: really idle
    assert rates.update("g", (10000, 0, 0, 0), 110, now=40.0) == ZERO


def test_a_fresh_sample_without_traffic_is_zero_at_once() -> None:
    rates = RateTracker(hold=25.0)
    rates.update("g", (0, 0, 0, 0), 100, now=0.0)
    assert rates.update("g", (10000, 0, 0, 0), 110, now=10.0) == (1000, 0, 0, 0)
    # the next pvestatd sample (uptime moved) has the same counters: idle now, not in 25 s
    assert rates.update("g", (10000, 0, 0, 0), 120, now=20.0) == ZERO
    assert rates.update("g", (20000, 0, 0, 0), 130, now=30.0) == (1000, 0, 0, 0)


def test_before_the_first_change_rates_stay_unknown() -> None:
    rates = RateTracker()
    rates.update("g", (5, 5, 5, 5), 100, now=0.0)
    assert rates.update("g", (5, 5, 5, 5), 100, now=5.0) == NO_RATE


def test_counter_reset_and_restart_give_zero_not_a_spike() -> None:
    rates = RateTracker()
    rates.update("g", (10_000, 10_000, 0, 0), 1000, now=0.0)
    assert rates.update("g", (50, 60, 0, 0), 5, now=10.0) == ZERO  # guest restarted
    assert rates.update("g", (1050, 1060, 0, 0), 15, now=20.0) == (100, 100, 0, 0)


def test_stopped_then_started_guest_starts_from_zero_counters() -> None:
    rates = RateTracker()
    assert rates.stopped("g", now=0.0) == ZERO
    assert rates.update("g", (3000, 0, 0, 0), 30, now=35.0) == (100, 0, 0, 0)


def test_wall_clock_when_uptime_is_unusable() -> None:
    rates = RateTracker()
    rates.update("g", (0, 0, 0, 0), 0, now=0.0)
    assert rates.update("g", (400, 0, 0, 0), 0, now=4.0) == (100, 0, 0, 0)


def test_retain_prunes_vanished_guests() -> None:
    rates = RateTracker()
    rates.update("a", (0, 0, 0, 0), 1, now=0.0)
    rates.update("b", (0, 0, 0, 0), 1, now=0.0)
    rates.retain(["b"])
    assert len(rates) == 1
