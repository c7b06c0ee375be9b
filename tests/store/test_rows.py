"""The rows a snapshot and reported figures are stored as, and the dates and ids callers pass."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from layers.areas import METHOD
from layers.errors import InvalidInputError
from layers.store import rows
from tests.conftest import box_snapshot, territory

#: Well inside Ukraine, near Kyiv: all of it is within UKR, none within RUS.
KYIV_BOX = shapely.box(30.4, 50.4, 30.6, 50.5)


def geodesic_km2(geometry) -> float:
    """Karney's area with pyproj directly, independent of layers.areas."""
    oriented = shapely.orient_polygons(geometry, exterior_cw=False)
    return abs(pyproj.Geod(ellps="WGS84").geometry_area_perimeter(oriented)[0]) / 1e6


def test_area_rows_are_per_side_and_status_unclipped_and_within_each_border():
    found = rows.computed_area_rows(territory([(KYIV_BOX, "UA", "held", "s")]))
    by_within = {row["within"]: row for row in found}
    assert sorted(by_within) == ["", "RUS", "UKR"]
    assert {(row["held_by"], row["status"], row["method"]) for row in found} == {("UA", "held", METHOD)}
    expected = geodesic_km2(KYIV_BOX)
    assert by_within[""]["area_km2"] == pytest.approx(expected, rel=1e-4)
    assert by_within["UKR"]["area_km2"] == pytest.approx(expected, rel=1e-4)
    assert by_within["RUS"]["area_km2"] == pytest.approx(0, abs=1e-9)


@pytest.mark.parametrize(
    "features, kind",
    [(territory([(KYIV_BOX, "UA", "held", "s")]), "events"), (territory([]), "territory")],
    ids=["an events layer", "no features"],
)
def test_nothing_to_measure_gives_no_area_rows(features, kind):
    assert rows.computed_area_rows(features, kind) == []


def test_a_snapshot_carries_its_own_area_rows_or_is_measured():
    measured = box_snapshot("s")
    assert rows.snapshot_area_rows(measured) == rows.computed_area_rows(measured.features)
    given = ({"held_by": "RU", "status": "held", "within": "", "area_km2": 1.5, "method": "given"},)
    carried = dataclasses.replace(measured, areas=given)
    found = rows.snapshot_area_rows(carried)
    assert found == list(given)
    found[0]["area_km2"] = 99.0
    assert given[0]["area_km2"] == 1.5, "the snapshot's own rows are copied, never changed"


def test_feature_properties_leave_missing_values_and_the_geometry_out():
    frame = gpd.GeoDataFrame(
        {"name": ["a", None, "c"], "count": [1.0, 2.0, math.nan], "flag": [True, False, True]},
        geometry=[shapely.Point(0, 0)] * 3,
        crs="EPSG:4326",
    )
    assert rows.feature_properties(frame) == [
        {"name": "a", "count": 1.0, "flag": True},
        {"count": 2.0, "flag": False},
        {"name": "c", "flag": True},
    ]
    # The same as pandas' own records with the gaps dropped, the reference the fast path replaces.
    reference = [
        {k: v for k, v in record.items() if not (v is None or (isinstance(v, float) and math.isnan(v)))}
        for record in frame.drop(columns="geometry").to_dict("records")
    ]
    assert rows.feature_properties(frame) == reference


@pytest.mark.filterwarnings("ignore:DataFrame columns are not unique")
def test_feature_properties_of_a_frame_without_properties_or_with_a_repeated_column():
    bare = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0)] * 2, crs="EPSG:4326")
    assert rows.feature_properties(bare) == [{}, {}]
    repeated = gpd.GeoDataFrame(
        pd.DataFrame([["a", None], [None, "b"]], columns=["name", "name"]),
        geometry=[shapely.Point(0, 0)] * 2,
        crs="EPSG:4326",
    )
    # As in pandas' records, the last of the repeated columns wins; its gaps are left out.
    assert rows.feature_properties(repeated) == [{}, {"name": "b"}]


def test_figure_rows_fill_the_optional_fields_and_say_who_added_them():
    figures = pd.DataFrame(
        [
            {"date": dt.date(2024, 8, 31), "scope": "gains", "value_km2": 363.0, "kind": "mapped"},
            {"date": dt.date(2024, 9, 30), "scope": "gains", "value_km2": 1.0, "measure": "peak to date"},
        ]
    )
    before = rows.utc_now()
    found = rows.figure_rows(figures, "cli")
    assert [(r["layer"], r["held_by"], r["within"], r["note"], r["measure"]) for r in found] == [
        ("", "", "", "", "at date"),
        ("", "", "", "", "peak to date"),
    ]
    assert {r["added_by"] for r in found} == {"cli"}
    assert all(before <= r["added_at"] <= rows.utc_now() for r in found)


def test_a_figure_is_the_same_whatever_form_its_values_take():
    row = {
        "date": "2024-08-31",
        "scope": "gains",
        "value_km2": 363.0000000001,
        "kind": "mapped",
        "source": "S",
    }
    full = {field: row.get(field) for field in ("layer", "held_by", "status", "within", "measure", "note")}
    same = dict(row, **full, date=dt.date(2024, 8, 31), value_km2=363)
    assert rows.figure_key({**row, **full}) == rows.figure_key(same)
    assert rows.figure_key({**row, **full}) != rows.figure_key(dict(same, value_km2=363.01))


@pytest.mark.parametrize(
    "value",
    ["2024-08-10", dt.date(2024, 8, 10), dt.datetime(2024, 8, 10, 23, 59), pd.Timestamp("2024-08-10 12:00")],
)
def test_as_date_takes_dates_datetimes_and_iso_text(value):
    found = rows.as_date(value)
    assert found == dt.date(2024, 8, 10) and type(found) is dt.date


@pytest.mark.parametrize("value", ["10/08/2024", "2024-02-30", None])
def test_as_date_refuses_anything_else_saying_what_it_expects(value):
    with pytest.raises(InvalidInputError, match=r"snapshot date expected like 2024-11-25, got"):
        rows.as_date(value)


@pytest.mark.parametrize("value", [7, np.int64(7), 7.0, "7", pd.array([7], dtype="Int64")[0]])
def test_as_version_id_gives_a_plain_int(value):
    found = rows.as_version_id(value)
    assert found == 7 and type(found) is int


@pytest.mark.parametrize("value", [None, math.nan, pd.NA])
def test_a_missing_version_id_is_none(value):
    assert rows.as_version_id(value) is None


def test_a_version_id_that_is_no_number_is_refused():
    with pytest.raises(InvalidInputError, match=r"^version id expected as a whole number, got 'v7'; take it"):
        rows.as_version_id("v7")


def test_utc_now_is_aware_and_in_utc():
    now = rows.utc_now()
    assert now.utcoffset() == dt.timedelta(0)
    assert abs(now - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=5)
