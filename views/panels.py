"""Panels beside the map, shared by the reader and side by side: the areas at a date with
the reported figures nearest it, and the change between two dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import streamlit as st

from layers import change as change_mod
from layers import charts, exports, links, nearfront, snapshots, style
from layers import events as events_mod
from layers import figures as figures_mod
from layers.areas import BORDERS_SOURCE, METHOD
from layers.sync.status import last_sync, sync_words
from layers.text import escape_markdown

from .appdata import Data, near_front_span, outline_area_km2
from .widgets import Selection, km2_columns, slug

__all__ = [
    "NEAR_FRONT_CHART_DAYS",
    "areas_ui",
    "change_ui",
    "layer_changes",
    "near_front_ui",
    "since_choice",
    "since_ui",
    "sync_ui",
]

#: Days the chart of events near the front shows at least, up to the date (whole cached
#: blocks of days: ``appdata.near_front_span``).
NEAR_FRONT_CHART_DAYS = 90


def sync_ui(data: Data, shown: Sequence[snapshots.SnapshotRef]) -> None:
    """For each shown layer kept in step by a sync: "last synced … from …", and a warning
    when that is longer ago than expected or the last run failed (``layers.sync.status``).

    Read on every run, not cached: a sync that found nothing new changes no revision.
    """
    now = dt.datetime.now(dt.UTC)
    for ref in shown:
        run = last_sync(data.store, ref.layer)
        if run is None:
            continue
        line, warning = sync_words(run, now)
        st.caption(escape_markdown(line))
        if warning is not None:
            st.warning(escape_markdown(warning), icon="⏱")


def provenance_words(fetched: Mapping[str, str | None]) -> str:
    """One line on where a synced snapshot's file came from (plain text, to be escaped)."""
    when = fetched.get("fetched_at") or "?"
    try:
        moment = dt.datetime.fromisoformat(when).astimezone(dt.UTC)
        when = f"{moment.day} {moment:%b %Y %H:%M} UTC"
    except ValueError:
        pass
    parts = [f"File fetched {when} from {fetched.get('url') or '?'}"]
    parts.append(f"SHA-256 {(fetched.get('sha256') or '?')[:16]}…")
    if fetched.get("etag"):
        parts.append(f"ETag {fetched['etag']}")
    if fetched.get("last_modified"):
        parts.append(f"Last-Modified {fetched['last_modified']}")
    return " · ".join(parts)


def areas_ui(data: Data, as_of: dt.date, shown: Sequence[snapshots.SnapshotRef]) -> None:
    """km² per side and status at the date, UA-held inside Russia, and the reported figures."""
    st.subheader("Area at this date")
    if not shown:
        st.info("No visible layer has a snapshot on or before this date.")
    for ref in shown:
        areas = data.area_table(ref.layer, ref.as_of)
        st.markdown(
            f"**{escape_markdown(ref.layer)}** — snapshot of {ref.as_of} ({style.age_words(ref.age_days)})"
        )
        fetched = data.store.provenance(ref.version_id)
        if fetched is not None:
            st.caption(escape_markdown(provenance_words(fetched)))
        if areas.ua_in_russia > 0:
            st.metric(
                "Held by Ukraine inside Russia",
                f"{areas.ua_in_russia:,.0f} km²",
                help="Clipped to Russia's border (Natural Earth 1:10m)",
            )
        by_category = data.category_table(ref)
        table = areas.shown
        if by_category.names:
            # Each side and status named by the DeepStateMap categories it flattens.
            table = table.copy()
            named = zip(areas.raw["held_by"], areas.raw["status"], strict=True)
            table.insert(2, "DeepStateMap category", [by_category.names.get(key, "") for key in named])
        st.dataframe(
            table,
            hide_index=True,
            width="stretch",
            column_config=km2_columns(table.columns)
            | {"% of Ukraine": st.column_config.NumberColumn(format="%.2f %%")},
        )
        if not by_category.shown.empty:
            st.markdown("By DeepStateMap's own category")
            st.dataframe(
                by_category.shown,
                hide_index=True,
                width="stretch",
                column_config=km2_columns(by_category.shown.columns)
                | {"% of Ukraine": st.column_config.NumberColumn(format="%.2f %%")},
            )
            st.caption(
                "The categories DeepStateMap states its own figures in. Its 'liberated' is ground Ukraine "
                "has retaken since 24 February 2022, not all the ground Ukraine holds; the rows above "
                "flatten the categories into sides."
            )
    st.caption(
        f"Method: {escape_markdown(METHOD)}. Border outline: {escape_markdown(BORDERS_SOURCE)}. "
        "Never degrees or Web Mercator. "
        f"% of Ukraine: in-Ukraine area against {escape_markdown(figures_mod.UKRAINE_OFFICIAL_SOURCE)}; "
        f"our outline of Ukraine measures {outline_area_km2('UKR'):,.0f} km² by the same method."
    )

    nearby = data.nearest_figures(as_of)
    if nearby.scopes:
        st.subheader("Reported figures nearest this date")
        for scope, measure, computed_as_of, table in nearby.scopes:
            st.caption(
                f"{escape_markdown(scope)}; map = {escape_markdown(measure)}, snapshot of {computed_as_of}"
            )
            st.dataframe(table, hide_index=True, width="stretch")
        st.caption("Every figure, with how it is compared: the tab *Reported figures vs map* below the map.")


