"""Sync a layer with DeepStateMap's history API: the last snapshot of each UTC day, with its own areas.

The API (undocumented, used by public archivers; see ../shared/data/README.md):

- ``/api/history/public`` lists the snapshots, ``[{"id": <Unix time>, "datetime": ...}, ...]``;
- ``/api/history/{id}/geojson`` is the raw map, read with the ``deepstate`` preset;
- ``/api/history/{id}/areas`` is DeepStateMap's own area per category,
  ``[{"hash", "area" (km²), "percent", "type"}, ...]``.

DeepStateMap may publish several snapshots a day; a layer has one snapshot per date, so
the **last snapshot of each UTC day** (the largest id on that day) is that day's snapshot.
Its published areas become reported figures (:data:`AREA_TYPES`), written in the same
transaction as the snapshot, so ``python -m layers figures compare`` sets every synced
day beside DeepStateMap's own figure.

Incremental: the file name recorded with each synced version holds the snapshot id
(``deepstate-2024-08-01-1722553200.geojson``); a day whose current version came from the
same snapshot is not requested again. A day whose last snapshot changed since (the
sync ran before the day's last update) is fetched again and becomes a new version.

Everything the API answers is untrusted: a list or an areas answer that is not what is
described above stops the sync with :class:`~layers.errors.BadAnswerError` naming the
URL and the problem, and nothing of that day is written.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .. import schema
from ..credits import DEEPSTATE as DEEPSTATE_CREDIT
from ..errors import BadAnswerError, FrontlineError, UnknownLayerError
from ..figures import check_figures
from ..ingest import Upload, plan_import, write_import
from ..presets import DEEPSTATE
from ..store import Store
from .http import Fetcher, FetchError

__all__ = [
    "AREA_TYPES",
    "DEFAULT_BASE_URL",
    "FIGURE_SOURCE",
    "MAX_AREA_ENTRIES",
    "MAX_LIST_BYTES",
    "MAX_SNAPSHOTS",
    "NOT_COMPARED",
    "SOURCE",
    "HistoryResult",
    "HistorySnapshot",
    "area_figures",
    "last_of_each_day",
    "parse_areas",
    "parse_snapshot_list",
    "snapshot_file_name",
    "stored_snapshot_ids",
    "sync_history",
]

DEFAULT_BASE_URL = "https://deepstatemap.live/"
#: What the app's "last synced … from …" names.
SOURCE = "DeepStateMap (history API)"
#: ``source`` of the figures, as DeepStateMap asks to be attributed.
FIGURE_SOURCE = "DeepStateMap"

#: Largest list answer accepted: a few snapshots a day for years is a few hundred KB.
MAX_LIST_BYTES = 16 * 1024 * 1024
#: Most snapshots a list may hold (about 27 years of ten snapshots a day).
MAX_SNAPSHOTS = 100_000
#: Largest areas answer accepted, and the most entries it may hold (it has five types).
MAX_AREAS_BYTES = 256 * 1024
MAX_AREA_ENTRIES = 100
#: Largest id accepted: 9999-12-31T23:59:59 UTC; anything later is not a Unix time of a map.
_MAX_ID = 253_402_300_799

#: DeepStateMap's area types -> ``(held_by, status, scope)`` of the figure they make, as the
#: ``deepstate`` preset maps the map's categories. Types with the same side and status are
#: summed: the preset records ground occupied before and after 24 February 2022 alike as
#: Russian-held. ``unspecified`` is the grey zone ("Unknown status"), which the preset
#: records as contested by Russia inside Ukraine. Every figure is compared ``within`` Ukraine
#: (``UKR``): DeepStateMap states its areas as shares of Ukraine's area.
AREA_TYPES: Mapping[str, tuple[str, str, str]] = {
    "occupied_after_24_02_2022": ("RU", "held", "Occupied by Russia in Ukraine (DeepStateMap's own figure)"),
    "occupied_to_24_02_2022": ("RU", "held", "Occupied by Russia in Ukraine (DeepStateMap's own figure)"),
    "liberated": ("UA", "held", "Liberated by Ukraine (DeepStateMap's own figure)"),
    "unspecified": ("RU", "contested", "Unknown status, grey zone in Ukraine (DeepStateMap's own figure)"),
}
#: Types that make no figure, and why.
NOT_COMPARED: Mapping[str, str] = {
    "other_territories": "territories outside Ukraine, which the deepstate preset does not import",
}

_FILE_NAME = re.compile(r"^deepstate-(\d{4}-\d{2}-\d{2})-(\d{1,12})\.geojson$")


@dataclass(frozen=True)
class HistorySnapshot:
    """One snapshot the API lists: its id (Unix time, seconds) and its UTC day."""

    id: int
    day: dt.date

    @property
    def moment(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.id, dt.UTC)


@dataclass
class HistoryResult:
    """What a sync did: the days written, those whose map the API did not have, the figures."""

    written: list[HistorySnapshot] = field(default_factory=list)
    missing: list[HistorySnapshot] = field(default_factory=list)
    without_areas: list[HistorySnapshot] = field(default_factory=list)
    already: int = 0
    figures: int = 0


def snapshot_file_name(snapshot: HistorySnapshot) -> str:
    """The file name recorded with a synced version: the day (the snapshot's date) and the id."""
    return f"deepstate-{snapshot.day.isoformat()}-{snapshot.id}.geojson"


def _decoded(raw: bytes, url: str) -> Any:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
        raise BadAnswerError(f"{url}: the answer is not JSON ({reason}); nothing was written.") from None


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:60]}…"


