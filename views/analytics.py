"""Under the reader's map: area over time, net change per month, every reported figure
against the map, slides and time-lapses, and downloads, one lazy tab each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import streamlit as st

from layers import charts, exports, snapshots, style
from layers.areas import ANYWHERE, METHOD
from layers.errors import FrontlineError
from layers.renderqueue import RenderQueue, next_allowed, timelapse_refusal
from layers.settings import limits
from layers.text import escape_markdown

from .appdata import Data, figure_table
from .signin import current_editor
from .widgets import Selection, slug, user_errors

__all__ = ["TABS", "analytics_ui", "render_queue"]

#: The tabs under the map, in order; ``?analysis=`` names the open one.
TABS = (
    "Area over time",
    "Net change per month",
    "Reported figures vs map",
    "Slide and time-lapse",
    "Downloads",
)


def analytics_ui(
    data: Data, as_of: dt.date, selection: Selection, shown: Sequence[snapshots.SnapshotRef]
) -> None:
    """The chart layer and border (both in the URL), then the open tab's panel."""
    territory = selection.visible or data.layer_names("territory")
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
    panels: list[Callable[[], None]] = [
        lambda: _area_panel(data, as_of, layer, within),
        lambda: _monthly_panel(data, layer, within),
        lambda: figures_panel(data),
        lambda: _slides_panel(data, as_of, selection),
        lambda: _downloads_panel(data, shown),
    ]
    tabs = st.tabs(list(TABS), key="analysis", on_change="rerun", bind="query-params")
    for tab, panel in zip(tabs, panels, strict=True):
        if tab.open:
            with tab:
                panel()


def _area_panel(data: Data, as_of: dt.date, layer: str, within: str) -> None:
    st.vega_lite_chart(
        charts.with_selected_date(data.area_chart_layers(layer, within), as_of), width="stretch", height=320
    )
    st.caption(
        f"km² of {escape_markdown(layer)} per side and status "
        f"({escape_markdown(style.BORDER_LABELS[within])}); "
        "steps at each snapshot; points, the reported figures of the same scope, shaped by kind "
        "(hover: source, kind, note); red, the selected date. "
        f"Method: {escape_markdown(METHOD)}."
    )


def _monthly_panel(data: Data, layer: str, within: str) -> None:
    monthly = data.monthly_change(layer, within)
    if monthly.empty:
        st.info("Not enough snapshots: a month needs a snapshot on or before the end of the previous month.")
        return
    st.vega_lite_chart(charts.monthly_spec(monthly), width="stretch", height=300)
    st.caption(
        "Net change of held ground per calendar month: area at the month's last snapshot minus area at the "
        "previous month's last snapshot."
    )


def figures_panel(data: Data) -> None:
    """Every reported figure beside the map's figure for its scope, with the CSV."""
    st.dataframe(figure_table(data.comparison()), hide_index=True, width="stretch")
    st.caption(
        "Map km² = the layer's area for the figure's side, status and border: on the figure's date (latest "
        "snapshot on or before it), the peak so far, or the net change over the figure's calendar month or "
        "year. Difference = map − reported; % of reported. "
        "A figure with no matching series says why instead of being compared with the wrong thing."
    )
    st.download_button(
        "Comparison (CSV)",
        lambda: exports.comparison_csv(
            data.comparison(),
            exports.illustrative_layers(data.layer_infos()),
            {info.name: info.credit for info in data.layer_infos()},
        ),
        file_name="reported-vs-map.csv",
        mime="text/csv",
        on_click="ignore",
        key="comparison_csv",
    )


@st.cache_resource
def render_queue() -> RenderQueue:
    """matplotlib's settings are process-wide: slides and time-lapses are drawn one at a time, in turn."""
    return RenderQueue()


def _ahead_words(ahead: int) -> str:
    return f"{ahead} render{'' if ahead == 1 else 's'} ahead of yours…"


def _timelapse_refusal() -> str | None:
    """Why this session may not render a time-lapse now (``limits().timelapse``), or None."""
    settings = limits()
    is_editor = current_editor() is not None
    refusal = timelapse_refusal(settings.timelapse, is_editor)
    if refusal or settings.timelapse != "all" or is_editor:
        return refusal
    started = st.session_state.get("_lapse_started", [])
    again = next_allowed(started, settings.timelapse_per_hour, dt.datetime.now(dt.UTC))
    if again is None:
        return None
    per_hour = settings.timelapse_per_hour
    return (
        f"A reader may draw {per_hour} time-lapse{'' if per_hour == 1 else 's'} an hour on this server; "
        f"you can draw another at {again:%H:%M} UTC. Slides are not limited."
    )


