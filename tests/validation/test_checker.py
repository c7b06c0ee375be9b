"""validate(): every stage in its order, every problem at once, nothing internal in a message."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from layers.validation import checker, validate
from tests.conftest import feature_collection, geojson_feature, problem_lines

DATA = Path(__file__).resolve().parent.parent / "data"


def test_a_good_file_passes_and_yields_features():
    report = validate(feature_collection(geojson_feature(), geojson_feature(held_by="RU", status="claimed")))
    assert report.ok and len(report.features) == 2
    assert report.features.crs == "EPSG:4326"
    assert report.repairs == []


def test_all_problems_are_listed_at_once_with_feature_and_field():
    report = validate(
        feature_collection(
            geojson_feature(status="occupied"),
            geojson_feature(held_by=None),
            geojson_feature(coords=[[[35, 51], [35.2, 51], [35.2, 51.2]]]),
        )
    )
    text = problem_lines(report)
    assert len(report.errors) == 3
    assert "Feature 0: status: 'occupied' is not allowed; use one of held, contested, claimed" in text
    assert "Feature 1: held_by: is missing" in text
    assert (
        "Feature 2: coordinates: a ring is not closed (ring 0): the first point (35.00000, 51.00000) and "
        "the last point (35.20000, 51.20000) differ" in text
    )
    assert report.features is None


def test_file_level_lines_follow_the_features_in_a_fixed_order():
    elevated = [[[35.0, 51.0, 120], [35.2, 51.0, 130], [35.2, 51.2, 125], [35.0, 51.0, 120]]]
    repeated = [[[35.0, 51.0], [35.2, 51.0], [35.2, 51.0], [35.2, 51.2], [35.0, 51.0]]]
    clockwise = [[[35.0, 51.0], [35.2, 51.2], [35.2, 51.0], [35.0, 51.0]]]
    report = validate(
        feature_collection(
            geojson_feature(clockwise),
            geojson_feature(repeated),
            geojson_feature(style={"color": "red"}),
            geojson_feature(elevated),
            geojson_feature([35.1, 51.1], "Point"),
        )
    )
    assert [p.rule for p in report.problems] == [
        "wrong-type:Point",
        "elevation",
        "active-keys",
        "repeated-points",
        "orientation",
    ]


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
    assert not report.ok and expected in problem_lines(report)


def test_huge_integers_are_a_parse_error_not_an_internal_one():
    raw = b'{"type": "FeatureCollection", "features": [], "x": ' + b"7" * 5000 + b"}"
    text = problem_lines(validate(raw))
    assert "holds a number with 5,000 digits" in text and "Exceeds the limit" not in text


def test_depth_limit_is_a_prescan_that_answers_fast():
    deep = b'{"type": "FeatureCollection", "features": [], "x": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    started = time.perf_counter()
    report = validate(deep)
    assert time.perf_counter() - started < 1.0
    assert "more than 64 levels deep" in problem_lines(report) and "Recursion" not in problem_lines(report)
    shallow = validate(b'{"type": "FeatureCollection", "features": [], "x": ' + b"[" * 60 + b"]" * 60 + b"}")
    assert problem_lines(shallow) == "File: features: holds no feature."


def test_bom_is_a_warning_not_an_error():
    report = validate(b"\xef\xbb\xbf" + feature_collection(geojson_feature()))
    assert report.ok and "byte-order mark" in problem_lines(report)


def test_file_caps(monkeypatch):
    assert "the limit is 20 MB" in problem_lines(
        validate(b" " * (20 * 1024 * 1024 + 1) + feature_collection(geojson_feature()))
    )
    monkeypatch.setattr(checker, "MAX_FEATURES", 3)
    assert "holds 4 features; the limit is 3. Split the file." in problem_lines(
        validate(feature_collection(*[geojson_feature()] * 4))
    )


def test_defaults_fill_missing_fields_but_own_values_win():
    own = geojson_feature(held_by="UA")
    missing = geojson_feature()
    del missing["properties"]["held_by"]
    report = validate(feature_collection(own, missing), defaults={"held_by": "RU"})
    assert list(report.features["held_by"]) == ["UA", "RU"]


def test_bare_geometry_and_single_feature_are_accepted_with_defaults():
    geometry = geojson_feature()["geometry"]
    report = validate(
        json.dumps(geometry).encode(), defaults={"held_by": "RU", "status": "held", "source": "DeepStateMap"}
    )
    assert report.ok and len(report.features) == 1 and "bare Polygon geometry" in problem_lines(report)
    assert validate(json.dumps(geojson_feature()).encode()).ok


def test_a_raw_deepstate_file_without_the_preset_gets_a_hint():
    report = validate((DATA / "deepstate-sample-2024-11-25.geojson").read_bytes())
    assert not report.ok and "try --preset deepstate" in problem_lines(report)


#: Every defect of the validation tests, for checking that no message leaks Python or library internals.
BAD_INPUTS = [
    b'{"type": "FeatureCollection", "features": [NaN]}',
    b"[" * 100_000,
    b'{"a": ' + b"9" * 5000 + b"}",
    b"\xff\xfe{}",
    b'{"type": "FeatureCollection", "features": [',
    feature_collection(geojson_feature([[[35.0, 51.0], [35.2, "x"], [35.2, 51.2]]])),
    feature_collection(geojson_feature([[[35.0, 51.0, 1, 2], [35.2, 51.0], [35.2, 51.2], [35.0, 51.0]]])),
    feature_collection(geojson_feature([[35.0, 51.0], [35.2, 51.0]])),
    feature_collection(geojson_feature(note="x" * 10_001)),
    feature_collection(
        geojson_feature([[[35.0, 51.0], [35.2, 51.2], [35.2, 51.0], [35.0, 51.2], [35.0, 51.0]]])
    ),
    feature_collection(geojson_feature(1)),
    feature_collection({"type": "Feature", "geometry": None, "properties": None}),
    feature_collection(geojson_feature(geometry_type="GeometryCollection")),
    json.dumps({"type": "Feature", "geometry": {"type": "Polygon"}, "properties": []}).encode(),
    b"\x1f\x8b\x08\x00garbage",
    b"PK\x03\x04rest",
    b"SQLite format 3\x00" + b"\x00" * 200,
]


@pytest.mark.parametrize("raw", BAD_INPUTS, ids=range(len(BAD_INPUTS)))
def test_no_message_names_a_python_exception_or_traceback(raw):
    report = validate(raw)
    text = problem_lines(report)
    assert not report.ok
    assert "Traceback" not in text
    assert not re.search(r"\b\w*(Error|Exception)\b", text), text
