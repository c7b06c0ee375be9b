"""Uploaded bytes -> a GeoJSON-like dict: the container, encoding and JSON stages of validation.

Editors upload GeoJSON, gzipped GeoJSON, KML or GeoPackage. Whatever the format, the
result is the same kind of dict (a FeatureCollection, a Feature or a geometry), so the
structural checks of :mod:`layers.validation` run on every upload alike.

Each stage is bounded, because every uploaded byte is hostile until checked:

- the format is told by the file's first bytes, never by its name or extension;
- gzip is inflated in 1 MiB steps and refused past :data:`MAX_DECOMPRESSED_MB`, so a
  compression bomb costs at most that much memory (``gzip.decompress`` would inflate
  it whole; GDAL's ``/vsigzip/`` has no cap either);
- JSON is parsed strictly: UTF-8 only, no NaN/Infinity literals, no duplicate keys, no
  integers of more than :data:`MAX_INTEGER_DIGITS` digits, and at most :data:`MAX_DEPTH`
  levels of nesting, checked by a scan before parsing (CPython's parser would otherwise
  die in a RecursionError). A float too large for a double (``1e400``) parses as
  infinity, which the coordinate and property checks of :mod:`layers.validation` refuse,
  because a parser hook per number would slow the parse of every upload (see
  ``benchmarks/README.md``);
- KML and GeoPackage go through GDAL (pyogrio) from a private temporary directory under
  a generated name: the uploaded name is never used as a path;
- KML declaring XML entities (external files, "billion laughs") is refused before GDAL;
- zip archives (and KMZ) and anything unrecognised are refused with a message saying
  what to upload instead.
"""

from __future__ import annotations

import json
import re
import tempfile
import zlib
from collections.abc import Collection
from pathlib import Path
from typing import Any, NoReturn

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyogrio.errors
import pyproj
import shapely

from . import geopackage
from .problems import MAX_FEATURES, MAX_FILE_MB, MAX_PROPERTIES, MAX_VERTICES, Problem

#: A gzipped upload may inflate to at most this much; a bomb is refused with bounded memory.
MAX_DECOMPRESSED_MB = 50
#: Inflate step: memory in flight beyond the output itself.
CHUNK_BYTES = 1024 * 1024
#: Concatenated gzip members accepted: bgzip's 64 KB blocks give ~800 for the largest
#: upload; a million one-byte members are a denial of service, not a file.
MAX_GZIP_MEMBERS = 10_000
#: What JSON text within the limits can hold, counted before parsing
#: (:func:`_check_amplification`): arrays are positions plus rings, polygons and lists;
#: values are every number, text, list and object.
MAX_JSON_ARRAYS = MAX_VERTICES * 3 // 2 + 4 * MAX_FEATURES
MAX_JSON_OBJECTS = 200_000
MAX_JSON_STRINGS = 2 * MAX_FEATURES * MAX_PROPERTIES
MAX_JSON_VALUES = 3 * MAX_VERTICES + 2 * MAX_FEATURES * MAX_PROPERTIES
#: KML folders accepted (GDAL reads each as a layer of its own).
MAX_KML_FOLDERS = 1_000
#: JSON nesting limit; a GeoJSON FeatureCollection of MultiPolygons needs 8.
MAX_DEPTH = 64
#: Longest integer literal accepted; CPython refuses more than 4,300 digits with an
#: internal message, and no coordinate or property needs more than this.
MAX_INTEGER_DIGITS = 30

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


class UploadRefused(Exception):
    """A stage refused the upload; the message, shown after ``File:``, is written for the editor.

    :func:`decode` turns it into an error in its problems; :func:`gunzip` and
    :func:`parse_json` raise it to their callers.
    """


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