def _render_timelapse(data: Data, layers: Sequence[str], key: tuple, dates: Sequence[dt.date]) -> None:
    """Check the frame count, wait for the render's turn (showing how many are ahead), then draw."""
    from layers import render

    _, _, start, end, step, fmt, size, extent, events, window_days, _ = key
    with user_errors():
        render.check_frames(dates, start, end, step)
        started = st.session_state.setdefault("_lapse_started", [])
        now = dt.datetime.now(dt.UTC)
        started.append(now)
        with st.status("Waiting for the renderer…") as status:
            try:
                with render_queue().turn(lambda ahead: status.update(label=_ahead_words(ahead))):
                    status.update(label="Rendering…")
                    bar = st.progress(0.0)
                    st.session_state["_lapse"] = (
                        key,
                        render.render_animation(
                            data.store,
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
                            events=events,
                            window_days=window_days,
                        ),
                    )
            except FrontlineError:
                # Refused before drawing (e.g. a bad extent): it does not count against the hour.
                started.remove(now)
                status.update(label="Not rendered", state="error")
                raise
            status.update(label="Rendered", state="complete", expanded=False)


def _slides_panel(data: Data, as_of: dt.date, selection: Selection) -> None:
    """A slide of the date for everyone, and a time-lapse for whom ``limits().timelapse`` allows.

    Drawn on the server as ``export-png`` and ``export-animation`` draw them, one render
    at a time in the process's :func:`render_queue`; a time-lapse shows how many renders
    are ahead of it while it waits. The map's view on screen is clamped to what a slide
    can show (:func:`layers.render.screen_extent`), else the slide is fitted to the
    territory.
    """
    # matplotlib: imported when a slide is first asked for, not at start (benchmarks/README.md).
    from layers import render

    territory = set(data.layer_names("territory"))
    layers = [name for name in selection.visible if name in territory]
    # The events the reader shows on the map, over the window chosen there.
    events, window_days = selection.events_layer, selection.window_days
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
    extent = render.screen_extent(bounds) if use_view and bounds else None
    if use_view and bounds and extent is None:
        st.caption(
            "The map's view on screen is more than a slide can show (at most a hemisphere): "
            "slides and time-lapses are fitted to the territory instead."
        )
    name = slug("-".join(layers) or "map")

    def slide() -> bytes:
        with render_queue().turn():
            return render.render_png(
                data.store,
                layers,
                as_of,
                size=size,
                scale=scale,
                extent=extent,
                events=events,
                window_days=window_days,
            )

    st.download_button(
        f"Slide of {as_of:%d %B %Y} (PNG)",
        slide,
        file_name=f"{name}-{as_of}.png",
        mime="image/png",
        on_click="ignore",
        key="slide_png",
        type="primary",
    )
    st.caption(
        "Title, date, key with km² per side and status, the nearest reported figure, scale bar, north arrow, "
        "sources and method; the events layer shown on the map, over its window (a symbol each, or their "
        "density when many); drawn on the server, offline."
    )

    st.markdown("**Time-lapse**")
    kept = st.session_state.get("_lapse")
    refusal = _timelapse_refusal()
    if refusal:
        st.info(refusal)
        if kept and limits().timelapse == "all":
            _lapse_download(kept, name)
        return
    dates = data.timeline_dates(layers) or [as_of]
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
    key = ("lapse", tuple(layers), start, end, step, fmt, size, extent, events, window_days, data.revision)
    if st.button("Render time-lapse", key="lapse_render"):
        _render_timelapse(data, layers, key, dates)
    kept = st.session_state.get("_lapse")
    if kept and kept[0] == key:
        _lapse_download(kept, name)
    st.caption(f"At most {limits().render_max_frames} frames; one render at a time on this server, in turn.")


def _lapse_download(kept: tuple, name: str) -> None:
    (_, _, start, end, _, fmt, *_), data = kept
    st.download_button(
        f"Time-lapse {start} to {end} ({fmt.upper()}, {len(data) / 1e6:.1f} MB)",
        data,
        file_name=f"{name}-{start}-{end}.{fmt}",
        mime="video/mp4" if fmt == "mp4" else "image/gif",
        on_click="ignore",
        key="lapse_download",
    )


def _downloads_panel(data: Data, shown: Sequence[snapshots.SnapshotRef]) -> None:
    st.download_button(
        "Area series of every layer (CSV)",
        lambda: exports.area_series_csv(
            data.area_series(),
            exports.illustrative_layers(data.layer_infos()),
            {info.name: info.credit for info in data.layer_infos()},
        ),
        file_name="area-series.csv",
        mime="text/csv",
        on_click="ignore",
        key="series_csv",
    )
    for ref in shown:
        st.download_button(
            # A button's label is Markdown: a layer named ``![b](http://…)`` would be an image.
            f"Snapshot of {escape_markdown(ref.layer)}, {ref.as_of} (GeoJSON)",
            lambda r=ref: exports.snapshot_geojson(
                data.features(r),
                r.layer in exports.illustrative_layers(data.layer_infos()),
                next((info.credit for info in data.layer_infos() if info.name == r.layer), None),
            ),
            file_name=f"{slug(ref.layer)}-{ref.as_of}.geojson",
            mime="application/geo+json",
            on_click="ignore",
            key=f"snapshot_geojson:{ref.layer}",
        )
    st.caption(
        "Every file names its area method and border outline, marks an illustrative layer and "
        "states each layer's credit and licence. "
        "The command line gives the same files: `python -m layers --help`."
    )
