"""When a layer was last synced: recorded per run in the store, worded for the app, stale after 36 hours."""

from __future__ import annotations

import datetime as dt

import shapely

from layers.store import NewSnapshot
from layers.sync.status import STALE_AFTER, SyncRun, last_sync, record_sync, stale_after, sync_words
from tests.conftest import territory

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)


def _layer(store) -> str:
    frame = territory([(shapely.box(35, 51, 35.1, 51.1), "RU", "held", "s")])
    store.write([NewSnapshot("Synced", dt.date(2026, 12, 1), frame, "a" * 64)], actor="t")
    return "Synced"


def test_a_run_is_kept_per_layer_and_a_failure_keeps_the_last_success(store):
    layer = _layer(store)
    assert last_sync(store, layer) is None
    assert last_sync(store, "No such layer") is None
    good = SyncRun(
        layer, "Archive", "https://example.org/a/", NOW, NOW, ok=True, written=3, missing=["2026-12-02"]
    )
    record_sync(store, good)
    kept = last_sync(store, layer)
    assert kept is not None and kept.ok and kept.written == 3 and kept.last_success == NOW
    assert kept.missing == ["2026-12-02"]
    later = NOW + dt.timedelta(hours=30)
    record_sync(
        store, SyncRun(layer, "Archive", "https://example.org/a/", later, later, ok=False, error="HTTP 503")
    )
    failed = last_sync(store, layer)
    assert failed is not None and not failed.ok and failed.error == "HTTP 503"
    assert failed.last_success == NOW, "a failed run keeps the time of the last one that worked"
    # A layer that does not exist yet (a sync that failed before its first day) keeps nothing.
    record_sync(store, SyncRun("Later", "Archive", "https://example.org/", NOW, NOW, ok=False))
    assert last_sync(store, "Later") is None


def test_the_words_name_the_source_and_host_and_warn_when_stale_or_failed():
    run = SyncRun("L", "DeepStateMap archive", "https://user:secret@raw.example.org/x/", NOW, NOW, ok=True)
    run.last_success = NOW
    line, warning = sync_words(run, NOW + dt.timedelta(hours=3))
    assert (
        line
        == "L: last synced 3 Dec 2026 12:00 UTC (3 hours ago) from DeepStateMap archive at raw.example.org"
    )
    assert warning is None and "secret" not in line
    line, warning = sync_words(run, NOW + dt.timedelta(hours=37))
    assert "(37 hours ago)" in line
    assert warning is not None and "has not been synced since 3 Dec 2026 12:00 UTC" in warning
    assert "every 36 hours" in warning
    run.ok, run.error = False, "HTTP 503"
    _, warning = sync_words(run, NOW + dt.timedelta(hours=1))
    assert warning is not None and warning.startswith("L: the last sync") and "HTTP 503" in warning
    run.last_success = None
    line, warning = sync_words(run, NOW)
    assert "never synced successfully" in line and warning is not None and "not been synced yet" in warning


def test_the_limit_can_be_set_for_another_schedule(monkeypatch):
    assert stale_after() == STALE_AFTER == dt.timedelta(hours=36)
    monkeypatch.setenv("FRONTLINE_SYNC_STALE_HOURS", "200")
    assert stale_after() == dt.timedelta(hours=200)
    for bad in ("soon", "-1", "0"):
        monkeypatch.setenv("FRONTLINE_SYNC_STALE_HOURS", bad)
        assert stale_after() == STALE_AFTER


def test_recording_keeps_a_run_that_ends_well_or_fails(store):
    import pytest

    from layers.errors import FrontlineError
    from layers.sync.status import recording

    layer = _layer(store)
    with recording(store, layer, "Archive", "https://example.org/") as run:
        run.written = 2
    kept = last_sync(store, layer)
    assert kept is not None and kept.ok and kept.written == 2 and kept.last_success is not None
    with pytest.raises(FrontlineError), recording(store, layer, "Archive", "https://example.org/"):
        raise FrontlineError("cannot reach the archive")
    failed = last_sync(store, layer)
    assert failed is not None and not failed.ok and failed.error == "cannot reach the archive"
    assert failed.last_success == kept.last_success
