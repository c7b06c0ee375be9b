"""Areas on the WGS84 ellipsoid, clipping to country borders, and area tables per side and status.

- :mod:`.measure`: :func:`area_km2` (equal-area projection plus a geodesic edge term, within
  0.01 % of ``pyproj.Geod``) and its reference :func:`geodesic_area_km2`; the method and its
  accuracy are described there.
- :mod:`.borders`: the bundled country borders and geometries clipped to one of them.
- :mod:`.edges` and :mod:`.clipping`: the area of a polygon within a border summed over the
  edges of the intersection, without building it (:func:`clipped_area_km2`).
- :mod:`.tables`: km² per side and status, unclipped and within borders (:func:`area_table`).

The change between two snapshots is in :mod:`layers.change`.
"""

from ..schema import ANYWHERE
from .borders import BORDERS_PATH, BORDERS_SOURCE, clip_to_country, country_border, load_borders
from .clipping import clipped_area_km2
from .measure import (
    EQUAL_AREA_CRS,
    MAX_EDGE_M,
    MAX_LAT,
    METHOD,
    area_km2,
    geodesic_area_km2,
    note_valid,
    polygonal_part,
)
from .tables import AREA_COLUMNS, area_rows, area_summary, area_table

__all__ = [
    "ANYWHERE",
    "AREA_COLUMNS",
    "BORDERS_PATH",
    "BORDERS_SOURCE",
    "EQUAL_AREA_CRS",
    "MAX_EDGE_M",
    "MAX_LAT",
    "METHOD",
    "area_km2",
    "area_rows",
    "area_summary",
    "area_table",
    "clip_to_country",
    "clipped_area_km2",
    "country_border",
    "geodesic_area_km2",
    "load_borders",
    "note_valid",
    "polygonal_part",
]
