"""Sync a layer with the daily archive of ``cyterat/deepstate-map-data``, one day at a time.

Only dates the layer lacks are fetched: a sync never downloads a file it already has.
Each day is validated by the import path (bounded, in a sandbox) and written in its own
transaction, so a sync killed at any moment leaves whole days behind and the next one
carries on. A day the source does not have (404) is skipped and reported.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from ..errors import UnknownLayerError, ValidationFailed
from ..ingest import Upload, plan_import, write_import
from ..store import Store
from .http import Fetcher

__all__ = ["ARCHIVE_FIRST_DAY", "DEFAULT_BASE_URL", "SOURCE", "SyncResult", "archive_url", "sync_archive"]

DEFAULT_BASE_URL = "https://raw.githubusercontent.com/cyterat/deepstate-map-data/main/"
#: The archive's first daily file (see ../shared/data/README.md).
ARCHIVE_FIRST_DAY = dt.date(2024, 7, 8)
SOURCE = "DeepStateMap (cyterat/deepstate-map-data archive)"
DEFAULTS = {"held_by": "RU", "status": "held", "source": SOURCE}


@dataclass
class SyncResult:
    """What a sync did: the dates written, and those the source did not have."""

    written: list[dt.date] = field(default_factory=list)
    missing: list[dt.date] = field(default_factory=list)
    already: int = 0


def file_name(day: dt.date) -> str:
    return f"deepstatemap_data_{day:%Y%m%d}.geojson"


def archive_url(base_url: str, day: dt.date) -> str:
    return base_url.rstrip("/") + "/data/" + file_name(day)


def _stored_dates(store: Store, layer: str) -> set[dt.date]:
    try:
        heads = store.heads(layer)
    except UnknownLayerError:
        return set()
    return {dt.date.fromisoformat(str(value)[:10]) for value in heads["as_of"]}


def sync_archive(
    store: Store,
    layer: str,
    fetcher: Fetcher,
    *,
    base_url: str = DEFAULT_BASE_URL,
    first: dt.date = ARCHIVE_FIRST_DAY,
    last: dt.date | None = None,
    log: Callable[[str], None] = lambda _message: None,
) -> SyncResult:
    """Fetch and store every day from ``first`` to ``last`` (default today, UTC) the layer lacks.

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
    have = _stored_dates(store, layer)
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    wanted = [day for day in days if day not in have]
    result = SyncResult(already=len(days) - len(wanted))
    log(f"{len(wanted)} of {len(days)} day(s) to fetch ({result.already} already stored)")
    for count, day in enumerate(wanted, 1):
        url = archive_url(base_url, day)
        fetched = fetcher.get(url)
        if fetched is None:
            log(f"{day}: not in the archive (404), skipped")
            result.missing.append(day)
            continue
        plan = plan_import([Upload(file_name(day), fetched.raw)], layer, defaults=DEFAULTS)
        if not plan.ok:
            raise ValidationFailed(plan.failed[0])
        write_import(store, plan, actor="sync", action="sync")
        result.written.append(day)
        log(
            f"{day}: stored ({count} of {len(wanted)}, {len(fetched.raw)} bytes, "
            f"sha256 {fetched.sha256[:12]})"
        )
    return result
