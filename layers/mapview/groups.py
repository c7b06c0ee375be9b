"""The dated content of the map as folium feature groups: territory, events, change.

streamlit-folium swaps these in place on every step (``st_folium(feature_group_to_add=...)``);
each group is built from display strings prepared once per snapshot (``display``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import folium
import geopandas as gpd

from .. import style
from ..text import escape_html
from .basemap import Script
from .display import PREVIOUS_STYLE, change_style, event_tooltip, feature_collection

__all__ = ["add_territory", "change_group", "events_group", "forget_removed_groups", "territory_group"]


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


def events_group(events: gpd.GeoDataFrame | None) -> folium.FeatureGroup:
    """One feature group with the given events, symbol by kind, ring by confidence; empty for None."""
    group = folium.FeatureGroup(name="Events", control=True)
    forget_removed_groups().add_to(group)
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
