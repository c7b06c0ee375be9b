"""Categories of ground: the contract field, the deepstate preset keeping them, their labels."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest
from shapely.geometry import box

from layers import categories, schema, style
from layers.errors import InvalidInputError
from layers.presets import DEEPSTATE, PropertyMapping
from layers.validation import validate
from tests.conftest import geojson_feature

LIBERATED = "retaken (DeepStateMap 'liberated')"


def _name(key: str, english: str = "Label") -> str:
    return f"Укр\u00a0/// {english} /// {key}"


@pytest.mark.parametrize(
    ("key", "category", "held_by", "status"),
    [
        ("geoJSON.status.dismissed", "liberated", "UA", "held"),
        ("geoJSON.status.dismissed_at", "liberated", "UA", "held"),
        ("geoJSON.zmiinyi_island", "liberated", "UA", "held"),
        ("geoJSON.status.occupied", "occupied_after_24_02_2022", "RU", "held"),
        ("geoJSON.territories.crimea", "occupied_to_24_02_2022", "RU", "held"),
        ("geoJSON.territories.ordlo", "occupied_to_24_02_2022", "RU", "held"),
        ("geoJSON.territories.tuzla", "occupied_to_24_02_2022", "RU", "held"),
        ("geoJSON.status.unknown", "unspecified", "RU", "contested"),
    ],
)
def test_deepstate_preset_keeps_each_key_s_category(key, category, held_by, status):
    ground = box(37.0, 47.5, 37.1, 47.6)  # in Ukraine: the grey zone is Russia's side
    mapped, problems, unresolved = DEEPSTATE.apply({"name": _name(key)}, ground)
    assert not problems and not unresolved
    assert mapped["category"] == category
    assert (mapped["held_by"], mapped["status"]) == (held_by, status)


def test_every_key_the_preset_maps_to_a_side_has_a_category():
    assert set(DEEPSTATE.category_values) == set(DEEPSTATE.held_by_values)
    assert set(DEEPSTATE.category_values.values()) == set(schema.CATEGORIES)


def test_a_mapping_refuses_a_category_outside_the_contract():
    with pytest.raises(InvalidInputError, match="'freed' are not categories"):
        PropertyMapping(category_property="name", category_values={"x": "freed"})


def test_a_key_without_category_leaves_the_optional_field_unset():
    mapping = PropertyMapping(
        held_by_property="side",
        held_by_values={"a": "UA"},
        status_property="side",
        status_values={"a": "held"},
    )
    mapped, problems, _ = mapping.apply({"side": "a"})
    assert "category" not in mapped and not problems


def test_files_with_and_without_category_are_valid_and_a_wrong_one_is_named():
    def document(**properties):
        return json.dumps({"type": "FeatureCollection", "features": [geojson_feature(**properties)]}).encode()

    assert validate(document()).ok
    report = validate(document(category="liberated"))
    assert report.ok and report.features["category"].tolist() == ["liberated"]
    wrong = validate(document(category="freed"))
    assert not wrong.ok
    assert "'freed' is not allowed" in wrong.errors[0].message


# --- labels ----------------------------------------------------------------------


def test_labels_name_every_category_and_liberated_is_retaken():
    assert set(categories.CATEGORY_LABELS) == set(schema.CATEGORIES)
    assert categories.category_label("liberated") == LIBERATED
    assert categories.category_label("freed") is None and categories.category_label(None) is None
    assert json.loads(categories.category_labels_json()) == dict(categories.CATEGORY_LABELS)


def test_heading_is_the_category_label_else_the_old_zone_label():
    assert categories.heading("UA", "held", "liberated") == "Retaken (DeepStateMap 'liberated')"
    assert categories.heading("UA", "held") == style.zone_label("UA", "held") == "Held by Ukraine"
    assert categories.heading("RU", "contested", float("nan")) == "Contested (Russia side)"


def test_group_label_reads_both_occupied_categories_as_one_row():
    assert categories.group_label(["liberated"]) == LIBERATED
    both = categories.group_label(["occupied_after_24_02_2022", "occupied_to_24_02_2022"])
    assert both == "occupied (DeepStateMap: before and after 24 Feb 2022)"
    assert categories.group_label([None, "x"]) is None


def test_layer_categories_per_side_and_status():
    features = gpd.GeoDataFrame(
        {
            "held_by": ["UA", "RU", "RU", "RU"],
            "status": ["held", "held", "held", "contested"],
            "category": ["liberated", "occupied_after_24_02_2022", "occupied_to_24_02_2022", None],
        },
        geometry=[box(0, 0, 1, 1)] * 4,
        crs="EPSG:4326",
    )
    assert categories.has_categories(features)
    assert categories.layer_categories(features) == {
        ("UA", "held"): ["liberated"],
        ("RU", "held"): ["occupied_to_24_02_2022", "occupied_after_24_02_2022"],
    }
    plain = features.drop(columns="category")
    assert not categories.has_categories(plain) and categories.layer_categories(plain) == {}


def test_label_features_adds_the_label_beside_the_category_only():
    collection = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"category": "liberated"}, "geometry": None},
            {"type": "Feature", "properties": {"held_by": "UA"}, "geometry": None},
        ],
    }
    labelled = categories.label_features(collection)
    assert labelled["features"][0]["properties"][categories.GEOJSON_LABEL] == LIBERATED
    assert categories.GEOJSON_LABEL not in labelled["features"][1]["properties"]


# --- where a feature is named ------------------------------------------------------


def test_map_tooltip_names_ground_by_category_and_keeps_the_old_label_without():
    from layers.mapview import territory_tooltip

    tip = territory_tooltip("DS", {"held_by": "UA", "status": "held", "category": "liberated"}, "2025-03-12")
    assert tip.startswith("<b>Retaken (DeepStateMap &#x27;liberated&#x27;)</b>")
    old = territory_tooltip("DS", {"held_by": "UA", "status": "held", "source": "ISW"}, "2025-03-12")
    assert old.startswith("<b>Held by Ukraine</b>")
    unknown = territory_tooltip(
        "DS", {"held_by": "RU", "status": "held", "category": "<b>x</b>"}, "2025-03-12"
    )
    assert unknown.startswith("<b>Held by Russia</b>") and "<b>x" not in unknown


def test_alt_text_names_held_ground_by_category_when_told():
    import datetime as dt

    import pandas as pd

    from layers.alttext import LayerFacts, alt_text

    day = dt.date(2025, 3, 12)
    series = pd.DataFrame(
        [(day, "DS", "UA", "held", "", 42_529.2), (day, "DS", "RU", "held", "", 112_419.6)],
        columns=["as_of", "layer", "held_by", "status", "within", "area_km2"],
    )
    plain = alt_text(series, [LayerFacts("DS", (day,))], day)
    assert "Ukraine held 42,529 km²" in plain and "Russia held 112,420 km²" in plain
    named = LayerFacts("DS", (day,), held_names=(("UA", LIBERATED),))
    text = alt_text(series, [named], day)
    assert f"{LIBERATED}: 42,529 km²" in text and "Ukraine held" not in text
    assert "Russia held 112,420 km²" in text


def test_held_names_name_each_sides_held_ground_by_its_categories_only():
    records = [
        {"held_by": "UA", "status": "held", "category": "liberated"},
        {"held_by": "RU", "status": "held", "category": "occupied_to_24_02_2022"},
        {"held_by": "RU", "status": "held", "category": "occupied_after_24_02_2022"},
        {"held_by": "UA", "status": "contested", "category": "unspecified"},
        {"held_by": "RU", "status": "held", "category": "not a category"},
    ]
    assert categories.held_names(records) == {
        "RU": "occupied (DeepStateMap: before and after 24 Feb 2022)",
        "UA": "retaken (DeepStateMap 'liberated')",
    }
    assert categories.held_names([{"held_by": "UA", "status": "held"}]) == {}
    assert categories.held_names(records[3:]) == {}, "contested ground and unknown codes name nothing"
