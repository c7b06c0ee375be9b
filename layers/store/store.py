"""The :class:`Store`: opening a database, creating its tables, and where the default one lives."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

from .. import schema
from ..errors import StoreError
from . import postgis, sqlite, tables
from .layermeta import StoreLayers
from .reads import StoreReads

__all__ = ["DEFAULT_PATH", "Store", "default_url", "embedded_url", "is_embedded_default"]

#: The embedded SQLite file used when ``FRONTLINE_DB`` is not set.
DEFAULT_PATH = Path(__file__).resolve().parents[2] / ".frontline" / "frontline.db"


def embedded_url() -> str:
    """The URL of the embedded SQLite file (``DEFAULT_PATH``)."""
    return f"sqlite:///{DEFAULT_PATH}"


def default_url() -> str:
    """The store the app and the command line use: ``FRONTLINE_DB``, else the embedded file."""
    return os.environ.get("FRONTLINE_DB") or embedded_url()


def is_embedded_default(url: str) -> bool:
    """Whether ``url`` is the embedded file, the only store seeded with the demo data unasked.

    A store the user names (``FRONTLINE_DB``, ``--db``) is theirs: the illustrative demo
    would sit on top of their real data, so it is written there only by ``seed-demo``.
    The embedded file is the one store nobody named, however it is reached.
    """
    return url == embedded_url()


class Store(StoreLayers, StoreReads):
    """A connection to one database holding the project's tables.

    Parameters
    ----------
    url : str, optional
        SQLAlchemy URL; defaults to :func:`default_url`.

    Raises
    ------
    StoreError
        When the URL is not valid, its driver is not installed, or the tables cannot be
        created; the message never shows the database password.
    """

    def __init__(self, url: str | None = None):
        self.url = url or default_url()
        self.display_url = self.url
        try:
            # Messages reach the app's page: never show a database password there.
            self.display_url = make_url(self.url).render_as_string(hide_password=True)
            if self.url.startswith("sqlite:///"):
                Path(self.url.removeprefix("sqlite:///")).expanduser().parent.mkdir(
                    parents=True, exist_ok=True
                )
            # A server may restart under a long-running app: test pooled connections before use.
            self.engine = create_engine(self.url, pool_pre_ping=not self.url.startswith("sqlite"))
        except ImportError as exc:
            raise StoreError(
                f"cannot open the store {self.display_url!r}: {exc}. Install the pinned requirements "
                "(pip install -r requirements.txt), which include the PostgreSQL driver."
            ) from exc
        except (ArgumentError, OSError) as exc:
            raise StoreError(
                f"cannot open the store {self.display_url!r}: {exc}. Set FRONTLINE_DB to a valid "
                "SQLAlchemy URL (sqlite:////path/to/file.db or postgresql://user:password@host/database)."
            ) from exc
        self.dialect = self.engine.dialect.name
        if self.dialect == "sqlite":
            sqlite.configure(self.engine)
        self.create()

    def create(self) -> None:
        """Create missing tables and the append-only triggers (and PostGIS on PostgreSQL).

        Safe when several processes open a new store at once: creation is serialised
        (SQLite's write lock, taken at BEGIN; an advisory lock on PostgreSQL), and a
        SQLite store that has every table already is not locked at all, so opening one
        never waits for a long write.

        Raises
        ------
        StoreError
            When the database refuses; on PostgreSQL the message says what to check.
        """
        try:
            if self.dialect == "sqlite" and sqlite.is_created(self.engine):
                return
            with self.engine.connect() as connection:
                # On SQLite, a transaction that reads the schema and then creates a table
                # cannot wait for another process that is creating it too: the upgrade to
                # a write lock fails at once with "database is locked", whatever the busy
                # timeout. Taking the write lock at BEGIN makes the second process wait.
                connection.execution_options(**{sqlite.WRITE_OPTION: True})
                with connection.begin():
                    if self.dialect == "postgresql":
                        postgis.lock_for_create(connection)
                        postgis.create_extension(connection)
                    tables.metadata.create_all(connection)
                    if self.dialect == "sqlite":
                        sqlite.create_triggers(connection)
                    elif self.dialect == "postgresql":
                        postgis.create_triggers(connection)
                    if _meta(connection, "schema_version") is None:
                        connection.execute(
                            tables.meta.insert().values(
                                key="schema_version", value=str(schema.SCHEMA_VERSION)
                            )
                        )
        except DBAPIError as exc:
            hint = ""
            if self.dialect == "postgresql":
                hint = (
                    " Check that the server is running and the URL's user, password and database are "
                    "right; PostGIS 3 must be installed on the server (Debian: postgresql-15-postgis-3) "
                    "and, unless the user may create extensions, a superuser must first run CREATE "
                    "EXTENSION postgis in that database."
                )
            raise StoreError(
                f"cannot create the tables in {self.display_url!r}: {_sentence(exc.orig)}{hint}"
            ) from exc

    def close(self) -> None:
        """Close the pooled connections; the store can still be used, and reconnects."""
        self.engine.dispose()


def _meta(connection: Connection, key: str) -> str | None:
    return connection.execute(select(tables.meta.c.value).where(tables.meta.c.key == key)).scalar()


def _sentence(error: BaseException | None) -> str:
    """A driver's multi-line error message as one sentence."""
    words = " ".join(str(error).split())
    return words if words.endswith((".", "?", "!")) else f"{words}."