def parse_snapshot_list(raw: bytes, url: str) -> list[HistorySnapshot]:
    """The snapshots of a ``/api/history/public`` answer, in the order given.

    Raises
    ------
    BadAnswerError
        When the answer is not a JSON list of objects with an integer ``id`` that is a
        Unix time of a plausible date, or holds more than :data:`MAX_SNAPSHOTS` entries;
        the message names the URL and the first bad entry.
    """
    document = _json_list(raw, url, "snapshots", "list", MAX_SNAPSHOTS)
    today = dt.datetime.now(dt.UTC).date()
    snapshots = []
    for number, entry in enumerate(document):
        where = f"{url}: entry {number}"
        if not isinstance(entry, dict) or "id" not in entry:
            raise BadAnswerError(
                f"{where} is {_shown(entry)}, not an object with an id; nothing was written."
            )
        value = entry["id"]
        if isinstance(value, bool) or not isinstance(value, int):
            raise BadAnswerError(
                f"{where}: id {_shown(value)} is not an integer (a Unix time in seconds); "
                "nothing was written."
            )
        if not 0 < value <= _MAX_ID:
            raise BadAnswerError(
                f"{where}: id {value} is not a Unix time of a plausible date; nothing was written."
            )
        day = dt.datetime.fromtimestamp(value, dt.UTC).date()
        if day > today + dt.timedelta(days=1):
            raise BadAnswerError(f"{where}: id {value} is a time in the future ({day}); nothing was written.")
        snapshots.append(HistorySnapshot(value, day))
    return snapshots


def _json_list(raw: bytes, url: str, what: str, holder: str, limit: int) -> list[Any]:
    """The answer as a JSON list of at most ``limit`` entries, else a BadAnswerError naming ``url``."""
    document = _decoded(raw, url)
    if not isinstance(document, list):
        raise BadAnswerError(
            f"{url}: expected a JSON list of {what}, got a {type(document).__name__}; nothing was written."
        )
    if len(document) > limit:
        raise BadAnswerError(
            f"{url}: the {holder} holds {len(document):,} {what}, more than the {limit:,} accepted; "
            "nothing was written."
        )
    return document


def last_of_each_day(
    snapshots: list[HistorySnapshot], first: dt.date | None = None, last: dt.date | None = None
) -> list[HistorySnapshot]:
    """The last snapshot (largest id) of each UTC day from ``first`` to ``last``, by day."""
    chosen: dict[dt.date, HistorySnapshot] = {}
    for snapshot in snapshots:
        if (first and snapshot.day < first) or (last and snapshot.day > last):
            continue
        if snapshot.day not in chosen or snapshot.id > chosen[snapshot.day].id:
            chosen[snapshot.day] = snapshot
    return [chosen[day] for day in sorted(chosen)]


