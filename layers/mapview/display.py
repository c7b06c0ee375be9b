"""What the map is sent of a snapshot: levels of detail, display GeoJSON and tooltips.

Plain data, no folium: a snapshot's territory simplified for a zoom range, rounded,
optionally encoded (``encoding``), with each feature's style and tooltip, as one
compact GeoJSON string that is the same every time the snapshot is shown and can be
prepared once. Every string from data is escaped here, server-side: Leaflet tooltips
take HTML, and script in the map iframe runs in the app's origin.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import ArrayLike

from .. import schema, style
from ..categories import heading
from ..snapshots import Snapshot
from ..text import escape_html
from .encoding import encode_geometry, htmlsafe

__all__ = [
    "BASEMAP_EXTENT",
    "BASEMAP_SIMPLIFY",
    "DETAILS",
    "DISPLAY_DECIMALS",
    "FULL_DETAIL",
    "HOME_CENTER",
    "HOME_ZOOM",
    "MAX_ZOOM",
    "MIN_ZOOM",
    "PREVIOUS_STYLE",
    "STATIC_URL",
    "Detail",
    "change_style",
    "collection_json",
    "detail_for_zoom",
    "display_geometries",
    "event_tooltip",
    "feature_collection",
    "round_coordinates",
    "territory_geojson",
    "territory_tooltip",
]

#: Where Streamlit's static file serving (``server.enableStaticServing``) exposes ``static/``.
STATIC_URL = "/app/static"
HOME_CENTER = (51.22, 35.2)
HOME_ZOOM = 9
MIN_ZOOM = 4
MAX_ZOOM = 15
#: Extent of the drawn basemap (lon/lat); the borders file reaches further for clipping.
BASEMAP_EXTENT = (21.0, 43.5, 41.5, 56.5)
#: coverage_simplify tolerance in degrees: ~0.5 km, invisible at regional zoom.
BASEMAP_SIMPLIFY = 0.005
#: ~1 m at these latitudes: enough for display, halves the payload (field notes §1.4).
DISPLAY_DECIMALS = 5


@dataclass(frozen=True)
class Detail:
    """How much of a territory's geometry the map is sent at a range of zooms.

    ``tolerance_m`` is about half a screen pixel at ``max_zoom`` (Web Mercator:
    156,543 m/px / 2**zoom at the equator, x cos(48°) on this front), applied with
    ``shapely.coverage_simplify`` so that adjacent zones keep one shared edge: no gap,
    no overlap. ``decimals`` rounds the coordinates to well under a pixel (3 decimals
    ~110 m, 4 ~11 m, 5 ~1 m). Areas are never computed from these shapes: they come
    from the stored, full-detail geometry.
    """

    level: int
    max_zoom: int
    tolerance_m: float
    decimals: int


#: Country zoom, region, district, and full detail (~1 m) from zoom 11 in.
DETAILS = (
    Detail(0, 6, 800.0, 3),
    Detail(1, 8, 200.0, 4),
    Detail(2, 10, 50.0, 4),
    Detail(3, MAX_ZOOM, 0.0, DISPLAY_DECIMALS),
)
FULL_DETAIL = DETAILS[-1]
#: Metres in a degree of latitude: coverage_simplify works in the data's degrees.
_M_PER_DEGREE = 111_320.0


def detail_for_zoom(zoom: object) -> Detail:
    """The level of detail to send for a map at ``zoom`` (full detail when unknown)."""
    try:
        level = float(zoom)  # type: ignore[arg-type]  # anything the browser reported; checked here
    except (TypeError, ValueError):
        return FULL_DETAIL
    return next((d for d in DETAILS if level <= d.max_zoom), FULL_DETAIL)


def display_geometries(geoms: ArrayLike, groups: Sequence[str], detail: Detail) -> np.ndarray:
    """``geoms`` simplified for ``detail`` and rounded to its decimals.

    Each group of ``groups`` (one label per geometry; e.g. held and contested zones, which
    tile the ground between them, apart from claimed areas drawn over them) is simplified
    as one coverage, so that shared edges stay shared. A group that is not a valid
    coverage (its zones overlap) is simplified zone by zone, keeping each zone's topology.
    Rounding after simplification keeps shared vertices shared.
    """
    shapes = np.asarray(geoms, dtype=object)
    if detail.tolerance_m > 0 and len(shapes):
        tolerance = detail.tolerance_m / _M_PER_DEGREE
        out = shapes.copy()
        labels = np.asarray(groups, dtype=object)
        for label in dict.fromkeys(labels.tolist()):
            drawn = ~shapely.is_missing(shapes) & ~shapely.is_empty(shapes)
            where = np.flatnonzero((labels == label) & drawn)
            if not len(where):
                continue
            part = shapes[where]
            polygonal = all(shapely.get_type_id(g) in (3, 6) for g in part)
            if polygonal and shapely.coverage_is_valid(part):
                out[where] = shapely.coverage_simplify(part, tolerance)
            else:
                out[where] = shapely.simplify(part, tolerance, preserve_topology=True)
        shapes = out
    return round_coordinates(shapes, detail.decimals)


def round_coordinates(geoms: ArrayLike, decimals: int) -> np.ndarray:
    """Every coordinate of ``geoms`` rounded to ``decimals`` (shared vertices stay shared)."""
    return shapely.transform(np.asarray(geoms, dtype=object), lambda xy: np.round(xy, decimals))


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def collection_json(
    properties: Sequence[Mapping[str, Any]], geometries: Sequence[str | None] | np.ndarray
) -> str:
    """A GeoJSON FeatureCollection string from each feature's properties and geometry JSON
    (None: null); compact and escaped for a <script> as folium's ``tojson`` would."""
    features = ",".join(
        f'{{"type":"Feature","id":"{i}","properties":{_compact(props)},"geometry":{geometry or "null"}}}'
        for i, (props, geometry) in enumerate(zip(properties, geometries, strict=True))
    )
    return htmlsafe(f'{{"type":"FeatureCollection","features":[{features}]}}')


