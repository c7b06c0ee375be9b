"""PostGIS set-up: the extension, one writer per schema, append-only triggers, pooled connections checked."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from layers import schema
from layers.errors import StoreError
from layers.store import Store, postgis, tables
from tests.conftest import TEST_PG, box_snapshot

# Every test here runs on PostGIS only (skipped without FRONTLINE_TEST_PG, failed under CI=true).
pytestmark = pytest.mark.parametrize("store_url", ["postgis"], indirect=True)

ADVISORY_LOCKS = "select count(*) from pg_locks where locktype = 'advisory' and pid = pg_backend_pid()"


@pytest.fixture
def other_schema_url(postgis_admin):
    """A second, empty store in the same database: its own schema."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    with postgis_admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {name}"))
    yield (
        make_url(TEST_PG)
        .update_query_dict({"options": f"-csearch_path={name},public"})
        .render_as_string(hide_password=False)
    )
    with postgis_admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA {name} CASCADE"))


def test_postgis_is_installed(store):
    with store.engine.connect() as connection:
        version = connection.execute(
            text("select extversion from pg_extension where extname = 'postgis'")
        ).scalar()
        assert version is not None and version.startswith("3")
        assert connection.execute(text("select ST_Area(ST_MakeEnvelope(0, 0, 2, 3))")).scalar() == 6


def test_a_write_transaction_takes_the_lock_with_a_timeout(store):
    with store.writing() as connection:
        assert connection.execute(text("show lock_timeout")).scalar() == postgis.LOCK_TIMEOUT
        assert connection.execute(text(ADVISORY_LOCKS)).scalar() == 1
    with store.engine.connect() as connection:
        assert connection.execute(text(ADVISORY_LOCKS)).scalar() == 0, "released at COMMIT"


def test_a_second_writer_of_the_schema_waits_and_one_of_another_schema_does_not(
    store, other_schema_url, monkeypatch
):
    monkeypatch.setattr(postgis, "LOCK_TIMEOUT", "300ms")
    same, other = Store(store.url), Store(other_schema_url)
    try:
        with store.writing():
            started = time.monotonic()
            with pytest.raises(StoreError, match="is busy: another write held it for too long"):
                same.write([box_snapshot("waits")], actor="same")
            assert time.monotonic() - started >= 0.25, "it waited for the lock timeout"
            assert other.write([box_snapshot("free")], actor="other"), "another schema has its own lock"
        assert same.is_empty() and not other.is_empty()
    finally:
        same.close()
        other.close()


def test_triggers_guard_every_append_only_table_and_are_created_once(store):
    with store.engine.begin() as connection:
        postgis.create_triggers(connection)  # as a second process opening the store does
        names = connection.execute(
            text(
                "select t.tgname from pg_trigger t join pg_class c on c.oid = t.tgrelid "
                "where c.relnamespace = current_schema()::regnamespace and not t.tgisinternal"
            )
        ).scalars()
        found = sorted(names)
    assert found == sorted(f"{table}_append_only" for table in tables.APPEND_ONLY)


def test_stores_opened_at_once_on_a_new_schema_create_the_tables_once(store_url):
    """Two app processes starting together: table creation is serialised, so neither fails."""
    with ThreadPoolExecutor(4) as pool:
        stores = list(pool.map(lambda _: Store(store_url), range(4)))
    try:
        assert all(store.is_empty() for store in stores)
        with stores[0].engine.connect() as connection:
            versions = connection.execute(select(tables.meta.c.value)).scalars().all()
        assert versions == [str(schema.SCHEMA_VERSION)]
    finally:
        for store in stores:
            store.close()


def test_a_pooled_connection_the_server_dropped_is_replaced(store, postgis_admin):
    """A server restart under a long-running app: the pool tests a connection before handing it out."""
    with store.engine.connect() as connection:
        pid = connection.execute(text("select pg_backend_pid()")).scalar()
    with postgis_admin.connect() as admin:
        assert admin.execute(text("select pg_terminate_backend(:pid)"), {"pid": pid}).scalar()
        deadline = time.monotonic() + 10
        while admin.execute(
            text("select count(*) from pg_stat_activity where pid = :pid"), {"pid": pid}
        ).scalar():
            assert time.monotonic() < deadline, "the server did not end the session"
            time.sleep(0.05)
            admin.rollback()
    assert store.is_empty()
    with store.engine.connect() as connection:
        assert connection.execute(text("select pg_backend_pid()")).scalar() != pid
