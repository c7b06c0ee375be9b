"""A GeoPackage upload inspected with SQLite itself, read-only and under limits, before GDAL reads it.

A GeoPackage is an SQLite database, so an upload can hold SQL that runs when it is read:
a feature "table" that is a recursive view kept pyogrio busy past 120 s, and one whose
view builds large blobs reached 5.3 GB. And GDAL trusts the file's own bookkeeping: a
``gpkg_ogr_contents`` row saying 1 feature made it read 1 of 150 polygons, silently.

So before GDAL opens the file, :func:`inspect` opens it with Python's ``sqlite3``:

- read-only (``mode=ro``), ``query_only``, ``trusted_schema`` off, extension loading off
  (Python's default, kept), and SQLite's own limits lowered: value length
  (:data:`MAX_VALUE_BYTES`), SQL length, expression depth, attached databases;
- a progress handler that aborts any statement after :data:`MAX_SECONDS`;
- the one table registered as ``features`` in ``gpkg_contents`` must be a real table;
  views anywhere in the file, and triggers other than GeoPackage's and GDAL's own
  bookkeeping ones, are refused with a message (they could only run on a write, which
  never happens, but no honest export needs them and each is a way to make a read costly);
- the table's rows are counted and compared with ``gpkg_ogr_contents``; a file whose
  count disagrees is refused as inconsistent rather than read in part.

GDAL then reads only that table, inside the bounded child process of :mod:`layers.sandbox`.
"""

from __future__ import annotations

import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from .problems import MAX_FEATURES

__all__ = ["MAX_SECONDS", "MAX_VALUE_BYTES", "FeatureTable", "GeoPackageRefused", "inspect"]

#: Longest value (text or blob) SQLite will build while the file is inspected.
MAX_VALUE_BYTES = 20 * 1024 * 1024
#: Time any one inspection may take.
MAX_SECONDS = 10.0
#: Triggers GeoPackage's spec and GDAL create (spatial index, feature counts, metadata).
_OWN_TRIGGERS = re.compile(
    r"^(rtree_.+_(insert\d*|update\d+|delete)|gpkg_.+|trigger_(insert|delete)_feature_count_.+)$"
)


class GeoPackageRefused(Exception):
    """The file is refused; the message, shown after ``File:``, says why and what to do."""


@dataclass(frozen=True)
class FeatureTable:
    """The feature table GDAL may read, and how many rows it holds."""

    name: str
    rows: int


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def inspect(path: Path) -> FeatureTable:
    """Check a GeoPackage's structure; the feature table to read.

    Raises
    ------
    GeoPackageRefused
        For a view, an unknown trigger, no or several feature tables, a count that
        disagrees with the table, too many features, or a file SQLite cannot read
        within its limits.
    """
    deadline = time.monotonic() + MAX_SECONDS
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1)
    except sqlite3.Error:
        raise GeoPackageRefused("could not be opened as a GeoPackage; export it again from QGIS.") from None
    try:
        connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
        connection.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, 100_000)
        connection.setlimit(sqlite3.SQLITE_LIMIT_EXPR_DEPTH, 100)
        connection.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
        connection.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        connection.execute("PRAGMA query_only = ON")
        connection.execute("PRAGMA trusted_schema = OFF")
        return _feature_table(connection)
    except sqlite3.Error as error:
        if "interrupted" in str(error):
            raise GeoPackageRefused(
                f"took more than {MAX_SECONDS:g} s to inspect; it is not a plain GeoPackage. Export the "
                "layer again from QGIS (Save As, GeoPackage)."
            ) from None
        raise GeoPackageRefused(
            "could not be read as GeoPackage: the file is damaged or not GeoPackage. Open it in QGIS or "
            "Google Earth and export it again."
        ) from None
    finally:
        connection.close()


def _feature_table(connection: sqlite3.Connection) -> FeatureTable:
    schema = connection.execute("SELECT type, name FROM sqlite_master").fetchall()
    kinds = {name: kind for kind, name in schema}
    views = sorted(name for kind, name in schema if kind == "view")
    if views:
        raise GeoPackageRefused(
            f"holds SQL views ({', '.join(map(repr, views[:5]))}), which the app does not read: a view runs "
            "SQL when read. Export the layer as a plain table (QGIS: Save As, GeoPackage)."
        )
    triggers = sorted(name for kind, name in schema if kind == "trigger" and not _OWN_TRIGGERS.match(name))
    if triggers:
        raise GeoPackageRefused(
            f"holds SQL triggers that are not GeoPackage's own ({', '.join(map(repr, triggers[:5]))}); "
            "the app does not read files with custom SQL. Export the layer again from QGIS (Save As, "
            "GeoPackage)."
        )
    if kinds.get("gpkg_contents") != "table":
        raise GeoPackageRefused("has no gpkg_contents table, so it is not a GeoPackage; export it again.")
    tables = [
        str(row[0])
        for row in connection.execute("SELECT table_name FROM gpkg_contents WHERE data_type = 'features'")
    ]
    if not tables:
        raise GeoPackageRefused("holds no layer with geometry; export the layer with its geometry column.")
    if len(tables) > 1:
        raise GeoPackageRefused(
            f"holds {len(tables)} layers with geometry ({', '.join(map(repr, tables[:10]))}); the app reads "
            "one layer per file. Save the layer you mean as its own GeoPackage."
        )
    name = tables[0]
    if kinds.get(name) != "table":
        raise GeoPackageRefused(
            f"registers {name!r} as its features, but there is no such table; export the layer again."
        )
    rows = int(connection.execute(f"SELECT COUNT(*) FROM {_quoted(name)}").fetchone()[0])  # noqa: S608
    if rows > MAX_FEATURES:
        raise GeoPackageRefused(
            f"holds {rows:,} features in layer {name!r}; the limit is {MAX_FEATURES:,}. Split the file."
        )
    if kinds.get("gpkg_ogr_contents") == "table":
        declared = connection.execute(
            "SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = ?", (name,)
        ).fetchone()
        if declared is not None and declared[0] is not None and int(declared[0]) != rows:
            raise GeoPackageRefused(
                f"says it holds {int(declared[0]):,} feature(s) in layer {name!r} (gpkg_ogr_contents) while "
                f"the table holds {rows:,}; reading it would lose features. The file is inconsistent: "
                "open it in QGIS and save it again."
            )
    return FeatureTable(name, rows)
