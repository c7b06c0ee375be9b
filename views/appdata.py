"""The app's reads of the store, cached per process and shared by every session.

Every cached function is keyed by the store's URL and its revision (``Store.revision()``,
read once per full run), so an edit, made by this process or another one sharing the
database, is seen on the next run. Pages do not pass the URL and revision around: they
get a ``Data``, the store as this run reads it, whose methods call these functions.
Defined in a module, not in ``app.py``: Streamlit executes the app script on every full
run, and each cached function defined there would be wrapped anew each time (its source
read and hashed; ``benchmarks/README.md``).

Large read-only results (the area series, heads, events, map strings, charts' data) are
``st.cache_resource``: every caller gets the same object, not a copy unpickled on each
call (``st.cache_data`` spent most of a step unpickling them on the 769-day archive;
``benchmarks/README.md``). Callers must not change them. Small per-date tables stay ``st.cache_data``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import streamlit as st

from layers import categories, categoryareas, charts, exports, mapview, nearfront, snapshots, style
from layers import change as change_mod
from layers import events as events_mod
from layers import figures as figures_mod
from layers.areas import area_km2, area_summary, country_border
from layers.ingest import seed_if_embedded
from layers.store import LayerInfo, Store, default_url

from . import mapcomponent


@st.cache_resource(show_spinner="Opening the store…")
def open_store(url: str) -> Store:
    store = Store(url)
    # Only the embedded default store gets the demo unasked; a named one is left empty.
    seed_if_embedded(store)
    return store


#: How old, at most, the revision a slider step compares with may be (seconds).
REVISION_MAX_AGE_S = 5.0
_latest_revisions: dict[str, tuple[float, str]] = {}


def latest_revision(url: str, max_age: float = REVISION_MAX_AGE_S) -> str:
    """The store's revision, asked of the database at most every ``max_age`` seconds per
    process (``max_age=0``: now). A full run asks now; a slider step (a fragment run, which
    keeps the revision of its page's last full run) compares with this and reruns the page
    when another session or process has written since, at the cost of three small
    queries per process every few seconds, not per step."""
    now = time.monotonic()
    seen = _latest_revisions.get(url)
    if seen is None or now - seen[0] >= max_age:
        seen = (now, open_store(url).revision())
        _latest_revisions[url] = seen
    return seen[1]


@st.cache_resource(max_entries=8)
def layer_infos(url: str, revision: str):
    return open_store(url).layers()


@st.cache_resource(max_entries=32)
def timeline_dates(url: str, revision: str, layers: tuple[str, ...]) -> list[dt.date]:
    return snapshots.timeline(open_store(url), layers)


@st.cache_resource(max_entries=64, show_spinner=False)
def layer_heads(url: str, revision: str, layer: str) -> tuple[list[dt.date], list[int]]:
    """A layer's snapshot dates, in order, and the version shown from each."""
    heads = open_store(url).heads(layer)
    return list(heads["as_of"]), [int(v) for v in heads["version_id"]]


def snapshot_dates(url: str, revision: str, layer: str) -> list[dt.date]:
    return layer_heads(url, revision, layer)[0]


def snapshot_ref(url: str, revision: str, layer: str, as_of: dt.date) -> snapshots.SnapshotRef | None:
    """The layer's snapshot shown at ``as_of`` (its latest on or before), from the cached heads."""
    dates, versions = layer_heads(url, revision, layer)
    index = snapshots.latest_on_or_before(dates, as_of)
    return None if index is None else snapshots.SnapshotRef(layer, dates[index], as_of, versions[index])


@st.cache_resource(max_entries=4096, show_spinner=False)
def territory_display(
    url: str,
    revision: str,
    layer: str,
    as_of: dt.date,
    version_id: int,
    level: int = mapview.FULL_DETAIL.level,
    encoded: bool = True,
) -> str:
    """A snapshot's map data at a level of detail, prepared once: the same string on every
    day it is shown, for every reader of this process. ``encoded``: for the main map
    (``mapview.DECODER``); plain GeoJSON for the side-by-side view."""
    snapshot = snapshots.Snapshot(layer, as_of, as_of, version_id, open_store(url).features(version_id))
    return mapview.territory_geojson(snapshot, mapview.DETAILS[level], encoded=encoded)


@st.cache_resource(max_entries=8)
def all_events(url: str, revision: str, layer: str):
    return events_mod.all_events(open_store(url), layer)


@st.cache_resource(max_entries=8)
def event_choices(url: str, revision: str, layer: str) -> events_mod.Choices:
    return events_mod.choices(all_events(url, revision, layer))


@st.cache_resource(max_entries=8)
def area_series(url: str, revision: str) -> pd.DataFrame:
    return open_store(url).area_series()


@st.cache_resource(max_entries=8)
def comparison(url: str, revision: str) -> pd.DataFrame:
    store = open_store(url)
    return figures_mod.compare(store.reported_figures(), area_series(url, revision))


@st.cache_data(max_entries=16)
def disagreements(url: str, revision: str, by: str, limit: int) -> pd.DataFrame:
    """The largest disagreements with DeepStateMap's own figures, as readable text."""
    rows = figures_mod.largest_disagreements(comparison(url, revision), by=by, limit=limit)
    return figures_mod.disagreement_table(rows)


@st.cache_resource(max_entries=8)
def milestones(url: str, revision: str) -> pd.DataFrame:
    return open_store(url).milestones()


@st.cache_resource(max_entries=64, show_spinner=False)
def layer_change(url: str, revision: str, layer: str, since, until) -> change_mod.Change:
    """Gained and lost ground between two snapshot refs (cached by their versions)."""
    store = open_store(url)
    before = snapshots.Snapshot(
        layer, since.as_of, since.requested, since.version_id, store.features(since.version_id)
    )
    after = snapshots.Snapshot(
        layer, until.as_of, until.requested, until.version_id, store.features(until.version_id)
    )
    return change_mod.compute(layer, before, after)


@st.cache_data(max_entries=64)
def change_summary(url: str, revision: str, layer: str, since, until) -> pd.DataFrame:
    return change_mod.summary(layer_change(url, revision, layer, since, until))


@st.cache_resource(max_entries=32)
def area_chart_layers(url: str, revision: str, layer: str, within: str) -> list[dict]:
    return charts.area_layers(area_series(url, revision), comparison(url, revision), layer, within)


@st.cache_data(max_entries=32)
def monthly_change(url: str, revision: str, layer: str, within: str) -> pd.DataFrame:
    return figures_mod.monthly_change(area_series(url, revision), layer, within)


@st.cache_data
def outline_area_km2(iso3: str) -> float:
    return float(area_km2([country_border(iso3)])[0])


@st.cache_resource
def map_base(static: str) -> mapcomponent.BaseArgs:
    """The base map's component arguments, prepared once per process (``views.mapcomponent``)."""
    return mapcomponent.prepare_base(mapview.base_map(static), key="map")


@st.cache_resource
def territory_template(layers: int) -> mapcomponent.GroupTemplate:
    """The territory group's JavaScript for ``layers`` non-empty layers, with holes for their data."""
    return mapcomponent.GroupTemplate.render(mapview.territory_group, layers, 0, mapcomponent.scratch_map)


#: The reader's event filters as cache keys: kinds, confidences, sources (empty: any).
EventChoice = tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]


