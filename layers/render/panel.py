"""The side panel: title, date and the snapshots' age, the key with each side's km², reported figures."""

from __future__ import annotations

import calendar

from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from .. import style
from ..alttext import event_kind_plural
from ..categories import group_label, layer_categories
from .canvas import FAINT, INK, MUTED, Column
from .data import Frame, KeyPlan, ReportedLine, plain_text
from .events import (
    DENSITY_ALPHA,
    DENSITY_RAMP,
    KIND_MARKERS,
    EventsShown,
    kind_words,
    source_words,
    window_words,
)
from .map_axes import territory_patch_style

__all__ = ["events_key", "format_km2", "panel"]


def format_km2(value: float, decimals: int = 1) -> str:
    """``value`` with thousands separators and ``decimals`` decimals, then " km²"."""
    return f"{value:,.{decimals}f} km²"


def _reported_value(value: float) -> str:
    return format_km2(value, 0 if float(value).is_integer() else 1)


def panel(
    column: Column,
    frame: Frame,
    title: str | None,
    keys: KeyPlan,
    type_scale: float,
    events: EventsShown | None = None,
    compact_events: bool = False,
) -> None:
    """The side panel of ``frame`` in ``column``, type sized by ``type_scale``, the key rows by ``keys``.

    With ``events``, their key (:func:`events_key`, in two lines if ``compact_events``)
    follows the territory's.

    Raises
    ------
    PanelOverflow
        When it does not fit above the column's bottom.
    """
    s = type_scale
    canvas, unit = column.canvas, column.canvas.unit
    column.text(
        plain_text(title) if title else " · ".join(frame.layers),
        34 * s,
        weight="bold",
        after=8,
        max_lines=2,
        gid="title",
    )
    widest = f"28 {max(calendar.month_name, key=len)} {frame.as_of.year}"
    column.text(style.long_date(frame.as_of), 64 * s, weight="bold", after=8, fit=widest, gid="date")
    by_layer = {snapshot.layer: snapshot for snapshot in frame.snapshots}
    for layer in frame.layers:
        prefix = f"{layer}: " if len(frame.layers) > 1 else ""
        snapshot = by_layer.get(layer)
        if snapshot is None:
            line = f"{prefix}no snapshot yet"
        else:
            line = f"{prefix}snapshot of {snapshot.as_of.isoformat()}, {style.age_words(snapshot.age_days)}"
        column.text(
            line[0].upper() + line[1:], 22 * s, colour=MUTED, max_lines=2, after=2, gid="snapshot-age"
        )
    column.space(30 * s)
    column.text("AREA ON THE MAP", 17 * s, weight="bold", colour=FAINT, after=12)
    swatch_w, swatch_h = 48 * s * unit, 32 * s * unit
    indent = (48 + 18) * s
    for layer in frame.layers:
        rows = keys.get(layer, ())
        if not rows:
            continue
        if len(frame.layers) > 1:
            column.text(layer, 21 * s, weight="bold", after=6, max_lines=1)
        found = {(c.held_by, c.status): c for c in frame.callouts if c.layer == layer}
        # A layer with DeepStateMap's categories names each row by them (layers.categories).
        shown = by_layer.get(layer)
        named = layer_categories(shown.features) if shown is not None else {}
        contested_sides = sum(status == "contested" for _, status, _ in rows)
        for held_by, status, has_detail in rows:
            callout = found.get((held_by, status))
            top = column.y
            patch = Rectangle(
                (column.x, top - swatch_h - 2 * unit),
                swatch_w,
                swatch_h,
                transform=canvas.px,
                **territory_patch_style(held_by, status, line_scale=1.4 * unit),
                gid="legend",
            )
            canvas.fig.add_artist(patch)
            # One side's grey zone needs no side named; several sides' do.
            category = group_label(named.get((held_by, status), ()))
            label = (
                style.zone_label(held_by, status, name_contested_side=contested_sides > 1)
                if category is None
                else category[0].upper() + category[1:]
            )
            if category is not None and status == "contested" and contested_sides > 1:
                label += f", {style.side_name(held_by)} side"  # the grey zone of each side apart
            lines = 1 if category is None else 2  # "Occupied (DeepStateMap: before and after ...)"
            column.text(label, 24 * s, colour=INK, indent=indent, after=0, max_lines=lines)
            colour = style.CONTESTED_COLOUR if status == "contested" else style.side_colour(held_by)
            if callout is None:
                colour = FAINT
            number = format_km2(callout.area_km2) if callout else "0 km²"
            column.text(
                number,
                50 * s,
                weight="bold",
                colour=colour,
                indent=indent,
                after=0 if has_detail else 14,
                max_lines=1,
                gid="area",
            )
            if has_detail:
                details = ", ".join(
                    f"{format_km2(km2)} inside {country}"
                    for country, km2 in (callout.inside if callout else ())
                )
                column.text(details or " ", 20 * s, colour=MUTED, indent=indent, after=18, max_lines=1)
    if events is not None:
        events_key(column, events, s, compact=compact_events)
    if frame.reported:
        column.space(8 * s)
        column.text("REPORTED", 17 * s, weight="bold", colour=FAINT, after=10)
        for reported in frame.reported:
            _reported_block(column, reported, s)


