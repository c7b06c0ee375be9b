"""Which snapshot the map shows: before the first, on, between and after the last."""

from __future__ import annotations

import datetime as dt
import itertools

from layers import snapshots
from tests.conftest import box_snapshot

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


def test_ref_at_names_the_current_version_of_the_snapshot_shown(two_snapshot_store):
    store = two_snapshot_store
    ref = snapshots.ref_at(store, "Test", D("2024-08-19"))
    assert ref == snapshots.SnapshotRef(
        "Test", D("2024-08-10"), D("2024-08-19"), store.head_version("Test", D("2024-08-10"))
    )
    assert snapshots.ref_at(store, "Test", D("2024-08-09")) is None
    [fixed] = store.write([box_snapshot("fix")], actor="editor")
    assert snapshots.ref_at(store, "Test", D("2024-08-19")).version_id == fixed, (
        "a new version is shown at once"
    )


def test_timeline_spans_every_layer_given(two_snapshot_store):
    store = two_snapshot_store
    store.write([box_snapshot("later", as_of="2024-08-25", layer="Other")], actor="t")
    days = snapshots.timeline(store, ["Test", "Other"])
    assert (days[0], days[-1], len(days)) == (D("2024-08-10"), D("2024-08-25"), 16)
    assert all((b - a).days == 1 for a, b in itertools.pairwise(days))
    assert snapshots.timeline(store, ["Other"]) == [D("2024-08-25")]
    assert snapshots.timeline(store, []) == []
