"""Nothing is lost or half-written when the writing process dies: ``kill -9`` mid-write.

A child process writes a batch of snapshots in one ``Store.write`` and is killed with
SIGKILL at random instants spread over the time such a write takes. After each kill
the store, reopened, must hold every invariant of the storage model, and the killed
write must be either fully visible or absent (notes D01).
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time

import pytest
import shapely
from sqlalchemy import text
from sqlalchemy.engine import make_url

from layers.store import Store
from tests.conftest import ROOT, snapshot

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
    {"held_by": ["UA"], "status": ["held"], "source": [actor]}, geometry=[shapely.box(35.0, 51.0, 35.3, 51.2)], crs="EPSG:4326"
)
events = gpd.GeoDataFrame(
    {"id": [f"{actor}-{k}" for k in range(n_points)], "kind": "strike", "title": actor, "source": "test"},
    geometry=shapely.points([(35.0 + k * 1e-4, 51.0 + k * 1e-4) for k in range(n_points)]),
    crs="EPSG:4326",
)
batch = [NewSnapshot("Territory", dt.date(2024, 8, 10), territory, digest(-1))]
batch += [NewSnapshot("Events", dt.date(2024, 8, 1) + dt.timedelta(days=i), events, digest(i), kind="events") for i in range(n_snapshots)]
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
                    "select v.id, v.n_features, count(f.idx) from layer_version v left join feature f on f.version_id = v.id "
                    "group by v.id, v.n_features having count(f.idx) <> v.n_features"
                )
            ).all()
            assert miscounted == [], "versions whose feature rows differ from n_features"
            dangling = connection.execute(
                text(
                    "select h.version_id from head h left join layer_version v on v.id = h.version_id where v.id is null"
                )
            ).all()
            assert dangling == [], "heads pointing at no version"
            unaudited = connection.execute(
                text(
                    "select v.id from layer_version v where not exists (select 1 from audit a where a.version_id = v.id)"
                )
            ).all()
            assert unaudited == [], "versions without an audit row"
            no_areas = connection.execute(
                text(
                    "select v.id from layer_version v join layer l on l.id = v.layer_id where l.kind = 'territory' "
                    "and v.n_features > 0 and not exists (select 1 from area a where a.version_id = v.id)"
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
                    "select count(*) from head h join layer_version v on v.id = h.version_id where v.created_by = :a"
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
