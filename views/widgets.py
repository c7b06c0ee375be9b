"""UI pieces shared by the pages: the sidebar's layer switcher, the link's notices, the
permalink, and the one place where errors a user can act on are shown.

Untrusted strings reach the page only through ``escape_markdown``, ``st.dataframe`` or
``st.text``: never as raw Markdown or HTML.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from layers import events as events_mod
from layers import links
from layers.areas import BORDERS_SOURCE
from layers.credits import credit_line
from layers.errors import FrontlineError
from layers.text import escape_markdown

from .appdata import Data

__all__ = [
    "EventFilter",
    "Selection",
    "event_filter_ui",
    "checked_link",
    "empty_store_ui",
    "km2_columns",
    "link_ui",
    "notices_ui",
    "query_params",
    "sidebar_ui",
    "slug",
    "static_url",
    "user_errors",
]


@contextmanager
def user_errors() -> Iterator[None]:
    """Show an error a user can act on (``FrontlineError``) where it happened, as text.

    Anything else is a bug and propagates. Code after the failing call inside the block
    does not run; the page goes on after the block.
    """
    try:
        yield
    except FrontlineError as error:
        st.error(escape_markdown(str(error)))


#: What to run to fill an empty store: the store the app reads is the one these use
#: (``FRONTLINE_DB``), so they are shown as they are, without the URL in them.
FILL_COMMANDS = """\
# your own files (GeoJSON, KML, GeoPackage), one snapshot per dated file
python -m layers import --layer "My layer" 2024-11-25.geojson
# or the DeepStateMap daily archive, fetched day by day
python -m layers sync deepstate-archive --layer occupied
# or the illustrative demo (hand-drawn, not a source)
python -m layers seed-demo"""


def empty_store_ui(display_url: str) -> None:
    """What to do when the store holds no territory snapshot: a named store is never
    filled with the demo unasked, so the reader is told how to fill it."""
    st.info(
        "**This store has no map yet**: it holds no territory snapshot. Fill it from the "
        "command line, with `FRONTLINE_DB` set as for the app, then reload this page."
    )
    st.code(FILL_COMMANDS, language="bash")
    st.caption("The store:")
    st.code(display_url, language=None)


def static_url() -> str:
    """Where Streamlit serves ``static/``, honouring ``server.baseUrlPath``."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/app/static" if base else "/app/static"


def query_params() -> dict[str, list[str]]:
    """The page's query parameters, each key with all of its values (``layers.links.Params``)."""
    return {key: st.query_params.get_all(key) for key in st.query_params}


def km2_columns(columns: Iterable[str]) -> dict[str, Any]:
    """Column settings showing every km² column of a table with one decimal."""
    return {
        column: st.column_config.NumberColumn(column, format="%.1f") for column in columns if "km²" in column
    }


def slug(text: str) -> str:
    """A file-name part from a layer name: lower case, letters and digits, at most 60."""
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")[:60] or "layer"


@dataclass(frozen=True)
class EventFilter:
    """Which events the map shows and how it draws them: kinds, confidences and sources
    (an empty list: every one) and a drawing mode (``events.DRAW_MODES``)."""

    kinds: list[str] = field(default_factory=list)
    confidences: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    mode: str = "auto"

    def settings(self) -> dict[str, Any]:
        """The reader's ``event_filter`` option."""
        return {"kinds": self.kinds, "confidences": self.confidences, "sources": self.sources}


@dataclass(frozen=True)
class Selection:
    """What the reader chose in the sidebar: the visible territory layers, the events
    layer (None for none), how many days of events end at the selected date, and which
    events are shown and how."""

    visible: list[str]
    events_layer: str | None
    window_days: int
    event_filter: EventFilter = field(default_factory=EventFilter)


