"""Storage of layers, snapshot versions, areas, reported figures and milestones.

One interface, :class:`Store`, over SQLAlchemy. The embedded SQLite file is the
default; ``FRONTLINE_DB`` (a SQLAlchemy URL) selects another database, e.g.
``postgresql://user:password@host/db`` for PostgreSQL with PostGIS. Only this package
talks to the database.

Editors commit with optimistic concurrency: they preview against the current version
of a layer and date (:meth:`Store.head_version`) and pass it back as ``expected_heads``;
a commit made after someone else's is refused with :class:`~layers.errors.ConflictError`.
Writes are serialised (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL),
so the check and the write see the same head.

The modules, by job: :mod:`.tables` (the schema), :mod:`.store` (opening a store),
:mod:`.writes` and :mod:`.versions` (transactions and the rows of a new version),
:mod:`.reads`, :mod:`.rows` (snapshots, areas and figures as rows), and the
database specifics in :mod:`.sqlite` and :mod:`.postgis`.
"""

from . import postgis, sqlite, tables
from .reads import LayerInfo
from .rows import AreaRow, NewSnapshot, computed_area_rows
from .store import DEFAULT_PATH, Store, default_url, embedded_url, is_embedded_default

__all__ = [
    "AreaRow",
    "DEFAULT_PATH",
    "LayerInfo",
    "NewSnapshot",
    "Store",
    "computed_area_rows",
    "default_url",
    "embedded_url",
    "is_embedded_default",
    "postgis",
    "sqlite",
    "tables",
]
