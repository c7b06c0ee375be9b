"""Which snapshot the map shows: before the first, on, between and after the last."""

from __future__ import annotations

import datetime as dt

from layers import snapshots

D = dt.date.fromisoformat


def test_latest_on_or_before():
    dates = [D("2024-08-10"), D("2024-08-20")]
    assert snapshots.latest_on_or_before(dates, D("2024-08-09")) is None
    assert snapshots.latest_on_or_before(dates, D("2024-08-10")) == 0
    assert snapshots.latest_on_or_before(dates, D("2024-08-19")) == 0
    assert snapshots.latest_on_or_before(dates, D("2024-08-20")) == 1
    assert snapshots.latest_on_or_before(dates, D("2030-01-01")) == 1


def test_before_first_snapshot_shows_nothing(two_snapshot_store):
    assert snapshots.snapshot_at(two_snapshot_store, "Test", D("2024-08-09")) is None


def test_on_a_snapshot_date_age_is_zero(two_snapshot_store):
    shown = snapshots.snapshot_at(two_snapshot_store, "Test", D("2024-08-10"))
    assert shown.as_of == D("2024-08-10") and shown.age_days == 0
    assert list(shown.features["source"]) == ["test source A"]


def test_between_snapshots_shows_the_earlier_and_its_age(two_snapshot_store):
    shown = snapshots.snapshot_at(two_snapshot_store, "Test", D("2024-08-15"))
    assert shown.as_of == D("2024-08-10") and shown.age_days == 5


def test_after_last_snapshot_shows_the_last(two_snapshot_store):
    shown = snapshots.snapshot_at(two_snapshot_store, "Test", D("2024-12-01"))
    assert shown.as_of == D("2024-08-20") and shown.age_days == 103
    assert sorted(shown.features["status"]) == ["contested", "held"]


def test_timeline_is_every_day_between_first_and_last(two_snapshot_store):
    days = snapshots.timeline(two_snapshot_store, ["Test"])
    assert days[0] == D("2024-08-10") and days[-1] == D("2024-08-20") and len(days) == 11
