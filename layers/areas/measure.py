"""Areas on the WGS84 ellipsoid: an equal-area projection corrected to geodesic edges.

Method
------
The reference is the geodesic area (Karney's algorithm, GeographicLib, via ``pyproj.Geod``),
kept as :func:`geodesic_area_km2`. :func:`area_km2` stays within 0.01 % of it, vectorised and
several times faster (figures in ``benchmarks/README.md``): vertices go through an equal-area
projection, EPSG:6933 (WGS 84 / NSIDC EASE-Grid 2.0 Global, cylindrical equal-area on the
WGS84 ellipsoid), with a cached ``pyproj.Transformer``; ``shapely.area`` measures the
projected polygons; and a closed-form term per edge adds the sliver between the straight
projected edge and the geodesic edge that ``Geod`` measures. Never degrees, never Web
Mercator (about 2.5x too large at 51°N).

Why an edge term rather than densifying. A geodesic bows poleward of the straight line in the
projection by about L² tan φ / 8R, a sliver of about L³ tan φ / 12R: 1.5 km² for a 50 km edge
at 51°N. Measured against ``Geod`` (relative difference):

=========================================  ===========  ============  =========
shape                                      projection   + segmentize  + edge
                                           alone        0.01°         term
=========================================  ===========  ============  =========
DeepStateMap snapshot (3,000 vertices)     5e-6         5e-6          3e-13
  the same clipped to Russia (~1,000 km²)  4e-5         3e-5          1e-11
Ukrainian border                           1e-6         4e-7          1e-12
Kursk layer, worst of 49 features          5e-5         3e-5          4e-12
hand-drawn pentagon, 50 km edges, 51°N     3.2e-4       2.2e-4        4e-9
2°x2° box                                  8e-5         8e-5          1e-8
4°x4° box with a 2°x2° hole                3.9e-4       3.9e-4        2e-7
50 km chord over a 2 km deep arc, 51°N     2.6e-2       2.6e-2        4e-8
Russian border (1,100 km edge at 60°N)     1.6e-2       1.6e-2        2.4e-5
=========================================  ===========  ============  =========

The projection alone fails coarse shapes: the slivers cancel only where edges are short or
evenly spread round the polygon. ``shapely.segmentize`` in degrees does not help: it adds
points on the straight line in lon/lat (a parallel for an east-west edge), not on the
geodesic. Densifying along geodesics with ``Geod.inv``/``Geod.fwd`` does converge, but is
slow and still needs short pieces: with 2 km pieces the chord above is at 3.8e-5 and a
snapshot's area costs well over half of what ``Geod`` costs; with 5 km pieces it costs less
but is at 2.1e-4 (figures in ``benchmarks/README.md``).

The edge term is the geodesic's second-order offset from the straight line (from the
Christoffel symbols of the ellipsoid in lon/lat, at the edge's middle latitude φ), integrated
as a parabola: ``-sin φ / 12 · Δλ · (N² cos² φ Δλ² + 3 M² Δφ²)`` m² per edge, with N and M the
prime vertical and meridional radii of curvature and Δλ, Δφ in radians, for shells
counter-clockwise and holes clockwise (``shapely.orient_polygons``). It vanishes on meridians
and its error grows as L⁵. Worst case, a 100 km chord over a 5 km deep arc:
2e-7 at 51°N, 9e-6 at 70°, 9e-5 at 80° (azimuths every 15°).

Hence the domain. A geometry with an edge longer than ``MAX_EDGE_M`` (100 km), a vertex beyond
±``MAX_LAT`` (70°), or an edge across the antimeridian (|Δλ| ≥ 180°: straight in the projection
it goes the long way round, 180 times too large for a 2° box at 180°, and PROJ wraps
longitudes beyond ±180°) is measured by ``Geod`` instead. Polygons split at ±180°, as Natural
Earth splits Chukotka, need no fallback. The bundled Russian border stops at 50°E and does not
reach the antimeridian; its 1,100 km clip-box edges send it to ``Geod``. DeepStateMap
snapshots (longest edge 20 km) and their clips stay in the domain.

Speed is measured by ``benchmarks/areas.py`` on DeepStateMap daily snapshots, three areas per
snapshot as at import (unclipped, in Russia, in Ukraine), against ``Geod``; its figures, and
the share of ``shapely.make_valid`` that both methods run first, are in
``benchmarks/README.md``.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from functools import lru_cache
from typing import TypeAlias

import numpy as np
import pyproj
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

__all__ = [
    "EQUAL_AREA_CRS",
    "Geometries",
    "MAX_EDGE_M",
    "MAX_LAT",
    "METHOD",
    "area_km2",
    "edge_term",
    "equal_area_km2",
    "geodesic_area_km2",
    "note_valid",
    "polygonal_part",
    "project",
    "repaired",
    "valid_polygons",
]

#: Shapely geometries (None allowed) in lon/lat: a list, a numpy object array, a GeoSeries' values.
Geometries: TypeAlias = Sequence[BaseGeometry | None] | np.ndarray

METHOD = (
    "equal-area projection EPSG:6933 on the WGS84 ellipsoid, corrected to geodesic edges "
    "(within 0.01 % of the geodesic area, pyproj.Geod)"
)
#: Equal-area CRS: WGS 84 / NSIDC EASE-Grid 2.0 Global, cylindrical equal-area on the WGS84 ellipsoid.
EQUAL_AREA_CRS = "EPSG:6933"
#: Longest edge, in metres, for which :func:`area_km2` trusts the projection and edge term.
MAX_EDGE_M = 100_000.0
#: Largest |latitude|, in degrees, for which it does; beyond either, ``Geod`` measures the geometry.
MAX_LAT = 70.0

_GEOD = pyproj.Geod(ellps="WGS84")
_E2 = _GEOD.es


def area_km2(geoms: Geometries) -> np.ndarray:
    """Area of each geometry on the WGS84 ellipsoid in km², within 0.01 % of ``Geod``.

    Parameters
    ----------
    geoms : array-like of shapely geometries in lon/lat (EPSG:4326)

    Returns
    -------
    numpy.ndarray of float
        Area in km²; 0 for None, empty and non-polygonal geometries.

    Notes
    -----
    Geometries are repaired first (``shapely.make_valid``), so a self-intersecting ring
    is split rather than cancelled out, and only the polygonal part of a collection
    counts. Then: equal-area projection plus the geodesic edge term (module docstring),
    and :func:`geodesic_area_km2` for the geometries outside that method's domain.
    """
    geoms = np.asarray(geoms, dtype=object)
    areas = np.zeros(len(geoms))
    polygons = valid_polygons(geoms)
    present = np.flatnonzero(~shapely.is_missing(polygons) & ~shapely.is_empty(polygons))
    if present.size:
        projected, in_domain = equal_area_km2(polygons[present])
        areas[present] = projected
        outside = present[~in_domain]
        if outside.size:
            areas[outside] = geodesic_area_km2(polygons[outside])
    return areas


def geodesic_area_km2(geoms: Geometries) -> np.ndarray:
    """Geodesic area of each geometry in km² with ``pyproj.Geod``: the reference for :func:`area_km2`.

    One geometry at a time, in Python: the slow, exact reference (its cost per vertex is
    in ``benchmarks/README.md``).

    Notes
    -----
    ``Geod.geometry_area_perimeter`` returns a signed area and adds holes with their
    own sign, so polygons are repaired and oriented (shells counter-clockwise, holes
    clockwise) first; a self-intersecting ring would otherwise cancel itself out.
    """
    geoms = np.asarray(geoms, dtype=object)
    prepared = shapely.orient_polygons(shapely.make_valid(geoms), exterior_cw=False)
    areas = np.zeros(len(prepared))
    for i, geom in enumerate(prepared):
        if geom is None or geom.is_empty:
            continue
        polygonal = polygonal_part(geom)
        if polygonal is not None:
            areas[i] = abs(_GEOD.geometry_area_perimeter(polygonal)[0]) / 1e6
    return areas


@lru_cache(maxsize=1)
def _to_equal_area() -> pyproj.Transformer:
    """lon/lat (EPSG:4326) to EPSG:6933, x east and y north (pyproj Transformers are thread-safe)."""
    return pyproj.Transformer.from_crs("EPSG:4326", EQUAL_AREA_CRS, always_xy=True)


def project(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes (degrees) to EPSG:6933 x and y (metres), with PROJ's transformation."""
    return _to_equal_area().transform(lon, lat)


