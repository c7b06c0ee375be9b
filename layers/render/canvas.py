"""The drawing surface: a figure in layout pixels, with text measured and wrapped as the PNG draws it.

No ``pyplot``: each image is a ``Figure`` with a ``FigureCanvasAgg`` of its own, so no
global backend is switched. The only font is DejaVu Sans, which ships with matplotlib,
and every string is drawn as plain text (``parse_math=False``, ``usetex=False``): a
``$...$`` from data is not mathtext and nothing is handed to TeX.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib
import matplotlib.style
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.text import Text
from matplotlib.transforms import Affine2D

__all__ = [
    "DPI",
    "FAINT",
    "FONT",
    "INK",
    "MUTED",
    "PT_PER_PX",
    "Canvas",
    "Column",
    "PanelOverflow",
    "drawing_defaults",
]

FONT = "DejaVu Sans"
#: Dots per inch at ``scale=1``: one layout pixel is one image pixel.
DPI = 100
PT_PER_PX = 72 / DPI
INK = "#1a1a1a"
MUTED = "#555555"
FAINT = "#8c8c8c"

#: Text extents by (text, size, weight, scale): the same words recur on every frame.
_MEASURED: dict[tuple[str, float, str | int, int], tuple[float, float]] = {}


@contextmanager
def drawing_defaults() -> Iterator[None]:
    """matplotlib's own defaults plus plain text in DejaVu Sans, whatever a matplotlibrc says.

    The same data then gives the same pixels everywhere.
    """
    with (
        matplotlib.style.context("default"),
        matplotlib.rc_context({"font.family": FONT, "text.usetex": False, "text.parse_math": False}),
    ):
        yield


class Canvas:
    """A figure in layout pixels (``scale=1``), with text measured as the PNG will draw it.

    Parameters
    ----------
    width, height : int
        Layout pixels; the image has ``scale`` times as many.
    scale : int
        Image pixels per layout pixel.
    """

    def __init__(self, width: int, height: int, scale: int):
        self.width, self.height, self.scale = width, height, scale
        self.fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI * scale, facecolor="white")
        self.agg = FigureCanvasAgg(self.fig)
        self.renderer = self.agg.get_renderer()
        #: Layout pixels to display coordinates.
        self.px = Affine2D().scale(1 / DPI) + self.fig.dpi_scale_trans
        #: Type and spacing grow with the image's shorter side; 1 at 1080 pixels.
        self.unit = min(width, height) / 1080

    def font(self, size_px: float, weight: str = "normal") -> FontProperties:
        """DejaVu Sans of ``size_px`` layout pixels at ``unit`` 1."""
        return FontProperties(family=FONT, size=size_px * self.unit * PT_PER_PX, weight=weight)

    def measure(self, text: str, font: FontProperties) -> tuple[float, float]:
        """Width and height of one line, in layout pixels."""
        key = (text or " ", font.get_size_in_points(), font.get_weight(), self.scale)
        if key not in _MEASURED:
            width, height, _ = self.renderer.get_text_width_height_descent(text or " ", font, ismath=False)
            if len(_MEASURED) > 20_000:
                _MEASURED.clear()
            _MEASURED[key] = (width / self.scale, height / self.scale)
        return _MEASURED[key]

    def wrap(
        self, text: str, font: FontProperties, width: float, max_lines: int | None = None, more: str = ""
    ) -> list[str]:
        """Lines of ``text`` no wider than ``width``; past ``max_lines`` the last ends in '…' and ``more``.

        Words are measured one by one and summed (kerning across a space is negligible),
        then each line is measured whole and clipped if it still does not fit.

        Bounded whatever the text's length: with ``max_lines``, only the first
        :meth:`room` characters (more than the lines could show in the narrowest glyph)
        are looked at, and a clipped line is cut by bisection, so an 8,000-character
        title costs about as much as a short one. Text cut that way ends in '…' too.
        """
        cut = False
        if max_lines:
            room = self.room(font, width, max_lines)
            cut = len(text) > room
            text = text[:room]
        space = self.measure("a a", font)[0] - self.measure("aa", font)[0]
        lines, line, used = [], "", 0.0
        for word in text.split(" "):
            size = self.measure(word, font)[0] if word else 0.0
            if not line or used + space + size <= width:
                used = used + space + size if line else size
                line = f"{line} {word}" if line else word
            else:
                lines.append(line)
                line, used = word, size
        if line:
            lines.append(line)
        lines = [self._clip(line, font, width) for line in lines]
        if max_lines and (len(lines) > max_lines or cut):
            last = lines[min(max_lines, len(lines)) - 1].removesuffix("…")
            words = last.split(" ")
            while len(words) > 1 and self.measure(" ".join(words) + "…" + more, font)[0] > width:
                words.pop()
            tail = "…" + more
            left = width - self.measure(tail, font)[0]
            end = self._clip(" ".join(words).rstrip(",;"), font, left, mark="") if left > 0 else ""
            lines = lines[: min(max_lines, len(lines)) - 1] + [(end + tail).strip()]
        return lines

    def room(self, font: FontProperties, width: float, lines: int) -> int:
        """More characters than ``lines`` lines of ``width`` can show: past this, text is cut unread."""
        # "." is among the narrowest glyphs of DejaVu Sans; half of it allows for narrower ones.
        narrowest = max(self.measure(".", font)[0] / 2, 0.5)
        return int(lines * width / narrowest) + lines

    def _clip(self, line: str, font: FontProperties, width: float, mark: str = "…") -> str:
        """``line``, or its longest start that fits with ``mark`` after it, found by bisection."""
        if self.measure(line, font)[0] <= width:
            return line
        low, high = 0, len(line)
        while low < high:
            middle = (low + high + 1) // 2
            if self.measure(line[:middle] + mark, font)[0] <= width:
                low = middle
            else:
                high = middle - 1
        return line[:low] + mark

    def text(self, x: float, y: float, s: str, font: FontProperties, **keywords: Any) -> Text:
        """Plain text at layout pixel ``(x, y)``: never mathtext, never TeX."""
        return self.fig.text(
            x, y, s, fontproperties=font, transform=self.px, parse_math=False, usetex=False, **keywords
        )


class PanelOverflow(Exception):
    """The side panel's content does not fit; drawn again with smaller type."""


