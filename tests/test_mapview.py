"""The map builder, checked on its rendered HTML/JS: local assets, constant base, escaping."""

from __future__ import annotations

import datetime as dt
import json
import re

import geopandas as gpd
import shapely
from streamlit_folium import _get_feature_group_string, _get_map_string, generate_js_hash

from layers import mapview
from layers.snapshots import Snapshot
from tests.conftest import ROOT, territory

PAYLOADS = ["<img src=x onerror=alert(1)>", "`+alert(7)+`", "${alert(3)}", "<script>alert(2)</script>"]


def _decoded(js: str) -> str:
    """JS with folium's JSON escapes (\\u003c, \\u0026, ...) turned back into characters."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), js)


def _snapshot(features, as_of="2024-08-10", requested="2024-08-12") -> Snapshot:
    return Snapshot("Kursk <b>layer</b>", dt.date.fromisoformat(as_of), dt.date.fromisoformat(requested), 1, features)


def test_base_map_loads_only_local_assets():
    html = mapview.base_map().get_root().render()
    links = set(re.findall(r'(?:src|href)="([^"]+)"', html))
    assert links == {"/app/static/vendor/leaflet/leaflet.js", "/app/static/vendor/jquery/jquery.min.js", "/app/static/vendor/leaflet/leaflet.css"}
    for link in links:
        assert (ROOT / "static" / link.removeprefix("/app/static/")).is_file()
    assert "/app/static/basemap/countries.geojson" in html


def test_online_tiles_are_optional_overlays_not_shown_by_default():
    script = _get_map_string(mapview.base_map())
    assert script.count("L.tileLayer(") == len(mapview.ONLINE_TILES)
    for block in re.findall(r"L\.tileLayer\((.*?)\);", script, flags=re.S):
        assert ".addTo(" not in block
    assert not re.search(r"tile_layer_\w+\.addTo\(", script)


def rendered_script(m) -> str:
    """The base map's script as st_folium produces it (it renders the figure first)."""
    m.get_root().render()
    return _get_map_string(m)


def test_layer_switcher_is_part_of_the_constant_base_map():
    script = rendered_script(mapview.base_map())
    assert script.count("L.control.layers(") == 1
    for name in mapview.ONLINE_TILES:
        assert name in script


def test_dynamic_groups_clean_up_after_streamlit_folium():
    js = _get_feature_group_string(mapview.territory_group([]), mapview.base_map())
    assert "window.map.hasLayer(layer)" in js and "head > style" in js


def test_base_map_is_identical_across_builds_so_the_component_never_remounts():
    first = generate_js_hash(rendered_script(mapview.base_map()), "map", False)
    second = generate_js_hash(rendered_script(mapview.base_map()), "map", False)
    assert first == second


def test_territory_group_carries_geometry_style_and_age():
    features = territory([(shapely.box(35.0, 51.0, 35.2, 51.2), "UA", "held", "ISW"), (shapely.box(35.2, 51.0, 35.3, 51.2), "UA", "contested", "ISW")])
    js = _decoded(_get_feature_group_string(mapview.territory_group([mapview.territory_geojson(_snapshot(features))]), mapview.base_map()))
    assert "[35.2,51.2]" in js or "[35.2, 51.2]" in js
    assert "Held by Ukraine" in js and "Contested (Ukraine side)" in js
    assert "Snapshot: 2024-08-10" in js
    assert "feature.properties.style" in js
    assert "window.feature_group = (window.feature_group || []).filter" in js


def test_every_property_value_is_escaped_in_territory_tooltips():
    features = territory([(shapely.box(35.0, 51.0, 35.2, 51.2), "UA", "held", payload) for payload in PAYLOADS])
    features["note"] = PAYLOADS
    js = _decoded(_get_feature_group_string(mapview.territory_group([mapview.territory_geojson(_snapshot(features))]), mapview.base_map()))
    for payload in PAYLOADS:
        assert payload not in js
    assert "&lt;img src=x onerror=alert(1)&gt;" in js
    assert "&#96;+alert(7)+&#96;" in js and "&#36;{alert(3)}" in js
    assert "Kursk &lt;b&gt;layer&lt;/b&gt;" in js


def test_event_tooltips_escape_values_and_list_each_source_claim():
    events = gpd.GeoDataFrame(
        {
            "id": ["e1"], "kind": ["strike"], "occurred_on": ["2024-11-20"], "title": [PAYLOADS[0]], "source": ["Reuters"],
            "confidence": ["disputed"], "place": ["Maryino"], "weapon": ["Storm Shadow"], "target": [PAYLOADS[2]],
            "claims": [[{"source": "Russian MoD", "claim": PAYLOADS[3]}, {"source": "Ukrainian sources", "claim": "dozens killed"}]],
        },
        geometry=[shapely.Point(35.0, 51.6)], crs="EPSG:4326",
    )
    js = _decoded(_get_feature_group_string(mapview.events_group(events), mapview.base_map()))
    for payload in (PAYLOADS[0], PAYLOADS[2], PAYLOADS[3]):
        assert payload not in js
    assert "<i>Russian MoD</i>: &lt;script&gt;" in js and "<i>Ukrainian sources</i>: dozens killed" in js
    assert "Confidence: disputed" in js and "frontline-event-strike" in js


def test_empty_inputs_give_empty_groups():
    empty = gpd.GeoDataFrame({"occurred_on": []}, geometry=[], crs="EPSG:4326")
    assert "L.geoJson" not in _get_feature_group_string(mapview.events_group(empty), mapview.base_map())
    assert "L.geoJson" not in _get_feature_group_string(mapview.events_group(None), mapview.base_map())
    assert "L.geoJson" not in _get_feature_group_string(mapview.territory_group([]), mapview.base_map())


def test_committed_basemap_matches_its_generator():
    for name, text in mapview.basemap_files().items():
        committed = (ROOT / "static" / "basemap" / name).read_text(encoding="utf-8")
        assert committed == text, f"static/basemap/{name} is stale: run python geodata/build_basemap.py"
    places = json.loads((ROOT / "static" / "basemap" / "places.geojson").read_text(encoding="utf-8"))
    assert len(places["features"]) >= 5
