"""The front-line map: Streamlit wiring only. Run with ``streamlit run app.py``.

Geometry, dates, storage and map building live in ``layers/``; this file connects
them to widgets. Untrusted strings are shown only through escaping helpers,
``st.dataframe`` or ``st.text``: never as raw Markdown or HTML.
"""

from __future__ import annotations

import datetime as dt
import threading
from urllib.parse import quote

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from layers import change as change_mod
from layers import charts, exports, mapcomponent, mapview, snapshots
from layers.appdata import (
    area_series,
    area_chart_layers,
    area_table,
    change_js,
    change_summary,
    comparison,
    events_js,
    events_window,
    figure_table,
    layer_change,
    latest_revision,
    layer_infos,
    map_base,
    milestones,
    monthly_change,
    nearest_figures,
    open_store,
    outline_area_km2,
    snapshot_dates,
    snapshot_ref,
    territory_display,
    territory_template,
    timeline_dates,
    timeline_layers,
)
from layers import events as events_mod
from layers import figures as figures_mod
from layers import auth, schema, style
from layers.areas import ANYWHERE, BORDERS_SOURCE, METHOD
from layers.change import change_table, gained_and_lost
from layers.errors import FrontlineError
from layers.ingest import date_from_name, sha256
from layers.formats import decode, swap_axes
from layers.presets import PRESETS, PropertyMapping, distinct_values, suggest_preset
from layers.store import NewSnapshot, Store, default_url
from layers.text import escape_markdown
from layers.validation import validate

PLAY_INTERVAL_S = 1.0
#: Session flag: the map has been drawn and reported its view once. Until then a page
#: holds back its charts and tables (``map_drawn``).
MAP_DRAWN = "_map_drawn"
WINDOW_CHOICES = [1, 3, 7, 14, 30]
MAP_HEIGHT_PX = 620
TIMELINE_HEIGHT_PX = 80


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
        visible = st.multiselect(
            "Territory layers", territory, default=territory, key="layers", bind="query-params"
        )
        events_layer = None
        if event_layers:
            events_layer = st.selectbox(
                "Events", ["(none)", *event_layers], index=1, key="events", bind="query-params"
            )
            events_layer = None if events_layer == "(none)" else events_layer
        window_days = st.select_slider(
            "Show events of the last … days",
            WINDOW_CHOICES,
            value=events_mod.DEFAULT_WINDOW_DAYS,
            key="window",
            bind="query-params",
        )
        st.divider()
        for info in infos:
            st.caption(
                f"**{escape_markdown(info.name)}** ({info.n_snapshots} snapshot(s), {info.first} to {info.last})"
            )
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

    st.button(
        "⏸ Pause" if playing else "▶ Play",
        on_click=toggle,
        key="play",
        help="Step through the dates, one per second",
    )
    if st.session_state.get("playing", False) != playing:
        st.rerun()


def timeline_ui(url: str, revision: str, dates: list[dt.date], layers, events_layer) -> None:
    """The strip above the slider, on the slider's width: milestones, snapshots, events.

    The same on every step: Streamlit then sends it by reference (its cache of unchanged
    elements over 10 KB), not again (with the selected date marked in it, it was 84 KB a
    step on the 769-day archive, more than the map). The slider's handle right under it
    marks the date.
    """
    _, strip = st.columns([1.4, 12])
    with strip:
        spec = {"layer": timeline_layers(url, revision, dates[0], dates[-1], tuple(layers), events_layer)}
        st.vega_lite_chart(spec, width="stretch", height=TIMELINE_HEIGHT_PX)
        st.caption("◆ milestones, | snapshots, ● events, on the slider's scale below. Hover for details.")


def areas_ui(url: str, revision: str, as_of: dt.date, shown: list) -> None:
    """km² per side and status at the date, UA-held inside Russia, and the reported figures."""
    st.subheader("Area at this date")
    if not shown:
        st.info("No visible layer has a snapshot on or before this date.")
    for snap in shown:
        areas = area_table(url, revision, snap.layer, snap.as_of)
        table, ua_in_russia = areas.shown, areas.ua_in_russia
        st.markdown(
            f"**{escape_markdown(snap.layer)}** — snapshot of {snap.as_of} ({style.age_words(snap.age_days)})"
        )
        if ua_in_russia > 0:
            st.metric(
                "Held by Ukraine inside Russia",
                f"{ua_in_russia:,.0f} km²",
                help="Clipped to Russia's border (Natural Earth 1:10m)",
            )
        st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            column_config=_km2_columns(table.columns)
            | {"% of Ukraine": st.column_config.NumberColumn(format="%.2f %%")},
        )
    st.caption(
        f"Method: {escape_markdown(METHOD)}. Border outline: {escape_markdown(BORDERS_SOURCE)}. Never degrees or Web Mercator. "
        f"% of Ukraine: in-Ukraine area against {escape_markdown(figures_mod.UKRAINE_OFFICIAL_SOURCE)}; "
        f"our outline of Ukraine measures {outline_area_km2('UKR'):,.0f} km² by the same method."
    )

    nearby = nearest_figures(url, revision, as_of)
    if nearby.scopes:
        st.subheader("Reported figures nearest this date")
        for scope, measure, computed_as_of, table in nearby.scopes:
            st.caption(
                f"{escape_markdown(scope)}; map = {escape_markdown(measure)}, snapshot of {computed_as_of}"
            )
            st.dataframe(table, hide_index=True, width="stretch")
        st.caption("Every figure, with how it is compared: the tab *Reported figures vs map* below the map.")


def _km2_columns(columns):
    return {c: st.column_config.NumberColumn(c, format="%.1f") for c in columns if "km²" in c}




def since_ui(as_of: dt.date, dates: list[dt.date]) -> dt.date | None:
    """ "Show change since …": the start date of the change shown on the map, or None.

    The choice is kept in the URL (``?change=7+days+before``; ``?change=a+date&since=2024-09-01``)
    so a shared link shows the same comparison.
    """
    left, right = st.columns(2)
    choice = left.selectbox("Show change since", change_mod.SINCE_CHOICES, key="change", bind="query-params")
    picked = None
    if choice == "a date":
        picked = right.date_input(
            "Since", value=dates[0], min_value=dates[0], max_value=dates[-1], key="since", bind="query-params"
        )
    since = change_mod.since_date(choice, as_of, picked)
    if since is not None and since >= as_of:
        st.warning(f"Pick a date before the selected date ({as_of}) to see what changed since.")
        return None
    return since


