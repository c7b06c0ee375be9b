"""The front-line map: Streamlit wiring only. Run with ``streamlit run app.py``.

Geometry, dates, storage and map building live in ``layers/``; this file connects
them to widgets. Untrusted strings are shown only through escaping helpers,
``st.dataframe`` or ``st.text``: never as raw Markdown or HTML.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from layers import events as events_mod
from layers import figures as figures_mod
from layers import mapview, snapshots
from layers.areas import BORDERS_SOURCE, METHOD, area_summary
from layers.errors import FrontlineError
from layers.ingest import seed_default_data
from layers.store import Store, default_url
from layers.text import escape_markdown

PLAY_INTERVAL_S = 1.0
WINDOW_CHOICES = [1, 3, 7, 14, 30]
MAP_HEIGHT_PX = 620
TIMELINE_HEIGHT_PX = 80
SIDE_NAMES = mapview.SIDE_NAMES


# --- cached data access: keyed by the store URL and its revision ---------------


@st.cache_resource(show_spinner="Opening the store…")
def open_store(url: str) -> Store:
    store = Store(url)
    seed_default_data(store)
    return store


@st.cache_data(max_entries=8)
def layer_infos(url: str, revision: str):
    return open_store(url).layers()


@st.cache_data(max_entries=32)
def timeline_dates(url: str, revision: str, layers: tuple[str, ...]) -> list[dt.date]:
    return snapshots.timeline(open_store(url), layers)


@st.cache_data(max_entries=64)
def snapshot_dates(url: str, revision: str, layer: str) -> list[dt.date]:
    return list(open_store(url).heads(layer)["as_of"])


@st.cache_data(max_entries=2048)
def snapshot_ref(url: str, revision: str, layer: str, as_of: dt.date):
    return snapshots.ref_at(open_store(url), layer, as_of)


@st.cache_data(max_entries=1024)
def territory_display(url: str, revision: str, layer: str, as_of: dt.date, version_id: int) -> str:
    """A snapshot's map data, prepared once: the same string on every day it is shown."""
    snapshot = snapshots.Snapshot(layer, as_of, as_of, version_id, open_store(url).features(version_id))
    return mapview.territory_geojson(snapshot)


@st.cache_data(max_entries=8)
def all_events(url: str, revision: str, layer: str):
    return events_mod.all_events(open_store(url), layer)


@st.cache_data(max_entries=8)
def area_series(url: str, revision: str) -> pd.DataFrame:
    return open_store(url).area_series()


@st.cache_data(max_entries=8)
def comparison(url: str, revision: str) -> pd.DataFrame:
    store = open_store(url)
    return figures_mod.compare(store.reported_figures(), area_series(url, revision))


@st.cache_data(max_entries=8)
def milestones(url: str, revision: str) -> pd.DataFrame:
    return open_store(url).milestones()


def static_url() -> str:
    """Where Streamlit serves ``static/``, honouring ``server.baseUrlPath``."""
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}/app/static" if base else "/app/static"


# --- UI pieces -----------------------------------------------------------------


def sidebar_ui(infos) -> tuple[list[str], str | None, int]:
    """Layer switcher and event window; both kept in the URL."""
    territory = [i.name for i in infos if i.kind == "territory"]
    event_layers = [i.name for i in infos if i.kind == "events"]
    with st.sidebar:
        st.header("Layers")
        visible = st.multiselect("Territory layers", territory, default=territory, key="layers", bind="query-params")
        events_layer = None
        if event_layers:
            events_layer = st.selectbox("Events", ["(none)", *event_layers], index=1, key="events", bind="query-params")
            events_layer = None if events_layer == "(none)" else events_layer
        window_days = st.select_slider(
            "Show events of the last … days", WINDOW_CHOICES, value=events_mod.DEFAULT_WINDOW_DAYS, key="window", bind="query-params"
        )
        st.divider()
        for info in infos:
            st.caption(f"**{escape_markdown(info.name)}** ({info.n_snapshots} snapshot(s), {info.first} to {info.last})")
            if info.description:
                st.caption(escape_markdown(info.description))
        st.caption(f"Borders: {escape_markdown(BORDERS_SOURCE)}.")
    return visible, events_layer, int(window_days)


def play_ui(dates: list[dt.date], playing: bool) -> None:
    """Play/pause. The fragment's ``run_every`` is fixed when the page runs, so a toggle
    asks for a full rerun, which redefines the fragment with or without the timer."""

    def toggle():
        st.session_state["playing"] = not playing
        if not playing and st.session_state.get("date") == dates[-1]:
            st.session_state["date"] = dates[0]

    st.button("⏸ Pause" if playing else "▶ Play", on_click=toggle, key="play", help="Step through the dates, one per second")
    if st.session_state.get("playing", False) != playing:
        st.rerun()


