"""Change between two dates and the files readers take away."""

from __future__ import annotations

import datetime as dt
import io
import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from layers import change, exports, figures
from layers.areas import METHOD, area_km2
from layers.snapshots import snapshot_at

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


def test_gained_lost_and_net_add_up_and_split_by_border(two_snapshot_store):
    found = change.between(two_snapshot_store, "Test", D("2024-08-10"), D("2024-08-20"))
    table = change.summary(found).set_index(["held_by", "within"])
    total = table.loc[("UA", "")]
    assert total.net_km2 == pytest.approx(total.gained_km2 - total.lost_km2)
    small, large = shapely.box(35.10, 51.00, 35.30, 51.25), shapely.box(35.00, 50.95, 35.45, 51.35)
    assert (
        total.gained_km2 == pytest.approx(area_km2([large.difference(small)])[0], rel=1e-6)
        and total.lost_km2 == 0
    )
    split = table.loc[("UA", "RUS")].gained_km2 + table.loc[("UA", "UKR")].gained_km2
    assert split == pytest.approx(total.gained_km2, rel=1e-3), (
        "the border splits the gain without loss or overlap"
    )


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


def test_snapshot_geojson_round_trips(two_snapshot_store):
    snap = snapshot_at(two_snapshot_store, "Test", D("2024-08-25"))
    body = exports.snapshot_geojson(snap)
    read = gpd.read_file(io.StringIO(body))
    assert len(read) == len(snap.features) and set(read["source"]) == set(snap.features["source"])
    assert shapely.equals(read.geometry.union_all(), snap.features.geometry.union_all())
    assert json.loads(body)["metadata"]["snapshot"] == "2024-08-20"


def test_area_series_csv_names_its_method_on_every_row(two_snapshot_store):
    series = two_snapshot_store.area_series()
    table = pd.read_csv(io.StringIO(exports.area_series_csv(series)), keep_default_na=False)
    assert len(table) == len(series) and (table["method"] == METHOD).all()
    assert table["area_km2"].tolist() == pytest.approx(series["area_km2"].round(3).tolist())


def test_comparison_csv_keeps_unmatched_figures_with_their_reason(two_snapshot_store):
    rows = pd.DataFrame(
        [
            {
                "date": "2024-08-15",
                "scope": "x",
                "layer": "Test",
                "held_by": "UA",
                "status": "held",
                "within": "",
                "value_km2": "100",
                "kind": "mapped",
                "source": "s",
            },
            {
                "date": "2024-08-15",
                "scope": "y",
                "layer": "Elsewhere",
                "held_by": "UA",
                "status": "held",
                "within": "",
                "value_km2": "100",
                "kind": "mapped",
                "source": "s",
            },
        ]
    )
    compared = figures.compare(figures.check_figures(rows, "t"), two_snapshot_store.area_series())
    table = pd.read_csv(io.StringIO(exports.comparison_csv(compared)), keep_default_na=False)
    assert table["comparison"].tolist() == ["compared", "no computed series: layer 'Elsewhere' is not loaded"]
    assert (table["method"] == METHOD).all()
