"""Sync a layer with the daily archive of ``cyterat/deepstate-map-data``, one day at a time.

Only dates the layer lacks are fetched: a sync never downloads a file it already has.
Each day is validated by the import path (bounded, in a sandbox) and written in its own
transaction, so a sync killed at any moment leaves whole days behind and the next one
carries on. A day the source does not have (404) is skipped and reported.

Each stored day keeps its provenance (URL, time fetched, SHA-256, ETag, Last-Modified) in
the version's audit row. With ``recheck``, days already stored are asked again with a
conditional request (``If-None-Match``/``If-Modified-Since`` from that provenance): an
unchanged file answers 304 and nothing is downloaded; a file whose bytes changed
upstream becomes a new version of that day (action ``sync``, the replaced version in
its audit row), never a duplicate. A day stored by an import, with no provenance, is
downloaded and compared by SHA-256.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from ..credits import Credit
from ..errors import UnknownLayerError, ValidationFailed
from ..ingest import Upload, plan_import, write_import
from ..store import Store
from .http import Fetched, Fetcher

__all__ = [
    "ARCHIVE_CREDIT",
    "ARCHIVE_FIRST_DAY",
    "DEFAULT_BASE_URL",
    "SOURCE",
    "SyncResult",
    "archive_url",
    "sync_archive",
]

#: The credit a sync records for a layer it creates (or that has none): the data is
#: DeepStateMap's, under its reported terms; the archive that keeps it is named as the source.
ARCHIVE_CREDIT = Credit(
    source="DeepStateMap, via the cyterat/deepstate-map-data archive",
    licence="CC BY-NC-SA 4.0",
    attribution="DeepStateMap",
)

DEFAULT_BASE_URL = "https://raw.githubusercontent.com/cyterat/deepstate-map-data/main/"
#: The archive's first daily file (see ../shared/data/README.md).
ARCHIVE_FIRST_DAY = dt.date(2024, 7, 8)
SOURCE = "DeepStateMap (cyterat/deepstate-map-data archive)"
DEFAULTS = {"held_by": "RU", "status": "held", "source": SOURCE}


@dataclass
class SyncResult:
    """What a sync did: the dates written, those the source did not have, and what a recheck found."""

    written: list[dt.date] = field(default_factory=list)
    missing: list[dt.date] = field(default_factory=list)
    already: int = 0
    #: Stored days whose file changed upstream, each now a new version (``recheck``).
    changed: list[dt.date] = field(default_factory=list)
    #: Stored days found unchanged by a recheck (304, or the same SHA-256).
    unchanged: int = 0


def file_name(day: dt.date) -> str:
    return f"deepstatemap_data_{day:%Y%m%d}.geojson"


def archive_url(base_url: str, day: dt.date) -> str:
    return base_url.rstrip("/") + "/data/" + file_name(day)


def _stored(store: Store, layer: str) -> tuple[dict[dt.date, str], pd.DataFrame]:
    """The SHA-256 of each stored day's current version, and the provenance of the synced ones."""
    try:
        history = store.history(layer)
    except UnknownLayerError:
        return {}, pd.DataFrame()
    current = history[history["is_head"]]
    shas = {_day(value): str(sha) for value, sha in zip(current["as_of"], current["sha256"], strict=True)}
    return shas, store.synced(layer)


def _day(value: object) -> dt.date:
    return dt.date.fromisoformat(str(value)[:10])


def _store_day(store: Store, layer: str, day: dt.date, fetched: Fetched) -> None:
    """Validate one day's file and write it, with its provenance, in one transaction."""
    plan = plan_import([Upload(file_name(day), fetched.raw)], layer, defaults=DEFAULTS)
    if not plan.ok:
        raise ValidationFailed(plan.failed[0])
    plan.snapshots = [
        dataclasses.replace(s, provenance=fetched.provenance(), credit=ARCHIVE_CREDIT) for s in plan.snapshots
    ]
    write_import(store, plan, actor="sync", action="sync")


def sync_archive(
    store: Store,
    layer: str,
    fetcher: Fetcher,
    *,
    base_url: str = DEFAULT_BASE_URL,
    first: dt.date = ARCHIVE_FIRST_DAY,
    last: dt.date | None = None,
    recheck: bool = False,
    log: Callable[[str], None] = lambda _message: None,
) -> SyncResult:
    """Fetch and store every day from ``first`` to ``last`` (default today, UTC) the layer lacks.

    With ``recheck``, also ask whether the days already stored in the span changed
    upstream (see the module's docstring).

    Raises
    ------
    NoNetworkError
        If the first request cannot reach the source.
    FetchError
        If a day still fails after the fetcher's retries.
    ValidationFailed
        If a downloaded file fails validation (nothing of that day is written).
    """
    last = last or dt.datetime.now(dt.UTC).date()
    shas, synced = _stored(store, layer)
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    wanted = [day for day in days if day not in shas]
    result = SyncResult(already=len(days) - len(wanted))
    log(f"{len(wanted)} of {len(days)} day(s) to fetch ({result.already} already stored)")
    if recheck and result.already:
        _recheck(store, layer, fetcher, base_url, [d for d in days if d in shas], shas, synced, result, log)
    for count, day in enumerate(wanted, 1):
        url = archive_url(base_url, day)
        fetched = fetcher.get(url, check=json.loads)
        if fetched is None:
            log(f"{day}: not in the archive (404), skipped")
            result.missing.append(day)
            continue
        _store_day(store, layer, day, fetched)
        result.written.append(day)
        log(
            f"{day}: stored ({count} of {len(wanted)}, {len(fetched.raw)} bytes, "
            f"sha256 {fetched.sha256[:12]})"
        )
    return result


def _recheck(
    store: Store,
    layer: str,
    fetcher: Fetcher,
    base_url: str,
    stored: list[dt.date],
    shas: dict[dt.date, str],
    synced: pd.DataFrame,
    result: SyncResult,
    log: Callable[[str], None],
) -> None:
    """Ask whether each stored day changed upstream; store a changed file as a new version."""
    kept = {_day(row.as_of): row for row in synced.itertuples(index=False)} if len(synced) else {}
    log(f"rechecking {len(stored)} stored day(s) ({len(kept)} with an ETag or Last-Modified kept)")
    for day in stored:
        known = kept.get(day)
        fetched = fetcher.get(
            archive_url(base_url, day),
            etag=getattr(known, "etag", None),
            last_modified=getattr(known, "last_modified", None),
            check=json.loads,
        )
        if fetched is None:
            log(f"{day}: no longer in the archive (404); the stored copy is kept")
            result.unchanged += 1
        elif fetched.not_modified or fetched.sha256 == shas[day]:
            result.unchanged += 1
        else:
            _store_day(store, layer, day, fetched)
            result.changed.append(day)
            log(
                f"{day}: changed upstream (sha256 {shas[day][:12]} -> {fetched.sha256[:12]}): "
                "stored as a new version"
            )
