"""The store, on SQLite and on PostGIS: round trips, append-only history, all-or-nothing
writes, seeding once, optimistic concurrency, idempotent commits, revert and history."""

from __future__ import annotations

import datetime as dt
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest
import shapely
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from layers.errors import ConflictError, InvalidInputError, StoreError, UnknownLayerError
from layers.store import Store, postgis, sqlite
from tests.conftest import snapshot

AUG10 = dt.date(2024, 8, 10)
KEY = ("Test", AUG10)
HISTORY_COLUMNS = [
    "version_id",
    "as_of",
    "action",
    "created_by",
    "created_at",
    "file_name",
    "sha256",
    "n_features",
    "replaced_version_id",
    "is_head",
]


def box_snapshot(source: str, as_of: str = "2024-08-10", east: float = 35.1, layer: str = "Test"):
    return snapshot(layer, as_of, [(shapely.box(35, 51, east, 51.1), "UA", "held", source)])


def test_round_trip_keeps_geometry_and_properties(two_snapshot_store):
    heads = two_snapshot_store.heads("Test")
    features = two_snapshot_store.features(int(heads["version_id"].iloc[0]))
    assert features.crs == "EPSG:4326"
    assert features.geometry.iloc[0].equals(shapely.box(35.10, 51.00, 35.30, 51.25))
    assert features["source"].iloc[0] == "test source A"


def test_areas_are_stored_at_import_for_each_border(two_snapshot_store):
    series = two_snapshot_store.area_series("Test")
    assert set(series["within"]) == {"", "RUS", "UKR"}
    assert (series["method"].str.contains("geodesic")).all()
    first = series[
        (series.as_of == dt.date(2024, 8, 10)) & (series.held_by == "UA") & (series.status == "held")
    ]
    total = first[first.within == ""]["area_km2"].item()
    assert first[first.within == "RUS"]["area_km2"].item() + first[first.within == "UKR"][
        "area_km2"
    ].item() == pytest.approx(total, rel=1e-3)


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


@pytest.mark.parametrize(
    "statement", ["update feature set properties = '{}'", "delete from audit", "delete from layer_version"]
)
def test_history_tables_refuse_update_and_delete(two_snapshot_store, statement):
    with pytest.raises(DatabaseError, match="append-only"):
        with two_snapshot_store.engine.begin() as connection:
            connection.execute(text(statement))


def test_a_failing_batch_writes_nothing(store):
    good = snapshot("Test", "2024-08-10", [(shapely.box(35, 51, 35.1, 51.1), "UA", "held", "s")])
    bad = snapshot("Test", "2024-08-11", [(shapely.box(35, 51, 35.1, 51.1), "UA", "held", "s")])
    object.__setattr__(bad, "as_of", None)  # NOT NULL violation inside the transaction
    with pytest.raises(Exception):
        store.write([good, bad], actor="test")
    assert store.is_empty()


def test_only_if_empty_writes_once(store):
    first = snapshot("Test", "2024-08-10", [(shapely.box(35, 51, 35.1, 51.1), "UA", "held", "s")])
    assert store.write([first], actor="seed", only_if_empty=True)
    assert store.write([first], actor="seed", only_if_empty=True) == []
    assert len(store.heads("Test")) == 1


def test_revision_changes_with_every_write(two_snapshot_store):
    before = two_snapshot_store.revision()
    two_snapshot_store.write(
        [snapshot("Test", "2024-09-01", [(shapely.box(35, 51, 35.1, 51.1), "UA", "held", "s")])], actor="t"
    )
    assert two_snapshot_store.revision() != before


def test_unknown_layer_lists_known_ones(two_snapshot_store):
    with pytest.raises(UnknownLayerError, match="'Test'"):
        two_snapshot_store.heads("Nope")


def test_default_url_follows_environment(monkeypatch, tmp_path):
    from layers.store import default_url

    monkeypatch.setenv("FRONTLINE_DB", f"sqlite:///{tmp_path / 'x.db'}")
    assert default_url().endswith("x.db")
    monkeypatch.delenv("FRONTLINE_DB")
    assert default_url().startswith("sqlite:///") and default_url().endswith("frontline.db")


