"""Hostile uploads, each made by a generator: small ones are written here, large ones at test time.

Each :class:`Case` is a file (name and bytes, or a GeoPackage built with GDAL then edited
with SQLite), the import options to use, and the words its refusal must contain. The
corpus test (``test_corpus.py``) runs each through ``python -m layers import`` in a
subprocess. New cases go at the end of :func:`cases`; the findings of issue 13 come
first, in its order, then older defences kept true, then cases of our own.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import sqlite3
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely

#: A valid territory polygon near Kursk: what every case wraps its poison in.
SQUARE = [[35.0, 51.0], [35.2, 51.0], [35.2, 51.2], [35.0, 51.2], [35.0, 51.0]]
PROPERTIES = {"held_by": "UA", "status": "held", "source": "corpus"}


@dataclass(frozen=True)
class Case:
    """One hostile upload: ``make(folder)`` writes the file and returns its path."""

    name: str
    make: Callable[[Path], Path]
    expected: str
    options: tuple[str, ...] = field(default_factory=tuple)


def geojson(properties: dict | None = None, coordinates=None, geometry_type: str = "Polygon") -> bytes:
    feature = {
        "type": "Feature",
        "properties": PROPERTIES if properties is None else properties,
        "geometry": {"type": geometry_type, "coordinates": coordinates or [SQUARE]},
    }
    return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()


def _file(name: str, content: Callable[[], bytes]) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(content())
        return path

    return make


def multi_member_gzip(megabytes: int = 19) -> bytes:
    """A valid GeoJSON followed by a million one-space gzip members (quadratic before: 815 s)."""
    member = gzip.compress(b" ", mtime=0)
    return gzip.compress(geojson(), mtime=0) + member * (megabytes * 1024 * 1024 // len(member))


def kml_with_folders(folders: int = 200_000) -> bytes:
    """Gzipped KML of many empty folders (before: 65 s and 1.75 GB, then refused)."""
    body = b"<Folder><name>f</name></Folder>" * folders
    placemark = (
        b"<Placemark><name>zone</name><Polygon><outerBoundaryIs><LinearRing><coordinates>"
        b"35,51 35.2,51 35.2,51.2 35,51.2 35,51</coordinates></LinearRing></outerBoundaryIs></Polygon>"
        b"</Placemark>"
    )
    document = b'<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
    return gzip.compress(document + placemark + body + b"</Document></kml>", mtime=0)


def amplified_geojson(megabytes: int = 45) -> bytes:
    """A small gzip whose JSON is nearly all two-number positions: 1.5 GB parsed (before: accepted)."""
    head = b'{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":'
    head += b'{"type":"LineString","coordinates":['
    count = megabytes * 1024 * 1024 // 6
    body = b"[0,0]," * count + b"[0,0]"
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    return (
        compressor.compress(head)
        + compressor.compress(body)
        + compressor.compress(b"]}}]}")
        + compressor.flush()
    )


def gzip_of_zeros(megabytes: int = 500) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1024 * 1024)
    return b"".join([*(compressor.compress(zeros) for _ in range(megabytes)), compressor.flush()])


def geopackage_case(
    name: str, rows: int, edit: Callable[[sqlite3.Connection], None]
) -> Callable[[Path], Path]:
    """A GeoPackage written by GDAL (layer ``zones``, ``rows`` squares), then edited with SQLite."""

    def make(folder: Path) -> Path:
        path = folder / name
        squares = [shapely.box(35 + i * 0.001, 51, 35.0005 + i * 0.001, 51.2) for i in range(rows)]
        frame = gpd.GeoDataFrame(
            {"held_by": ["UA"] * rows, "status": ["held"] * rows, "source": ["corpus"] * rows},
            geometry=squares,
            crs="EPSG:4326",
        )
        pyogrio.write_dataframe(frame, path, layer="zones", driver="GPKG")
        connection = sqlite3.connect(path)
        try:
            edit(connection)
            connection.commit()
        finally:
            connection.close()
        return path

    return make


def replace_with_view(select: str) -> Callable[[sqlite3.Connection], None]:
    def edit(connection: sqlite3.Connection) -> None:
        connection.execute("DROP TABLE zones")
        connection.execute(f"CREATE VIEW zones AS {select}")

    return edit


RECURSIVE = (
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
    "SELECT n AS fid, NULL AS geom, 'UA' AS held_by, 'held' AS status, 'x' AS source FROM r"
)
BLOBS = (
    "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 100) "
    "SELECT n AS fid, randomblob(100000000) AS geom, 'UA' AS held_by, 'held' AS status, 'x' AS source FROM r"
)
EXTENSION = (
    "SELECT 1 AS fid, load_extension('/tmp/evil') AS geom, 'UA' AS held_by, 'held' AS status, 'x' AS source"
)


def _lie_about_count(connection: sqlite3.Connection) -> None:
    connection.execute("UPDATE gpkg_ogr_contents SET feature_count = 1 WHERE table_name = 'zones'")


def _custom_trigger(connection: sqlite3.Connection) -> None:
    connection.execute("CREATE TABLE log (x)")
    connection.execute(
        "CREATE TRIGGER audit_zones AFTER INSERT ON zones BEGIN INSERT INTO log VALUES (1); END"
    )


def _kml(body: bytes) -> bytes:
    return b'<?xml version="1.0"?>' + body


BILLION_LAUGHS = _kml(
    b'<!DOCTYPE kml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
    b'<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>&d;</name></Document></kml>'
)
XXE = _kml(
    b'<!DOCTYPE kml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>&x;</name></Document></kml>'
)


def _events(occurred_on: str) -> bytes:
    feature = {
        "type": "Feature",
        "properties": {"kind": "strike", "occurred_on": occurred_on, "source": "corpus"},
        "geometry": {"type": "Point", "coordinates": [35.1, 51.1]},
    }
    return json.dumps({"type": "FeatureCollection", "features": [feature]}).encode()


def _wide_property() -> bytes:
    return geojson({**PROPERTIES, "style": {f"k{i}": i for i in range(50_000)}})


def _many_features(count: int = 25_000) -> bytes:
    features = [
        {"type": "Feature", "properties": PROPERTIES, "geometry": {"type": "Point", "coordinates": [35, 51]}}
        for _ in range(count)
    ]
    return gzip.compress(json.dumps({"type": "FeatureCollection", "features": features}).encode(), mtime=0)


def cases() -> list[Case]:
    """Every case, in a stable order (the ids of the parametrised test)."""
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    return [
        # Issue 13's findings, in its order.
        Case(
            "multi-member-gzip-19mb", _file("kursk-2024-11-25.geojson.gz", multi_member_gzip), "gzip members"
        ),
        Case(
            "gpkg-recursive-view",
            geopackage_case("kursk-2024-11-25.gpkg", 3, replace_with_view(RECURSIVE)),
            "views",
        ),
        Case(
            "gpkg-blob-view", geopackage_case("kursk-2024-11-25.gpkg", 3, replace_with_view(BLOBS)), "views"
        ),
        Case("kml-200k-folders-gzipped", _file("kursk-2024-11-25.kml.gz", kml_with_folders), "folders"),
        Case(
            "geojson-parses-to-1.5gb", _file("kursk-2024-11-25.geojson.gz", amplified_geojson), "JSON arrays"
        ),
        Case(
            "lone-surrogate",
            _file(
                "kursk-2024-11-25.geojson",
                lambda: geojson({**PROPERTIES, "source": "\ud800"}),
            ),
            "lone surrogate",
        ),
        Case("name-not-utf8", _file("kursk-\udcff-2024-11-25.geojson", geojson), "not valid UTF-8"),
        Case(
            "nul-in-string",
            _file("kursk-2024-11-25.geojson", lambda: geojson({**PROPERTIES, "source": "a\x00b"})),
            "NUL",
        ),
        Case("date-0001-01-01-in-name", _file("kursk-0001-01-01.geojson", geojson), "before 1900-01-01"),
        Case("date-9999-12-31-in-name", _file("kursk-9999-12-31.geojson", geojson), "in the future"),
        Case("as-of-0001-01-01", _file("kursk.geojson", geojson), "--as-of", ("--as-of", "0001-01-01")),
        Case(
            "gpkg-count-lies",
            geopackage_case("kursk-2024-11-25.gpkg", 150, _lie_about_count),
            "gpkg_ogr_contents",
        ),
        Case("two-dates-in-name", _file("kursk-v2-2024-1201-2024-11-25.geojson", geojson), "ambiguous"),
        Case(
            "layer-name-8000",
            _file("kursk-2024-11-25.geojson", geojson),
            "layer name",
            ("--layer", "L" * 8000),
        ),
        Case(
            "layer-name-300", _file("kursk-2024-11-25.geojson", geojson), "layer name", ("--layer", "L" * 300)
        ),
        # Defences that held before, kept true.
        Case("kml-billion-laughs", _file("kursk-2024-11-25.kml", lambda: BILLION_LAUGHS), "ENTITY"),
        Case("kml-xxe", _file("kursk-2024-11-25.kml", lambda: XXE), "ENTITY"),
        Case("gzip-bomb-500mb", _file("kursk-2024-11-25.geojson.gz", gzip_of_zeros), "inflates to more than"),
        Case(
            "gzip-twice",
            _file("kursk-2024-11-25.geojson.gz", lambda: gzip.compress(gzip.compress(geojson()))),
            "gzipped twice",
        ),
        Case(
            "json-nested-100k",
            _file("kursk-2024-11-25.geojson", lambda: b"[" * 100_000 + b"]" * 100_000),
            "nested too deeply",
        ),
        Case(
            "gpkg-load-extension-view",
            geopackage_case("kursk-2024-11-25.gpkg", 1, replace_with_view(EXTENSION)),
            "views",
        ),
        # Our own.
        Case("gpkg-custom-trigger", geopackage_case("kursk-2024-11-25.gpkg", 2, _custom_trigger), "triggers"),
        Case(
            "event-date-9999",
            _file("strikes-2024-11-25.geojson", lambda: _events("9999-12-31")),
            "in the future",
            ("--kind", "events"),
        ),
        Case(
            "event-date-next-month",
            _file("strikes-2024-11-25.geojson", lambda: _events(future)),
            "in the future",
            ("--kind", "events"),
        ),
        Case("file-dated-next-month", _file(f"kursk-{future}.geojson", geojson), "in the future"),
        Case("property-with-50k-keys", _file("kursk-2024-11-25.geojson", _wide_property), "items"),
        Case(
            "coordinate-1e999",
            _file("kursk-2024-11-25.geojson", lambda: geojson().replace(b"35.2", b"1e999", 1)),
            "too large",
        ),
        Case("25k-points-gzipped", _file("kursk-2024-11-25.geojson.gz", _many_features), "limit is 20,000"),
    ]
