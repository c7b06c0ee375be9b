"""Uploads in every accepted format become the same dict; bombs, archives and strangers are refused."""

from __future__ import annotations

import gzip
import io
import json
import sqlite3
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from layers import formats
from layers.formats import MAX_DECOMPRESSED_MB, decode, nesting_depth
from layers.validation import validate

DATA = Path(__file__).resolve().parent / "data"
GOOD = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "geometry": {
                "type": "Polygon",
                "coordinates": [[[35.0, 51.0], [35.2, 51.0], [35.2, 51.2], [35.0, 51.0]]],
            },
            "properties": {"held_by": "UA", "status": "held", "source": "test"},
        }
    ],
}
GOOD_BYTES = json.dumps(GOOD).encode()


def errors(problems) -> str:
    return "\n".join(p.message for p in problems if p.severity == "error")


def gzip_of_zeros(megabytes: int) -> bytes:
    """A gzip bomb built in memory 1 MiB at a time: ``megabytes`` MiB of zeros, ~1 KB per MiB."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = bytes(1024 * 1024)
    return b"".join([*(compressor.compress(zeros) for _ in range(megabytes)), compressor.flush()])


# --- GeoJSON and gzip ------------------------------------------------------------


def test_geojson_is_parsed_as_is():
    document, problems = decode(GOOD_BYTES, "a.geojson")
    assert document == GOOD and problems == []


def test_gzipped_geojson_is_decoded_by_its_magic_bytes_not_its_name():
    document, problems = decode(gzip.compress(GOOD_BYTES), "no-extension")
    assert document == GOOD and problems == []
    assert validate(gzip.compress(GOOD_BYTES), name="a.geojson.gz").ok


def test_concatenated_gzip_members_are_read_like_gzip_does():
    half = len(GOOD_BYTES) // 2
    raw = gzip.compress(GOOD_BYTES[:half]) + gzip.compress(GOOD_BYTES[half:])
    assert decode(raw, "a.gz")[0] == GOOD


def test_gzip_bomb_is_refused_with_bounded_memory():
    bomb = gzip_of_zeros(MAX_DECOMPRESSED_MB + 10)
    assert len(bomb) < 100_000
    tracemalloc.start()
    try:
        document, problems = decode(bomb, "bomb.geojson.gz")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert document is None
    assert f"inflates to more than {MAX_DECOMPRESSED_MB} MB, the limit for compressed uploads" in errors(
        problems
    )
    # The output buffer (the limit, plus bytearray growth) and one 1 MiB step; never the whole bomb.
    assert peak < (MAX_DECOMPRESSED_MB + 16) * 1024 * 1024


def test_gzip_limit_is_the_limit():
    assert formats.gunzip(gzip_of_zeros(2), limit_mb=2) == bytes(2 * 1024 * 1024)
    with pytest.raises(formats.UploadRefused, match="inflates to more than 1 MB"):
        formats.gunzip(gzip_of_zeros(2), limit_mb=1)


@pytest.mark.parametrize(
    "raw, expected",
    [
        (gzip.compress(GOOD_BYTES)[:-12], "truncated gzip file"),
        (gzip.compress(GOOD_BYTES)[:10] + b"\xff" * 40, "not a valid gzip file (it is damaged)"),
        (gzip.compress(gzip.compress(GOOD_BYTES)), "gzipped twice"),
        (gzip.compress(GOOD_BYTES) + b"junk", "data after the end of the gzip stream"),
    ],
)
def test_damaged_gzip(raw, expected):
    document, problems = decode(raw, "a.gz")
    assert document is None and expected in errors(problems)


# --- refused containers and strangers ------------------------------------------


def test_zip_and_kmz_are_refused_with_what_to_do():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("doc.kml", (DATA / "sector-no-status.kml").read_bytes())
    document, problems = decode(buffer.getvalue(), "sector.kmz")
    assert document is None
    assert (
        "is a zip archive (a KMZ or a zipped shapefile, for example); the app does not open archives. "
        "Unzip it" in errors(problems)
    )


@pytest.mark.parametrize(
    "raw, expected",
    [
        (b"%PDF-1.7 ...", "it looks like a PDF document"),
        (b"\x00\x00\x27\x0a" + bytes(96), "it looks like a shapefile (.shp)"),
        (b"date,title,source\n2025-01-20,x,y\n", "it starts with 'date,title,source\\n2025-0'"),
        (bytes(range(1, 40)), "it is binary data"),
        (b"<?xml version='1.0'?><gpx></gpx>", "is XML but not KML"),
        (b"\xfe\xff\x00{", "is UTF-16 encoded, not UTF-8"),
        (b"SQLite format 3\x00" + bytes(200), "is an SQLite database but not a GeoPackage"),
        (b" \n\t ", "is empty"),
    ],
)
def test_other_files_are_refused_saying_what_they_look_like(raw, expected):
    document, problems = decode(raw, "upload.geojson")
    assert document is None and expected in errors(problems)
    assert (
        "upload GeoJSON" in errors(problems)
        or "not a GeoPackage" in errors(problems)
        or "UTF-16" in errors(problems)
    )


def test_size_limit_applies_before_anything_else():
    document, problems = decode(b" " * (20 * 1024 * 1024 + 1), "big.geojson")
    assert document is None and "the limit is 20 MB" in errors(problems)


# --- JSON ------------------------------------------------------------------------


def test_nesting_depth_ignores_brackets_inside_strings():
    assert nesting_depth(b'{"a": [[1]]}') == 3
    assert nesting_depth(b'{"a": "[[[[[[[[", "b": "\\"[[[[", "c": [{}]}') == 3
    assert nesting_depth(b"[" * 70_000 + b"]" * 70_000) == 70_000


def test_json_errors_name_line_and_column():
    document, problems = decode(b'{\n  "type": "FeatureCollection",\n  "features": [,]\n}', "a.json")
    assert document is None and "is not valid JSON at line 3, column 16: expecting value" in errors(problems)


# --- KML and GeoPackage through GDAL ---------------------------------------------


def test_kml_becomes_a_feature_collection_and_passes_the_same_checks():
    raw = (DATA / "sector-no-status.kml").read_bytes()
    document, problems = decode(raw, "sector.kml")
    [feature] = document["features"]
    assert document["type"] == "FeatureCollection" and feature["geometry"]["type"] == "Polygon"
    assert feature["properties"]["held_by"] == "UA" and feature["properties"]["Name"] == "Sector North"
    assert not set(feature["properties"]) & {"tessellate", "extrude", "visibility", "altitudeMode"}
    assert not [p for p in problems if p.severity == "error"]
    report = validate(raw, name="sector.kml")
    assert "Feature 0: status: is missing" in report.summary()
    assert validate(raw, name="sector.kml", defaults={"status": "held"}).ok


def write_geopackage(path, frames: dict) -> bytes:
    for layer, frame in frames.items():
        frame.to_file(path, driver="GPKG", layer=layer)
    return path.read_bytes()


def test_geopackage_in_another_crs_is_converted_to_wgs84_with_a_warning(tmp_path):
    box = shapely.box(35.0, 51.0, 35.2, 51.2)
    frame = gpd.GeoDataFrame(
        {"held_by": ["UA"], "status": ["held"], "source": ["test"]}, geometry=[box], crs="EPSG:4326"
    ).to_crs("EPSG:32636")
    raw = write_geopackage(tmp_path / "utm.gpkg", {"territory": frame})
    document, problems = decode(raw, "utm.gpkg")
    assert [p.message for p in problems] == [
        "was in WGS 84 / UTM zone 36N (EPSG:32636); it was converted to WGS84 longitude/latitude (EPSG:4326)."
    ]
    read = shapely.from_geojson(json.dumps(document["features"][0]["geometry"]))
    assert read.bounds == pytest.approx(box.bounds, abs=1e-6)
    report = validate(raw, name="utm.gpkg")
    assert report.ok and report.features.geometry.iloc[0].bounds == pytest.approx(box.bounds, abs=1e-6)
    assert [p.severity for p in report.problems if "converted" in p.message] == ["warning"]


def test_geopackage_with_several_layers_is_refused_naming_them(tmp_path):
    frame = gpd.GeoDataFrame({"held_by": ["UA"]}, geometry=[shapely.box(35, 51, 35.2, 51.2)], crs="EPSG:4326")
    raw = write_geopackage(tmp_path / "two.gpkg", {"kursk": frame, "donbas": frame})
    document, problems = decode(raw, "two.gpkg")
    assert (
        document is None
        and "holds 2 layers with geometry ('kursk', 'donbas'); the app reads one layer per file"
        in errors(problems)
    )


def test_damaged_geopackage_is_refused_without_gdal_internals(tmp_path):
    frame = gpd.GeoDataFrame({"held_by": ["UA"]}, geometry=[shapely.box(35, 51, 35.2, 51.2)], crs="EPSG:4326")
    raw = write_geopackage(tmp_path / "ok.gpkg", {"territory": frame})
    document, problems = decode(raw[:1024] + bytes(len(raw) - 1024), "broken.gpkg")
    assert document is None and errors(problems) == (
        "could not be read as GeoPackage: the file is damaged or not GeoPackage. Open it in QGIS or Google "
        "Earth and export it again."
    )


def test_sqlite_database_that_is_no_geopackage_is_refused(tmp_path):
    path = tmp_path / "plain.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE t (x)")
    document, problems = decode(path.read_bytes(), "plain.gpkg")
    assert document is None and "not a GeoPackage" in errors(problems)


def test_the_uploaded_name_is_never_used_as_a_path(monkeypatch):
    seen = []
    real = pyogrio.read_dataframe

    def spy(path, *args, **kwargs):
        seen.append(Path(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(pyogrio, "read_dataframe", spy)
    document, _ = decode((DATA / "sector-no-status.kml").read_bytes(), "../../../etc/cron.d/evil.kml")
    assert document["features"]
    [path] = seen
    assert path.name == "upload.kml" and path.parent.name.startswith("frontline-upload-")
    assert not path.parent.exists(), "the private temporary directory is removed after reading"


@pytest.mark.parametrize(
    "doctype",
    [
        '<!DOCTYPE kml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>',
        '<!DOCTYPE kml [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>',
    ],
    ids=["external-entity", "entity-expansion"],
)
def test_kml_declaring_xml_entities_is_refused_before_gdal(doctype, monkeypatch):
    monkeypatch.setattr(pyogrio, "list_layers", lambda *a, **k: pytest.fail("GDAL must not see the file"))
    kml = (
        (DATA / "sector-no-status.kml")
        .read_text()
        .replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0"?>' + doctype)
    )
    document, problems = decode(
        kml.replace("Sector North", "&secret;" if "SYSTEM" in doctype else "&c;").encode(), "x.kml"
    )
    assert (
        document is None
        and "declares XML entities (<!ENTITY ...>), which the app does not read" in errors(problems)
    )