def test_store_reopens_an_existing_store(store_url):
    first = Store(store_url)
    first.write([box_snapshot("s")], actor="t")
    first.close()
    again = Store(store_url)
    assert [i.name for i in again.layers()] == ["Test"]
    again.close()


def test_emptying_a_history_table_at_once_is_refused(two_snapshot_store):
    # PostgreSQL's TRUNCATE fires no row trigger; SQLite's equivalent is an unqualified DELETE.
    statement = "truncate feature" if two_snapshot_store.dialect == "postgresql" else "delete from feature"
    with pytest.raises(DatabaseError, match="feature is append-only"):
        with two_snapshot_store.engine.begin() as connection:
            connection.execute(text(statement))
    assert len(two_snapshot_store.features(two_snapshot_store.head_version(*KEY))) == 1


def test_geometry_is_stored_natively_on_each_database(two_snapshot_store):
    store = two_snapshot_store
    with store.engine.connect() as connection:
        if store.dialect == "postgresql":
            column = connection.execute(
                text(
                    "select format_type(atttypid, atttypmod) from pg_attribute where attrelid = 'feature'::regclass and attname = 'geometry'"
                )
            ).scalar()
            assert column == "geometry(Geometry,4326)"
            indexes = (
                connection.execute(
                    text(
                        "select indexdef from pg_indexes where tablename = 'feature' and schemaname = current_schema()"
                    )
                )
                .scalars()
                .all()
            )
            assert any("USING gist (geometry)" in index for index in indexes), indexes
            hits = connection.execute(
                text(
                    "select count(*) from feature where ST_Intersects(geometry, ST_MakeEnvelope(35.5, 51.1, 35.52, 51.12, 4326))"
                )
            ).scalar()
            assert hits == 1, "only the contested strip east of 35.45 covers that point"
        else:
            kinds = connection.execute(text("select distinct typeof(geometry) from feature")).scalars().all()
            assert kinds == ["blob"]


def test_a_database_password_never_appears_in_messages():
    with pytest.raises(
        StoreError,
        match=r"cannot create the tables in 'postgresql://frontline:\*\*\*@127\.0\.0\.1:1/nowhere'.*server is running",
    ) as info:
        Store("postgresql://frontline:s3cret-pw@127.0.0.1:1/nowhere")
    assert "s3cret-pw" not in str(info.value)


def test_a_write_that_waits_too_long_for_the_lock_is_refused_cleanly(store_url, monkeypatch):
    monkeypatch.setattr(sqlite, "BUSY_TIMEOUT_MS", 200)
    monkeypatch.setattr(postgis, "LOCK_TIMEOUT", "200ms")
    store = Store(store_url)
    with store.writing():
        with pytest.raises(
            StoreError, match="is busy: another write held it for too long. Nothing was written; try again"
        ):
            store.write([box_snapshot("late")], actor="late")
    assert store.is_empty()
    store.close()


# --- editors: optimistic concurrency, idempotency, revert, history --------------------


