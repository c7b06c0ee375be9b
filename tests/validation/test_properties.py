"""Properties: size limits, active keys, defaults, a mapping, and the contract of each kind."""

from __future__ import annotations

import pytest
import shapely

from layers import schema
from layers.presets import DEEPSTATE
from layers.problems import Collector, Report
from layers.validation import validate
from layers.validation.properties import PropertyChecker, is_claims, is_iso_date, value_problem
from tests.conftest import feature_collection, geojson_feature, problem_lines


def test_value_problem_names_size_depth_and_overflow():
    assert value_problem("x" * 10_000) is None
    assert value_problem("x" * 10_001) == (
        "is 10,001 characters long; the limit is 10,000 per value. Shorten it or leave it out."
    )
    assert value_problem([[[["four levels"]]]]) is None
    assert value_problem([[[[["five"]]]]]).startswith("nests lists or objects more than 4 levels deep")
    assert value_problem({"k" * 10_001: 1}).startswith("is 10,001 characters long")
    assert value_problem(float("inf")).startswith("is a number too large for a 64-bit float")
    assert value_problem(1e308) is None and value_problem(None) is None


@pytest.mark.parametrize(
    "value, ok", [("2024-05-01", True), ("2024-5-1", False), ("05/01/2024", False), (20240501, False)]
)
def test_is_iso_date(value, ok):
    assert is_iso_date(value) is ok


def test_is_claims_needs_every_claim_field_as_text():
    assert is_claims([{"source": "ISW", "claim": "taken"}]) and is_claims([])
    assert not is_claims([{"source": "ISW"}]) and not is_claims([{"source": "ISW", "claim": ""}])
    assert not is_claims({"source": "ISW", "claim": "taken"})


def test_record_applies_a_mapping_then_the_contract_and_counts_what_it_left_out():
    report = Report("x")
    properties = PropertyChecker(schema.TERRITORY, {}, DEEPSTATE, Collector(report))
    own = {"name": "Окуповано /// Occupied /// geoJSON.status.occupied", "fill": "#f00"}
    record = properties.record(own, shapely.box(37.4, 48.2, 37.5, 48.3), "Feature 0")
    assert record == {
        "held_by": "RU",
        "status": "held",
        "source": "DeepStateMap",
        "note": "Occupied",
        "category": "occupied_after_24_02_2022",
    }
    assert properties.unmapped_keys == {"name", "fill"} and report.problems == []
    assert properties.dropped_by_mapping(1, "Point", {}) and properties.dropped == {
        DEEPSTATE.drop_geometry_types["Point"]: [1]
    }


def test_numbers_too_large_for_a_float_are_refused_in_properties():
    overflowing = feature_collection(geojson_feature(population=float("inf"))).replace(b"Infinity", b"1e400")
    assert "population: is a number too large for a 64-bit float" in problem_lines(validate(overflowing))


def test_property_caps():
    many = geojson_feature(**{f"column_{i}": i for i in range(101)})
    long_text = geojson_feature(note="x" * 10_001)
    deep = geojson_feature(extra=[[[[["too deep"]]]]])
    report = validate(feature_collection(many, long_text, deep, geojson_feature()))
    text = problem_lines(report)
    assert "Feature 0: properties: has 104 properties; the limit is 100" in text
    assert "Feature 1: note: is 10,001 characters long; the limit is 10,000 per value" in text
    assert "Feature 2: extra: nests lists or objects more than 4 levels deep" in text
    assert len(report.errors) == 3


def test_active_keys_are_dropped_with_one_warning():
    report = validate(
        feature_collection(
            geojson_feature(style={"color": "red"}, popup="<b>x</b>"), geojson_feature(style={})
        )
    )
    assert report.ok and "style" not in report.features.columns and "popup" not in report.features.columns
    assert [p.message for p in report.warnings] == [
        "styling/popup keys that maps would act on were dropped: popup (1 feature(s)), style (2 feature(s))."
    ]


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
    text = problem_lines(validate(feature_collection(event), schema.EVENT))
    assert "occurred_on: valid date expected like 2024-05-01, got '20/11/2024'" in text
    assert "confidence: 'sure' is not allowed" in text
    assert "claims: must be a list of objects with 'source' and 'claim'" in text
