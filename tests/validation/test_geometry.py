"""Geometries: the types a layer takes, vertex caps, rings, zero area and orientation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyproj
import pytest
import shapely

from layers import schema
from layers.problems import Collector, Report
from layers.validation import geometry, validate
from layers.validation.geometry import GeometryChecker
from tests.conftest import feature_collection, geojson_feature, problem_lines

DATA = Path(__file__).resolve().parent.parent / "data"


def checker(kind=schema.TERRITORY, repair=False) -> tuple[GeometryChecker, Report]:
    report = Report("x")
    return GeometryChecker(kind, repair, Collector(report), report.repairs), report


def test_a_polygon_is_built_valid_oriented_and_of_the_area_drawn():
    ring = [[35.0, 51.0], [35.0, 51.2], [35.2, 51.2], [35.2, 51.0], [35.0, 51.0]]  # clockwise
    check, report = checker()
    drawn, usable = check.check({"type": "Polygon", "coordinates": [ring]}, 0, "Feature 0", "/geometry")
    assert report.problems == [] and check.reoriented == 1
    assert drawn.equals(usable) and usable.exterior.is_ccw and not drawn.exterior.is_ccw
    geodesic_m2, _ = pyproj.Geod(ellps="WGS84").geometry_area_perimeter(usable)
    lon, lat = np.array(ring).T
    reference_m2, _ = pyproj.Geod(ellps="WGS84").polygon_area_perimeter(lon, lat)
    assert geodesic_m2 == pytest.approx(abs(reference_m2), rel=1e-9)


def test_a_point_is_kept_for_events_and_counted_as_a_wrong_type_for_territory():
    point = {"type": "Point", "coordinates": [35.1, 51.1]}
    events, _ = checker(schema.EVENT)
    assert events.check(point, 0, "Feature 0", "/geometry")[1].equals(shapely.Point(35.1, 51.1))
    territory, report = checker()
    assert territory.check(point, 4, "Feature 4", "/geometry") == (None, None)
    assert territory.wrong_types == {"Point": [4]} and report.problems == []
    territory.report_types_and_size()
    assert [p.rule for p in report.problems] == ["wrong-type:Point"]


def test_ring_with_three_positions_needs_four():
    report = validate(feature_collection(geojson_feature([[[35, 51], [35.2, 51], [35, 51]]])))
    assert "ring 0 has 3 positions; a polygon ring needs four or more" in problem_lines(report)


def test_antimeridian_segments_are_flagged():
    text = problem_lines(validate((DATA / "antimeridian.geojson").read_bytes()))
    assert "ring 0 jumps 340.0° of longitude from 170.0 to -170.0" in text and "RFC 7946 §3.1.9" in text


def test_repeated_consecutive_points_are_removed_with_a_note():
    coords = [[[35.0, 51.0], [35.2, 51.0], [35.2, 51.0], [35.2, 51.0], [35.2, 51.2], [35.0, 51.0]]]
    report = validate(feature_collection(geojson_feature(coords)))
    assert report.ok and "removed 2 repeated consecutive point(s) in 1 feature(s)" in problem_lines(report)
    assert shapely.get_num_coordinates(report.features.geometry.iloc[0]) == 4


def test_geometry_collection_is_rejected_for_territory():
    text = problem_lines(validate((DATA / "geometry-collection.geojson").read_bytes()))
    assert (
        "1 feature is a GeometryCollection (feature 0): save each part as its own Polygon or MultiPolygon "
        "feature" in text
    )


def test_mixed_geometry_types_are_counted_and_named():
    points = [geojson_feature([35.0 + i / 100, 51.0], "Point") for i in range(12)]
    report = validate(feature_collection(geojson_feature(), *points))
    text = problem_lines(report)
    assert (
        "this is a territory layer (Polygon and MultiPolygon), but 12 features are Points (feature 1, 2, 3"
        in text
    )
    assert "upload points (strikes, units) as an events layer (--kind events)" in text
    assert len(report.errors) == 1


def test_polygons_in_an_events_file_are_named():
    text = problem_lines(validate(feature_collection(geojson_feature()), schema.EVENT))
    assert (
        "this is an events layer (Point), but 1 feature is a Polygon (feature 0): upload areas as a "
        "territory layer" in text
    )


@pytest.mark.parametrize(
    "name, hint",
    [
        ("polygon", "expected 'Polygon' but got 'polygon'"),
        ("Circle", "type 'Circle' is not a GeoJSON geometry type"),
    ],
)
def test_geometry_type_names(name, hint):
    assert hint in problem_lines(validate(feature_collection(geojson_feature(geometry_type=name))))


def test_null_geometry_is_rejected():
    report = validate(
        feature_collection(
            {
                "type": "Feature",
                "geometry": None,
                "properties": {"held_by": "UA", "status": "held", "source": "x"},
            }
        )
    )
    assert (
        "Feature 0: geometry: is missing (null); a territory feature needs a Polygon or MultiPolygon"
        in problem_lines(report)
    )


def test_vertex_cap_per_feature():
    ring = [[35.0 + 0.1 * np.cos(t), 51.0 + 0.1 * np.sin(t)] for t in np.linspace(0, 2 * np.pi, 200_001)[:-1]]
    ring.append(ring[0])
    report = validate(feature_collection(geojson_feature([ring])))
    assert "has 200,001 vertices; the limit is 200,000 per feature. Simplify it" in problem_lines(report)


def test_vertex_cap_per_file(monkeypatch):
    monkeypatch.setattr(geometry, "MAX_VERTICES", 10)
    assert "holds more than 10 vertices; the limit is 10" in problem_lines(
        validate(feature_collection(*[geojson_feature()] * 3))
    )


def test_orientation_is_fixed_automatically_not_an_error():
    report = validate((DATA / "clockwise.geojson").read_bytes())
    assert (
        report.ok
        and "auto-fixed: ring orientation (1 feature(s)) to the right-hand rule" in problem_lines(report)
    )
    assert report.features.geometry.iloc[0].exterior.is_ccw


def test_invalid_geometry_and_zero_area():
    flat = [[[35.0, 51.0], [35.1, 51.0], [35.2, 51.0], [35.0, 51.0]]]
    assert "zero area" in problem_lines(validate(feature_collection(geojson_feature(flat))))
    assert "is empty" in problem_lines(validate(feature_collection(geojson_feature([]))))


def test_a_multipolygon_with_an_empty_polygon_is_an_error_not_a_crash():
    ring = [[35.0, 51.0], [35.2, 51.0], [35.2, 51.2], [35.0, 51.0]]
    report = validate(feature_collection(geojson_feature([[], [ring]], "MultiPolygon")))
    assert [str(p) for p in report.errors] == [
        "Feature 0: coordinates: polygon 0 has no rings; each polygon of a MultiPolygon needs an outer ring "
        "(RFC 7946 §3.1.7). Remove the empty polygon or draw its shape."
    ]
