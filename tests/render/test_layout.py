"""The image's size and where things go: named sizes, checks, map, panel and footer apart."""

from __future__ import annotations

import pytest

from layers.errors import InvalidInputError
from layers.render.canvas import Canvas
from layers.render.layout import (
    FOOTER_PX,
    METHOD_NOTE,
    SIZES,
    SOURCE_LINES,
    check_scale,
    pixel_size,
    slide_layout,
)


@pytest.mark.parametrize(
    "size, message",
    [("5:4", "16:9, 4:3, square or WIDTHxHEIGHT"), ("100x100", "240 to 4096"), ((1920,), "width, height")],
)
def test_bad_sizes_are_explained(size, message):
    with pytest.raises(InvalidInputError, match=message):
        pixel_size(size)


def test_custom_size_text():
    assert pixel_size("1280x720") == (1280, 720)
    assert pixel_size(" 1280 × 720 ") == (1280, 720)
    assert pixel_size("square") == (1080, 1080)
    assert pixel_size(("640", 480)) == (640, 480)


def test_scale_is_one_or_two():
    assert check_scale(1) == 1 and check_scale(2) == 2
    with pytest.raises(InvalidInputError, match="use 1 or 2"):
        check_scale(3)


@pytest.mark.parametrize("size", [*SIZES.values(), (480, 270), (240, 4096)])
def test_map_panel_and_footer_do_not_overlap_and_stay_on_the_image(size):
    layout = slide_layout(size)
    x, y, w, h = layout.map_rect
    assert (layout.width, layout.height) == size
    assert layout.margin <= x and x + w < layout.panel_x
    assert layout.panel_x + layout.panel_width == pytest.approx(size[0] - layout.margin)
    assert layout.footer_top < y and y + h == pytest.approx(size[1] - layout.margin)
    assert layout.map_aspect == pytest.approx(w / h)
    # Room under the rule for the sources and the method, at the footer's line height.
    line = FOOTER_PX * layout.unit * 1.25
    assert layout.footer_top >= (SOURCE_LINES + len(layout.method_lines)) * line


def test_the_method_note_is_wrapped_to_the_image_width():
    layout = slide_layout((480, 270))
    canvas = Canvas(480, 270, 1)
    font = canvas.font(FOOTER_PX)
    assert " ".join(layout.method_lines) == METHOD_NOTE
    assert all(canvas.measure(line, font)[0] <= 480 - 2 * layout.margin for line in layout.method_lines)
