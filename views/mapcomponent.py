"""streamlit-folium's map component, sent only what changed since the last slider step.

``st_folium`` rebuilds everything on every call: it renders the whole folium map to
JavaScript (Jinja templates) and renders every feature group with folium, although the
base map never changes and a date's territory is the same string every time it is
shown. On the 769-day archive that was most of a slider step's server time
(``benchmarks/README.md``, "Figures behind the code").

Here the base map's component arguments are prepared once per process
(``prepare_base``), and a feature group's JavaScript is rendered by folium once, with
placeholders where the GeoJSON goes (``GroupTemplate``); each step splices the date's
cached GeoJSON strings into it. ``show`` then calls streamlit-folium's own component
with the same arguments ``st_folium`` would send: same frontend, same key (so no
remount), same returned values. ``tests/views/test_mapcomponent.py`` holds these arguments
equal to ``st_folium``'s for the same map and groups, so a streamlit-folium upgrade that
changes them fails there, not in a reader's browser.

This module uses streamlit-folium's private helpers (``_get_map_string``,
``_get_feature_group_string``, ``_component_func``...) of the pinned version.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import folium
import streamlit as st
import streamlit_folium

from layers.mapview import htmlsafe


@dataclass(frozen=True)
class BaseArgs:
    """The constant part of the component's arguments, for one base map and key."""

    script: str
    header: str
    html: str
    id: str
    css_links: list[str]
    js_links: list[str]
    defaults: dict
    hash_key: str


def prepare_base(fig: folium.Map, key: str, return_on_hover: bool = False) -> BaseArgs:
    """What ``st_folium(fig, key=key)`` sends for the map itself, computed as it does.

    Call it with a freshly built map (rendering changes the map's element ids) and keep
    the result: the base map is the same on every step.
    """
    fig.get_root().render()
    fig.render()
    html = streamlit_folium._get_html(fig)
    header = streamlit_folium._get_header(fig)
    script = streamlit_folium._get_map_string(fig)
    try:
        south_west, north_east = fig.get_bounds()
    except AttributeError:
        south_west, north_east = [None, None], [None, None]
    defaults = {
        "last_clicked": None,
        "last_object_clicked": None,
        "last_object_clicked_count": None,
        "last_object_clicked_tooltip": None,
        "last_object_clicked_popup": None,
        "all_drawings": None,
        "last_active_drawing": None,
        "bounds": {
            "_southWest": {"lat": south_west[0], "lng": south_west[1]},
            "_northEast": {"lat": north_east[0], "lng": north_east[1]},
        },
        "zoom": fig.options.get("zoom") if hasattr(fig, "options") else {},
        "last_circle_radius": None,
        "last_circle_polygon": None,
        "selected_layers": None,
        "selected_tags": None,
        "last_geocoder_result": None,
    }
    css_links: list[str] = []
    js_links: list[str] = []
    for element in _walk(fig):
        css_links.extend(href for _, href in getattr(element, "default_css", []))
        js_links.extend(src for _, src in getattr(element, "default_js", []))
    return BaseArgs(
        script=script,
        header=header,
        html=html,
        id=streamlit_folium.get_full_id(fig),
        css_links=list(dict.fromkeys(css_links)),
        js_links=list(dict.fromkeys(js_links)),
        defaults=defaults,
        hash_key=streamlit_folium.generate_js_hash(script, key, return_on_hover),
    )


def _walk(element):
    if isinstance(element, folium.elements.JSCSSMixin):
        yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def scratch_map() -> folium.Map:
    """A bare map to render groups into: their JavaScript names the map ``map_div``
    whatever it is, so the costly base map (tile lookups, legend) is not needed."""
    return folium.Map(tiles=None)


def group_js(group: folium.FeatureGroup, index: int, base: Callable[[], folium.Map] = scratch_map) -> str:
    """A feature group's JavaScript as ``st_folium`` makes it for position ``index`` of
    ``feature_group_to_add`` (rendered into a throwaway ``base()``, which it changes)."""
    return streamlit_folium._get_feature_group_string(group, map=base(), idx=index)


