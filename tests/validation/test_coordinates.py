"""Raw coordinates: number types, dimensions, JSON pointers, ranges and axis order."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from layers import schema
from layers.formats import swap_axes
from layers.problems import Collector, Report
from layers.validation import validate
from layers.validation.coordinates import (
    Scan,
    check_area_of_interest,
    check_range,
    count_positions,
    read_point,
    read_polygons,
)
from tests.conftest import feature_collection, geojson_feature, problem_lines

DATA = Path(__file__).resolve().parent.parent / "data"


def test_read_polygons_gives_float_arrays_and_drops_a_third_value():
    scan = Scan()
    rings = [[[35, 51, 0], [35.5, 51, 0], [35.5, 51.5, 0], [35, 51, 0]], [[1.0, 2.0, 0]] * 4]
    [[outer, inner]] = read_polygons("Polygon", rings, "/geometry/coordinates", scan)
    assert outer.dtype == float and outer.tolist() == [[35, 51], [35.5, 51], [35.5, 51.5], [35, 51]]
    assert inner.shape == (4, 2)
    assert scan.has_z and not scan.nonzero_z and scan.widths == {3}


def test_read_polygons_records_the_first_defect_of_each_kind_and_gives_none():
    scan = Scan()
    rings = [[[[35, 51], [35.5, "51"], [35.5, "x"], [35, 51, 1, 2], [35]]]]
    assert read_polygons("MultiPolygon", rings, "/c", scan) is None
    assert scan.not_number == ("/c/0/0/1/1", "51") and scan.not_number_count == 2
    assert scan.too_many_values == "/c/0/0/3" and scan.too_few_values == "/c/0/0/4"
    nested = Scan()
    assert read_polygons("Polygon", [[35, 51]], "/c", nested) is None and nested.nesting == "/c/0/0"


def test_read_point_and_count_positions():
    scan = Scan()
    assert read_point([35.0, 51.0], "/c", scan).tolist() == [[35.0, 51.0]]
    assert read_point("35,51", "/c", scan) is None and scan.nesting == "/c"
    assert count_positions("Point", [35.0, 51.0]) == 1
    assert count_positions("Polygon", [[[0, 0]] * 5, [[0, 0]] * 4]) == 9
    assert count_positions("MultiPolygon", [[[[0, 0]] * 4], "junk", [[[0, 0]] * 6]]) == 10


@pytest.mark.parametrize(
    "xy, rule",
    [
        ([[35.0, 51.0]], None),
        ([[3_900_000.0, 6_600_000.0]], "projected"),
        ([[51.0, 135.0]], "swapped"),
        ([[200.0, 95.0]], "out-of-range"),
        ([[np.inf, 51.0]], "non-finite"),
    ],
)
def test_check_range_names_what_the_numbers_look_like(xy, rule):
    report = Report("x")
    ok = check_range(np.array(xy), "Feature 0", Collector(report))
    assert ok is (rule is None)
    assert [p.rule for p in report.problems] == ([rule] if rule else [])


def test_area_of_interest_catches_only_files_that_fit_once_swapped():
    kyiv = shapely.box(30.45, 50.40, 30.60, 50.50)
    kyiv_swapped = shapely.box(50.40, 30.45, 50.50, 30.60)
    far_away = shapely.box(-75.0, 40.0, -74.0, 41.0)  # New York fits neither way
    both_ways = shapely.box(45.0, 45.0, 45.5, 45.5)  # fits as drawn: no reason to suspect the order
    cases = [([kyiv], []), ([kyiv_swapped], ["swapped"]), ([far_away], []), ([both_ways], []), ([], [])]
    for geometries, expected in cases:
        report = Report("x")
        check_area_of_interest(geometries, Collector(report))
        assert [p.rule for p in report.problems] == expected


def test_numbers_too_large_for_a_float_are_refused_in_coordinates():
    overflowing = feature_collection(
        geojson_feature([[[35.0, 51.0], [float("inf"), 51.0], [35.2, 51.2], [35.0, 51.0]]])
    ).replace(b"Infinity", b"1e400")
    assert "coordinates: contain a number too large for a 64-bit float" in problem_lines(
        validate(overflowing)
    )


def test_projected_metres_are_named_as_such():
    coords = [[[3900000, 6600000], [3910000, 6600000], [3910000, 6610000], [3900000, 6600000]]]
    assert "projected metres (e.g. Web Mercator" in problem_lines(
        validate(feature_collection(geojson_feature(coords)))
    )


def test_swapped_lat_lon_is_named_as_such():
    coords = [[[51.0, 135.0], [51.2, 135.0], [51.2, 135.2], [51.0, 135.0]]]
    assert "Swap the two values" in problem_lines(validate(feature_collection(geojson_feature(coords))))


def test_third_coordinate_is_dropped_with_a_warning_when_it_holds_elevation():
    coords = [[[35.0, 51.0, 120], [35.2, 51.0, 130], [35.2, 51.2, 125], [35.0, 51.0, 120]]]
    report = validate(feature_collection(geojson_feature(coords)))
    assert (
        report.ok
        and "1 feature(s) have a third (elevation) value; it was dropped"
        in [p.message for p in report.warnings][0]
    )
    assert not report.features.geometry.iloc[0].has_z


def test_a_third_coordinate_of_zero_is_only_a_note():
    coords = [[[35.0, 51.0, 0], [35.2, 51.0, 0], [35.2, 51.2, 0], [35.0, 51.0, 0]]]
    report = validate(feature_collection(geojson_feature(coords), geojson_feature(coords)))
    assert report.ok and not report.warnings
    assert "2 feature(s) have a third (elevation) value, always 0; it was dropped" in problem_lines(report)


def test_four_value_positions_are_rejected_once_per_feature():
    report = validate((DATA / "four-values.geojson").read_bytes())
    assert len(report.errors) == 1
    assert (
        "positions have 4 or more values (first at /features/0/geometry/coordinates/0/0); GeoJSON allows 2"
        in problem_lines(report)
    )
    four = [[[35.0, 51.0, 0, 1], [35.2, 51.0, 0, 1], [35.2, 51.2, 0, 1], [35.0, 51.0, 0, 1]]]
    assert (
        len(
            validate(
                feature_collection(geojson_feature(four), geojson_feature(four), geojson_feature())
            ).errors
        )
        == 2
    )


def test_string_coordinates_are_rejected_with_the_json_path():
    report = validate((DATA / "string-coordinate.geojson").read_bytes())
    assert (
        "/features/0/geometry/coordinates/0/2/0 is the text '35.2'; coordinates must be JSON numbers"
        in problem_lines(report)
    )
    assert report.features is None


@pytest.mark.parametrize(
    "value, shown",
    [(True, "the JSON value true"), (None, "the JSON value null"), ({"x": 1}, "the value {'x': 1}")],
)
def test_other_non_numbers_in_coordinates(value, shown):
    coords = [[[35.0, 51.0], [35.2, value], [35.2, 51.2], [35.0, 51.0]]]
    assert f"/features/0/geometry/coordinates/0/1/1 is {shown}" in problem_lines(
        validate(feature_collection(geojson_feature(coords)))
    )


def test_point_coordinates_have_their_own_pointer():
    event = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": ["35.0", 51.0]},
        "properties": {},
    }
    assert "/features/0/geometry/coordinates/0 is the text '35.0'" in problem_lines(
        validate(feature_collection(event), schema.EVENT)
    )


def test_positions_mixing_two_and_three_values_are_rejected():
    mixed = [[[35.0, 51.0, 0], [35.2, 51.0], [35.2, 51.2, 0], [35.0, 51.0, 0]]]
    text = problem_lines(validate(feature_collection(geojson_feature(mixed))))
    assert "positions mix 2 and 3 values (first different at /features/0/geometry/coordinates/0/1)" in text


def test_latitude_longitude_order_in_range_is_caught_by_the_area_of_interest():
    kyiv_as_lat_lon = [[[50.40, 30.45], [50.40, 30.60], [50.50, 30.60], [50.50, 30.45], [50.40, 30.45]]]
    raw = feature_collection(geojson_feature(kyiv_as_lat_lon))
    report = validate(raw)
    assert not report.ok and "[latitude, longitude] order" in problem_lines(report)
    assert [p.rule for p in report.errors] == ["swapped"]
    fixed = validate(swap_axes(raw, "kyiv.geojson"))
    assert fixed.ok and fixed.features.geometry.iloc[0].bounds == (30.45, 50.4, 30.6, 50.5)
