"""Where the map looks: the drawing projection, the extent, and the basemap projected for a view.

Drawn in a Lambert azimuthal equal-area projection (LAEA, WGS84) centred on the extent:
true to scale in every direction at the centre, so the scale bar is right at 51°N
(within 1e-5 across a 100 km view), where Web Mercator would stretch the map 1.6x.
For drawing only: every km² on the image comes from :meth:`Store.area_series`, computed
at import by :func:`layers.areas.area_km2` (``layers.areas.METHOD``), never from the
drawing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from ..errors import InvalidInputError
from .data import Frame, countries, places, plain_text

__all__ = [
    "MIN_SPAN_M",
    "PADDING",
    "Basemap",
    "Extent",
    "View",
    "basemap_for",
    "check_extent",
    "data_extent",
    "frames_view",
    "transformer",
    "view_for",
]

#: Space around the shown snapshots in the default extent, as a share of their width and height.
PADDING = 0.15
#: Narrowest default extent: a small snapshot still shows its surroundings.
MIN_SPAN_M = 40_000.0

#: ``(west, south, east, north)`` in degrees.
Extent = tuple[float, float, float, float]


def check_extent(extent: Sequence[float]) -> Extent:
    """``(west, south, east, north)`` in degrees, checked.

    Raises
    ------
    InvalidInputError
        Unless west < east and south < north, within longitude ±180 and latitude ±85.
    """
    try:
        west, south, east, north = (float(v) for v in extent)
    except (TypeError, ValueError):
        raise InvalidInputError(
            f"extent {extent!r}: give four numbers west,south,east,north in degrees, "
            "e.g. 34.6,50.9,35.8,51.5."
        ) from None
    if not all(np.isfinite([west, south, east, north])):
        raise InvalidInputError("extent: west, south, east and north must be finite numbers of degrees.")
    if not (-180 <= west < east <= 180 and -85 <= south < north <= 85):
        raise InvalidInputError(
            f"extent {west},{south},{east},{north}: expected west < east (longitude -180..180) "
            "and south < north (latitude -85..85), in that order: west,south,east,north."
        )
    return west, south, east, north


@dataclass(frozen=True)
class View:
    """Where the map looks: a LAEA projection centred on the extent, and its bounds in metres."""

    lon_0: float
    lat_0: float
    bounds_m: tuple[float, float, float, float]

    @property
    def crs(self) -> pyproj.CRS:
        """The drawing's projection."""
        return pyproj.CRS.from_proj4(
            f"+proj=laea +lat_0={self.lat_0:.6f} +lon_0={self.lon_0:.6f} +datum=WGS84 +units=m +no_defs"
        )

    def project(self, geoms: Sequence[shapely.Geometry | None] | np.ndarray) -> np.ndarray:
        """Geometries in lon/lat to the drawing's metres."""
        return shapely.transform(np.asarray(geoms, dtype=object), _forward(self.lon_0, self.lat_0))

    def lonlat_bounds(self, margin_deg: float = 0.0) -> Extent:
        """The smallest lon/lat box around the view, grown by ``margin_deg`` on every side."""
        x0, y0, x1, y1 = self.bounds_m
        xs = np.concatenate(
            [np.linspace(x0, x1, 21), np.full(21, x1), np.linspace(x1, x0, 21), np.full(21, x0)]
        )
        ys = np.concatenate(
            [np.full(21, y0), np.linspace(y0, y1, 21), np.full(21, y1), np.linspace(y1, y0, 21)]
        )
        lon, lat = transformer(self.lon_0, self.lat_0).transform(xs, ys, direction="INVERSE")
        return (
            lon.min() - margin_deg,
            lat.min() - margin_deg,
            lon.max() + margin_deg,
            lat.max() + margin_deg,
        )


@lru_cache(maxsize=16)
def transformer(lon_0: float, lat_0: float) -> pyproj.Transformer:
    """Lon/lat (x = longitude) to the metres of the view centred on ``(lon_0, lat_0)``."""
    crs = View(lon_0, lat_0, (0, 0, 0, 0)).crs
    return pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def _forward(lon_0: float, lat_0: float) -> Callable[[np.ndarray], np.ndarray]:
    forward_transformer = transformer(lon_0, lat_0)

    def forward(xy: np.ndarray) -> np.ndarray:
        x, y = forward_transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return forward


