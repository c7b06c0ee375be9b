"""The side panel: title, date and the snapshots' age, the key with each side's km², reported figures."""

from __future__ import annotations

import calendar

from matplotlib.patches import Rectangle

from .. import style
from .canvas import FAINT, INK, MUTED, Column
from .data import Frame, KeyPlan, ReportedLine, plain_text
from .map_axes import territory_patch_style

__all__ = ["format_km2", "panel"]


def format_km2(value: float, decimals: int = 1) -> str:
    """``value`` with thousands separators and ``decimals`` decimals, then " km²"."""
    return f"{value:,.{decimals}f} km²"


def _reported_value(value: float) -> str:
    return format_km2(value, 0 if float(value).is_integer() else 1)


def panel(column: Column, frame: Frame, title: str | None, keys: KeyPlan, type_scale: float) -> None:
    """The side panel of ``frame`` in ``column``, type sized by ``type_scale``, the key rows by ``keys``.

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
            label = style.zone_label(held_by, status, name_contested_side=contested_sides > 1)
            column.text(label, 24 * s, colour=INK, indent=indent, after=0, max_lines=1)
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