def feature_collection(gdf: gpd.GeoDataFrame, decimals: int = DISPLAY_DECIMALS) -> str:
    """``gdf`` as a FeatureCollection string (its other columns as properties), coordinates
    rounded to ``decimals``."""
    geoms = round_coordinates(gdf.geometry.values, decimals)
    return collection_json(gdf.drop(columns=gdf.geometry.name).to_dict("records"), shapely.to_geojson(geoms))


def territory_tooltip(layer: str, row: Mapping[str, Any], snapshot_as_of: dt.date | str) -> str:
    """Tooltip markup of one territory feature; every value escaped.

    The snapshot's age is shown above the map, not here, so that a snapshot's display
    data is the same on every day it is shown and can be prepared once.
    """
    # A layer with a mapping project's categories names the ground by category
    # ("Retaken (DeepStateMap 'liberated')", not "Held by Ukraine").
    what = heading(str(row.get("held_by")), str(row.get("status")), row.get("category"))
    lines = [
        f"<b>{escape_html(what)}</b>",
        f"Layer: {escape_html(layer)}",
        f"Snapshot: {escape_html(snapshot_as_of)}",
        f"Source: {escape_html(row.get('source', ''))}",
    ]
    if row.get("note"):
        lines.append(f"Note: {escape_html(row['note'])}")
    return "<br>".join(lines)


def event_tooltip(row: Mapping[str, Any]) -> str:
    """Tooltip markup of one event: what, when, where, who says so, confidence, claims."""
    kind = style.event_kind_label(str(row.get("kind")))
    lines = [
        f"<b>{escape_html(row.get('title', ''))}</b>",
        f"{kind} · {escape_html(row.get('occurred_on', ''))}",
    ]
    for label, key in (("Where", "place"), ("Weapon", "weapon"), ("Target", "target"), ("Source", "source")):
        if row.get(key):
            lines.append(f"{label}: {escape_html(row[key])}")
    confidence = row.get("confidence", "")
    lines.append(
        f"Confidence: {escape_html(confidence)} — {escape_html(schema.CONFIDENCES.get(confidence, ''))}"
    )
    claims = row.get("claims")
    if isinstance(claims, list) and claims:
        items = "".join(
            f"<li><i>{escape_html(c.get('source', ''))}</i>: {escape_html(c.get('claim', ''))}</li>"
            for c in claims
            if isinstance(c, dict)
        )
        lines.append(f"Claims by source:<ul>{items}</ul>")
    return "<br>".join(lines)


def territory_geojson(snapshot: Snapshot, detail: Detail = FULL_DETAIL, encoded: bool = False) -> str:
    """A snapshot's display data at a level of detail: geometry, style and escaped tooltip only.

    Only these fields travel to the browser. Claimed areas come last so their outline
    stays visible over held ground. Held and contested zones are simplified together as
    one coverage, claimed areas apart (``display_geometries``). ``encoded``: polygons as
    encoded rings (``encode_geometry``), for the main map, whose base map defines
    ``DECODER``; a third of the bytes at full detail, a fifth at country zoom.
    """
    features = snapshot.features
    if not len(features):
        return collection_json([], [])
    order = {"contested": 0, "held": 1, "claimed": 2}
    rows = features.drop(columns=features.geometry.name).to_dict("records")
    ranks = sorted(range(len(rows)), key=lambda i: order.get(rows[i].get("status"), 3))
    rows = [rows[i] for i in ranks]
    geometries = np.asarray(features.geometry.values, dtype=object)[ranks]
    tips = [territory_tooltip(snapshot.layer, row, snapshot.as_of) for row in rows]
    styles = [style.territory_style(str(row.get("held_by")), str(row.get("status"))) for row in rows]
    groups = ["claimed" if row.get("status") == "claimed" else "ground" for row in rows]
    geoms = display_geometries(geometries, groups, detail)
    shapes: Sequence[str | None] | np.ndarray
    if encoded:
        shapes = [
            None if g is None else json.dumps(g, separators=(",", ":"))
            for g in (encode_geometry(geom, detail.decimals) for geom in geoms)
        ]
    else:
        shapes = shapely.to_geojson(geoms)
    return collection_json(
        [{"tip": tip, "style": style_} for tip, style_ in zip(tips, styles, strict=True)], shapes
    )


def change_style(side: str, change: str) -> dict[str, str | float]:
    """Ground a side gained: filled strongly in its colour (as ISW draws advances); ground
    it lost: its colour as a dashed outline over a pale fill, so the two read apart where
    one side's loss is the other's gain."""
    colour = style.side_colour(side)
    if change == "gained":
        return {"color": colour, "weight": 2, "fillColor": colour, "fillOpacity": 0.7, "opacity": 1.0}
    return {
        "color": colour,
        "weight": 2.5,
        "dashArray": "5 4",
        "fillColor": "#ffffff",
        "fillOpacity": 0.55,
        "opacity": 1.0,
    }


PREVIOUS_STYLE: dict[str, str | float | bool] = {
    "color": "#424242",
    "weight": 2,
    "dashArray": "6 4",
    "fill": False,
}
