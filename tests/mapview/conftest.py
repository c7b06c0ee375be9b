"""Shared helpers for the map builder's tests: display snapshots of zones sharing a front,
the scripts st_folium would send, a reference decoder of encoded rings."""

from __future__ import annotations

import datetime as dt
import json
import re

import numpy as np
import pytest
import shapely

from layers import mapview
from layers.snapshots import Snapshot
from tests.conftest import territory
from views.mapcomponent import group_js, prepare_base

PAYLOADS = ["<img src=x onerror=alert(1)>", "`+alert(7)+`", "${alert(3)}", "<script>alert(2)</script>"]


#: Two zones sharing a long wiggly edge (the front), and a claimed area over one of them.
WIGGLE = [(35.0 + i * 0.01, 51.3 + 0.004 * np.sin(i / 3.0) + 0.0003 * (i % 2)) for i in range(101)]
NORTH = shapely.Polygon([*WIGGLE, (36.0, 51.6), (35.0, 51.6)])
SOUTH = shapely.Polygon([*WIGGLE, (36.0, 51.0), (35.0, 51.0)][::-1])
CLAIMED = shapely.box(35.2, 51.2, 35.4, 51.45)
XSS = '<script>window.__x=1</script>\' & "quoted"'


def unescaped(js: str) -> str:
    """JS with folium's JSON escapes (\\u003c, \\u0026, ...) turned back into characters."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), js)


def display_snapshot(features, as_of="2024-08-10", requested="2024-08-12") -> Snapshot:
    return Snapshot(
        "Kursk <b>layer</b>", dt.date.fromisoformat(as_of), dt.date.fromisoformat(requested), 1, features
    )


def zones_snapshot(features, layer="Kursk") -> Snapshot:
    return Snapshot(layer, dt.date(2024, 8, 10), dt.date(2024, 8, 10), 1, features)


def zones():
    return territory(
        [
            (NORTH, "UA", "held", XSS),
            (SOUTH, "RU", "held", "Russian MoD"),
            (CLAIMED, "RU", "claimed", "Claim"),
        ]
    )


def map_script(m) -> str:
    """The base map's script as st_folium sends it (it renders the figure first)."""
    return prepare_base(m, key="test").script


def group_script(group) -> str:
    """A feature group's script as st_folium sends it for the first group."""
    return group_js(group, 0, mapview.base_map)


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


def geometries(geojson: str) -> list:
    return [shapely.from_geojson(json.dumps(f["geometry"])) for f in json.loads(geojson)["features"]]


def decode_ring(text: str, decimals: int) -> list[list[float]]:
    """Reference decoder of the encoded polyline format (x, y pairs)."""
    values, index = [], 0
    while index < len(text):
        result = shift = 0
        while True:
            byte = ord(text[index]) - 63
            index += 1
            result |= (byte & 0x1F) << shift
            shift += 5
            if byte < 0x20:
                break
        values.append(~(result >> 1) if result & 1 else result >> 1)
    xy = np.cumsum(np.array(values, dtype=np.int64).reshape(-1, 2), axis=0)
    return (xy / 10**decimals).tolist()


def decoded(geojson: str) -> dict:
    collection = json.loads(geojson)
    for feature in collection["features"]:
        g = feature["geometry"]
        if g and "e" in g:
            rings = g.pop("e")
            decimals = g.pop("p")
            g["coordinates"] = (
                [decode_ring(r, decimals) for r in rings]
                if g["type"] == "Polygon"
                else [[decode_ring(r, decimals) for r in part] for part in rings]
            )
    return collection


def rings_of(geometry) -> list:
    return (
        geometry["coordinates"]
        if geometry["type"] == "Polygon"
        else [r for part in geometry["coordinates"] for r in part]
    )


@pytest.fixture
def real_snapshot():
    from tests.conftest import IN_CI, ROOT

    folder = ROOT.parent / "shared" / "data" / "deepstate-occupied-daily"
    files = sorted(folder.glob("*.geojson")) if folder.is_dir() else []
    if not files:
        if IN_CI:
            pytest.fail(f"{folder} is missing (CI=true: the real-archive tests must run)")
        pytest.skip(f"{folder} is not here")
    import geopandas as gpd

    frame = gpd.read_file(files[-1])
    frame = frame[frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"])].copy()
    frame["held_by"], frame["status"], frame["source"] = "RU", "held", "DeepStateMap"
    return zones_snapshot(
        frame[["held_by", "status", "source", "geometry"]].reset_index(drop=True), layer="DeepStateMap"
    )
