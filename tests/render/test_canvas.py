"""The drawing surface: repeatable defaults, text measured and wrapped to a width, the panel's column."""

from __future__ import annotations

import matplotlib
import pytest

from layers.render.canvas import FONT, PT_PER_PX, Canvas, Column, PanelOverflow, drawing_defaults

WORDS = "Reuters source in Ukrainian military leadership, 23 Nov 2024, official claim of the peak"


def test_drawing_defaults_ignore_a_local_matplotlibrc():
    with matplotlib.rc_context({"font.family": "serif", "lines.linewidth": 7, "text.usetex": True}):
        with drawing_defaults():
            assert matplotlib.rcParams["font.family"] == [FONT]
            assert matplotlib.rcParams["lines.linewidth"] == 1.5
            assert not matplotlib.rcParams["text.usetex"] and not matplotlib.rcParams["text.parse_math"]
        assert matplotlib.rcParams["font.family"] == ["serif"]


def test_a_canvas_has_its_pixels_and_a_unit_from_its_shorter_side():
    canvas = Canvas(480, 270, 2)
    assert canvas.agg.get_width_height(physical=True) == (960, 540)
    assert canvas.unit == pytest.approx(270 / 1080)
    assert canvas.font(40).get_size_in_points() == pytest.approx(40 * 0.25 * PT_PER_PX)


def test_measures_are_in_layout_pixels_whatever_the_scale():
    one, two = Canvas(480, 270, 1), Canvas(480, 270, 2)
    font_one, font_two = one.font(40), two.font(40)
    width_one, height_one = one.measure("Sudzha", font_one)
    width_two, _ = two.measure("Sudzha", font_two)
    # Not twice as wide: hinting at two sizes differs by a few per cent, not by the scale.
    assert width_two == pytest.approx(width_one, rel=0.1)
    assert one.measure("Sudzha Sudzha", font_one)[0] > 1.8 * width_one
    assert 0 < height_one < 2 * 40 * 0.25


def test_wrapped_lines_fit_the_width_and_keep_every_word():
    canvas = Canvas(1920, 1080, 1)
    font = canvas.font(20)
    lines = canvas.wrap(WORDS, font, 200)
    assert len(lines) > 2 and " ".join(lines) == WORDS
    assert all(canvas.measure(line, font)[0] <= 200 for line in lines)


def test_past_max_lines_the_last_line_ends_in_an_ellipsis_and_the_count():
    canvas = Canvas(1920, 1080, 1)
    font = canvas.font(20)
    lines = canvas.wrap(WORDS, font, 200, max_lines=2, more=" (9 in all)")
    assert len(lines) == 2 and lines[1].endswith("… (9 in all)")
    assert all(canvas.measure(line, font)[0] <= 200 for line in lines)


def test_a_word_wider_than_the_line_is_clipped():
    canvas = Canvas(1920, 1080, 1)
    font = canvas.font(20)
    (line,) = canvas.wrap("Oleksandrivka-Pokrovska-Novoivanivka", font, 80)
    assert line.endswith("…") and canvas.measure(line, font)[0] <= 80


def test_text_is_never_mathtext_or_tex():
    canvas = Canvas(480, 270, 1)
    text = canvas.text(10, 10, "$x^2$", canvas.font(20))
    assert text.get_text() == "$x^2$" and not text.get_parse_math() and not text.get_usetex()


def test_a_column_stacks_blocks_down_and_overflows_at_its_bottom():
    canvas = Canvas(1080, 1080, 1)
    column = Column(canvas, x=10, top=1000, width=300, bottom=900)
    column.text("First", 20, after=10)
    # One line of 20 px type at 1.22 line spacing, then 10 px.
    assert column.y == pytest.approx(1000 - 20 * 1.22 - 10)
    column.space(30)
    assert column.y == pytest.approx(1000 - 20 * 1.22 - 40)
    with pytest.raises(PanelOverflow):
        column.text(WORDS, 40, max_lines=3)


def test_fit_shrinks_type_to_the_template_so_every_value_gets_one_size():
    canvas = Canvas(1080, 1080, 1)
    column = Column(canvas, x=0, top=1000, width=200, bottom=0)
    short = column.text("1 May 2024", 64, fit="28 September 2024")
    long = column.text("28 September 2024", 64, fit="28 September 2024")
    assert short.get_fontsize() == long.get_fontsize() < 64 * PT_PER_PX
    assert canvas.measure("28 September 2024", long.get_fontproperties())[0] <= 200
