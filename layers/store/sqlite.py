"""SQLite specifics: pragmas, write transactions that lock at BEGIN, append-only triggers."""

from __future__ import annotations

import sqlite3

from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import ConnectionPoolEntry

from .tables import APPEND_ONLY, metadata

__all__ = ["BUSY_TIMEOUT_MS", "WRITE_OPTION", "configure", "create_triggers", "is_created"]

#: Execution option set on write connections (see ``Store.writing``).
WRITE_OPTION = "frontline_write"

#: Longest wait for another writer's lock before a statement fails with "database is locked".
BUSY_TIMEOUT_MS = 30_000


def configure(engine: Engine) -> None:
    """Make every connection of ``engine`` safe for several readers and one writer.

    pysqlite's own transaction handling starts transactions lazily and as DEFERRED,
    so two writers could both read a stale head and one fails later with "database is
    locked"; ``BEGIN IMMEDIATE`` takes the write lock up front instead.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # The timeout first: switching a new file to WAL takes a lock another process may hold.
        cursor.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_MS)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # Readers begin DEFERRED so they never wait for the write lock (WAL).
        immediate = connection.get_execution_options().get(WRITE_OPTION)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def create_triggers(connection: Connection) -> None:
    """Refuse UPDATE and DELETE on the append-only tables."""
    for table in APPEND_ONLY:
        for verb in ("UPDATE", "DELETE"):
            connection.execute(
                text(
                    f"CREATE TRIGGER IF NOT EXISTS {_trigger(table, verb)} "
                    f"BEFORE {verb} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
                )
            )


def is_created(engine: Engine) -> bool:
    """Whether every table and trigger of the store exists, read without waiting for a writer (WAL)."""
    wanted = set(metadata.tables) | {_trigger(t, verb) for t in APPEND_ONLY for verb in ("UPDATE", "DELETE")}
    with engine.connect() as connection:
        found = set(connection.exec_driver_sql("SELECT name FROM sqlite_master").scalars())
    return wanted <= found


def _trigger(table: str, verb: str) -> str:
    return f"{table}_no_{verb.lower()}"