def layer_changes(
    url: str, revision: str, since: dt.date | None, shown: list
) -> tuple[list[change_mod.Change], list[str]]:
    """The change of each shown layer since ``since``, and the layers with no snapshot that early."""
    found, missing = [], []
    if since is None:
        return found, missing
    for until_ref in shown:
        since_ref = snapshot_ref(url, revision, until_ref.layer, since)
        if since_ref is None:
            missing.append(until_ref.layer)
        else:
            found.append(layer_change(url, revision, until_ref.layer, since_ref, until_ref))
    return found, missing


def change_ui(
    url: str,
    revision: str,
    since: dt.date | None,
    changes: list[change_mod.Change],
    missing: list[str],
    until: dt.date | None = None,
) -> None:
    """km² gained, lost and net per side and border, with CSV and GeoJSON downloads."""
    if since is None:
        return
    st.subheader(
        f"Change from {since:%d %b %Y} to {until:%d %b %Y}" if until else f"Change since {since:%d %b %Y}"
    )
    for layer in missing:
        st.info(f"{escape_markdown(layer)}: no snapshot on or before {since}; nothing to compare with.")
    for change in changes:
        since_ref, until_ref = _ref(change.since), _ref(change.until)
        table = change_summary(url, revision, change.layer, since_ref, until_ref)
        st.markdown(
            f"**{escape_markdown(change.layer)}** — snapshot of {since_ref.as_of} → snapshot of {until_ref.as_of}, held ground"
        )
        if since_ref.version_id == until_ref.version_id:
            st.caption("The same snapshot is shown on both dates: nothing changed on this layer's map.")
        shown_table = table.assign(
            held_by=table["held_by"].map(style.side_name),
            within=table["within"].map(style.BORDER_LABELS.get),
        ).rename(
            columns={
                "held_by": "side",
                "within": "where",
                "gained_km2": "gained km²",
                "lost_km2": "lost km²",
                "net_km2": "net km²",
            }
        )
        st.dataframe(
            shown_table, hide_index=True, width="stretch", column_config=_km2_columns(shown_table.columns)
        )
        stem = f"change-{_slug(change.layer)}-{since_ref.as_of}-{until_ref.as_of}"
        left, right = st.columns(2)
        left.download_button(
            "Change (CSV)",
            lambda t=table, c=change: exports.table_csv(
                t.assign(layer=c.layer, from_snapshot=c.since.as_of, to_snapshot=c.until.as_of)
            ),
            file_name=f"{stem}.csv",
            mime="text/csv",
            on_click="ignore",
            key=f"change_csv:{change.layer}",
        )
        right.download_button(
            "Change (GeoJSON)",
            lambda c=change: change_mod.to_geojson(c),
            file_name=f"{stem}.geojson",
            mime="application/geo+json",
            on_click="ignore",
            key=f"change_geojson:{change.layer}",
        )
    if changes:
        st.caption(
            "On the map, in each side's colour: filled, ground the side gained; dashed outline over a pale fill, ground it lost. "
            "Hover for the side and km². Net = gained − lost."
        )


def _ref(snapshot: snapshots.Snapshot) -> snapshots.SnapshotRef:
    """The ref of a snapshot (the cache key of its change), without its features."""
    return snapshots.SnapshotRef(snapshot.layer, snapshot.as_of, snapshot.requested, snapshot.version_id)


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in text.lower()).strip("-")[:60] or "layer"


def analytics_ui(url: str, revision: str, as_of: dt.date, visible: list[str], shown: list) -> None:
    """Below the map: area over time, monthly net change, every reported figure, downloads."""
    territory = visible or [i.name for i in layer_infos(url, revision) if i.kind == "territory"]
    left, right = st.columns([2, 3])
    layer = left.selectbox("Layer for the charts", territory, key="chart_layer", bind="query-params")
    within = right.segmented_control(
        "Area",
        list(style.BORDER_LABELS),
        format_func=style.BORDER_LABELS.get,
        default=ANYWHERE,
        key="chart_within",
        bind="query-params",
    )
    within = ANYWHERE if within is None else within
    # Lazy tabs (state kept, in the URL as ``analysis=``): only the open tab's content runs
    # and is sent, so a slider step redraws one chart, not four panels.
    panels = {
        "Area over time": lambda: _area_panel(url, revision, as_of, layer, within),
        "Net change per month": lambda: _monthly_panel(url, revision, layer, within),
        "Reported figures vs map": lambda: _figures_panel(url, revision),
        "Slide and time-lapse": lambda: _slides_panel(url, revision, as_of, visible),
        "Downloads": lambda: _downloads_panel(url, revision, shown),
    }
    tabs = st.tabs(list(panels), key="analysis", on_change="rerun", bind="query-params")
    for tab, panel in zip(tabs, panels.values()):
        if tab.open:
            with tab:
                panel()


def _area_panel(url: str, revision: str, as_of: dt.date, layer: str, within: str) -> None:
    st.vega_lite_chart(
        charts.with_selected_date(area_chart_layers(url, revision, layer, within), as_of),
        width="stretch",
        height=320,
    )
    st.caption(
        f"km² of {escape_markdown(layer)} per side and status ({escape_markdown(style.BORDER_LABELS[within])}); "
        "steps at each snapshot; points, the reported figures of the same scope, shaped by kind (hover: source, kind, note); red, the selected date. "
        f"Method: {escape_markdown(METHOD)}."
    )


def _monthly_panel(url: str, revision: str, layer: str, within: str) -> None:
    monthly = monthly_change(url, revision, layer, within)
    if monthly.empty:
        st.info("Not enough snapshots: a month needs a snapshot on or before the end of the previous month.")
        return
    st.vega_lite_chart(charts.monthly_spec(monthly), width="stretch", height=300)
    st.caption(
        "Net change of held ground per calendar month: area at the month's last snapshot minus area at the previous month's last snapshot."
    )