@st.cache_data(max_entries=8)
def timeline_layers(url: str, revision: str, first: dt.date, last: dt.date, layers: tuple[str, ...], events_layer: str | None) -> list[dict]:
    """Vega-Lite layers of the strip under the slider that do not depend on the date.

    Plain Vega-Lite dicts, built once per store revision: building the same chart with
    Altair objects cost ~100 ms of schema validation on every slider step.
    """
    x = {"field": "date", "type": "temporal", "scale": {"domain": [first.isoformat(), last.isoformat()]}, "axis": {"title": None, "format": "%b %Y", "tickCount": "month"}}
    y = {"field": "row", "type": "nominal", "scale": {"domain": ["milestones", "snapshots", "events"], "padding": 0.2}, "axis": None}
    milestone_rows = [
        {"date": m.date.isoformat(), "title": m.title, "source": m.source, "row": "milestones"} for m in milestones(url, revision).itertuples()
    ]
    snapshot_rows = [{"date": d.isoformat(), "layer": layer, "row": "snapshots"} for layer in layers for d in snapshot_dates(url, revision, layer)]
    event_rows = []
    if events_layer:
        every = all_events(url, revision, events_layer)
        event_rows = [
            {"date": e.occurred_on.isoformat(), "title": e.title, "confidence": e.confidence, "row": "events"} for e in every.itertuples()
        ]
    tip = [{"field": "date", "type": "temporal"}]
    return [
        {"data": {"values": milestone_rows}, "mark": {"type": "rule", "color": "#6a1b9a", "strokeDash": [3, 3], "opacity": 0.6, "clip": True},
         "encoding": {"x": x, "tooltip": tip + [{"field": "title"}, {"field": "source"}]}},
        {"data": {"values": milestone_rows}, "mark": {"type": "point", "shape": "diamond", "filled": True, "size": 70, "color": "#6a1b9a", "clip": True},
         "encoding": {"x": x, "y": y, "tooltip": tip + [{"field": "title"}, {"field": "source"}]}},
        {"data": {"values": snapshot_rows}, "mark": {"type": "tick", "color": "#1f5fbf", "thickness": 2, "size": 14, "clip": True},
         "encoding": {"x": x, "y": y, "tooltip": [{"field": "layer"}, {"field": "date", "type": "temporal", "title": "snapshot"}]}},
        {"data": {"values": event_rows}, "mark": {"type": "point", "filled": True, "size": 45, "color": "#d35400", "clip": True},
         "encoding": {"x": x, "y": y, "tooltip": tip + [{"field": "title"}, {"field": "confidence"}]}},
    ]


def timeline_spec(url, revision, dates, selected: dt.date, layers, events_layer) -> dict:
    """The strip under the slider: milestones, snapshots, events; the selected date in red."""
    selected_rule = {
        "data": {"values": [{"date": selected.isoformat()}]},
        "mark": {"type": "rule", "color": "#c62828", "size": 2},
        "encoding": {"x": {"field": "date", "type": "temporal"}},
    }
    return {
        "layer": [*timeline_layers(url, revision, dates[0], dates[-1], tuple(layers), events_layer), selected_rule],
    }


def areas_ui(url: str, revision: str, visible: list[str], as_of: dt.date, shown: list) -> None:
    """km² per side and status at the date, UA-held inside Russia, and the reported figures."""
    series = area_series(url, revision)
    st.subheader("Area at this date")
    if not shown:
        st.info("No visible layer has a snapshot on or before this date.")
    for snap in shown:
        table = area_summary(series, snap.layer, snap.as_of)
        ua_in_russia = table[(table["held_by"] == "UA") & (table["status"] == "held")]["RUS"].sum()
        table["held_by"] = table["held_by"].map(lambda s: SIDE_NAMES.get(s, s))
        table = table.rename(columns={"held_by": "side", "": "total km²", "RUS": "in Russia km²", "UKR": "in Ukraine km²"})
        st.markdown(f"**{escape_markdown(snap.layer)}** — snapshot of {snap.as_of} ({_age_words(snap.age_days)})")
        if ua_in_russia > 0:
            st.metric("Held by Ukraine inside Russia", f"{ua_in_russia:,.0f} km²", help="Clipped to Russia's border (Natural Earth 1:10m)")
        st.dataframe(table, hide_index=True, width="stretch", column_config=_km2_columns(table.columns))
    st.caption(f"Method: {escape_markdown(METHOD)}. Border outline: {escape_markdown(BORDERS_SOURCE)}. Never degrees or Web Mercator.")

    compared = comparison(url, revision)
    nearby = figures_mod.nearest(compared, as_of)
    if len(nearby):
        st.subheader("Reported figures nearest this date")
        for scope, rows in nearby.groupby("scope", sort=False):
            st.caption(f"{escape_markdown(scope)}; map = {escape_markdown(rows['measure'].iloc[0])}, snapshot of {rows['computed_as_of'].iloc[0]}")
            st.dataframe(_figure_table(rows, compact=True), hide_index=True, width="stretch")
        with st.expander("All reported figures against the map"):
            st.dataframe(_figure_table(compared), hide_index=True, width="stretch")
        st.caption(
            "Computed = area of the layer's latest snapshot on or before the figure's date, for the figure's side, "
            "status and border; difference = computed − reported."
        )


