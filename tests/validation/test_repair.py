"""Invalid polygons: GEOS's reason, the area a repair would change, and repairs only with consent."""

from __future__ import annotations

import json
from pathlib import Path

import pyproj
import pytest
import shapely

from layers.areas import area_km2
from layers.problems import Collector, Repair, Report
from layers.validation import validate
from layers.validation.repair import polygonal, readings_km2, repair_invalid
from tests.conftest import feature_collection, geojson_feature, problem_lines

DATA = Path(__file__).resolve().parent.parent / "data"
GEOD = pyproj.Geod(ellps="WGS84")


def geodesic_km2(geometry) -> float:
    return abs(GEOD.geometry_area_perimeter(geometry)[0]) / 1e6


def test_polygonal_keeps_only_the_polygons():
    box = shapely.box(35.0, 51.0, 35.2, 51.2)
    other = shapely.box(36.0, 51.0, 36.2, 51.2)
    line = shapely.LineString([(0, 0), (1, 1)])
    assert polygonal(shapely.GeometryCollection([box, line])).equals(box)
    assert polygonal(shapely.GeometryCollection([box, line, other])).equals(
        shapely.MultiPolygon([box, other])
    )
    assert polygonal(line) is None and polygonal(None) is None and polygonal(shapely.Polygon()) is None


def test_readings_of_a_hole_outside_its_shell_differ_by_the_hole():
    shell = shapely.box(35.0, 51.0, 35.2, 51.2)
    outside = shapely.Polygon([(35.3, 51.0), (35.4, 51.0), (35.4, 51.1), (35.3, 51.0)])
    drawn = shapely.Polygon(shell.exterior.coords, [outside.exterior.coords])
    as_areas, as_holes = readings_km2(drawn)
    assert as_areas == pytest.approx(geodesic_km2(shell) + geodesic_km2(outside), rel=1e-3)
    assert as_holes == pytest.approx(geodesic_km2(shell), rel=1e-3)


def test_a_repair_with_consent_is_listed_and_warned_about():
    bowtie = shapely.Polygon([(35.0, 51.0), (35.2, 51.2), (35.2, 51.0), (35.0, 51.2), (35.0, 51.0)])
    report = Report("x")
    repaired = repair_invalid(bowtie, 4, "Feature 4", True, Collector(report), report.repairs)
    # The two triangles of the bow-tie, each a quarter of the box.
    assert repaired.is_valid and geodesic_km2(repaired) == pytest.approx(
        geodesic_km2(shapely.box(35.0, 51.0, 35.2, 51.2)) / 2, rel=1e-3
    )
    [repair] = report.repairs
    assert repair.feature == 4 and repair.reason == "Self-intersection[35.1 51.1]"
    assert repair.area_after_km2 == pytest.approx(geodesic_km2(repaired), rel=1e-3)
    assert [p.severity for p in report.problems] == ["warning"]
    without = Report("x")
    assert repair_invalid(bowtie, 4, "Feature 4", False, Collector(without), without.repairs) is None
    assert without.repairs == [] and [p.rule for p in without.problems] == ["invalid"]


def test_invalid_geometry_gives_shapely_reason_and_what_a_repair_would_change():
    raw = (DATA / "bowtie-2024-11-25.geojson").read_bytes()
    drawn = shapely.from_geojson(json.dumps(json.loads(raw)["features"][0]["geometry"]))
    repaired = shapely.make_valid(drawn, method="structure", keep_collapsed=False)
    before, after = area_km2([drawn, repaired])
    report = validate(raw)
    text = problem_lines(report)
    assert "Feature 0: geometry: is invalid: Self-intersection[35.1 51.1]. Fix it in your editor" in text
    assert (
        f"the app can repair it with your consent (--repair): area would change from {before:,.2f} to "
        f"{after:,.2f} km²" in text
    )
    assert report.features is None and report.repairs == []


def test_invalid_geometry_is_repaired_only_with_consent_and_listed():
    bowtie = [[[35.0, 51.0], [35.2, 51.2], [35.2, 51.0], [35.0, 51.2], [35.0, 51.0]]]
    assert not validate(feature_collection(geojson_feature(), geojson_feature(bowtie))).ok
    report = validate(feature_collection(geojson_feature(), geojson_feature(bowtie)), repair=True)
    assert report.ok and len(report.features) == 2
    assert report.features.geometry.is_valid.all()
    [repair] = report.repairs
    assert (
        isinstance(repair, Repair) and repair.feature == 1 and repair.reason.startswith("Self-intersection")
    )
    assert repair.area_after_km2 == pytest.approx(repair.area_before_km2) and repair.area_after_km2 > 0
    assert "Feature 1: geometry: was invalid (Self-intersection" in problem_lines(report)
    assert [p.severity for p in report.problems if p.field == "geometry"] == ["warning"]


def test_a_hole_outside_its_shell_is_ambiguous_and_never_repaired():
    hole_outside = [
        [[35.0, 51.0], [35.2, 51.0], [35.2, 51.2], [35.0, 51.2], [35.0, 51.0]],
        [[35.3, 51.0], [35.4, 51.0], [35.4, 51.1], [35.3, 51.0]],
    ]
    report = validate(feature_collection(geojson_feature(hole_outside)), repair=True)
    assert not report.ok and report.repairs == []
    text = problem_lines(report)
    assert (
        "repairing it is ambiguous: with every ring as an area it covers" in text
        and "with inner rings as holes" in text
    )


def test_nested_shells_show_both_areas_and_need_consent():
    nested = [
        [[[35.0, 51.0], [35.4, 51.0], [35.4, 51.4], [35.0, 51.4], [35.0, 51.0]]],
        [[[35.1, 51.1], [35.2, 51.1], [35.2, 51.2], [35.1, 51.2], [35.1, 51.1]]],
    ]
    refused = validate(feature_collection(geojson_feature(nested, "MultiPolygon")))
    assert (
        not refused.ok
        and "Nested shells" in problem_lines(refused)
        and "area would change from" in problem_lines(refused)
    )
    repaired = validate(feature_collection(geojson_feature(nested, "MultiPolygon")), repair=True)
    [repair] = repaired.repairs
    assert repaired.ok and repair.area_after_km2 > repair.area_before_km2


def test_a_repair_that_leaves_no_area_is_refused():
    spike_only = [[[35.0, 51.0], [35.2, 51.0], [35.0, 51.0], [35.2, 51.0]]]
    assert not validate(feature_collection(geojson_feature(spike_only)), repair=True).ok
