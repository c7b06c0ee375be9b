"""Writing to the store, on SQLite and PostGIS: all or nothing, seeding once, optimistic concurrency,
idempotent commits, revert, refused uploads, reported figures, and a writer killed mid-write."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import random
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest
import shapely
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from layers.errors import ConflictError, InvalidInputError, StoreError, UnknownLayerError
from layers.store import Store, postgis, rows, sqlite
from tests.conftest import ROOT, box_snapshot, snapshot

AUG10 = dt.date(2024, 8, 10)
KEY = ("Test", AUG10)


def test_reimporting_a_date_adds_a_version_and_keeps_the_old(two_snapshot_store):
    before = two_snapshot_store.heads("Test")
    two_snapshot_store.write(
        [snapshot("Test", "2024-08-10", [(shapely.box(35, 51, 35.1, 51.1), "UA", "held", "fix")])],
        actor="editor",
    )
    after = two_snapshot_store.heads("Test")
    assert len(after) == len(before)
    assert after["version_id"].iloc[0] != before["version_id"].iloc[0]
    old = two_snapshot_store.features(int(before["version_id"].iloc[0]))
    assert old["source"].iloc[0] == "test source A"
    with two_snapshot_store.engine.connect() as connection:
        audit = connection.execute(
            text("select action, replaced_version_id from audit order by id desc limit 1")
        ).one()
    assert audit.replaced_version_id == before["version_id"].iloc[0]


def test_a_snapshot_without_a_date_is_refused_and_nothing_is_written(store):
    good = snapshot("Test", "2024-08-10", [(shapely.box(35, 51, 35.1, 51.1), "UA", "held", "s")])
    bad = snapshot("Test", "2024-08-11", [(shapely.box(35, 51, 35.1, 51.1), "UA", "held", "s")])
    object.__setattr__(bad, "as_of", None)
    with pytest.raises(InvalidInputError, match="snapshot date expected like 2024-11-25, got None"):
        store.write([good, bad], actor="test")
    assert store.is_empty()


@pytest.mark.parametrize("second_date", ["2024-08-10", "2024-08-11"], ids=["one by one", "batched"])
def test_a_failing_batch_writes_nothing(store, second_date):
    good = box_snapshot("good")
    bad = dataclasses.replace(box_snapshot("bad", as_of=second_date, east=35.2), sha256=None)
    # The good snapshot's rows are inserted first; the bad one's NOT NULL sha256 then fails.
    with pytest.raises(IntegrityError):
        store.write([good, bad], actor="test")
    assert store.is_empty()
    with store.engine.connect() as connection:
        assert connection.execute(text("select count(*) from audit")).scalar() == 0


def test_only_if_empty_writes_once(store):
    first = snapshot("Test", "2024-08-10", [(shapely.box(35, 51, 35.1, 51.1), "UA", "held", "s")])
    assert store.write([first], actor="seed", only_if_empty=True)
    assert store.write([first], actor="seed", only_if_empty=True) == []
    assert len(store.heads("Test")) == 1


def test_a_write_that_waits_too_long_for_the_lock_is_refused_cleanly(store_url, monkeypatch):
    monkeypatch.setattr(sqlite, "BUSY_TIMEOUT_MS", 200)
    monkeypatch.setattr(postgis, "LOCK_TIMEOUT", "200ms")
    store = Store(store_url)
    with (
        store.writing(),
        pytest.raises(
            StoreError, match="is busy: another write held it for too long. Nothing was written; try again"
        ),
    ):
        store.write([box_snapshot("late")], actor="late")
    assert store.is_empty()
    store.close()


# --- editors: optimistic concurrency, idempotency, revert ---------------------------


def test_a_commit_after_someone_elses_is_refused_and_writes_nothing(two_snapshot_store):
    store = two_snapshot_store
    seen = store.head_version(*KEY)  # both editors open the layer at this version
    [alices] = store.write([box_snapshot("alice's")], actor="alice", expected_heads={KEY: seen})
    revision, history = store.revision(), store.history("Test")
    with pytest.raises(
        ConflictError,
        match=rf"^Test as of 2024-08-10 changed since you opened it: now version {alices} by alice at "
        r"\d{4}-\d\d-\d\d \d\d:\d\d UTC\. Review the new version and commit again\.$",
    ):
        store.write(
            [box_snapshot("bob's", east=35.2), box_snapshot("bob's", as_of="2024-09-01")],
            actor="bob",
            expected_heads={KEY: seen},
        )
    assert store.revision() == revision
    pd.testing.assert_frame_equal(store.history("Test"), history)
    assert store.features(store.head_version(*KEY))["source"].tolist() == ["alice's"]
    assert store.head_version("Test", "2024-09-01") is None, "nothing of the refused batch is written"


def test_a_first_snapshot_conflicts_with_one_committed_meanwhile(store):
    store.write([box_snapshot("alice's")], actor="alice", expected_heads={KEY: None})
    with pytest.raises(
        ConflictError,
        match=r"^Test as of 2024-08-10 changed since you opened it: now version \d+ by alice at",
    ):
        store.write([box_snapshot("bob's", east=35.2)], actor="bob", expected_heads={KEY: None})
    assert len(store.history("Test")) == 1


def test_expecting_a_version_that_is_not_there_is_a_conflict(store):
    with pytest.raises(
        ConflictError, match="Test as of 2024-08-10 has no version now, but you opened version 7. Reload"
    ):
        store.write([box_snapshot("s")], actor="alice", expected_heads={KEY: 7})
    assert store.is_empty()


def test_concurrent_commits_from_the_same_head_let_exactly_one_win(store_url):
    editors = 4
    stores = [Store(store_url) for _ in range(editors)]
    [base] = stores[0].write([box_snapshot("base")], actor="seed")
    start = threading.Barrier(editors)

    def commit(i):
        start.wait()
        try:
            return stores[i].write(
                [box_snapshot(f"editor {i}", east=35.1 + 0.01 * (i + 1))],
                actor=f"editor{i}",
                expected_heads={KEY: base},
            )
        except ConflictError as error:
            return error

    with ThreadPoolExecutor(editors) as pool:
        results = list(pool.map(commit, range(editors)))
    winners = [r for r in results if not isinstance(r, ConflictError)]
    assert len(winners) == 1, results
    assert all("changed since you opened it" in str(r) for r in results if isinstance(r, ConflictError))
    history = stores[0].history("Test")
    assert history["version_id"].tolist() == [winners[0][0], base]
    assert stores[0].head_version(*KEY) == winners[0][0]
    for store in stores:
        store.close()


def test_recommitting_the_same_file_writes_nothing_and_returns_its_version(store):
    file = box_snapshot("s")
    [version] = store.write([file], actor="alice", expected_heads={KEY: None})
    revision = store.revision()
    # A double-click or a retry: the same file, the expected head it was previewed against.
    assert store.write([file], actor="alice", expected_heads={KEY: None}) == [version]
    assert store.write([file], actor="bob") == [version]
    assert store.revision() == revision
    assert store.history("Test")["version_id"].tolist() == [version]
    [changed] = store.write([box_snapshot("s", east=35.2)], actor="alice", expected_heads={KEY: version})
    assert changed != version


def test_revert_restores_an_old_version_as_a_new_one_and_deletes_nothing(two_snapshot_store):
    store = two_snapshot_store
    old = store.head_version(*KEY)
    old_areas = (
        store.area_series("Test").query("as_of == @AUG10").drop(columns="as_of").reset_index(drop=True)
    )
    [newer] = store.write([box_snapshot("fix", east=35.2)], actor="bob", expected_heads={KEY: old})

    reverted = store.revert("Test", AUG10, old, actor="carol", expected_head=newer)

    assert reverted not in (old, newer)
    assert store.head_version(*KEY) == reverted
    before, after = store.features(old), store.features(reverted)
    assert after.geometry.geom_equals_exact(before.geometry, tolerance=0).all()
    pd.testing.assert_frame_equal(after.drop(columns="geometry"), before.drop(columns="geometry"))
    areas = store.area_series("Test").query("as_of == @AUG10").drop(columns="as_of").reset_index(drop=True)
    pd.testing.assert_frame_equal(areas, old_areas)
    with store.engine.connect() as connection:
        audit = connection.execute(
            text(
                f"select action, actor, replaced_version_id, detail from audit where version_id = {reverted}"
            )
        ).one()
    assert (audit.action, audit.actor, audit.replaced_version_id) == ("revert", "carol", newer)
    assert json.loads(audit.detail)["reverted_to"] == old
    assert store.features(newer)["source"].tolist() == ["fix"], "the replaced version is kept"
    history = store.history("Test")
    assert {old, newer, reverted} <= set(history["version_id"])
    assert history.set_index("version_id").loc[reverted, "action"] == "revert"
    assert store.revert("Test", AUG10, old, actor="carol", expected_head=newer) == reverted, (
        "a second click writes nothing"
    )
    assert len(store.history("Test")) == len(history)


def test_revert_refuses_a_version_of_another_layer_or_date(two_snapshot_store):
    store = two_snapshot_store
    head = store.head_version(*KEY)
    other_date = store.head_version("Test", "2024-08-20")
    revision = store.revision()
    with pytest.raises(
        InvalidInputError,
        match=rf"^version {other_date} is 'Test' as of 2024-08-20, not 'Test' as of 2024-08-10; "
        r"pick a version_id from the history of 'Test'",
    ):
        store.revert("Test", AUG10, other_date, actor="carol", expected_head=head)
    with pytest.raises(
        InvalidInputError,
        match="^there is no version 9999 in .*; "
        "pick a version_id from the history of 'Test' with as_of 2024-08-10",
    ):
        store.revert("Test", AUG10, 9999, actor="carol", expected_head=head)
    with pytest.raises(UnknownLayerError, match="no layer named 'Nope'.*layers: 'Test'"):
        store.revert("Nope", AUG10, head, actor="carol", expected_head=head)
    assert store.revision() == revision


def test_revert_from_a_stale_view_is_a_conflict(two_snapshot_store):
    store = two_snapshot_store
    old = store.head_version(*KEY)
    [newer] = store.write([box_snapshot("fix", east=35.2)], actor="bob")
    [newest] = store.write([box_snapshot("fix again", east=35.3)], actor="dave")
    with pytest.raises(ConflictError, match=rf"changed since you opened it: now version {newest} by dave"):
        store.revert("Test", AUG10, old, actor="carol", expected_head=newer)
    assert store.head_version(*KEY) == newest


def test_a_refused_upload_leaves_an_audit_row_with_its_correlation_id(store):
    correlation = store.record_rejection(
        actor="alice",
        file_name="bad.geojson",
        sha256="ab" * 32,
        size_bytes=10,
        reasons=["File: is not valid JSON"],
    )
    with store.engine.connect() as connection:
        action, actor, detail = connection.execute(
            text("select action, actor, detail from audit order by id desc limit 1")
        ).one()
    assert (action, actor) == ("rejected", "alice")
    assert json.loads(detail)["correlation_id"] == correlation and len(correlation) == 12
    assert store.is_empty(), "a rejection writes no layer or version"


def test_a_refused_upload_is_logged_with_its_correlation_id(store, caplog):
    with caplog.at_level(logging.INFO, logger="layers.store"):
        correlation = store.record_rejection(
            actor="alice", file_name="bad.geojson", sha256="cd" * 32, size_bytes=10, reasons=["a", "b"]
        )
    [record] = [r for r in caplog.records if r.name == "layers.store"]
    assert (
        record.getMessage()
        == f"upload rejected: correlation id {correlation}, 2 reason(s), sha256 {'cd' * 32}"
    )


def test_adding_the_same_figures_twice_stores_them_once(store):
    from layers.figures import check_figures

    raw = pd.DataFrame(
        [
            {
                "date": "2024-08-31",
                "scope": "gains",
                "value_km2": "363",
                "kind": "mapped",
                "source": "DeepStateMap",
                "layer": "Occ",
                "held_by": "RU",
                "status": "held",
            },
            {
                "date": "2024-11-30",
                "scope": "gains",
                "value_km2": "730",
                "kind": "mapped",
                "source": "DeepStateMap",
                "layer": "Occ",
                "held_by": "RU",
                "status": "held",
            },
        ]
    )
    figures = check_figures(raw, "gains.csv", first_line=2)
    assert store.add_figures(figures, actor="cli", origin="gains.csv") == 2
    assert store.add_figures(figures, actor="cli", origin="gains.csv") == 0
    assert store.add_figures(figures.assign(value_km2=[363.0, 731.0]), actor="cli") == 1
    stored = store.reported_figures()
    assert sorted(stored["value_km2"]) == [363.0, 730.0, 731.0]
    with store.engine.connect() as connection:
        details = [
            json.loads(d)
            for (d,) in connection.execute(
                text("select detail from audit where action = 'figures' order by id")
            )
        ]
    assert [d["added"] for d in details] == [2, 1]


def test_a_reimport_of_identical_files_computes_no_areas(store, monkeypatch):
    files = [box_snapshot("s"), box_snapshot("s", as_of="2024-08-11")]
    store.write(files, actor="cli")
    measured = []
    real = rows.computed_area_rows
    monkeypatch.setattr(
        rows,
        "computed_area_rows",
        lambda features, kind: measured.append(features["source"].tolist()) or real(features, kind),
    )
    store.write([*files, box_snapshot("new", as_of="2024-08-12")], actor="cli")
    assert measured == [["new"]], "only the new snapshot's areas are computed"
    assert len(store.area_series("Test")) == 3 * 3


# --- durability: nothing is lost or half-written when the writing process dies -------
#
# A child process writes a batch of snapshots in one ``Store.write`` and is killed with
# SIGKILL at random instants spread over the time such a write takes. After each kill
# the store, reopened, must hold every invariant of the storage model, and the killed
# write must be either fully visible or absent (notes D01).

#: Snapshots per write: one territory snapshot (with areas) and many events snapshots.
EVENT_SNAPSHOTS = 20
POINTS_PER_SNAPSHOT = 300
KILLS = 5

WRITER = r"""
import datetime as dt, hashlib, sys, time
import geopandas as gpd, shapely
from layers.store import NewSnapshot, Store