def _figure_table(frame: pd.DataFrame, compact: bool = False) -> pd.DataFrame:
    columns = ["date", "reported_km2", "computed_km2", "difference_km2", "difference_pct", "kind", "source"]
    if not compact:
        columns[1:1] = ["scope", "measure"]
        columns[5:5] = ["computed_as_of"]
        columns.append("comparison")
    table = frame[columns].copy()
    for column in ("reported_km2", "computed_km2", "difference_km2"):
        table[column] = table[column].round(0)
    table["difference_pct"] = table["difference_pct"].round(1)
    return table.rename(
        columns={"reported_km2": "reported km²", "computed_km2": "map km²", "difference_km2": "map − reported km²",
                 "difference_pct": "difference %", "computed_as_of": "snapshot used"}
    )


def _km2_columns(columns):
    return {c: st.column_config.NumberColumn(c, format="%.1f") for c in columns if "km²" in c}


def _age_words(days: int) -> str:
    return "same day" if days == 0 else f"{days} day{'s' if days != 1 else ''} before the selected date"


def map_ui(url: str, revision: str, dates, visible, events_layer, window_days, playing) -> None:
    """Slider, map and panels: the part that reruns on every step."""
    if playing:
        current = st.session_state.get("date", dates[0])
        index = dates.index(current) if current in dates else -1
        if index + 1 >= len(dates):
            st.session_state["playing"] = False
            st.rerun()
        st.session_state["date"] = dates[index + 1]

    play_column, slider_column = st.columns([1.4, 12], vertical_alignment="bottom")
    with play_column:
        play_ui(dates, playing)
    with slider_column:
        as_of = st.select_slider("Date", options=dates, value=dates[-1], key="date", bind="query-params", format_func=dt.date.isoformat)
    shown = [ref for ref in (snapshot_ref(url, revision, layer, as_of) for layer in visible) if ref is not None]
    start, end = events_mod.window(as_of, window_days)
    recent = events_mod.events_between(all_events(url, revision, events_layer), start, end) if events_layer else None

    st.vega_lite_chart(timeline_spec(url, revision, dates, as_of, visible, events_layer), width="stretch", height=TIMELINE_HEIGHT_PX)
    st.caption("Above the dates: ◆ milestones, | snapshots, ● events; red, the selected date. Hover for details.")
    milestone_rows = milestones(url, revision)

    map_column, panel_column = st.columns([3, 2])
    with map_column:
        status = "; ".join(f"{escape_markdown(s.layer)}: snapshot of {s.as_of} ({_age_words(s.age_days)})" for s in shown) or "no snapshot on or before this date"
        st.markdown(f"**{as_of:%d %B %Y}** — {status}")
        today = milestone_rows[milestone_rows["date"] == as_of]["title"]
        milestone_note = "Milestone: " + "; ".join(escape_markdown(t) for t in today) + ". " if len(today) else ""
        events_note = f"Events {start} to {end}: {len(recent)} shown." if recent is not None else "No events layer shown."
        st.caption(f"{milestone_note}{events_note} Hover a zone or a symbol for what it is and who says so.")
        st_folium(
            mapview.base_map(static_url()),
            key="map",
            feature_group_to_add=[mapview.territory_group([territory_display(url, revision, ref.layer, ref.as_of, ref.version_id) for ref in shown]), mapview.events_group(recent if recent is not None else _no_events())],
            returned_objects=[],
            use_container_width=True,
            height=MAP_HEIGHT_PX,
        )
    with panel_column:
        areas_ui(url, revision, visible, as_of, shown)


def _no_events():
    import geopandas as gpd

    return gpd.GeoDataFrame({"occurred_on": []}, geometry=[], crs="EPSG:4326")


def main() -> None:
    st.set_page_config(page_title="Front-line map", page_icon="🗺", layout="wide")
    st.markdown("## Front-line map")
    st.caption(
        "Who holds what ground, day by day, and how much of it: areas computed from the geometry, "
        "beside what officials and the press reported. The embedded Kursk data is an illustrative drawing "
        "by this project from public reporting, not survey data."
    )
    try:
        url = default_url()
        store = open_store(url)
        revision = store.revision()
        infos = layer_infos(url, revision)
        visible, events_layer, window_days = sidebar_ui(infos)
        # The timeline spans every territory layer, shown or not, so hiding a layer
        # never moves the slider's range or invalidates a date in a shared link.
        dates = timeline_dates(url, revision, tuple(i.name for i in infos if i.kind == "territory"))
        if not dates:
            st.warning("The store holds no territory snapshot yet.")
            return
        playing = st.session_state.get("playing", False)
        fragment = st.fragment(run_every=PLAY_INTERVAL_S if playing else None)(map_ui)
        fragment(url, revision, dates, visible, events_layer, window_days, playing)
    except FrontlineError as error:
        st.error(escape_markdown(str(error)))


if __name__ == "__main__":
    main()
