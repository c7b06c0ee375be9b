"""Dated point events: every event of a layer in date order, and the window of days the map shows."""

from __future__ import annotations

import datetime as dt
import hashlib

import geopandas as gpd
import pytest
import shapely

from layers import events
from layers.errors import UnknownLayerError
from layers.store import NewSnapshot

D = dt.date.fromisoformat


def events_snapshot(as_of: str, occurred: list[tuple[str, str]]) -> NewSnapshot:
    """An events snapshot from ``(id, occurred_on)`` pairs, dates as text as an imported file holds them."""
    frame = gpd.GeoDataFrame(
        {
            "id": [event_id for event_id, _ in occurred],
            "occurred_on": [day for _, day in occurred],
            "kind": "strike",
            "title": [f"event {event_id}" for event_id, _ in occurred],
        },
        geometry=[shapely.Point(35 + i / 100, 51) for i in range(len(occurred))],
        crs="EPSG:4326",
    )
    digest = hashlib.sha256(frame.to_json().encode()).hexdigest()
    return NewSnapshot("Strikes", D(as_of), frame, digest, kind="events")


@pytest.fixture
def strikes(store):
    """An events layer whose latest snapshot lists its events out of date order, two on one day."""
    store.write([events_snapshot("2024-11-01", [("old", "2024-10-30")])], actor="t")
    store.write(
        [
            events_snapshot(
                "2024-11-25",
                [("c", "2024-11-20"), ("a", "2024-11-19"), ("b2", "2024-11-20"), ("d", "2024-11-25")],
            )
        ],
        actor="t",
    )
    return store


def test_all_events_are_the_latest_snapshots_in_date_order(strikes):
    found = events.all_events(strikes, "Strikes")
    assert found["id"].tolist() == ["a", "c", "b2", "d"], "sorted by day, same-day events in file order"
    assert found["occurred_on"].tolist() == [
        D("2024-11-19"),
        D("2024-11-20"),
        D("2024-11-20"),
        D("2024-11-25"),
    ]
    assert all(type(day) is dt.date for day in found["occurred_on"])
    assert found.index.tolist() == [0, 1, 2, 3] and found.crs == "EPSG:4326"
    assert found.geometry.iloc[0].equals(shapely.Point(35.01, 51)), "each event keeps its own point"


def test_a_layer_without_snapshots_has_no_events(store):
    store.create_layer("Strikes", "events", actor="cli")
    found = events.all_events(store, "Strikes")
    assert len(found) == 0 and "occurred_on" in found.columns and found.crs == "EPSG:4326"
    assert len(events.events_between(found, D("2024-01-01"), D("2025-01-01"))) == 0


def test_an_unknown_layer_is_named_in_the_error(store):
    with pytest.raises(UnknownLayerError, match="no layer named 'Nope'"):
        events.all_events(store, "Nope")


def test_events_between_includes_both_edges(strikes):
    every = events.all_events(strikes, "Strikes")
    assert events.events_between(every, D("2024-11-20"), D("2024-11-25"))["id"].tolist() == ["c", "b2", "d"]
    assert events.events_between(every, D("2024-11-19"), D("2024-11-19"))["id"].tolist() == ["a"]
    assert events.events_between(every, D("2024-11-21"), D("2024-11-24")).empty
    assert events.events_between(every, D("2024-11-25"), D("2024-11-19")).empty, "start after end"


@pytest.mark.parametrize(
    "as_of, days, expected",
    [
        ("2024-11-25", 7, ("2024-11-19", "2024-11-25")),
        ("2024-11-25", 1, ("2024-11-25", "2024-11-25")),
        ("2024-11-25", 0, ("2024-11-25", "2024-11-25")),
        ("2024-11-25", -3, ("2024-11-25", "2024-11-25")),
        ("2025-01-03", 7, ("2024-12-28", "2025-01-03")),
        ("2024-03-01", 2, ("2024-02-29", "2024-03-01")),
    ],
)
def test_window_is_days_long_ending_on_the_date(as_of, days, expected):
    assert events.window(D(as_of), days) == (D(expected[0]), D(expected[1]))


def test_the_default_window_is_a_week():
    start, end = events.window(D("2024-11-25"))
    assert events.DEFAULT_WINDOW_DAYS == 7 and (end - start).days + 1 == 7


def test_the_window_shows_the_events_of_its_days(strikes):
    every = events.all_events(strikes, "Strikes")
    assert events.events_between(every, *events.window(D("2024-11-25"), 6))["id"].tolist() == ["c", "b2", "d"]
    assert events.events_between(every, *events.window(D("2024-11-25"), 7))["id"].tolist() == [
        "a",
        "c",
        "b2",
        "d",
    ]
    assert events.events_between(every, *events.window(D("2024-11-24"), 0)).empty


def test_choices_list_what_the_events_hold_sources_most_frequent_first():
    frame = gpd.GeoDataFrame(
        {
            "kind": ["strike", "other", "strike", None],
            "confidence": ["claimed", "confirmed", "claimed", ""],
            "source": ["B", "A", "B", "<b>C</b>"],
        },
        geometry=[shapely.Point(30, 50)] * 4,
        crs="EPSG:4326",
    )
    found = events.choices(frame)
    assert found.kinds == ["other", "strike"]
    assert found.confidences == ["claimed", "confirmed"]
    assert found.sources == ["B", "<b>C</b>", "A"], "most frequent first, then by name"


def test_choices_keep_at_most_the_most_frequent_sources():
    names = [f"source {i:04d}" for i in range(events.MAX_SOURCE_CHOICES + 50)]
    frame = gpd.GeoDataFrame(
        {"kind": ["strike"] * (len(names) + 3), "source": [*names, "often", "often", "often"]},
        geometry=[shapely.Point(30, 50)] * (len(names) + 3),
        crs="EPSG:4326",
    )
    found = events.choices(frame)
    assert len(found.sources) == events.MAX_SOURCE_CHOICES
    assert found.sources[0] == "often" and found.sources[1:3] == ["source 0000", "source 0001"]
    assert events.choices(frame.iloc[:0]).kinds == []
