"""The front-line map: Streamlit wiring only. Run with ``streamlit run app.py``.

Geometry, dates, storage and map building live in ``layers/``; this file connects
them to widgets. Untrusted strings are shown only through escaping helpers,
``st.dataframe`` or ``st.text``: never as raw Markdown or HTML.
"""

from __future__ import annotations

import datetime as dt

import altair as alt
import folium
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from layers import events as events_mod
from layers import figures as figures_mod
from layers import mapview, snapshots
from layers.areas import BORDERS_SOURCE, METHOD
from layers.errors import FrontlineError
from layers.ingest import seed_default_data
from layers.store import Store, default_url
from layers.text import escape_markdown

PLAY_INTERVAL_S = 1.0
WINDOW_CHOICES = [1, 3, 7, 14, 30]
MAP_HEIGHT_PX = 620
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


@st.cache_data(max_entries=512)
def snapshot_at(url: str, revision: str, layer: str, as_of: dt.date):
    return snapshots.snapshot_at(open_store(url), layer, as_of)


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


def play_ui(dates: list[dt.date]) -> bool:
    """Play/pause: while playing, the map fragment reruns itself and steps one day."""
    playing = st.session_state.get("playing", False)

    def toggle():
        st.session_state["playing"] = not playing
        if not playing and st.session_state.get("date") == dates[-1]:
            st.session_state["date"] = dates[0]

    st.button("⏸ Pause" if playing else "▶ Play", on_click=toggle, key="play", help="Step through the dates, one per second")
    return playing


def timeline_chart(dates, selected: dt.date, heads: pd.DataFrame, milestone_rows: pd.DataFrame, event_rows: pd.DataFrame):
    """Strip under the slider: snapshots and events per row, milestones as labelled rules, the date in red."""
    x = alt.X("date:T", scale=alt.Scale(domain=[dates[0].isoformat(), dates[-1].isoformat()]), axis=alt.Axis(title=None, format="%b %Y", tickCount="month"))
    rows = alt.Y("row:N", sort=["milestones", "snapshots", "events"], axis=alt.Axis(title=None, labelFontSize=10, ticks=False, domain=False))
    charts = []
    if len(milestone_rows):
        base = alt.Chart(milestone_rows.assign(row="milestones"))
        charts.append(base.mark_rule(color="#6a1b9a", strokeDash=[3, 3], opacity=0.7).encode(x=x, tooltip=["date:T", "title:N", "source:N"]))
        charts.append(base.mark_text(align="left", dx=3, fontSize=10, color="#6a1b9a", limit=180).encode(x=x, y=rows, text="title:N", tooltip=["date:T", "title:N", "source:N"]))
    if len(heads):
        charts.append(alt.Chart(heads.assign(row="snapshots")).mark_tick(color="#1f5fbf", thickness=2).encode(x=x, y=rows, tooltip=["layer:N", alt.Tooltip("date:T", title="snapshot")]))
    if len(event_rows):
        charts.append(
            alt.Chart(event_rows.assign(row="events")).mark_point(filled=True, size=45, color="#d35400").encode(x=x, y=rows, tooltip=["date:T", "title:N", "confidence:N"])
        )
    charts.append(alt.Chart(pd.DataFrame({"date": [selected.isoformat()]})).mark_rule(color="#c62828", size=2).encode(x=x))
    return alt.layer(*charts).properties(height=110)


