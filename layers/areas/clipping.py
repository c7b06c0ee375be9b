"""Areas of polygons within country borders, summed over the boundary of the intersection.

The method of :mod:`.measure` is a sum over edges, so the area of a polygon P within a
border B is the sum over the edges of P ∩ B. ∂(P ∩ B) is made of the pieces of P's edges
inside B and the pieces of B's edges inside P, each kept in its own direction (shells
counter-clockwise, holes clockwise), for polygons in general position. Every edge
contributes its shoelace term in EPSG:6933 plus its geodesic edge term, so the area of
P ∩ B is the sum over those pieces: the edges of the overlay's result, without building
it. The pieces are found by pairing the edges of P and B through a grid (:mod:`.edges`),
deciding each pair with orientation predicates whose rounding error is bounded, and
propagating inside/outside along each ring from one point-in-polygon test per ring. A
pair too close to call (touching, collinear, a vertex on the other outline) hands the
geometry to the overlay (``shapely.intersection``), as do an edge outside the projection's
domain, an invalid or non-polygonal geometry and borders other than the bundled ones.

The sum is within 1e-11 of measuring the overlay and faster than building it, which is
why the areas at import use it (``area_rows``); the figures are in ``benchmarks/README.md``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from ..schema import ANYWHERE
from .borders import clip_to_country, country_border
from .edges import Outline, Rings, border_outline, candidate_pairs, edge_sliver, shoelace
from .measure import Geometries, area_km2, project

__all__ = ["boundary_areas_km2", "clean_polygons", "clipped_area_km2"]

#: An orientation is trusted when it exceeds this fraction of its terms' magnitude; the
#: rounding error of the floating-point determinant is below 4e-16 of it (Shewchuk).
_ORIENT_MARGIN = 1e-12

#: Inside pieces of split edges: start, end (lon/lat), start_xy, end_xy (EPSG:6933), and the edge.
_Pieces: TypeAlias = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def clipped_area_km2(geoms: Geometries, iso3: str, borders: gpd.GeoDataFrame | None = None) -> np.ndarray:
    """``area_km2(clip_to_country(geoms, iso3, borders))``, without building the clipped geometries.

    For a valid polygon and the bundled borders, the area of the intersection is summed
    over its boundary (Green's theorem): the polygon's edges inside the border, the
    border's edges inside the polygon, and the pieces of the edges that cross, split
    where they cross, exactly the edges of the overlay's result. Each edge contributes
    its shoelace term in EPSG:6933 and its geodesic edge term, so the sum is the area
    :func:`.area_km2` gives the intersection, to rounding (about 1e-13 relative), for less
    than building it. Where that reasoning does not hold (a vertex on the other outline,
    collinear edges, an edge outside the projection's domain, an invalid or non-polygonal
    geometry, other borders), the overlay is built.

    Raises
    ------
    InvalidInputError
        If there is no border for ``iso3``.
    """
    geoms = np.asarray(geoms, dtype=object)
    areas = np.full(len(geoms), np.nan)
    if borders is None:
        country_border(iso3)  # an unknown code is refused with its message
        outline = border_outline((iso3.strip().upper(),)) if len(geoms) else None
        for i, geom in enumerate(geoms):
            polygons = clean_polygons(geom)
            if polygons is not None:
                found = boundary_areas_km2(polygons, outline, (iso3,))[iso3]
                areas[i] = np.nan if found is None else found
    rest = np.flatnonzero(np.isnan(areas))
    if rest.size:
        areas[rest] = area_km2(clip_to_country(geoms[rest], iso3, borders))
    return areas


def clean_polygons(geom: BaseGeometry | None) -> Polygon | MultiPolygon | None:
    """A valid, non-empty Polygon or MultiPolygon oriented by the right-hand rule, or None if
    ``geom`` is not one (then the overlay decides)."""
    if not isinstance(geom, Polygon | MultiPolygon):
        return None
    if geom.is_empty or not shapely.is_valid(geom):
        return None
    return shapely.orient_polygons(geom, exterior_cw=False)


def boundary_areas_km2(
    polygons: Polygon | MultiPolygon, outline: Outline | None, codes: Sequence[str] = ()
) -> dict[str, float | None]:
    """Area of a polygon, unclipped and within each border, summed over the boundary.

    Parameters
    ----------
    polygons : Polygon or MultiPolygon
        Valid, shells counter-clockwise and holes clockwise (:func:`clean_polygons`).
    outline : Outline, optional
        The borders to clip to (:func:`.edges.border_outline`); None for the unclipped area alone.
    codes : sequence of str
        A name for each border of ``outline``, in order: the keys of the result.

    Returns
    -------
    dict
        km² under ``ANYWHERE`` (unclipped) and under each code (within that border); None
        where the sum cannot be trusted (an edge outside the projection's domain, a pair of
        edges too close to call, an odd number of crossings): then the overlay must measure.
    """
    found: dict[str, float | None] = {ANYWHERE: None, **dict.fromkeys(codes)}
    bounds = np.array(shapely.bounds(polygons))
    if (
        not np.isfinite(bounds).all()
        or np.abs(bounds[[0, 2]]).max() > 360
        or np.abs(bounds[[1, 3]]).max() > 90
    ):
        return found
    rings = Rings(polygons)
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
        clipped = _clipped_km2(polygons, bounds, rings, weight, origin, outline)
        found.update(zip(codes, clipped, strict=True))
    return found


def _orientation(p: np.ndarray, q: np.ndarray, r: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sign of the turn p→q→r (positive: left) and whether the sign is certain."""
    left = (q[:, 0] - p[:, 0]) * (r[:, 1] - p[:, 1])
    right = (q[:, 1] - p[:, 1]) * (r[:, 0] - p[:, 0])
    determinant = left - right
    return determinant, np.abs(determinant) > _ORIENT_MARGIN * (np.abs(left) + np.abs(right))


def _inside_pieces(
    rings: Rings,
    inside_first: np.ndarray,
    edge: np.ndarray,
    along: np.ndarray,
    point: np.ndarray,
    point_xy: np.ndarray,
) -> tuple[np.ndarray, _Pieces | None] | None:
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


def _piece_terms(pieces: _Pieces, origin: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The m² term of each piece of an edge, and whether it is in :func:`.area_km2`'s domain."""
    start, end, start_xy, end_xy, _ = pieces
    sliver, usable = edge_sliver(start, end)
    return shoelace(start_xy - origin, end_xy - origin) + sliver, usable


def _clipped_km2(
    polygons: Polygon | MultiPolygon,
    bounds: np.ndarray,
    rings: Rings,
    weight: np.ndarray,
    origin: np.ndarray,
    outline: Outline,
) -> list[float | None]:
    """Area of the polygon within each border of ``outline`` (None where it cannot be summed)."""
    unknown: list[float | None] = [None] * len(outline.polygons)
    pairs = candidate_pairs(rings, outline) if outline.usable_grid else None
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
    point_xy = np.column_stack(project(point[:, 0], point[:, 1])) if len(point) else np.zeros((0, 2))

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
    theirs_whole_mask, theirs_split = theirs_pieces
    theirs_whole = np.flatnonzero(theirs_whole_mask)
    theirs_whole_terms = outline.weight(theirs_whole, origin)
    theirs_whole_usable = outline.usable[theirs_whole]
    if theirs_split is not None:
        theirs_terms, theirs_usable = _piece_terms(theirs_split, origin)
        theirs_piece_owner = outline.owner[theirs_split[4]]
    crossing_owner = outline.owner[theirs]
    whole_owner = outline.owner[theirs_whole]
    first_vertices = rings.start[rings.ring_first].T
    found: list[float | None] = []
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