@st.cache_resource(max_entries=256, show_spinner=False)
def events_js(
    url: str,
    revision: str,
    layer: str | None,
    first: int,
    last: int,
    only: EventChoice = ((), (), ()),
    zoom: int = 7,
) -> str:
    """The events group's JavaScript for ``all_events`` rows ``[first, last)`` (``events_window``;
    an empty group for ``None, 0, 0``) that have one of ``only``'s kinds, confidences and
    sources (an empty tuple: any), their density at ``zoom`` when there are many."""
    recent = events_mod.only(all_events(url, revision, layer).iloc[first:last], *only) if layer else None
    return mapcomponent.group_js(mapview.events_group(recent, zoom), 1, mapcomponent.scratch_map)


@st.cache_resource(max_entries=64, show_spinner=False)
def change_js(url: str, revision: str, pairs: tuple) -> str:
    """The gained and lost ground's JavaScript for ``(layer, since_ref, until_ref)`` pairs."""
    changes = [layer_change(url, revision, layer, since, until) for layer, since, until in pairs]
    return mapcomponent.group_js(_change_group(changes), 2, mapcomponent.scratch_map)


def _change_group(changes: list[change_mod.Change]):
    """Gained and lost ground of every shown layer as one group (empty when no change is shown,
    so the map always receives the same groups)."""
    polygons = [c.polygons for c in changes if len(c.polygons)]
    diff = pd.concat(polygons, ignore_index=True) if polygons else change_mod.empty_polygons()
    return mapview.change_group(None, diff, name="Change since")


@st.cache_resource(max_entries=8, show_spinner=False)
def _series_rows(url: str, revision: str) -> dict:
    """Row positions of the area series for each (layer, snapshot date), found once."""
    return area_series(url, revision).groupby(["layer", "as_of"], sort=False).indices


