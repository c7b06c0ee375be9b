"""Presentation mode's dated map: the date slider, Play, and the map component with the
date's content (the reader's map draws its dates in the browser: ``views.readermap``).

The map is streamlit-folium's component, sent only what changed since the last step
(``mapcomponent``): the base map is constant, so the component is never remounted and
keeps the reader's zoom and centre; the date's territory, events and change are groups
swapped in place. Each step is a fragment run: this module's functions run on every step.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import streamlit as st

from layers import events as events_mod
from layers import links, mapview, playback, snapshots

from . import mapcomponent
from .appdata import Data, map_base, territory_template
from .widgets import Selection, static_url

__all__ = [
    "PLAY_INTERVAL_S",
    "EventsShown",
    "EventsWindow",
    "events_window",
    "date_slider",
    "map_ui",
    "play_step",
    "play_ui",
    "playing",
]

PLAY_INTERVAL_S = 1.0

#: Which events the map shows: ``(layer, first, last, only)``, positions ``[first, last)``
#: in the layer's events (``Data.events_window``) and the sidebar's filters (kinds,
#: confidences, sources; empty: any), or ``(None, 0, 0, ((), (), ()))`` for none.
EventsShown = tuple[str | None, int, int, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]]


@dataclass(frozen=True)
class EventsWindow:
    """The events of the days ending at the selected date (the sidebar's window): their
    layer (None for none), first and last day, and positions in the layer's events."""

    layer: str | None
    start: dt.date
    end: dt.date
    first: int
    last: int
    only: tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]] = ((), (), ())

    @property
    def shown(self) -> EventsShown:
        """What the map component is sent (``Data.events_js``)."""
        return (self.layer, self.first, self.last, self.only) if self.layer else (None, 0, 0, ((), (), ()))

    @property
    def count(self) -> int:
        return self.last - self.first


def events_window(data: Data, selection: Selection, as_of: dt.date) -> EventsWindow:
    """The events the map shows on ``as_of`` for the sidebar's choice."""
    start, end = events_mod.window(as_of, selection.window_days)
    first, last = data.events_window(selection.events_layer, start, end)
    chosen = selection.event_filter
    only = (tuple(chosen.kinds), tuple(chosen.confidences), tuple(chosen.sources))
    return EventsWindow(selection.events_layer, start, end, first, last, only)


def playing() -> bool:
    """Whether Play is on in this session (read by a page's full run, which sets the timer
    of its map fragment from it and passes it on to the fragment's runs)."""
    return bool(st.session_state.get("playing", False))


def play_step(data: Data, dates: Sequence[dt.date], on: bool) -> None:
    """At the start of a step: rerun the whole page if the store was written to since its
    last full run, and move the date on by a day while Play is ``on`` (stopping at the end)."""
    if data.stale():
        st.rerun()  # written to since this page's last full run: the whole page again, with the new data
    if on:
        after = playback.next_day(dates, st.session_state.get("date", dates[0]))
        if after is None:
            st.session_state["playing"] = False
            st.rerun()
        st.session_state["date"] = after


def play_ui(dates: Sequence[dt.date], on: bool) -> None:
    """Play/pause; ``on``: whether Play was on at the page's last full run. The fragment's
    ``run_every`` is fixed when the page runs, so a toggle asks for a full rerun, which
    redefines the fragment with or without the timer."""

    def toggle() -> None:
        st.session_state["playing"] = not on
        if not on and st.session_state.get("date") == dates[-1]:
            st.session_state["date"] = dates[0]

    st.button(
        "⏸ Pause" if on else "▶ Play",
        on_click=toggle,
        key="play",
        help="Step through the dates, one per second",
    )
    if playing() != on:
        st.rerun()


def date_slider(dates: Sequence[dt.date], on: bool) -> dt.date:
    """Play (``play_ui``) and the date slider over every day of the timeline (the date is in the URL)."""
    play_column, slider_column = st.columns([1.4, 12], vertical_alignment="bottom")
    with play_column:
        play_ui(dates, on)
    with slider_column:
        return st.select_slider(
            "Date",
            options=list(dates),
            value=dates[-1],
            key="date",
            bind="query-params",
            format_func=dt.date.isoformat,
        )


def _initial_view() -> tuple[tuple[float, float], int]:
    """The view the map opens on: the link's, read once per session (st_folium moves the
    map only when the value passed changes, so a constant never fights the reader)."""
    if "_view" not in st.session_state:
        center, zoom, _ = links.parse_view(st.query_params.get("center"), st.query_params.get("zoom"))
        st.session_state["_view"] = (center, zoom)
    return st.session_state["_view"]


def _remember_view(returned: dict | None) -> None:
    """Write the map's current view into the URL, so that the address bar is the permalink,
    and keep its bounds for exports of "the view on screen"."""
    view = links.reported_view(returned)
    if view is None:
        return
    if view.bounds is not None:
        st.session_state["_bounds"] = view.bounds
    if st.query_params.get("center") != view.center or st.query_params.get("zoom") != view.zoom:
        st.query_params["center"] = view.center
        st.query_params["zoom"] = view.zoom


def map_ui(
    data: Data,
    shown: Sequence[snapshots.SnapshotRef],
    events: EventsShown,
    changes: Sequence[tuple[str, snapshots.SnapshotRef, snapshots.SnapshotRef]],
    height: int,
) -> None:
    """The map: the constant base, the date's groups (each prepared once and cached), the
    view from the link; keeps the URL's view current.

    The territory is sent at the level of detail of the zoom the map last reported
    (``mapview.DETAILS``): simplified at country zoom, full detail from zoom 11 in.
    ``changes`` are ``(layer, since, until)`` snapshot refs.
    """
    base = map_base(static_url())
    center, zoom = _initial_view()
    detail = mapview.detail_for_zoom(mapcomponent.last_state(base).get("zoom") or zoom)
    geojsons = [data.territory_display(ref, detail.level) for ref in shown]
    geojsons = [g for g in geojsons if '"features":[]' not in g]
    groups = (
        territory_template(len(geojsons)).fill(geojsons, wrap=mapview.DECODER)
        + data.events_js(*events, zoom=int(mapcomponent.last_state(base).get("zoom") or zoom))
        + data.change_js(changes)
    )
    returned = mapcomponent.show(
        base,
        key="map",
        feature_group=groups,
        center=center,
        zoom=zoom,
        # Pan and zoom rerun this fragment (debounced by streamlit-folium) to keep the URL current.
        returned_objects=["center", "zoom", "bounds"],
        height=height,
    )
    _remember_view(returned)
