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
    "MAX_LAT",
    "MAX_REACH_DEG",
    "MIN_EXTENT_DEG",
    "MIN_SPAN_M",
    "PADDING",
    "Basemap",
    "Extent",
    "View",
    "basemap_for",
    "check_extent",
    "data_extent",
    "frames_view",
    "screen_extent",
    "transformer",
    "view_for",
]

#: Space around the shown snapshots in the default extent, as a share of their width and height.
PADDING = 0.15
#: Narrowest default extent: a small snapshot still shows its surroundings.
MIN_SPAN_M = 40_000.0

#: Southernmost and northernmost latitude an extent may reach.
MAX_LAT = 85.0
#: Smallest extent, in degrees each way.
MIN_EXTENT_DEG = 0.001
#: Farthest a point of an extent may be from its centre, in degrees on the sphere: a hemisphere.
MAX_REACH_DEG = 90.0

#: ``(west, south, east, north)`` in degrees.
Extent = tuple[float, float, float, float]


def check_extent(extent: Sequence[float]) -> Extent:
    """``(west, south, east, north)`` in degrees, checked; refused (never clamped) when it cannot be drawn.

    What a drawable extent is, and why:

    - four finite numbers, west < east and south < north (a box across the antimeridian,
      west > east, is refused: give it as two maps, or widen it);
    - longitude within -180..180 and latitude within ``-MAX_LAT..MAX_LAT`` (85°, as web
      maps: nearer the poles there is neither basemap nor anything to report);
    - at least ``MIN_EXTENT_DEG`` (0.001°, about 100 m) each way: a smaller box draws
      nothing readable and makes the scale bar search for a length of centimetres;
    - at most a hemisphere: every point of the box within ``MAX_REACH_DEG`` (90°) of its
      centre. The map is drawn in an azimuthal projection centred on the box, which sends
      the point opposite the centre to infinity (a whole-world box ended in a NaN axis)
      and stretches everything past 90° beyond use. At the equator that is 180° of
      longitude; a polar cap may go all the way round.

    Raises
    ------
    InvalidInputError
        Saying which rule the extent breaks and what to give instead.
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
    if not (-180 <= west < east <= 180 and -MAX_LAT <= south < north <= MAX_LAT):
        raise InvalidInputError(
            f"extent {west},{south},{east},{north}: expected west < east (longitude -180..180) "
            f"and south < north (latitude -{MAX_LAT:g}..{MAX_LAT:g}), in that order: west,south,east,north."
        )
    if min(east - west, north - south) < MIN_EXTENT_DEG - 1e-9:
        raise InvalidInputError(
            f"extent {west},{south},{east},{north}: too small to draw; give at least "
            f"{MIN_EXTENT_DEG:g}° (about 100 m) from west to east and from south to north."
        )
    reach = _reach_deg((west, south, east, north))
    if reach > MAX_REACH_DEG + 1e-9:
        raise InvalidInputError(
            f"extent {west},{south},{east},{north}: reaches {reach:.0f}° from its centre; the map "
            "is drawn centred on the extent and shows at most a hemisphere "
            f"({MAX_REACH_DEG:g}° from the centre, e.g. 180° of longitude at the equator). "
            "Give a smaller extent."
        )
    return west, south, east, north


def _edge(extent: Extent, count: int = 21) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes of ``count`` points along each side of a lon/lat box."""
    west, south, east, north = extent
    lon = np.concatenate(
        [
            np.linspace(west, east, count),
            np.full(count, east),
            np.linspace(east, west, count),
            np.full(count, west),
        ]
    )
    lat = np.concatenate(
        [
            np.full(count, south),
            np.linspace(south, north, count),
            np.full(count, north),
            np.linspace(north, south, count),
        ]
    )
    return lon, lat


def _reach_deg(extent: Extent) -> float:
    """The largest angle, in degrees on the sphere, from the box's centre to a point of its edge."""
    west, south, east, north = extent
    lon_0, lat_0 = np.radians((west + east) / 2), np.radians((south + north) / 2)
    lon, lat = (np.radians(v) for v in _edge(extent, 181))
    cosine = np.sin(lat_0) * np.sin(lat) + np.cos(lat_0) * np.cos(lat) * np.cos(lon - lon_0)
    return float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))).max())


def screen_extent(bounds: Sequence[float] | None) -> Extent | None:
    """The drawable part of a view a browser map reported, or None if it has none.

    Unlike a typed ``--extent``, a view on screen is clamped: a zoomed-out web map reports
    longitudes past ±180 and latitudes to the poles. The box is cut to longitude -180..180
    and latitude ``-MAX_LAT..MAX_LAT``; None when it is not four finite numbers or what
    is left fails :func:`check_extent` (e.g. wider than a hemisphere).
    """
    try:
        west, south, east, north = (float(v) for v in bounds or ())
    except (TypeError, ValueError):
        return None
    clamped = (
        max(west, -180.0),
        max(south, -MAX_LAT),
        min(east, 180.0),
        min(north, MAX_LAT),
    )
    try:
        return check_extent(clamped)
    except InvalidInputError:
        return None


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
    lon, lat = _edge((west, south, east, north))
    x, y = transformer(lon_0, lat_0).transform(lon, lat)
    x0, x1, y0, y1 = float(x.min()), float(x.max()), float(y.min()), float(y.max())
    if not all(np.isfinite([x0, x1, y0, y1])) or x1 <= x0 or y1 <= y0:
        raise InvalidInputError(
            f"extent {west},{south},{east},{north} cannot be drawn centred on itself; "
            "give a smaller extent (at most a hemisphere)."
        )
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