@dataclass(frozen=True)
class AreaTable:
    """One snapshot's areas, ready to show: ``raw`` (``areas.area_summary``: side codes,
    a column per border), ``shown`` (the panel's columns and names), the ground Ukraine
    holds inside Russia. Shared: callers must not change the frames."""

    raw: pd.DataFrame
    shown: pd.DataFrame
    ua_in_russia: float


@st.cache_resource(max_entries=4096, show_spinner=False)
def area_table(url: str, revision: str, layer: str, as_of: dt.date) -> AreaTable:
    """One snapshot's km² per side and status, computed once per snapshot and process."""
    series = area_series(url, revision)
    rows = _series_rows(url, revision).get((layer, as_of))
    table = area_summary(series.iloc[rows] if rows is not None else series.iloc[:0], layer, as_of)
    ua_in_russia = (
        float(table[(table["held_by"] == "UA") & (table["status"] == "held")]["RUS"].sum())
        if "RUS" in table
        else 0.0
    )
    shown = table.assign(held_by=table["held_by"].map(lambda s: style.side_name(s)))
    if "UKR" in shown:
        shown["% of Ukraine"] = 100 * shown["UKR"] / figures_mod.UKRAINE_OFFICIAL_KM2
    shown = shown.rename(
        columns={"held_by": "side", "": "total km²", "RUS": "in Russia km²", "UKR": "in Ukraine km²"}
    )
    return AreaTable(table, shown, ua_in_russia)


@dataclass(frozen=True)
class CategoryTable:
    """One snapshot's DeepStateMap categories, ready to show: ``shown``, km² per category
    (``categoryareas.category_summary``, the panel's column names); ``names``, the label
    of the categories each side and status covers (``categories.group_label``). Both
    empty for a snapshot without categories. Shared: callers must not change them."""

    shown: pd.DataFrame
    names: dict[tuple[str, str], str]


@st.cache_resource(max_entries=1024, show_spinner="Measuring the areas per category…")
def category_table(url: str, revision: str, version_id: int) -> CategoryTable:
    """One snapshot's km² per DeepStateMap category, measured once per version and process."""
    features = open_store(url).features(version_id)
    table = categoryareas.category_summary(categoryareas.category_areas(features))
    if "UKR" in table:
        table["% of Ukraine"] = 100 * table["UKR"] / figures_mod.UKRAINE_OFFICIAL_KM2
    shown = table.rename(columns={"": "total km²", "RUS": "in Russia km²", "UKR": "in Ukraine km²"})
    names = {
        key: categories.group_label(codes) or ""
        for key, codes in categories.layer_categories(features).items()
    }
    return CategoryTable(shown, names)


def figure_table(frame: pd.DataFrame, compact: bool = False) -> pd.DataFrame:
    """Reported figures against the map (``figures.compare`` rows) as a table to show."""
    columns = ["date", "reported_km2", "computed_km2", "difference_km2", "difference_pct", "kind", "source"]
    if not compact:
        columns[1:1] = ["scope", "measure"]
        columns[5:5] = ["computed_from", "computed_as_of"]
        columns += ["layer", "held_by", "status", "within", "note", "comparison"]
    table = frame[columns].copy()
    for column in ("reported_km2", "computed_km2", "difference_km2"):
        table[column] = table[column].round(0)
    table["difference_pct"] = table["difference_pct"].round(1)
    return table.rename(
        columns={
            "reported_km2": "reported km²",
            "computed_km2": "map km²",
            "difference_km2": "map − reported km²",
            "difference_pct": "difference %",
            "computed_as_of": "snapshot used",
            "computed_from": "change from snapshot",
        }
    )


@st.cache_resource(max_entries=8, show_spinner=False)
def _compact_figures(url: str, revision: str) -> pd.DataFrame:
    return figure_table(comparison(url, revision), compact=True)


@dataclass(frozen=True)
class NearbyFigures:
    """The reported figures of each scope dated nearest to a date (``figures.nearest``):
    ``rows`` as compared, and per scope a caption's parts and its compact table."""

    rows: pd.DataFrame
    scopes: list[tuple[str, str, object, pd.DataFrame]]


@st.cache_resource(max_entries=4096, show_spinner=False)
def nearest_figures(url: str, revision: str, as_of: dt.date) -> NearbyFigures:
    """``figures.nearest`` once per date, its tables cut from one prepared table."""
    compared = comparison(url, revision)
    nearby = figures_mod.nearest(compared, as_of)
    compact = _compact_figures(url, revision)
    scopes = [
        (scope, rows["measure"].iloc[0], rows["computed_as_of"].iloc[0], compact.loc[rows.index])
        for scope, rows in nearby.groupby("scope", sort=False)
    ]
    return NearbyFigures(nearby, scopes)


