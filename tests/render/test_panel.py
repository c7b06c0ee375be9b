"""The side panel: title, date and snapshot age, the key with each km², reported figures."""

from __future__ import annotations

import datetime as dt

import pyproj
import pytest
import shapely
from matplotlib.colors import to_rgba

from layers import render, style
from layers.render.canvas import FAINT, Canvas, Column, PanelOverflow
from layers.render.data import Callout, Frame, ReportedLine
from layers.render.panel import format_km2, panel

KURSK = "Kursk incursion"
SMALL = (480, 270)
DAY = dt.date(2024, 9, 3)


def _texts(fig) -> list[str]:
    """Every text drawn on the figure, wrapped lines joined again."""
    return [t.get_text().replace("\n", " ") for t in fig.findobj(lambda a: hasattr(a, "get_parse_math"))]


def _panel(frame: Frame, keys, title: str | None = None, bottom: float = 0.0) -> list[str]:
    canvas = Canvas(1920, 1080, 1)
    panel(Column(canvas, 1300, 1050, 580, bottom), frame, title, keys, 1.0)
    return [t.get_text() for t in canvas.fig.texts]


def test_km2_have_thousands_separators():
    assert format_km2(1376) == "1,376.0 km²"
    assert format_km2(519.137, 0) == "519 km²"


def test_legend_swatches_are_drawn_in_the_maps_styles(embedded_data_store):
    fig = render.build_figure(embedded_data_store, [KURSK], dt.date(2024, 12, 20), size=SMALL)
    swatches = [p for p in fig.artists if p.get_gid() == "legend"]
    assert [tuple(p.get_facecolor()) for p in swatches] == [
        to_rgba(style.side_colour("UA"), 0.38),
        to_rgba(style.CONTESTED_COLOUR, 0.32),
        to_rgba(style.side_colour("RU"), 0.04),
    ]
    assert [p.get_linestyle() == "solid" for p in swatches] == [True, False, False]


def test_date_snapshot_age_and_areas_are_written(embedded_data_store):
    fig = render.build_figure(embedded_data_store, [KURSK], dt.date(2024, 12, 31), size="16:9")
    texts = _texts(fig)
    assert "31 December 2024" in texts
    assert "Snapshot of 2024-12-20, 11 days earlier" in texts
    series = embedded_data_store.area_series(KURSK)
    rows = series[series["as_of"] == dt.date(2024, 12, 20)].set_index(["held_by", "status", "within"])[
        "area_km2"
    ]
    held, inside = rows.loc[("UA", "held", "")], rows.loc[("UA", "held", "RUS")]
    assert f"{held:,.1f} km²" in texts and f"{inside:,.1f} km² inside Russia" in texts
    assert f"{rows.loc[('RU', 'claimed', '')]:,.1f} km²" in texts
    assert "Claimed by Russia, unconfirmed" in texts


def test_held_area_shown_agrees_with_the_geodesic_area(embedded_data_store):
    fig = render.build_figure(embedded_data_store, [KURSK], dt.date(2024, 11, 25), size=SMALL)
    features = embedded_data_store.features(
        int(embedded_data_store.heads(KURSK).set_index("as_of").loc[dt.date(2024, 11, 25), "version_id"])
    )
    held = shapely.union_all(
        features[(features["held_by"] == "UA") & (features["status"] == "held")].geometry.values
    )
    geodesic_km2 = (
        abs(pyproj.Geod(ellps="WGS84").geometry_area_perimeter(shapely.orient_polygons(held))[0]) / 1e6
    )
    shown = [t for t in _texts(fig) if t.endswith(" km²") and " " not in t.removesuffix(" km²")]
    assert (
        abs(float(shown[0].removesuffix(" km²").replace(",", "")) - geodesic_km2) < 0.06 + 1e-4 * geodesic_km2
    )


def test_nearest_reported_figure_is_labelled_with_its_source_and_date(embedded_data_store):
    texts = _texts(render.build_figure(embedded_data_store, [KURSK], dt.date(2024, 11, 25), size="16:9"))
    assert "Reported: 800 km²" in texts and "Reported peak: 1,376 km²" in texts
    detail = next(t for t in texts if "Reuters source in Ukrainian military leadership" in t)
    assert "Official claim" in detail and "2024-11-23" in detail
    assert any(t.startswith("Map on that date: ") and "% less" in t for t in texts)


def test_a_key_row_with_nothing_that_day_reads_zero_in_grey():
    frame = Frame(DAY, ("L",), (), ("L",), (Callout("L", "UA", "held", 12.34),), (), ())
    canvas = Canvas(1920, 1080, 1)
    keys = {"L": (("UA", "held", False), ("RU", "claimed", False))}
    panel(Column(canvas, 1300, 1050, 580, 0), frame, "A title", keys, 1.0)
    areas = [t for t in canvas.fig.texts if t.get_gid() == "area"]
    assert [t.get_text() for t in areas] == ["12.3 km²", "0 km²"]
    assert areas[0].get_color() == style.side_colour("UA") and areas[1].get_color() == FAINT
    texts = [t.get_text() for t in canvas.fig.texts]
    assert texts[0] == "A title" and "No snapshot yet" in texts


def test_several_layers_are_named_in_the_age_lines_and_the_key():
    frame = Frame(DAY, ("One", "Two"), (), ("One", "Two"), (Callout("One", "UA", "held", 1.0),), (), ())
    texts = _panel(frame, {"One": (("UA", "held", False),), "Two": ()})
    assert texts[0] == "One · Two"
    assert "One: no snapshot yet" in texts and "Two: no snapshot yet" in texts
    assert "One" in texts and "Two" not in texts


def test_a_figure_without_a_map_figure_shows_only_the_report():
    uncompared = ReportedLine(DAY, "scope", "at date", "estimate", "A source", 1000.5, None, None, None)
    frame = Frame(DAY, ("L",), (), ("L",), (), (uncompared,), ())
    texts = _panel(frame, {"L": ()})
    assert (
        "Reported: 1,000.5 km²" in texts and "Estimate\u00a0·\u00a0A source\u00a0·\u00a02024-09-03" in texts
    )
    assert not any(t.startswith("Map") for t in texts)


def test_a_panel_that_does_not_fit_overflows():
    frame = Frame(DAY, ("L",), (), ("L",), (), (), ())
    with pytest.raises(PanelOverflow):
        _panel(frame, {"L": ()}, bottom=1000)
