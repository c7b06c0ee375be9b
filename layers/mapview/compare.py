"""Two dates side by side: folium's DualMap with pan and zoom synchronised both ways,
Leaflet.Sync served by the app, each side labelled with its date."""

from __future__ import annotations

from collections.abc import Sequence

import folium
import folium.plugins
import numpy as np
import shapely
from branca.element import MacroElement
from jinja2 import Template

from ..text import escape_html
from .basemap import MAP_CSS, add_base_layers, page_header, use_local_assets
from .display import HOME_CENTER, HOME_ZOOM, MAX_ZOOM, MIN_ZOOM, STATIC_URL
from .groups import add_territory

__all__ = ["COMPARE_MAX_FIT_ZOOM", "LEAFLET_SYNC", "side_by_side_map", "use_local_dual_map_assets"]

#: Leaflet.Sync 0.2.4 (BSD-3-Clause, npm ``leaflet.sync``), under ``static/``. folium's
#: DualMap would load it from a public CDN.
LEAFLET_SYNC = "vendor/leaflet-sync/L.Map.Sync.js"
#: Closest zoom the side-by-side view opens at when fitted to small territories.
COMPARE_MAX_FIT_ZOOM = 11


def use_local_dual_map_assets(dual: folium.plugins.DualMap, prefix: str = STATIC_URL) -> None:
    """Point a DualMap and its two maps at the app's own static files, never at a CDN.

    Sets the links on the instances (not the classes): the DualMap loads Leaflet.Sync
    from ``static/vendor/leaflet-sync/``, each map Leaflet as
    ``use_local_assets`` sets them. st_folium collects ``default_js``/``default_css``
    from the DualMap and both maps, so these are the only scripts and styles it loads.
    """
    use_local_assets(prefix)  # sets the classes' lists, copied onto both maps below
    dual.default_js = [("Leaflet.Sync", f"{prefix}/{LEAFLET_SYNC}")]
    dual.default_css = []
    for m in (dual.m1, dual.m2):
        m.default_js = list(folium.Map.default_js)
        m.default_css = list(folium.Map.default_css)


class _DateLabel(MacroElement):
    """A box topmost in the map's top-right corner naming the date shown; the text is escaped here."""

    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  var label = L.control({position: "topright"});
  label.onAdd = function () {
    var div = L.DomUtil.create("div", "frontline-date");
    div.innerHTML = {{ this.markup|tojson }};
    return div;
  };
  label.addTo({{ this._parent.get_name() }});
  var box = label.getContainer();
  box.parentNode.insertBefore(box, box.parentNode.firstChild);
})();
{% endmacro %}"""
    )

    def __init__(self, text: str):
        super().__init__()
        self._name = "DateLabel"
        self.markup = escape_html(text)


#: st_folium does not carry a DualMap's own page styles (folium adds them when the maps
#: render, after st_folium has read the header): margin 0 as folium sets it, else the
#: iframe, as tall as the maps, cuts their bottom 8 px.
_COMPARE_CSS = """
<style>
html, body { margin: 0; padding: 0; }
.leaflet-container { font-size: 1rem; box-sizing: border-box; border: solid #fff; border-width: 0 1px; }
.frontline-date { background: rgba(255,255,255,.92); padding: 3px 8px; border-radius: 4px;
  font-size: 13px; font-weight: bold; line-height: 18px; box-shadow: 0 1px 4px rgba(0,0,0,.3); }
/* A sticky tooltip opens towards the wider side of the cursor: at most half a map (25vw)
   wide, it is never cut off. */
.frontline-tip { width: clamp(140px, calc(25vw - 36px), 320px); }
</style>
"""


def _territory_bounds(geojsons: Sequence[str]) -> list[list[float]] | None:
    """``[[south, west], [north, east]]`` around every given ``territory_geojson``; None if all are empty."""
    boxes = [shapely.from_geojson(g).bounds for g in geojsons if '"features":[]' not in g]
    boxes = [b for b in boxes if not any(np.isnan(b))]
    if not boxes:
        return None
    west, south, east, north = (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )
    return [[south, west], [north, east]]


def side_by_side_map(
    static_url: str, left: list[str], right: list[str], left_label: str, right_label: str
) -> folium.plugins.DualMap:
    """Two dates side by side, pan and zoom synchronised both ways (folium ``DualMap``).

    Parameters
    ----------
    static_url : str
        URL path where the app serves ``static/`` (as for ``base_map``).
    left, right : list of str
        Each side's territory, as ``territory_geojson`` strings (empty ones are skipped).
    left_label, right_label : str
        Text of the box naming each side's date; escaped here.

    Each side has ``base_map``'s basemap, panes, legend, scale bar and styles, laid out
    for a half-width map, and no online tile switcher: nothing in this view points off
    the app's own host. Both maps open on the union of both sides' territory (zoom at
    most ``COMPARE_MAX_FIT_ZOOM``), or on ``base_map``'s view when both are empty.
    Unlike ``base_map`` the content is part of the map: the same arguments give the same
    component (no remount on unrelated reruns), other dates remount it.
    """
    dual = folium.plugins.DualMap(
        location=HOME_CENTER,
        zoom_start=HOME_ZOOM,
        layout="horizontal",
        tiles=None,
        control_scale=False,
        min_zoom=MIN_ZOOM,
        max_zoom=MAX_ZOOM,
    )
    use_local_dual_map_assets(dual, static_url)
    page_header(dual).add_child(folium.Element(MAP_CSS))
    page_header(dual).add_child(folium.Element(_COMPARE_CSS))
    for m, geojsons, label in ((dual.m1, left, left_label), (dual.m2, right, right_label)):
        add_base_layers(m, static_url, narrow=True)
        group = folium.FeatureGroup(name="Territory", control=False)
        add_territory(group, geojsons)
        group.add_to(m)
        _DateLabel(label).add_to(m)
    bounds = _territory_bounds([*left, *right])
    if bounds is not None:
        # Room for the date label and legend above, the scale bar and attribution below.
        dual.fit_bounds(
            bounds, padding_top_left=(12, 140), padding_bottom_right=(12, 56), max_zoom=COMPARE_MAX_FIT_ZOOM
        )
    return dual
