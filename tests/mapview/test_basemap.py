"""The constant base map: local assets only, online tiles optional, the same on every build."""

from __future__ import annotations

import json
import re

from streamlit_folium import generate_js_hash

from layers import mapview
from tests.conftest import ROOT
from tests.mapview.conftest import (
    map_script,
)


def test_base_map_loads_only_local_assets():
    html = mapview.base_map().get_root().render()
    links = set(re.findall(r'(?:src|href)="([^"]+)"', html))
    assert links == {"/app/static/vendor/leaflet/leaflet.js", "/app/static/vendor/leaflet/leaflet.css"}
    for link in links:
        assert (ROOT / "static" / link.removeprefix("/app/static/")).is_file()
    assert "/app/static/basemap/countries.geojson" in html


def test_online_tiles_are_optional_overlays_not_shown_by_default():
    script = map_script(mapview.base_map())
    assert script.count("L.tileLayer(") == len(mapview.ONLINE_TILES)
    for block in re.findall(r"L\.tileLayer\((.*?)\);", script, flags=re.S):
        assert ".addTo(" not in block
    assert not re.search(r"tile_layer_\w+\.addTo\(", script)


def test_layer_switcher_is_part_of_the_constant_base_map():
    script = map_script(mapview.base_map())
    assert script.count("L.control.layers(") == 1
    for name in mapview.ONLINE_TILES:
        assert name in script


def test_base_map_is_identical_across_builds_so_the_component_never_remounts():
    first = generate_js_hash(map_script(mapview.base_map()), "map", False)
    second = generate_js_hash(map_script(mapview.base_map()), "map", False)
    assert first == second


def test_committed_basemap_matches_its_generator():
    for name, text in mapview.basemap_files().items():
        committed = (ROOT / "static" / "basemap" / name).read_text(encoding="utf-8")
        assert committed == text, f"static/basemap/{name} is stale: run python geodata/build_basemap.py"
    places = json.loads((ROOT / "static" / "basemap" / "places.geojson").read_text(encoding="utf-8"))
    assert len(places["features"]) >= 5
