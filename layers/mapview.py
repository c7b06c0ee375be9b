"""The folium map: a constant base map and the dated content as feature groups.

The base map (view, basemap drawn from our own vector borders, place labels,
controls, legend) is built with constant arguments so that streamlit-folium sees the
same component on every rerun and never remounts it: zoom and centre stay where the
reader left them. The date's territory and events travel as feature groups
(``st_folium(feature_group_to_add=...)``), which the component swaps in place.

Every string that reaches the browser from data is escaped here, server-side:
Leaflet tooltips take HTML, and script in the map iframe runs in the app's origin.
Only this module imports folium.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import folium
import folium.plugins
import geopandas as gpd
import numpy as np
import shapely
from branca.element import MacroElement
from jinja2 import Template

from . import schema, style
from .text import escape_html

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


def detail_for_zoom(zoom) -> Detail:
    """The level of detail to send for a map at ``zoom`` (full detail when unknown)."""
    try:
        zoom = float(zoom)
    except (TypeError, ValueError):
        return FULL_DETAIL
    return next((d for d in DETAILS if zoom <= d.max_zoom), FULL_DETAIL)


def display_geometries(geoms, groups, detail: Detail) -> np.ndarray:
    """``geoms`` simplified for ``detail`` and rounded to its decimals.

    Each group of ``groups`` (one label per geometry; e.g. held and contested zones, which
    tile the ground between them, apart from claimed areas drawn over them) is simplified
    as one coverage, so that shared edges stay shared. A group that is not a valid
    coverage (its zones overlap) is simplified zone by zone, keeping each zone's topology.
    Rounding after simplification keeps shared vertices shared.
    """
    geoms = np.asarray(geoms, dtype=object)
    if detail.tolerance_m > 0 and len(geoms):
        tolerance = detail.tolerance_m / _M_PER_DEGREE
        out = geoms.copy()
        groups = np.asarray(groups, dtype=object)
        for label in dict.fromkeys(groups.tolist()):
            where = np.flatnonzero((groups == label) & ~shapely.is_missing(geoms) & ~shapely.is_empty(geoms))
            if not len(where):
                continue
            part = geoms[where]
            polygonal = all(shapely.get_type_id(g) in (3, 6) for g in part)
            if polygonal and shapely.coverage_is_valid(part):
                out[where] = shapely.coverage_simplify(part, tolerance)
            else:
                out[where] = shapely.simplify(part, tolerance, preserve_topology=True)
        geoms = out
    return _round_coordinates(geoms, detail.decimals)


def _htmlsafe(text: str) -> str:
    """JSON text made safe inside a <script>, exactly as folium's ``tojson`` escapes it."""
    return (
        text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e").replace("'", "\\u0027")
    )


#: The JavaScript function, defined by the base map, that turns ``territory_encoded``
#: data back into GeoJSON in the browser.
DECODER = "window.frontlineDecode"


def _encode_ring(coordinates: np.ndarray, decimals: int) -> str:
    """A ring's coordinates in the encoded polyline format (Google's algorithm), x then y.

    Integers at ``10**decimals``, each the difference from the previous vertex, zigzagged
    and written 5 bits to a character (ASCII 63-126): ~3 bytes a vertex at 3 decimals,
    ~7 at 5, against ~16 and ~20 as JSON numbers.
    """
    integers = np.round(np.asarray(coordinates, dtype=float)[:, :2] * 10**decimals).astype(np.int64)
    deltas = np.diff(integers, axis=0, prepend=np.zeros((1, 2), dtype=np.int64)).ravel()
    values = np.where(deltas < 0, ~(deltas << 1), deltas << 1)
    # Up to 8 five-bit chunks a value (40 bits), low bits first; every chunk but a value's
    # last carries 0x20. Done on whole arrays: a Python loop took ~10 ms a snapshot.
    chunks = (values[:, None] >> (5 * np.arange(8))) & 0x1F
    more = (values[:, None] >> (5 * np.arange(1, 9))) > 0
    used = np.concatenate([np.ones((len(values), 1), dtype=bool), more[:, :-1]], axis=1)
    codes = (chunks | np.where(more, 0x20, 0)) + 63
    return codes[used].astype(np.uint8).tobytes().decode("ascii")


def encode_geometry(geometry, decimals: int) -> dict | None:
    """A polygon or multipolygon as ``{"type", "e": encoded rings, "p": decimals}``; any
    other geometry as plain GeoJSON (``DECODER`` passes it through)."""
    if geometry is None or geometry.is_empty:
        return None
    if geometry.geom_type == "Polygon":
        rings = [geometry.exterior, *geometry.interiors]
        return {"type": "Polygon", "e": [_encode_ring(r.coords, decimals) for r in rings], "p": decimals}
    if geometry.geom_type == "MultiPolygon":
        return {
            "type": "MultiPolygon",
            "p": decimals,
            "e": [
                [_encode_ring(r.coords, decimals) for r in (part.exterior, *part.interiors)]
                for part in geometry.geoms
            ],
        }
    return json.loads(shapely.to_geojson(geometry))


