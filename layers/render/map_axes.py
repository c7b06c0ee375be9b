"""The map: basemap, territory in the app's styles, scale bar, north arrow and names, on one Axes.

Coordinates are the view's metres (:class:`~layers.render.projection.View`), so a
scale bar of 1 m per unit is true at the centre of the map.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.font_manager import FontProperties
from matplotlib.offsetbox import AnchoredOffsetbox, DrawingArea
from matplotlib.patches import PathPatch, Polygon
from matplotlib.path import Path as MplPath
from matplotlib.text import Text
from matplotlib_scalebar.scalebar import ScaleBar

from .. import style
from .canvas import FONT, INK, MUTED, PT_PER_PX, Canvas
from .data import STATUS_ORDER, Frame
from .events import EventsShown, draw_events
from .labels import corner_box, country_labels, place_labels
from .projection import Basemap, View

__all__ = ["LINE_SCALE", "draw_map", "north_arrow", "polygon_path", "territory_patch_style"]

#: Leaflet's CSS-pixel line weights look thin on a slide seen from the back of a room.
LINE_SCALE = 1.15


def territory_patch_style(held_by: str, status: str, line_scale: float = 1.0) -> dict[str, Any]:
    """``PathPatch`` keywords drawing a side and status as the app does (``style.territory_style``).

    Leaflet's ``dashArray`` (CSS pixels) becomes a matplotlib dash pattern of the same
    proportions; ``line_scale`` multiplies line width and dashes together.
    """
    leaflet = style.territory_style(held_by, status)
    weight = float(leaflet["weight"])
    width = weight * LINE_SCALE * line_scale
    keywords: dict[str, Any] = {
        "facecolor": to_rgba(str(leaflet["fillColor"]), float(leaflet["fillOpacity"])),
        "edgecolor": to_rgba(str(leaflet["color"]), float(leaflet["opacity"])),
        "linewidth": width,
        "joinstyle": "round",
    }
    if "dashArray" in leaflet:
        # matplotlib scales dashes by the line width; Leaflet's are absolute.
        keywords["linestyle"] = (0, tuple(float(v) / weight for v in str(leaflet["dashArray"]).split()))
    return keywords


def polygon_path(geom: shapely.Geometry | None) -> MplPath | None:
    """A matplotlib path of a (multi)polygon's rings; holes wind the other way, so they stay open.

    None for a geometry with no polygon (or no ring of at least 4 points).
    """
    polygons = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and not p.is_empty]
    if not polygons:
        return None
    vertices, codes = [], []
    for polygon in shapely.orient_polygons(polygons):
        for ring in [polygon.exterior, *polygon.interiors]:
            xy = np.asarray(ring.coords)[:, :2]
            if len(xy) < 4:
                continue
            ring_codes = np.full(len(xy), MplPath.LINETO, dtype=MplPath.code_type)
            ring_codes[0], ring_codes[-1] = MplPath.MOVETO, MplPath.CLOSEPOLY
            vertices.append(xy)
            codes.append(ring_codes)
    if not vertices:
        return None
    return MplPath(np.concatenate(vertices), np.concatenate(codes))


def draw_map(
    ax: Axes, canvas: Canvas, frame: Frame, view: View, basemap: Basemap, events: EventsShown | None = None
) -> None:
    """The frame's map on ``ax``: land and sea, territory, events, borders, scale, north and names.

    Density is drawn over the territory's fill and under its outlines, drawn again above
    it, so that the front line is never buried; symbols go over everything but the
    scale bar, the north arrow and the names.
    """
    unit = canvas.unit
    x0, y0, x1, y1 = view.bounds_m
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="datalim")
    ax.set_facecolor(str(style.BASEMAP["sea"]))
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor("#9a9a9a")
        spine.set_linewidth(0.8 * unit)
    border_width = 1.2 * LINE_SCALE * unit
    for _name, fill, geom in basemap.countries:
        path = polygon_path(geom)
        if path is not None:
            ax.add_patch(PathPatch(path, facecolor=fill, edgecolor="none", zorder=1))
    for _name, _fill, geom in basemap.countries:
        path = polygon_path(geom)
        if path is not None:
            # Over the territory: the story is often which side of the border it lies on.
            ax.add_patch(
                PathPatch(
                    path,
                    facecolor="none",
                    edgecolor=style.BASEMAP["border"],
                    linewidth=border_width,
                    zorder=15,
                )
            )

    territory = []
    for snapshot in frame.snapshots:
        features = snapshot.features
        if not len(features):
            continue
        projected = view.project(features.geometry.values)
        for held_by, status, geom in zip(features["held_by"], features["status"], projected, strict=True):
            territory.append((STATUS_ORDER.get(status, 3), held_by, status, geom))
    for order, held_by, status, geom in sorted(territory, key=lambda t: t[0]):
        path = polygon_path(geom)
        if path is not None:
            ax.add_patch(
                PathPatch(
                    path,
                    zorder=10 + order,
                    **territory_patch_style(held_by, status, line_scale=unit),
                    gid=f"territory-{status}",
                )
            )
    if events is not None:
        draw_events(ax, events, unit)
        if events.density is not None:
            for _order, held_by, status, geom in sorted(territory, key=lambda t: t[0]):
                path = polygon_path(geom)
                if path is not None:
                    outline = territory_patch_style(held_by, status, line_scale=unit)
                    outline["facecolor"] = "none"
                    # A white casing keeps the line readable over the darkest hexagons.
                    casing = patheffects.withStroke(
                        linewidth=outline["linewidth"] + 2.5 * unit, foreground="white", alpha=0.9
                    )
                    patch = PathPatch(path, zorder=14, **outline, gid=f"front-{status}")
                    patch.set_path_effects([casing, patheffects.Normal()])
                    ax.add_patch(patch)

    scalebar = ScaleBar(
        1.0,
        "m",
        location="lower left",
        length_fraction=0.22,
        width_fraction=0.012,
        box_alpha=0.85,
        pad=0.5,
        border_pad=0.9,
        sep=5 * unit,
        color=INK,
        scale_loc="top",
        font_properties={"family": FONT, "size": 21 * unit * PT_PER_PX},
    )
    ax.add_artist(scalebar)
    ax.add_artist(north_arrow(unit))

    obstacles = [
        corner_box(ax, canvas, "lower left", 300, 95),
        corner_box(ax, canvas, "upper right", 90, 120),
    ]
    shapes = [geom for *_, geom in territory]
    obstacles += country_labels(ax, canvas, basemap, view, shapes, obstacles)
    place_labels(ax, canvas, basemap, obstacles)
    if not frame.snapshots:
        ax.text(
            0.5,
            0.5,
            "No snapshot yet",
            transform=ax.transAxes,
            ha="center",
            va="center",
            color=MUTED,
            fontproperties=canvas.font(32, "bold"),
            parse_math=False,
            usetex=False,
            zorder=30,
        )


def north_arrow(unit: float) -> AnchoredOffsetbox:
    """A half-filled arrow under an "N", anchored at the upper right of the map (gid ``north-arrow``)."""
    size = 58 * unit * PT_PER_PX
    area = DrawingArea(size * 0.7, size * 1.25)
    w, h = size * 0.7, size * 1.25
    tip, base, middle = (w / 2, h * 0.78), h * 0.08, h * 0.28
    area.add_artist(
        Polygon(
            [tip, (w * 0.08, base), (w / 2, middle)],
            closed=True,
            facecolor=INK,
            edgecolor=INK,
            linewidth=0.8 * unit,
        )
    )
    area.add_artist(
        Polygon(
            [tip, (w * 0.92, base), (w / 2, middle)],
            closed=True,
            facecolor="white",
            edgecolor=INK,
            linewidth=0.8 * unit,
        )
    )
    area.add_artist(
        Text(
            w / 2,
            h * 0.80,
            "N",
            ha="center",
            va="bottom",
            fontproperties=FontProperties(family=FONT, size=21 * unit * PT_PER_PX, weight="bold"),
            color=INK,
            parse_math=False,
            usetex=False,
        )
    )
    box = AnchoredOffsetbox(loc="upper right", child=area, pad=0.3, borderpad=0.8, frameon=False)
    box.set_gid("north-arrow")
    box.set_zorder(25)
    return box
