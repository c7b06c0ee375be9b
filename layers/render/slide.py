"""One slide: the map, the side panel and the footer on one figure, as a matplotlib Figure or a PNG."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import replace

from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Rectangle

from ..alttext import illustrative_label
from ..credits import Credit, credit_line, credits_text
from ..errors import InvalidInputError
from ..events import DEFAULT_WINDOW_DAYS
from ..store import Store
from .canvas import MUTED, Canvas, Column, PanelOverflow, drawing_defaults
from .data import Frame, FrameReader, KeyPlan, key_plan, plain_text, require_some_snapshot
from .events import EventsReader, EventsShown, plan
from .layout import (
    CREDIT_LINES,
    FOOTER_PX,
    SOURCE_LINES,
    Layout,
    SizeLike,
    check_scale,
    pixel_size,
    slide_layout,
)
from .map_axes import draw_map
from .panel import panel
from .projection import Basemap, View, basemap_for, check_extent, frames_view

__all__ = ["build_figure", "credit_lines", "footer", "frame_figure", "render_png"]


def credit_lines(
    canvas: Canvas,
    credits: Sequence[tuple[str, Credit]],
    font: FontProperties,
    width: float,
    most: int = CREDIT_LINES,
) -> list[str]:
    """The layers' credits in ``most`` lines at most, each as :func:`~layers.credits.credit_line`.

    One line a layer when they fit so; else the lines run on, separated by ";"; else (many
    layers) one entry per distinct credit, naming how many layers it covers. Whatever is
    cut, a non-commercial licence is said first ("Non-commercial use only: ..."), so that no
    cut drops it. Every string is plain text (an editor typed it).
    """
    pairs = [(plain_text(layer), credit) for layer, credit in dict(credits).items()]
    if not pairs:
        return []
    each = [plain_text(credit_line(layer, credit)) for layer, credit in pairs]
    if len(each) <= most and all(canvas.measure(line, font)[0] <= width for line in each):
        return each
    text = "Credits: " + "; ".join(each)
    lines = canvas.wrap(text, font, width)
    if len(lines) <= most:
        return lines
    by_credit: dict[Credit, list[str]] = {}
    for layer, credit in pairs:
        by_credit.setdefault(credit, []).append(layer)
    restricted = sorted({plain_text(c.licence) for c in by_credit if c.non_commercial})
    entries = []
    for credit, layers in by_credit.items():
        line = plain_text(credit_line("", credit)).removeprefix(": ")
        entries.append(f"{line} ({len(layers)} layer{'s' if len(layers) > 1 else ''})")
    head = f"Non-commercial use only: {', '.join(restricted)}. " if restricted else ""
    return canvas.wrap(head + "Credits: " + "; ".join(entries), font, width, max_lines=most)


def footer(canvas: Canvas, frame: Frame, layout: Layout) -> None:
    """Sources (``SOURCE_LINES`` at most), the layers' credits (``CREDIT_LINES`` and the
    sources' unused lines at most, :func:`credit_lines`) and the method under the map and
    the panel.

    An illustrative layer is named first, so that no cut of a long list of sources drops it.
    """
    unit = canvas.unit
    font = canvas.font(FOOTER_PX)
    width = layout.width - 2 * layout.margin
    sources = frame.sources
    labels = "".join(f"{illustrative_label(plain_text(name))}. " for name in frame.illustrative)
    text = (
        labels
        + "Sources: "
        + (
            "; ".join(sources)
            if sources
            else "none given"
            if frame.snapshots
            else "no snapshot on or before this date"
        )
    )
    source_lines = canvas.wrap(
        text, font, width, max_lines=SOURCE_LINES, more=f" ({len(sources)} in all)" if sources else ""
    )
    room = CREDIT_LINES + SOURCE_LINES - len(source_lines)
    lines = [*source_lines, *credit_lines(canvas, frame.credits, font, width, room), *layout.method_lines]
    canvas.text(
        layout.margin,
        layout.footer_top,
        "\n".join(lines),
        font,
        color=MUTED,
        va="top",
        ha="left",
        linespacing=1.25,
        gid="footer",
    )
    canvas.fig.add_artist(
        Rectangle(
            (layout.margin, layout.footer_top + 8 * unit),
            width,
            max(1.0, unit),
            transform=canvas.px,
            facecolor="#d0d0d0",
            edgecolor="none",
        )
    )


def _figure(
    frame: Frame,
    view: View,
    basemap: Basemap,
    size: tuple[int, int],
    scale: int,
    title: str | None,
    keys: KeyPlan,
    type_scale: float,
    events: EventsShown | None,
    compact_events: bool = False,
) -> Figure:
    if events is not None and events.illustrative and events.layer not in frame.illustrative:
        frame = replace(frame, illustrative=(*frame.illustrative, events.layer))
    if events is not None and events.layer not in dict(frame.credits):
        frame = replace(frame, credits=(*frame.credits, (events.layer, events.credit)))
    layout = slide_layout(size)
    canvas = Canvas(layout.width, layout.height, scale)
    footer(canvas, frame, layout)
    x, y, w, h = layout.map_rect
    ax = canvas.fig.add_axes((x / layout.width, y / layout.height, w / layout.width, h / layout.height))
    draw_map(ax, canvas, frame, view, basemap, events)
    column = Column(
        canvas, layout.panel_x, layout.height - layout.margin + 4 * layout.unit, layout.panel_width, y
    )
    panel(column, frame, title, keys, type_scale, events, compact_events)
    return canvas.fig


def frame_figure(
    frame: Frame,
    view: View,
    basemap: Basemap,
    size: tuple[int, int],
    scale: int,
    title: str | None,
    keys: KeyPlan,
    events: EventsShown | None = None,
) -> Figure:
    """The frame's figure, with smaller type if the side panel would not fit otherwise,
    and then the events' key in two lines (a panel full of layers and reported figures).

    Call it inside :func:`~layers.render.canvas.drawing_defaults`. ``events``: the
    events to draw and key (:func:`~layers.render.events.plan`), or None.

    Raises
    ------
    InvalidInputError
        When even the type shrunk five times does not fit.
    """
    for compact in (False, True) if events is not None else (False,):
        type_scale = 1.0
        for _ in range(6):
            try:
                return _figure(frame, view, basemap, size, scale, title, keys, type_scale, events, compact)
            except PanelOverflow:
                type_scale *= 0.9
    raise InvalidInputError(
        "the key does not fit on an image this size; choose a larger --size or fewer layers."
    )


def build_figure(
    store: Store,
    layers: Sequence[str] | None,
    as_of: dt.date,
    *,
    size: SizeLike = (1920, 1080),
    scale: int = 1,
    extent: Sequence[float] | None = None,
    title: str | None = None,
    events: str | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> Figure:
    """The slide of ``layers`` on ``as_of`` as a matplotlib Figure (Agg canvas); see :func:`render_png`."""
    return _slide(store, layers, as_of, size, scale, extent, title, events, window_days)[0]


def _slide(
    store: Store,
    layers: Sequence[str] | None,
    as_of: dt.date,
    size: SizeLike,
    scale: int,
    extent: Sequence[float] | None,
    title: str | None,
    events: str | None,
    window_days: int,
) -> tuple[Figure, list[str]]:
    """The slide's Figure and its layers' credit lines (for the PNG's metadata)."""
    pixels, scale = pixel_size(size), check_scale(scale)
    checked = check_extent(extent) if extent is not None else None
    with drawing_defaults():
        reader = FrameReader(store, layers)
        happened = EventsReader(store, events, window_days) if events else None
        frame = reader.frame(as_of)
        require_some_snapshot(reader, [frame])
        view = frames_view([frame], checked, slide_layout(pixels).map_aspect)
        shown = plan([happened.shown(as_of, view)], view)[0] if happened else None
        fig = frame_figure(
            frame, view, basemap_for(view), pixels, scale, title, key_plan([frame]), events=shown
        )
    credits = [*frame.credits, *([(happened.layer, happened.credit)] if happened else [])]
    return fig, credits_text(credits)


def _png(fig: Figure, credits: Sequence[str] = ()) -> bytes:
    """The PNG of ``fig``; ``credits`` (the layers' credit lines) in its ``Copyright`` text."""
    buffer = io.BytesIO()
    metadata: dict[str, str | None] = {"Software": None}
    if credits:
        metadata["Copyright"] = "; ".join(plain_text(line) for line in credits)
    with drawing_defaults():
        fig.savefig(buffer, format="png", dpi=fig.dpi, metadata=metadata, facecolor="white")
    return buffer.getvalue()


def render_png(
    store: Store,
    layers: Sequence[str] | None,
    as_of: dt.date,
    *,
    size: SizeLike = (1920, 1080),
    scale: int = 1,
    extent: Sequence[float] | None = None,
    title: str | None = None,
    events: str | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> bytes:
    """The map of ``layers`` on ``as_of`` as a slide-ready PNG.

    Parameters
    ----------
    store : Store
    layers : list of str, or None
        Territory layers to draw; None or empty: every territory layer.
    as_of : datetime.date
        Each layer shows its latest snapshot on or before this date.
    size : (int, int) or str
        Pixels at ``scale=1``: a pair, ``"WxH"``, or one of ``SIZES`` (``"16:9"`` 1920x1080,
        ``"4:3"`` 1600x1200, ``"square"`` 1080x1080).
    scale : {1, 2}
        2 doubles the pixels (twice the dpi), with the same layout.
    extent : (west, south, east, north), optional
        In degrees; widened (never cropped) to the map's shape. Default: the bounds of the
        shown snapshots, padded by ``PADDING`` (at least ``MIN_SPAN_M`` across).
    title : str, optional
        Default: the layer names.
    events : str, optional
        An events layer: its events of the ``window_days`` days ending on ``as_of`` that
        fall in the extent are drawn, a symbol each up to ``events.SYMBOLS_AT_MOST``, else
        as density in hexagons (:mod:`~layers.render.events`), and keyed in the panel.
    window_days : int
        1 to ``events.MAX_WINDOW_DAYS``; default ``layers.events.DEFAULT_WINDOW_DAYS``.

    Returns
    -------
    bytes
        A PNG, identical for identical data and arguments, its layers' credit lines printed
        in the footer and in its ``Copyright`` text chunk. Drawn in a Lambert azimuthal
        equal-area projection centred on the extent (display only; the km² shown come
        from ``Store.area_series``).

    Raises
    ------
    UnknownLayerError
        For a layer the store does not hold (for ``events``: listing the events layers).
    InvalidInputError
        For a bad size, scale, extent or window, an events layer among ``layers`` or a
        territory layer as ``events``, or no snapshot on or before ``as_of``.
    """
    fig, credits = _slide(store, layers, as_of, size, scale, extent, title, events, window_days)
    return _png(fig, credits)
