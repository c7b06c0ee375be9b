"""When each layer was last synced, from where, and whether that is longer ago than expected.

Every run of ``python -m layers sync …`` records its outcome in the store's ``meta``
table under ``sync:<layer id>`` (a run that finds nothing new writes no version, so the
versions alone cannot say when the last sync ran). The app shows it as "last synced …
from …" with its age, and warns when the last successful sync of a layer is older than
:data:`STALE_AFTER`: both archives publish daily, so a layer synced by a daily timer is
never more than a day and a few hours behind; 36 hours leave room for one slow or failed
run before the warning shows. ``FRONTLINE_SYNC_STALE_HOURS`` changes it for a layer synced
on another schedule.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

from ..errors import FrontlineError, UnknownLayerError
from ..store import Store

__all__ = ["STALE_AFTER", "SyncRun", "last_sync", "record_sync", "recording", "stale_after", "sync_words"]

#: How long after the last successful sync a layer counts as stale (see the module's docstring).
STALE_AFTER = dt.timedelta(hours=36)


@dataclass
class SyncRun:
    """One run of a sync for one layer: what it read, when, and how it ended.

    ``last_success`` is the finish time of the latest run that succeeded, carried over
    from the run before when this one failed.
    """

    layer: str
    source: str
    base_url: str
    started_at: dt.datetime
    finished_at: dt.datetime
    ok: bool
    written: int = 0
    changed: int = 0
    missing: list[str] = field(default_factory=list)
    error: str = ""
    last_success: dt.datetime | None = None


def _key(store: Store, layer: str) -> str:
    return f"sync:{store.layer_id(layer)}"


def record_sync(store: Store, run: SyncRun) -> None:
    """Keep ``run`` as the layer's latest sync (nothing is kept for a layer that does not exist yet)."""
    try:
        key = _key(store, run.layer)
    except UnknownLayerError:
        return
    if run.ok:
        run.last_success = run.finished_at
    else:
        previous = last_sync(store, run.layer)
        run.last_success = previous.last_success if previous is not None else None
    record = asdict(run)
    for name in ("started_at", "finished_at", "last_success"):
        moment = record[name]
        record[name] = moment.isoformat() if moment is not None else None
    record["missing"] = record["missing"][:100]
    record["error"] = record["error"][:500]
    store.put_meta(key, json.dumps(record, ensure_ascii=False))


@contextmanager
def recording(store: Store, layer: str, source: str, base_url: str) -> Iterator[SyncRun]:
    """A sync run of ``layer``, recorded when the block ends: ok, or failed with the error's text.

    The block fills in what it wrote (``written``, ``changed``, ``missing``); an error
    that is not a :class:`~layers.errors.FrontlineError` (a bug) is recorded too, then raised.
    """
    started = dt.datetime.now(dt.UTC)
    run = SyncRun(layer, source, base_url, started, started, ok=False)
    try:
        yield run
        run.ok = True
    except FrontlineError as error:
        run.error = str(error)
        raise
    except Exception as error:
        run.error = f"{type(error).__name__}: {error}"
        raise
    finally:
        run.finished_at = dt.datetime.now(dt.UTC)
        record_sync(store, run)


def last_sync(store: Store, layer: str) -> SyncRun | None:
    """The layer's latest sync run, or None when it was never synced (or does not exist)."""
    try:
        value = store.get_meta(_key(store, layer))
    except UnknownLayerError:
        return None
    if value is None:
        return None
    try:
        record = json.loads(value)
        for name in ("started_at", "finished_at", "last_success"):
            if record.get(name) is not None:
                record[name] = dt.datetime.fromisoformat(record[name])
        return SyncRun(**record)
    except (ValueError, TypeError):
        return None


def stale_after() -> dt.timedelta:
    """:data:`STALE_AFTER`, or ``FRONTLINE_SYNC_STALE_HOURS`` when set to a positive number."""
    text = os.environ.get("FRONTLINE_SYNC_STALE_HOURS", "").strip()
    try:
        hours = float(text)
    except ValueError:
        return STALE_AFTER
    return dt.timedelta(hours=hours) if 0 < hours < 24 * 3650 else STALE_AFTER


def _ago(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 2:
        return "just now"
    if minutes < 120:
        return f"{minutes} minutes ago"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} hours ago"
    return f"{hours // 24} days ago"


def _when(moment: dt.datetime) -> str:
    moment = moment.astimezone(dt.UTC)
    return f"{moment.day} {moment:%b %Y %H:%M} UTC"


def sync_words(run: SyncRun, now: dt.datetime, limit: dt.timedelta | None = None) -> tuple[str, str | None]:
    """The line "last synced … from …" for ``run``, and a warning when it is stale or failed.

    Plain text (the caller escapes it for where it goes): the source's name and the
    host it was read from, never a full URL that could carry credentials.
    """
    limit = limit or stale_after()
    host = urlsplit(run.base_url).hostname or run.base_url[:80]
    success = run.last_success
    if success is not None:
        line = (
            f"{run.layer}: last synced {_when(success)} ({_ago(now - success)}) from {run.source} at {host}"
        )
    else:
        line = f"{run.layer}: never synced successfully from {run.source} at {host}"
    warning = None
    if not run.ok:
        warning = f"{run.layer}: the last sync, {_when(run.finished_at)}, failed: {run.error}"
    if success is None or now - success > limit:
        hours = limit.total_seconds() / 3600
        since = f"since {_when(success)}" if success is not None else "yet"
        warning = (
            (warning + ". " if warning else "")
            + f"{run.layer} has not been synced {since}; a sync at least every {hours:g} hours is expected. "
            "The map may be behind the source: check the sync's timer (docs/command-line.md)."
        )
    return line, warning
