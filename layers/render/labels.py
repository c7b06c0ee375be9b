"""Names on the map: countries in spaced capitals and settlements, each placed where it overlaps nothing.

Boxes are in display pixels (``x0, y0, x1, y1``), so labels are placed as drawn at the
image's scale; data strings are drawn as plain text.
"""

from __future__ import annotations

from collections.abc import Sequence

import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes
from shapely.ops import polylabel

from .. import style
from .canvas import PT_PER_PX, Canvas
from .data import plain_text
from .projection import Basemap, View

__all__ = ["PLACE_SIZES", "Box", "corner_box", "country_labels", "overlaps", "place_labels"]

#: Label size in pixels at ``unit`` 1, by kind of settlement.
PLACE_SIZES = {"city": 23, "town": 20, "village": 18}

#: ``(x0, y0, x1, y1)`` in display pixels.
Box = tuple[float, float, float, float]


def overlaps(box: Box, boxes: Sequence[Box]) -> bool:
    """Whether ``box`` overlaps any of ``boxes`` (touching edges do not)."""
    return any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes)


def _axes_box(ax: Axes, canvas: Canvas) -> Box:
    (ax0, ay0), (ax1, ay1) = ax.get_window_extent(canvas.renderer).get_points()
    return ax0, ay0, ax1, ay1


def corner_box(ax: Axes, canvas: Canvas, corner: str, width_px: float, height_px: float) -> Box:
    """A box at the ``"lower left"`` or (any other ``corner``) upper right of the map, kept free of labels.

    ``width_px`` and ``height_px`` are layout pixels at ``unit`` 1: room for the scale
    bar or the north arrow.
    """
    ax0, ay0, ax1, ay1 = _axes_box(ax, canvas)
    w, h = width_px * canvas.unit * canvas.scale, height_px * canvas.unit * canvas.scale
    if corner == "lower left":
        return (ax0, ay0, ax0 + w, ay0 + h)
    return (ax1 - w, ay1 - h, ax1, ay1)


def country_labels(
    ax: Axes,
    canvas: Canvas,
    basemap: Basemap,
    view: View,
    territory: Sequence[shapely.Geometry | None],
    obstacles: list[Box],
) -> list[Box]:
    """Country names in spaced capitals, each in the largest open part of its visible land.

    A country covering less than 6 % of the view, or whose label would leave the map or
    overlap ``obstacles``, gets none. Returns the boxes of the labels drawn.
    """
    x0, y0, x1, y1 = view.bounds_m
    span = min(x1 - x0, y1 - y0)
    inner = shapely.box(
        x0 + 0.08 * (x1 - x0), y0 + 0.12 * (y1 - y0), x1 - 0.08 * (x1 - x0), y1 - 0.1 * (y1 - y0)
    )
    busy = shapely.union_all(
        [g for g in territory if g is not None] + [shapely.Point(0, 0).buffer(0)]
    ).buffer(span * 0.04)
    placed: list[Box] = []
    font = canvas.font(24, "bold")
    view_area = (x1 - x0) * (y1 - y0)
    for name, _fill, geom in sorted(basemap.countries, key=lambda c: -c[2].area):
        if geom.area < 0.06 * view_area:
            continue
        free = shapely.make_valid(geom.intersection(inner).difference(busy))
        # make_valid can leave an empty polygon among the parts, which polylabel refuses.
        parts = [p for p in shapely.get_parts(free) if p.geom_type == "Polygon" and p.area > 0]
        if not parts:
            continue
        largest = max(parts, key=lambda p: p.area)
        point = polylabel(largest, tolerance=span / 200)
        label = "\u2009".join(plain_text(name).upper())
        width, height = canvas.measure(label, font)
        cx, cy = ax.transData.transform((point.x, point.y))
        w, h = width * canvas.scale, height * canvas.scale
        box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
        ax0, ay0, ax1, ay1 = _axes_box(ax, canvas)
        if box[0] < ax0 or box[2] > ax1 or box[1] < ay0 or box[3] > ay1 or overlaps(box, obstacles + placed):
            continue
        ax.text(
            point.x,
            point.y,
            label,
            ha="center",
            va="center",
            color="#a39d90",
            fontproperties=font,
            parse_math=False,
            usetex=False,
            zorder=8,
            gid="country-label",
        )
        placed.append(box)
    return placed


def place_labels(ax: Axes, canvas: Canvas, basemap: Basemap, obstacles: Sequence[Box]) -> None:
    """Settlement names, most important first, each where it overlaps nothing already drawn.

    Tried right of the dot, then left, above and below; a place whose dot or every
    position overlaps something is left out, dot and all.
    """
    placed = list(obstacles)
    ax0, ay0, ax1, ay1 = _axes_box(ax, canvas)
    scale, unit = canvas.scale, canvas.unit
    for name, kind, x, y in basemap.places:
        font = canvas.font(PLACE_SIZES.get(kind, 14), "bold" if kind == "city" else "normal")
        width, height = canvas.measure(name, font)
        w, h = width * scale, height * scale
        px, py = ax.transData.transform((x, y))
        radius = (4.5 if kind == "city" else 3.5) * unit * scale
        dot = (px - radius, py - radius, px + radius, py + radius)
        offset = 8 * unit * scale
        candidates = [
            ("left", "center", (px + offset, py - h / 2, px + offset + w, py + h / 2), (offset, 0)),
            ("right", "center", (px - offset - w, py - h / 2, px - offset, py + h / 2), (-offset, 0)),
            ("center", "bottom", (px - w / 2, py + offset, px + w / 2, py + offset + h), (0, offset)),
            ("center", "top", (px - w / 2, py - offset - h, px + w / 2, py - offset), (0, -offset)),
        ]
        if overlaps(dot, placed):
            continue
        for ha, va, box, (dx, dy) in candidates:
            pad = 3 * unit * scale
            padded = (box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad)
            if (
                padded[0] < ax0
                or padded[2] > ax1
                or padded[1] < ay0
                or padded[3] > ay1
                or overlaps(padded, placed)
            ):
                continue
            ax.plot(
                [x],
                [y],
                marker="o",
                markersize=2 * radius / scale * PT_PER_PX,
                color=style.BASEMAP["label"],
                markeredgecolor="white",
                markeredgewidth=1.0 * unit,
                zorder=20,
            )
            ax.annotate(
                name,
                (x, y),
                xytext=(dx / scale * PT_PER_PX, dy / scale * PT_PER_PX),
                textcoords="offset points",
                ha=ha,
                va=va,
                color=style.BASEMAP["label"],
                fontproperties=font,
                parse_math=False,
                usetex=False,
                path_effects=[patheffects.withStroke(linewidth=3.5 * unit, foreground="white")],
                zorder=21,
                gid="place-label",
            )
            placed.append(padded)
            placed.append(dot)
            break
