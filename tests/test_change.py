"""Change between two dates: area tables before and after, gained and lost ground, net change."""

from __future__ import annotations

import datetime as dt
import io
import json

import geopandas as gpd
import pytest
import shapely

from layers import change
from layers.areas import METHOD, area_km2, clip_to_country, geodesic_area_km2
from layers.errors import InvalidInputError
from layers.snapshots import Snapshot
from tests.conftest import territory

D = dt.date.fromisoformat


@pytest.mark.parametrize(
    "choice, expected",
    [
        ("none", None),
        ("7 days before", "2024-11-18"),
        ("30 days before", "2024-10-26"),
        ("end of last month", "2024-10-31"),
        ("a date", "2024-09-01"),
    ],
)
def test_since_date_for_each_choice(choice, expected):
    assert change.since_date(choice, D("2024-11-25"), D("2024-09-01")) == (D(expected) if expected else None)


def test_every_choice_is_handled():
    handled = {
        c for c in change.SINCE_CHOICES if change.since_date(c, D("2024-11-25"), D("2024-09-01")) is not None
    }
    assert handled == set(change.SINCE_CHOICES) - {"none"}


def test_change_table_and_gained_lost_ground():
    before = territory([(shapely.box(35.0, 51.0, 35.2, 51.2), "UA", "held", "s")])
    after = territory(
        [
            (shapely.box(35.1, 51.0, 35.3, 51.2), "UA", "held", "s"),
            (shapely.box(35.3, 51.0, 35.4, 51.2), "RU", "claimed", "s"),
        ]
    )
    table = change.change_table(before, after)
    assert list(table.columns) == change.CHANGE_COLUMNS
    held = table[(table.held_by == "UA") & (table.status == "held")].iloc[0]
    assert held.before_km2 == pytest.approx(area_km2([shapely.box(35.0, 51.0, 35.2, 51.2)])[0])
    assert held.change_km2 == pytest.approx(held.after_km2 - held.before_km2)
    claimed = table[table.status == "claimed"].iloc[0]
    assert claimed.before_km2 == 0 and claimed.after_km2 > 0
    diff = change.gained_and_lost(before, after)
    gained = diff[diff.change == "gained"].iloc[0]
    lost = diff[diff.change == "lost"].iloc[0]
    assert gained.area_km2 == pytest.approx(area_km2([shapely.box(35.2, 51.0, 35.3, 51.2)])[0], rel=1e-9)
    assert lost.area_km2 == pytest.approx(area_km2([shapely.box(35.0, 51.0, 35.1, 51.2)])[0], rel=1e-9)
    first = change.gained_and_lost(None, after)
    assert list(first.change) == ["gained"] and change.change_table(None, after)["before_km2"].eq(0).all()


def test_change_table_within_borders_is_the_change_of_each_clipped_area():
    straddling_before = shapely.box(35.1, 51.0, 35.3, 51.25)
    straddling_after = shapely.box(35.0, 50.95, 35.45, 51.35)
    before = territory([(straddling_before, "UA", "held", "s")])
    after = territory([(straddling_after, "UA", "held", "s")])
    table = change.change_table(before, after, ("", "RUS")).set_index("within")
    for code in ("", "RUS"):
        old, new = (
            [straddling_before, straddling_after]
            if code == ""
            else clip_to_country([straddling_before, straddling_after], code)
        )
        expected = geodesic_area_km2([new])[0] - geodesic_area_km2([old])[0]
        assert table.loc[code, "change_km2"] == pytest.approx(expected, rel=1e-6)


def test_net_is_the_change_of_the_held_area_between_the_two_snapshots(two_snapshot_store):
    found = change.between(two_snapshot_store, "Test", D("2024-08-10"), D("2024-08-20"))
    table = change.summary(found).set_index(["held_by", "within"])
    # Independent of the gained and lost polygons: the held areas stored for each snapshot at import.
    # Within a border they differ by ~1e-6: a border edge cut where the hole crosses it takes two
    # geodesic edge terms instead of one (the cut point lies on the lon/lat line, not the geodesic).
    series = two_snapshot_store.area_series("Test")
    held = series[(series.held_by == "UA") & (series.status == "held")].set_index(["as_of", "within"])
    for within in ("", "RUS", "UKR"):
        stored_change = (
            held.loc[(D("2024-08-20"), within), "area_km2"] - held.loc[(D("2024-08-10"), within), "area_km2"]
        )
        assert table.loc[("UA", within)].net_km2 == pytest.approx(stored_change, rel=1e-5), within
    total = table.loc[("UA", "")]
    small, large = shapely.box(35.10, 51.00, 35.30, 51.25), shapely.box(35.00, 50.95, 35.45, 51.35)
    assert (
        total.gained_km2 == pytest.approx(area_km2([large.difference(small)])[0], rel=1e-6)
        and total.lost_km2 == 0
    )
    split = table.loc[("UA", "RUS")].gained_km2 + table.loc[("UA", "UKR")].gained_km2
    assert split == pytest.approx(total.gained_km2, rel=1e-3), (
        "the border splits the gain without loss or overlap"
    )


