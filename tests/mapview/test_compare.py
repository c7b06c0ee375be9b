"""Two dates side by side: local assets, synchronised maps, escaped labels, one view."""

from __future__ import annotations

import json
import re

import folium
import shapely
from streamlit_folium import generate_js_hash

from layers import mapview
from tests.conftest import ROOT, territory
from tests.mapview.conftest import (
    PAYLOADS,
    display_snapshot,
    map_script,
    st_folium_args,
    unescaped,
)

LEFT_BOX = shapely.box(35.01, 51.01, 35.21, 51.21)


RIGHT_BOX = shapely.box(35.61, 51.31, 35.71, 51.41)


def two_sides():
    left = mapview.territory_geojson(
        display_snapshot(territory([(LEFT_BOX, "UA", "held", "ISW")]), as_of="2024-11-25")
    )
    right = mapview.territory_geojson(
        display_snapshot(territory([(RIGHT_BOX, "RU", "held", "Russian MoD")]), as_of="2025-03-12")
    )
    return [left], [right]


def test_side_by_side_map_loads_only_local_assets(monkeypatch):
    left, right = two_sides()
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
    left, right = two_sides()
    script = st_folium_args(monkeypatch, mapview.side_by_side_map("/app/static", left, right, "a", "b"))[
        "script"
    ]
    assert "map_div.sync(map_div2);" in script and "map_div2.sync(map_div);" in script
    plugin = (ROOT / "static" / "vendor" / "leaflet-sync" / "L.Map.Sync.js").read_text(encoding="utf-8")
    assert "L.Map.include({" in plugin and "sync: function (map, options)" in plugin
    licence = (ROOT / "static" / "vendor" / "leaflet-sync" / "LICENSE").read_text(encoding="utf-8")
    assert "Bjorn Sandvik" in licence and "Redistribution and use in source and binary forms" in licence


def test_side_by_side_labels_are_escaped(monkeypatch):
    left, right = two_sides()
    dual = mapview.side_by_side_map("/app/static", left, right, PAYLOADS[0], PAYLOADS[3])
    script = unescaped(st_folium_args(monkeypatch, dual)["script"])
    html = unescaped(
        mapview.side_by_side_map("/app/static", left, right, PAYLOADS[0], PAYLOADS[3]).get_root().render()
    )
    for text in (script, html):
        assert PAYLOADS[0] not in text and PAYLOADS[3] not in text
        assert "&lt;img src=x onerror=alert(1)&gt;" in text
        assert "&lt;script&gt;alert(2)&lt;/script&gt;" in text
    assert script.count('"frontline-date"') == 2


def test_each_side_shows_its_own_territory_legend_and_scale(monkeypatch):
    left, right = two_sides()
    script = unescaped(
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
    left, right = two_sides()
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
    left, right = two_sides()
    first = st_folium_args(monkeypatch, mapview.side_by_side_map("/app/static", left, right, "a", "b"))["key"]
    second = st_folium_args(monkeypatch, mapview.side_by_side_map("/app/static", left, right, "a", "b"))[
        "key"
    ]
    other = st_folium_args(monkeypatch, mapview.side_by_side_map("/app/static", right, left, "b", "a"))["key"]
    assert first == second != other


def test_side_by_side_map_leaves_base_map_as_it_was():
    before = generate_js_hash(map_script(mapview.base_map()), "map", False)
    mapview.side_by_side_map("/app/static", *two_sides(), "a", "b").get_root().render()
    assert generate_js_hash(map_script(mapview.base_map()), "map", False) == before
    assert "leaflet-sync" not in mapview.base_map().get_root().render()