def _figures_panel(url: str, revision: str) -> None:
    compared = comparison(url, revision)
    st.dataframe(figure_table(compared), hide_index=True, width="stretch")
    st.caption(
        "Map km² = the layer's area for the figure's side, status and border: on the figure's date (latest snapshot on or before it), "
        "the peak so far, or the net change over the figure's calendar month or year. Difference = map − reported; % of reported. "
        "A figure with no matching series says why instead of being compared with the wrong thing."
    )
    st.download_button(
        "Comparison (CSV)",
        lambda: exports.comparison_csv(comparison(url, revision)),
        file_name="reported-vs-map.csv",
        mime="text/csv",
        on_click="ignore",
        key="comparison_csv",
    )


@st.cache_resource
def render_lock() -> threading.Lock:
    """matplotlib's settings are process-wide: one slide or time-lapse is drawn at a time."""
    return threading.Lock()


def _slides_panel(url: str, revision: str, as_of: dt.date, visible: list[str]) -> None:
    """A slide of the date and a time-lapse, drawn on the server like ``export-png`` / ``export-animation``."""
    from layers import render  # matplotlib: imported when a slide is first asked for, not at start (~0.8 s)

    layers = [
        name
        for name in visible
        if name in {i.name for i in layer_infos(url, revision) if i.kind == "territory"}
    ]
    first, second, third = st.columns(3)
    size = first.selectbox(
        "Size",
        list(render.SIZES),
        key="slide_size",
        format_func=lambda k: f"{k} ({render.SIZES[k][0]}×{render.SIZES[k][1]})",
    )
    scale = second.selectbox("Scale", [1, 2], key="slide_scale", format_func=lambda k: f"{k}x")
    bounds = st.session_state.get("_bounds")
    use_view = third.checkbox(
        "The map's view on screen",
        value=bounds is not None,
        disabled=bounds is None,
        key="slide_view",
        help="Off: fitted to the territory shown",
    )
    extent = bounds if use_view and bounds else None
    stem = f"{_slug('-'.join(layers) or 'map')}-{as_of}"

    def slide() -> bytes:
        with render_lock():
            return render.render_png(open_store(url), layers, as_of, size=size, scale=scale, extent=extent)

    st.download_button(
        f"Slide of {as_of:%d %B %Y} (PNG)",
        slide,
        file_name=f"{stem}.png",
        mime="image/png",
        on_click="ignore",
        key="slide_png",
        type="primary",
    )
    st.caption(
        "Title, date, key with km² per side and status, the nearest reported figure, scale bar, north arrow, sources and method; drawn on the server, offline."
    )

    st.markdown("**Time-lapse**")
    dates = timeline_dates(url, revision, tuple(layers)) or [as_of]
    first, second, third, fourth = st.columns(4)
    start = first.date_input(
        "From", value=dates[0], min_value=dates[0], max_value=dates[-1], key="lapse_from"
    )
    end = second.date_input("To", value=dates[-1], min_value=dates[0], max_value=dates[-1], key="lapse_to")
    step = third.selectbox(
        "One frame per",
        ["snapshot", "weekly", "daily"],
        key="lapse_step",
        format_func={"snapshot": "snapshot", "weekly": "week", "daily": "day"}.get,
    )
    fmt = fourth.selectbox("Format", ["mp4", "gif"], key="lapse_format", format_func=str.upper)
    key = ("lapse", tuple(layers), start, end, step, fmt, size, extent, revision)
    if st.button("Render time-lapse", key="lapse_render"):
        bar = st.progress(0.0, text="Rendering…")
        try:
            with render_lock():
                data = render.render_animation(
                    open_store(url),
                    layers,
                    start,
                    end,
                    step=step,
                    fmt=fmt,
                    size=size,
                    extent=extent,
                    progress=lambda done, total: bar.progress(
                        done / total, text=f"Rendered frame {done} of {total}"
                    ),
                )
        except FrontlineError as error:
            bar.empty()
            st.error(escape_markdown(str(error)))
        else:
            bar.empty()
            st.session_state["_lapse"] = (key, data)
    kept = st.session_state.get("_lapse")
    if kept and kept[0] == key:
        st.download_button(
            f"Time-lapse {start} to {end} ({fmt.upper()}, {len(kept[1]) / 1e6:.1f} MB)",
            kept[1],
            file_name=f"{_slug('-'.join(layers) or 'map')}-{start}-{end}.{fmt}",
            mime="video/mp4" if fmt == "mp4" else "image/gif",
            on_click="ignore",
            key="lapse_download",
        )


def _downloads_panel(url: str, revision: str, shown: list) -> None:
    st.download_button(
        "Area series of every layer (CSV)",
        lambda: exports.area_series_csv(area_series(url, revision)),
        file_name="area-series.csv",
        mime="text/csv",
        on_click="ignore",
        key="series_csv",
    )
    for ref in shown:
        st.download_button(
            f"Snapshot of {ref.layer}, {ref.as_of} (GeoJSON)",
            lambda r=ref: exports.snapshot_geojson(
                snapshots.Snapshot(
                    r.layer, r.as_of, r.requested, r.version_id, open_store(url).features(r.version_id)
                )
            ),
            file_name=f"{_slug(ref.layer)}-{ref.as_of}.geojson",
            mime="application/geo+json",
            on_click="ignore",
            key=f"snapshot_geojson:{ref.layer}",
        )
    st.caption(
        "Every file names its area method and border outline. The command line gives the same files: `python -m layers --help`."
    )


# --- permalinks -------------------------------------------------------------------

#: URL parameters of the map's view; the other view state (date, layers, events window,
#: change, chart, tab) lives in widgets bound to the URL.
VIEW_PARAMS = ("center", "zoom")
MODES = {"": "the full app", "present": "presentation mode", "compare": "two dates side by side"}


def parse_view(center: str | None, zoom: str | None) -> tuple[tuple[float, float], int, list[str]]:
    """The map view a link asks for, or the default view and what was wrong with the link.

    ``center`` is ``"lat,lon"`` in degrees, ``zoom`` an integer between the map's limits.
    """
    problems = []
    view_center, view_zoom = mapview.HOME_CENTER, mapview.HOME_ZOOM
    if center is not None:
        try:
            lat, lon = (float(part) for part in center.split(","))
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError
            view_center = (lat, lon)
        except ValueError:
            problems.append(f"center {center!r} is not “latitude,longitude” in degrees")
    if zoom is not None:
        try:
            value = int(zoom)
            if not mapview.MIN_ZOOM <= value <= mapview.MAX_ZOOM:
                raise ValueError
            view_zoom = value
        except ValueError:
            problems.append(
                f"zoom {zoom!r} is not a whole number from {mapview.MIN_ZOOM} to {mapview.MAX_ZOOM}"
            )
    return view_center, view_zoom, problems


