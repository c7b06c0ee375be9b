"""The constant part of the map, built with folium: Leaflet served by the app, the
offline basemap, panes, the online tile switcher, legend, scale bar and attribution.

The base map is built with constant arguments so that streamlit-folium sees the same
component on every rerun and never remounts it: zoom and centre stay where the reader
left them. The date's content travels as feature groups (``groups``).
"""

from __future__ import annotations

from typing import cast

import folium
import folium.plugins
import geopandas as gpd
import shapely
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

from .. import style
from ..areas import load_borders
from ..ingest import read_places
from ..text import escape_html
from .display import (
    BASEMAP_EXTENT,
    BASEMAP_SIMPLIFY,
    HOME_CENTER,
    HOME_ZOOM,
    MAX_ZOOM,
    MIN_ZOOM,
    STATIC_URL,
    feature_collection,
)
from .encoding import DECODER_JS

__all__ = [
    "ATTRIBUTION",
    "MAP_CSS",
    "ONLINE_TILES",
    "Script",
    "add_base_layers",
    "page_header",
    "base_map",
    "basemap_files",
    "use_local_assets",
]

ATTRIBUTION = "Borders: Natural Earth 1:10m · Territory and events: see layer sources"

ONLINE_TILES = {
    "OpenStreetMap (online)": (
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "© OpenStreetMap contributors",
    ),
    "CartoDB Positron (online)": (
        "https://{s}.basemaps.cartocdn.com/light_all/{z}/{x}/{y}{r}.png",
        "© OpenStreetMap contributors © CARTO",
    ),
}


def use_local_assets(prefix: str = STATIC_URL) -> None:
    """Load Leaflet from the app's own static files, never from a CDN.

    folium points at public CDNs by default; with no internet the map would stay blank.
    jQuery, Bootstrap and Awesome Markers are dropped: the map uses none of them (jQuery
    serves folium's popups; we have none), and streamlit-folium loads each script in turn
    before drawing the map, so each one left out is a request and a parse less at start. ``prefix`` is the
    URL path of ``static/`` (``app.static_url()`` adds any ``server.baseUrlPath``).
    """
    folium.Map.default_js = [
        ("leaflet", f"{prefix}/vendor/leaflet/leaflet.js"),
    ]
    folium.Map.default_css = [("leaflet_css", f"{prefix}/vendor/leaflet/leaflet.css")]


class Script(MacroElement):
    """A fixed snippet of JavaScript run in the map's context (trusted, constant code only)."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

    def __init__(self, code: str):
        super().__init__()
        self._name = "Script"
        self.code = code


class _Basemap(MacroElement):
    """Countries and place names drawn from our own files, fetched once from the app."""

    _template = Template(
        """{% macro script(this, kwargs) %}
(function (map) {
  fetch({{ (this.static_url ~ "/basemap/countries.geojson")|tojson }})
    .then(function (response) { return response.json(); })
    .then(function (data) {
      L.geoJSON(data, {pane: "basemap", interactive: false, style: function (feature) {
        return {fillColor: feature.properties.fill, fillOpacity: 1,
                color: {{ this.border|tojson }}, weight: 1.2};
      }}).addTo(map);
    });
  fetch({{ (this.static_url ~ "/basemap/places.geojson")|tojson }})
    .then(function (response) { return response.json(); })
    .then(function (data) {
      L.geoJSON(data, {pane: "places", interactive: false, pointToLayer: function (feature, latlng) {
        var label = document.createElement("span");
        label.textContent = feature.properties.name;
        return L.circleMarker(latlng, {pane: "places", radius: 2, color: "#333", weight: 1, fillOpacity: 1,
                                       interactive: false})
          .bindTooltip(label, {permanent: true, direction: "right", className: "frontline-place",
                               interactive: false});
      }}).addTo(map);
    });
})({{ this._parent.get_name() }});
{% endmacro %}"""
    )

    def __init__(self, static_url: str):
        super().__init__()
        self._name = "Basemap"
        self.static_url = static_url
        self.border = style.BASEMAP["border"]


class _Legend(MacroElement):
    _template = Template(
        """{% macro script(this, kwargs) %}
(function () {
  var legend = L.control({position: {{ this.position|tojson }}});
  legend.onAdd = function () {
    var div = L.DomUtil.create("div", "frontline-legend");
    div.innerHTML = {{ this.markup|tojson }};
    return div;
  };
  legend.addTo({{ this._parent.get_name() }});
  L.control.scale({imperial: false, maxWidth: 160, position: "bottomleft"})
    .addTo({{ this._parent.get_name() }});
  {{ this._parent.get_name() }}.attributionControl.setPrefix({{ this.prefix|tojson }});
  {{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.attribution|tojson }});
})();
{% endmacro %}"""
    )

    def __init__(self, position: str = "bottomright", territory_only: bool = False):
        super().__init__()
        self._name = "Legend"
        self.position = position
        entries = style.legend_entries()
        if territory_only:
            # Area swatches only: the events' symbols and rings are left out.
            entries = [(swatch, label) for swatch, label in entries if 'class="sw"' in swatch]
        rows = "".join(
            f'<div class="row">{swatch}<span>{escape_html(label)}</span></div>' for swatch, label in entries
        )
        self.markup = f'<div class="title">Legend</div>{rows}'
        # Leaflet 1.9 puts a national flag in the prefix; a neutral tool shows none (Leaflet#8109).
        self.prefix = "Leaflet"
        self.attribution = ATTRIBUTION


MAP_CSS = """
<style>
.leaflet-container { background: @SEA@; font-family: "DejaVu Sans", Arial, sans-serif; }
.leaflet-control-attribution, .leaflet-control-scale-line { font-size: 11px !important; }
.frontline-legend { background: rgba(255,255,255,.9); padding: 4px 7px; border-radius: 4px;
  font-size: 11px; line-height: 16px; box-shadow: 0 1px 4px rgba(0,0,0,.3); }
