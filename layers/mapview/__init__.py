"""The folium map: a constant base map and the dated content as feature groups.

- ``display``: what the map is sent of a snapshot (levels of detail, display GeoJSON,
  tooltips); no folium.
- ``encoding``: territory as encoded rings and the browser's decoder.
- ``basemap``: the constant base map (Leaflet from the app, offline basemap, legend).
- ``groups``: territory, events and change as feature groups swapped on every step.
- ``compare``: two dates side by side.

Only this package imports folium. Every string that reaches the browser from data is
escaped here, server-side.
"""

from .basemap import ATTRIBUTION, ONLINE_TILES, base_map, basemap_files, use_local_assets
from .compare import COMPARE_MAX_FIT_ZOOM, LEAFLET_SYNC, side_by_side_map, use_local_dual_map_assets
from .display import (
    DETAILS,
    DISPLAY_DECIMALS,
    FULL_DETAIL,
    HOME_CENTER,
    HOME_ZOOM,
    MAX_ZOOM,
    MIN_ZOOM,
    STATIC_URL,
    Detail,
    change_style,
    detail_for_zoom,
    display_geometries,
    event_tooltip,
    territory_geojson,
    territory_tooltip,
)
from .encoding import DECODER, encode_geometry, encode_ring, htmlsafe
from .groups import change_group, events_group, territory_group

__all__ = [
    "ATTRIBUTION",
    "COMPARE_MAX_FIT_ZOOM",
    "DECODER",
    "DETAILS",
    "DISPLAY_DECIMALS",
    "FULL_DETAIL",
    "HOME_CENTER",
    "HOME_ZOOM",
    "LEAFLET_SYNC",
    "MAX_ZOOM",
    "MIN_ZOOM",
    "ONLINE_TILES",
    "STATIC_URL",
    "Detail",
    "base_map",
    "basemap_files",
    "change_group",
    "change_style",
    "detail_for_zoom",
    "display_geometries",
    "encode_geometry",
    "encode_ring",
    "event_tooltip",
    "events_group",
    "htmlsafe",
    "side_by_side_map",
    "territory_geojson",
    "territory_group",
    "territory_tooltip",
    "use_local_assets",
    "use_local_dual_map_assets",
]
