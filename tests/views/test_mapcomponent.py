"""The map's fast path sends what st_folium would, and keeps the data escaped."""

from __future__ import annotations

import json
import re

import pytest
import streamlit_folium

from layers import mapview
from tests.mapview.conftest import (
    zones,
    zones_snapshot,
)
from views import mapcomponent


def capture(monkeypatch) -> list[dict]:
    sent: list[dict] = []
    monkeypatch.setattr(
        streamlit_folium, "_component_func", lambda **kwargs: sent.append(kwargs) or kwargs["default"]
    )
    return sent


def normalised(js: str) -> str:
    """Group JavaScript with each embedded GeoJSON re-serialised one way (folium's has spaces, ours none)."""
    return re.sub(
        r"_add\((\{.*?\})\);\n",
        lambda m: "_add(" + json.dumps(json.loads(m.group(1)), sort_keys=True) + ");\n",
        js,
        flags=re.S,
    )


@pytest.mark.parametrize("layers", [0, 1, 2])
def test_fast_path_sends_what_st_folium_sends(monkeypatch, layers):
    geojsons = [mapview.territory_geojson(zones_snapshot(zones(), layer=f"layer {n}")) for n in range(layers)]
    sent = capture(monkeypatch)
    streamlit_folium.st_folium(
        mapview.base_map("/app/static"),
        key="map",
        center=(51.2, 35.2),
        zoom=9,
        feature_group_to_add=[mapview.territory_group(geojsons), mapview.events_group(None)],
        returned_objects=["center", "zoom", "bounds"],
        use_container_width=True,
        height=620,
    )
    base = mapcomponent.prepare_base(mapview.base_map("/app/static"), key="map")
    template = mapcomponent.GroupTemplate.render(mapview.territory_group, len(geojsons), 0, mapview.base_map)
    events = mapcomponent.group_js(mapview.events_group(None), 1, mapview.base_map)
    mapcomponent.show(
        base,
        key="map",
        feature_group=template.fill(geojsons) + events,
        center=(51.2, 35.2),
        zoom=9,
        height=620,
        returned_objects=["center", "zoom", "bounds"],
    )
    theirs, ours = sent
    assert theirs.keys() == ours.keys()
    for name in theirs:
        if name == "on_change":
            continue
        if name == "feature_group":
            assert normalised(ours[name]) == normalised(theirs[name])
            assert len(ours[name]) <= len(theirs[name]), "ours is the compact form of the same data"
        else:
            assert ours[name] == theirs[name], name


def test_template_keeps_data_escaped_inside_the_script():
    geojson = mapview.territory_geojson(zones_snapshot(zones()))
    js = mapcomponent.GroupTemplate.render(mapview.territory_group, 1, 0, mapview.base_map).fill([geojson])
    assert "<script>" not in js and "</script>" not in js and "'" not in geojson
    # Escaped for HTML in the tooltip, then for the script around it.
    assert "\\u0026lt;script\\u0026gt;" in js


def test_template_refuses_the_wrong_number_of_layers():
    template = mapcomponent.GroupTemplate.render(mapview.territory_group, 2, 0, mapview.base_map)
    with pytest.raises(ValueError, match="2 GeoJSON"):
        template.fill(["{}"])