def _slot(number: int) -> dict:
    """A one-feature placeholder collection, unique by ``number``, that folium accepts
    wherever our display GeoJSON goes (same property names: ``tip`` and ``style``)."""
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": "0",
                "properties": {"tip": f"slot {number} of a group template", "style": {}},
                "geometry": {"type": "Point", "coordinates": [0.0, float(number)]},
            }
        ],
    }


@dataclass(frozen=True)
class GroupTemplate:
    """A feature group's JavaScript with holes for its GeoJSON, rendered by folium once.

    ``build(collections)`` must make the group from a list of GeoJSON collections (one
    ``folium.GeoJson`` each, nothing else read from the data); ``fill(geojsons)`` then
    gives what folium would render for those strings, with the data compact.
    """

    parts: tuple[str, ...]
    slots: int = field(default=0)

    @classmethod
    def render(
        cls,
        build: Callable[[list], folium.FeatureGroup],
        slots: int,
        index: int,
        base: Callable[[], folium.Map],
    ) -> GroupTemplate:
        collections = [_slot(number) for number in range(slots)]
        js = group_js(build(collections), index, base)
        parts = [js]
        for collection in collections:
            # folium embeds data with Jinja's tojson: json.dumps with sorted keys, then <>&' escaped.
            embedded = htmlsafe(json.dumps(collection, sort_keys=True))
            head, found, tail = parts[-1].partition(embedded)
            if not found or embedded in tail:
                raise RuntimeError(
                    "folium no longer embeds a GeoJSON layer's data as this template expects; "
                    "check views/mapcomponent.py against the installed folium and streamlit-folium"
                )
            parts[-1:] = [head, tail]
        return cls(tuple(parts), slots)

    def fill(self, geojsons: list[str], wrap: str | None = None) -> str:
        """The group's JavaScript for these display strings (``mapview.territory_geojson``:
        already escaped for a script, as the placeholders were); ``wrap`` names a function
        each is passed through first (``mapview.DECODER`` for encoded data)."""
        if len(geojsons) != self.slots:
            raise ValueError(f"this template takes {self.slots} GeoJSON string(s), not {len(geojsons)}")
        out = [self.parts[0]]
        for geojson, part in zip(geojsons, self.parts[1:], strict=True):
            out += [f"{wrap}({geojson})" if wrap else geojson, part]
        return "".join(out)


def show(
    base: BaseArgs,
    *,
    key: str,
    feature_group: str,
    center,
    zoom,
    height: int,
    returned_objects: list[str],
    use_container_width: bool = True,
    width: int = 500,
):
    """streamlit-folium's component with ``base``'s map and this step's groups' JavaScript:
    the arguments ``st_folium(..., feature_group_to_add=...)`` would send. Returns the
    map's reported state (``returned_objects``), as ``st_folium`` does."""
    if use_container_width:
        width = None

    def on_change():
        st.session_state[key] = st.session_state.get(base.hash_key, {})

    return streamlit_folium._component_func(
        script=base.script,
        header=base.header,
        html=base.html,
        id=base.id,
        key=base.hash_key,
        height=height,
        width=width,
        returned_objects=returned_objects,
        default={k: v for k, v in base.defaults.items() if returned_objects is None or k in returned_objects},
        zoom=zoom,
        center=center,
        feature_group=feature_group,
        return_on_hover=False,
        layer_control=None,
        pixelated=False,
        css_links=base.css_links,
        js_links=base.js_links,
        on_change=on_change,
        wrap_longitude=False,
    )


def last_state(base: BaseArgs) -> dict:
    """What the map last reported (zoom, centre, bounds) in this session, before this run's
    call: the component's value is in the session state from the start of the run."""
    value = st.session_state.get(base.hash_key)
    return value if isinstance(value, dict) else {}
