"""Clipped areas summed over the boundary of the intersection, against the overlay.

``clipped_area_km2`` and ``area_rows`` measure a polygon within a border without building
the intersection (Green's theorem over the pieces of both outlines). They must give what
``area_km2(clip_to_country(...))`` gives, to 1e-9, and hand what they cannot decide to it.
"""

from __future__ import annotations

import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon

from layers import areas
from layers.areas import clipping
from layers.areas.edges import border_outline
from layers.errors import InvalidInputError

BOW_TIE = Polygon([(35.0, 51.0), (35.5, 51.5), (35.5, 51.0), (35.0, 51.5), (35.0, 51.0)])

UKRAINE_ISLAND = shapely.box(32.55, 45.98, 33.10, 46.10)  # holds a whole ring of the bundled UKR border
BORDER_VERTEX = (35.04455, 45.669818)  # a vertex of the bundled UKR border (Crimea's north coast)
CLIPPED_SHAPES = {
    "straddling box": shapely.box(35.0, 50.9, 35.6, 51.4),
    "clockwise straddling box": shapely.box(35.0, 50.9, 35.6, 51.4, ccw=False),
    "hole across the border": Polygon(
        shapely.box(34.9, 50.8, 35.7, 51.5).exterior.coords,
        [shapely.box(35.1, 51.0, 35.5, 51.3).exterior.coords[::-1]],
    ),
    "parts on both sides": MultiPolygon(
        [
            shapely.box(35.0, 50.9, 35.6, 51.4),
            shapely.box(36.5, 51.6, 36.7, 51.8),
            shapely.box(34.0, 50.0, 34.2, 50.2),
        ]
    ),
    "ring of the border inside": UKRAINE_ISLAND,
    "all of Ukraine": shapely.segmentize(shapely.box(21.0, 43.5, 41.0, 53.0), 0.5),
    "edges over 100 km": shapely.box(34.0, 50.0, 36.0, 52.0),
    "far from both": shapely.box(20.0, 51.0, 20.5, 51.5),
    "vertex on the border": Polygon([BORDER_VERTEX, (35.3, 45.5), (35.3, 46.0), BORDER_VERTEX]),
    "edge along the border": Polygon(
        [(35.04455, 45.669818), (35.00135, 45.728918), (35.3, 45.9), (35.04455, 45.669818)]
    ),
}
#: Shapes in general position: the boundary sum measures them itself (no overlay).
SUMMED = {
    "straddling box",
    "clockwise straddling box",
    "hole across the border",
    "parts on both sides",
    "ring of the border inside",
    "all of Ukraine",
    "far from both",
}


@pytest.mark.parametrize("name", list(CLIPPED_SHAPES))
@pytest.mark.parametrize("code", ["RUS", "UKR"])
def test_clipped_area_matches_the_overlay(name, code):
    shape = CLIPPED_SHAPES[name]
    reference = areas.area_km2(areas.clip_to_country([shape], code))[0]
    computed = areas.clipped_area_km2([shape], code)[0]
    assert computed == pytest.approx(reference, rel=1e-9, abs=1e-9)
    oriented = shapely.orient_polygons(shape, exterior_cw=False)
    summed = clipping.boundary_areas_km2(oriented, border_outline(("RUS", "UKR")), ("RUS", "UKR"))
    assert (summed[code] is not None) == (name in SUMMED), (
        "general position is summed; a degenerate case or long edges go to the overlay"
    )
    if summed[areas.ANYWHERE] is not None:
        assert summed[areas.ANYWHERE] == pytest.approx(areas.area_km2([shape])[0], rel=1e-12)


def test_clipped_area_takes_batches_and_refuses_unknown_codes():
    shapes = [
        CLIPPED_SHAPES["straddling box"],
        None,
        Polygon(),
        shapely.LineString([(35, 51), (36, 52)]),
        BOW_TIE,
    ]
    reference = areas.area_km2(areas.clip_to_country(shapes, "RUS"))
    assert areas.clipped_area_km2(shapes, "rus") == pytest.approx(reference, rel=1e-9, abs=1e-12)
    with pytest.raises(InvalidInputError, match="ISO 3166-1 alpha-3"):
        areas.clipped_area_km2([shapes[0]], "XXX")


def test_boundary_sum_without_borders_is_the_unclipped_area():
    shape = shapely.orient_polygons(CLIPPED_SHAPES["hole across the border"], exterior_cw=False)
    summed = clipping.boundary_areas_km2(shape, None)
    assert summed == {areas.ANYWHERE: pytest.approx(areas.geodesic_area_km2([shape])[0], rel=1e-4)}
    beyond = shapely.box(35.0, 89.0, 36.0, 91.0)  # not a latitude: left to the overlay and area_km2
    assert clipping.boundary_areas_km2(beyond, None) == {areas.ANYWHERE: None}


def test_clean_polygons_are_valid_polygons_oriented_counter_clockwise():
    clockwise = shapely.box(35.0, 51.0, 35.2, 51.2, ccw=False)
    cleaned = clipping.clean_polygons(clockwise)
    assert cleaned is not None and cleaned.exterior.is_ccw and cleaned.equals(clockwise)
    for not_clean in (None, BOW_TIE, Polygon(), shapely.LineString([(35, 51), (36, 52)])):
        assert clipping.clean_polygons(not_clean) is None, not_clean
