"""The drawing projection and extent: checks, padding, aspect, true scale, the basemap for a view."""

from __future__ import annotations

import datetime as dt

import pyproj
import pytest
import shapely

from layers.errors import InvalidInputError
from layers.ingest import read_places
from layers.render.data import Frame
from layers.render.projection import (
    MIN_SPAN_M,
    PADDING,
    basemap_for,
    check_extent,
    data_extent,
    frames_view,
    view_for,
)
from layers.snapshots import Snapshot
from tests.conftest import territory

KURSK_BOX = (34.9, 50.95, 35.6, 51.45)
GEOD = pyproj.Geod(ellps="WGS84")


def _frame(*boxes: shapely.Polygon) -> Frame:
    features = territory([(box, "UA", "held", "s") for box in boxes])
    shown = Snapshot("L", dt.date(2024, 9, 1), dt.date(2024, 9, 1), 1, features)
    return Frame(dt.date(2024, 9, 1), ("L",), (shown,), (), (), (), ())


def test_check_extent_accepts_text_numbers():
    assert check_extent(["34.6", "50.9", "35.8", 51.5]) == (34.6, 50.9, 35.8, 51.5)


@pytest.mark.parametrize(
    "extent, message",
    [
        ((1, 2, 3), "give four numbers west,south,east,north"),
        (("a", 2, 3, 4), "give four numbers"),
        ((0, 0, float("inf"), 1), "finite numbers of degrees"),
        ((36, 50, 35, 51), "expected west < east"),
        ((34, 51, 35, 50), "and south < north"),
        ((0, 0, 1, 90), r"latitude -85\.\.85"),
    ],
)
def test_bad_extents_say_what_is_expected(extent, message):
    with pytest.raises(InvalidInputError, match=message):
        check_extent(extent)


@pytest.mark.parametrize("aspect", [0.5, 1.0, 16 / 9])
def test_a_given_extent_is_widened_to_the_aspect_and_kept_whole(aspect):
    view = view_for(KURSK_BOX, aspect, pad=False)
    x0, y0, x1, y1 = view.bounds_m
    assert (x1 - x0) / (y1 - y0) == pytest.approx(aspect)
    west, south, east, north = view.lonlat_bounds()
    assert west <= KURSK_BOX[0] and south <= KURSK_BOX[1] and east >= KURSK_BOX[2] and north >= KURSK_BOX[3]
    assert (view.lon_0, view.lat_0) == (pytest.approx(35.25), pytest.approx(51.2))


def test_padding_grows_the_data_box_and_a_tiny_box_to_the_minimum_span():
    plain, padded = view_for(KURSK_BOX, 1.0, pad=False), view_for(KURSK_BOX, 1.0, pad=True)
    plain_height = plain.bounds_m[3] - plain.bounds_m[1]
    padded_height = padded.bounds_m[3] - padded.bounds_m[1]
    # The box is taller than wide at 51°N, so its height is the padded one (the width follows the aspect).
    assert padded_height == pytest.approx(plain_height * (1 + 2 * PADDING))
    tiny = view_for((35.2, 51.2, 35.201, 51.201), 2.0, pad=True)
    x0, y0, x1, y1 = tiny.bounds_m
    assert y1 - y0 == pytest.approx(MIN_SPAN_M) and x1 - x0 == pytest.approx(2 * MIN_SPAN_M)


def test_the_projection_is_true_to_scale_near_its_centre():
    view = view_for(KURSK_BOX, 1.5, pad=True)
    places = read_places().set_index("name")
    sudzha, korenevo = places.loc["Sudzha"], places.loc["Korenevo"]
    a, b = view.project([shapely.Point(sudzha.lon, sudzha.lat), shapely.Point(korenevo.lon, korenevo.lat)])
    geodesic_m = GEOD.inv(sudzha.lon, sudzha.lat, korenevo.lon, korenevo.lat)[2]
    assert abs(a.distance(b) / geodesic_m - 1) < 1e-3
    (centre,) = view.project([shapely.Point(view.lon_0, view.lat_0)])
    assert (centre.x, centre.y) == (pytest.approx(0, abs=1e-6), pytest.approx(0, abs=1e-6))
    assert view.crs.coordinate_operation.method_name == "Lambert Azimuthal Equal Area"


def test_the_default_extent_covers_every_frames_features():
    frames = [_frame(shapely.box(35.0, 51.0, 35.1, 51.1)), _frame(shapely.box(35.3, 50.9, 35.4, 51.0))]
    assert data_extent(frames) == pytest.approx((35.0, 50.9, 35.4, 51.1))
    assert frames_view(frames, None, 1.2) == view_for((35.0, 50.9, 35.4, 51.1), 1.2, pad=True)
    assert frames_view(frames, KURSK_BOX, 1.2) == view_for(KURSK_BOX, 1.2, pad=False)


def test_no_features_and_no_extent_is_nothing_to_draw():
    empty = _frame()
    assert data_extent([empty]) is None
    with pytest.raises(InvalidInputError, match="give --extent W,S,E,N to draw the basemap alone"):
        frames_view([empty], None, 1.0)
    assert frames_view([empty], KURSK_BOX, 1.0) == view_for(KURSK_BOX, 1.0, pad=False)


def test_the_basemap_for_a_view_is_clipped_to_it_with_places_most_important_first():
    view = view_for(KURSK_BOX, 1.5, pad=True)
    basemap = basemap_for(view)
    x0, y0, x1, y1 = view.bounds_m
    margin = 0.05 * max(x1 - x0, y1 - y0) + 1
    names = {name for name, _fill, _geom in basemap.countries}
    assert names == {"Russia", "Ukraine"}
    for _name, _fill, geom in basemap.countries:
        gx0, gy0, gx1, gy1 = geom.bounds
        assert gx0 >= x0 - margin and gy0 >= y0 - margin and gx1 <= x1 + margin and gy1 <= y1 + margin
    assert "Sudzha" in {name for name, *_ in basemap.places}
    assert all(x0 <= x <= x1 and y0 <= y <= y1 for _, _, x, y in basemap.places)
    ranks = [{"city": 0, "town": 1, "village": 2}.get(kind, 3) for _, kind, _, _ in basemap.places]
    assert ranks == sorted(ranks)
