"""The dated content of the map as folium feature groups: territory, events, change.

streamlit-folium swaps these in place on every step (``st_folium(feature_group_to_add=...)``);
each group is built from display strings prepared once per snapshot (``display``).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pyproj

from .. import style
from ..hexbins import hex_bins, hexagon
from ..text import escape_html
from .basemap import Script
from .display import PREVIOUS_STYLE, change_style, event_tooltip, feature_collection

__all__ = [
    "MAX_EVENT_SYMBOLS",
    "add_territory",
    "change_group",
    "density_features",
    "events_group",
    "forget_removed_groups",
    "hex_width_m",
    "territory_group",
]


def forget_removed_groups() -> Script:
    # streamlit-folium pushes every dynamic group onto window.feature_group and never
    # drops removed ones (randyzwitch/streamlit-folium#247), and its frontend appends
    # the same <style> to the page on every update: both grow the browser's memory with
    # every slider step. Runs on each update, after the old groups are removed.
    return Script(
        "window.feature_group = (window.feature_group || []).filter("
        "function (layer) { return window.map && window.map.hasLayer(layer); });"
        "(function () { var seen = {}; document.querySelectorAll('head > style').forEach(function (node) {"
        " if (seen[node.textContent]) { node.remove(); } else { seen[node.textContent] = true; } }); })();"
    )


def territory_group(geojsons: Sequence[str]) -> folium.FeatureGroup:
    """One feature group holding the given snapshots' display data (``territory_geojson``).

    No ``style_function``: Leaflet applies each feature's ``style`` property itself,
    which spares folium a Python call per feature on every slider step.
    """
    group = folium.FeatureGroup(name="Territory", control=True)
    forget_removed_groups().add_to(group)
    add_territory(group, geojsons)
    return group


def add_territory(parent: folium.FeatureGroup, geojsons: Sequence[str]) -> None:
    """Each non-empty ``territory_geojson`` as a GeoJson layer with its tooltip, into ``parent``."""
    for geojson in geojsons:
        if '"features":[]' in geojson:
            continue
        folium.GeoJson(
            geojson,
            tooltip=folium.GeoJsonTooltip(["tip"], labels=False, sticky=True, class_name="frontline-tip"),
            smooth_factor=1.0,
        ).add_to(parent)


#: Up to this many events, the presentation map draws a symbol each; more, and it draws
#: their density (``density_features``), as the reader's map does at low zoom.
MAX_EVENT_SYMBOLS = 300
#: The density hexagons are about this many pixels across at the map's zoom.
HEX_PIXELS = 28


def hex_width_m(zoom: int, latitude: float) -> float:
    """A round hexagon width (m) about ``HEX_PIXELS`` across at ``zoom`` and ``latitude``:
    1, 2 or 5 times a power of ten, so that the tooltip can name it."""
    metres_per_pixel = 156_543.034 * math.cos(math.radians(latitude)) / 2**zoom
    target = HEX_PIXELS * metres_per_pixel
    candidates = [m * 10**e for e in range(2, 7) for m in (1, 2, 5)]
    return float(min(candidates, key=lambda width: abs(math.log(width / target))))


def density_features(events: gpd.GeoDataFrame, zoom: int) -> list[dict[str, Any]]:
    """The events' density as GeoJSON hexagons (lon/lat), each with its count, its colour
    class (``style.EVENT_DENSITY_STEPS``) and a tooltip counting each kind.

    Binned in a Lambert azimuthal equal-area projection centred on the events, so that
    every hexagon covers the same ground; the width is ``hex_width_m`` at ``zoom``.
    """
    points = events.geometry
    points = points[~points.is_empty & points.notna()]
    if not len(points):
        return []
    lon, lat = points.x.to_numpy(), points.y.to_numpy()
    centre_lon, centre_lat = float(np.mean(lon)), float(np.mean(lat))
    to_plane = pyproj.Transformer.from_crs(
        "EPSG:4326", f"+proj=laea +lat_0={centre_lat} +lon_0={centre_lon} +ellps=WGS84", always_xy=True
    )
    x, y = to_plane.transform(lon, lat)
    width = hex_width_m(zoom, centre_lat)
    kinds = events.loc[points.index, "kind"].astype(str).to_numpy() if "kind" in events else None
    cells: dict[tuple[float, float], dict[str, int]] = {}
    for kind in sorted(set(kinds)) if kinds is not None else ["other"]:
        chosen = kinds == kind if kinds is not None else np.ones(len(x), dtype=bool)
        cx, cy, counts = hex_bins(x[chosen], y[chosen], width)
        for key, count in zip(zip(np.round(cx, 1), np.round(cy, 1), strict=True), counts, strict=True):
            cells.setdefault(key, {})[kind] = int(count)
    corners = hexagon(width)
    features = []
    for (east, north), by_kind in cells.items():
        lons, lats = to_plane.transform(east + corners[:, 0], north + corners[:, 1], direction="INVERSE")
        ring = [[round(a, 5), round(b, 5)] for a, b in zip(lons, lats, strict=True)]
        total = sum(by_kind.values())
        colour = next(c for least, c in reversed(style.EVENT_DENSITY_STEPS) if total >= least)
        lines = [
            f"<b>{total:,} event{'s' if total != 1 else ''} in this hexagon</b> (~{width / 1000:g} km across)"
        ]
        lines += [
            f"{n:,} {escape_html(style.event_kind_label(kind).lower())}"
            for kind, n in sorted(by_kind.items(), key=lambda item: (-item[1], item[0]))
        ]
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
                "properties": {"count": total, "colour": colour, "tip": "<br>".join(lines)},
            }
        )
    return features


def events_group(events: gpd.GeoDataFrame | None, zoom: int | None = None) -> folium.FeatureGroup:
    """One feature group with the given events: a symbol each (kind, ring by confidence)
    up to ``MAX_EVENT_SYMBOLS``, else their density at ``zoom`` (``density_features``);
    empty for None."""
    group = folium.FeatureGroup(name="Events", control=True)
    forget_removed_groups().add_to(group)
    if events is not None and len(events) > MAX_EVENT_SYMBOLS:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": density_features(events, zoom or 7)},
            style_function=lambda feature: {
                "fillColor": feature["properties"]["colour"],
                "fillOpacity": 0.72,
                "color": "#ffffff",
                "weight": 0.5,
            },
            tooltip=folium.GeoJsonTooltip(["tip"], labels=False, sticky=True, class_name="frontline-tip"),
        ).add_to(group)
        return group
    if events is not None and len(events):
        rows = events.drop(columns=events.geometry.name).to_dict("records")
        display = gpd.GeoDataFrame(
            {
                "tip": [event_tooltip(row) for row in rows],
                "html": [style.event_icon_html(row.get("kind"), row.get("confidence")) for row in rows],
            },
            geometry=events.geometry.values,
            crs="EPSG:4326",
        )
        folium.GeoJson(
            feature_collection(display),
            marker=folium.Marker(
                icon=folium.DivIcon(
                    html="", icon_size=(20, 20), icon_anchor=(10, 10), class_name="frontline-event-icon"
                )
            ),
            style_function=lambda feature: {"html": feature["properties"]["html"]},
            tooltip=folium.GeoJsonTooltip(["tip"], labels=False, sticky=True, class_name="frontline-tip"),
        ).add_to(group)
    return group


def change_group(
    previous: gpd.GeoDataFrame | None,
    diff: gpd.GeoDataFrame,
    previous_as_of: dt.date | None = None,
    name: str = "Change against the previous snapshot",
) -> folium.FeatureGroup:
    """The previous snapshot's outline and the ground gained and lost: an editor's preview,
    or a reader's change between two dates.

    ``diff`` is ``areas.gained_and_lost(previous, new)`` (or several layers' concatenated);
    ``previous`` may be None to draw the change alone.
    """
    group = folium.FeatureGroup(name=name, control=True)
    forget_removed_groups().add_to(group)
    if previous is not None and len(previous):
        outline = gpd.GeoDataFrame(
            {
                "tip": [
                    f"Previous snapshot ({escape_html(previous_as_of)}): "
                    f"{escape_html(style.side_name(s))}, {escape_html(t)}"
                    for s, t in zip(previous["held_by"], previous["status"], strict=True)
                ],
                "style": [PREVIOUS_STYLE] * len(previous),
            },
            geometry=previous.geometry.values,
            crs="EPSG:4326",
        )
        folium.GeoJson(
            feature_collection(outline),
            tooltip=folium.GeoJsonTooltip(["tip"], labels=False, sticky=True, class_name="frontline-tip"),
        ).add_to(group)
    if len(diff):
        display = gpd.GeoDataFrame(
            {
                "tip": [
                    f"<b>{escape_html(c.capitalize())} by {escape_html(style.side_name(s))}</b>: {a:,.1f} km²"
                    for s, c, a in zip(diff["held_by"], diff["change"], diff["area_km2"], strict=True)
                ],
                "style": [
                    change_style(side, c) for side, c in zip(diff["held_by"], diff["change"], strict=True)
                ],
            },
            geometry=diff.geometry.values,
            crs="EPSG:4326",
        )
        folium.GeoJson(
            feature_collection(display),
            tooltip=folium.GeoJsonTooltip(["tip"], labels=False, sticky=True, class_name="frontline-tip"),
        ).add_to(group)
    return group