def gunzip(raw: bytes | bytearray, limit_mb: int = MAX_DECOMPRESSED_MB) -> bytearray:
    """Inflate gzip data in linear time, refusing it past ``limit_mb`` of output.

    The input is fed to the inflater :data:`CHUNK_BYTES` at a time and each call's output
    is capped at :data:`CHUNK_BYTES` too, so memory stays within the limit plus a step
    whatever the compression ratio (a 500 KB file of zeros inflates to 500 MB), and the
    decompressed bytes are counted as they come. Concatenated gzip members, which
    ``gzip`` itself accepts, are read one after the other from an offset into the input,
    each fed in doubling steps from 64 bytes: the work per member is proportional to its
    size, so a file of a million tiny members is linear too (the old loop copied the rest
    of the input for each member and each step, quadratic: 19 MB took 815 s).

    Raises
    ------
    UploadRefused
        When the data inflates past the limit, is corrupt or is truncated.
    """
    limit = limit_mb * 1024 * 1024
    output = bytearray()
    view = memoryview(raw)
    offset = 0
    members = 0
    while offset < len(view):
        members += 1
        if members > MAX_GZIP_MEMBERS:
            raise UploadRefused(
                f"is made of more than {MAX_GZIP_MEMBERS:,} gzip members (streams joined end to end); "
                "decompress it and compress it again as one stream (gzip FILE)."
            )
        if bytes(view[offset : offset + 2]) != _GZIP:
            raise UploadRefused(
                "has data after the end of the gzip stream; compress the GeoJSON again and re-upload it."
            )
        # 16 + MAX_WBITS: expect a gzip header and trailer, not a bare zlib stream.
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        # Input steps start small and double: a member of m bytes is fed at most ~2m
        # bytes, so the copy zlib makes of what follows its end (``unused_data``) is
        # bounded by the member's own size.
        size = 64
        try:
            while not inflater.eof:
                if offset >= len(view):
                    break
                step = view[offset : offset + size]
                size = min(size * 2, CHUNK_BYTES)
                offset += len(step)
                pending: bytes | memoryview = step
                while pending and not inflater.eof:
                    chunk = inflater.decompress(pending, CHUNK_BYTES)
                    # At most one step of input is ever pending: copying it is linear overall.
                    pending = inflater.unconsumed_tail
                    output += chunk
                    if len(output) > limit:
                        raise UploadRefused(
                            f"inflates to more than {limit_mb} MB, the limit for compressed uploads; it was "
                            "refused without being decompressed further. Split it or simplify it."
                        )
                    if not chunk and not pending:
                        break
                if inflater.eof:
                    # Give back the input read past this member's end (at most one step).
                    offset -= len(inflater.unused_data)
        except zlib.error:
            raise UploadRefused(
                "is not a valid gzip file (it is damaged); compress the GeoJSON again and re-upload it."
            ) from None
        if not inflater.eof:
            raise UploadRefused("is a truncated gzip file (it ends early); upload the complete file.")
    # The bytearray itself, not a bytes copy: a payload near the limit is not doubled.
    return output


#: A JSON string, escapes included; written unrolled so that long strings do not backtrack.
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_OPENING = np.frombuffer(b"[{", dtype=np.uint8)


def nesting_depth(raw: bytes | bytearray, unquoted: bytes | None = None) -> int:
    """The deepest nesting of arrays and objects in JSON text, without parsing it.

    Strings are cut out (brackets inside them do not count; ``unquoted`` is the text
    with them cut out already, if the caller has it), the rest is reduced to its
    brackets, and the running depth is summed in :data:`CHUNK_BYTES` pieces so that
    memory stays bounded for a file that is nothing but brackets.
    """
    if unquoted is None:
        unquoted = _JSON_STRING.sub(b"", raw)
    skeleton = np.frombuffer(unquoted.translate(None, _NOT_BRACKET), dtype=np.uint8)
    depth = deepest = 0
    for start in range(0, len(skeleton), CHUNK_BYTES):
        piece = skeleton[start : start + CHUNK_BYTES]
        levels = np.cumsum(np.where(np.isin(piece, _OPENING), 1, -1).astype(np.int32)) + depth
        deepest = max(deepest, int(levels.max()))
        depth = int(levels[-1])
    return deepest


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        duplicated = sorted({k for k in keys if keys.count(k) > 1})
        shown = ", ".join(repr(k[:40]) for k in duplicated[:5])
        raise UploadRefused(
            f"has a duplicate key {shown} in one object; parsers disagree about which one wins, so the file "
            "was rejected. Remove one of them."
        )
    return dict(pairs)