def view_for(extent: Sequence[float], aspect: float, *, pad: bool) -> View:
    """The view of a lon/lat box, widened to the map's ``aspect`` (width / height) without cropping.

    With ``pad`` (the default extent, from the data) the box grows by ``PADDING`` on every
    side and to at least ``MIN_SPAN_M`` across; a box the user gave is kept as it is.
    """
    west, south, east, north = extent
    lon_0, lat_0 = round((west + east) / 2, 4), round((south + north) / 2, 4)
    lon = np.concatenate(
        [np.linspace(west, east, 21), np.full(21, east), np.linspace(east, west, 21), np.full(21, west)]
    )
    lat = np.concatenate(
        [np.full(21, south), np.linspace(south, north, 21), np.full(21, north), np.linspace(north, south, 21)]
    )
    x, y = transformer(lon_0, lat_0).transform(lon, lat)
    x0, x1, y0, y1 = float(x.min()), float(x.max()), float(y.min()), float(y.max())
    if pad:
        dx, dy = (x1 - x0) * PADDING, (y1 - y0) * PADDING
        x0, x1, y0, y1 = x0 - dx, x1 + dx, y0 - dy, y1 + dy
        for low, high in ((0, 1), (2, 3)):
            box = [x0, x1, y0, y1]
            span = box[high] - box[low]
            if span < MIN_SPAN_M:
                middle = (box[high] + box[low]) / 2
                box[low], box[high] = middle - MIN_SPAN_M / 2, middle + MIN_SPAN_M / 2
            x0, x1, y0, y1 = box
    width, height = x1 - x0, y1 - y0
    if width / height < aspect:
        grow = (height * aspect - width) / 2
        x0, x1 = x0 - grow, x1 + grow
    else:
        grow = (width / aspect - height) / 2
        y0, y1 = y0 - grow, y1 + grow
    return View(lon_0, lat_0, (x0, y0, x1, y1))


def data_extent(frames: Sequence[Frame]) -> Extent | None:
    """The lon/lat bounds of every feature the frames show, or None if they show none."""
    boxes = [s.features.total_bounds for f in frames for s in f.snapshots if len(s.features)]
    boxes = [b for b in boxes if np.all(np.isfinite(b))]
    if not boxes:
        return None
    stacked = np.array(boxes)
    return (stacked[:, 0].min(), stacked[:, 1].min(), stacked[:, 2].max(), stacked[:, 3].max())


def frames_view(frames: Sequence[Frame], extent: Extent | None, aspect: float) -> View:
    """One view for all ``frames``: ``extent`` as given, or their data's bounds padded.

    Raises
    ------
    InvalidInputError
        With no ``extent`` when the snapshots shown have no features.
    """
    if extent is not None:
        return view_for(extent, aspect, pad=False)
    data = data_extent(frames)
    if data is None:
        raise InvalidInputError(
            "nothing to draw: the snapshots shown have no features; "
            "give --extent W,S,E,N to draw the basemap alone."
        )
    return view_for(data, aspect, pad=True)


@dataclass(frozen=True)
class Basemap:
    """Countries and places for one view, projected once and reused by every frame."""

    #: ``(name, fill colour, outline in the view's metres)``, in the basemap file's order.
    countries: tuple[tuple[str, str, BaseGeometry], ...]
    #: ``(name, kind, x, y)``, cities first, then towns, then villages, each by name.
    places: tuple[tuple[str, str, float, float], ...]


def basemap_for(view: View) -> Basemap:
    """The countries clipped to (a little beyond) the view, and the places inside it."""
    west, south, east, north = view.lonlat_bounds(margin_deg=0.5)
    table = countries()
    clipped = shapely.clip_by_rect(table.geometry.values, west, south, east, north)
    x0, y0, x1, y1 = view.bounds_m
    mx, my = (x1 - x0) * 0.05, (y1 - y0) * 0.05
    projected = shapely.clip_by_rect(view.project(clipped), x0 - mx, y0 - my, x1 + mx, y1 + my)
    drawn = tuple(
        (name, fill, shapely.orient_polygons(geom))
        for name, fill, geom in zip(table["name"], table["fill"], projected, strict=True)
        if geom is not None and not geom.is_empty
    )
    gazetteer = places()
    inside = gazetteer[gazetteer["lon"].between(west, east) & gazetteer["lat"].between(south, north)]
    x, y = transformer(view.lon_0, view.lat_0).transform(inside["lon"].to_numpy(), inside["lat"].to_numpy())
    rank = {"city": 0, "town": 1, "village": 2}
    rows = sorted(
        (
            (plain_text(n), k, float(px), float(py))
            for n, k, px, py in zip(inside["name"], inside["kind"], x, y, strict=True)
            if x0 <= px <= x1 and y0 <= py <= y1
        ),
        key=lambda r: (rank.get(r[1], 3), r[0]),
    )
    return Basemap(drawn, tuple(rows))
