"""Alt text from the stored areas: numbers checked against ``Store.area_series()`` of the
embedded data, the region, snapshot age, illustrative data and the length cap."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from layers.alttext import (
    MAX_CHARS,
    WITHIN_SHARE,
    EventFacts,
    LayerFacts,
    alt_text,
    event_count_words,
    holdings,
)
from layers.mapview.pack import stale_days

D = dt.date.fromisoformat
KURSK = "Kursk incursion"


@pytest.fixture(scope="module")
def series(embedded_data_store) -> pd.DataFrame:
    return embedded_data_store.area_series()


@pytest.fixture(scope="module")
def kursk(embedded_data_store, series) -> LayerFacts:
    info = next(info for info in embedded_data_store.layers() if info.name == KURSK)
    dates = tuple(sorted(set(embedded_data_store.heads(KURSK)["as_of"])))
    assert len(dates) == info.n_snapshots
    return LayerFacts(info.name, dates, info.description)


def held(series: pd.DataFrame, side: str, within: str) -> pd.Series:
    """km² held by ``side`` inside ``within`` per snapshot date, from the series itself."""
    rows = series[
        (series["layer"] == KURSK)
        & (series["held_by"] == side)
        & (series["status"] == "held")
        & (series["within"] == within)
    ]
    return rows.set_index("as_of")["area_km2"].sort_index()


def km2(value: float) -> str:
    return f"{value:,.0f} km²"


def test_the_story_date_gives_the_held_area_inside_russia_and_the_fall_from_the_peak(series, kursk):
    as_of = D("2024-11-25")
    inside = held(series, "UA", "RUS")
    until = inside[inside.index <= as_of]
    peak_on = until.idxmax()
    below = round(100 * (1 - until[as_of] / until.max()))
    text = alt_text(series, [kursk], as_of)
    assert text.startswith("Map of Kursk incursion on 25 November 2024: ")
    assert f"Ukraine held {km2(until[as_of])} inside Russia" in text
    assert f"{below} % less than its mapped peak of {km2(until.max())} (" in text
    assert f"{peak_on.day} {peak_on:%B %Y})" in text
    assert "Illustrative data." in text
    assert "snapshot of" not in text, "the date is a snapshot date"
    assert len(text) <= MAX_CHARS


def test_the_region_is_named_because_most_of_the_ground_lies_inside_one_border(series):
    inside, total = held(series, "UA", "RUS").sum(), held(series, "UA", "").sum()
    assert inside >= WITHIN_SHARE * total
    (holding,) = holdings(series, KURSK, D("2024-08-06"))
    # On that first day less than WITHIN_SHARE lay inside Russia, but the layer's choice holds.
    assert held(series, "UA", "RUS")[D("2024-08-06")] < WITHIN_SHARE * held(series, "UA", "")[D("2024-08-06")]
    assert holding.within == "RUS"
    assert holding.area_km2 == pytest.approx(held(series, "UA", "RUS")[D("2024-08-06")])


def test_a_date_between_snapshots_names_the_snapshot_shown(series, kursk):
    text = alt_text(series, [kursk], D("2024-11-30"))
    assert "on 30 November 2024 (snapshot of 25 November 2024):" in text
    assert f"held {km2(held(series, 'UA', 'RUS')[D('2024-11-25')])} inside Russia" in text
    assert "stale" not in text


def test_a_snapshot_older_than_the_stale_threshold_says_so(series, kursk):
    late = kursk.snapshot_dates[-1] + dt.timedelta(days=stale_days(kursk.snapshot_dates) + 1)
    assert ", stale)" in alt_text(series, [kursk], late)


def test_the_peak_date_itself_says_peak_so_far(series, kursk):
    inside = held(series, "UA", "RUS")
    text = alt_text(series, [kursk], inside.idxmax())
    assert f"held {km2(inside.max())} inside Russia, its mapped peak so far." in text


def test_a_date_before_the_first_snapshot_says_there_is_none(series, kursk):
    text = alt_text(series, [kursk], kursk.snapshot_dates[0] - dt.timedelta(days=1))
    assert "no snapshot on or before this date" in text and "km²" not in text


def test_a_layer_not_marked_illustrative_does_not_say_so(series, kursk):
    plain = LayerFacts(kursk.name, kursk.snapshot_dates, "Mapped by our analysts.")
    assert "Illustrative" not in alt_text(series, [plain], D("2024-11-25"))


def frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["as_of", "layer", "held_by", "status", "within", "area_km2"])


def test_ground_split_between_borders_is_given_unclipped_with_no_region():
    series = frame(
        [
            (D("2024-01-01"), "L", "RU", "held", "", 1000.0),
            (D("2024-01-01"), "L", "RU", "held", "UKR", 600.0),
            (D("2024-01-01"), "L", "RU", "held", "RUS", 400.0),
            (D("2024-02-01"), "L", "RU", "held", "", 1500.4),
            (D("2024-02-01"), "L", "RU", "held", "UKR", 900.0),
            (D("2024-02-01"), "L", "RU", "contested", "", 50.0),
        ]
    )
    layer = LayerFacts("L", (D("2024-01-01"), D("2024-02-01")))
    assert alt_text(series, [layer], D("2024-02-01")) == (
        "Map of L on 1 February 2024: Russia held 1,500 km², its mapped peak so far."
    )
    assert alt_text(series, [layer], D("2024-01-01")) == (
        "Map of L on 1 January 2024: Russia held 1,000 km², its mapped peak so far."
    )


def test_both_sides_are_given_and_small_falls_are_not_called_zero():
    series = frame(
        [
            (D("2024-01-01"), "L", "UA", "held", "", 2000.0),
            (D("2024-02-01"), "L", "UA", "held", "", 1996.0),
            (D("2024-02-01"), "L", "RU", "held", "", 12345.6),
        ]
    )
    text = alt_text(series, [LayerFacts("L", (D("2024-01-01"), D("2024-02-01")))], D("2024-02-01"))
    assert "Russia held 12,346 km², its mapped peak so far; " in text
    assert "Ukraine held 1,996 km², within 1 % of its mapped peak of 2,000 km² (1 January 2024)" in text


def test_many_long_named_layers_stay_under_the_cap_dropping_peaks_first():
    name = "A layer whose name goes on " * 10
    rows = [(D("2024-01-01"), f"{name}{i}", "UA", "held", "", 100.0 * (i + 1)) for i in range(4)]
    rows += [(D("2024-02-01"), f"{name}{i}", "UA", "held", "", 50.0) for i in range(4)]
    layers = [LayerFacts(f"{name}{i}", (D("2024-01-01"), D("2024-02-01"))) for i in range(4)]
    text = alt_text(frame(rows), layers, D("2024-02-01"))
    assert len(text) <= MAX_CHARS and text.endswith("…")
    two = alt_text(frame(rows), layers[:1], D("2024-02-01"), max_chars=140)
    assert "peak" not in two and "Ukraine held 50 km²" in two, two


def test_the_events_shown_are_counted_by_kind_with_their_window(series, kursk):
    events = EventFacts("Strikes", D("2024-11-19"), D("2024-11-25"), (("strike", 3), ("other", 1)))
    text = alt_text(series, [kursk], D("2024-11-25"), events=events)
    assert "Events of Strikes in the 7 days to 25 November 2024: 3 strikes, 1 other event." in text
    assert text.endswith("Illustrative data: Kursk incursion."), "the events layer is not illustrative"
    assert len(text) <= MAX_CHARS


def test_an_illustrative_events_layer_is_named_as_illustrative(series, kursk):
    events = EventFacts("Strikes and reports", D("2024-11-25"), D("2024-11-25"), (), illustrative=True)
    text = alt_text(series, [kursk], D("2024-11-25"), events=events)
    assert "No events of Strikes and reports on 25 November 2024." in text
    assert text.endswith("Illustrative data."), "every layer shown is illustrative"


def test_a_long_count_by_kind_gives_way_to_the_total_before_anything_is_cut(series, kursk):
    counts = (("fire_detection", 2312), ("strike", 41), ("troop_presence", 3), ("other", 1))
    events = EventFacts("FIRMS " * 9, D("2024-11-19"), D("2024-11-25"), counts)
    text = alt_text(series, [kursk], D("2024-11-25"), events=events)
    assert "2,357 events." in text and "…" not in text
    assert len(text) <= MAX_CHARS


@pytest.mark.parametrize(
    "kind, count, words",
    [
        ("strike", 1, "1 strike"),
        ("fire_detection", 2312, "2,312 fire detections"),
        ("made_up", 2, "2 other events"),
    ],
)
def test_event_counts_in_words(kind, count, words):
    assert event_count_words(kind, count) == words