def snapshot(as_of: str, features: gpd.GeoDataFrame) -> Snapshot:
    return Snapshot("Test", D(as_of), D(as_of), 1, features)


def dense(west: float, south: float, east: float, north: float) -> shapely.Polygon:
    return shapely.segmentize(shapely.box(west, south, east, north), 0.005)


def test_net_of_a_side_that_gains_and_loses_is_the_change_of_its_held_area():
    # Densely drawn, so that cutting an edge where the boxes cross does not move it off its geodesic.
    before = [dense(35.0, 51.0, 35.3, 51.2), dense(36.0, 50.0, 36.1, 50.1)]
    after = [dense(35.2, 50.9, 35.5, 51.2)]
    found = change.compute(
        "Test",
        snapshot("2024-08-10", territory([(g, "RU", "held", "s") for g in before])),
        snapshot("2024-08-20", territory([(g, "RU", "held", "s") for g in after])),
    )
    table = change.summary(found, within=("",)).set_index("held_by")
    assert table.loc["RU", "gained_km2"] > 0 and table.loc["RU", "lost_km2"] > 0
    expected = geodesic_area_km2(after).sum() - geodesic_area_km2(before).sum()  # the parts do not overlap
    assert table.loc["RU", "net_km2"] == pytest.approx(expected, rel=1e-9)


def test_a_side_without_change_is_listed_with_zeros():
    held = territory([(shapely.box(35.0, 51.0, 35.3, 51.2), "UA", "held", "s")])
    found = change.compute("Test", snapshot("2024-08-10", held), snapshot("2024-08-20", held.copy()))
    assert found.polygons.empty and list(found.polygons.columns) == change.POLYGON_COLUMNS
    table = change.summary(found)
    assert list(table.columns) == change.SUMMARY_COLUMNS
    assert table[["gained_km2", "lost_km2", "net_km2"]].eq(0).all().all() and set(table.held_by) == {"UA"}


def test_between_refuses_reversed_dates_and_dates_before_the_first_snapshot(two_snapshot_store):
    with pytest.raises(InvalidInputError, match="must be before the end date .*swap them"):
        change.between(two_snapshot_store, "Test", D("2024-08-20"), D("2024-08-10"))
    with pytest.raises(InvalidInputError, match="its first is 2024-08-10. Pick a later start date"):
        change.between(two_snapshot_store, "Test", D("2024-08-01"), D("2024-08-20"))


def test_change_geojson_carries_its_provenance(two_snapshot_store):
    found = change.between(two_snapshot_store, "Test", D("2024-08-12"), D("2024-08-25"))
    body = json.loads(change.to_geojson(found))
    assert (
        body["metadata"]["from_snapshot"],
        body["metadata"]["to_snapshot"],
        body["metadata"]["area_method"],
    ) == ("2024-08-10", "2024-08-20", METHOD)
    read = gpd.read_file(io.StringIO(json.dumps(body)))
    assert read["area_km2"].tolist() == pytest.approx(found.polygons["area_km2"].round(3).tolist())
    assert body["metadata"]["illustrative"] is False and "note" not in body["metadata"]


def test_the_change_geojson_of_an_illustrative_layer_says_so(two_snapshot_store):
    found = change.between(two_snapshot_store, "Test", D("2024-08-12"), D("2024-08-25"))
    metadata = json.loads(change.to_geojson(found, illustrative=True))["metadata"]
    assert metadata["illustrative"] is True
    assert metadata["note"].startswith("Illustrative layer: Test \u2014 hand-drawn, not a source: ")


def test_the_preview_table_reads_in_words_with_the_largest_change_first():
    import pandas as pd

    from layers import change as change_mod

    table = pd.DataFrame(
        {
            "held_by": ["RU", "UA", "UA"],
            "status": ["held", "held", "contested"],
            "within": ["", "RUS", ""],
            "before_km2": [0.0, 203.0, 50.0],
            "after_km2": [112419.6401, 150.0, 60.0],
            "change_km2": [112419.6401, -53.0, 10.0],
        }
    )
    readable = change_mod.readable_change(table)
    assert readable.columns.tolist() == change_mod.READABLE_COLUMNS
    assert readable["side"].tolist() == ["Russia", "Ukraine", "Ukraine"]
    assert readable["where"].tolist() == ["total (unclipped)", "inside Russia", "total (unclipped)"]
    assert readable["change km²"].tolist() == [112419.6401, -53.0, 10.0], "largest change first, either sign"
    assert readable.columns[3] == "change km²", "the change beside the names, where a narrow table shows it"
