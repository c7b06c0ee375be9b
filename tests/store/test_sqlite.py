"""SQLite set-up: the pragmas of every connection, writers that lock at BEGIN, readers that never wait."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from layers.store import Store, sqlite, tables


@pytest.fixture
def sqlite_path(tmp_path):
    return tmp_path / "test.db"


@pytest.fixture
def sqlite_store(sqlite_path):
    store = Store(f"sqlite:///{sqlite_path}")
    yield store
    store.close()


def other_process(path) -> sqlite3.Connection:
    """A plain sqlite3 connection that never waits for a lock, as another process's would be."""
    return sqlite3.connect(path, timeout=0, isolation_level=None)


PRAGMAS = ("foreign_keys", "journal_mode", "synchronous", "busy_timeout")


def test_every_connection_gets_the_pragmas(sqlite_store):
    # Two connections open at once, so the pool hands out two distinct DBAPI connections.
    with sqlite_store.engine.connect() as first, sqlite_store.engine.connect() as second:
        found = [
            {name: connection.exec_driver_sql(f"PRAGMA {name}").scalar() for name in PRAGMAS}
            for connection in (first, second)
        ]
    expected = {"foreign_keys": 1, "journal_mode": "wal", "synchronous": 2, "busy_timeout": 30_000}
    assert found == [expected, expected]


def test_the_busy_timeout_follows_the_setting(sqlite_path, monkeypatch):
    monkeypatch.setattr(sqlite, "BUSY_TIMEOUT_MS", 250)
    store = Store(f"sqlite:///{sqlite_path}")
    try:
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 250
    finally:
        store.close()


def test_foreign_keys_are_enforced(sqlite_store):
    refused = pytest.raises(IntegrityError, match="FOREIGN KEY constraint failed")
    with refused, sqlite_store.engine.begin() as connection:
        connection.execute(
            tables.head.insert().values(layer_id=99, as_of=dt.date(2024, 8, 10), version_id=99)
        )


def test_a_write_transaction_holds_the_lock_from_its_begin(sqlite_store, sqlite_path):
    other = other_process(sqlite_path)
    try:
        # Nothing is executed in the write transaction: BEGIN IMMEDIATE alone holds the lock.
        with sqlite_store.writing(), pytest.raises(sqlite3.OperationalError, match="database is locked"):
            other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()


def test_a_reader_never_blocks_a_writer_and_keeps_its_snapshot(sqlite_store, sqlite_path):
    other = other_process(sqlite_path)
    try:
        with sqlite_store.engine.connect() as reader, reader.begin():
            count = select(func.count()).select_from(tables.meta)
            assert reader.execute(count).scalar() == 1
            # A commit while a read transaction is open needs WAL (a rollback journal would wait).
            other.execute("BEGIN IMMEDIATE")
            other.execute("INSERT INTO meta (key, value) VALUES ('other', 'x')")
            other.execute("COMMIT")
            assert reader.execute(count).scalar() == 1, "the reader keeps the state it began with"
        with sqlite_store.engine.connect() as reader:
            assert reader.execute(count).scalar() == 2
    finally:
        other.close()


def test_triggers_guard_every_append_only_table_and_are_created_once(sqlite_store):
    with sqlite_store.engine.begin() as connection:
        sqlite.create_triggers(connection)  # as a second process opening the store does
        names = connection.execute(text("select name from sqlite_master where type = 'trigger'")).scalars()
        found = sorted(names)
    assert found == sorted(
        f"{table}_no_{verb}" for table in tables.APPEND_ONLY for verb in ("update", "delete")
    )
