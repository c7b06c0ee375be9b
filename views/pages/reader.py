"""The reader's page: the map is the page.

The map component (``views.readermap``) fills the screen under its own slim header (the
date, the layers, km² per side) with the timeline docked to its bottom edge, and draws
every date in the browser. The panel beside it (below it on a narrow screen, hidden with
its button) has what changed, the areas and reported figures, and the analytics; it
follows the date the reader last paused on, which is also the ``date`` in the address.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import streamlit as st

from layers import links, style
from layers.alttext import ILLUSTRATIVE_NOTE, is_illustrative
from layers.text import escape_markdown

from .. import readermap, routes
from ..analytics import analytics_ui
from ..appdata import Data
from ..embed import embed_ui
from ..panels import areas_ui, change_ui, layer_changes, near_front_ui, since_choice, since_ui, sync_ui
from ..widgets import Selection, link_ui

__all__ = ["DATE_KEY", "PANEL_KEY", "page", "reader_date", "status_line"]

#: Session keys: the date shown (shared with presentation and side by side, whose date
#: sliders have this key, so every page opens on the date the last one showed), and
#: whether the panel is open.
DATE_KEY = "date"
PANEL_KEY = "_reader_panel"
#: Less room above the page than Streamlit's default: the map starts under the toolbar.
_PAGE_CSS = """<style>
.stMainBlockContainer { padding: 3.6rem 1rem 1rem; max-width: none; }
@media (max-width: 640px) {
  .stMainBlockContainer { padding-top: 3.6rem; padding-left: .5rem; padding-right: .5rem; }
}
</style>"""


def reader_date(dates: Sequence[dt.date]) -> dt.date:
    """The page's date: the one this session last showed (the reader's last pause, or the
    other pages' date slider), else the link's ``date``, else the latest day (a date off
    the timeline is reported by ``widgets.checked_link``)."""
    kept = st.session_state.get(DATE_KEY)
    if isinstance(kept, dt.date) and dates[0] <= kept <= dates[-1]:
        return kept
    linked = links.parse_date(st.query_params.get("date"))
    return linked if linked is not None and dates[0] <= linked <= dates[-1] else dates[-1]


def page(data: Data, selection: Selection, dates: Sequence[dt.date]) -> None:
    """The map, the panel, and in the sidebar the link and the briefers' modes.

    The change the panel shows is drawn on the map too (``since_choice`` reads it before
    the panel's widgets are drawn).
    """
    st.html(_PAGE_CSS)
    event = readermap.pending(list(dates))
    as_of = event.date or reader_date(dates)
    st.session_state[DATE_KEY] = as_of
    if st.query_params.get("date") != as_of.isoformat():
        st.query_params["date"] = as_of.isoformat()
    _keep_view(event)
    panel_open = st.session_state.get(PANEL_KEY, True)
    if panel_open:
        map_column, panel_column = st.columns([4, 1], gap="small")
    else:
        map_column, panel_column = st.container(), None
    # The map first (its code then loads while the panel is computed), with the change
    # the panel will show (cached: computed once for both).
    changes, _ = layer_changes(data, since_choice(as_of, dates), data.shown(selection.visible, as_of))
    with map_column:
        readermap.show(data, selection, as_of, list(dates), changes)
    if panel_column is not None:
        with panel_column:
            if readermap.drawn():
                _panel(data, selection, as_of, dates)
            else:
                st.caption("Areas, change and charts follow once the map is drawn.")
    elif st.button("Show the figures panel", key="panel_show", help="Areas, change and reported figures"):
        st.session_state[PANEL_KEY] = True
        st.rerun()
    _sidebar(data, selection, as_of)


def _keep_view(event: readermap.MapEvent) -> None:
    """The map's view in the address (the permalink) and its bounds for exports."""
    view = event.view
    if view is None:
        return
    if view.bounds is not None:
        st.session_state["_bounds"] = view.bounds
    if st.query_params.get("center") != view.center or st.query_params.get("zoom") != view.zoom:
        st.query_params["center"] = view.center
        st.query_params["zoom"] = view.zoom


def _panel(data: Data, selection: Selection, as_of: dt.date, dates: Sequence[dt.date]) -> None:
    """What changed, the areas and the analytics at ``as_of``, with the button that hides it."""
    top, hide = st.columns([5, 1], vertical_alignment="center")
    top.markdown(f"**Figures for {style.long_date(as_of)}**")
    if hide.button("✕", key="panel_hide", help="Hide this panel: the map takes the whole width"):
        st.session_state[PANEL_KEY] = False
        st.rerun()
    shown = data.shown(selection.visible, as_of)
    drawn = {info.name for info in data.layer_infos() if is_illustrative(info.description)}
    notes = [f"{ref.layer} is illustrative: {ILLUSTRATIVE_NOTE}." for ref in shown if ref.layer in drawn]
    # status_line escapes its layer names; the notes name layers too, so they are escaped here.
    st.caption(
        " ".join(
            [
                f"{status_line(shown)}. Areas are computed from the stored full-detail geometry.",
                *map(escape_markdown, notes),
            ]
        )
    )
    sync_ui(data, shown)
    since = since_ui(as_of, dates)
    changes, missing = layer_changes(data, since, shown)
    change_ui(data, since, changes, missing)
    areas_ui(data, as_of, shown)
    near_front_ui(data, selection, as_of, shown)
    analytics_ui(data, as_of, selection, shown)


def _sidebar(data: Data, selection: Selection, as_of: dt.date) -> None:
    with st.sidebar:
        st.divider()
        link_ui()
        embed_ui(data, selection, as_of)
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
