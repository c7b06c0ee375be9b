"""The reader's page: the map at a date with its timeline, what changed since an earlier
date, the areas and reported figures beside it, and the analytics under it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import streamlit as st

from layers import style
from layers.text import escape_markdown

from .. import datemap, routes
from ..analytics import analytics_ui
from ..appdata import Data
from ..panels import areas_ui, as_ref, change_ui, layer_changes, since_ui
from ..widgets import Selection, link_ui

__all__ = ["page", "status_line"]

MAP_HEIGHT_PX = 620


def page(data: Data, selection: Selection, dates: Sequence[dt.date]) -> None:
    """The page: a title, the map's fragment (rerun on every step, on a timer while Play
    is on), and in the sidebar the link to this view and the briefers' modes."""
    st.markdown("## Front-line map")
    st.caption(
        "Who holds what ground, day by day, and how much of it: areas computed from the geometry, "
        "beside what officials and the press reported. The embedded Kursk data is an illustrative drawing "
        "by this project from public reporting, not survey data."
    )
    on = datemap.playing()
    fragment = st.fragment(run_every=datemap.PLAY_INTERVAL_S if on else None)(_map_fragment)
    fragment(data, selection, dates, on)
    with st.sidebar:
        st.divider()
        link_ui()
        if st.button(
            "Presentation mode",
            key="present",
            help="Full screen for a projector: ← and → step through the snapshots, Esc leaves",
        ):
            routes.go(routes.PRESENT)
        if st.button(
            "Side by side",
            key="compare",
            help="Two dates next to each other, panning and zooming together, with the change between them",
        ):
            routes.go(routes.COMPARE)


def status_line(shown: Sequence) -> str:
    """Which snapshot each shown layer is at, and how old it is, escaped for Markdown."""
    parts = [
        f"{escape_markdown(ref.layer)}: snapshot of {ref.as_of} ({style.age_words(ref.age_days)})"
        for ref in shown
    ]
    return "; ".join(parts) or "no snapshot on or before this date"


def _map_fragment(data: Data, selection: Selection, dates: Sequence[dt.date], on: bool) -> None:
    """Slider, map and panels: the part that reruns on every step."""
    datemap.play_step(data, dates, on)
    drawn = datemap.map_drawn()
    # Always here, filled or not, so that what follows keeps its place in the page when the
    # strip appears (a component that moves is remounted).
    strip = st.container()
    if drawn:
        with strip:
            datemap.timeline_ui(data, dates, selection.visible, selection.events_layer)
    as_of = datemap.date_slider(dates, on)
    shown = data.shown(selection.visible, as_of)
    events = datemap.events_window(data, selection, as_of)

    milestones = data.milestones()
    map_column, panel_column = st.columns([3, 2])
    with map_column:
        st.markdown(f"**{as_of:%d %B %Y}** — {status_line(shown)}")
        today = milestones[milestones["date"] == as_of]["title"]
        milestone_note = (
            "Milestone: " + "; ".join(escape_markdown(t) for t in today) + ". " if len(today) else ""
        )
        events_note = (
            f"Events {events.start} to {events.end}: {events.count} shown."
            if selection.events_layer
            else "No events layer shown."
        )
        st.caption(f"{milestone_note}{events_note} Hover a zone or a symbol for what it is and who says so.")
        since = since_ui(as_of, dates)
        changes, missing = layer_changes(data, since, shown)
        pairs = [(c.layer, as_ref(c.since), as_ref(c.until)) for c in changes]
        datemap.map_ui(data, shown, events.shown, pairs, MAP_HEIGHT_PX)
    with panel_column:
        if not drawn:
            st.caption("Areas, tables and charts follow once the map is drawn.")
            return
        change_ui(data, since, changes, missing)
        areas_ui(data, as_of, shown)
    analytics_ui(data, as_of, selection, shown)