def link_notices(infos, dates: list[dt.date]) -> list[str]:
    """What a shared link asks for that this store cannot show: read from the URL once per
    session, before the widgets bound to it fall back to their defaults."""
    params = st.query_params
    problems = []
    if "date" in params:
        try:
            asked = dt.date.fromisoformat(params["date"])
        except ValueError:
            problems.append(f"date {params['date']!r} is not a date like 2024-11-25")
        else:
            if asked not in dates:
                problems.append(f"date {asked} is outside the timeline ({dates[0]} to {dates[-1]})")
    known = {i.name for i in infos if i.kind == "territory"}
    unknown = [name for name in params.get_all("layers") if name not in known]
    if unknown:
        problems.append(
            f"layer{'s' if len(unknown) > 1 else ''} "
            + ", ".join(repr(n) for n in unknown)
            + " (not in this store)"
        )
    if params.get("mode", "") not in MODES:
        problems.append(f"mode {params['mode']!r} is not one this app has (present, compare)")
    _, _, view_problems = parse_view(params.get("center"), params.get("zoom"))
    return problems + view_problems


def initial_view() -> tuple[tuple[float, float], int]:
    """The view the map opens on: the link's, read once per session (st_folium moves the
    map only when the value passed changes, so a constant never fights the reader)."""
    if "_view" not in st.session_state:
        center, zoom, _ = parse_view(st.query_params.get("center"), st.query_params.get("zoom"))
        st.session_state["_view"] = (center, zoom)
    return st.session_state["_view"]


def remember_view(returned: dict | None) -> None:
    """Write the map's current view into the URL, so that the address bar is the permalink,
    and keep its bounds for exports of "the view on screen"."""
    if not returned or not returned.get("center") or not returned.get("zoom"):
        return
    bounds = returned.get("bounds") or {}
    try:
        south_west, north_east = bounds["_southWest"], bounds["_northEast"]
        st.session_state["_bounds"] = (
            south_west["lng"],
            south_west["lat"],
            north_east["lng"],
            north_east["lat"],
        )
    except (KeyError, TypeError):
        pass
    center = f"{returned['center']['lat']:.4f},{returned['center']['lng']:.4f}"
    zoom = str(int(returned["zoom"]))
    if st.query_params.get("center") != center or st.query_params.get("zoom") != zoom:
        st.query_params["center"] = center
        st.query_params["zoom"] = zoom


def link_ui() -> None:
    """The link to this view, with a copy button (``st.code`` has one)."""
    with st.popover("🔗 Link to this view"):
        st.caption(
            "Opens this date, these layers, this map view and mode for anyone with access to this app."
        )
        st.code(_current_link(), language=None, wrap_lines=True)


def _current_link() -> str:
    base = (st.context.url or "").split("?")[0]
    params = st.query_params
    query = "&".join(
        f"{quote(k)}={quote(v)}" for k in sorted(params.keys()) if k != "embed" for v in params.get_all(k)
    )
    return f"{base}?{query}" if query else base


def map_ui(
    url: str, revision: str, dates, visible, events_layer, window_days, playing, present: bool = False
) -> None:
    """Slider, map and panels: the part that reruns on every step (``present``: presentation mode)."""
    if latest_revision(url) != revision:
        st.rerun()  # written to since this page's last full run: the whole page again, with the new data
    if playing:
        current = st.session_state.get("date", dates[0])
        index = dates.index(current) if current in dates else -1
        if index + 1 >= len(dates):
            st.session_state["playing"] = False
            st.rerun()
        st.session_state["date"] = dates[index + 1]

    drawn = map_drawn()
    # Always here, filled or not, so that what follows keeps its place in the page when the
    # strip appears (a component that moves is remounted).
    strip = st.container()
    if drawn and not present:
        with strip:
            timeline_ui(url, revision, dates, visible, events_layer)
    if present:
        present_controls_ui(url, revision, dates, visible)
    play_column, slider_column = st.columns([1.4, 12], vertical_alignment="bottom")
    with play_column:
        play_ui(dates, playing)
    with slider_column:
        as_of = st.select_slider(
            "Date",
            options=dates,
            value=dates[-1],
            key="date",
            bind="query-params",
            format_func=dt.date.isoformat,
        )
    shown = [
        ref for ref in (snapshot_ref(url, revision, layer, as_of) for layer in visible) if ref is not None
    ]
    start, end = events_mod.window(as_of, window_days)
    first, last = events_window(url, revision, events_layer, start, end)
    window = (events_layer, first, last) if events_layer else (None, 0, 0)
    status = (
        "; ".join(
            f"{escape_markdown(s.layer)}: snapshot of {s.as_of} ({style.age_words(s.age_days)})" for s in shown
        )
        or "no snapshot on or before this date"
    )

    if present:
        map_column, panel_column = st.columns([3, 1])
        with map_column:
            st.markdown(f"# {as_of:%d %B %Y}")
            st.caption(status)
            _map_ui(url, revision, shown, window, [], PRESENT_MAP_HEIGHT_PX)
        with panel_column:
            present_numbers_ui(url, revision, as_of, shown)
        return

    milestone_rows = milestones(url, revision)

    map_column, panel_column = st.columns([3, 2])
    with map_column:
        st.markdown(f"**{as_of:%d %B %Y}** — {status}")
        today = milestone_rows[milestone_rows["date"] == as_of]["title"]
        milestone_note = (
            "Milestone: " + "; ".join(escape_markdown(t) for t in today) + ". " if len(today) else ""
        )
        events_note = (
            f"Events {start} to {end}: {last - first} shown." if events_layer else "No events layer shown."
        )
        st.caption(f"{milestone_note}{events_note} Hover a zone or a symbol for what it is and who says so.")
        since = since_ui(as_of, dates)
        changes, missing = layer_changes(url, revision, since, shown)
        pairs = [(c.layer, _ref(c.since), _ref(c.until)) for c in changes]
        _map_ui(url, revision, shown, window, pairs, MAP_HEIGHT_PX)
    with panel_column:
        if not drawn:
            st.caption("Areas, tables and charts follow once the map is drawn.")
            return
        change_ui(url, revision, since, changes, missing)
        areas_ui(url, revision, as_of, shown)
    analytics_ui(url, revision, as_of, visible, shown)


