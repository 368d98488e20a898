"""Alert history: one entry per occurrence, updated on resolve, bounded, filtered, reloadable."""

from __future__ import annotations

from datetime import timedelta

from pulse.alerts.history import AlertHistory, HistoryQuery
from pulse.alerts.model import Alert, AlertLevel, Metric, ResourceType
from tests.alerts.factories import T0


def alert(n: int, *, level: AlertLevel = AlertLevel.WARNING, minutes: int = 0) -> Alert:
    start = T0 + timedelta(minutes=minutes)
    return Alert(id=f"lab-pve1-{n}-cpu", type=Metric.CPU, level=level,
                 resource_id=f"lab-pve1-{n}", resource_name=f"vm{n}", node="pve1",
                 instance="lab", message="m", value=90.0, threshold=80, start_time=start,
                 last_seen=start, resource_type=ResourceType.VM, clear_threshold=75,
                 peak_value=90.0)  # fmt: skip


def test_resolution_updates_the_same_entry() -> None:
    history = AlertHistory()
    raised = alert(1)
    history.record(raised, T0)
    history.record(raised.replace(resolved_time=T0 + timedelta(minutes=3), peak_value=97.5), T0)
    assert len(history) == 1
    (entry,) = history.query(HistoryQuery())
    data = entry.to_json()
    assert data["resolvedTime"] == "2025-08-12T10:03:00Z"
    assert data["peakValue"] == 97.5
    # the same id raised again later is a new occurrence
    history.record(alert(1, minutes=10), T0 + timedelta(minutes=10))
    assert len(history) == 2


def test_bounded_by_count_and_age() -> None:
    history = AlertHistory(max_entries=3, max_age=timedelta(days=30))
    for n in range(5):
        history.record(alert(n, minutes=n), T0 + timedelta(minutes=n))
    assert [a.resource_name for a in history.query(HistoryQuery())] == ["vm4", "vm3", "vm2"]
    assert history.prune(T0 + timedelta(days=30, minutes=3)) == 1
    assert len(history) == 2


def test_query_filters_newest_first() -> None:
    history = AlertHistory()
    for n in range(6):
        level = AlertLevel.CRITICAL if n % 2 else AlertLevel.WARNING
        history.record(alert(n, level=level, minutes=n), T0 + timedelta(minutes=n))
    names = [a.resource_name for a in history.query(HistoryQuery(limit=2, offset=1))]
    assert names == ["vm4", "vm3"]
    crit = history.query(HistoryQuery(level=AlertLevel.CRITICAL))
    assert [a.resource_name for a in crit] == ["vm5", "vm3", "vm1"]
    window = HistoryQuery(start=T0 + timedelta(minutes=2), end=T0 + timedelta(minutes=3))
    assert [a.resource_name for a in history.query(window)] == ["vm3", "vm2"]
    assert [a.resource_name for a in history.query(HistoryQuery(resource_id="lab-pve1-4"))] == [
        "vm4"
    ]


def test_file_round_trip_skips_junk_and_old_entries() -> None:
    history = AlertHistory()
    history.record(alert(1), T0 - timedelta(days=40))
    history.record(alert(2), T0)
    raw = history.to_bytes()
    loaded = AlertHistory()
    loaded.load(raw, T0)
    assert [a.id for a in loaded.query(HistoryQuery())] == ["lab-pve1-2-cpu"]
    assert loaded.query(HistoryQuery())[0] == alert(2)
    junk = AlertHistory()
    junk.load(b'[{"alert": {"id": 1}}, 5, {"alert": null}]', T0)
    assert len(junk) == 0
    junk.load(b"not json", T0)
    assert len(junk) == 0
