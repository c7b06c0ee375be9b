"""Uploaded bytes -> a GeoJSON-like dict: the container, encoding and JSON stages of validation.

Editors upload GeoJSON, gzipped GeoJSON, KML or GeoPackage. Whatever the format, the
result is the same kind of dict (a FeatureCollection, a Feature or a geometry), so the
structural checks of :mod:`layers.validation` run on every upload alike.

Each stage is bounded, because every uploaded byte is hostile until checked:

- the format is told by the file's first bytes, never by its name or extension;
- gzip is inflated in 1 MiB steps and refused past :data:`MAX_DECOMPRESSED_MB`, so a
  compression bomb costs at most that much memory (``gzip.decompress`` would inflate
  it whole; GDAL's ``/vsigzip/`` has no cap either), in linear time whatever its
  members (:mod:`layers.decoding`, re-exported here);
- JSON is parsed strictly (:mod:`layers.decoding`): UTF-8 only, no NaN/Infinity
  literals, no duplicate keys, no integers of more than :data:`MAX_INTEGER_DIGITS`
  digits, at most :data:`MAX_DEPTH` levels of nesting, and no more arrays, objects,
  strings and values than a file within the limits holds, all checked by scans of the
  text before parsing (CPython's parser would otherwise die in a RecursionError, or
  turn 45 MB of ``[0,0],`` into 1.5 GB of objects). A float too large for a double (``1e400``) parses as
  infinity, which the coordinate and property checks of :mod:`layers.validation` refuse,
  because a parser hook per number would slow the parse of every upload (see
  ``benchmarks/README.md``);
- KML and GeoPackage go through GDAL (pyogrio) from a private temporary directory under
  a generated name: the uploaded name is never used as a path;
- KML declaring XML entities (external files, "billion laughs"), or with more than
  :data:`MAX_KML_FOLDERS` folders or :data:`MAX_FEATURES` placemarks, is refused before GDAL;
- a GeoPackage is inspected with SQLite, read-only and under limits
  (:mod:`layers.geopackage`), before GDAL reads its one feature table;
- zip archives (and KMZ) and anything unrecognised are refused with a message saying
  what to upload instead.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Collection
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors
import pyproj
import shapely

from . import geopackage
from .decoding import (
    CHUNK_BYTES,
    MAX_DECOMPRESSED_MB,
    MAX_DEPTH,
    MAX_GZIP_MEMBERS,
    MAX_INTEGER_DIGITS,
    MAX_JSON_ARRAYS,
    MAX_JSON_OBJECTS,
    MAX_JSON_STRINGS,
    MAX_JSON_VALUES,
    UploadRefused,
    gunzip,
    nesting_depth,
    parse_json,
)
from .problems import MAX_FEATURES, MAX_FILE_MB, Problem

#: KML folders accepted (GDAL reads each as a layer of its own).
MAX_KML_FOLDERS = 1_000

ACCEPTED = "GeoJSON (.geojson or .json, optionally gzipped as .gz), KML (.kml) or GeoPackage (.gpkg)"

_GZIP = b"\x1f\x8b"
_ZIP = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
_SQLITE = b"SQLite format 3\x00"
#: GeoPackage application_id values (offset 68 of the SQLite header).
_GEOPACKAGE_IDS = (b"GPKG", b"GP10", b"GP11")
_UTF8_BOM = b"\xef\xbb\xbf"
_OTHER_BOMS = {
    b"\x00\x00\xfe\xff": "UTF-32",
    b"\xff\xfe\x00\x00": "UTF-32",
    b"\xff\xfe": "UTF-16",
    b"\xfe\xff": "UTF-16",
}
#: First bytes of files editors upload by mistake, for saying what they uploaded.
_KNOWN_OTHERS = {
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\x00\x00\x27\x0a": "a shapefile (.shp); export it as GeoJSON or GeoPackage",
    b"7z\xbc\xaf": "a 7-Zip archive",
    b"Rar!": "a RAR archive",
}
#: Columns GDAL's KML drivers add for KML's own display settings; not data.
_KML_DISPLAY_COLUMNS = {
    "timestamp",
    "begin",
    "end",
    "altitudeMode",
    "tessellate",
    "extrude",
    "visibility",
    "drawOrder",
    "icon",
    "snippet",
}
_GDAL_ERRORS = (
    pyogrio.errors.DataSourceError,
    pyogrio.errors.DataLayerError,
    pyogrio.errors.GeometryError,
    pyogrio.errors.FieldError,
    pyogrio.errors.FeatureError,
    OSError,
)


def decode(raw: bytes, file_name: str) -> tuple[object, list[Problem]]:
    """Turn an uploaded file into a GeoJSON-like dict.

    Parameters
    ----------
    raw : bytes
        The uploaded bytes.
    file_name : str
        The name the file was uploaded under; used in messages only, never as a path.

    Returns
    -------
    document : dict or None
        The parsed GeoJSON document, or a FeatureCollection built from a KML or
        GeoPackage file (properties as read, geometries in WGS84 longitude/latitude);
        None when the file cannot be read, and then ``problems`` holds an error. JSON
        text that holds an array rather than an object is returned as parsed, for the
        structure checks to name.
    problems : list of Problem
        Errors, and warnings such as a removed byte-order mark or a coordinate
        system converted to EPSG:4326.
    """
    problems: list[Problem] = []
    try:
        document = _decode(raw, file_name, problems, compressed=False)
    except UploadRefused as refusal:
        problems.append(Problem("error", "File", "", str(refusal), "format"))
        return None, problems
    return document, problems


def _decode(raw: bytes | bytearray, file_name: str, problems: list[Problem], compressed: bool) -> object:
    if not compressed and len(raw) > MAX_FILE_MB * 1024 * 1024:
        raise UploadRefused(
            f"is {len(raw) / 2**20:.1f} MB; the limit is {MAX_FILE_MB} MB. Split it by date or simplify it."
        )
    if not raw.strip():
        raise UploadRefused(f"is empty; upload {ACCEPTED}.")
    if raw.startswith(_GZIP):
        if compressed:
            raise UploadRefused("is gzipped twice; decompress it once and upload the result.")
        return _decode(gunzip(raw), file_name.removesuffix(".gz"), problems, compressed=True)
    if raw.startswith(_ZIP):
        raise UploadRefused(
            "is a zip archive (a KMZ or a zipped shapefile, for example); the app does not open archives. "
            "Unzip it and upload the GeoJSON, KML or GeoPackage inside (a KMZ can be saved as KML from "
            "Google Earth or QGIS)."
        )
    if raw.startswith(_SQLITE):
        if raw[68:72] not in _GEOPACKAGE_IDS:
            raise UploadRefused(
                "is an SQLite database but not a GeoPackage; export the layer as GeoPackage or GeoJSON."
            )
        return _read_with_gdal(raw, ".gpkg", "GeoPackage", problems)
    for bom, encoding in _OTHER_BOMS.items():
        if raw.startswith(bom):
            raise UploadRefused(
                f"is {encoding} encoded, not UTF-8; GeoJSON must be UTF-8 (RFC 8259). Re-save it as UTF-8."
            )
    if raw.startswith(_UTF8_BOM):
        problems.append(
            Problem(
                "warning",
                "File",
                "",
                "starts with a UTF-8 byte-order mark; it was ignored. Save as UTF-8 without BOM.",
                "bom",
            )
        )
        raw = raw[len(_UTF8_BOM) :]
    start = raw.lstrip()[:1]
    if start in (b"{", b"["):
        return parse_json(raw)
    if start == b"<":
        if b"<kml" not in raw[:65536].lower():
            raise UploadRefused(
                f"is XML but not KML (GML, GPX and other XML formats are not read); upload {ACCEPTED}."
            )
        lowered = raw.lower()
        folders, placemarks = lowered.count(b"<folder"), lowered.count(b"<placemark")
        if folders > MAX_KML_FOLDERS:
            # GDAL makes a layer of each folder and reads each on its own: 200,000 empty
            # folders took 65 s and 1.75 GB before the feature limit was reached.
            raise UploadRefused(
                f"holds {folders:,} folders; the limit is {MAX_KML_FOLDERS:,}. Put the placemarks in fewer "
                "folders (or none) and export the KML again."
            )
        if placemarks > MAX_FEATURES:
            raise UploadRefused(
                f"holds {placemarks:,} placemarks; the limit is {MAX_FEATURES:,} features. Split the file."
            )
        if b"<!entity" in lowered:
            # External entities read server files; nested ones expand to gigabytes. KML never needs them.
            raise UploadRefused(
                "declares XML entities (<!ENTITY ...>), which the app does not read; export the KML again "
                "without a DOCTYPE."
            )
        return _read_with_gdal(raw, ".kml", "KML", problems)
    raise UploadRefused(f"is not a file type the app reads ({_describe(raw)}); upload {ACCEPTED}.")


def _describe(raw: bytes | bytearray) -> str:
    for magic, description in _KNOWN_OTHERS.items():
        if raw.startswith(magic):
            return f"it looks like {description}"
    head = raw.lstrip()[:24]
    # Cutting at 24 bytes may split a UTF-8 character; drop up to 3 bytes to find text.
    for end in range(len(head), max(len(head) - 4, 0), -1):
        try:
            text = head[:end].decode("utf-8")
        except UnicodeDecodeError:
            continue
        if all(character.isprintable() or character in "\r\n\t" for character in text):
            return f"it starts with {text!r}"
        break
    return "it is binary data"


def _read_with_gdal(
    raw: bytes | bytearray, suffix: str, label: str, problems: list[Problem]
) -> dict[str, Any]:
    """Read KML or GeoPackage bytes with pyogrio into a FeatureCollection dict in EPSG:4326."""
    unreadable = (
        f"could not be read as {label}: the file is damaged or not {label}. Open it in QGIS or Google Earth "
        "and export it again."
    )
    # A private directory (mode 0700) and a fixed name: the uploaded name never becomes a path.
    with tempfile.TemporaryDirectory(prefix="frontline-upload-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(raw)
        try:
            if label == "GeoPackage":
                try:
                    spatial = [geopackage.inspect(path).name]
                except geopackage.GeoPackageRefused as refusal:
                    raise UploadRefused(str(refusal)) from None
            else:
                layers = [(name, geometry_type) for name, geometry_type in pyogrio.list_layers(path)]
                spatial = [name for name, geometry_type in layers if geometry_type is not None]
            frames = []
            for name in spatial:
                # A GeoPackage's rows were counted by the inspection (its own count may lie).
                count = pyogrio.read_info(path, layer=name)["features"] if label == "KML" else 0
                if count > MAX_FEATURES:
                    raise UploadRefused(
                        f"holds {count:,} features in layer {name!r}; the limit is {MAX_FEATURES:,}. "
                        "Split the file."
                    )
                frame = pyogrio.read_dataframe(path, layer=name)
                if len(frame):
                    frames.append(_to_wgs84(frame, label, problems))
        except _GDAL_ERRORS:
            raise UploadRefused(unreadable) from None
    if len(spatial) > 1:
        problems.append(
            Problem(
                "info",
                "File",
                "",
                f"holds {len(spatial)} KML folders or layers; the features of all of them were read.",
                "kml-layers",
            )
        )
    features = []
    for frame in frames:
        features.extend(_features(frame, drop=_KML_DISPLAY_COLUMNS if label == "KML" else set()))
    return {"type": "FeatureCollection", "features": features}


def _to_wgs84(frame: gpd.GeoDataFrame, label: str, problems: list[Problem]) -> gpd.GeoDataFrame:
    """A frame in WGS84 longitude/latitude, saying so when its coordinates were converted."""
    crs = frame.crs
    if crs is None:
        if label != "KML":
            problems.append(
                Problem(
                    "warning",
                    "File",
                    "",
                    "has no coordinate reference system; its coordinates were read as WGS84 "
                    "longitude/latitude (EPSG:4326).",
                    "crs-missing",
                )
            )
        return frame
    if crs.to_epsg() == 4326 or crs.equals(pyproj.CRS("OGC:CRS84")):
        return frame
    code = crs.to_epsg()
    named = f"{crs.name} (EPSG:{code})" if code else crs.name
    try:
        converted = frame.to_crs("EPSG:4326")
    except pyproj.exceptions.ProjError:
        raise UploadRefused(
            f"is in {named}, which cannot be converted to WGS84 longitude/latitude; export it as EPSG:4326."
        ) from None
    problems.append(
        Problem(
            "warning",
            "File",
            "",
            f"was in {named}; it was converted to WGS84 longitude/latitude (EPSG:4326).",
            "crs-converted",
        )
    )
    return converted


def _features(frame: gpd.GeoDataFrame, drop: Collection[str]) -> list[dict[str, Any]]:
    """GeoJSON Feature dicts (lists, not tuples, so the raw checks apply) from a frame."""
    columns = [c for c in frame.columns if c != frame.geometry.name and c not in drop]
    texts = shapely.to_geojson(frame.geometry.values)
    features = []
    for record, text in zip(frame[columns].to_dict("records"), texts, strict=True):
        properties = {key: _plain(value) for key, value in record.items() if not _missing(value)}
        geometry = json.loads(text) if text is not None else None
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    return features


def _missing(value: Any) -> bool:
    """Whether a cell of a frame GDAL read (of any column type) holds no value."""
    return value is None or (not isinstance(value, (list, dict, bytes, np.ndarray)) and bool(pd.isna(value)))


def _plain(value: object) -> str | int | float | bool:
    """A property value as a JSON type: dates as ISO text, numpy scalars as Python numbers."""
    isoformat = getattr(value, "isoformat", None)
    if callable(isoformat):  # dates, times and timestamps, from whichever library
        return str(isoformat())
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def swap_axes(raw: bytes, file_name: str) -> bytes:
    """The upload as GeoJSON with the first two values of every position swapped.

    For a file written in [latitude, longitude] order; the result is validated again
    like any upload. Refused files come back unchanged, so validation reports them.
    """
    document, _ = decode(raw, file_name)
    if document is None:
        return raw
    return json.dumps(_swap(document), ensure_ascii=False).encode("utf-8")


def _swap(value: object) -> object:
    if isinstance(value, dict):
        return {
            key: (_swap_positions(item) if key == "coordinates" else _swap(item))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_swap(item) for item in value]
    return value


def _swap_positions(coordinates: object) -> object:
    if isinstance(coordinates, list) and coordinates and not isinstance(coordinates[0], list):
        return [coordinates[1], coordinates[0], *coordinates[2:]] if len(coordinates) >= 2 else coordinates
    return [_swap_positions(item) for item in coordinates] if isinstance(coordinates, list) else coordinates


__all__ = [
    "ACCEPTED",
    "CHUNK_BYTES",
    "MAX_DECOMPRESSED_MB",
    "MAX_DEPTH",
    "MAX_GZIP_MEMBERS",
    "MAX_INTEGER_DIGITS",
    "MAX_JSON_ARRAYS",
    "MAX_JSON_OBJECTS",
    "MAX_JSON_STRINGS",
    "MAX_JSON_VALUES",
    "MAX_KML_FOLDERS",
    "UploadRefused",
    "decode",
    "gunzip",
    "nesting_depth",
    "parse_json",
    "swap_axes",
]
