"""Areas on the WGS84 ellipsoid, clipping to country borders, and area tables per side and status.

Method
------
The reference is the geodesic area (Karney's algorithm, GeographicLib, via ``pyproj.Geod``),
kept as :func:`geodesic_area_km2`. :func:`area_km2` stays within 0.01 % of it, vectorised and
about three times faster: vertices go through an equal-area projection, EPSG:6933 (WGS 84 /
NSIDC EASE-Grid 2.0 Global, cylindrical equal-area on the WGS84 ellipsoid), with a cached
``pyproj.Transformer``; ``shapely.area`` measures the projected polygons; and a closed-form
term per edge adds the sliver between the straight projected edge and the geodesic edge that
``Geod`` measures. Never degrees, never Web Mercator (about 2.5x too large at 51°N).

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
slow and still needs short pieces: with 2 km pieces the chord above is at 3.8e-5 and one
snapshot's area costs 4.7 ms against 7.7 ms with ``Geod``; with 5 km pieces, 3.2 ms but 2.1e-4.

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

Speed, on the first 50 DeepStateMap daily snapshots (``benchmarks/areas.py``, three areas per
snapshot as at import: unclipped, in Russia, in Ukraine; ~2,900 vertices): 19 ms a snapshot
with ``Geod``, 5.6 ms with this method (3.4x), largest difference 9e-12. About 1 ms of each
area is ``shapely.make_valid``, which both methods run first.

Clipped areas at import. The method is a sum over edges, so the area of a polygon within a
border is the sum over the edges of their intersection, which are the polygon's edges inside
the border and the border's edges inside the polygon, split where they cross: found without
building the intersection (section "areas of intersections" below), about three times faster
than ``shapely.intersection`` and within 1e-11 of measuring it (``area_rows``; the overlay
is still built for what that cannot decide, e.g. a vertex on the border).
"""

from __future__ import annotations

import weakref
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from .caching import remember
from .errors import InvalidInputError
from .schema import ANYWHERE

METHOD = "equal-area projection EPSG:6933 on the WGS84 ellipsoid, corrected to geodesic edges (within 0.01 % of the geodesic area, pyproj.Geod)"
BORDERS_PATH = Path(__file__).resolve().parent.parent / "geodata" / "borders.geojson"
BORDERS_SOURCE = "Natural Earth 1:10m admin-0 (world-atlas 2.0.2), Crimea assigned to Ukraine"
#: Columns of an area table, in order.
AREA_COLUMNS = ["held_by", "status", "within", "area_km2"]
#: ``within`` value for an area that is not clipped to any border.

_GEOD = pyproj.Geod(ellps="WGS84")
_E2 = _GEOD.es
#: Equal-area CRS: WGS 84 / NSIDC EASE-Grid 2.0 Global, cylindrical equal-area on the WGS84 ellipsoid.
EQUAL_AREA_CRS = "EPSG:6933"
#: Longest edge, in metres, for which :func:`area_km2` trusts the projection and edge term.
MAX_EDGE_M = 100_000.0
#: Largest |latitude|, in degrees, for which it does; beyond either, ``Geod`` measures the geometry.
MAX_LAT = 70.0


def area_km2(geoms) -> np.ndarray:
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
    polygons = _valid_polygons(geoms)
    present = np.flatnonzero(~shapely.is_missing(polygons) & ~shapely.is_empty(polygons))
    if present.size:
        projected, in_domain = _equal_area_km2(polygons[present])
        areas[present] = projected
        outside = present[~in_domain]
        if outside.size:
            areas[outside] = geodesic_area_km2(polygons[outside])
    return areas


def geodesic_area_km2(geoms) -> np.ndarray:
    """Geodesic area of each geometry in km² with ``pyproj.Geod``: the reference for :func:`area_km2`.

    One geometry at a time, about 2 µs a vertex (7.7 ms for a 3,000-vertex DeepStateMap
    snapshot).

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
        polygonal = _polygonal_part(geom)
        if polygonal is not None:
            areas[i] = abs(_GEOD.geometry_area_perimeter(polygonal)[0]) / 1e6
    return areas


@lru_cache(maxsize=1)
def _to_equal_area() -> pyproj.Transformer:
    """lon/lat (EPSG:4326) to EPSG:6933, x east and y north (pyproj Transformers are thread-safe)."""
    return pyproj.Transformer.from_crs("EPSG:4326", EQUAL_AREA_CRS, always_xy=True)


def _project(x, y):
    return _to_equal_area().transform(x, y)


def _valid_polygons(geoms: np.ndarray) -> np.ndarray:
    """Repaired geometries reduced to their polygonal part (None if none), shells counter-clockwise."""
    valid = shapely.make_valid(geoms)
    kind = shapely.get_type_id(valid)
    polygons = np.where(
        (kind == shapely.GeometryType.POLYGON) | (kind == shapely.GeometryType.MULTIPOLYGON), valid, None
    )
    for i in np.flatnonzero(kind == shapely.GeometryType.GEOMETRYCOLLECTION):
        polygons[i] = _polygonal_part(valid[i])
    return shapely.orient_polygons(polygons, exterior_cw=False)


def _equal_area_km2(polygons: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Equal-area projection plus the geodesic edge term, for non-empty oriented polygons.

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
    sliver, length2 = _edge_term(lon[a], lat[a], lon[b], lat[b])
    edge_term = np.bincount(edge_of, weights=sliver, minlength=count)

    lonlat = (np.abs(lon) <= 180) & (np.abs(lat) <= 90)  # False for NaN too
    projectable = np.ones(count, dtype=bool)
    projectable[vertex_of[~lonlat]] = False
    in_domain = projectable.copy()
    in_domain[vertex_of[np.abs(lat) > MAX_LAT]] = False
    in_domain[edge_of[(length2 > MAX_EDGE_M**2) | (np.abs(dlon_deg) >= 180)]] = False
    km2 = np.full(count, np.nan)
    planar = shapely.area(shapely.transform(polygons[projectable], _project, interleaved=False))
    km2[projectable] = np.abs(planar + edge_term[projectable]) / 1e6
    return km2, in_domain


def _edge_term(lon_a, lat_a, lon_b, lat_b) -> tuple[np.ndarray, np.ndarray]:
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


def _polygonal_part(geom):
    """The polygons of a geometry (make_valid can return collections), or None."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polygons = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polygons) if polygons else None