def parse_areas(raw: bytes, url: str) -> dict[str, float]:
    """km² per type of an ``/api/history/{id}/areas`` answer (types outside :data:`AREA_TYPES`
    and :data:`NOT_COMPARED` are kept too, for the caller to report).

    Raises
    ------
    BadAnswerError
        When the answer is not a JSON list of at most :data:`MAX_AREA_ENTRIES` objects,
        each with a text ``type`` (given once) and an ``area`` that is a finite,
        non-negative number of km² no larger than ``schema.MAX_AREA_KM2``.
    """
    document = _json_list(raw, url, "areas", "answer", MAX_AREA_ENTRIES)
    areas: dict[str, float] = {}
    for number, entry in enumerate(document):
        where = f"{url}: entry {number}"
        if not isinstance(entry, dict):
            raise BadAnswerError(f"{where} is {_shown(entry)}, not an object; nothing was written.")
        kind, area = entry.get("type"), entry.get("area")
        if not isinstance(kind, str) or not kind or len(kind) > 100:
            raise BadAnswerError(f"{where}: type {_shown(kind)} is not a type name; nothing was written.")
        if isinstance(area, bool) or not isinstance(area, int | float) or not math.isfinite(area):
            raise BadAnswerError(
                f"{where} ({kind}): area {_shown(area)} is not a number of km²; nothing was written."
            )
        if area < 0 or area > schema.MAX_AREA_KM2:
            raise BadAnswerError(
                f"{where} ({kind}): area {area} km² is "
                + ("negative" if area < 0 else f"more than {schema.MAX_AREA_KM2:,.0f} km²")
                + "; nothing was written."
            )
        if kind in areas:
            raise BadAnswerError(f"{where}: type {kind!r} is given twice; nothing was written.")
        areas[kind] = float(area)
    return areas


def area_figures(areas: Mapping[str, float], layer: str, snapshot: HistorySnapshot) -> pd.DataFrame:
    """DeepStateMap's own figures for one snapshot, as checked reported figures.

    One figure per side and status of :data:`AREA_TYPES` present in ``areas`` (summed
    over its types), dated the snapshot's day, ``kind`` "mapped", ``source``
    :data:`FIGURE_SOURCE`, compared with ``layer`` within Ukraine; the note names the
    snapshot id and the types.
    """
    grouped: dict[tuple[str, str, str], list[str]] = {}
    for kind in areas:
        if kind in AREA_TYPES:
            grouped.setdefault(AREA_TYPES[kind], []).append(kind)
    rows = [
        {
            "date": snapshot.day.isoformat(),
            "scope": scope,
            "layer": layer,
            "held_by": held_by,
            "status": status,
            "within": "UKR",
            "measure": "at date",
            "value_km2": repr(sum(areas[kind] for kind in kinds)),
            "kind": "mapped",
            "source": FIGURE_SOURCE,
            "note": (
                f"DeepStateMap history snapshot {snapshot.id} ({snapshot.moment:%Y-%m-%d %H:%M} UTC): "
                + " + ".join(sorted(kinds))
            ),
        }
        for (held_by, status, scope), kinds in grouped.items()
    ]
    columns = [f.name for f in schema.FIGURE_FIELDS]
    return check_figures(pd.DataFrame(rows, columns=columns), f"areas of snapshot {snapshot.id}")


def stored_snapshot_ids(store: Store, layer: str) -> dict[dt.date, int]:
    """The snapshot id each date's current version of ``layer`` was synced from (dates
    imported otherwise are left out)."""
    try:
        history = store.history(layer)
    except UnknownLayerError:
        return {}
    found = {}
    for name in history.loc[history["is_head"], "file_name"]:
        match = _FILE_NAME.match(str(name or ""))
        if match:
            found[dt.date.fromisoformat(match.group(1))] = int(match.group(2))
    return found


def _new_figures(figures: pd.DataFrame, stored: set[tuple[object, ...]]) -> pd.DataFrame:
    """The figures not stored yet (the same value for the same day and scope from an earlier
    snapshot of that day is stored already, and the store keeps one)."""
    keys = [_figure_key(row) for row in figures.to_dict("records")]
    return figures[[key not in stored for key in keys]]


