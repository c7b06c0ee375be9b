"""Names on the map: placed where they overlap nothing, never outside the map, most important first."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import shapely

from layers import render
from layers.render.canvas import Canvas
from layers.render.labels import Box, corner_box, country_labels, overlaps, place_labels
from layers.render.projection import Basemap, View

KURSK = "Kursk incursion"
VIEW = View(35.0, 51.0, (-50_000.0, -50_000.0, 50_000.0, 50_000.0))


def _map(scale: int = 1) -> tuple[Canvas, object]:
    canvas = Canvas(800, 800, scale)
    ax = canvas.fig.add_axes((0.1, 0.1, 0.8, 0.8))
    x0, y0, x1, y1 = VIEW.bounds_m
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    return canvas, ax


def _inside(box: Box, outer: Box) -> bool:
    return outer[0] <= box[0] and outer[1] <= box[1] and box[2] <= outer[2] and box[3] <= outer[3]


def test_boxes_that_only_touch_do_not_overlap():
    box = (0.0, 0.0, 10.0, 10.0)
    assert overlaps(box, [(5.0, 5.0, 15.0, 15.0)])
    assert not overlaps(box, [(10.0, 0.0, 20.0, 10.0), (0.0, 10.0, 10.0, 20.0)])
    assert not overlaps(box, [])


def test_corner_boxes_are_at_the_maps_corners_in_image_pixels():
    canvas, ax = _map(scale=2)
    # The axes start at 10 % of 1600 image pixels; 300 px at unit 800/1080, twice for scale 2.
    lower_left = corner_box(ax, canvas, "lower left", 300, 95)
    assert lower_left == pytest.approx((160, 160, 160 + 300 * 800 / 1080 * 2, 160 + 95 * 800 / 1080 * 2))
    upper_right = corner_box(ax, canvas, "upper right", 90, 120)
    assert upper_right == pytest.approx((1440 - 90 * 800 / 1080 * 2, 1440 - 120 * 800 / 1080 * 2, 1440, 1440))


def test_a_place_whose_dot_is_covered_is_left_out():
    canvas, ax = _map()
    basemap = Basemap(
        (), (("First", "city", 0.0, 0.0), ("Second", "town", 0.0, 0.0), ("Third", "town", 30_000.0, 0))
    )
    place_labels(ax, canvas, basemap, [])
    assert [t.get_text() for t in ax.texts] == ["First", "Third"]
    assert len(ax.lines) == 2


def test_a_place_next_to_an_obstacle_is_labelled_on_its_free_side():
    canvas, ax = _map()
    px, py = ax.transData.transform((0.0, 0.0))
    # Everything right of the dot is taken: the name goes to its left.
    place_labels(ax, canvas, Basemap((), (("Sudzha", "town", 0.0, 0.0),)), [(px + 5, 0, 2000, 2000)])
    (label,) = ax.texts
    assert label.get_ha() == "right"


def test_a_country_name_goes_in_the_largest_part_of_its_land_away_from_territory():
    land = shapely.box(-60_000, -60_000, 60_000, 60_000)
    territory = shapely.box(-60_000, -60_000, 60_000, 0)
    canvas, ax = _map()
    placed = country_labels(ax, canvas, Basemap((("Russia", "#eee", land),), ()), VIEW, [territory], [])
    (label,) = ax.texts
    assert label.get_text() == "R\u2009U\u2009S\u2009S\u2009I\u2009A" and len(placed) == 1
    # Above the territory and the 4 % of the view kept around it.
    assert label.get_position()[1] > 0.04 * 100_000


def test_a_small_country_or_one_whose_name_meets_an_obstacle_is_not_named():
    canvas, ax = _map()
    small = shapely.box(-10_000, -10_000, 10_000, 10_000)
    assert country_labels(ax, canvas, Basemap((("Tiny", "#eee", small),), ()), VIEW, [], []) == []
    land = shapely.box(-60_000, -60_000, 60_000, 60_000)
    everywhere = [(0.0, 0.0, 10_000.0, 10_000.0)]
    assert country_labels(ax, canvas, Basemap((("Russia", "#eee", land),), ()), VIEW, [], everywhere) == []
    assert len(ax.texts) == 0


def test_on_a_slide_no_two_names_overlap_and_all_stay_on_the_map(embedded_data_store):
    fig = render.build_figure(embedded_data_store, [KURSK], dt.date(2024, 11, 25), size="16:9")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    (ax,) = fig.axes
    map_box = tuple(ax.get_window_extent(renderer).extents)
    names = [t for t in ax.texts if t.get_gid() in ("place-label", "country-label")]
    boxes = [tuple(t.get_window_extent(renderer).extents) for t in names]
    assert {"Sudzha", "R\u2009U\u2009S\u2009S\u2009I\u2009A"} <= {t.get_text() for t in names}
    assert all(_inside(box, map_box) for box in boxes)
    assert not any(overlaps(a, [b]) for a, b in itertools.combinations(boxes, 2))


def test_a_small_extent_on_the_border_is_drawn(embedded_data_store):
    """make_valid left an empty polygon among a country's free parts; polylabel refused it."""
    fig = render.build_figure(
        embedded_data_store,
        ["Kursk incursion"],
        dt.date(2024, 11, 25),
        size=(480, 270),
        extent=(35.0, 51.1, 35.2, 51.2),
    )
    assert fig.axes