@lru_cache(maxsize=4)
def load_borders(path: Path = BORDERS_PATH) -> gpd.GeoDataFrame:
    """The bundled country borders, indexed by ISO 3166-1 alpha-3 code."""
    borders = gpd.read_file(path).set_index("iso3")
    borders["geometry"] = shapely.make_valid(borders.geometry.values)
    return borders


def country_border(iso3: str, borders: gpd.GeoDataFrame | None = None):
    """The border polygon of one country.

    Raises
    ------
    InvalidInputError
        If the bundled borders do not include that country.
    """
    borders = load_borders() if borders is None else borders
    code = iso3.strip().upper()
    if code not in borders.index:
        known = ", ".join(sorted(borders.index))
        raise InvalidInputError(
            f"--within {iso3!r}: no border for that ISO 3166-1 alpha-3 code; use one of {known}."
        )
    return borders.geometry.loc[code]


def clip_to_country(geoms, iso3: str, borders: gpd.GeoDataFrame | None = None) -> np.ndarray:
    """Each geometry intersected with a country's border."""
    border = country_border(iso3, borders)
    shapely.prepare(border)
    return shapely.intersection(shapely.make_valid(np.asarray(geoms, dtype=object)), border)


def clipped_area_km2(geoms, iso3: str, borders: gpd.GeoDataFrame | None = None) -> np.ndarray:
    """``area_km2(clip_to_country(geoms, iso3, borders))``, without building the clipped geometries.

    For a valid polygon and the bundled borders, the area of the intersection is summed
    over its boundary (Green's theorem): the polygon's edges inside the border, the
    border's edges inside the polygon, and the pieces of the edges that cross, split
    where they cross, exactly the edges of the overlay's result. Each edge contributes
    its shoelace term in EPSG:6933 and its geodesic edge term, so the sum is the area
    :func:`area_km2` gives the intersection, to rounding (about 1e-13 relative), at about
    a third of the cost of ``shapely.intersection``. Where that reasoning does not hold (a
    vertex on the other outline, collinear edges, an edge outside the projection's
    domain, an invalid or non-polygonal geometry, other borders), the overlay is built.
    """
    geoms = np.asarray(geoms, dtype=object)
    areas = np.full(len(geoms), np.nan)
    if borders is None:
        country_border(iso3)  # an unknown code is refused with its message
        outline = _outline((iso3.strip().upper(),)) if len(geoms) else None
        for i, geom in enumerate(geoms):
            polygons = _clean_polygons(geom)
            if polygons is not None:
                found = _boundary_areas_km2(polygons, outline, (iso3,))[iso3]
                areas[i] = np.nan if found is None else found
    rest = np.flatnonzero(np.isnan(areas))
    if rest.size:
        areas[rest] = area_km2(clip_to_country(geoms[rest], iso3, borders))
    return areas


def _clean_polygons(geom):
    """A valid Polygon or MultiPolygon oriented by the right-hand rule, or None (then the overlay decides)."""
    if geom is None or shapely.get_type_id(geom) not in (
        shapely.GeometryType.POLYGON,
        shapely.GeometryType.MULTIPOLYGON,
    ):
        return None
    if geom.is_empty or not shapely.is_valid(geom):
        return None
    return shapely.orient_polygons(geom, exterior_cw=False)


