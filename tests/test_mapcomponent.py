"""The map's fast path sends what st_folium would, and its levels of detail keep the zones' topology."""

from __future__ import annotations

import datetime as dt
import json
import re

import numpy as np
import pytest
import shapely
import streamlit_folium

from layers import mapcomponent, mapview
from layers.snapshots import Snapshot
from tests.conftest import territory

#: Two zones sharing a long wiggly edge (the front), and a claimed area over one of them.
WIGGLE = [(35.0 + i * 0.01, 51.3 + 0.004 * np.sin(i / 3.0) + 0.0003 * (i % 2)) for i in range(101)]
NORTH = shapely.Polygon([*WIGGLE, (36.0, 51.6), (35.0, 51.6)])
SOUTH = shapely.Polygon([*WIGGLE, (36.0, 51.0), (35.0, 51.0)][::-1])
CLAIMED = shapely.box(35.2, 51.2, 35.4, 51.45)
XSS = '<script>window.__x=1</script>\' & "quoted"'


def _snapshot(features, layer="Kursk") -> Snapshot:
    return Snapshot(layer, dt.date(2024, 8, 10), dt.date(2024, 8, 10), 1, features)


def _features():
    return territory(
        [
            (NORTH, "UA", "held", XSS),
            (SOUTH, "RU", "held", "Russian MoD"),
            (CLAIMED, "RU", "claimed", "Claim"),
        ]
    )


def _capture(monkeypatch) -> list[dict]:
    sent: list[dict] = []
    monkeypatch.setattr(
        streamlit_folium, "_component_func", lambda **kwargs: sent.append(kwargs) or kwargs["default"]
    )
    return sent


def _normalised(js: str) -> str:
    """Group JavaScript with each embedded GeoJSON re-serialised one way (folium's has spaces, ours none)."""
    return re.sub(
        r"_add\((\{.*?\})\);\n",
        lambda m: "_add(" + json.dumps(json.loads(m.group(1)), sort_keys=True) + ");\n",
        js,
        flags=re.S,
    )


@pytest.mark.parametrize("layers", [0, 1, 2])
def test_fast_path_sends_what_st_folium_sends(monkeypatch, layers):
    geojsons = [mapview.territory_geojson(_snapshot(_features(), layer=f"layer {n}")) for n in range(layers)]
    sent = _capture(monkeypatch)
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
            assert _normalised(ours[name]) == _normalised(theirs[name])
            assert len(ours[name]) <= len(theirs[name]), "ours is the compact form of the same data"
        else:
            assert ours[name] == theirs[name], name


def test_template_keeps_data_escaped_inside_the_script():
    geojson = mapview.territory_geojson(_snapshot(_features()))
    js = mapcomponent.GroupTemplate.render(mapview.territory_group, 1, 0, mapview.base_map).fill([geojson])
    assert "<script>" not in js and "</script>" not in js and "'" not in geojson
    # Escaped for HTML in the tooltip, then for the script around it.
    assert "\\u0026lt;script\\u0026gt;" in js


def test_template_refuses_the_wrong_number_of_layers():
    template = mapcomponent.GroupTemplate.render(mapview.territory_group, 2, 0, mapview.base_map)
    with pytest.raises(ValueError, match="2 GeoJSON"):
        template.fill(["{}"])


def test_detail_follows_zoom():
    assert [mapview.detail_for_zoom(z).level for z in (4, 6, 7, 8, 9, 10, 11, 15)] == [0, 0, 1, 1, 2, 2, 3, 3]
    assert mapview.detail_for_zoom(None) is mapview.FULL_DETAIL
    assert mapview.FULL_DETAIL.tolerance_m == 0 and mapview.FULL_DETAIL.decimals == 5


def _geometries(geojson: str) -> list:
    return [shapely.from_geojson(json.dumps(f["geometry"])) for f in json.loads(geojson)["features"]]


def test_full_detail_is_the_geometry_to_about_a_metre():
    geojson = mapview.territory_geojson(_snapshot(_features()))
    shown = _geometries(geojson)
    for original, drawn in zip(
        [SOUTH, NORTH, CLAIMED], sorted(shown[:2], key=lambda g: -g.centroid.y)[::-1] + shown[2:]
    ):
        assert shapely.get_num_coordinates(drawn) == shapely.get_num_coordinates(original)
        assert shapely.hausdorff_distance(original, drawn) <= 0.5e-5 * 1.5


