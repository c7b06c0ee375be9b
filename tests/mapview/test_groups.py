"""The date's feature groups: territory, events and change, styled and escaped."""

from __future__ import annotations

import geopandas as gpd
import shapely

from layers import mapview
from tests.conftest import territory
from tests.mapview.conftest import (
    PAYLOADS,
    display_snapshot,
    group_script,
    unescaped,
)


def test_dynamic_groups_clean_up_after_streamlit_folium():
    js = group_script(mapview.territory_group([]))
    assert "window.map.hasLayer(layer)" in js and "head > style" in js


def test_territory_group_carries_geometry_style_and_age():
    features = territory(
        [
            (shapely.box(35.0, 51.0, 35.2, 51.2), "UA", "held", "ISW"),
            (shapely.box(35.2, 51.0, 35.3, 51.2), "UA", "contested", "ISW"),
        ]
    )
    js = unescaped(
        group_script(mapview.territory_group([mapview.territory_geojson(display_snapshot(features))]))
    )
    assert "[35.2,51.2]" in js or "[35.2, 51.2]" in js
    assert "Held by Ukraine" in js and "Contested (Ukraine side)" in js
    assert "Snapshot: 2024-08-10" in js
    assert "feature.properties.style" in js
    assert "window.feature_group = (window.feature_group || []).filter" in js


def test_every_property_value_is_escaped_in_territory_tooltips():
    features = territory(
        [(shapely.box(35.0, 51.0, 35.2, 51.2), "UA", "held", payload) for payload in PAYLOADS]
    )
    features["note"] = PAYLOADS
    js = unescaped(
        group_script(mapview.territory_group([mapview.territory_geojson(display_snapshot(features))]))
    )
    for payload in PAYLOADS:
        assert payload not in js
    assert "&lt;img src=x onerror=alert(1)&gt;" in js
    assert "&#96;+alert(7)+&#96;" in js and "&#36;{alert(3)}" in js
    assert "Kursk &lt;b&gt;layer&lt;/b&gt;" in js


def test_event_tooltips_escape_values_and_list_each_source_claim():
    events = gpd.GeoDataFrame(
        {
            "id": ["e1"],
            "kind": ["strike"],
            "occurred_on": ["2024-11-20"],
            "title": [PAYLOADS[0]],
            "source": ["Reuters"],
            "confidence": ["disputed"],
            "place": ["Maryino"],
            "weapon": ["Storm Shadow"],
            "target": [PAYLOADS[2]],
            "claims": [
                [
                    {"source": "Russian MoD", "claim": PAYLOADS[3]},
                    {"source": "Ukrainian sources", "claim": "dozens killed"},
                ]
            ],
        },
        geometry=[shapely.Point(35.0, 51.6)],
        crs="EPSG:4326",
    )
    js = unescaped(group_script(mapview.events_group(events)))
    for payload in (PAYLOADS[0], PAYLOADS[2], PAYLOADS[3]):
        assert payload not in js
    assert "<i>Russian MoD</i>: &lt;script&gt;" in js and "<i>Ukrainian sources</i>: dozens killed" in js
    assert "Confidence: disputed" in js and "frontline-event-strike" in js


def test_empty_inputs_give_empty_groups():
    empty = gpd.GeoDataFrame({"occurred_on": []}, geometry=[], crs="EPSG:4326")
    assert "L.geoJson" not in group_script(mapview.events_group(empty))
    assert "L.geoJson" not in group_script(mapview.events_group(None))
    assert "L.geoJson" not in group_script(mapview.territory_group([]))


def _rendered(group) -> str:
    import folium

    page = folium.Map()
    group.add_to(page)
    return page.get_root().render()


def _many_events(count: int) -> gpd.GeoDataFrame:
    import numpy as np

    rng = np.random.default_rng(3)
    kinds = ["strike", "fire_detection", "<b>made-up</b>"]
    return gpd.GeoDataFrame(
        {
            "kind": [kinds[i % 3] for i in range(count)],
            "title": ["t"] * count,
            "confidence": ["claimed"] * count,
        },
        geometry=gpd.points_from_xy(rng.uniform(35.0, 36.0, count), rng.uniform(50.8, 51.4, count)),
        crs="EPSG:4326",
    )


def test_many_events_are_drawn_as_density_hexagons_that_hold_each_event_once():
    from layers import style
    from layers.mapview import groups

    events = _many_events(groups.MAX_EVENT_SYMBOLS + 500)
    features = groups.density_features(events, 8)
    assert sum(f["properties"]["count"] for f in features) == len(events)
    for feature in features:
        ring = shapely.Polygon(feature["geometry"]["coordinates"][0])
        assert ring.is_valid and len(feature["geometry"]["coordinates"][0]) == 7
        count = feature["properties"]["count"]
        assert (
            feature["properties"]["colour"]
            == max(
                (least, colour)
                for least, colour in style.EVENT_DENSITY_STEPS
                if count <= 10**9 and count >= least
            )[1]
        )
        tip = feature["properties"]["tip"]
        assert "<b>made-up</b>" not in tip, "kinds outside the contract are named as other events"
    # The hexagons hold the events: each event inside (or on the edge of) one hexagon.
    shapes = [shapely.Polygon(f["geometry"]["coordinates"][0]) for f in features]
    inside = sum(any(s.buffer(1e-4).contains(p) for s in shapes) for p in events.geometry[:200])
    assert inside == 200
    html = _rendered(mapview.events_group(events, 8))
    assert "in this hexagon" in html and "frontline-event-" not in html


def test_few_events_stay_a_symbol_each_and_hexagons_widen_as_the_map_zooms_out():
    from layers.mapview import groups

    few = _many_events(groups.MAX_EVENT_SYMBOLS)
    html = _rendered(mapview.events_group(few, 8))
    assert "in this hexagon" not in html
    widths = [groups.hex_width_m(zoom, 50.0) for zoom in (5, 7, 9, 11)]
    assert widths == sorted(widths, reverse=True) and widths[-1] < widths[0]
    assert all(str(int(w)).lstrip("125").strip("0") == "" for w in widths), "round widths"