def sidebar_ui(data: Data) -> Selection:
    """Layer switcher and events window, both kept in the URL, and what each layer is."""
    territory = data.layer_names("territory")
    event_layers = data.layer_names("events")
    with st.sidebar:
        st.header("Layers")
        visible = st.multiselect(
            "Territory layers", territory, default=territory, key="layers", bind="query-params"
        )
        events_layer = None
        if event_layers:
            chosen = st.selectbox(
                "Events", [links.NO_EVENTS, *event_layers], index=1, key="events", bind="query-params"
            )
            events_layer = None if chosen == links.NO_EVENTS else chosen
        window_days = st.select_slider(
            "Show events of the last … days",
            links.WINDOW_CHOICES,
            value=events_mod.DEFAULT_WINDOW_DAYS,
            key="window",
            bind="query-params",
        )
        event_filter = event_filter_ui(data, events_layer) if events_layer else EventFilter()
        st.divider()
        for info in data.layer_infos():
            span = (
                f"{info.n_snapshots} snapshot(s), {info.first} to {info.last}"
                if info.n_snapshots
                else "no snapshots yet"
            )
            st.caption(f"**{escape_markdown(info.name)}** ({span})")
            if info.description:
                st.caption(escape_markdown(info.description))
            st.caption(
                escape_markdown(credit_line(info.name, info.credit if not info.credit.is_empty else None))
            )
        st.caption(f"Borders: {escape_markdown(BORDERS_SOURCE)}.")
    return Selection(list(visible), events_layer, int(window_days), event_filter)


def event_filter_ui(data: Data, layer: str) -> EventFilter:
    """Filters of the events layer (kinds, confidence, sources; none chosen shows every
    one) and how the map draws its events, each kept in the URL (``?event_kind=``,
    ``?event_confidence=``, ``?event_source=``, ``?event_view=``). The browser applies
    them: changing one reruns the page once, scrubbing never does."""
    choices = data.event_choices(layer)
    with st.expander("Event filters", expanded=False):
        kinds = st.multiselect(
            "Kinds", choices.kinds, key="event_kind", bind="query-params", placeholder="every kind"
        )
        confidences = st.multiselect(
            "Confidence",
            choices.confidences,
            key="event_confidence",
            bind="query-params",
            placeholder="any confidence",
        )
        sources = st.multiselect(
            "Sources", choices.sources, key="event_source", bind="query-params", placeholder="every source"
        )
        mode = st.selectbox(
            "Draw events as",
            list(events_mod.DRAW_MODES),
            # The URL holds an option's text: the short names keep links readable.
            help="; ".join(f"{name}: {what}" for name, what in events_mod.DRAW_MODES.items()),
            key="event_view",
            bind="query-params",
        )
    return EventFilter(list(kinds), list(confidences), list(sources), str(mode))


def checked_link(data: Data, tabs: Sequence[str]) -> tuple[links.Link, bool]:
    """The link this session opened, checked against the store (``links.read_link``), and
    whether this is the session's first run.

    Read on the first run, before the widgets bound to the URL fall back to their defaults
    and drop what they cannot show, and kept for the session (the notices stay up).
    ``tabs`` are the tabs under the map (``?analysis=``).
    """
    first = "_link" not in st.session_state
    if first:
        territory = data.layer_names("territory")
        asked = [name for name in query_params().get("layers", []) if name in territory]
        event_layers = data.layer_names("events")
        # The filters are checked against the events layer the link shows (the sidebar's
        # default, the first one, when it names none this store has).
        events_asked = query_params().get("events", [])
        shown = events_asked[0] if len(events_asked) == 1 and events_asked[0] in event_layers else None
        shown = shown or (event_layers[0] if event_layers and events_asked != [links.NO_EVENTS] else None)
        offer = links.Offer(
            territory,
            data.timeline_dates(territory),
            event_layers=event_layers,
            stops=data.snapshot_stops(asked or territory) or data.timeline_dates(territory),
            tabs=tabs,
            event_choices=data.event_choices(shown) if shown else None,
        )
        st.session_state["_link"] = links.read_link(query_params(), offer)
    return st.session_state["_link"], first


def notices_ui(notices: list[str]) -> None:
    """One warning per part of the link that was dropped (``links.read_link`` quotes the
    value and cuts it; here it is escaped, so it shows as text)."""
    for notice in notices:
        st.warning(
            f"The link's {escape_markdown(notice)}: showing the default instead.", icon=":material/link_off:"
        )


def link_ui() -> None:
    """The link to this view, with a copy button (``st.code`` has one)."""
    with st.popover("🔗 Link to this view"):
        st.caption(
            "Opens this date, these layers, this map view and mode for anyone with access to this app."
        )
        st.code(links.share_link(st.context.url or "", query_params()), language=None, wrap_lines=True)