def test_head_version_is_none_until_a_snapshot_exists(store):
    assert store.head_version("Test", AUG10) is None, "unknown layer"
    [version] = store.write([box_snapshot("s")], actor="alice")
    assert store.head_version("Test", AUG10) == version
    assert store.head_version("Test", "2024-08-10") == version
    assert store.head_version("Test", dt.date(2024, 8, 11)) is None


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
        match=rf"^version {other_date} is 'Test' as of 2024-08-20, not 'Test' as of 2024-08-10; pick a version_id from the history of 'Test'",
    ):
        store.revert("Test", AUG10, other_date, actor="carol", expected_head=head)
    with pytest.raises(
        InvalidInputError,
        match="^there is no version 9999 in .*; pick a version_id from the history of 'Test' with as_of 2024-08-10",
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


def test_history_lists_every_version_newest_first(two_snapshot_store):
    store = two_snapshot_store
    first = store.head_version(*KEY)
    aug20 = store.head_version("Test", "2024-08-20")
    [second] = store.write([box_snapshot("bob's", east=35.2)], actor="bob")

    history = store.history("Test")

    assert list(history.columns) == HISTORY_COLUMNS
    assert history["version_id"].tolist() == sorted([first, aug20, second], reverse=True)
    rows = history.set_index("version_id")
    assert rows.loc[second, ["as_of", "action", "created_by", "n_features", "is_head"]].tolist() == [
        AUG10,
        "import",
        "bob",
        1,
        True,
    ]
    assert rows.loc[second, "replaced_version_id"] == first
    assert not rows.loc[first, "is_head"] and pd.isna(rows.loc[first, "replaced_version_id"])
    assert rows.loc[aug20, "is_head"] and rows.loc[aug20, "n_features"] == 2
    assert rows.loc[second, "sha256"] == box_snapshot("bob's", east=35.2).sha256
    assert str(history["created_at"].dt.tz) == "UTC"
    now = pd.Timestamp.now(tz="UTC")
    assert ((now - history["created_at"]) < pd.Timedelta(minutes=5)).all(), history["created_at"]


def test_history_of_an_unknown_layer_names_the_known_ones(two_snapshot_store):
    with pytest.raises(UnknownLayerError, match="no layer named 'Nope'.*layers: 'Test'"):
        two_snapshot_store.history("Nope")


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
    from layers import store as store_module

    files = [box_snapshot("s"), box_snapshot("s", as_of="2024-08-11")]
    store.write(files, actor="cli")
    calls = []
    real = store_module._area_rows
    monkeypatch.setattr(
        store_module, "_area_rows", lambda snapshot: calls.append(snapshot.as_of) or real(snapshot)
    )
    store.write([*files, box_snapshot("s", as_of="2024-08-12")], actor="cli")
    assert calls == [dt.date(2024, 8, 12)], "only the new snapshot's areas are computed"
    assert len(store.area_series("Test")) == 3 * 3


def test_a_batch_writes_what_one_snapshot_at_a_time_writes(store_url, tmp_path):
    """Store.write writes many snapshots with a few multi-row statements; the rows must be
    those that writing them one by one gives (ids, parents, heads, features, areas, audit)."""
    import datetime as dt

    from sqlalchemy import text

    first = [box_snapshot("a", "2024-08-10"), box_snapshot("b", "2024-08-11", east=35.3)]
    batch = [
        box_snapshot("a", "2024-08-10"),  # identical: not written again
        box_snapshot("c", "2024-08-11", east=35.4),  # replaces b
        box_snapshot("d", "2024-08-12", east=35.5),
        box_snapshot("e", "2024-08-13", east=35.6, layer="Other"),  # a new layer
    ]

    def dump(store: Store) -> dict:
        tables = {
            "layer": "select id, name, kind, description from layer order by id",
            "version": "select id, layer_id, as_of, parent_version_id, sha256, n_features, schema_version, created_by, file_name, action from layer_version order by id",
            "head": "select layer_id, as_of, version_id from head order by layer_id, as_of",
            "feature": "select version_id, idx, properties from feature order by version_id, idx",
            "area": "select version_id, held_by, status, within, area_km2, method from area order by version_id, held_by, status, within",
            "audit": "select id, actor, action, layer_id, as_of, version_id, replaced_version_id, sha256, detail from audit order by id",
        }
        with store.engine.connect() as connection:
            # Dates as text: SQLite gives them back so, PostgreSQL as dates.
            found = {
                name: [
                    tuple(v.isoformat() if isinstance(v, dt.date) else v for v in row)
                    for row in connection.execute(text(query))
                ]
                for name, query in tables.items()
            }
        found["geometry"] = [
            shapely.to_wkb(store.features(v).geometry.values).tolist() for (v, *_) in found["version"]
        ]
        return found

    def write(store: Store, one_by_one: bool) -> tuple[list[int], dict]:
        try:
            store.write(first, actor="test")
            ids = (
                [store.write([s], actor="cli")[0] for s in batch]
                if one_by_one
                else store.write(batch, actor="cli")
            )
            return ids, dump(store)
        finally:
            store.close()

    # The one-by-one reference is written to SQLite; the batch to the store under test.
    reference = write(Store(f"sqlite:///{tmp_path / 'one-by-one.db'}"), one_by_one=True)
    assert write(Store(store_url), one_by_one=False) == reference
    ids, rows = reference
    assert ids == [1, 3, 4, 5], "the identical snapshot keeps its version"
    assert [row[3] for row in rows["version"]] == [None, None, 2, None, None]
    assert rows["head"][:3] == [(1, "2024-08-10", 1), (1, "2024-08-11", 3), (1, "2024-08-12", 4)]