# --- areas of intersections, summed over their boundary -------------------------
#
# ∂(P ∩ B) is made of the pieces of P's edges inside B and the pieces of B's edges inside
# P, each kept in its own direction (shells counter-clockwise, holes clockwise), for
# polygons in general position. Every edge of :func:`area_km2`'s method contributes its
# shoelace term in EPSG:6933 plus its geodesic edge term, so the area of P ∩ B is the sum
# over those pieces: the edges of the overlay's result, without building it. The pieces
# are found by pairing the edges of P and B through a grid, deciding each pair with
# orientation predicates whose rounding error is bounded, and propagating inside/outside
# along each ring from one point-in-polygon test per ring. A pair too close to call
# (touching, collinear, a vertex on the other outline) hands the geometry to the overlay.

#: Grid cell, in degrees, of the index pairing a geometry's edges with a border's.
_CELL_DEG = 0.025
#: An edge whose bounding box spans more cells than this on an axis is paired with every edge.
_LONG_CELLS = 64
#: An orientation is trusted when it exceeds this fraction of its terms' magnitude; the
#: rounding error of the floating-point determinant is below 4e-16 of it (Shewchuk).
_ORIENT_MARGIN = 1e-12
#: Most candidate pairs with long edges examined before the overlay is preferred.
_MAX_LONG_PAIRS = 2_000_000
#: Most cells of a border's grid (the bundled Russia clipped to 18-50°E, 40-60°N: 0.9 million).
_MAX_GRID_CELLS = 16_000_000


class _Rings:
    """The edges of a polygon's rings: endpoints (lon/lat and EPSG:6933), rings, grid cells, edge terms."""

    def __init__(self, polygons, parts=None):
        parts = shapely.get_parts(polygons) if parts is None else parts
        rings, self.ring_part = shapely.get_rings(parts, return_index=True)
        ring_len = shapely.get_num_coordinates(rings)
        xy = shapely.get_coordinates(rings)
        joins = np.ones(max(len(xy) - 1, 0), dtype=bool)
        joins[np.cumsum(ring_len)[:-1] - 1] = False
        a = np.flatnonzero(joins)
        b = a + 1
        self.start, self.end = xy[a], xy[b]
        # PROJ's own transformation, as area_km2 projects: a formula written out in numpy
        # differs from it by 1e-8 m, 5e-9 of a 3,000 m² sliver's area.
        projected = np.column_stack(_project(xy[:, 0], xy[:, 1]))
        self.start_xy, self.end_xy = projected[a], projected[b]
        self.ring = np.repeat(np.arange(len(rings)), ring_len - 1)
        self.ring_first = np.cumsum(ring_len - 1) - (ring_len - 1)
        self.ring_bounds = shapely.bounds(rings)
        self.west, self.east = (
            np.minimum(self.start[:, 0], self.end[:, 0]),
            np.maximum(self.start[:, 0], self.end[:, 0]),
        )
        self.south, self.north = (
            np.minimum(self.start[:, 1], self.end[:, 1]),
            np.maximum(self.start[:, 1], self.end[:, 1]),
        )
        self.cell_x0, self.cell_x1 = (
            np.floor(self.west / _CELL_DEG).astype(np.int64),
            np.floor(self.east / _CELL_DEG).astype(np.int64),
        )
        self.cell_y0, self.cell_y1 = (
            np.floor(self.south / _CELL_DEG).astype(np.int64),
            np.floor(self.north / _CELL_DEG).astype(np.int64),
        )
        span = np.maximum(self.cell_x1 - self.cell_x0, self.cell_y1 - self.cell_y0)
        self.small = span <= 1  # within the 2x2 cells from its first cell
        self.long = span >= _LONG_CELLS
        self.sliver, self.usable = _edge_sliver(self.start, self.end)

    def weight(self, which, origin: np.ndarray) -> np.ndarray:
        """The m² term of the area of each edge in ``which``: shoelace about ``origin`` plus the geodesic edge term."""
        return _shoelace(self.start_xy[which] - origin, self.end_xy[which] - origin) + self.sliver[which]


class _Outline(_Rings):
    """Borders prepared once: their edges (each with the index of its border) and a grid of
    the edges for pairing them with a polygon's.

    Each short edge is listed in every cell whose 2x2 block (the cell and its neighbours
    east and north) overlaps the edge's cells, so an edge of the polygon that lies within
    the 2x2 block of its first cell finds every border edge it may meet in that one cell.
    The borders are measured together: they share the grid, the pairing and the tests.
    """

    def __init__(self, borders: list):
        self.polygons = [shapely.orient_polygons(border, exterior_cw=False) for border in borders]
        parts = [shapely.get_parts(border) for border in self.polygons]
        super().__init__(None, parts=np.concatenate(parts))
        part_owner = np.repeat(np.arange(len(parts)), [len(p) for p in parts])
        self.ring_owner = part_owner[self.ring_part]
        self.owner = self.ring_owner[self.ring]
        for polygon in self.polygons:
            shapely.prepare(polygon)
        short = np.flatnonzero(~self.long)
        if len(short):
            self.grid_x, self.grid_y = int(self.cell_x0[short].min()) - 1, int(self.cell_y0[short].min()) - 1
            self.columns = int(self.cell_x1[short].max()) - self.grid_x + 1
            self.rows = int(self.cell_y1[short].max()) - self.grid_y + 1
        else:
            self.grid_x = self.grid_y = self.columns = self.rows = 0
        #: False for borders spread too wide for the grid (then the overlay measures).
        self.usable_grid = self.columns * self.rows <= _MAX_GRID_CELLS
        if not self.usable_grid:
            short = short[:0]
            self.columns = self.rows = 0
        cells, edges = _cell_indices(
            self.cell_x0[short] - 1 - self.grid_x,
            self.cell_x1[short] - self.grid_x,
            self.cell_y0[short] - 1 - self.grid_y,
            self.cell_y1[short] - self.grid_y,
            short,
            self.rows,
        )
        order = np.argsort(cells, kind="stable")
        self.cell_edges = edges[order]
        self.cell_start = np.searchsorted(cells[order], np.arange(self.columns * self.rows + 1))
        self.cell_count = np.diff(self.cell_start)
        self.long_edges = np.flatnonzero(self.long)


