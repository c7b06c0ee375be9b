"""The area rows the command line prints: the snapshot shown on a date, any border."""

from __future__ import annotations

import datetime as dt

import pytest
import shapely

from layers.areas import area_km2, clip_to_country
from layers.errors import InvalidInputError
from layers.series import area_rows, computed_series

D = dt.date.fromisoformat
LARGE = shapely.box(35.00, 50.95, 35.45, 51.35)  # "Test" held on 2024-08-20 (conftest)


def test_rows_at_a_date_are_the_snapshot_shown_then(two_snapshot_store):
    rows = area_rows(two_snapshot_store, "Test", D("2024-08-25"), None)
    assert {row["date"] for row in rows} == {"2024-08-20"}
    held = next(row for row in rows if row["status"] == "held")
    assert held["area_km2"] == pytest.approx(float(area_km2([LARGE])[0]), abs=0.001)
    before = area_rows(two_snapshot_store, "Test", D("2024-08-01"), None)
    assert before == [], "nothing before the first snapshot"


def test_rows_within_a_border_not_kept_at_import_are_computed_from_the_geometry(two_snapshot_store):
    assert "BLR" not in set(two_snapshot_store.area_series("Test")["within"])
    rows = area_rows(two_snapshot_store, "Test", None, "blr")
    assert rows and {row["within"] for row in rows} == {"BLR"}
    assert all(row["area_km2"] == 0 for row in rows), "the test boxes lie in Russia and Ukraine"
    rus = area_rows(two_snapshot_store, "Test", D("2024-08-20"), "RUS")
    held = next(row for row in rus if row["status"] == "held")
    expected = float(area_km2(clip_to_country([LARGE], "RUS"))[0])
    assert held["area_km2"] == pytest.approx(expected, rel=1e-6)


def test_computed_series_has_a_row_per_snapshot_side_and_status(two_snapshot_store):
    series = computed_series(two_snapshot_store, "Test", "UKR")
    assert sorted(set(series["as_of"])) == [D("2024-08-10"), D("2024-08-20")]
    assert set(series["within"]) == {"UKR"}


def test_an_unknown_border_is_refused(two_snapshot_store):
    with pytest.raises(InvalidInputError):
        area_rows(two_snapshot_store, "Test", None, "XXX")
