"""Territory as encoded rings: a third of the bytes of GeoJSON, decoded in the browser.

Polygon rings travel in the encoded polyline format (Google's algorithm) and the base
map defines ``DECODER``, a constant JavaScript function that turns them back into
GeoJSON coordinates before Leaflet draws them. ``htmlsafe`` escapes JSON for a
<script> exactly as folium's ``tojson`` does.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

__all__ = ["DECODER", "DECODER_JS", "encode_geometry", "encode_ring", "htmlsafe"]


def htmlsafe(text: str) -> str:
    """JSON text made safe inside a <script>, exactly as folium's ``tojson`` escapes it."""
    return (
        text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e").replace("'", "\\u0027")
    )


#: The JavaScript function, defined by the base map, that turns ``territory_encoded``
#: data back into GeoJSON in the browser.
DECODER = "window.frontlineDecode"


def encode_ring(coordinates: np.ndarray, decimals: int) -> str:
    """A ring's coordinates in the encoded polyline format (Google's algorithm), x then y.

    Integers at ``10**decimals``, each the difference from the previous vertex, zigzagged
    and written 5 bits to a character (ASCII 63-126): ~3 bytes a vertex at 3 decimals,
    ~7 at 5, against ~16 and ~20 as JSON numbers.
    """
    integers = np.round(np.asarray(coordinates, dtype=float)[:, :2] * 10**decimals).astype(np.int64)
    deltas = np.diff(integers, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).ravel()
    values = np.where(deltas < 0, ~(deltas << 1), deltas << 1)
    # Up to 8 five-bit chunks a value (40 bits), low bits first; every chunk but a value's
    # last carries 0x20. Done on whole arrays: a Python loop per vertex was far slower
    # (benchmarks/README.md, "Figures behind the code").
    chunks = (values[:, None] >> (5 * np.arange(8))) & 0x1F
    more = (values[:, None] >> (5 * np.arange(1, 9))) > 0
    used = np.concatenate([np.ones((len(values), 1), dtype=bool), more[:, :-1]], axis=1)
    codes = (chunks | np.where(more, 0x20, 0)) + 63
    return codes[used].astype(np.uint8).tobytes().decode("ascii")


def encode_geometry(geometry: BaseGeometry | None, decimals: int) -> dict[str, Any] | None:
    """A polygon or multipolygon as ``{"type", "e": encoded rings, "p": decimals}``; any
    other geometry as plain GeoJSON (``DECODER`` passes it through)."""
    if geometry is None or geometry.is_empty:
        return None
    if isinstance(geometry, shapely.Polygon):
        rings = [geometry.exterior, *geometry.interiors]
        return {"type": "Polygon", "e": [encode_ring(r.coords, decimals) for r in rings], "p": decimals}
    if isinstance(geometry, shapely.MultiPolygon):
        return {
            "type": "MultiPolygon",
            "p": decimals,
            "e": [
                [encode_ring(r.coords, decimals) for r in (part.exterior, *part.interiors)]
                for part in geometry.geoms
            ],
        }
    return json.loads(shapely.to_geojson(geometry))


#: The decoder's code, the inverse of ``encode_ring``: run on each group's data before
#: Leaflet adds it (constant code; no data in it).
DECODER_JS = (
    DECODER + " = function (collection) {"
    " function ring(text, scale) {"
    "  var out = [], index = 0, x = 0, y = 0, axis = 0;"
    "  while (index < text.length) {"
    "   var result = 0, shift = 0, byte;"
    "   do { byte = text.charCodeAt(index++) - 63; result |= (byte & 0x1f) << shift; shift += 5; }"
    " while (byte >= 0x20);"
    "   var delta = (result & 1) ? ~(result >> 1) : (result >> 1);"
    "   if (axis === 0) { x += delta; axis = 1; }"
    " else { y += delta; axis = 0; out.push([x / scale, y / scale]); }"
    "  }"
    "  return out;"
    " }"
    " collection.features.forEach(function (feature) {"
    "  var g = feature.geometry;"
    "  if (!g || !g.e) { return; }"
    "  var scale = Math.pow(10, g.p);"
    "  g.coordinates = g.type === 'Polygon' ? g.e.map(function (r) { return ring(r, scale); })"
    "   : g.e.map(function (part) { return part.map(function (r) { return ring(r, scale); }); });"
    "  delete g.e; delete g.p;"
    " });"
    " return collection;"
    "};"
)