def _reject_constant(name: str) -> NoReturn:
    raise UploadRefused(
        f"{name} is not valid JSON (RFC 8259): write null or a number; check the export settings of the tool "
        "that produced the file."
    )


def _parse_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INTEGER_DIGITS:
        raise UploadRefused(
            f"holds a number with {digits:,} digits ({text[:16]}...); no coordinate or value needs more than "
            f"{MAX_INTEGER_DIGITS}. Check the tool that wrote the file."
        )
    return int(text)


def _json_reason(error: json.JSONDecodeError, text: str) -> str:
    if error.msg == "Extra data":
        return "unexpected content after the end of the JSON document"
    if error.pos >= len(text.rstrip()):
        return "the file ends too early (is it truncated?)"
    return error.msg[0].lower() + error.msg[1:]


def _check_amplification(unquoted: bytes, strings: int) -> None:
    """Refuse JSON text that would take far more memory parsed than as text.

    Parsed, a two-number position ``[0,0]`` (6 bytes) is a list and two numbers, about
    100 bytes of Python objects: 50 MB of such text would need 1.5 GB. So the arrays,
    objects, strings and values are counted in the text (strings cut out, a comma or an
    opening bracket per value) and compared with what a file within the limits of
    :mod:`layers.problems` can hold, before anything is parsed.
    """
    counts = {
        "arrays": (unquoted.count(b"["), MAX_JSON_ARRAYS, "positions, rings and lists"),
        "objects": (unquoted.count(b"{"), MAX_JSON_OBJECTS, "features, geometries and properties"),
        "strings": (strings, MAX_JSON_STRINGS, "keys and text values"),
        "values": (
            unquoted.count(b",") + unquoted.count(b"[") + unquoted.count(b"{"),
            MAX_JSON_VALUES,
            "numbers, texts, lists and objects",
        ),
    }
    for name, (count, limit, what) in counts.items():
        if count > limit:
            raise UploadRefused(
                f"holds about {count:,} JSON {name} ({what}), more than the {limit:,} that a file within "
                f"the limits ({MAX_FEATURES:,} features, {MAX_VERTICES:,} positions, {MAX_PROPERTIES} "
                "properties a feature) can hold; it was refused before being parsed. Split it by date or "
                "area, or simplify its geometry."
            )


def parse_json(raw: bytes | bytearray) -> object:
    """Parse JSON text strictly (the one JSON parser of the project's upload path).

    Parameters
    ----------
    raw : bytes
        UTF-8 JSON text, without a byte-order mark.

    Returns
    -------
    object
        The parsed document.

    Raises
    ------
    UploadRefused
        With a message naming the rule and, where the parser gives one, the line and column.
    """
    unquoted, strings = _JSON_STRING.subn(b"", raw)
    _check_amplification(unquoted, strings)
    if nesting_depth(raw, unquoted) > MAX_DEPTH:
        raise UploadRefused(
            f"is nested too deeply: arrays or objects more than {MAX_DEPTH} levels deep, where valid GeoJSON "
            "needs about 8. The file was rejected without being processed."
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UploadRefused(
            f"is not UTF-8 (first bad byte at offset {exc.start}: 0x{raw[exc.start]:02X}); GeoJSON must be "
            "UTF-8 (RFC 8259). Re-save it as UTF-8."
        ) from None
    try:
        return json.loads(
            text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant, parse_int=_parse_int
        )
    except json.JSONDecodeError as exc:
        raise UploadRefused(
            f"is not valid JSON at line {exc.lineno}, column {exc.colno}: {_json_reason(exc, text)}."
        ) from None
    except RecursionError:
        # Unreachable after the depth scan; kept so that no parser internals can leak.
        raise UploadRefused(f"is nested too deeply (more than {MAX_DEPTH} levels).") from None


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
                info = pyogrio.read_info(path, layer=name)
                if info["features"] > MAX_FEATURES:
                    raise UploadRefused(
                        f"holds {info['features']:,} features in layer {name!r}; the limit is "
                        f"{MAX_FEATURES:,}. Split the file."
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
