"""Validation: every problem reported at once, each naming the feature, the field and the fix."""

from __future__ import annotations

import json

import pytest

from layers import schema
from layers.validation import validate


def fc(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def feature(coords=None, geometry_type="Polygon", **properties) -> dict:
    coords = coords if coords is not None else [[[35.0, 51.0], [35.2, 51.0], [35.2, 51.2], [35.0, 51.0]]]
    props = {"held_by": "UA", "status": "held", "source": "ISW"}
    props.update(properties)
    return {"type": "Feature", "geometry": {"type": geometry_type, "coordinates": coords}, "properties": props}


def messages(report) -> str:
    return "\n".join(str(p) for p in report.problems)


def test_a_good_file_passes_and_yields_features():
    report = validate(fc(feature(), feature(held_by="RU", status="claimed")))
    assert report.ok and len(report.features) == 2
    assert report.features.crs == "EPSG:4326"


def test_all_problems_are_listed_at_once_with_feature_and_field():
    report = validate(fc(feature(status="occupied"), feature(held_by=None), feature(coords=[[[35, 51], [35.2, 51], [35.2, 51.2]]])))
    text = messages(report)
    assert len(report.errors) == 3
    assert "Feature 0: status: 'occupied' is not allowed; use one of held, contested, claimed" in text
    assert "Feature 1: held_by: is missing" in text
    assert "Feature 2: coordinates: a ring is not closed" in text
    assert report.features is None


def test_feature_id_is_named():
    bad = feature(status="x")
    bad["id"] = "terr-17"
    assert "Feature 0 (id 'terr-17')" in messages(validate(fc(bad)))


@pytest.mark.parametrize(
    "raw, expected",
    [
        (b'{"type": "FeatureCollection", "features": [NaN]}', "NaN is not valid JSON"),
        (b'{"type": "FeatureCollection", "type": "Feature", "features": []}', "duplicate key"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"type": "Topology"}', "expected 'FeatureCollection'"),
    ],
)
def test_strict_json(raw, expected):
    report = validate(raw)
    assert not report.ok and expected in messages(report)


def test_bom_is_a_warning_not_an_error():
    report = validate(b"\xef\xbb\xbf" + fc(feature()))
    assert report.ok and "byte-order mark" in messages(report)


def test_projected_metres_are_named_as_such():
    coords = [[[3900000, 6600000], [3910000, 6600000], [3910000, 6610000], [3900000, 6600000]]]
    assert "projected metres (e.g. Web Mercator" in messages(validate(fc(feature(coords))))


def test_swapped_lat_lon_is_named_as_such():
    coords = [[[51.0, 135.0], [51.2, 135.0], [51.2, 135.2], [51.0, 135.0]]]
    assert "Swap the two values" in messages(validate(fc(feature(coords))))


def test_third_coordinate_is_dropped_with_a_note():
    coords = [[[35.0, 51.0, 0], [35.2, 51.0, 0], [35.2, 51.2, 0], [35.0, 51.0, 0]]]
    report = validate(fc(feature(coords)))
    assert report.ok and "third (elevation) value" in messages(report)
    assert not report.features.geometry.iloc[0].has_z


def test_invalid_geometry_passes_on_shapely_reason():
    bowtie = [[[35.0, 51.0], [35.2, 51.2], [35.2, 51.0], [35.0, 51.2], [35.0, 51.0]]]
    text = messages(validate(fc(feature(bowtie))))
    assert "is invalid: Self-intersection[" in text and "without your consent" in text


def test_wrong_geometry_type_for_the_layer_kind():
    text = messages(validate(fc(feature([35.0, 51.0], "Point"))))
    assert "a territory feature must be Polygon or MultiPolygon" in text


def test_zero_area_and_empty_geometry():
    flat = [[[35.0, 51.0], [35.1, 51.0], [35.2, 51.0], [35.0, 51.0]]]
    assert "zero area" in messages(validate(fc(feature(flat))))
    assert "is empty" in messages(validate(fc(feature([]))))


def test_defaults_fill_missing_fields_but_own_values_win():
    own = feature(held_by="UA")
    missing = feature()
    del missing["properties"]["held_by"]
    report = validate(fc(own, missing), defaults={"held_by": "RU"})
    assert list(report.features["held_by"]) == ["UA", "RU"]


def test_active_keys_are_dropped():
    report = validate(fc(feature(style={"color": "red"}, popup="<b>x</b>")))
    assert report.ok and "style" not in report.features.columns and "popup" not in report.features.columns


def test_bare_geometry_and_single_feature_are_accepted_with_defaults():
    geometry = feature()["geometry"]
    report = validate(json.dumps(geometry).encode(), defaults={"held_by": "RU", "status": "held", "source": "DeepStateMap"})
    assert report.ok and len(report.features) == 1
    assert validate(json.dumps(feature()).encode()).ok


def test_events_check_dates_and_claims():
    event = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [35.0, 51.6]},
        "properties": {"id": "e1", "kind": "strike", "occurred_on": "20/11/2024", "title": "t", "source": "s", "confidence": "sure", "claims": [{"source": "x"}]},
    }
    text = messages(validate(fc(event), schema.EVENT))
    assert "occurred_on: valid date expected like 2024-05-01, got '20/11/2024'" in text
    assert "confidence: 'sure' is not allowed" in text
    assert "claims: must be a list of objects with 'source' and 'claim'" in text
