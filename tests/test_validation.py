"""Validation: every problem reported at once, each naming the feature, the field and the fix."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import numpy as np
import pytest
import shapely

from layers import schema
from layers.areas import area_km2
from layers.validation import MAX_LISTED, Repair, checker, geometry, validate

DATA = Path(__file__).resolve().parent / "data"


def fc(*features, **members) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features), **members}).encode()


def feature(coords=None, geometry_type="Polygon", **properties) -> dict:
    coords = coords if coords is not None else [[[35.0, 51.0], [35.2, 51.0], [35.2, 51.2], [35.0, 51.0]]]
    props = {"held_by": "UA", "status": "held", "source": "ISW"}
    props.update(properties)
    return {
        "type": "Feature",
        "geometry": {"type": geometry_type, "coordinates": coords},
        "properties": props,
    }


def messages(report) -> str:
    return "\n".join(str(p) for p in report.problems)


def test_a_good_file_passes_and_yields_features():
    report = validate(fc(feature(), feature(held_by="RU", status="claimed")))
    assert report.ok and len(report.features) == 2
    assert report.features.crs == "EPSG:4326"
    assert report.repairs == []


def test_all_problems_are_listed_at_once_with_feature_and_field():
    report = validate(
        fc(
            feature(status="occupied"),
            feature(held_by=None),
            feature(coords=[[[35, 51], [35.2, 51], [35.2, 51.2]]]),
        )
    )
    text = messages(report)
    assert len(report.errors) == 3
    assert "Feature 0: status: 'occupied' is not allowed; use one of held, contested, claimed" in text
    assert "Feature 1: held_by: is missing" in text
    assert (
        "Feature 2: coordinates: a ring is not closed (ring 0): the first point (35.00000, 51.00000) and the last point (35.20000, 51.20000) differ"
        in text
    )
    assert report.features is None


def test_ring_with_three_positions_needs_four():
    report = validate(fc(feature([[[35, 51], [35.2, 51], [35, 51]]])))
    assert "ring 0 has 3 positions; a polygon ring needs four or more" in messages(report)


def test_feature_id_is_named_and_must_be_text_or_number():
    bad = feature(status="x")
    bad["id"] = "terr-17"
    assert "Feature 0 (id 'terr-17')" in messages(validate(fc(bad)))
    odd = feature()
    odd["id"] = {"nested": 1}
    assert "Feature 0: id: must be a string or a number (RFC 7946 §3.2)" in messages(validate(fc(odd)))


@pytest.mark.parametrize(
    "raw, expected",
    [
        (b'{"type": "FeatureCollection", "features": [NaN]}', "NaN is not valid JSON"),
        (b'{"type": "FeatureCollection", "features": [-Infinity]}', "-Infinity is not valid JSON"),
        (b'{"type": "FeatureCollection", "type": "Feature", "features": []}', "duplicate key 'type'"),
        (b"\xff\xfe{}", "not UTF-8"),
        (
            b'{"type": "FeatureCollection", "features": [], "name": "\xe9"}',
            "first bad byte at offset 55: 0xE9",
        ),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"type": "Topology"}', "expected 'FeatureCollection'"),
        (
            b'{"type": "featurecollection", "features": []}',
            "expected 'FeatureCollection' but got 'featurecollection': type names are case-sensitive",
        ),
        (b"{}", "has no 'type' member"),
        (b"[]", "must hold a JSON object"),
        (b"", "is empty"),
        (
            b'{"type": "FeatureCollection", "features": []} trailing',
            "line 1, column 47: unexpected content after the end",
        ),
        (b'{"type": "FeatureCollection", "features": [', "the file ends too early"),
    ],
)
def test_strict_json(raw, expected):
    report = validate(raw)
    assert not report.ok and expected in messages(report)


def test_huge_integers_are_a_parse_error_not_an_internal_one():
    raw = b'{"type": "FeatureCollection", "features": [], "x": ' + b"7" * 5000 + b"}"
    text = messages(validate(raw))
    assert "holds a number with 5,000 digits" in text and "Exceeds the limit" not in text


def test_numbers_too_large_for_a_float_are_refused_in_coordinates_and_properties():
    overflowing = fc(feature([[[35.0, 51.0], [float("inf"), 51.0], [35.2, 51.2], [35.0, 51.0]]])).replace(
        b"Infinity", b"1e400"
    )
    assert "coordinates: contain a number too large for a 64-bit float" in messages(validate(overflowing))
    overflowing = fc(feature(population=float("inf"))).replace(b"Infinity", b"1e400")
    assert "population: is a number too large for a 64-bit float" in messages(validate(overflowing))


def test_depth_limit_is_a_prescan_that_answers_fast():
    deep = b'{"type": "FeatureCollection", "features": [], "x": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    started = time.perf_counter()
    report = validate(deep)
    assert time.perf_counter() - started < 1.0
    assert "more than 64 levels deep" in messages(report) and "Recursion" not in messages(report)
    shallow = validate(b'{"type": "FeatureCollection", "features": [], "x": ' + b"[" * 60 + b"]" * 60 + b"}")
    assert messages(shallow) == "File: features: holds no feature."


def test_bom_is_a_warning_not_an_error():
    report = validate(b"\xef\xbb\xbf" + fc(feature()))
    assert report.ok and "byte-order mark" in messages(report)


def test_projected_metres_are_named_as_such():
    coords = [[[3900000, 6600000], [3910000, 6600000], [3910000, 6610000], [3900000, 6600000]]]
    assert "projected metres (e.g. Web Mercator" in messages(validate(fc(feature(coords))))


def test_swapped_lat_lon_is_named_as_such():
    coords = [[[51.0, 135.0], [51.2, 135.0], [51.2, 135.2], [51.0, 135.0]]]
    assert "Swap the two values" in messages(validate(fc(feature(coords))))


def test_third_coordinate_is_dropped_with_a_warning_when_it_holds_elevation():
    coords = [[[35.0, 51.0, 120], [35.2, 51.0, 130], [35.2, 51.2, 125], [35.0, 51.0, 120]]]
    report = validate(fc(feature(coords)))
    assert (
        report.ok
        and "1 feature(s) have a third (elevation) value; it was dropped"
        in [p.message for p in report.warnings][0]
    )
    assert not report.features.geometry.iloc[0].has_z


def test_a_third_coordinate_of_zero_is_only_a_note():
    coords = [[[35.0, 51.0, 0], [35.2, 51.0, 0], [35.2, 51.2, 0], [35.0, 51.0, 0]]]
    report = validate(fc(feature(coords), feature(coords)))
    assert report.ok and not report.warnings
    assert "2 feature(s) have a third (elevation) value, always 0; it was dropped" in messages(report)


def test_four_value_positions_are_rejected_once_per_feature():
    report = validate((DATA / "four-values.geojson").read_bytes())
    assert len(report.errors) == 1
    assert (
        "positions have 4 or more values (first at /features/0/geometry/coordinates/0/0); GeoJSON allows 2"
        in messages(report)
    )
    four = [[[35.0, 51.0, 0, 1], [35.2, 51.0, 0, 1], [35.2, 51.2, 0, 1], [35.0, 51.0, 0, 1]]]
    assert len(validate(fc(feature(four), feature(four), feature())).errors) == 2


def test_string_coordinates_are_rejected_with_the_json_path():
    report = validate((DATA / "string-coordinate.geojson").read_bytes())
    assert (
        "/features/0/geometry/coordinates/0/2/0 is the text '35.2'; coordinates must be JSON numbers"
        in messages(report)
    )
    assert report.features is None


@pytest.mark.parametrize(
    "value, shown",
    [(True, "the JSON value true"), (None, "the JSON value null"), ({"x": 1}, "the value {'x': 1}")],
)
def test_other_non_numbers_in_coordinates(value, shown):
    coords = [[[35.0, 51.0], [35.2, value], [35.2, 51.2], [35.0, 51.0]]]
    assert f"/features/0/geometry/coordinates/0/1/1 is {shown}" in messages(validate(fc(feature(coords))))


def test_point_coordinates_have_their_own_pointer():
    event = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": ["35.0", 51.0]},
        "properties": {},
    }
    assert "/features/0/geometry/coordinates/0 is the text '35.0'" in messages(
        validate(fc(event), schema.EVENT)
    )


def test_antimeridian_segments_are_flagged():
    text = messages(validate((DATA / "antimeridian.geojson").read_bytes()))
    assert "ring 0 jumps 340.0° of longitude from 170.0 to -170.0" in text and "RFC 7946 §3.1.9" in text


def test_repeated_consecutive_points_are_removed_with_a_note():
    coords = [[[35.0, 51.0], [35.2, 51.0], [35.2, 51.0], [35.2, 51.0], [35.2, 51.2], [35.0, 51.0]]]
    report = validate(fc(feature(coords)))
    assert report.ok and "removed 2 repeated consecutive point(s) in 1 feature(s)" in messages(report)
    assert shapely.get_num_coordinates(report.features.geometry.iloc[0]) == 4


def test_legacy_crs_other_than_wgs84_is_rejected():
    report = validate((DATA / "legacy-crs-3857.geojson").read_bytes())
    assert (
        "File: crs: the legacy 'crs' member declares urn:ogc:def:crs:EPSG::3857; GeoJSON coordinates must be WGS84"
        in messages(report)
    )


def test_legacy_crs_naming_wgs84_is_ignored_with_a_note():
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}}
    report = validate(fc(feature(), crs=crs))
    assert report.ok and "'crs' member names WGS84 longitude/latitude" in messages(report)


def test_geometry_collection_is_rejected_for_territory():
    text = messages(validate((DATA / "geometry-collection.geojson").read_bytes()))
    assert (
        "1 feature is a GeometryCollection (feature 0): save each part as its own Polygon or MultiPolygon feature"
        in text
    )


def test_mixed_geometry_types_are_counted_and_named():
    points = [feature([35.0 + i / 100, 51.0], "Point") for i in range(12)]
    report = validate(fc(feature(), *points))
    text = messages(report)
    assert (
        "this is a territory layer (Polygon and MultiPolygon), but 12 features are Points (feature 1, 2, 3"
        in text
    )
    assert "upload points (strikes, units) as an events layer (--kind events)" in text
    assert len(report.errors) == 1


def test_polygons_in_an_events_file_are_named():
    text = messages(validate(fc(feature()), schema.EVENT))
    assert (
        "this is an events layer (Point), but 1 feature is a Polygon (feature 0): upload areas as a territory layer"
        in text
    )


@pytest.mark.parametrize(
    "name, hint",
    [
        ("polygon", "expected 'Polygon' but got 'polygon'"),
        ("Circle", "type 'Circle' is not a GeoJSON geometry type"),
    ],
)
def test_geometry_type_names(name, hint):
    assert hint in messages(validate(fc(feature(geometry_type=name))))


def test_null_geometry_is_rejected():
    report = validate(
        fc(
            {
                "type": "Feature",
                "geometry": None,
                "properties": {"held_by": "UA", "status": "held", "source": "x"},
            }
        )
    )
    assert (
        "Feature 0: geometry: is missing (null); a territory feature needs a Polygon or MultiPolygon"
        in messages(report)
    )


def test_property_caps():
    many = feature(**{f"column_{i}": i for i in range(101)})
    long_text = feature(note="x" * 10_001)
    deep = feature(extra=[[[[["too deep"]]]]])
    report = validate(fc(many, long_text, deep, feature()))
    text = messages(report)
    assert "Feature 0: properties: has 104 properties; the limit is 100" in text
    assert "Feature 1: note: is 10,001 characters long; the limit is 10,000 per value" in text
    assert "Feature 2: extra: nests lists or objects more than 4 levels deep" in text
    assert len(report.errors) == 3


def test_vertex_cap_per_feature():
    ring = [[35.0 + 0.1 * np.cos(t), 51.0 + 0.1 * np.sin(t)] for t in np.linspace(0, 2 * np.pi, 200_001)[:-1]]
    ring.append(ring[0])
    report = validate(fc(feature([ring])))
    assert "has 200,001 vertices; the limit is 200,000 per feature. Simplify it" in messages(report)


def test_file_caps(monkeypatch):
    assert "the limit is 20 MB" in messages(validate(b" " * (20 * 1024 * 1024 + 1) + fc(feature())))
    monkeypatch.setattr(checker, "MAX_FEATURES", 3)
    assert "holds 4 features; the limit is 3. Split the file." in messages(validate(fc(*[feature()] * 4)))
    monkeypatch.setattr(geometry, "MAX_VERTICES", 10)
    assert "holds more than 10 vertices; the limit is 10" in messages(validate(fc(*[feature()] * 3)))


def test_errors_of_one_rule_are_listed_for_20_features_then_counted():
    report = validate(fc(*[feature(status="won")] * 45, *[feature(held_by="XX")] * 3))
    status = [p for p in report.problems if p.field == "status"]
    assert len(status) == MAX_LISTED + 1
    assert status[-1].where == "File" and status[-1].message.startswith(
        "25 more feature(s) have this problem (45 in all; the first 20 are listed above)"
    )
    assert len([p for p in report.problems if p.field == "held_by"]) == 3


def test_invalid_geometry_gives_shapely_reason_and_what_a_repair_would_change():
    raw = (DATA / "bowtie-2024-11-25.geojson").read_bytes()
    drawn = shapely.from_geojson(json.dumps(json.loads(raw)["features"][0]["geometry"]))
    repaired = shapely.make_valid(drawn, method="structure", keep_collapsed=False)
    before, after = area_km2([drawn, repaired])
    report = validate(raw)
    text = messages(report)
    assert "Feature 0: geometry: is invalid: Self-intersection[35.1 51.1]. Fix it in your editor" in text
    assert (
        f"the app can repair it with your consent (--repair): area would change from {before:,.2f} to {after:,.2f} km²"
        in text
    )
    assert report.features is None and report.repairs == []


def test_invalid_geometry_is_repaired_only_with_consent_and_listed():
    bowtie = [[[35.0, 51.0], [35.2, 51.2], [35.2, 51.0], [35.0, 51.2], [35.0, 51.0]]]
    assert not validate(fc(feature(), feature(bowtie))).ok
    report = validate(fc(feature(), feature(bowtie)), repair=True)
    assert report.ok and len(report.features) == 2
    assert report.features.geometry.is_valid.all()
    [repair] = report.repairs
    assert (
        isinstance(repair, Repair) and repair.feature == 1 and repair.reason.startswith("Self-intersection")
    )
    assert repair.area_after_km2 == pytest.approx(repair.area_before_km2) and repair.area_after_km2 > 0
    assert "Feature 1: geometry: was invalid (Self-intersection" in messages(report)
    assert [p.severity for p in report.problems if p.field == "geometry"] == ["warning"]


def test_a_hole_outside_its_shell_is_ambiguous_and_never_repaired():
    hole_outside = [
        [[35.0, 51.0], [35.2, 51.0], [35.2, 51.2], [35.0, 51.2], [35.0, 51.0]],
        [[35.3, 51.0], [35.4, 51.0], [35.4, 51.1], [35.3, 51.0]],
    ]
    report = validate(fc(feature(hole_outside)), repair=True)
    assert not report.ok and report.repairs == []
    text = messages(report)
    assert (
        "repairing it is ambiguous: with every ring as an area it covers" in text
        and "with inner rings as holes" in text
    )


def test_nested_shells_show_both_areas_and_need_consent():
    nested = [
        [[[35.0, 51.0], [35.4, 51.0], [35.4, 51.4], [35.0, 51.4], [35.0, 51.0]]],
        [[[35.1, 51.1], [35.2, 51.1], [35.2, 51.2], [35.1, 51.2], [35.1, 51.1]]],
    ]
    refused = validate(fc(feature(nested, "MultiPolygon")))
    assert (
        not refused.ok
        and "Nested shells" in messages(refused)
        and "area would change from" in messages(refused)
    )
    repaired = validate(fc(feature(nested, "MultiPolygon")), repair=True)
    [repair] = repaired.repairs
    assert repaired.ok and repair.area_after_km2 > repair.area_before_km2


def test_positions_mixing_two_and_three_values_are_rejected():
    mixed = [[[35.0, 51.0, 0], [35.2, 51.0], [35.2, 51.2, 0], [35.0, 51.0, 0]]]
    text = messages(validate(fc(feature(mixed))))
    assert "positions mix 2 and 3 values (first different at /features/0/geometry/coordinates/0/1)" in text


def test_a_repair_that_leaves_no_area_is_refused():
    spike_only = [[[35.0, 51.0], [35.2, 51.0], [35.0, 51.0], [35.2, 51.0]]]
    assert not validate(fc(feature(spike_only)), repair=True).ok


def test_orientation_is_fixed_automatically_not_an_error():
    report = validate((DATA / "clockwise.geojson").read_bytes())
    assert report.ok and "auto-fixed: ring orientation (1 feature(s)) to the right-hand rule" in messages(
        report
    )
    assert report.features.geometry.iloc[0].exterior.is_ccw


def test_invalid_geometry_and_zero_area():
    flat = [[[35.0, 51.0], [35.1, 51.0], [35.2, 51.0], [35.0, 51.0]]]
    assert "zero area" in messages(validate(fc(feature(flat))))
    assert "is empty" in messages(validate(fc(feature([]))))


def test_defaults_fill_missing_fields_but_own_values_win():
    own = feature(held_by="UA")
    missing = feature()
    del missing["properties"]["held_by"]
    report = validate(fc(own, missing), defaults={"held_by": "RU"})
    assert list(report.features["held_by"]) == ["UA", "RU"]


def test_active_keys_are_dropped_with_one_warning():
    report = validate(fc(feature(style={"color": "red"}, popup="<b>x</b>"), feature(style={})))
    assert report.ok and "style" not in report.features.columns and "popup" not in report.features.columns
    assert [p.message for p in report.warnings] == [
        "styling/popup keys that maps would act on were dropped: popup (1 feature(s)), style (2 feature(s))."
    ]


def test_bare_geometry_and_single_feature_are_accepted_with_defaults():
    geometry = feature()["geometry"]
    report = validate(
        json.dumps(geometry).encode(), defaults={"held_by": "RU", "status": "held", "source": "DeepStateMap"}
    )
    assert report.ok and len(report.features) == 1 and "bare Polygon geometry" in messages(report)
    assert validate(json.dumps(feature()).encode()).ok


def test_events_check_dates_and_claims():
    event = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [35.0, 51.6]},
        "properties": {
            "id": "e1",
            "kind": "strike",
            "occurred_on": "20/11/2024",
            "title": "t",
            "source": "s",
            "confidence": "sure",
            "claims": [{"source": "x"}],
        },
    }
    text = messages(validate(fc(event), schema.EVENT))
    assert "occurred_on: valid date expected like 2024-05-01, got '20/11/2024'" in text
    assert "confidence: 'sure' is not allowed" in text
    assert "claims: must be a list of objects with 'source' and 'claim'" in text


def test_a_raw_deepstate_file_without_the_preset_gets_a_hint():
    report = validate((DATA / "deepstate-sample-2024-11-25.geojson").read_bytes())
    assert not report.ok and "try --preset deepstate" in messages(report)


#: Every defect above, for checking that no message leaks Python or library internals.
BAD_INPUTS = [
    b'{"type": "FeatureCollection", "features": [NaN]}',
    b"[" * 100_000,
    b'{"a": ' + b"9" * 5000 + b"}",
    b"\xff\xfe{}",
    b'{"type": "FeatureCollection", "features": [',
    fc(feature([[[35.0, 51.0], [35.2, "x"], [35.2, 51.2]]])),
    fc(feature([[[35.0, 51.0, 1, 2], [35.2, 51.0], [35.2, 51.2], [35.0, 51.0]]])),
    fc(feature([[35.0, 51.0], [35.2, 51.0]])),
    fc(feature(note="x" * 10_001)),
    fc(feature([[[35.0, 51.0], [35.2, 51.2], [35.2, 51.0], [35.0, 51.2], [35.0, 51.0]]])),
    fc(feature(1)),
    fc({"type": "Feature", "geometry": None, "properties": None}),
    fc(feature(geometry_type="GeometryCollection")),
    json.dumps({"type": "Feature", "geometry": {"type": "Polygon"}, "properties": []}).encode(),
    b"\x1f\x8b\x08\x00garbage",
    b"PK\x03\x04rest",
    b"SQLite format 3\x00" + b"\x00" * 200,
]


@pytest.mark.parametrize("raw", BAD_INPUTS, ids=range(len(BAD_INPUTS)))
def test_no_message_names_a_python_exception_or_traceback(raw):
    report = validate(raw)
    text = messages(report)
    assert not report.ok
    assert "Traceback" not in text
    assert not re.search(r"\b\w*(Error|Exception)\b", text), text


def test_latitude_longitude_order_in_range_is_caught_by_the_area_of_interest():
    from layers.formats import swap_axes

    kyiv_as_lat_lon = [[[50.40, 30.45], [50.40, 30.60], [50.50, 30.60], [50.50, 30.45], [50.40, 30.45]]]
    raw = fc(feature(kyiv_as_lat_lon))
    report = validate(raw)
    assert not report.ok and "[latitude, longitude] order" in messages(report)
    assert [p.rule for p in report.errors] == ["swapped"]
    fixed = validate(swap_axes(raw, "kyiv.geojson"))
    assert fixed.ok and fixed.features.geometry.iloc[0].bounds == (30.45, 50.4, 30.6, 50.5)


@pytest.mark.parametrize("bbox", [[1, 2, 3, 4, 5], ["a", "b", "c", "d"], "35,51,36,52"])
def test_a_malformed_bbox_is_named_and_ignored(bbox):
    raw = json.loads(fc(feature()))
    raw["bbox"] = bbox
    report = validate(json.dumps(raw).encode())
    assert report.ok and "File: bbox: must contain 4 or 6 numbers (RFC 7946 §5)" in messages(report)
    raw["bbox"] = [35.0, 51.0, 35.2, 51.2]
    assert "bbox" not in messages(validate(json.dumps(raw).encode()))
