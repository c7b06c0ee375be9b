"""Property mappings and the DeepStateMap preset, on tiny samples and on real raw exports."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import shapely

from layers import schema
from layers.errors import InvalidInputError
from layers.formats import decode
from layers.presets import (
    BY_BORDER,
    DEEPSTATE,
    PRESETS,
    PropertyMapping,
    distinct_values,
    normalise,
    side_by_border,
)
from layers.validation import validate
from tests.conftest import problem_lines as messages
from tests.conftest import shared_data

DATA = Path(__file__).resolve().parent / "data"


# --- keys ----------------------------------------------------------------------


def test_normalise_folds_non_breaking_spaces_and_line_breaks():
    assert normalise("Окупована Абхазія.\n///\nOccupied Abkhazia.\n/// geoJSON.territories.abkhazia\n") == (
        "Окупована Абхазія. /// Occupied Abkhazia. /// geoJSON.territories.abkhazia"
    )
    assert normalise("Liberated\u00a0\u00a0/// x\u202f") == "Liberated /// x"


@pytest.mark.parametrize(
    "name, key",
    [
        ("Звільнено /// Liberated\xa0/// geoJSON.status.dismissed", "geoJSON.status.dismissed"),
        ("Звільнено /// Liberated\xa0\xa0/// geoJSON.status.dismissed\n", "geoJSON.status.dismissed"),
        ("Окуповано /// Occupied /// geoJSON.status.occupied\n", "geoJSON.status.occupied"),
        (
            "Звільнено 25.03 /// Liberated 25.03\xa0/// geoJSON.status.dismissed_at {{at:25.03}}",
            "geoJSON.status.dismissed_at",
        ),
        ("ОРДЛО /// CADR and CALR\xa0/// geoJSON.territories.ordlo", "geoJSON.territories.ordlo"),
        ("Just a name", None),
    ],
)
def test_deepstate_key_is_found_at_the_end_of_the_name(name, key):
    assert DEEPSTATE.key(name) == key


# --- the preset on a sample ------------------------------------------------------


@pytest.fixture(scope="module")
def sample():
    return validate((DATA / "deepstate-sample-2024-11-25.geojson").read_bytes(), mapping=DEEPSTATE)


def test_preset_maps_statuses_sides_source_and_note(sample):
    assert sample.ok, sample.summary()
    table = sample.features[["held_by", "status", "source", "note"]].to_dict("records")
    assert table == [
        {"held_by": "UA", "status": "held", "source": "DeepStateMap", "note": "Liberated"},
        {"held_by": "UA", "status": "contested", "source": "DeepStateMap", "note": "Unknown status"},
        {"held_by": "RU", "status": "contested", "source": "DeepStateMap", "note": "Unknown status"},
        {"held_by": "RU", "status": "held", "source": "DeepStateMap", "note": "Occupied"},
        {"held_by": "RU", "status": "held", "source": "DeepStateMap", "note": "Occupied Crimea"},
    ]


def test_preset_keeps_only_contract_fields_so_no_html_or_styling_is_stored(sample):
    assert set(sample.features.columns) == {"held_by", "status", "source", "note", "category", "geometry"}
    assert "description" in messages(sample) and "were not imported" in messages(sample)


def test_points_and_territories_outside_ukraine_are_dropped_with_counts(sample):
    notes = [p.message for p in sample.notes]
    assert (
        "1 feature(s) dropped by the deepstate preset: DeepStateMap markers (unit positions, attack "
        "directions, airfields, capitals), not territory." in notes
    )
    assert any(
        n.startswith("1 feature(s) dropped by the deepstate preset: DeepStateMap territories outside Ukraine")
        for n in notes
    )
    assert not sample.errors and not sample.warnings


def test_unknown_key_is_one_error_naming_the_value_and_the_fix():
    report = validate((DATA / "deepstate-unknown-key.geojson").read_bytes(), mapping=DEEPSTATE)
    [error] = report.errors
    assert error.where == "Feature 3" and error.field == "name"
    assert error.message.startswith(
        "'geoJSON.status.partisans' (in 'Партизани /// Partisans /// geoJSON.status.partisans') is not a "
        "value the deepstate preset knows"
    )
    assert "Map the value (for a preset: add it in layers/presets.py) or remove the feature." in error.message


def test_missing_name_is_an_error():
    raw = json.loads((DATA / "deepstate-sample-2024-11-25.geojson").read_bytes())
    del raw["features"][0]["properties"]["name"]
    report = validate(json.dumps(raw).encode(), mapping=DEEPSTATE)
    assert [str(e) for e in report.errors] == [
        "Feature 0: name: is missing; the deepstate preset reads held_by and status from it. Give it, or "
        "remove the feature."
    ]


def test_a_geometry_type_that_is_not_text_is_an_error_not_a_crash():
    raw = json.loads((DATA / "deepstate-sample-2024-11-25.geojson").read_bytes())
    raw["features"][0]["geometry"]["type"] = ["Polygon"]
    report = validate(json.dumps(raw).encode(), mapping=DEEPSTATE)
    assert "Feature 0: geometry: type \"['Polygon']\" is not a GeoJSON geometry type" in messages(report)


def test_contested_side_is_the_side_across_the_border():
    assert side_by_border(shapely.box(35.25, 51.10, 35.35, 51.30)) == "UA"  # Kursk region, Russia
    assert side_by_border(shapely.box(37.40, 48.20, 37.50, 48.30)) == "RU"  # Donetsk region, Ukraine
    straddling = shapely.box(35.0, 50.9, 35.6, 51.5)  # mostly north of the border near Sudzha
    assert side_by_border(straddling) == "UA"
    bowtie = shapely.Polygon([(37.4, 48.2), (37.5, 48.3), (37.5, 48.2), (37.4, 48.3)])
    assert side_by_border(bowtie) == "RU"


def test_preset_is_for_territory_only():
    assert "the deepstate preset maps territory files, not events" in messages(
        validate((DATA / "deepstate-sample-2024-11-25.geojson").read_bytes(), schema.EVENT, mapping=DEEPSTATE)
    )


def test_presets_are_registered_by_name():
    assert PRESETS["deepstate"] is DEEPSTATE and DEEPSTATE.source == "DeepStateMap"


# --- mappings built in a form ----------------------------------------------------


def test_a_mapping_from_a_form_maps_a_files_own_properties():
    document = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[35, 51], [35.2, 51], [35.2, 51.2], [35, 51]]],
                },
                "properties": {"control": "Ukrainian\u00a0control", "by": "ISW", "remark": "south of Sudzha"},
            },
            {
                "type": "Feature",
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[36, 51], [36.2, 51], [36.2, 51.2], [36, 51]]],
                },
                "properties": {"control": "Russian advance claimed ", "by": "ISW"},
            },
        ],
    }
    mapping = PropertyMapping(
        name="mapping",
        held_by_property="control",
        held_by_values={"Ukrainian control": "UA", "Russian advance claimed": "RU"},
        status_property="control",
        status_values={"Ukrainian control": "held", "Russian advance claimed": "claimed"},
        source_property="by",
        note_property="remark",
    )
    assert distinct_values(document) == {
        "control": ["Ukrainian control", "Russian advance claimed"],
        "by": ["ISW"],
        "remark": ["south of Sudzha"],
    }
    report = validate(json.dumps(document).encode(), mapping=mapping)
    assert report.ok, report.summary()
    assert report.features[["held_by", "status", "source"]].values.tolist() == [
        ["UA", "held", "ISW"],
        ["RU", "claimed", "ISW"],
    ]
    assert report.features["note"].tolist()[0] == "south of Sudzha"


def test_distinct_values_most_frequent_first_and_capped():
    features = [
        {"type": "Feature", "geometry": None, "properties": {"k": f"v{i % 7}", "skip": [1]}}
        for i in range(50)
    ]
    features += [{"type": "Feature", "geometry": None, "properties": {"k": "v6"}}] * 10
    values = distinct_values({"type": "FeatureCollection", "features": features}, limit=3)
    assert values == {"k": ["v6", "v0", "v1"]}


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"held_by_values": {"x": "Ukraine"}}, "held_by values 'Ukraine' are not sides"),
        ({"status_values": {"x": "occupied"}}, "status values 'occupied' are not statuses"),
        ({"kind": "strikes"}, "kind 'strikes' is not a layer kind"),
    ],
)
def test_a_mapping_with_values_outside_the_contract_is_refused(arguments, message):
    with pytest.raises(InvalidInputError, match=message):
        PropertyMapping(**arguments)


def test_by_border_is_a_valid_side_value():
    assert PropertyMapping(held_by_values={"grey": BY_BORDER}).held_by_values["grey"] == BY_BORDER


# --- real raw exports ------------------------------------------------------------


@pytest.mark.parametrize("date", ["2024-11-25", "2025-03-12"])
def test_preset_on_full_raw_deepstate_snapshots(date):
    raw = shared_data("deepstate-raw-full", f"{date}.geojson").read_bytes()
    document, _ = decode(raw, f"{date}.geojson")
    types = Counter(f["geometry"]["type"] for f in document["features"])
    report = validate(raw, name=f"{date}.geojson", mapping=DEEPSTATE)
    assert report.ok, report.summary()
    assert f"{types['Point']} feature(s) dropped by the deepstate preset: DeepStateMap markers" in messages(
        report
    )
    assert (
        "12 feature(s) dropped by the deepstate preset: DeepStateMap territories outside Ukraine"
        in messages(report)
    )
    assert len(report.features) == types["Polygon"] - 12
    assert set(report.features["source"]) == {"DeepStateMap"}
    held = report.features[report.features["status"] == "held"]
    assert {"Occupied Crimea", "CADR and CALR"} <= set(held.loc[held["held_by"] == "RU", "note"])
    assert report.features.geometry.is_valid.all() and not report.features.geometry.has_z.any()


@pytest.mark.parametrize("date", ["2024-08-12", "2024-11-25", "2025-03-12"])
def test_preset_on_kursk_raw_snapshots(date):
    report = validate(shared_data("deepstate-kursk", f"{date}.geojson").read_bytes(), mapping=DEEPSTATE)
    assert report.ok, report.summary()
    features = report.features
    assert set(features["status"]) <= {"held", "contested"}
    # Every grey zone of the Kursk extract lies (94-100 %) inside Russia: Ukraine contests it.
    contested = features[features["status"] == "contested"]
    assert len(contested) and set(contested["held_by"]) == {"UA"}


def test_invalid_polygon_in_a_real_export_is_repaired_only_with_consent():
    """No polygon of the raw exports in ../shared/data is invalid under GEOS 3.14 (every
    file was checked), so one real polygon is given a bow-tie: two vertices swapped."""
    document = json.loads(shared_data("deepstate-kursk", "2024-11-25.geojson").read_bytes())
    index, target = next(
        (i, f)
        for i, f in enumerate(document["features"])
        if f["geometry"]["type"] == "Polygon" and len(f["geometry"]["coordinates"][0]) > 50
    )
    ring = target["geometry"]["coordinates"][0]
    ring[10], ring[30] = ring[30], ring[10]
    raw = json.dumps(document).encode()
    refused = validate(raw, mapping=DEEPSTATE)
    assert not refused.ok
    [error] = refused.errors
    assert (
        error.where == f"Feature {index}"
        and "is invalid: " in error.message
        and "area would change from" in error.message
    )
    repaired = validate(raw, mapping=DEEPSTATE, repair=True)
    assert repaired.ok and [r.feature for r in repaired.repairs] == [index]
    assert repaired.features.geometry.is_valid.all()