@st.cache_resource(max_entries=8, show_spinner=False)
def event_dates(url: str, revision: str, layer: str) -> list[dt.date]:
    """The events layer's dates, in order (``all_events`` is sorted by date)."""
    return list(all_events(url, revision, layer)["occurred_on"])


def events_window(
    url: str, revision: str, layer: str | None, start: dt.date, end: dt.date
) -> tuple[int, int]:
    """Positions ``[first, last)`` in ``all_events`` of the events from ``start`` to ``end``;
    ``(0, 0)`` for none, so that every empty window shares one cached group."""
    if not layer:
        return 0, 0
    dates = event_dates(url, revision, layer)
    first, last = bisect.bisect_left(dates, start), bisect.bisect_right(dates, end)
    return (first, last) if last > first else (0, 0)


#: Days per cached block of the events-near-the-front counts: a new date reuses the blocks.
NEAR_FRONT_BLOCK_DAYS = 30

_BLOCKS_FROM = dt.date(2000, 1, 1)


@st.cache_resource(max_entries=256, show_spinner="Counting the events near the front…")
def near_front_block(
    url: str,
    revision: str,
    events_layer: str,
    territory_layer: str,
    km: float,
    start: dt.date,
    only: EventChoice = ((), (), ()),
) -> pd.DataFrame:
    """``nearfront.near_front`` rows for the block of days from ``start``, of the events
    with ``only``'s kinds, confidences and sources (``events.only``)."""
    end = start + dt.timedelta(days=NEAR_FRONT_BLOCK_DAYS - 1)
    events = events_mod.only(all_events(url, revision, events_layer), *only)
    return nearfront.near_front(open_store(url), events_layer, territory_layer, km, start, end, events=events)


