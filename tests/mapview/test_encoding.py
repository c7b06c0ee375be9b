"""Encoded rings decode to the plain GeoJSON (a reference decoder here; the browser's in tests/browser)."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely

from layers import mapview
from tests.mapview.conftest import (
    NORTH,
    decode_ring,
    decoded,
    rings_of,
    zones,
    zones_snapshot,
)


@pytest.mark.parametrize("zoom", [6, 9, 13])
def test_encoded_data_decodes_to_the_plain_geojson(zoom):
    detail = mapview.detail_for_zoom(zoom)
    features = zones()
    features.loc[0, "geometry"] = shapely.MultiPolygon(
        [NORTH, shapely.box(35.5, 51.7, 35.6, 51.8).difference(shapely.box(35.52, 51.72, 35.55, 51.75))]
    )
    plain = json.loads(mapview.territory_geojson(zones_snapshot(features), detail))
    encoded = mapview.territory_geojson(zones_snapshot(features), detail, encoded=True)
    geometry_bytes = [
        sum(len(json.dumps(f["geometry"], separators=(",", ":"))) for f in c["features"])
        for c in (json.loads(encoded), plain)
    ]
    assert geometry_bytes[0] < 0.6 * geometry_bytes[1]
    back = decoded(encoded)
    assert [f["properties"] for f in back["features"]] == [f["properties"] for f in plain["features"]]
    for ours, theirs in zip(back["features"], plain["features"], strict=True):
        assert ours["geometry"]["type"] == theirs["geometry"]["type"]
        assert np.allclose(
            np.concatenate([np.ravel(np.array(r, dtype=float)) for r in rings_of(ours["geometry"])]),
            np.concatenate([np.ravel(np.array(r, dtype=float)) for r in rings_of(theirs["geometry"])]),
            atol=1e-9,
        )


def test_encoding_handles_negative_and_large_coordinates():
    ring = [(-179.99999, -89.5), (179.99999, 89.5), (0.00001, -0.00001), (-179.99999, -89.5)]
    assert np.allclose(decode_ring(mapview.encode_ring(np.array(ring), 5), 5), ring, atol=1e-9)
