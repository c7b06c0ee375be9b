"""The GeoJSON document: its type, its features, feature ids, the legacy crs member and bboxes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from layers.problems import Collector, Report
from layers.validation import validate
from layers.validation.structure import (
    BARE,
    feature_where,
    features_of,
    geometry_pointer,
    type_name_hint,
    value_text,
)
from tests.conftest import feature_collection, geojson_feature, problem_lines

DATA = Path(__file__).resolve().parent.parent / "data"


@pytest.mark.parametrize(
    "raw, expected",
    [
        (b'{"type": "Topology"}', "expected 'FeatureCollection'"),
        (
            b'{"type": "featurecollection", "features": []}',
            "expected 'FeatureCollection' but got 'featurecollection': type names are case-sensitive",
        ),
        (b"{}", "has no 'type' member"),
        (b"[]", "must hold a JSON object"),
    ],
)
def test_a_document_that_is_not_geojson_is_named(raw, expected):
    report = validate(raw)
    assert not report.ok and expected in problem_lines(report)


def test_features_of_each_kind_of_document_with_its_pointer():
    report = Report("x")
    collect = Collector(report)
    feature = geojson_feature()
    assert features_of({"type": "FeatureCollection", "features": [feature]}, collect) == (
        [feature],
        "/features/{}",
    )
    assert features_of(feature, collect) == ([feature], "")
    geometry = feature["geometry"]
    assert features_of(geometry, collect) == (
        [{"type": "Feature", "geometry": geometry, "properties": {}}],
        BARE,
    )
    assert [p.rule for p in report.problems] == ["bare-geometry"]
    assert features_of({"type": "FeatureCollection", "features": {}}, collect) == ([], "")
    assert report.problems[-1].message == "a FeatureCollection needs a 'features' array."


def test_geometry_pointer_follows_the_document():
    assert geometry_pointer("/features/{}", 7) == "/features/7/geometry"
    assert geometry_pointer("", 0) == "/geometry"
    assert geometry_pointer(BARE, 0) == ""


def test_feature_where_names_the_id_from_the_feature_or_its_properties():
    assert feature_where(3, {"id": "terr-17"}) == "Feature 3 (id 'terr-17')"
    assert feature_where(4, {"properties": {"id": 9}}) == "Feature 4 (id '9')"
    assert feature_where(5, {"id": {"nested": 1}}) == "Feature 5"
    assert feature_where(6, "not a feature") == "Feature 6"
    assert feature_where(7, {"id": "x" * 100}) == f"Feature 7 (id '{'x' * 60}')"


def test_type_name_hint_notices_the_wrong_case_only():
    assert type_name_hint("polygon", ("Point", "Polygon")) == (
        "expected 'Polygon' but got 'polygon': type names are case-sensitive (RFC 7946 §1.4)."
    )
    assert type_name_hint("Circle", ("Point", "Polygon")) == ""
    assert type_name_hint(3, ("Point",)) == ""


@pytest.mark.parametrize(
    "value, shown",
    [
        ("35.2", "the text '35.2'"),
        (True, "the JSON value true"),
        (None, "the JSON value null"),
        ({"x": 1}, "the value {'x': 1}"),
        (1.5, "the value 1.5"),
    ],
)
def test_value_text_says_what_a_raw_value_is(value, shown):
    assert value_text(value) == shown


def test_feature_id_is_named_and_must_be_text_or_number():
    bad = geojson_feature(status="x")
    bad["id"] = "terr-17"
    assert "Feature 0 (id 'terr-17')" in problem_lines(validate(feature_collection(bad)))
    odd = geojson_feature()
    odd["id"] = {"nested": 1}
    assert "Feature 0: id: must be a string or a number (RFC 7946 §3.2)" in problem_lines(
        validate(feature_collection(odd))
    )


def test_a_feature_that_is_no_feature_and_properties_that_are_no_object():
    wrong = geojson_feature()
    wrong["type"] = "feature"
    listed = geojson_feature()
    listed["properties"] = ["UA"]
    text = problem_lines(validate(feature_collection(wrong, listed)))
    assert "Feature 0: type: expected 'Feature' but got 'feature'" in text
    assert "Feature 1: properties: must be a JSON object (or null)." in text


def test_legacy_crs_other_than_wgs84_is_rejected():
    report = validate((DATA / "legacy-crs-3857.geojson").read_bytes())
    assert (
        "File: crs: the legacy 'crs' member declares urn:ogc:def:crs:EPSG::3857; GeoJSON coordinates must "
        "be WGS84" in problem_lines(report)
    )


def test_legacy_crs_naming_wgs84_is_ignored_with_a_note():
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    report = validate(feature_collection(geojson_feature(), crs=crs))
    assert report.ok and "'crs' member names WGS84 longitude/latitude" in problem_lines(report)


@pytest.mark.parametrize("bbox", [[1, 2, 3, 4, 5], ["a", "b", "c", "d"], "35,51,36,52"])
def test_a_malformed_bbox_is_named_and_ignored(bbox):
    raw = json.loads(feature_collection(geojson_feature()))
    raw["bbox"] = bbox
    report = validate(json.dumps(raw).encode())
    assert report.ok and "File: bbox: must contain 4 or 6 numbers (RFC 7946 §5)" in problem_lines(report)
    raw["bbox"] = [35.0, 51.0, 35.2, 51.2]
    assert "bbox" not in problem_lines(validate(json.dumps(raw).encode()))