def near_front_span(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The whole blocks of days that cover ``start`` to ``end``: a chart over them keeps its
    spec from one date to the next within a block (only the selected-date rule moves)."""
    first = (start - _BLOCKS_FROM).days // NEAR_FRONT_BLOCK_DAYS
    last = (end - _BLOCKS_FROM).days // NEAR_FRONT_BLOCK_DAYS + 1
    return (
        _BLOCKS_FROM + dt.timedelta(days=first * NEAR_FRONT_BLOCK_DAYS),
        _BLOCKS_FROM + dt.timedelta(days=last * NEAR_FRONT_BLOCK_DAYS - 1),
    )


def near_front(
    url: str,
    revision: str,
    events_layer: str,
    territory_layer: str,
    km: float,
    start: dt.date,
    end: dt.date,
    only: EventChoice = ((), (), ()),
) -> pd.DataFrame:
    """``nearfront.near_front`` rows from ``start`` to ``end``, from cached blocks of days."""
    first = (start - _BLOCKS_FROM).days // NEAR_FRONT_BLOCK_DAYS
    last = (end - _BLOCKS_FROM).days // NEAR_FRONT_BLOCK_DAYS
    blocks = [
        near_front_block(
            url,
            revision,
            events_layer,
            territory_layer,
            km,
            _BLOCKS_FROM + dt.timedelta(days=n * NEAR_FRONT_BLOCK_DAYS),
            only,
        )
        for n in range(first, last + 1)
    ]
    table = pd.concat(blocks, ignore_index=True)
    return table[(table["date"] >= start) & (table["date"] <= end)].reset_index(drop=True)


@dataclass(frozen=True)
class Data:
    """The store as one page run reads it: its URL and revision, with the cached reads
    above bound to them, so that pages need not pass both along.

    A slider step (a fragment run) keeps the ``Data`` of its page's last full run;
    ``stale`` tells it when someone has written since.
    """

    url: str
    revision: str

    @classmethod
    def current(cls) -> Data:
        """The store the app is configured with (``FRONTLINE_DB`` or the embedded file),
        opened once per process (and, if it is the embedded file, seeded), at its revision now."""
        url = default_url()
        open_store(url)
        return cls(url, latest_revision(url, max_age=0))

    @property
    def store(self) -> Store:
        return open_store(self.url)

    def stale(self) -> bool:
        """Whether the store has been written to since this revision (asked of the
        database at most every ``REVISION_MAX_AGE_S``)."""
        return latest_revision(self.url) != self.revision

    def layer_infos(self) -> list[LayerInfo]:
        return layer_infos(self.url, self.revision)

    def illustrative_layers(self) -> frozenset[str]:
        """The layers drawn by the project, not a source (labelled on the map and in exports)."""
        return exports.illustrative_layers(self.layer_infos())

    def layer_names(self, kind: str) -> list[str]:
        """The names of the layers of a kind (``"territory"`` or ``"events"``)."""
        return [info.name for info in self.layer_infos() if info.kind == kind]

    def timeline_dates(self, layers: Sequence[str]) -> list[dt.date]:
        return timeline_dates(self.url, self.revision, tuple(layers))

    def snapshot_dates(self, layer: str) -> list[dt.date]:
        return snapshot_dates(self.url, self.revision, layer)

    def snapshot_stops(self, layers: Sequence[str]) -> list[dt.date]:
        """Every snapshot date of ``layers``, sorted: the stops of a briefer's stepping."""
        return sorted({day for layer in layers for day in self.snapshot_dates(layer)})

    def snapshot_ref(self, layer: str, as_of: dt.date) -> snapshots.SnapshotRef | None:
        return snapshot_ref(self.url, self.revision, layer, as_of)

    def shown(self, layers: Sequence[str], as_of: dt.date) -> list[snapshots.SnapshotRef]:
        """The snapshot each of ``layers`` shows on ``as_of``; layers with none yet are left out."""
        refs = (self.snapshot_ref(layer, as_of) for layer in layers)
        return [ref for ref in refs if ref is not None]

    def territory_display(
        self, ref: snapshots.SnapshotRef, level: int = mapview.FULL_DETAIL.level, *, encoded: bool = True
    ) -> str:
        return territory_display(
            self.url, self.revision, ref.layer, ref.as_of, ref.version_id, level, encoded
        )

    def features(self, ref: snapshots.SnapshotRef) -> snapshots.Snapshot:
        """The snapshot ``ref`` names, with its features (read from the store, not cached)."""
        return snapshots.Snapshot(
            ref.layer,
            ref.as_of,
            ref.requested,
            ref.version_id,
            self.store.features(ref.version_id),
            self.store.provenance(ref.version_id),
        )

    def all_events(self, layer: str) -> gpd.GeoDataFrame:
        return all_events(self.url, self.revision, layer)

    def event_choices(self, layer: str) -> events_mod.Choices:
        """What the events layer can be filtered by (kinds, confidences, sources)."""
        return event_choices(self.url, self.revision, layer)

    def events_window(self, layer: str | None, start: dt.date, end: dt.date) -> tuple[int, int]:
        return events_window(self.url, self.revision, layer, start, end)

    def events_js(
        self,
        layer: str | None,
        first: int,
        last: int,
        only: EventChoice = ((), (), ()),
        zoom: int = 7,
    ) -> str:
        return events_js(self.url, self.revision, layer, first, last, only, zoom)

    def area_series(self) -> pd.DataFrame:
        return area_series(self.url, self.revision)

    def area_table(self, layer: str, as_of: dt.date) -> AreaTable:
        return area_table(self.url, self.revision, layer, as_of)

    def category_table(self, ref: snapshots.SnapshotRef) -> CategoryTable:
        """The DeepStateMap categories of the snapshot ``ref`` names (empty without categories)."""
        return category_table(self.url, self.revision, ref.version_id)

    def comparison(self) -> pd.DataFrame:
        return comparison(self.url, self.revision)

    def disagreements(self, by: str, limit: int) -> pd.DataFrame:
        return disagreements(self.url, self.revision, by, limit)

    def nearest_figures(self, as_of: dt.date) -> NearbyFigures:
        return nearest_figures(self.url, self.revision, as_of)

    def milestones(self) -> pd.DataFrame:
        return milestones(self.url, self.revision)

    def layer_change(
        self, layer: str, since: snapshots.SnapshotRef, until: snapshots.SnapshotRef
    ) -> change_mod.Change:
        return layer_change(self.url, self.revision, layer, since, until)

    def change_summary(
        self, layer: str, since: snapshots.SnapshotRef, until: snapshots.SnapshotRef
    ) -> pd.DataFrame:
        return change_summary(self.url, self.revision, layer, since, until)

    def change_js(self, pairs: Sequence[tuple[str, snapshots.SnapshotRef, snapshots.SnapshotRef]]) -> str:
        return change_js(self.url, self.revision, tuple(pairs))

    def area_chart_layers(self, layer: str, within: str) -> list[dict]:
        return area_chart_layers(self.url, self.revision, layer, within)

    def monthly_change(self, layer: str, within: str) -> pd.DataFrame:
        return monthly_change(self.url, self.revision, layer, within)

    def near_front(
        self,
        events_layer: str,
        territory_layer: str,
        km: float,
        start: dt.date,
        end: dt.date,
        only: EventChoice = ((), (), ()),
    ) -> pd.DataFrame:
        return near_front(self.url, self.revision, events_layer, territory_layer, km, start, end, only)
