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
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from .errors import InvalidInputError

METHOD = "equal-area projection EPSG:6933 on the WGS84 ellipsoid, corrected to geodesic edges (within 0.01 % of the geodesic area, pyproj.Geod)"
BORDERS_PATH = Path(__file__).resolve().parent.parent / "geodata" / "borders.geojson"
BORDERS_SOURCE = "Natural Earth 1:10m admin-0 (world-atlas 2.0.2), Crimea assigned to Ukraine"
#: Columns of an area table, in order.
AREA_COLUMNS = ["held_by", "status", "within", "area_km2"]
#: ``within`` value for an area that is not clipped to any border.
ANYWHERE = ""

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
    polygons = np.where((kind == shapely.GeometryType.POLYGON) | (kind == shapely.GeometryType.MULTIPOLYGON), valid, None)
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
    dlon, dlat = np.radians(dlon_deg), np.radians(lat[b] - lat[a])
    middle = np.radians((lat[a] + lat[b]) / 2)
    sin, cos = np.sin(middle), np.cos(middle)
    w2 = 1 - _E2 * sin * sin
    prime_vertical = _GEOD.a / np.sqrt(w2)
    meridional = prime_vertical * (1 - _E2) / w2
    east, north = prime_vertical * cos * dlon, meridional * dlat  # the edge in metres
    east2, north2 = east * east, north * north
    # Sliver between the straight projected edge and the geodesic, in m², signed along the ring.
    edge_term = np.bincount(edge_of, weights=-sin / 12 * dlon * (east2 + 3 * north2), minlength=count)

    lonlat = (np.abs(lon) <= 180) & (np.abs(lat) <= 90)  # False for NaN too
    projectable = np.ones(count, dtype=bool)
    projectable[vertex_of[~lonlat]] = False
    in_domain = projectable.copy()
    in_domain[vertex_of[np.abs(lat) > MAX_LAT]] = False
    in_domain[edge_of[(east2 + north2 > MAX_EDGE_M**2) | (np.abs(dlon_deg) >= 180)]] = False
    km2 = np.full(count, np.nan)
    planar = shapely.area(shapely.transform(polygons[projectable], _project, interleaved=False))
    km2[projectable] = np.abs(planar + edge_term[projectable]) / 1e6
    return km2, in_domain


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
    rows = []
    if len(features):
        groups = features.groupby(["held_by", "status"], sort=True)
        dissolved = [
            (held_by, status, shapely.union_all(shapely.make_valid(group.geometry.values)))
            for (held_by, status), group in groups
        ]
        geoms = np.array([geom for _, _, geom in dissolved], dtype=object)
        for code in within:
            clipped = geoms if code == ANYWHERE else clip_to_country(geoms, code, borders)
            for (held_by, status, _), area in zip(dissolved, area_km2(clipped)):
                rows.append((held_by, status, code, float(area)))
    return pd.DataFrame(rows, columns=AREA_COLUMNS)


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
    records = [{"held_by": side, "status": status, **{b: areas.get(b, 0.0) for b in borders}} for (side, status), areas in sorted(table.items())]
    return pd.DataFrame(records, columns=["held_by", "status", *borders])


#: Columns of a change table.
CHANGE_COLUMNS = ["held_by", "status", "within", "before_km2", "after_km2", "change_km2"]


def change_table(before: gpd.GeoDataFrame | None, after: gpd.GeoDataFrame, within=(ANYWHERE,), borders=None) -> pd.DataFrame:
    """Area per side and status before and after, and the difference (after − before).

    ``before`` is None for a layer's first snapshot: everything counts as new.
    """
    after_table = area_table(after, within, borders).rename(columns={"area_km2": "after_km2"})
    if before is None or not len(before):
        before_table = after_table.iloc[0:0].rename(columns={"after_km2": "before_km2"})
    else:
        before_table = area_table(before, within, borders).rename(columns={"area_km2": "before_km2"})
    table = before_table.merge(after_table, on=["held_by", "status", "within"], how="outer").fillna({"before_km2": 0.0, "after_km2": 0.0})
    table["change_km2"] = table["after_km2"] - table["before_km2"]
    return table.sort_values(["within", "held_by", "status"]).reset_index(drop=True)[CHANGE_COLUMNS]


def gained_and_lost(before: gpd.GeoDataFrame | None, after: gpd.GeoDataFrame, status: str = "held") -> gpd.GeoDataFrame:
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
                rows.append({"held_by": side, "change": change, "area_km2": float(area_km2([geom])[0]), "geometry": geom})
    return gpd.GeoDataFrame(rows, columns=["held_by", "change", "area_km2", "geometry"], geometry="geometry", crs="EPSG:4326")


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
