"""PostgreSQL/PostGIS specifics: the extension, one writer at a time, append-only triggers."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Connection

from .tables import APPEND_ONLY

__all__ = ["LOCK_TIMEOUT", "create_extension", "create_triggers", "lock_for_create", "lock_for_write"]

#: Longest wait for another writer before a write gives up, like SQLite's busy_timeout.
LOCK_TIMEOUT = "30s"

# Writers and table creation serialise on transaction-scoped advisory locks keyed by
# the schema, so two stores in one database (one schema each) never wait for each
# other. Locking once per transaction rather than per head row also covers the rows
# that do not exist yet (a new layer, a first snapshot for a date) and the
# ``only_if_empty`` check, which row locks cannot; writes are rare and short.
_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended(CAST(:purpose AS text) || current_schema(), 0))"


def lock_for_write(connection: Connection) -> None:
    """Wait, up to :data:`LOCK_TIMEOUT`, until no other write transaction runs on this schema.

    Called first thing in a write transaction; the lock is released at COMMIT or
    ROLLBACK, or when the server notices that the client died.
    """
    connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    connection.execute(text(_LOCK), {"purpose": "frontline write "})


def lock_for_create(connection: Connection) -> None:
    """Serialise table creation within this schema.

    Two processes opening a new store at once would otherwise both find a table
    missing, and the second CREATE TABLE would fail.
    """
    connection.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
    connection.execute(text(_LOCK), {"purpose": "frontline create "})


def create_extension(connection: Connection) -> None:
    """Install PostGIS in the database unless it is there, so the geometry type exists.

    ``IF NOT EXISTS`` returns before any privilege check, so a role that may not create
    extensions works once a superuser has installed PostGIS.
    """
    connection.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))


def create_triggers(connection: Connection) -> None:
    """Refuse UPDATE, DELETE and TRUNCATE on the append-only tables.

    Statement-level triggers, so that TRUNCATE (which fires no row trigger) is refused
    too. The message names the table and says "append-only", as on SQLite.
    """
    existing = set(
        connection.execute(
            text(
                "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE c.relnamespace = current_schema()::regnamespace AND NOT t.tgisinternal"
            )
        ).scalars()
    )
    wanted = {f"{table}_append_only": table for table in APPEND_ONLY}
    if set(wanted) <= existing:
        return
    connection.execute(
        text(
            "CREATE OR REPLACE FUNCTION frontline_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END$$"
        )
    )
    for name, table in wanted.items():
        if name not in existing:
            connection.execute(
                text(
                    f"CREATE TRIGGER {name} BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} "
                    "FOR EACH STATEMENT EXECUTE FUNCTION frontline_append_only()"
                )
            )