def _decoder() -> _Script:
    # Constant code; the inverse of _encode_ring, run on each group's data before Leaflet adds it.
    return _Script(
        DECODER + " = function (collection) {"
        " function ring(text, scale) {"
        "  var out = [], index = 0, x = 0, y = 0, axis = 0;"
        "  while (index < text.length) {"
        "   var result = 0, shift = 0, byte;"
        "   do { byte = text.charCodeAt(index++) - 63; result |= (byte & 0x1f) << shift; shift += 5; } while (byte >= 0x20);"
        "   var delta = (result & 1) ? ~(result >> 1) : (result >> 1);"
        "   if (axis === 0) { x += delta; axis = 1; } else { y += delta; axis = 0; out.push([x / scale, y / scale]); }"
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


class _Script(MacroElement):
    """A fixed snippet of JavaScript run in the map's context (trusted, constant code only)."""

    _template = Template("{% macro script(this, kwargs) %}{{ this.code }}{% endmacro %}")

    def __init__(self, code: str):
        super().__init__()
        self._name = "Script"
        self.code = code


def _forget_removed_groups() -> _Script:
    # streamlit-folium pushes every dynamic group onto window.feature_group and never
    # drops removed ones (randyzwitch/streamlit-folium#247), and its frontend appends
    # the same <style> to the page on every update: both grow the browser's memory with
    # every slider step. Runs on each update, after the old groups are removed.
    return _Script(
        "window.feature_group = (window.feature_group || []).filter("
        "function (layer) { return window.map && window.map.hasLayer(layer); });"
        "(function () { var seen = {}; document.querySelectorAll('head > style').forEach(function (node) {"
        " if (seen[node.textContent]) { node.remove(); } else { seen[node.textContent] = true; } }); })();"
    )


class _Basemap(MacroElement):
    """Countries and place names drawn from our own files, fetched once from the app."""

    _template = Template(
        """{% macro script(this, kwargs) %}
(function (map) {
  fetch({{ (this.static_url ~ "/basemap/countries.geojson")|tojson }})
    .then(function (response) { return response.json(); })
    .then(function (data) {
      L.geoJSON(data, {pane: "basemap", interactive: false, style: function (feature) {
        return {fillColor: feature.properties.fill, fillOpacity: 1, color: {{ this.border|tojson }}, weight: 1.2};
      }}).addTo(map);
    });
  fetch({{ (this.static_url ~ "/basemap/places.geojson")|tojson }})
    .then(function (response) { return response.json(); })
    .then(function (data) {
      L.geoJSON(data, {pane: "places", interactive: false, pointToLayer: function (feature, latlng) {
        var label = document.createElement("span");
        label.textContent = feature.properties.name;
        return L.circleMarker(latlng, {pane: "places", radius: 2, color: "#333", weight: 1, fillOpacity: 1, interactive: false})
          .bindTooltip(label, {permanent: true, direction: "right", className: "frontline-place", interactive: false});
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
  L.control.scale({imperial: false, maxWidth: 160, position: "bottomleft"}).addTo({{ this._parent.get_name() }});
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


_CSS = """
<style>
.leaflet-container { background: %(sea)s; font-family: "DejaVu Sans", Arial, sans-serif; }
.leaflet-control-attribution, .leaflet-control-scale-line { font-size: 11px !important; }
.frontline-legend { background: rgba(255,255,255,.9); padding: 4px 7px; border-radius: 4px;
  font-size: 11px; line-height: 16px; box-shadow: 0 1px 4px rgba(0,0,0,.3); }
.frontline-legend .title { font-weight: bold; margin-bottom: 2px; }
.frontline-legend .row { display: flex; align-items: center; gap: 6px; }
.frontline-legend .sw { display: inline-block; width: 16px; height: 11px; }
.frontline-legend .conf { font-size: 11px; color: #555; }
.frontline-legend .frontline-event { width: 16px; height: 16px; line-height: 16px; font-size: 10px; }
.frontline-event { width: 20px; height: 20px; border-radius: 50%%; color: #fff; text-align: center;
  line-height: 20px; font-size: 12px; font-weight: bold; box-sizing: border-box; }
.frontline-place { background: transparent; border: 0; box-shadow: none; padding: 0 0 0 2px;
  color: %(label)s; font-size: 11px; text-shadow: 0 0 2px #fff, 0 0 2px #fff; }
.frontline-place::before { display: none; }
.frontline-tip { width: 320px; white-space: normal; font-size: 12px; line-height: 1.35; }
.frontline-tip ul { margin: 2px 0 0 14px; padding: 0; }
</style>
""" % {"sea": style.BASEMAP["sea"], "label": style.BASEMAP["label"]}


def basemap_files() -> dict[str, str]:
    """The offline basemap as GeoJSON texts: ``countries.geojson`` and ``places.geojson``.

    Countries are clipped to ``BASEMAP_EXTENT`` and simplified together with
    ``coverage_simplify``, which keeps neighbours' shared edges identical (no slivers).
    Places are the gazetteer entries marked ``label``.
    """
    from .areas import load_borders
    from .ingest import read_places

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
        "countries.geojson": _feature_collection(borders[["iso3", "name", "fill", "geometry"]], decimals=4),
        "places.geojson": _feature_collection(points, decimals=4),
    }


def _round_coordinates(geoms, decimals: int):
    return shapely.transform(np.asarray(geoms, dtype=object), lambda xy: np.round(xy, decimals))


def _collection_json(properties: list[dict], geometries) -> str:
    """A GeoJSON FeatureCollection string from each feature's properties and geometry JSON
    (None: null); compact and escaped for a <script> as folium's ``tojson`` would."""
    features = ",".join(
        f'{{"type":"Feature","id":"{i}","properties":{json.dumps(props, ensure_ascii=False, separators=(",", ":"))},"geometry":{geometry or "null"}}}'
        for i, (props, geometry) in enumerate(zip(properties, geometries))
    )
    return _htmlsafe(f'{{"type":"FeatureCollection","features":[{features}]}}')


def _feature_collection(gdf: gpd.GeoDataFrame, decimals: int = DISPLAY_DECIMALS) -> str:
    """``gdf`` as a FeatureCollection string (its other columns as properties), coordinates
    rounded to ``decimals``."""
    geoms = _round_coordinates(gdf.geometry.values, decimals)
    return _collection_json(gdf.drop(columns=gdf.geometry.name).to_dict("records"), shapely.to_geojson(geoms))


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
    m.get_root().header.add_child(folium.Element(_CSS))
    _add_base_layers(m, static_url)
    return m


def _add_base_layers(m: folium.Map, static_url: str, narrow: bool = False) -> None:
    """Panes, the offline basemap, the online tile switcher, legend, scale bar and attribution.

    Shared by ``base_map`` and both sides of ``side_by_side_map``. The page CSS
    (``_CSS``) is not added here: it belongs to the figure, which a ``DualMap``'s two
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
    _decoder().add_to(m)


# --- two dates side by side ---------------------------------------------------------

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


class _AttributionBottomLeft(MacroElement):
    _template = Template(
        """{% macro script(this, kwargs) %}
{{ this._parent.get_name() }}.attributionControl.setPosition("bottomleft");
{% endmacro %}"""
    )

    def __init__(self):
        super().__init__()
        self._name = "AttributionBottomLeft"


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
/* A sticky tooltip opens towards the wider side of the cursor: at most half a map (25vw) wide, it is never cut off. */
.frontline-tip { width: clamp(140px, calc(25vw - 36px), 320px); }
</style>
"""


def _territory_bounds(geojsons) -> list[list[float]] | None:
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
    dual.get_root().header.add_child(folium.Element(_CSS))
    dual.get_root().header.add_child(folium.Element(_COMPARE_CSS))
    for m, geojsons, label in ((dual.m1, left, left_label), (dual.m2, right, right_label)):
        _add_base_layers(m, static_url, narrow=True)
        group = folium.FeatureGroup(name="Territory", control=False)
        _add_territory(group, geojsons)
        group.add_to(m)
        _DateLabel(label).add_to(m)
    bounds = _territory_bounds([*left, *right])
    if bounds is not None:
        # Room for the date label and legend above, the scale bar and attribution below.
        dual.fit_bounds(
            bounds, padding_top_left=(12, 140), padding_bottom_right=(12, 56), max_zoom=COMPARE_MAX_FIT_ZOOM
        )
    return dual


def territory_tooltip(layer: str, row: dict, snapshot_as_of) -> str:
    """Tooltip markup of one territory feature; every value escaped.

    The snapshot's age is shown above the map, not here, so that a snapshot's display
    data is the same on every day it is shown and can be prepared once.
    """
    what = style.zone_label(str(row.get("held_by")), str(row.get("status")))
    lines = [
        f"<b>{escape_html(what)}</b>",
        f"Layer: {escape_html(layer)}",
        f"Snapshot: {escape_html(snapshot_as_of)}",
        f"Source: {escape_html(row.get('source', ''))}",
    ]
    if row.get("note"):
        lines.append(f"Note: {escape_html(row['note'])}")
    return "<br>".join(lines)


def event_tooltip(row: dict) -> str:
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


def territory_geojson(snapshot, detail: Detail = FULL_DETAIL, encoded: bool = False) -> str:
    """A snapshot's display data at a level of detail: geometry, style and escaped tooltip only.

    Only these fields travel to the browser. Claimed areas come last so their outline
    stays visible over held ground. Held and contested zones are simplified together as
    one coverage, claimed areas apart (``display_geometries``). ``encoded``: polygons as
    encoded rings (``encode_geometry``), for the main map, whose base map defines
    ``DECODER``; a third of the bytes at full detail, a fifth at country zoom.
    """
    features = snapshot.features
    if not len(features):
        return _collection_json([], [])
    order = {"contested": 0, "held": 1, "claimed": 2}
    rows = features.drop(columns=features.geometry.name).to_dict("records")
    ranks = sorted(range(len(rows)), key=lambda i: order.get(rows[i].get("status"), 3))
    rows = [rows[i] for i in ranks]
    geometries = np.asarray(features.geometry.values, dtype=object)[ranks]
    tips = [territory_tooltip(snapshot.layer, row, snapshot.as_of) for row in rows]
    styles = [style.territory_style(row.get("held_by"), row.get("status")) for row in rows]
    groups = ["claimed" if row.get("status") == "claimed" else "ground" for row in rows]
    geoms = display_geometries(geometries, groups, detail)
    if encoded:
        shapes = [
            None if g is None else json.dumps(g, separators=(",", ":"))
            for g in (encode_geometry(geom, detail.decimals) for geom in geoms)
        ]
    else:
        shapes = shapely.to_geojson(geoms)
    return _collection_json([{"tip": tip, "style": style_} for tip, style_ in zip(tips, styles)], shapes)


def territory_group(geojsons) -> folium.FeatureGroup:
    """One feature group holding the given snapshots' display data (``territory_geojson``).

    No ``style_function``: Leaflet applies each feature's ``style`` property itself,
    which spares folium a Python call per feature on every slider step.
    """
    group = folium.FeatureGroup(name="Territory", control=True)
    _forget_removed_groups().add_to(group)
    _add_territory(group, geojsons)
    return group


def _add_territory(parent, geojsons) -> None:
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
    _forget_removed_groups().add_to(group)
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
            _feature_collection(display),
            marker=folium.Marker(
                icon=folium.DivIcon(
                    html="", icon_size=(20, 20), icon_anchor=(10, 10), class_name="frontline-event-icon"
                )
            ),
            style_function=lambda feature: {"html": feature["properties"]["html"]},
            tooltip=folium.GeoJsonTooltip(["tip"], labels=False, sticky=True, class_name="frontline-tip"),
        ).add_to(group)
    return group


def change_style(side: str, change: str) -> dict:
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


PREVIOUS_STYLE = {"color": "#424242", "weight": 2, "dashArray": "6 4", "fill": False}


def change_group(
    previous: gpd.GeoDataFrame | None,
    diff: gpd.GeoDataFrame,
    previous_as_of=None,
    name: str = "Change against the previous snapshot",
) -> folium.FeatureGroup:
    """The previous snapshot's outline and the ground gained and lost: an editor's preview,
    or a reader's change between two dates.

    ``diff`` is ``areas.gained_and_lost(previous, new)`` (or several layers' concatenated);
    ``previous`` may be None to draw the change alone.
    """
    group = folium.FeatureGroup(name=name, control=True)
    _forget_removed_groups().add_to(group)
    if previous is not None and len(previous):
        outline = gpd.GeoDataFrame(
            {
                "tip": [
                    f"Previous snapshot ({escape_html(previous_as_of)}): {escape_html(style.side_name(s))}, {escape_html(t)}"
                    for s, t in zip(previous["held_by"], previous["status"])
                ],
                "style": [PREVIOUS_STYLE] * len(previous),
            },
            geometry=previous.geometry.values,
            crs="EPSG:4326",
        )
        folium.GeoJson(
            _feature_collection(outline),
            tooltip=folium.GeoJsonTooltip(["tip"], labels=False, sticky=True, class_name="frontline-tip"),
        ).add_to(group)
    if len(diff):
        display = gpd.GeoDataFrame(
            {
                "tip": [
                    f"<b>{escape_html(c.capitalize())} by {escape_html(style.side_name(s))}</b>: {a:,.1f} km²"
                    for s, c, a in zip(diff["held_by"], diff["change"], diff["area_km2"])
                ],
                "style": [change_style(side, c) for side, c in zip(diff["held_by"], diff["change"])],
            },
            geometry=diff.geometry.values,
            crs="EPSG:4326",
        )
        folium.GeoJson(
            _feature_collection(display),
            tooltip=folium.GeoJsonTooltip(["tip"], labels=False, sticky=True, class_name="frontline-tip"),
        ).add_to(group)
    return group