def areas_ui(url: str, revision: str, visible: list[str], as_of: dt.date, shown: list) -> None:
    """km² per side and status at the date, UA-held inside Russia, and the reported figures."""
    series = area_series(url, revision)
    st.subheader("Area at this date")
    if not shown:
        st.info("No visible layer has a snapshot on or before this date.")
    for snap in shown:
        rows = series[(series["layer"] == snap.layer) & (series["as_of"] == snap.as_of)]
        table = rows.pivot_table(index=["held_by", "status"], columns="within", values="area_km2", aggfunc="sum").reset_index()
        table = table.rename(columns={"": "total km²", "RUS": "inside Russia km²", "UKR": "inside Ukraine km²", "held_by": "side"})
        table["side"] = table["side"].map(lambda s: SIDE_NAMES.get(s, s))
        st.markdown(f"**{escape_markdown(snap.layer)}** — snapshot of {snap.as_of} ({_age_words(snap.age_days)})")
        ua_in_russia = rows[(rows["held_by"] == "UA") & (rows["status"] == "held") & (rows["within"] == "RUS")]["area_km2"].sum()
        if ua_in_russia > 0:
            st.metric("Held by Ukraine inside Russia", f"{ua_in_russia:,.0f} km²", help="Clipped to Russia's border (Natural Earth 1:10m)")
        st.dataframe(table, hide_index=True, width="stretch", column_config=_km2_columns(table.columns))
    st.caption(f"Method: {escape_markdown(METHOD)}. Border outline: {escape_markdown(BORDERS_SOURCE)}. Never degrees or Web Mercator.")

    compared = comparison(url, revision)
    nearby = figures_mod.nearest(compared, as_of)
    if len(nearby):
        st.subheader("Reported figures nearest this date")
        st.dataframe(_figure_table(nearby), hide_index=True, width="stretch")
        with st.expander("All reported figures against the map"):
            st.dataframe(_figure_table(compared), hide_index=True, width="stretch")
        st.caption(
            "Computed = area of the layer's latest snapshot on or before the figure's date, for the figure's side, "
            "status and border; difference = computed − reported."
        )


def _figure_table(frame: pd.DataFrame) -> pd.DataFrame:
    table = frame[["date", "scope", "kind", "source", "reported_km2", "computed_km2", "computed_as_of", "difference_km2", "difference_pct", "comparison"]].copy()
    table["reported_km2"] = table["reported_km2"].round(0)
    table["computed_km2"] = table["computed_km2"].round(0)
    table["difference_km2"] = table["difference_km2"].round(0)
    table["difference_pct"] = table["difference_pct"].round(1)
    return table.rename(columns={"difference_pct": "difference %", "computed_as_of": "snapshot used"})


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

    as_of = st.select_slider("Date", options=dates, value=dates[-1], key="date", bind="query-params", format_func=dt.date.isoformat)
    shown = [s for s in (snapshot_at(url, revision, layer, as_of) for layer in visible) if s is not None]
    start, end = events_mod.window(as_of, window_days)
    recent = events_mod.events_between(all_events(url, revision, events_layer), start, end) if events_layer else None

    heads = pd.DataFrame([(layer, d.isoformat()) for layer in visible for d in snapshot_dates(url, revision, layer)], columns=["layer", "date"])
    milestone_rows = milestones(url, revision).assign(date=lambda m: m["date"].map(dt.date.isoformat))
    event_rows = pd.DataFrame(columns=["title", "date", "confidence"])
    if events_layer:
        every = all_events(url, revision, events_layer)
        event_rows = pd.DataFrame({"title": every["title"], "date": every["occurred_on"].map(dt.date.isoformat), "confidence": every["confidence"]})
    st.altair_chart(timeline_chart(dates, as_of, heads, milestone_rows, event_rows), width="stretch")

    map_column, panel_column = st.columns([3, 2])
    with map_column:
        status = "; ".join(f"{escape_markdown(s.layer)}: snapshot of {s.as_of} ({_age_words(s.age_days)})" for s in shown) or "no snapshot on or before this date"
        st.markdown(f"**{as_of:%d %B %Y}** — {status}")
        today = milestone_rows[milestone_rows["date"] == as_of.isoformat()]["title"]
        milestone_note = "Milestone: " + "; ".join(escape_markdown(t) for t in today) + ". " if len(today) else ""
        events_note = f"Events {start} to {end}: {len(recent)} shown." if recent is not None else "No events layer shown."
        st.caption(f"{milestone_note}{events_note} Hover a zone or a symbol for what it is and who says so.")
        st_folium(
            mapview.base_map(static_url()),
            key="map",
            feature_group_to_add=[mapview.territory_group(shown), mapview.events_group(recent if recent is not None else _no_events())],
            layer_control=folium.LayerControl(collapsed=True),
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
        playing = play_ui(dates)
        fragment = st.fragment(run_every=PLAY_INTERVAL_S if playing else None)(map_ui)
        fragment(url, revision, dates, visible, events_layer, window_days, playing)
    except FrontlineError as error:
        st.error(escape_markdown(str(error)))


if __name__ == "__main__":
    main()