@lru_cache(maxsize=32)
def _outline(codes: tuple[str, ...]) -> _Outline:
    """The bundled borders of these countries (ISO3, upper case), prepared for :func:`_boundary_areas_km2`."""
    return _Outline([country_border(code) for code in codes])


def _cell_indices(x0, x1, y0, y1, ids, rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Index (``column * rows + row``) of every cell of each edge's range of cells, and the edge's id for each."""
    nx, ny = x1 - x0 + 1, y1 - y0 + 1
    count = nx * ny
    offset = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    width = np.repeat(nx, count)
    return (np.repeat(x0, count) + offset % width) * rows + np.repeat(y0, count) + offset // width, np.repeat(
        ids, count
    )


def _edge_sliver(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per edge: the geodesic edge term in m², and whether the edge is in :func:`area_km2`'s domain."""
    sliver, length2 = _edge_term(start[:, 0], start[:, 1], end[:, 0], end[:, 1])
    ok = lambda lon, lat: (np.abs(lon) <= 180) & (np.abs(lat) <= MAX_LAT)  # noqa: E731
    usable = (
        ok(start[:, 0], start[:, 1])
        & ok(end[:, 0], end[:, 1])
        & (length2 <= MAX_EDGE_M**2)
        & (np.abs(end[:, 0] - start[:, 0]) < 180)
    )
    return sliver, usable


def _shoelace(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Signed area, in m², of the triangle (origin, a, b) for projected points relative to the origin."""
    return (a[:, 0] * b[:, 1] - b[:, 0] * a[:, 1]) / 2


def _orientation(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sign of the turn p→q→r (positive: left) and whether the sign is certain."""
    left = (q[:, 0] - p[:, 0]) * (r[:, 1] - p[:, 1])
    right = (q[:, 1] - p[:, 1]) * (r[:, 0] - p[:, 0])
    determinant = left - right
    return determinant, np.abs(determinant) > _ORIENT_MARGIN * (np.abs(left) + np.abs(right))


def _candidate_pairs(rings: _Rings, outline: _Outline) -> tuple[np.ndarray, np.ndarray] | None:
    """Pairs (edge of ``rings``, edge of ``outline``) whose bounding boxes overlap, each once; None if too many."""
    firsts, seconds = [], []
    rows, columns = outline.rows, outline.columns
    x, y = rings.cell_x0 - outline.grid_x, rings.cell_y0 - outline.grid_y
    within = (x >= 0) & (y >= 0) & (x < columns) & (y < rows)
    # An edge within the 2x2 block of its first cell: that cell lists each border edge it may meet, once.
    small = np.flatnonzero(rings.small & within)
    if len(small):
        mine, theirs = _expand(outline, small, x[small] * rows + y[small])
        firsts.append(mine)
        seconds.append(theirs)
    # Other short edges look in every cell of their range (clipped to the grid); pairs found twice are merged.
    other = np.flatnonzero(~rings.small & ~rings.long)
    if len(other):
        x1, y1 = rings.cell_x1[other] - outline.grid_x, rings.cell_y1[other] - outline.grid_y
        x0, y0 = x[other], y[other]
        inside = (x1 >= 0) & (y1 >= 0) & (x0 < columns) & (y0 < rows)
        other, x0, x1, y0, y1 = (
            other[inside],
            np.maximum(x0[inside], 0),
            np.minimum(x1[inside], columns - 1),
            np.maximum(y0[inside], 0),
            np.minimum(y1[inside], rows - 1),
        )
        if ((x1 - x0 + 1) * (y1 - y0 + 1)).sum() > _MAX_LONG_PAIRS:
            return None
        if len(other):
            cells, ids = _cell_indices(x0, x1, y0, y1, other, rows)
            mine, theirs = _expand(outline, ids, cells)
            pair = np.sort(mine * len(outline.start) + theirs)
            pair = pair[np.append(True, pair[1:] != pair[:-1])] if len(pair) else pair
            firsts.append(pair // len(outline.start))
            seconds.append(pair % len(outline.start))
    long_mine, long_theirs = np.flatnonzero(rings.long), outline.long_edges
    if len(long_mine) * len(outline.start) + len(rings.start) * len(long_theirs) > _MAX_LONG_PAIRS:
        return None
    if len(long_mine):
        firsts.append(np.repeat(long_mine, len(outline.start)))
        seconds.append(np.tile(np.arange(len(outline.start)), len(long_mine)))
    for edge in long_theirs:  # few: a clip box's edges
        near = np.flatnonzero(
            ~rings.long
            & (rings.west <= outline.east[edge])
            & (outline.west[edge] <= rings.east)
            & (rings.south <= outline.north[edge])
            & (outline.south[edge] <= rings.north)
        )
        firsts.append(near)
        seconds.append(np.full(len(near), edge))
    if not firsts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    mine, theirs = np.concatenate(firsts), np.concatenate(seconds)
    overlap = (
        (rings.west[mine] <= outline.east[theirs])
        & (outline.west[theirs] <= rings.east[mine])
        & (rings.south[mine] <= outline.north[theirs])
        & (outline.south[theirs] <= rings.north[mine])
    )
    return mine[overlap], theirs[overlap]


def _expand(outline: _Outline, ids: np.ndarray, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each edge id beside every border edge listed in its cell."""
    count = outline.cell_count[cells]
    held = count > 0
    ids, cells, count = ids[held], cells[held], count[held]
    offset = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    return np.repeat(ids, count), outline.cell_edges[np.repeat(outline.cell_start[cells], count) + offset]


def _inside_pieces(
    rings: _Rings,
    inside_first: np.ndarray,
    edge: np.ndarray,
    along: np.ndarray,
    point: np.ndarray,
    point_xy: np.ndarray,
):
    """Which edges lie wholly inside the other outline, and the inside pieces of the split ones.

    ``inside_first`` says for each ring whether its first vertex is inside; ``edge``,
    ``along``, ``point`` and ``point_xy`` give each crossing: the edge, the parameter
    along it (0 at its start, 1 at its end) and the point in lon/lat and projected.
    Returns ``(whole, (start, end, start_xy, end_xy, edge))`` for the pieces, or None if a
    ring crosses the other outline an odd number of times (rounding).
    """
    count = np.bincount(edge, minlength=len(rings.start))
    before = np.cumsum(count) - count
    flips = before - before[rings.ring_first][rings.ring]
    inside = inside_first[rings.ring] ^ (flips % 2 == 1)
    if len(edge) % 2 or np.any(np.add.reduceat(count, rings.ring_first) % 2):
        return None
    whole = inside & (count == 0)
    if not len(edge):
        return whole, None
    order = np.lexsort((along, edge))
    edge, point, point_xy = edge[order], point[order], point_xy[order]
    rank = np.arange(len(edge)) - np.searchsorted(edge, edge)
    first = rank == 0
    previous, previous_xy = np.empty_like(point), np.empty_like(point_xy)
    previous[1:], previous_xy[1:] = point[:-1], point_xy[:-1]
    previous[first], previous_xy[first] = rings.start[edge[first]], rings.start_xy[edge[first]]
    kept = inside[edge] ^ (rank % 2 == 1)
    last = np.append(edge[1:] != edge[:-1], True)
    # After its last crossing an edge is inside if it started inside and crossed an even number of times.
    tail_from = last & (inside[edge] ^ (rank % 2 == 0))
    tail = edge[tail_from]
    pieces = (
        np.concatenate([previous[kept], point[tail_from]]),
        np.concatenate([point[kept], rings.end[tail]]),
        np.concatenate([previous_xy[kept], point_xy[tail_from]]),
        np.concatenate([point_xy[kept], rings.end_xy[tail]]),
        np.concatenate([edge[kept], tail]),
    )
    return whole, pieces


def _piece_terms(pieces, origin: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The m² term of each piece of an edge, and whether it is in :func:`area_km2`'s domain."""
    start, end, start_xy, end_xy, _ = pieces
    sliver, usable = _edge_sliver(start, end)
    return _shoelace(start_xy - origin, end_xy - origin) + sliver, usable


def _boundary_areas_km2(polygons, outline: _Outline | None, codes=()) -> dict[str, float | None]:
    """Area of a valid oriented polygon, unclipped (``ANYWHERE``) and intersected with each
    border of ``outline`` (named by ``codes``), summed over the boundary; None where it
    cannot be (then the overlay decides)."""
    found: dict[str, float | None] = {ANYWHERE: None, **{code: None for code in codes}}
    bounds = np.array(shapely.bounds(polygons))
    if (
        not np.isfinite(bounds).all()
        or np.abs(bounds[[0, 2]]).max() > 360
        or np.abs(bounds[[1, 3]]).max() > 90
    ):
        return found
    rings = _Rings(polygons)
    if not len(rings.start):
        return found
    # Shoelace terms about a vertex amid the polygon, so that they stay small.
    middle = np.argmin(
        np.abs(rings.start[:, 0] - (bounds[0] + bounds[2]) / 2)
        + np.abs(rings.start[:, 1] - (bounds[1] + bounds[3]) / 2)
    )
    origin = rings.start_xy[middle]
    weight = rings.weight(slice(None), origin)
    if rings.usable.all():
        found[ANYWHERE] = abs(float(weight.sum())) / 1e6
    if outline is not None and codes:
        found.update(zip(codes, _clipped_km2(polygons, bounds, rings, weight, origin, outline)))
    return found


def _clipped_km2(
    polygons, bounds, rings: _Rings, weight: np.ndarray, origin: np.ndarray, outline: _Outline
) -> list[float | None]:
    """Area of the polygon within each border of ``outline`` (None where it cannot be summed)."""
    unknown = [None] * len(outline.polygons)
    pairs = _candidate_pairs(rings, outline) if outline.usable_grid else None
    if pairs is None:
        return unknown
    mine, theirs = pairs
    p, q = rings.start[mine], rings.end[mine]
    b0, b1 = outline.start[theirs], outline.end[theirs]
    d1, c1 = _orientation(b0, b1, p)
    d2, c2 = _orientation(b0, b1, q)
    d3, c3 = _orientation(p, q, b0)
    d4, c4 = _orientation(p, q, b1)
    crossing = c1 & c2 & c3 & c4 & ((d1 > 0) != (d2 > 0)) & ((d3 > 0) != (d4 > 0))
    apart = (c1 & c2 & ((d1 > 0) == (d2 > 0))) | (c3 & c4 & ((d3 > 0) == (d4 > 0)))
    if not np.all(crossing | apart):
        return unknown
    mine, theirs, p, q = mine[crossing], theirs[crossing], p[crossing], q[crossing]
    d1, d2, d3, d4 = d1[crossing], d2[crossing], d3[crossing], d4[crossing]
    along_mine = d1 / (d1 - d2)
    along_theirs = d3 / (d3 - d4)
    point = p + along_mine[:, None] * (q - p)
    point_xy = np.column_stack(_project(point[:, 0], point[:, 1])) if len(point) else np.zeros((0, 2))

    # Inside/outside of each ring's first vertex; the rest follows by parity along the ring.
    # (A first vertex on the other outline would have made a pair too close to call above.)
    west, south, east, north = bounds
    box = outline.ring_bounds
    near = np.flatnonzero(
        (box[:, 0] <= east) & (box[:, 2] >= west) & (box[:, 1] <= north) & (box[:, 3] >= south)
    )
    theirs_first = np.zeros(len(outline.ring_first), dtype=bool)
    if len(near):
        theirs_first[near] = shapely.contains_xy(polygons, *outline.start[outline.ring_first[near]].T)
    theirs_pieces = _inside_pieces(outline, theirs_first, theirs, along_theirs, point, point_xy)
    if theirs_pieces is None:
        return unknown
    theirs_whole, theirs_split = theirs_pieces
    theirs_whole = np.flatnonzero(theirs_whole)
    theirs_whole_terms = outline.weight(theirs_whole, origin)
    theirs_whole_usable = outline.usable[theirs_whole]
    if theirs_split is not None:
        theirs_terms, theirs_usable = _piece_terms(theirs_split, origin)
        theirs_piece_owner = outline.owner[theirs_split[4]]
    crossing_owner = outline.owner[theirs]
    whole_owner = outline.owner[theirs_whole]
    first_vertices = rings.start[rings.ring_first].T
    found = []
    for k, border in enumerate(outline.polygons):
        mine_first = shapely.contains_xy(border, *first_vertices)
        chosen = crossing_owner == k
        mine_pieces = _inside_pieces(
            rings, mine_first, mine[chosen], along_mine[chosen], point[chosen], point_xy[chosen]
        )
        if mine_pieces is None:
            found.append(None)
            continue
        mine_whole, mine_split = mine_pieces
        of_k = whole_owner == k
        if not (rings.usable[mine_whole].all() and theirs_whole_usable[of_k].all()):
            found.append(None)
            continue
        total = weight[mine_whole].sum() + theirs_whole_terms[of_k].sum()
        if mine_split is not None:
            terms, usable = _piece_terms(mine_split, origin)
            total += terms.sum()
            if not usable.all():
                found.append(None)
                continue
        if theirs_split is not None:
            chosen = theirs_piece_owner == k
            if not theirs_usable[chosen].all():
                found.append(None)
                continue
            total += theirs_terms[chosen].sum()
        found.append(abs(float(total)) / 1e6)
    return found


def area_table(features: gpd.GeoDataFrame, within=(ANYWHERE,), borders=None) -> pd.DataFrame:
    """Area per side and status, optionally clipped to country borders.

    Features of one side and status are dissolved first, so overlapping features
    are not counted twice.

    Parameters
    ----------
    features : GeoDataFrame
        Territory features with ``held_by`` and ``status`` columns, in EPSG:4326.
    within : sequence of str
        ISO3 codes to clip to; ``ANYWHERE`` ("") for the unclipped area.

    Returns
    -------
    DataFrame
        Columns ``held_by, status, within, area_km2``, one row per combination.
    """
    return pd.DataFrame(area_rows(features, within, borders), columns=AREA_COLUMNS)


def area_rows(
    features: gpd.GeoDataFrame, within=(ANYWHERE,), borders=None
) -> list[tuple[str, str, str, float]]:
    """The rows of :func:`area_table` as ``(held_by, status, within, area_km2)`` tuples, without the DataFrame."""
    rows = []
    if not len(features):
        return rows
    for code in within:
        if code != ANYWHERE:
            _border_for(code, borders)  # an unknown code is refused before any work
    columns = _columns(features)
    key = _rows_key(columns, within) if borders is None else None
    if key is not None and key in _RECENT_ROWS:
        return list(_RECENT_ROWS[key])
    dissolved = _dissolve(features, columns)
    geoms = np.array([geom for _, _, geom, _ in dissolved], dtype=object)
    # A group of one valid polygon is its own dissolve: its areas are summed over its
    # boundary (see "areas of intersections" above), clipped or not, without an overlay.
    measured: dict[int, dict[str, float | None]] = {}
    codes = tuple(dict.fromkeys(code for code in within if code != ANYWHERE)) if borders is None else ()
    outline = _outline(tuple(code.strip().upper() for code in codes)) if codes else None
    for i, (_, _, geom, clean) in enumerate(dissolved):
        if clean:
            measured[i] = _boundary_areas_km2(
                shapely.orient_polygons(geom, exterior_cw=False), outline, codes
            )
    for code in within:
        areas = np.array(
            [
                np.nan if measured.get(i, {}).get(code) is None else measured[i][code]
                for i in range(len(geoms))
            ]
        )
        rest = np.flatnonzero(np.isnan(areas))
        if rest.size:
            areas[rest] = area_km2(
                geoms[rest] if code == ANYWHERE else clip_to_country(geoms[rest], code, borders)
            )
        rows.extend(
            (held_by, status, code, float(area)) for (held_by, status, _, _), area in zip(dissolved, areas)
        )
    if key is not None:
        remember(_RECENT_ROWS, key, tuple(rows), _MAX_RECENT_ROWS)
    return rows


#: Area rows of recently measured features, by :func:`_rows_key`: a daily archive repeats a
#: day's map unchanged now and then (113 of DeepStateMap's 769 days), and its areas with it.
_RECENT_ROWS: dict[tuple, tuple] = {}
_MAX_RECENT_ROWS = 32
#: Features measured together at most, for :func:`_rows_key` (the key holds their WKB).
_MAX_KEYED_FEATURES = 64
_MAX_KEYED_BYTES = 1 << 20


def _rows_key(columns, within) -> tuple | None:
    """What the area rows depend on: borders, sides, statuses and geometries (WKB)."""
    held_by, status, geoms = columns
    if len(geoms) > _MAX_KEYED_FEATURES or not all(isinstance(v, str) for v in (*held_by, *status)):
        return None
    geometry = shapely.to_wkb(geoms)
    if sum(len(wkb) for wkb in geometry if wkb is not None) > _MAX_KEYED_BYTES:
        return None
    return (tuple(within), tuple(held_by), tuple(status), tuple(geometry))


def _columns(features: gpd.GeoDataFrame) -> tuple[list, list, np.ndarray]:
    """``held_by`` and ``status`` as lists and the geometries as an array.

    Plain DataFrame column access: GeoDataFrame.__getitem__ would check each column for geometry.
    """
    held_by = pd.DataFrame.__getitem__(features, "held_by").tolist()
    status = pd.DataFrame.__getitem__(features, "status").tolist()
    return held_by, status, np.asarray(features.geometry.values, dtype=object)


def _border_for(code: str, borders) -> None:
    """Refuse an unknown ISO3 code (:func:`country_border`'s message), checking the bundled borders once per code."""
    if borders is not None or code.strip().upper() not in _KNOWN_CODES:
        country_border(code, borders)
        if borders is None:
            _KNOWN_CODES.add(code.strip().upper())


_KNOWN_CODES: set[str] = set()


def _dissolve(features: gpd.GeoDataFrame, columns) -> list[tuple]:
    """``(held_by, status, geometry, clean)`` per side and status, sorted, as ``groupby`` would give them.

    ``geometry`` is the union of the group's repaired geometries; ``clean`` says it is
    one repaired geometry that is a Polygon or MultiPolygon (``make_valid`` output is
    valid, and the union of one valid polygon is the polygon itself). ``columns`` are
    the features' :func:`_columns`.
    """
    held_by, status, geoms = columns
    if not all(isinstance(v, str) for v in (*held_by, *status) if not _missing_key(v)):
        groups = features.groupby(["held_by", "status"], sort=True)
        return [
            (h, s, shapely.union_all(shapely.make_valid(group.geometry.values)), False)
            for (h, s), group in groups
        ]
    known = np.array([_KNOWN_VALID.get(id(geom)) is geom for geom in geoms], dtype=bool)
    repaired = geoms.copy()
    if not known.all():
        repaired[~known] = shapely.make_valid(geoms[~known])
    members: dict[tuple, list[int]] = {}
    for i, key in enumerate(zip(held_by, status)):
        if not (_missing_key(key[0]) or _missing_key(key[1])):
            members.setdefault(key, []).append(i)
    polygonal = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)
    dissolved = []
    for key in sorted(members):
        group = repaired[members[key]]
        if len(group) == 1 and shapely.get_type_id(group[0]) in polygonal and not shapely.is_empty(group[0]):
            dissolved.append((*key, group[0], True))
        else:
            dissolved.append((*key, shapely.union_all(group), False))
    return dissolved


#: Polygons that validation found valid, by id: ``make_valid`` would return them unchanged,
#: so :func:`area_rows` does not check them again. Weak, so an entry goes with its geometry.
_KNOWN_VALID: weakref.WeakValueDictionary = weakref.WeakValueDictionary()


def note_valid(geom) -> None:
    """Record that ``geom`` (a shapely Polygon or MultiPolygon) passed ``is_valid``; geometries are immutable."""
    _KNOWN_VALID[id(geom)] = geom


def _missing_key(value) -> bool:
    """A group key ``groupby`` drops: None or NaN."""
    return value is None or (isinstance(value, float) and value != value)


def area_summary(series: pd.DataFrame, layer: str, as_of) -> pd.DataFrame:
    """One snapshot's stored areas as a table: a row per side and status, a column per border.

    Parameters
    ----------
    series : DataFrame
        ``Store.area_series()`` rows (``as_of, layer, held_by, status, within, area_km2``).
    layer, as_of
        The snapshot: its layer and its own date.

    Returns
    -------
    DataFrame
        Columns ``held_by, status`` and one per ``within`` value (``""`` = unclipped).
    """
    rows = series[(series["layer"] == layer) & (series["as_of"] == as_of)]
    borders = sorted(set(rows["within"]))
    table: dict[tuple, dict] = {}
    for row in rows.itertuples():
        table.setdefault((row.held_by, row.status), {})[row.within] = row.area_km2
    records = [
        {"held_by": side, "status": status, **{b: areas.get(b, 0.0) for b in borders}}
        for (side, status), areas in sorted(table.items())
    ]
    return pd.DataFrame(records, columns=["held_by", "status", *borders])


#: Columns of a change table.
CHANGE_COLUMNS = ["held_by", "status", "within", "before_km2", "after_km2", "change_km2"]


def change_table(
    before: gpd.GeoDataFrame | None, after: gpd.GeoDataFrame, within=(ANYWHERE,), borders=None
) -> pd.DataFrame:
    """Area per side and status before and after, and the difference (after − before).

    ``before`` is None for a layer's first snapshot: everything counts as new.
    """
    after_table = area_table(after, within, borders).rename(columns={"area_km2": "after_km2"})
    if before is None or not len(before):
        before_table = after_table.iloc[0:0].rename(columns={"after_km2": "before_km2"})
    else:
        before_table = area_table(before, within, borders).rename(columns={"area_km2": "before_km2"})
    table = before_table.merge(after_table, on=["held_by", "status", "within"], how="outer").fillna(
        {"before_km2": 0.0, "after_km2": 0.0}
    )
    table["change_km2"] = table["after_km2"] - table["before_km2"]
    return table.sort_values(["within", "held_by", "status"]).reset_index(drop=True)[CHANGE_COLUMNS]


def gained_and_lost(
    before: gpd.GeoDataFrame | None, after: gpd.GeoDataFrame, status: str = "held"
) -> gpd.GeoDataFrame:
    """Ground each side gained and lost between two snapshots, as polygons with their km².

    Returns
    -------
    GeoDataFrame
        Columns ``held_by, change`` ("gained" or "lost"), ``area_km2``, geometry; only
        non-empty changes.
    """
    rows = []
    sides = set(after.loc[after["status"] == status, "held_by"]) if len(after) else set()
    if before is not None and len(before):
        sides |= set(before.loc[before["status"] == status, "held_by"])
    for side in sorted(sides):
        new = _dissolved(after, side, status)
        old = _dissolved(before, side, status) if before is not None else None
        for change, geom in (("gained", _difference(new, old)), ("lost", _difference(old, new))):
            if geom is not None and not geom.is_empty and area_km2([geom])[0] > 0:
                rows.append(
                    {
                        "held_by": side,
                        "change": change,
                        "area_km2": float(area_km2([geom])[0]),
                        "geometry": geom,
                    }
                )
    return gpd.GeoDataFrame(
        rows, columns=["held_by", "change", "area_km2", "geometry"], geometry="geometry", crs="EPSG:4326"
    )


def _dissolved(features, side, status):
    if features is None or not len(features):
        return None
    chosen = features[(features["held_by"] == side) & (features["status"] == status)]
    return shapely.union_all(shapely.make_valid(chosen.geometry.values)) if len(chosen) else None


def _difference(a, b):
    if a is None:
        return None
    if b is None:
        return _polygonal_part(a)
    return _polygonal_part(shapely.difference(a, b))
