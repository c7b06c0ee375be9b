"""The map: territory in the app's styles, basemap, true-to-scale bar, north arrow."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pyproj
import pytest
import shapely
from matplotlib.colors import to_rgb, to_rgba
from matplotlib.patches import PathPatch
from matplotlib_scalebar.scalebar import ScaleBar
from PIL import Image

from layers import render, style
from layers.ingest import read_places
from layers.render.canvas import Canvas
from layers.render.data import Frame
from layers.render.map_axes import LINE_SCALE, draw_map, north_arrow, polygon_path, territory_patch_style
from layers.render.projection import Basemap, View

KURSK = "Kursk incursion"
SMALL = (480, 270)


@pytest.fixture(scope="module")
def slide_with_claims(embedded_data_store) -> np.ndarray:
    """The 16:9 slide of 2024-12-20, whose snapshot has held, contested and claimed ground."""
    png = render.render_png(embedded_data_store, [KURSK], dt.date(2024, 12, 20), size="16:9")
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def _texts(fig) -> list[str]:
    """Every text drawn on the figure, wrapped lines joined again."""
    return [t.get_text().replace("\n", " ") for t in fig.findobj(lambda a: hasattr(a, "get_parse_math"))]


def _blend(colour: str, alpha: float, background: str) -> np.ndarray:
    return 255 * (alpha * np.array(to_rgb(colour)) + (1 - alpha) * np.array(to_rgb(background)))


def _has_colour(image: np.ndarray, rgb, tolerance: float = 3.0, at_least: int = 50) -> bool:
    distance = np.abs(image.astype(float) - np.asarray(rgb)).max(axis=2)
    return int((distance <= tolerance).sum()) >= at_least


def test_patch_styles_follow_the_apps_leaflet_styles():
    held = territory_patch_style("UA", "held")
    assert held["facecolor"] == to_rgba(style.side_colour("UA"), 0.38)
    assert held["edgecolor"] == to_rgba(style.side_colour("UA"), 0.9)
    assert held["linewidth"] == pytest.approx(1.5 * LINE_SCALE) and "linestyle" not in held
    contested = territory_patch_style("RU", "contested", line_scale=2)
    assert contested["linewidth"] == pytest.approx(1.2 * LINE_SCALE * 2)
    # Leaflet's "4 3" CSS pixels, in units of the line width as matplotlib counts dashes.
    assert contested["linestyle"] == (0, pytest.approx((4 / 1.2, 3 / 1.2)))


def test_a_polygon_path_keeps_its_holes_open():
    square = shapely.Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], holes=[[(4, 4), (6, 4), (6, 6), (4, 6)]])
    path = polygon_path(shapely.MultiPolygon([square, shapely.box(20, 0, 30, 10)]))
    canvas = Canvas(300, 240, 1)
    ax = canvas.fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, 30)
    ax.set_ylim(0, 10)
    ax.add_patch(PathPatch(path, facecolor="black", edgecolor="none"))
    canvas.agg.draw()
    image = np.asarray(canvas.agg.buffer_rgba())[:, :, 0]

    def ink(x: float, y: float) -> bool:
        column, row = ax.transData.transform((x, y))
        return image[image.shape[0] - 1 - int(row), int(column)] < 128

    assert ink(2, 2) and ink(25, 5) and ink(5, 8)
    assert not ink(5, 5) and not ink(15, 5)
    assert polygon_path(shapely.LineString([(0, 0), (1, 1)])) is None
    assert polygon_path(shapely.Polygon()) is None


def test_the_north_arrow_is_anchored_at_the_upper_right():
    arrow = north_arrow(1.0)
    assert arrow.get_gid() == "north-arrow" and arrow.loc == 1  # upper right


def test_legend_and_map_are_drawn_in_the_apps_styles(embedded_data_store):
    fig = render.build_figure(embedded_data_store, [KURSK], dt.date(2024, 12, 20), size=SMALL)
    (ax,) = fig.axes
    drawn = {p.get_gid() for p in ax.patches}
    assert {"territory-held", "territory-contested", "territory-claimed"} <= drawn
    claimed = next(p for p in ax.patches if p.get_gid() == "territory-claimed")
    assert (
        claimed.get_edgecolor() == to_rgba(style.side_colour("RU"), 1.0)
        and claimed.get_linestyle() != "solid"
    )
    assert any(isinstance(a, ScaleBar) for a in ax.artists)
    assert any(a.get_gid() == "north-arrow" for a in ax.artists)
    texts = _texts(fig)
    assert "Sudzha" in texts and any(t == "R\u2009U\u2009S\u2009S\u2009I\u2009A" for t in texts)


def test_each_status_colour_is_in_the_pixels(slide_with_claims):
    land = style.BASEMAP["land_focus"]["RUS"]
    held = _blend(style.side_colour("UA"), 0.38, land)
    contested = _blend(style.CONTESTED_COLOUR, 0.32, land)
    claimed_outline = 255 * np.array(to_rgb(style.side_colour("RU")))
    map_part = slide_with_claims[:, :1300]
    assert _has_colour(map_part, held, at_least=10_000)
    assert _has_colour(map_part, contested, at_least=5_000)
    assert _has_colour(map_part, claimed_outline, tolerance=6, at_least=30)


def test_the_scale_bar_is_true_to_scale_at_the_map(embedded_data_store):
    """Drawing units are metres of a projection centred on the map: a scale bar of dx=1 m is right."""
    fig = render.build_figure(embedded_data_store, [KURSK], dt.date(2024, 11, 25), size=SMALL)
    (ax,) = fig.axes
    bar = next(a for a in ax.artists if isinstance(a, ScaleBar))
    assert (bar.dx, bar.units) == (1.0, "m")
    view = render.view_for((34.9, 50.95, 35.6, 51.45), 1.5, pad=True)
    places = read_places().set_index("name")
    sudzha, korenevo = places.loc["Sudzha"], places.loc["Korenevo"]
    a, b = view.project([shapely.Point(sudzha.lon, sudzha.lat), shapely.Point(korenevo.lon, korenevo.lat)])
    geodesic_m = pyproj.Geod(ellps="WGS84").inv(sudzha.lon, sudzha.lat, korenevo.lon, korenevo.lat)[2]
    assert abs(a.distance(b) / geodesic_m - 1) < 1e-3


def test_a_frame_before_any_snapshot_shows_the_basemap_and_says_so():
    view = View(35.0, 51.0, (-50_000.0, -50_000.0, 50_000.0, 50_000.0))
    land = shapely.box(-60_000, -60_000, 0, 60_000)
    canvas = Canvas(480, 480, 1)
    ax = canvas.fig.add_axes((0, 0, 1, 1))
    frame = Frame(dt.date(2024, 1, 1), ("L",), (), ("L",), (), (), ())
    draw_map(ax, canvas, frame, view, Basemap((("Russia", "#efece6", land),), ()))
    assert "No snapshot yet" in [t.get_text() for t in ax.texts]
    assert (ax.get_xlim(), ax.get_ylim()) == ((-50_000, 50_000), (-50_000, 50_000))
    fills = [p for p in ax.patches if p.get_zorder() == 1]
    borders = [p for p in ax.patches if p.get_zorder() == 15]
    assert len(fills) == len(borders) == 1
    assert fills[0].get_facecolor() == to_rgba("#efece6")
    assert not any((p.get_gid() or "").startswith("territory") for p in ax.patches)