def near_front_ui(
    data: Data, selection: Selection, as_of: dt.date, shown: Sequence[snapshots.SnapshotRef]
) -> None:
    """The events of the reader's window within N km of the front line of the first shown
    territory layer, per side (``layers.nearfront``), and a chart of the daily counts."""
    if selection.events_layer is None or not shown:
        return
    layer = shown[0].layer
    # A fixed distance: a widget for it would be one more address parameter to check (links.PARAMETERS).
    km = nearfront.DEFAULT_KM
    start, end = events_mod.window(as_of, selection.window_days)
    chart_start, chart_end = near_front_span(
        min(start, as_of - dt.timedelta(days=NEAR_FRONT_CHART_DAYS - 1)), as_of
    )
    chosen = selection.event_filter
    only = (tuple(chosen.kinds), tuple(chosen.confidences), tuple(chosen.sources))
    daily = data.near_front(selection.events_layer, layer, km, chart_start, chart_end, only)
    total = nearfront.window_total(daily, layer, km, start, end)
    st.markdown(escape_markdown(nearfront.summary_line(total, selection.window_days)))
    st.caption(f"Method: {escape_markdown(nearfront.method_text(km))}.")
    kept = [
        f"{what}: {', '.join(values)}"
        for what, values in zip(("kinds", "confidence", "sources"), only, strict=True)
        if values
    ]
    if kept:
        st.caption(escape_markdown(f"Counting only the events the filters keep ({'; '.join(kept)})."))
    st.vega_lite_chart(
        charts.with_selected_date(charts.near_front_layers(daily), as_of), width="stretch", height=180
    )


def since_ui(as_of: dt.date, dates: Sequence[dt.date]) -> dt.date | None:
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


def since_choice(as_of: dt.date, dates: Sequence[dt.date]) -> dt.date | None:
    """What ``since_ui`` will return on this run, read before it is drawn (from its widgets'
    state, else the URL): the reader's map is drawn before the panel and shows the change."""
    choice = st.session_state.get("change") or st.query_params.get("change") or change_mod.SINCE_CHOICES[0]
    picked = st.session_state.get("since")
    if picked is None and choice == "a date":
        picked = links.parse_date(st.query_params.get("since")) or dates[0]
    if choice not in change_mod.SINCE_CHOICES or not isinstance(picked, dt.date | None):
        return None
    since = change_mod.since_date(choice, as_of, picked)
    return since if since is not None and since < as_of else None


def layer_changes(
    data: Data, since: dt.date | None, shown: Sequence[snapshots.SnapshotRef]
) -> tuple[list[change_mod.Change], list[str]]:
    """The change of each shown layer since ``since``, and the layers with no snapshot that early."""
    found: list[change_mod.Change] = []
    missing: list[str] = []
    if since is None:
        return found, missing
    for until_ref in shown:
        since_ref = data.snapshot_ref(until_ref.layer, since)
        if since_ref is None:
            missing.append(until_ref.layer)
        else:
            found.append(data.layer_change(until_ref.layer, since_ref, until_ref))
    return found, missing


def as_ref(snapshot: snapshots.SnapshotRef) -> snapshots.SnapshotRef:
    """The plain ref of a snapshot (the cache key of its change), without its features."""
    return snapshots.SnapshotRef(snapshot.layer, snapshot.as_of, snapshot.requested, snapshot.version_id)


def change_ui(
    data: Data,
    since: dt.date | None,
    changes: Sequence[change_mod.Change],
    missing: Sequence[str],
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
        _change_table_ui(data, change)
    if changes:
        st.caption(
            "On the map, in each side's colour: filled, ground the side gained; dashed outline over a pale "
            "fill, ground it lost. Hover for the side and km². Net = gained − lost."
        )


def _change_table_ui(data: Data, change: change_mod.Change) -> None:
    since_ref, until_ref = as_ref(change.since), as_ref(change.until)
    table = data.change_summary(change.layer, since_ref, until_ref)
    st.markdown(
        f"**{escape_markdown(change.layer)}** — snapshot of {since_ref.as_of} → "
        f"snapshot of {until_ref.as_of}, held ground"
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
        shown_table, hide_index=True, width="stretch", column_config=km2_columns(shown_table.columns)
    )
    stem = f"change-{slug(change.layer)}-{since_ref.as_of}-{until_ref.as_of}"
    drawn = change.layer in data.illustrative_layers()
    left, right = st.columns(2)
    left.download_button(
        "Change (CSV)",
        lambda: exports.table_csv(
            table.assign(
                layer=change.layer,
                from_snapshot=change.since.as_of,
                to_snapshot=change.until.as_of,
                illustrative="true" if drawn else "false",
            ),
            {info.name: info.credit for info in data.layer_infos()},
        ),
        file_name=f"{stem}.csv",
        mime="text/csv",
        on_click="ignore",
        key=f"change_csv:{change.layer}",
    )
    right.download_button(
        "Change (GeoJSON)",
        lambda: change_mod.to_geojson(change, drawn),
        file_name=f"{stem}.geojson",
        mime="application/geo+json",
        on_click="ignore",
        key=f"change_geojson:{change.layer}",
    )