url, actor, n_snapshots, n_points = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
store = Store(url)

def digest(i):
    return hashlib.sha256(f"{actor} {i}".encode()).hexdigest()

territory = gpd.GeoDataFrame(
    {"held_by": ["UA"], "status": ["held"], "source": [actor]},
    geometry=[shapely.box(35.0, 51.0, 35.3, 51.2)],
    crs="EPSG:4326",
)
events = gpd.GeoDataFrame(
    {"id": [f"{actor}-{k}" for k in range(n_points)], "kind": "strike", "title": actor, "source": "test"},
    geometry=shapely.points([(35.0 + k * 1e-4, 51.0 + k * 1e-4) for k in range(n_points)]),
    crs="EPSG:4326",
)
batch = [NewSnapshot("Territory", dt.date(2024, 8, 10), territory, digest(-1))]
batch += [
    NewSnapshot("Events", dt.date(2024, 8, 1) + dt.timedelta(days=i), events, digest(i), kind="events")
    for i in range(n_snapshots)
]
print("ready", flush=True)
start = time.perf_counter()
store.write(batch, actor=actor)
print(f"done {time.perf_counter() - start:.3f}", flush=True)
"""


def start_writer(url: str, actor: str) -> subprocess.Popen:
    if url.startswith("postgresql"):
        # Named, so that the test can wait for the server to finish with the dead client.
        url = (
            make_url(url).update_query_dict({"application_name": actor}).render_as_string(hide_password=False)
        )
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, url, actor, str(EVENT_SNAPSHOTS), str(POINTS_PER_SNAPSHOT)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = writer.stdout.readline()
    assert line.strip() == "ready", f"the writer did not start: {line!r}"
    return writer


def wait_until_server_forgets(store: Store, actor: str) -> None:
    """PostgreSQL finishes (and rolls back) a dead client's statement on its own time."""
    if store.dialect != "postgresql":
        return
    deadline = time.monotonic() + 15
    with store.engine.connect() as connection:
        while connection.execute(
            text("select count(*) from pg_stat_activity where application_name = :a"), {"a": actor}
        ).scalar():
            assert time.monotonic() < deadline, f"the server still runs the killed writer {actor}'s session"
            time.sleep(0.05)
            connection.rollback()