class Column:
    """Blocks stacked downwards from ``top`` in a column of the side panel, in layout pixels."""

    def __init__(self, canvas: Canvas, x: float, top: float, width: float, bottom: float):
        self.canvas, self.x, self.y, self.width, self.bottom = canvas, x, top, width, bottom

    def text(
        self,
        s: str,
        size_px: float,
        *,
        weight: str = "normal",
        colour: str = INK,
        after: float = 0.0,
        max_lines: int = 2,
        indent: float = 0.0,
        fit: bool | str = False,
        gid: str | None = None,
    ) -> Text:
        """``s`` wrapped to ``max_lines`` (or, with ``fit``, shrunk to one line) below the last block.

        Parameters
        ----------
        after : float
            Space below, in pixels at ``unit`` 1.
        fit : bool or str
            Shrink the type until ``s`` fits on one line; a string is a template as wide
            as any value, so every frame keeps one size.

        Raises
        ------
        PanelOverflow
            When the block ends below ``bottom``.
        """
        canvas = self.canvas
        font = canvas.font(size_px, weight)
        width = self.width - indent
        if fit:
            # Sized for ``fit`` (a template as wide as any value), so frames keep one size.
            while (
                canvas.measure(fit if isinstance(fit, str) else s, font)[0] > width
                and font.get_size_in_points() > 8
            ):
                font.set_size(font.get_size_in_points() * 0.95)
            lines = [s]
        else:
            lines = canvas.wrap(s, font, width, max_lines)
        line_height = font.get_size_in_points() / PT_PER_PX * 1.22
        artist = canvas.text(
            self.x + indent,
            self.y,
            "\n".join(lines),
            font,
            color=colour,
            va="top",
            ha="left",
            linespacing=1.22,
            gid=gid,
        )
        self.y -= line_height * len(lines) + after * canvas.unit
        if self.y < self.bottom:
            raise PanelOverflow
        return artist

    def space(self, px: float) -> None:
        """Leave ``px`` pixels (at ``unit`` 1) empty below the last block."""
        self.y -= px * self.canvas.unit