def valid_polygons(geoms: np.ndarray) -> np.ndarray:
    """Repaired geometries reduced to their polygonal part, oriented for :func:`equal_area_km2`.

    Parameters
    ----------
    geoms : numpy.ndarray of shapely geometries (object dtype)

    Returns
    -------
    numpy.ndarray of shapely geometries
        Per geometry, ``shapely.make_valid`` of it reduced to its Polygons and MultiPolygons
        (None where it has none: points, lines, None), shells counter-clockwise and holes
        clockwise.
    """
    valid = shapely.make_valid(geoms)
    kind = shapely.get_type_id(valid)
    polygonal = (kind == shapely.GeometryType.POLYGON) | (kind == shapely.GeometryType.MULTIPOLYGON)
    polygons = np.where(polygonal, valid, np.array(None, dtype=object))
    for i in np.flatnonzero(kind == shapely.GeometryType.GEOMETRYCOLLECTION):
        polygons[i] = polygonal_part(valid[i])
    return shapely.orient_polygons(polygons, exterior_cw=False)


def equal_area_km2(polygons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Equal-area projection plus the geodesic edge term, without the fallback to ``Geod``.

    Parameters
    ----------
    polygons : numpy.ndarray of shapely geometries
        Non-empty Polygons and MultiPolygons oriented as :func:`valid_polygons` leaves them.

    Returns
    -------
    km2 : numpy.ndarray of float
        The area; NaN where a coordinate is not a longitude/latitude (|lon| > 180°,
        |lat| > 90°, not finite), which the projection cannot take.
    in_domain : numpy.ndarray of bool
        Whether the geometry is inside the domain where ``km2`` is within about 1e-5 of ``Geod``:
        no edge longer than ``MAX_EDGE_M`` or across the antimeridian, no vertex beyond
        ±``MAX_LAT``.
    """
    count = len(polygons)
    parts, part_of = shapely.get_parts(polygons, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    ring_len = shapely.get_num_coordinates(rings)
    lon, lat = shapely.get_coordinates(rings).T
    vertex_of = np.repeat(part_of[ring_part], ring_len)
    # Edge i joins vertex i to i + 1, except from the last vertex of one ring to the first of the next.
    joins = np.ones(max(len(lon) - 1, 0), dtype=bool)
    joins[np.cumsum(ring_len)[:-1] - 1] = False
    a = np.flatnonzero(joins)
    b = a + 1
    edge_of = vertex_of[a]
    dlon_deg = lon[b] - lon[a]
    sliver, length2 = edge_term(lon[a], lat[a], lon[b], lat[b])
    term = np.bincount(edge_of, weights=sliver, minlength=count)

    lonlat = (np.abs(lon) <= 180) & (np.abs(lat) <= 90)  # False for NaN too
    projectable = np.ones(count, dtype=bool)
    projectable[vertex_of[~lonlat]] = False
    in_domain = projectable.copy()
    in_domain[vertex_of[np.abs(lat) > MAX_LAT]] = False
    in_domain[edge_of[(length2 > MAX_EDGE_M**2) | (np.abs(dlon_deg) >= 180)]] = False
    km2 = np.full(count, np.nan)
    # The stub types only the interleaved form of the callback; this one takes x and y apart.
    projected = shapely.transform(polygons[projectable], project, interleaved=False)  # type: ignore[arg-type]
    planar = shapely.area(projected)
    km2[projectable] = np.abs(planar + term[projectable]) / 1e6
    return km2, in_domain


def edge_term(
    lon_a: np.ndarray, lat_a: np.ndarray, lon_b: np.ndarray, lat_b: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Per edge a→b (degrees): the geodesic edge term in m² and the squared length in m².

    The term is the sliver between the straight projected edge and the geodesic, signed
    along the ring (shells counter-clockwise); see the module docstring.
    """
    dlon, dlat = np.radians(lon_b - lon_a), np.radians(lat_b - lat_a)
    middle = np.radians((lat_a + lat_b) / 2)
    sin, cos = np.sin(middle), np.cos(middle)
    w2 = 1 - _E2 * sin * sin
    prime_vertical = _GEOD.a / np.sqrt(w2)
    meridional = prime_vertical * (1 - _E2) / w2
    east, north = prime_vertical * cos * dlon, meridional * dlat  # the edge in metres
    east2, north2 = east * east, north * north
    return -sin / 12 * dlon * (east2 + 3 * north2), east2 + north2


def polygonal_part(geom: BaseGeometry) -> BaseGeometry | None:
    """The polygons of a geometry (``make_valid`` can return collections) as one geometry, or None."""
    if isinstance(geom, Polygon | MultiPolygon):
        return geom
    polygons = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polygons) if polygons else None


#: Polygons that validation found valid, by id: ``make_valid`` would return them unchanged,
#: so :func:`repaired` does not check them again. Weak, so an entry goes with its geometry.
_KNOWN_VALID: weakref.WeakValueDictionary[int, BaseGeometry] = weakref.WeakValueDictionary()


def note_valid(geom: Polygon | MultiPolygon) -> None:
    """Record that ``geom`` passed ``is_valid``, so :func:`repaired` need not check it again.

    Shapely geometries are immutable, so the finding holds for as long as the object lives.
    """
    _KNOWN_VALID[id(geom)] = geom


def repaired(geoms: np.ndarray) -> np.ndarray:
    """``shapely.make_valid`` of each geometry, skipping those :func:`note_valid` recorded.

    Parameters
    ----------
    geoms : numpy.ndarray of shapely geometries (object dtype)

    Returns
    -------
    numpy.ndarray of shapely geometries
        A new array: a noted geometry as it is (the same object), any other repaired.
    """
    known = np.array([_KNOWN_VALID.get(id(geom)) is geom for geom in geoms], dtype=bool)
    result = geoms.copy()
    if not known.all():
        result[~known] = shapely.make_valid(geoms[~known])
    return result