def map_drawn() -> bool:
    """Whether this session's map has been drawn (it reported its view once).

    The first paint of a page holds back the timeline strip, the area tables and the
    charts: their frontend code (Vega, the data grid) is loaded and run in the page before
    the map's iframe is even created, and measured on the 769-day archive, the map came
    up about 2 s later with them (``benchmarks/README.md``). The map reports its view as
    soon as it is drawn, which reruns the map's fragment: that run, and every one after
    it, has them. ("center" is only in what the map reports, never in the value it has
    before; the component's state is current from the start of the run.)
    """
    if not st.session_state.get(MAP_DRAWN) and mapcomponent.last_state(map_base(static_url())).get("center"):
        st.session_state[MAP_DRAWN] = True
    return bool(st.session_state.get(MAP_DRAWN))


def _map_ui(url: str, revision: str, shown: list, events: tuple, changes: list, height: int) -> None:
    """The map: the constant base, the date's groups (each prepared once and cached), the
    view from the link; keeps the URL's view current.

    The territory is sent at the level of detail of the zoom the map last reported
    (``mapview.DETAILS``): simplified at country zoom, full detail from zoom 11 in.
    ``events`` is ``(layer, first, last)`` positions in its events (``events_window``) or ``(None, 0, 0)``; ``changes`` are ``(layer, since, until)``
    snapshot refs.
    """
    static = static_url()
    base = map_base(static)
    center, zoom = initial_view()
    detail = mapview.detail_for_zoom(mapcomponent.last_state(base).get("zoom") or zoom)
    geojsons = [
        territory_display(url, revision, ref.layer, ref.as_of, ref.version_id, detail.level) for ref in shown
    ]
    geojsons = [g for g in geojsons if '"features":[]' not in g]
    groups = (
        territory_template(len(geojsons)).fill(geojsons, wrap=mapview.DECODER)
        + events_js(url, revision, *events)
        + change_js(url, revision, tuple(changes))
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
    remember_view(returned)


# --- side by side ------------------------------------------------------------------

COMPARE_MAP_HEIGHT_PX = 600


def compare_ui(url: str, revision: str, dates: list[dt.date], visible: list[str]) -> None:
    """Two dates side by side (``?mode=compare&left=…&right=…``), synchronised pan and zoom,
    each labelled, and the change in km² between them."""
    stops = sorted({d for layer in visible for d in snapshot_dates(url, revision, layer)}) or dates
    left_column, right_column, exit_column = st.columns([2, 2, 1], vertical_alignment="bottom")
    left = left_column.selectbox(
        "Left", stops, index=0, key="left", bind="query-params", format_func=dt.date.isoformat
    )
    right = right_column.selectbox(
        "Right", stops, index=len(stops) - 1, key="right", bind="query-params", format_func=dt.date.isoformat
    )
    exit_column.button(
        "Back to the timeline", on_click=lambda: st.query_params.pop("mode", None), key="compare_exit"
    )
    if left >= right:
        st.warning("Pick a left date before the right one to see what changed between them.")
    left_refs = [
        ref for ref in (snapshot_ref(url, revision, layer, left) for layer in visible) if ref is not None
    ]
    right_refs = [
        ref for ref in (snapshot_ref(url, revision, layer, right) for layer in visible) if ref is not None
    ]
    st_folium(
        mapview.side_by_side_map(
            static_url(),
            [
                territory_display(url, revision, r.layer, r.as_of, r.version_id, encoded=False)
                for r in left_refs
            ],
            [
                territory_display(url, revision, r.layer, r.as_of, r.version_id, encoded=False)
                for r in right_refs
            ],
            f"{left:%d %b %Y}",
            f"{right:%d %b %Y}",
        ),
        key=f"compare:{left}:{right}",
        returned_objects=[],
        use_container_width=True,
        height=COMPARE_MAP_HEIGHT_PX,
    )
    if left < right:
        by_layer = {r.layer: r for r in left_refs}
        changes = [
            layer_change(url, revision, r.layer, by_layer[r.layer], r)
            for r in right_refs
            if r.layer in by_layer
        ]
        change_ui(
            url,
            revision,
            left,
            changes,
            [r.layer for r in right_refs if r.layer not in by_layer],
            until=right,
        )


# --- presentation mode -------------------------------------------------------------

PRESENT_MAP_HEIGHT_PX = 780
#: Streamlit's chrome hidden and type enlarged for a projector; constant CSS, no data in it.
PRESENT_CSS = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"], footer { display: none !important; }
.block-container, [data-testid="stMainBlockContainer"] { padding-top: 0.6rem !important; max-width: 100% !important; }
[data-testid="stMetricValue"] { font-size: 3.2rem !important; }
[data-testid="stMetricLabel"] p { font-size: 1.25rem !important; }
h1 { font-size: 3.4rem !important; padding-top: 0 !important; }
</style>"""


def present_controls_ui(url: str, revision: str, dates: list[dt.date], visible: list[str]) -> None:
    """Previous / next snapshot (keys ← and →) and exit (Esc), above the slider."""
    stops = sorted({d for layer in visible for d in snapshot_dates(url, revision, layer)}) or dates

    def step(direction: int) -> None:
        current = st.session_state.get("date", dates[-1])
        if direction < 0:
            earlier = [d for d in stops if d < current]
            st.session_state["date"] = earlier[-1] if earlier else dates[0]
        else:
            later = [d for d in stops if d > current]
            st.session_state["date"] = later[0] if later else dates[-1]

    def leave() -> None:
        st.query_params.pop("mode", None)

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
    end.button("Exit presentation", on_click=leave, shortcut="Esc", key="present_exit", type="tertiary")


def present_numbers_ui(url: str, revision: str, as_of: dt.date, shown: list) -> None:
    """Large km² per side and status, and the nearest reported figure, labelled as such."""
    for snap in shown:
        table = area_table(url, revision, snap.layer, snap.as_of).raw
        st.markdown(f"**{escape_markdown(snap.layer)}**")
        order = {status: i for i, status in enumerate(schema.STATUSES)}
        for row in sorted(table.to_dict("records"), key=lambda r: (r["held_by"], order.get(r["status"], 99))):
            # Each side's ground across the border is the news: Ukraine's inside Russia, Russia's inside Ukraine.
            border, where = ("RUS", "inside Russia") if row["held_by"] == "UA" else ("UKR", "inside Ukraine")
            st.metric(
                style.series_label(row["held_by"], row["status"]),
                f"{row.get(ANYWHERE, 0.0):,.0f} km²",
            )
            if row.get(border, 0.0):
                st.caption(f"{row[border]:,.0f} km² {where}")
    nearby = nearest_figures(url, revision, as_of).rows
    for row in nearby.head(2).itertuples():
        st.markdown(
            f"**Reported** ({escape_markdown(row.kind)}, {row.date}): {row.reported_km2:,.0f} km² — "
            f"{escape_markdown(row.source)}; map {'' if pd.isna(row.computed_km2) else f'{row.computed_km2:,.0f} km²'} ({escape_markdown(row.measure)})"
        )
    st.caption(f"Areas: {escape_markdown(METHOD)}.")


# --- editors ---------------------------------------------------------------------

UPLOAD_TYPES = ["geojson", "json", "gz", "kml", "gpkg"]
NO_PRESET = "(none: the file uses this app's property names)"


def _secrets() -> dict:
    try:
        return st.secrets.to_dict()
    except (FileNotFoundError, AttributeError):
        return {}


def current_editor() -> auth.Editor | None:
    """The signed-in editor, re-derived on every run from server-side state only."""
    secrets = _secrets()
    if auth.oidc_configured(secrets):
        return auth.editor_from_oidc(st.user.to_dict(), secrets)
    # A session signed in with a password that has since been changed is signed out.
    if st.session_state.get("_editor_hash") != auth.editor_settings(secrets).get("password_hash"):
        st.session_state.pop("_editor", None)
    return st.session_state.get("_editor")


def sign_in_ui() -> None:
    """Editor sign-in in the sidebar: OIDC when configured, else the editor password."""
    secrets = _secrets()
    settings = auth.editor_settings(secrets)
    with st.sidebar:
        if auth.oidc_configured(secrets):
            if st.user.is_logged_in:
                st.caption(
                    f"Signed in as {escape_markdown(st.user.get('email', ''))}"
                    + ("" if current_editor() else " (reader)")
                )
                st.button("Sign out", on_click=st.logout)
            else:
                st.button("Editor sign-in", on_click=st.login)
        elif settings.get("password_hash"):
            editor = st.session_state.get("_editor")
            if editor:
                st.caption(f"Editor: {escape_markdown(editor.name)}")
                st.button("Sign out", on_click=lambda: st.session_state.pop("_editor", None))
            else:
                with st.expander("Editor sign-in"), st.form("sign_in", border=False):
                    name = st.text_input("Your name (recorded with each change)", key="editor_name")
                    password = st.text_input("Editor password", type="password", key="editor_password")
                    if st.form_submit_button("Sign in"):
                        editor = auth.editor_from_password(name, password, secrets)
                        if editor:
                            st.session_state["_editor"] = editor
                            st.session_state["_editor_hash"] = settings.get("password_hash")
                            st.rerun()
                        st.error("Wrong name or password.")


def editor_ui(url: str, revision: str, infos, editor: auth.Editor) -> None:
    """Upload, validate, map properties, preview against the previous snapshot, commit; history and revert."""
    store = open_store(url)
    st.divider()
    st.subheader("Editor")
    layer, kind = _layer_choice_ui(infos)
    upload = st.file_uploader(
        "Snapshot file: GeoJSON, gzipped GeoJSON, KML or GeoPackage",
        type=UPLOAD_TYPES,
        max_upload_size=20,
        key="upload",
    )
    if upload is not None and layer:
        raw = upload.getvalue()
        guessed = date_from_name(upload.name)
        as_of = st.date_input(
            "Snapshot date (the state of the layer as of this date)",
            value=guessed,
            key=f"as_of_{upload.file_id}",
        )
        mapping, defaults = _mapping_ui(kind, raw, upload.name)
        repair = st.checkbox(
            "Repair invalid geometry (the report shows how each repair changes the area)", key="repair"
        )
        report = validate(
            raw, KINDS[kind], name=upload.name, defaults=defaults, mapping=mapping, repair=repair
        )
        if any(p.rule == "swapped" for p in report.errors) and st.checkbox(
            "Swap longitude and latitude in every position and check again", key="swap"
        ):
            raw = swap_axes(raw, upload.name)
            report = validate(
                raw, KINDS[kind], name=upload.name, defaults=defaults, mapping=mapping, repair=repair
            )
        reference = _record_rejection(store, editor, upload.name, raw, report) if not report.ok else None
        _report_ui(report, reference)
        if not as_of:
            st.error("No date found in the file name; choose the snapshot date above.")
        elif report.ok:
            _preview_and_commit_ui(store, layer, kind, as_of, raw, upload.name, report, editor)
    if layer and layer in {i.name for i in infos}:
        _history_ui(store, layer)
    _add_figure_ui(store, infos)


def _add_figure_ui(store: Store, infos) -> None:
    """A reported figure typed in by an editor, checked like a CSV row, then stored."""
    territory = [i.name for i in infos if i.kind == "territory"]
    with st.expander("Add a reported figure"), st.form("add_figure", clear_on_submit=False, border=False):
        first = st.columns(4)
        date = first[0].date_input("Date the figure refers to", value=None, key="figure_date")
        value = first[1].text_input("Reported km²", key="figure_value")
        kind = first[2].selectbox("Kind", list(schema.FIGURE_KINDS), key="figure_kind")
        measure = first[3].selectbox(
            "Measure",
            list(schema.MEASURES),
            key="figure_measure",
            help="\n".join(f"{k}: {v}" for k, v in schema.MEASURES.items()),
        )
        scope = st.text_input(
            "What it measures, in words",
            key="figure_scope",
            max_chars=300,
            placeholder="Ukrainian-held area in Kursk region (Russia)",
        )
        second = st.columns(4)
        layer = second[0].selectbox("Compare with layer", ["", *territory], key="figure_layer")
        held_by = second[1].selectbox("Side", ["", *schema.SIDES], key="figure_held_by")
        status = second[2].selectbox("Status", ["", *schema.STATUSES], key="figure_status")
        within = second[3].selectbox(
            "Within", list(style.BORDER_LABELS), format_func=style.BORDER_LABELS.get, key="figure_within"
        )
        source = st.text_input("Source (who published it)", key="figure_source", max_chars=300)
        note = st.text_input("Quote or context", key="figure_note", max_chars=500)
        if st.form_submit_button("Add figure"):
            row = {
                "date": date.isoformat() if date else "",
                "scope": scope,
                "layer": layer,
                "held_by": held_by,
                "status": status,
                "within": within,
                "measure": measure,
                "value_km2": value,
                "kind": kind,
                "source": source,
                "note": note,
            }
            try:
                who = auth.require_editor(current_editor())
                checked = figures_mod.check_figures(pd.DataFrame([row]), "new figure", first_line=0)
                added = store.add_figures(checked, actor=who.name, origin="app")
            except FrontlineError as error:
                st.error(escape_markdown(str(error)))
            else:
                # Rerun so that the comparison above, cached by store revision, includes it.
                st.session_state["figure_flash"] = (
                    "Figure added; see it against the map in the tab *Reported figures vs map*."
                    if added
                    else "That exact figure is already stored: nothing was added."
                )
                st.rerun()
        if "figure_flash" in st.session_state:
            st.success(st.session_state.pop("figure_flash"))


KINDS = {"territory": schema.TERRITORY, "events": schema.EVENT}


def _layer_choice_ui(infos) -> tuple[str, str]:
    names = [i.name for i in infos]
    choice = st.selectbox("Layer", [*names, "New layer…"], key="edit_layer")
    if choice == "New layer…":
        name = st.text_input("New layer name", max_chars=200, key="new_layer_name").strip()
        kind = st.radio("Kind", list(KINDS), horizontal=True, key="new_layer_kind")
        return name, kind
    return choice, next(i.kind for i in infos if i.name == choice)


CUSTOM_MAPPING = "map the file's own properties…"


def _mapping_ui(kind: str, raw: bytes, file_name: str) -> tuple[PropertyMapping | None, dict]:
    """A preset or the editor's own mapping, and the values to fill in for features that
    lack a field (a feature's own value wins)."""
    columns = st.columns(4)
    document, _ = decode(raw, file_name)
    suggested = suggest_preset(document) if document is not None else None
    choices = [NO_PRESET, *PRESETS, CUSTOM_MAPPING] if kind == "territory" else [NO_PRESET]
    preset = columns[0].selectbox(
        "Property mapping",
        choices,
        index=choices.index(suggested) if suggested in choices else 0,
        key="preset",
        help="How the file's own properties become side, status and source.",
    )
    mapping = PRESETS.get(preset)
    if preset == CUSTOM_MAPPING and document is not None:
        mapping = _custom_mapping_ui(distinct_values(document))
    defaults = {}
    if kind == "territory":
        defaults["held_by"] = (
            columns[1].selectbox("Side, where missing", ["", *schema.SIDES], key="default_held_by") or None
        )
        defaults["status"] = (
            columns[2].selectbox("Status, where missing", ["", *schema.STATUSES], key="default_status")
            or None
        )
    defaults["source"] = columns[3].text_input("Source, where missing", key="default_source").strip() or None
    return mapping, defaults


def _custom_mapping_ui(values: dict[str, list[str]]) -> PropertyMapping | None:
    """Choose the property that gives the side and the status, and map each of its values."""
    if not values:
        st.info("The file's features have no properties to map; fill side, status and source below.")
        return None
    properties = ["(none)", *values]
    columns = st.columns(3)
    held_by_property, held_by_values = _value_map_ui(
        columns[0], "Side", values, properties, list(schema.SIDES), "map_held_by"
    )
    status_property, status_values = _value_map_ui(
        columns[1], "Status", values, properties, list(schema.STATUSES), "map_status"
    )
    source_property = columns[2].selectbox("Source comes from property", properties, key="map_source")
    try:
        return PropertyMapping(
            name="your mapping",
            held_by_property=held_by_property,
            held_by_values=held_by_values,
            status_property=status_property,
            status_values=status_values,
            source_property=None if source_property == "(none)" else source_property,
        )
    except FrontlineError as error:
        st.error(escape_markdown(str(error)))
        return None


def _value_map_ui(
    column, label: str, values, properties, allowed: list[str], key: str
) -> tuple[str | None, dict]:
    chosen = column.selectbox(f"{label} comes from property", properties, key=f"{key}_property")
    if chosen == "(none)":
        return None, {}
    table = pd.DataFrame({"value in the file": values[chosen], label.lower(): [""] * len(values[chosen])})
    edited = column.data_editor(
        table,
        hide_index=True,
        disabled=["value in the file"],
        key=f"{key}_values",
        column_config={label.lower(): st.column_config.SelectboxColumn(options=["", *allowed])},
    )
    return chosen, {
        value: target for value, target in zip(edited["value in the file"], edited[label.lower()]) if target
    }


def _record_rejection(store: Store, editor: auth.Editor, file_name: str, raw: bytes, report) -> str:
    """Audit a refused upload once per file and report, and return the reference shown to the editor."""
    key = f"rejected:{sha256(raw)}:{report.summary()}"
    if key not in st.session_state:
        st.session_state[key] = store.record_rejection(
            actor=editor.name,
            file_name=file_name,
            sha256=sha256(raw),
            size_bytes=len(raw),
            reasons=[str(p) for p in report.errors],
        )
    return st.session_state[key]


def _report_ui(report, reference: str | None) -> None:
    errors, warnings = len(report.errors), len(report.warnings)
    if errors:
        st.error(
            f"{errors} problem(s) to fix before this file can be committed; nothing has been written (reference {reference})."
        )
    else:
        st.success(
            f"Valid: {len(report.features)} feature(s)" + (f", {warnings} note(s)" if warnings else "") + "."
        )
    if report.problems:
        table = pd.DataFrame(
            [(p.severity, p.where, p.field, p.message) for p in report.problems],
            columns=["severity", "where", "field", "what to do"],
        )
        st.dataframe(table, hide_index=True, width="stretch")
        st.download_button(
            "Download the full report (CSV)",
            table.to_csv(index=False).encode("utf-8"),
            file_name="validation-report.csv",
            mime="text/csv",
            key="report_csv",
        )


def _preview_and_commit_ui(
    store: Store, layer: str, kind: str, as_of: dt.date, raw: bytes, file_name: str, report, editor
) -> None:
    digest = sha256(raw)
    # The head this preview was made against, kept from the first run that showed it:
    # reading it again when Commit is clicked would silently overwrite a version another
    # editor committed in between.
    seen_key = f"preview_head:{layer}:{as_of}:{digest}"
    if seen_key not in st.session_state:
        st.session_state[seen_key] = store.head_version(layer, as_of)
    expected = st.session_state[seen_key]
    previous = (
        snapshots.snapshot_at(store, layer, as_of) if layer in {i.name for i in store.layers()} else None
    )
    st.markdown(
        f"**Preview** — against {'the snapshot of ' + str(previous.as_of) if previous is not None else 'nothing (first snapshot of this layer)'}"
    )
    new = report.features
    if kind == "territory":
        table = change_table(
            previous.features if previous is not None else None, new, within=(ANYWHERE, "RUS", "UKR")
        )
        st.dataframe(
            table.replace({"within": {ANYWHERE: "anywhere"}}),
            hide_index=True,
            width="stretch",
            column_config=_km2_columns(["before_km2", "after_km2", "change_km2"]),
        )
        diff = gained_and_lost(previous.features if previous is not None else None, new)
        shown = snapshots.Snapshot(layer, as_of, as_of, 0, new)
        st_folium(
            mapview.base_map(static_url()),
            key="preview",
            feature_group_to_add=[
                mapview.territory_group([mapview.territory_geojson(shown)]),
                mapview.change_group(
                    previous.features if previous is not None else None,
                    diff,
                    previous.as_of if previous is not None else None,
                ),
            ],
            returned_objects=[],
            use_container_width=True,
            height=480,
        )
    else:
        st.dataframe(new.drop(columns=new.geometry.name), hide_index=True, width="stretch")
    if st.button("Commit this snapshot", type="primary", key="commit"):
        try:
            who = auth.require_editor(current_editor())
            snapshot = NewSnapshot(layer, as_of, new, digest, kind=kind, file_name=file_name[:300])
            version = store.write([snapshot], expected_heads={(layer, as_of): expected}, actor=who.name)[0]
        except FrontlineError as error:
            st.error(escape_markdown(str(error)))
        else:
            if version == expected:
                st.info(f"Identical to version {version}, the current one: nothing was written.")
            else:
                st.session_state[seen_key] = version
                st.success(
                    f"Committed as version {version}. Readers see it within a few seconds, at their next step or reload."
                )


def _history_ui(store: Store, layer: str) -> None:
    # The heads shown on the previous run: a revert must fail if the head moved since.
    seen = st.session_state.get("history_heads", {})
    with st.expander(f"History of {escape_markdown(layer)}"):
        history = store.history(layer)
        st.dataframe(history, hide_index=True, width="stretch")
        st.session_state["history_heads"] = {
            (layer, r.as_of): int(r.version_id) for r in history[history["is_head"]].itertuples()
        }
        if len(history):
            choice = st.selectbox("Version to restore", history["version_id"], key="revert_version")
            if st.button("Revert to this version", key="revert"):
                try:
                    who = auth.require_editor(current_editor())
                    row = history[history["version_id"] == choice].iloc[0]
                    expected = seen.get((layer, row["as_of"]), store.head_version(layer, row["as_of"]))
                    new_version = store.revert(
                        layer, row["as_of"], int(choice), actor=who.name, expected_head=expected
                    )
                except FrontlineError as error:
                    st.error(escape_markdown(str(error)))
                else:
                    st.success(
                        f"Restored version {choice} as new version {new_version}; nothing was deleted."
                    )


def main() -> None:
    present = st.query_params.get("mode") == "present"
    st.set_page_config(
        page_title="Front-line map",
        page_icon="🗺",
        layout="wide",
        initial_sidebar_state="collapsed" if present else "auto",
    )
    if not present:
        st.markdown("## Front-line map")
        st.caption(
            "Who holds what ground, day by day, and how much of it: areas computed from the geometry, "
            "beside what officials and the press reported. The embedded Kursk data is an illustrative drawing "
            "by this project from public reporting, not survey data."
        )
    try:
        url = default_url()
        open_store(url)  # opened, and seeded when empty, once per process
        revision = latest_revision(url, max_age=0)
        infos = layer_infos(url, revision)
        # The timeline spans every territory layer, shown or not, so hiding a layer
        # never moves the slider's range or invalidates a date in a shared link.
        dates = timeline_dates(url, revision, tuple(i.name for i in infos if i.kind == "territory"))
        if not dates:
            st.warning("The store holds no territory snapshot yet.")
            return
        # Read before the widgets bound to the URL drop what they cannot show.
        if "_link_notices" not in st.session_state:
            st.session_state["_link_notices"] = link_notices(infos, dates)
        visible, events_layer, window_days = sidebar_ui(infos)
        for notice in st.session_state["_link_notices"]:
            st.warning(
                f"The link's {escape_markdown(notice)}: showing the default instead.",
                icon=":material/link_off:",
            )
        if present:
            st.html(PRESENT_CSS)
        if st.query_params.get("mode") == "compare":
            compare_ui(url, revision, dates, visible)
            sign_in_ui()
            return
        playing = st.session_state.get("playing", False)
        fragment = st.fragment(run_every=PLAY_INTERVAL_S if playing else None)(map_ui)
        fragment(url, revision, dates, visible, events_layer, window_days, playing, present)
        if present:
            return
        with st.sidebar:
            st.divider()
            link_ui()
            st.button(
                "Presentation mode",
                on_click=lambda: st.query_params.update(mode="present"),
                key="present",
                help="Full screen for a projector: ← and → step through the snapshots, Esc leaves",
            )
            st.button(
                "Side by side",
                on_click=lambda: st.query_params.update(mode="compare"),
                key="compare",
                help="Two dates next to each other, panning and zooming together, with the change between them",
            )
        sign_in_ui()
        editor = current_editor()
        if editor is not None:
            editor_ui(url, revision, infos, editor)
    except FrontlineError as error:
        st.error(escape_markdown(str(error)))


if __name__ == "__main__":
    main()
