"""The edges of polygons' rings, and a grid that pairs a polygon's edges with a border's.

:mod:`.clipping` sums an intersection's area over its edges. It needs each edge's
endpoints in lon/lat and in EPSG:6933, its term of the area (shoelace plus the geodesic
edge term of :mod:`.measure`), and, to find where a polygon crosses a border, the pairs of
edges whose bounding boxes overlap: :class:`Rings` holds the former, :class:`Outline`
(borders prepared once) adds a grid of cells from which :func:`candidate_pairs` lists the
latter without comparing every edge with every other.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from .borders import country_border
from .measure import MAX_EDGE_M, MAX_LAT, edge_term, project

__all__ = ["Outline", "Rings", "border_outline", "candidate_pairs", "edge_sliver", "shoelace"]

#: Grid cell, in degrees, of the index pairing a geometry's edges with a border's.
_CELL_DEG = 0.025
#: An edge whose bounding box spans more cells than this on an axis is paired with every edge.
_LONG_CELLS = 64
#: Most candidate pairs with long edges examined before the overlay is preferred.
_MAX_LONG_PAIRS = 2_000_000
#: Most cells of a border's grid (the bundled Russia clipped to 18-50°E, 40-60°N: 0.9 million).
_MAX_GRID_CELLS = 16_000_000


class Rings:
    """The edges of a polygon's rings: endpoints (lon/lat and EPSG:6933), rings, grid cells, edge terms.

    Parameters
    ----------
    polygons : shapely geometry, optional
        A Polygon or MultiPolygon, oriented (shells counter-clockwise) for signed terms.
    parts : numpy.ndarray of Polygons, optional
        Its parts, if already split (then ``polygons`` is not read).

    Attributes
    ----------
    start, end : numpy.ndarray, shape (edges, 2)
        Each edge's endpoints, lon/lat in degrees; ``start_xy``, ``end_xy`` the same in EPSG:6933.
    ring, ring_part, ring_first, ring_bounds
        The ring of each edge; the part of each ring, its first edge and its bounds.
    west, south, east, north
        Each edge's bounding box; ``cell_x0, cell_x1, cell_y0, cell_y1`` its range of grid cells.
    small, long
        Edges within two cells on each axis; edges spanning more than ``_LONG_CELLS``.
    sliver, usable
        Each edge's geodesic edge term (m²) and whether it is in :func:`.area_km2`'s domain.
    """

    def __init__(self, polygons: BaseGeometry | None, parts: np.ndarray | None = None) -> None:
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
        projected = np.column_stack(project(xy[:, 0], xy[:, 1]))
        self.start_xy, self.end_xy = projected[a], projected[b]
        self.ring = np.repeat(np.arange(len(rings)), ring_len - 1)
        self.ring_first = np.cumsum(ring_len - 1) - (ring_len - 1)
        self.ring_bounds = shapely.bounds(rings)
        self.west = np.minimum(self.start[:, 0], self.end[:, 0])
        self.east = np.maximum(self.start[:, 0], self.end[:, 0])
        self.south = np.minimum(self.start[:, 1], self.end[:, 1])
        self.north = np.maximum(self.start[:, 1], self.end[:, 1])
        self.cell_x0 = np.floor(self.west / _CELL_DEG).astype(np.int64)
        self.cell_x1 = np.floor(self.east / _CELL_DEG).astype(np.int64)
        self.cell_y0 = np.floor(self.south / _CELL_DEG).astype(np.int64)
        self.cell_y1 = np.floor(self.north / _CELL_DEG).astype(np.int64)
        span = np.maximum(self.cell_x1 - self.cell_x0, self.cell_y1 - self.cell_y0)
        self.small = span <= 1  # within the 2x2 cells from its first cell
        self.long = span >= _LONG_CELLS
        self.sliver, self.usable = edge_sliver(self.start, self.end)

    def weight(self, which: slice | np.ndarray, origin: np.ndarray) -> np.ndarray:
        """The m² term of the area of each edge in ``which``: shoelace about ``origin`` plus the geodesic
        edge term. Over all edges of an oriented polygon, they sum to its area (m²)."""
        return shoelace(self.start_xy[which] - origin, self.end_xy[which] - origin) + self.sliver[which]


class Outline(Rings):
    """Borders prepared once: their edges (each with the index of its border) and a grid of
    the edges for pairing them with a polygon's.

    Each short edge is listed in every cell whose 2x2 block (the cell and its neighbours
    east and north) overlaps the edge's cells, so an edge of the polygon that lies within
    the 2x2 block of its first cell finds every border edge it may meet in that one cell.
    The borders are measured together: they share the grid, the pairing and the tests.

    Attributes
    ----------
    polygons : list of shapely geometries
        The borders, oriented (shells counter-clockwise) and prepared.
    owner : numpy.ndarray of int
        The border (index into ``polygons``) of each edge; ``ring_owner`` of each ring.
    usable_grid : bool
        False for borders spread too wide for the grid (then the overlay measures).
    """

    def __init__(self, borders: Sequence[BaseGeometry]) -> None:
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
def border_outline(codes: tuple[str, ...]) -> Outline:
    """The bundled borders of these countries (ISO3, upper case) as one :class:`Outline`, cached."""
    return Outline([country_border(code) for code in codes])


def _cell_indices(
    x0: np.ndarray, x1: np.ndarray, y0: np.ndarray, y1: np.ndarray, ids: np.ndarray, rows: int
) -> tuple[np.ndarray, np.ndarray]:
    """Index (``column * rows + row``) of every cell of each edge's range of cells, and the edge's id
    for each."""
    nx, ny = x1 - x0 + 1, y1 - y0 + 1
    count = nx * ny
    offset = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    width = np.repeat(nx, count)
    cells = (np.repeat(x0, count) + offset % width) * rows + np.repeat(y0, count) + offset // width
    return cells, np.repeat(ids, count)


def _in_domain(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (np.abs(lon) <= 180) & (np.abs(lat) <= MAX_LAT)


def edge_sliver(start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per edge (endpoints in lon/lat, shape (edges, 2)): the geodesic edge term in m², and whether
    the edge is in :func:`.area_km2`'s domain (where that term is trusted)."""
    sliver, length2 = edge_term(start[:, 0], start[:, 1], end[:, 0], end[:, 1])
    usable = (
        _in_domain(start[:, 0], start[:, 1])
        & _in_domain(end[:, 0], end[:, 1])
        & (length2 <= MAX_EDGE_M**2)
        & (np.abs(end[:, 0] - start[:, 0]) < 180)
    )
    return sliver, usable


def shoelace(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Signed area, in m², of the triangle (origin, a, b) for projected points relative to the origin."""
    return (a[:, 0] * b[:, 1] - b[:, 0] * a[:, 1]) / 2


def candidate_pairs(rings: Rings, outline: Outline) -> tuple[np.ndarray, np.ndarray] | None:
    """Pairs (edge of ``rings``, edge of ``outline``) whose bounding boxes overlap, each once.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray) or None
        The edge indices of each pair, in ``rings`` and in ``outline``; None if long edges
        would make too many pairs (then the overlay measures).
    """
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


def _expand(outline: Outline, ids: np.ndarray, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each edge id beside every border edge listed in its cell."""
    count = outline.cell_count[cells]
    held = count > 0
    ids, cells, count = ids[held], cells[held], count[held]
    offset = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    return np.repeat(ids, count), outline.cell_edges[np.repeat(outline.cell_start[cells], count) + offset]