def _reported_block(column: Column, reported: ReportedLine, s: float) -> None:
    peak = reported.measure == "peak to date"
    what = (
        "Reported peak"
        if peak
        else ("Reported" if reported.measure == "at date" else f"Reported ({reported.measure})")
    )
    column.text(
        f"{what}: {_reported_value(reported.reported_km2)}",
        30 * s,
        weight="bold",
        after=2,
        max_lines=1,
        gid="reported",
    )
    kind = reported.kind[:1].upper() + reported.kind[1:]
    column.text(
        f"{kind}\u00a0·\u00a0{reported.source}\u00a0·\u00a0{reported.date.isoformat()}",
        19 * s,
        colour=MUTED,
        after=2,
        max_lines=2,
    )
    if reported.computed_km2 is None or reported.computed_as_of is None:
        column.space(16 * s)
        return
    share = ""
    if reported.difference_pct is not None and abs(reported.difference_pct) >= 0.5:
        more_or_less = "less" if reported.difference_pct < 0 else "more"
        share = f", {abs(reported.difference_pct):.0f} % {more_or_less}"
    if peak:
        mapped = f"Map's peak to that date: {format_km2(reported.computed_km2)}{share}"
    else:
        mapped = (
            f"Map on that date: {format_km2(reported.computed_km2)}{share} "
            f"(snapshot of {reported.computed_as_of.isoformat()})"
        )
    column.text(mapped, 19 * s, colour=INK, after=16, max_lines=2)


def events_key(column: Column, events: EventsShown, s: float, compact: bool = False) -> None:
    """What the events drawn are: counts by kind, the window, symbols or density, the sources.

    Only counts, contract kinds and source names cut to ``SOURCE_CHARS`` are written,
    so no event's title or long source moves the layout. ``compact``: the heading and
    one line (counts, window, how drawn, sources), for a panel too full for the rest.
    """
    canvas, unit = column.canvas, column.canvas.unit
    column.space(4 * s)
    column.text(
        f"EVENTS: {plain_text(events.layer)}".upper(),
        17 * s,
        weight="bold",
        colour=FAINT,
        after=8,
        max_lines=1,
    )
    when = window_words(events.start, events.end)
    if compact:
        how = f", density per ~{events.density.hex_km:g} km hexagon" if events.density else ", a symbol each"
        drawn = kind_words(events.counts) + how if events.total else "none on the map"
        column.text(
            f"{drawn[0].upper()}{drawn[1:]}, {when}. {source_words(events.sources)}",
            18 * s,
            after=10,
            max_lines=2,
            gid="events-key",
        )
        return
    if not events.total:
        column.text(f"None on the map, {when}", 22 * s, colour=MUTED, after=2, max_lines=1, gid="events-key")
    elif events.density is None:
        column.text(f"{kind_words(events.counts)}, {when}", 22 * s, after=6, max_lines=2, gid="events-key")
        for kind, count in events.counts[:4]:
            colour = style.EVENT_COLOURS.get(kind, style.EVENT_COLOURS["other"])
            marker = KIND_MARKERS.get(kind, "o")
            canvas.fig.add_artist(
                Line2D(
                    [column.x + 14 * s * unit],
                    [column.y - 12 * s * unit],
                    marker=marker,
                    markersize=(20 if marker == "*" else 15) * s * unit * 0.72,
                    color=colour,
                    markeredgecolor=colour,
                    transform=canvas.px,
                    gid="events-legend",
                )
            )
            column.text(f"{count:,}", 20 * s, indent=36 * s, after=2, max_lines=1)
        column.text(
            "One symbol per event. Filled: confirmed; pale: claimed; hollow: disputed",
            16 * s,
            colour=MUTED,
            after=4,
            max_lines=2,
        )
    else:
        density = events.density
        what = event_kind_plural(events.counts[0][0]).capitalize() if len(events.counts) == 1 else "Events"
        column.text(
            f"{what}: {events.total:,} in {events.days} days to {events.end.day} {events.end:%b %Y}, "
            f"density per ~{density.hex_km:g} km hexagon",
            22 * s,
            after=4,
            max_lines=3,
            gid="events-key",
        )
        if len(events.counts) > 1:
            column.text(kind_words(events.counts[:3]), 17 * s, colour=MUTED, after=4, max_lines=2)
        top = column.y - 4 * s * unit
        step, height = 30 * s * unit, 18 * s * unit
        for i, colour in enumerate(DENSITY_RAMP):
            canvas.fig.add_artist(
                Rectangle(
                    (column.x + i * step, top - height),
                    step,
                    height,
                    transform=canvas.px,
                    facecolor=colour,
                    alpha=DENSITY_ALPHA,
                    edgecolor="none",
                    gid="events-ramp",
                )
            )
        column.space(26 * s)
        column.text(
            f"1 to {density.most:,} events per hexagon (log scale)",
            16 * s,
            colour=MUTED,
            after=4,
            max_lines=1,
        )
    if events.outside:
        column.text(f"{events.outside:,} more outside the map", 16 * s, colour=MUTED, after=2, max_lines=1)
    column.text(source_words(events.sources), 16 * s, colour=MUTED, after=14, max_lines=2)
