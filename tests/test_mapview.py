"""The map builder, checked on its rendered HTML/JS: local assets, constant base, escaping."""

from __future__ import annotations

import datetime as dt
import json
import re

import folium

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
    return Snapshot(
        "Kursk <b>layer</b>", dt.date.fromisoformat(as_of), dt.date.fromisoformat(requested), 1, features
    )


def test_base_map_loads_only_local_assets():
    html = mapview.base_map().get_root().render()
    links = set(re.findall(r'(?:src|href)="([^"]+)"', html))
    assert links == {"/app/static/vendor/leaflet/leaflet.js", "/app/static/vendor/leaflet/leaflet.css"}
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
    features = territory(
        [
            (shapely.box(35.0, 51.0, 35.2, 51.2), "UA", "held", "ISW"),
            (shapely.box(35.2, 51.0, 35.3, 51.2), "UA", "contested", "ISW"),
        ]
    )
    js = _decoded(
        _get_feature_group_string(
            mapview.territory_group([mapview.territory_geojson(_snapshot(features))]), mapview.base_map()
        )
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
    js = _decoded(
        _get_feature_group_string(
            mapview.territory_group([mapview.territory_geojson(_snapshot(features))]), mapview.base_map()
        )
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


# --- two dates side by side (folium DualMap, Leaflet.Sync vendored) ------------------

LEFT_BOX = shapely.box(35.01, 51.01, 35.21, 51.21)
RIGHT_BOX = shapely.box(35.61, 51.31, 35.71, 51.41)


def _sides():
    left = mapview.territory_geojson(
        _snapshot(territory([(LEFT_BOX, "UA", "held", "ISW")]), as_of="2024-11-25")
    )
    right = mapview.territory_geojson(
        _snapshot(territory([(RIGHT_BOX, "RU", "held", "Russian MoD")]), as_of="2025-03-12")
    )
    return [left], [right]


def st_folium_args(monkeypatch, fig, **kwargs) -> dict:
    """What st_folium sends to its frontend for ``fig`` (script, header, html, js_links, css_links)."""
    import streamlit_folium

    sent = {}
    monkeypatch.setattr(streamlit_folium, "_component_func", lambda **args: sent.update(args))
    streamlit_folium.st_folium(
        fig,
        **{"key": "compare", "returned_objects": [], "height": 500, "use_container_width": True, **kwargs},
    )
    return sent


def test_side_by_side_map_loads_only_local_assets(monkeypatch):
    left, right = _sides()
    sent = st_folium_args(
        monkeypatch, mapview.side_by_side_map("/app/static", left, right, "25 Nov 2024", "12 Mar 2025")
    )
    assert sent["js_links"] == [
        "/app/static/vendor/leaflet/leaflet.js",
        "/app/static/vendor/leaflet-sync/L.Map.Sync.js",
    ]
    assert sent["css_links"] == ["/app/static/vendor/leaflet/leaflet.css"]
    for link in sent["js_links"] + sent["css_links"]:
        assert (ROOT / "static" / link.removeprefix("/app/static/")).is_file()
    for text in (sent["script"], sent["header"], sent["html"]):
        assert not re.search(r"https?://", text)
    assert sent["script"].count('fetch("/app/static/basemap/countries.geojson")') == 2

    html = (
        mapview.side_by_side_map("/app/static", left, right, "25 Nov 2024", "12 Mar 2025").get_root().render()
    )
    assert set(re.findall(r'(?:src|href)="([^"]+)"', html)) == {*sent["js_links"], *sent["css_links"]}
    assert not re.search(r"https?://", html)


def test_side_by_side_map_honours_the_static_url_prefix(monkeypatch):
    # use_local_assets sets folium.Map's class lists: monkeypatch puts them back afterwards.
    monkeypatch.setattr(folium.Map, "default_js", folium.Map.default_js)
    monkeypatch.setattr(folium.Map, "default_css", folium.Map.default_css)
    sent = st_folium_args(monkeypatch, mapview.side_by_side_map("/base/app/static", [], [], "a", "b"))
    assert sent["js_links"][-1] == "/base/app/static/vendor/leaflet-sync/L.Map.Sync.js"
    assert all(link.startswith("/base/app/static/vendor/") for link in sent["js_links"] + sent["css_links"])


def test_side_by_side_maps_are_synced_both_ways_with_the_vendored_plugin(monkeypatch):
    left, right = _sides()
    script = st_folium_args(monkeypatch, mapview.side_by_side_map("/app/static", left, right, "a", "b"))[
        "script"
    ]
    assert "map_div.sync(map_div2);" in script and "map_div2.sync(map_div);" in script
    plugin = (ROOT / "static" / "vendor" / "leaflet-sync" / "L.Map.Sync.js").read_text(encoding="utf-8")
    assert "L.Map.include({" in plugin and "sync: function (map, options)" in plugin
    licence = (ROOT / "static" / "vendor" / "leaflet-sync" / "LICENSE").read_text(encoding="utf-8")
    assert "Bjorn Sandvik" in licence and "Redistribution and use in source and binary forms" in licence


def test_side_by_side_labels_are_escaped(monkeypatch):
    left, right = _sides()
    dual = mapview.side_by_side_map("/app/static", left, right, PAYLOADS[0], PAYLOADS[3])
    script = _decoded(st_folium_args(monkeypatch, dual)["script"])
    html = _decoded(
        mapview.side_by_side_map("/app/static", left, right, PAYLOADS[0], PAYLOADS[3]).get_root().render()
    )
    for text in (script, html):
        assert PAYLOADS[0] not in text and PAYLOADS[3] not in text
        assert "&lt;img src=x onerror=alert(1)&gt;" in text
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in text
    assert script.count('"frontline-date"') == 2


def test_each_side_shows_its_own_territory_legend_and_scale(monkeypatch):
    left, right = _sides()
    script = _decoded(
        st_folium_args(
            monkeypatch, mapview.side_by_side_map("/app/static", left, right, "25 Nov 2024", "12 Mar 2025")
        )["script"]
    )
    first, second = script.split("var map_div2 = L.map(")
    left_corner, right_corner = r"\[35\.21,\s*51\.21\]", r"\[35\.71,\s*51\.41\]"  # GeoJSON order: lon, lat
    assert (
        re.search(left_corner, first)
        and "<b>Held by Ukraine</b>" in first
        and "Snapshot: 2024-11-25" in first
        and '"25 Nov 2024"' in first
    )
    assert (
        re.search(right_corner, second)
        and "<b>Held by Russia</b>" in second
        and "Snapshot: 2025-03-12" in second
        and '"12 Mar 2025"' in second
    )
    assert not re.search(right_corner, first) and not re.search(left_corner, second)
    assert (
        "<b>Held by Russia</b>" not in first and "<b>Held by Ukraine</b>" not in second
    )  # tooltips (the legend names both)
    assert "12 Mar 2025" not in first and "25 Nov 2024" not in second
    for side in (first, second):
        assert side.count("L.control.scale(") == 1 and side.count("frontline-legend") == 1
        assert (
            side.count("/app/static/basemap/countries.geojson") == 1
            and side.count("/app/static/basemap/places.geojson") == 1
        )
        assert "L.tileLayer(" not in side and "L.control.layers(" not in side
        assert "feature.properties.style" in side


def test_both_sides_open_on_the_same_view(monkeypatch):
    left, right = _sides()
    script = st_folium_args(monkeypatch, mapview.side_by_side_map("/app/static", left, right, "a", "b"))[
        "script"
    ]
    fits = re.findall(r"(map_div2?)\.fitBounds\(\s*(\[\[.*?\]\])", script, flags=re.S)
    assert [name for name, _ in fits] == ["map_div", "map_div2"]
    assert json.loads(fits[0][1]) == json.loads(fits[1][1]) == [[51.01, 35.01], [51.41, 35.71]]

    empty = st_folium_args(monkeypatch, mapview.side_by_side_map("/app/static", [], [], "a", "b"))["script"]
    assert "fitBounds" not in empty and "L.geoJson(" not in empty
    assert empty.count(f"center: {list(mapview.HOME_CENTER)}") == 2


def test_side_by_side_map_is_the_same_component_for_the_same_dates(monkeypatch):
    left, right = _sides()
    first = st_folium_args(monkeypatch, mapview.side_by_side_map("/app/static", left, right, "a", "b"))["key"]
    second = st_folium_args(monkeypatch, mapview.side_by_side_map("/app/static", left, right, "a", "b"))[
        "key"
    ]
    other = st_folium_args(monkeypatch, mapview.side_by_side_map("/app/static", right, left, "b", "a"))["key"]
    assert first == second != other


def test_side_by_side_map_leaves_base_map_as_it_was():
    before = generate_js_hash(rendered_script(mapview.base_map()), "map", False)
    mapview.side_by_side_map("/app/static", *_sides(), "a", "b").get_root().render()
    assert generate_js_hash(rendered_script(mapview.base_map()), "map", False) == before
    assert "leaflet-sync" not in mapview.base_map().get_root().render()
