"""The image's size and where things go on it: map, side panel and footer, the same for every frame."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from ..areas import BORDERS_SOURCE, METHOD
from ..errors import InvalidInputError
from .canvas import Canvas

__all__ = [
    "CREDIT_LINES",
    "FOOTER_PX",
    "MAX_SIDE_PX",
    "METHOD_NOTE",
    "MIN_SIDE_PX",
    "SCALES",
    "SIZES",
    "SOURCE_LINES",
    "Layout",
    "SizeLike",
    "check_scale",
    "pixel_size",
    "slide_layout",
]

#: Named slide sizes in pixels (at ``scale=1``).
SIZES = {"16:9": (1920, 1080), "4:3": (1600, 1200), "square": (1080, 1080)}
SCALES = (1, 2)
#: Smallest and largest side of an image in pixels, at ``scale=1``.
MIN_SIDE_PX, MAX_SIDE_PX = 240, 4096
#: Footer type size, in pixels at ``unit`` 1.
FOOTER_PX = 16
#: Lines kept for the sources under the map; longer lists end in "…" and their count.
SOURCE_LINES = 2
#: Lines kept for the layers' credits (source, licence, attribution) under the sources; they
#: may also take the sources' lines that the sources leave unused.
CREDIT_LINES = 1
#: How the km² were computed, under every image.
METHOD_NOTE = (
    f"Areas computed from the geometry, not from this drawing: {METHOD}. Borders: {BORDERS_SOURCE}. "
    "Drawn in a Lambert azimuthal equal-area projection centred on the map."
)

#: A named size (``SIZES``), a ``"WxH"`` text, or ``(width, height)`` in pixels.
SizeLike = str | Sequence[int]


def pixel_size(size: SizeLike) -> tuple[int, int]:
    """Width and height in pixels at ``scale=1`` of a named size, a ``"WxH"`` text or a pair.

    Raises
    ------
    InvalidInputError
        For an unknown name, a malformed ``WxH`` or a side outside ``MIN_SIDE_PX..MAX_SIDE_PX``.
    """
    if isinstance(size, str):
        text = size.strip().lower()
        if text in SIZES:
            return SIZES[text]
        match = re.fullmatch(r"(\d{1,5})\s*[x×]\s*(\d{1,5})", text)
        if not match:
            raise InvalidInputError(
                f"size {size!r}: use one of {', '.join(SIZES)} or WIDTHxHEIGHT in pixels, e.g. 1280x720."
            )
        width, height = int(match.group(1)), int(match.group(2))
    else:
        try:
            width, height = (int(v) for v in size)
        except (TypeError, ValueError):
            raise InvalidInputError(
                f"size {size!r}: give (width, height) in pixels or one of {', '.join(SIZES)}."
            ) from None
    if not (MIN_SIDE_PX <= width <= MAX_SIDE_PX and MIN_SIDE_PX <= height <= MAX_SIDE_PX):
        raise InvalidInputError(
            f"size {width}x{height}: each side must be {MIN_SIDE_PX} to {MAX_SIDE_PX} pixels; "
            "use --scale 2 for a sharper image."
        )
    return width, height


def check_scale(scale: int) -> int:
    """``scale`` if it is one of ``SCALES``.

    Raises
    ------
    InvalidInputError
        For any other value.
    """
    if scale not in SCALES:
        raise InvalidInputError(f"scale {scale!r}: use 1 or 2 (2 doubles the pixels, same layout).")
    return int(scale)


@dataclass(frozen=True)
class Layout:
    """Where things go on an image, in layout pixels from the bottom left; the same for every frame."""

    width: int
    height: int
    #: Type and spacing grow with the image's shorter side; 1 at 1080 pixels.
    unit: float
    margin: float
    panel_x: float
    panel_width: float
    footer_top: float
    #: ``METHOD_NOTE`` wrapped to the image's width.
    method_lines: tuple[str, ...]
    #: ``(x, y, width, height)`` of the map.
    map_rect: tuple[float, float, float, float]

    @property
    def map_aspect(self) -> float:
        """The map's width over its height."""
        return self.map_rect[2] / self.map_rect[3]


@lru_cache(maxsize=8)
def slide_layout(size: tuple[int, int]) -> Layout:
    """The layout of an image of ``size`` pixels at ``scale=1``: panel on the right, footer below."""
    width, height = size
    measuring = Canvas(width, height, 1)
    unit = measuring.unit
    margin = 34 * unit
    panel_width = min(600 * unit, 0.42 * width)
    method_lines = tuple(measuring.wrap(METHOD_NOTE, measuring.font(FOOTER_PX), width - 2 * margin))
    footer_line = FOOTER_PX * unit * 1.25
    footer_top = 24 * unit + footer_line * (SOURCE_LINES + CREDIT_LINES + len(method_lines))
    map_bottom = footer_top + 22 * unit
    map_width = width - panel_width - 34 * unit - 2 * margin
    return Layout(
        width,
        height,
        unit,
        margin,
        width - margin - panel_width,
        panel_width,
        footer_top,
        method_lines,
        (margin, map_bottom, map_width, height - margin - map_bottom),
    )