def check_invariants(url: str, actor: str) -> str:
    """Reopen the store, check every invariant, and say whether ``actor``'s write is there."""
    store = Store(url)
    try:
        wait_until_server_forgets(store, actor)
        with store.engine.connect() as connection:
            if store.dialect == "sqlite":
                assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            miscounted = connection.execute(
                text(
                    "select v.id, v.n_features, count(f.idx) from layer_version v "
                    "left join feature f on f.version_id = v.id "
                    "group by v.id, v.n_features having count(f.idx) <> v.n_features"
                )
            ).all()
            assert miscounted == [], "versions whose feature rows differ from n_features"
            dangling = connection.execute(
                text(
                    "select h.version_id from head h left join layer_version v on v.id = h.version_id "
                    "where v.id is null"
                )
            ).all()
            assert dangling == [], "heads pointing at no version"
            unaudited = connection.execute(
                text(
                    "select v.id from layer_version v "
                    "where not exists (select 1 from audit a where a.version_id = v.id)"
                )
            ).all()
            assert unaudited == [], "versions without an audit row"
            no_areas = connection.execute(
                text(
                    "select v.id from layer_version v join layer l on l.id = v.layer_id "
                    "where l.kind = 'territory' and v.n_features > 0 "
                    "and not exists (select 1 from area a where a.version_id = v.id)"
                )
            ).all()
            assert no_areas == [], "territory versions without their areas"
            versions = connection.execute(
                text("select count(*) from layer_version where created_by = :a"), {"a": actor}
            ).scalar()
            audits = connection.execute(
                text("select count(*) from audit where actor = :a"), {"a": actor}
            ).scalar()
            current = connection.execute(
                text(
                    "select count(*) from head h join layer_version v on v.id = h.version_id "
                    "where v.created_by = :a"
                ),
                {"a": actor},
            ).scalar()
    finally:
        store.close()
    assert audits == versions, f"{actor}: {versions} versions but {audits} audit rows"
    if versions == 0:
        assert current == 0
        return "absent"
    assert versions == current == EVENT_SNAPSHOTS + 1, (
        f"{actor}'s write is half there: {versions} versions, {current} current"
    )
    return "visible"


