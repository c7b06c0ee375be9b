"""Presentation mode (``/present``, or an older link's ``?mode=present``): no sidebar or
Streamlit chrome, the date in large type, a wide map, the km² per side in large type and
the nearest reported figure; ← and → step from snapshot to snapshot, Esc leaves. Laid
out for a 1920x1080 projector."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pandas as pd
import streamlit as st

from layers import playback, schema, snapshots, style
from layers.areas import ANYWHERE, METHOD
from layers.attribution import layer_credits
from layers.credits import credits_text
from layers.text import escape_markdown

from .. import datemap, routes
from ..appdata import Data
from ..widgets import Selection
from .reader import status_line

__all__ = ["page"]

PRESENT_MAP_HEIGHT_PX = 780
#: Streamlit's chrome hidden and type enlarged for a projector; constant CSS, no data in it.
PRESENT_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"], footer {
  display: none !important; }
.block-container, [data-testid="stMainBlockContainer"] {
  padding-top: 0.6rem !important; max-width: 100% !important; }
[data-testid="stMetricValue"] { font-size: 3.2rem !important; }
[data-testid="stMetricLabel"] p { font-size: 1.25rem !important; }
h1 { font-size: 3.4rem !important; padding-top: 0 !important; }
</style>"""
#: Each side's ground across the border is the news: Ukraine's inside Russia, Russia's inside Ukraine.
ACROSS_THE_BORDER = {"UA": "RUS"}


def page(data: Data, selection: Selection, dates: Sequence[dt.date]) -> None:
    """The page: the chrome hidden, then the map's fragment (rerun on every step)."""
    st.set_page_config(initial_sidebar_state="collapsed")
    st.html(PRESENT_CSS)
    on = datemap.playing()
    fragment = st.fragment(run_every=datemap.PLAY_INTERVAL_S if on else None)(_map_fragment)
    fragment(data, selection, dates, on)


def _map_fragment(data: Data, selection: Selection, dates: Sequence[dt.date], on: bool) -> None:
    datemap.play_step(data, dates, on)
    _controls_ui(data.snapshot_stops(selection.visible) or list(dates), dates)
    as_of = datemap.date_slider(dates, on)
    shown = data.shown(selection.visible, as_of)
    events = datemap.events_window(data, selection, as_of)
    map_column, panel_column = st.columns([3, 1])
    with map_column:
        st.markdown(f"# {as_of:%d %B %Y}")
        st.caption(status_line(shown))
        datemap.map_ui(data, shown, events.shown, [], PRESENT_MAP_HEIGHT_PX)
        st.caption(credits_caption(data, [*selection.visible, selection.events_layer]))
    with panel_column:
        _numbers_ui(data, as_of, shown)


def credits_caption(data: Data, layers: Sequence[str | None]) -> str:
    """The shown layers' credit lines (:func:`layers.credits.credit_line`), Markdown-escaped
    (an editor typed them), for the caption under the map."""
    names = [name for name in layers if name]
    lines = credits_text(layer_credits(data.layer_infos(), names))
    return escape_markdown(" · ".join(f"{line}." for line in lines))


def _controls_ui(stops: Sequence[dt.date], dates: Sequence[dt.date]) -> None:
    """Previous / next snapshot (keys ← and →) and exit (Esc), above the slider."""

    def step(direction: int) -> None:
        current = st.session_state.get("date", dates[-1])
        st.session_state["date"] = playback.step_snapshot(stops, dates, current, direction)

    left, right, end = st.columns([1, 1, 6])
    left.button(
        "◀ Previous",
        on_click=step,
        args=(-1,),
        shortcut="Left",
        key="present_previous",
        help="Previous snapshot (←)",
    )
    right.button(
        "Next ▶", on_click=step, args=(1,), shortcut="Right", key="present_next", help="Next snapshot (→)"
    )
    if end.button("Exit presentation", shortcut="Esc", key="present_exit", type="tertiary"):
        routes.go(routes.READER)


def _numbers_ui(data: Data, as_of: dt.date, shown: Sequence[snapshots.SnapshotRef]) -> None:
    """Large km² per side and status, and the nearest reported figure, labelled as such."""
    order = {status: i for i, status in enumerate(schema.STATUSES)}
    for ref in shown:
        table = data.area_table(ref.layer, ref.as_of).raw
        st.markdown(f"**{escape_markdown(ref.layer)}**")
        for row in sorted(table.to_dict("records"), key=lambda r: (r["held_by"], order.get(r["status"], 99))):
            border = ACROSS_THE_BORDER.get(row["held_by"], "UKR")
            st.metric(style.series_label(row["held_by"], row["status"]), f"{row.get(ANYWHERE, 0.0):,.0f} km²")
            if row.get(border, 0.0):
                st.caption(f"{row[border]:,.0f} km² {style.BORDER_LABELS[border]}")
    for row in data.nearest_figures(as_of).rows.head(2).to_dict("records"):
        computed = "" if pd.isna(row["computed_km2"]) else f"{row['computed_km2']:,.0f} km²"
        st.markdown(
            f"**Reported** ({escape_markdown(row['kind'])}, {escape_markdown(row['date'])}): "
            f"{row['reported_km2']:,.0f} km² — "
            f"{escape_markdown(row['source'])}; map {computed} ({escape_markdown(row['measure'])})"
        )
    st.caption(f"Areas: {escape_markdown(METHOD)}.")