def _figure_key(row: Mapping[Any, Any]) -> tuple[object, ...]:
    names = ("date", "scope", "layer", "held_by", "status", "within", "measure", "source")
    return (*(str(row[name] or "") for name in names), round(float(row["value_km2"]), 6))


def sync_history(
    store: Store,
    layer: str,
    fetcher: Fetcher,
    *,
    base_url: str = DEFAULT_BASE_URL,
    first: dt.date | None = None,
    last: dt.date | None = None,
    log: Callable[[str], None] = lambda _message: None,
) -> HistoryResult:
    """Store the last snapshot of each UTC day from ``first`` to ``last`` and its areas.

    Parameters
    ----------
    first, last : datetime.date, optional
        The days to sync; by default from the first snapshot listed to yesterday (UTC),
        the last day whose last snapshot is known.

    Raises
    ------
    NoNetworkError
        If the first request cannot reach the API.
    FetchError
        If a request still fails after the fetcher's retries, or the list is not found.
    BadAnswerError
        If an answer is unusable (bad JSON, bad ids or areas, a map that fails
        validation): nothing of that day is written; the days before it are kept.
    """
    last = last or dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    root = base_url.rstrip("/") + "/api/history/"
    list_url = root + "public"
    listed = fetcher.get(list_url, max_bytes=MAX_LIST_BYTES)
    if listed is None:
        raise FetchError(f"{list_url}: not found (HTTP 404); check --base-url.")
    days = last_of_each_day(parse_snapshot_list(listed.raw, list_url), first, last)
    have = stored_snapshot_ids(store, layer)
    wanted = [snapshot for snapshot in days if have.get(snapshot.day) != snapshot.id]
    result = HistoryResult(already=len(days) - len(wanted))
    log(f"{len(wanted)} of {len(days)} day(s) to fetch ({result.already} already stored)")
    stored_figures = {_figure_key(row) for row in store.reported_figures().to_dict("records")}
    for count, snapshot in enumerate(wanted, 1):
        map_url = f"{root}{snapshot.id}/geojson"
        fetched = fetcher.get(map_url, check=json.loads)
        if fetched is None:
            log(f"{snapshot.day}: snapshot {snapshot.id} has no map (404), skipped")
            result.missing.append(snapshot)
            continue
        areas_url = f"{root}{snapshot.id}/areas"
        answer = fetcher.get(areas_url, max_bytes=MAX_AREAS_BYTES)
        figures = None
        if answer is None:
            log(f"{snapshot.day}: snapshot {snapshot.id} has no areas (404); the map is stored without them")
            result.without_areas.append(snapshot)
        else:
            areas = parse_areas(answer.raw, areas_url)
            unknown = sorted(set(areas) - set(AREA_TYPES) - set(NOT_COMPARED))
            if unknown:
                log(f"{snapshot.day}: area type(s) {', '.join(map(repr, unknown))} unknown, not compared")
            try:
                figures = _new_figures(area_figures(areas, layer, snapshot), stored_figures)
            except FrontlineError as error:
                raise BadAnswerError(f"{areas_url}: {error} Nothing was written.") from None
        plan = plan_import(
            [Upload(snapshot_file_name(snapshot), fetched.raw)], layer, mapping=DEEPSTATE, any_date=True
        )
        if not plan.ok:
            raise BadAnswerError(f"{map_url}: the map failed validation: {plan.failed[0].summary()}")
        plan.snapshots = [
            dataclasses.replace(s, provenance=fetched.provenance(), credit=DEEPSTATE_CREDIT)
            for s in plan.snapshots
        ]
        write_import(store, plan, actor="sync", action="sync", figures=figures)
        if figures is not None:
            stored_figures.update(_figure_key(row) for row in figures.to_dict("records"))
            result.figures += len(figures)
        result.written.append(snapshot)
        log(
            f"{snapshot.day}: snapshot {snapshot.id} stored ({count} of {len(wanted)}, "
            f"{len(fetched.raw)} bytes, sha256 {fetched.sha256[:12]})"
            + (f", {len(figures)} figure(s)" if figures is not None else "")
        )
    return result