def test_a_writer_killed_at_any_instant_leaves_the_store_consistent(store):
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    store.close()
    calibration = start_writer(store.url, "calibration")
    out, _ = calibration.communicate(timeout=120)
    assert calibration.returncode == 0 and out.startswith("done"), out
    duration = float(out.split()[1])
    assert check_invariants(store.url, "calibration") == "visible"

    outcomes = []
    for i in range(KILLS):
        # One instant in each slice of the write's duration, so kills cover all of it.
        delay = rng.uniform(i / KILLS, (i + 1) / KILLS) * duration * 1.1
        actor = f"killed-{i}"
        writer = start_writer(store.url, actor)
        time.sleep(delay)
        writer.send_signal(signal.SIGKILL)
        out, _ = writer.communicate(timeout=30)
        finished = "done" in out
        outcome = check_invariants(store.url, actor)
        assert finished <= (outcome == "visible"), f"{actor} said done but its write is absent (seed {seed})"
        outcomes.append((round(delay, 3), "finished" if finished else "killed", outcome))
    assert any(status == "killed" for _, status, _ in outcomes), (
        f"no kill landed before the write finished: {outcomes} (seed {seed})"
    )
    print(f"write takes {duration:.2f} s; kills (delay, writer, write): {outcomes}")


def test_the_invariant_check_catches_a_version_without_its_audit_row(store):
    """The check above must be able to fail: a version whose audit row is gone is caught."""
    store.write(
        [snapshot("Territory", "2024-08-10", [(shapely.box(35, 51, 35.1, 51.1), "UA", "held", "s")])],
        actor="half",
    )
    # Only a schema owner can do this: switch the append-only guard off, then delete.
    guard = (
        "alter table audit disable trigger audit_append_only"
        if store.dialect == "postgresql"
        else "drop trigger audit_no_delete"
    )
    with store.engine.begin() as connection:
        connection.execute(text(guard))
        connection.execute(text("delete from audit where actor = 'half'"))
    with pytest.raises(AssertionError, match="versions without an audit row"):
        check_invariants(store.url, "half")
