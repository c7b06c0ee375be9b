"""The edges of rings, and the grid pairing a polygon's edges with the borders'."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon

from layers import areas
from layers.areas.edges import Outline, Rings, border_outline, candidate_pairs, edge_sliver, shoelace
from layers.areas.measure import project

WITH_HOLE = Polygon(
    shapely.box(34.9, 50.8, 35.7, 51.5).exterior.coords,
    [shapely.box(35.1, 51.0, 35.5, 51.3).exterior.coords[::-1]],
)
TWO_PARTS = shapely.orient_polygons(
    MultiPolygon([WITH_HOLE, shapely.box(36.5, 51.6, 36.7, 51.8)]), exterior_cw=False
)


def test_rings_list_each_edge_once_ring_by_ring():
    rings = Rings(TWO_PARTS)
    assert len(rings.start) == 12  # three rings of four edges
    assert list(rings.ring) == [0] * 4 + [1] * 4 + [2] * 4 and list(rings.ring_first) == [0, 4, 8]
    assert list(rings.ring_part) == [0, 0, 1]
    same_ring = rings.ring[:-1] == rings.ring[1:]
    assert np.array_equal(rings.end[:-1][same_ring], rings.start[1:][same_ring]), "edges follow each other"
    coords = shapely.get_coordinates(TWO_PARTS.geoms[1].exterior)
    assert np.array_equal(rings.start[8:], coords[:-1]) and np.array_equal(rings.end[8:], coords[1:])
    assert np.allclose(rings.start_xy, np.column_stack(project(*rings.start.T)))


@pytest.mark.parametrize("origin", [(0.0, 0.0), (3.3e6, 6.2e6)])
def test_edge_weights_sum_to_the_area_about_any_origin(origin):
    rings = Rings(TWO_PARTS)
    total_km2 = rings.weight(slice(None), np.array(origin)).sum() / 1e6
    assert total_km2 == pytest.approx(areas.geodesic_area_km2([TWO_PARTS])[0], rel=1e-7)
    assert rings.usable.all()


def test_edges_outside_the_domain_are_not_usable():
    start = np.array([[35.0, 51.0], [35.0, 71.0], [179.5, 60.0], [35.0, 51.0]])
    end = np.array([[35.5, 51.0], [35.5, 71.0], [-179.5, 60.0], [37.0, 51.0]])
    _, usable = edge_sliver(start, end)
    assert list(usable) == [True, False, False, False]  # short; beyond 70°N; across 180°; 140 km long


def test_shoelace_is_the_signed_area_of_the_triangle_from_the_origin():
    a, b = np.array([[2.0, 0.0]]), np.array([[0.0, 3.0]])
    assert shoelace(a, b)[0] == 3.0 and shoelace(b, a)[0] == -3.0


def test_outline_knows_which_border_each_edge_belongs_to():
    west, east = shapely.box(30.0, 50.0, 31.0, 51.0, ccw=False), shapely.box(32.0, 50.0, 33.0, 51.0)
    outline = Outline([west, east])
    assert list(outline.owner) == [0] * 4 + [1] * 4
    assert (outline.start[outline.owner == 0, 0] <= 31.0).all()
    assert all(polygon.exterior.is_ccw for polygon in outline.polygons) and outline.usable_grid


def test_border_outline_is_prepared_once_per_set_of_codes():
    outline = border_outline(("RUS", "UKR"))
    assert border_outline(("RUS", "UKR")) is outline and outline.usable_grid
    assert outline.polygons[1].equals(areas.load_borders().geometry.loc["UKR"])


@pytest.mark.parametrize(
    "shape",
    [
        shapely.segmentize(shapely.box(35.0, 50.9, 35.6, 51.4), 0.01),  # short edges near the border
        shapely.box(35.0, 50.9, 35.6, 51.4),  # edges over several cells
        shapely.box(30.0, 45.0, 40.0, 52.0),  # long edges, paired with every border edge
    ],
)
def test_candidate_pairs_are_every_pair_of_overlapping_boxes_once(shape):
    rings = Rings(shapely.orient_polygons(shape, exterior_cw=False))
    outline = border_outline(("RUS", "UKR"))
    pairs = candidate_pairs(rings, outline)
    assert pairs is not None
    mine, theirs = pairs
    found = mine * len(outline.start) + theirs
    assert len(np.unique(found)) == len(found), "each pair once"
    # Independent: every edge against every border edge.
    overlap = (
        (rings.west[:, None] <= outline.east[None, :])
        & (outline.west[None, :] <= rings.east[:, None])
        & (rings.south[:, None] <= outline.north[None, :])
        & (outline.south[None, :] <= rings.north[:, None])
    )
    expected = np.flatnonzero(overlap.ravel())
    assert len(expected) > 0
    assert np.array_equal(np.sort(found), expected)