@pytest.mark.parametrize("zoom", [6, 8, 10])
def test_coarser_levels_are_smaller_and_keep_the_shared_front(zoom):
    detail = mapview.detail_for_zoom(zoom)
    full = mapview.territory_geojson(_snapshot(_features()))
    coarse = mapview.territory_geojson(_snapshot(_features()), detail)
    assert len(coarse) < len(full)
    north, south, claimed = (
        sorted(_geometries(coarse)[:2], key=lambda g: -g.centroid.y) + _geometries(coarse)[2:]
    )
    # One coverage: the two zones still meet along one edge, with no gap and no overlap.
    assert shapely.intersection(north, south).area == pytest.approx(0, abs=1e-12)
    assert shapely.union(north, south).area == pytest.approx(shapely.union(NORTH, SOUTH).area, rel=1e-3)
    assert shapely.coverage_is_valid(np.array([north, south]))
    # Within about half a pixel of the original at that level's finest zoom.
    tolerance_deg = detail.tolerance_m / 111_320 + 10**-detail.decimals
    assert shapely.hausdorff_distance(north, NORTH) <= 2 * tolerance_deg
    assert claimed.is_valid and not claimed.is_empty


def test_real_snapshot_shrinks_at_country_zoom(real_snapshot):
    full = mapview.territory_geojson(real_snapshot)
    country = mapview.territory_geojson(real_snapshot, mapview.detail_for_zoom(6))
    assert len(country) < 0.6 * len(full)
    assert all(g.is_valid for g in _geometries(country))


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
    return _snapshot(
        frame[["held_by", "status", "source", "geometry"]].reset_index(drop=True), layer="DeepStateMap"
    )


def _decode_ring(text: str, decimals: int) -> list[list[float]]:
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
                [_decode_ring(r, decimals) for r in rings]
                if g["type"] == "Polygon"
                else [[_decode_ring(r, decimals) for r in part] for part in rings]
            )
    return collection


@pytest.mark.parametrize("zoom", [6, 9, 13])
def test_encoded_data_decodes_to_the_plain_geojson(zoom):
    detail = mapview.detail_for_zoom(zoom)
    features = _features()
    features.loc[0, "geometry"] = shapely.MultiPolygon(
        [NORTH, shapely.box(35.5, 51.7, 35.6, 51.8).difference(shapely.box(35.52, 51.72, 35.55, 51.75))]
    )
    plain = json.loads(mapview.territory_geojson(_snapshot(features), detail))
    encoded = mapview.territory_geojson(_snapshot(features), detail, encoded=True)
    geometry_bytes = [
        sum(len(json.dumps(f["geometry"], separators=(",", ":"))) for f in c["features"])
        for c in (json.loads(encoded), plain)
    ]
    assert geometry_bytes[0] < 0.6 * geometry_bytes[1]
    back = decoded(encoded)
    assert [f["properties"] for f in back["features"]] == [f["properties"] for f in plain["features"]]
    for ours, theirs in zip(back["features"], plain["features"]):
        assert ours["geometry"]["type"] == theirs["geometry"]["type"]
        assert np.allclose(
            np.concatenate([np.ravel(np.array(r, dtype=float)) for r in _rings(ours["geometry"])]),
            np.concatenate([np.ravel(np.array(r, dtype=float)) for r in _rings(theirs["geometry"])]),
            atol=1e-9,
        )


def _rings(geometry) -> list:
    return (
        geometry["coordinates"]
        if geometry["type"] == "Polygon"
        else [r for part in geometry["coordinates"] for r in part]
    )


def test_encoding_handles_negative_and_large_coordinates():
    ring = [(-179.99999, -89.5), (179.99999, 89.5), (0.00001, -0.00001), (-179.99999, -89.5)]
    assert np.allclose(_decode_ring(mapview.encode_ring(np.array(ring), 5), 5), ring, atol=1e-9)