.frontline-legend .title { font-weight: bold; margin-bottom: 2px; }
.frontline-legend .row { display: flex; align-items: center; gap: 6px; }
.frontline-legend .sw { display: inline-block; width: 16px; height: 11px; }
.frontline-legend .conf { font-size: 11px; color: #555; }
.frontline-legend .frontline-event { width: 16px; height: 16px; line-height: 16px; font-size: 10px; }
.frontline-event { width: 20px; height: 20px; border-radius: 50%; color: #fff; text-align: center;
  line-height: 20px; font-size: 12px; font-weight: bold; box-sizing: border-box; }
.frontline-place { background: transparent; border: 0; box-shadow: none; padding: 0 0 0 2px;
  color: @LABEL@; font-size: 11px; text-shadow: 0 0 2px #fff, 0 0 2px #fff; }
.frontline-place::before { display: none; }
.frontline-tip { width: 320px; white-space: normal; font-size: 12px; line-height: 1.35; }
.frontline-tip ul { margin: 2px 0 0 14px; padding: 0; }
</style>
""".replace("@SEA@", style.BASEMAP["sea"]).replace("@LABEL@", style.BASEMAP["label"])


class _AttributionBottomLeft(MacroElement):
    _template = Template(
        """{% macro script(this, kwargs) %}
{{ this._parent.get_name() }}.attributionControl.setPosition("bottomleft");
{% endmacro %}"""
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "AttributionBottomLeft"


def page_header(m: folium.Map | folium.plugins.DualMap) -> Element:
    """The ``<head>`` of the page a map is drawn in, where the map's CSS goes."""
    return cast(Figure, m.get_root()).header


def base_map(static_url: str = STATIC_URL) -> folium.Map:
    """The constant part of the map: same arguments on every call, so no remount.

    Parameters
    ----------
    static_url : str
        URL path where the app serves ``static/`` (``/app/static`` unless Streamlit
        runs under a ``server.baseUrlPath``).
    """
    use_local_assets(static_url)
    m = folium.Map(
        location=HOME_CENTER,
        zoom_start=HOME_ZOOM,
        tiles=None,
        control_scale=False,
        min_zoom=MIN_ZOOM,
        max_zoom=MAX_ZOOM,
    )
    page_header(m).add_child(folium.Element(MAP_CSS))
    add_base_layers(m, static_url)
    return m


def add_base_layers(m: folium.Map, static_url: str, narrow: bool = False) -> None:
    """Panes, the offline basemap, the online tile switcher, legend, scale bar and attribution.

    Shared by ``base_map`` and both sides of ``side_by_side_map``. The page CSS
    (``MAP_CSS``) is not added here: it belongs to the figure, which a ``DualMap``'s two
    maps share. ``narrow`` (half-width maps): no online tiles and no switcher, the
    legend's area rows only, at the top right, and the attribution at the bottom left
    under the scale bar, where its wrapped lines cover nothing.
    """
    folium.map.CustomPane("basemap", z_index=150).add_to(m)
    folium.map.CustomPane("places", z_index=620, pointer_events=False).add_to(m)
    _Basemap(static_url).add_to(m)
    if narrow:
        # Before the legend adds the scale bar: bottom corners stack upwards in order added.
        _AttributionBottomLeft().add_to(m)
        _Legend(position="topright", territory_only=True).add_to(m)
        return
    for name, (url, attribution) in ONLINE_TILES.items():
        folium.TileLayer(
            url, name=name, attr=attribution, overlay=True, show=False, control=True, opacity=0.85
        ).add_to(m)
    # In the base map, not passed per step: streamlit-folium would re-create the control
    # on every step, and Leaflet's Control.Layers leaves a map click handler behind that
    # keeps the old control, and through it the old step's layers, alive.
    folium.LayerControl(collapsed=True).add_to(m)
    _Legend().add_to(m)
    Script(DECODER_JS).add_to(m)


# --- two dates side by side ---------------------------------------------------------


def basemap_files() -> dict[str, str]:
    """The offline basemap as GeoJSON texts: ``countries.geojson`` and ``places.geojson``.

    Countries are clipped to ``BASEMAP_EXTENT`` and simplified together with
    ``coverage_simplify``, which keeps neighbours' shared edges identical (no slivers).
    Places are the gazetteer entries marked ``label``.
    """
    borders = load_borders().reset_index()
    borders["geometry"] = borders.geometry.clip_by_rect(*BASEMAP_EXTENT)
    borders = borders[~borders.geometry.is_empty]
    borders["geometry"] = shapely.coverage_simplify(
        shapely.make_valid(borders.geometry.values), BASEMAP_SIMPLIFY
    )
    borders["fill"] = [
        style.BASEMAP["land_focus"].get(code, style.BASEMAP["land"]) for code in borders["iso3"]
    ]
    places = read_places()
    labelled = places[places["label"].astype(int) == 1]
    points = gpd.GeoDataFrame(
        {"name": labelled["name"].astype(str)},
        geometry=gpd.points_from_xy(labelled["lon"].astype(float), labelled["lat"].astype(float)),
        crs="EPSG:4326",
    )
    return {
        "countries.geojson": feature_collection(borders[["iso3", "name", "fill", "geometry"]], decimals=4),
        "places.geojson": feature_collection(points, decimals=4),
    }
