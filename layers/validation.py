"""Raw bytes -> a report of every problem, each with the feature, the field and the fix.

The same checks run behind ``python -m layers validate``, the import and the seeding
of the embedded data. Validation collects every problem instead of stopping at the
first; a file with any error is not written anywhere.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely

from . import schema

#: Limits, chosen for hand-drawn and DeepStateMap-sized files (a full raw DeepStateMap
#: snapshot is ~600 KB with ~20k vertices). Documented in the README.
MAX_FILE_MB = 20
MAX_FEATURES = 20_000
MAX_VERTICES = 2_000_000


@dataclass(frozen=True)
class Problem:
    """One problem: where it is, which field, and what to do."""

    severity: str  # "error" or "warning"
    where: str  # "Feature 3 (id 'terr-17')" or "File"
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.field}: {self.message}" if self.field else f"{self.where}: {self.message}"


@dataclass
class Report:
    """Every problem found in one file, and the features when there is no error."""

    name: str
    problems: list[Problem] = field(default_factory=list)
    features: gpd.GeoDataFrame | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        head = f"{self.name}: {len(self.errors)} error(s), {len(self.warnings)} warning(s)"
        return "\n".join([head, *(f"  {p.severity}: {p}" for p in self.problems)])


class _Collector:
    def __init__(self, report: Report):
        self.report = report

    def error(self, where, field, message):
        self.report.problems.append(Problem("error", where, field, message))

    def warning(self, where, field, message):
        self.report.problems.append(Problem("warning", where, field, message))


def _no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    duplicated = sorted({k for k in keys if keys.count(k) > 1})
    if duplicated:
        raise ValueError(f"duplicate key(s) {', '.join(map(repr, duplicated))} in one object")
    return dict(pairs)


def _reject_constant(name):
    raise ValueError(f"{name} is not valid JSON (RFC 8259); write null or a number")


def _parse(raw: bytes, collect: _Collector):
    if len(raw) > MAX_FILE_MB * 1024 * 1024:
        collect.error("File", "", f"is {len(raw) / 1e6:.1f} MB; the limit is {MAX_FILE_MB} MB. Split it by date or simplify it.")
        return None
    if raw.startswith(b"\xef\xbb\xbf"):
        collect.warning("File", "", "starts with a UTF-8 byte-order mark; it was ignored. Save as UTF-8 without BOM.")
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        collect.error("File", "", f"is not UTF-8 (byte {exc.start}); GeoJSON must be UTF-8 (RFC 7946). Re-save it as UTF-8.")
        return None
    try:
        return json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except RecursionError:
        collect.error("File", "", "is nested too deeply to be GeoJSON.")
    except ValueError as exc:
        collect.error("File", "", f"is not valid JSON: {exc}.")
    return None


def _features_of(document, collect: _Collector):
    if not isinstance(document, dict):
        collect.error("File", "", "must hold a JSON object: a FeatureCollection, a Feature or a geometry.")
        return []
    kind = document.get("type")
    if kind == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list):
            collect.error("File", "features", "a FeatureCollection needs a 'features' array.")
            return []
        return features
    if kind == "Feature":
        return [document]
    if kind in ("Polygon", "MultiPolygon", "Point", "MultiPoint", "LineString", "MultiLineString", "GeometryCollection"):
        return [{"type": "Feature", "geometry": document, "properties": {}}]
    collect.error("File", "type", f"expected 'FeatureCollection', 'Feature' or a geometry type, got {kind!r}.")
    return []


def _where(index: int, feature) -> str:
    identifier = feature.get("id") if isinstance(feature, dict) else None
    if identifier is None and isinstance(feature, dict) and isinstance(feature.get("properties"), dict):
        identifier = feature["properties"].get("id")
    return f"Feature {index}" + (f" (id {str(identifier)[:60]!r})" if identifier is not None else "")


def _positions(coordinates, depth: int):
    """Flatten nested coordinate arrays of a given depth into a list of positions."""
    if depth == 0:
        return [coordinates]
    if not isinstance(coordinates, list):
        raise TypeError
    return [p for item in coordinates for p in _positions(item, depth - 1)]


_DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}


def _check_geometry(geometry, where, kind: schema.RecordKind, collect: _Collector):
    """Check one raw geometry; return a 2-D shapely geometry or None."""
    if not isinstance(geometry, dict) or "type" not in geometry:
        collect.error(where, "geometry", "is missing or not a GeoJSON geometry object.")
        return None
    geometry_type = geometry["type"]
    if geometry_type not in kind.geometry_types:
        collect.error(where, "geometry", f"is a {geometry_type}; a {kind.name} must be {' or '.join(kind.geometry_types)}.")
        return None
    try:
        positions = _positions(geometry.get("coordinates"), _DEPTH[geometry_type])
    except TypeError:
        collect.error(where, "coordinates", f"are not nested as a {geometry_type} requires (RFC 7946 §3.1).")
        return None
    if not positions:
        collect.error(where, "geometry", "is empty; remove the feature or draw its shape.")
        return None
    bad = [p for p in positions if not (isinstance(p, list) and 2 <= len(p) <= 4 and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in p))]
    if bad:
        collect.error(where, "coordinates", f"position {str(bad[0])[:40]} is not [longitude, latitude] numbers.")
        return None
    xy = np.array([p[:2] for p in positions], dtype=float)
    if not np.isfinite(xy).all():
        collect.error(where, "coordinates", "contain a non-finite number.")
        return None
    if any(len(p) > 2 for p in positions):
        collect.warning(where, "coordinates", "have a third (elevation) value; it was dropped.")
    if np.abs(xy).max() > 180 or np.abs(xy[:, 1]).max() > 90:
        if np.abs(xy).max() > 1000:
            collect.error(where, "coordinates", "look like projected metres (e.g. Web Mercator, EPSG:3857), not degrees; export as WGS84 longitude/latitude (EPSG:4326).")
        elif np.abs(xy[:, 0]).max() <= 90 and np.abs(xy[:, 1]).max() <= 180:
            collect.error(where, "coordinates", "look like latitude/longitude; GeoJSON needs longitude first. Swap the two values.")
        else:
            collect.error(where, "coordinates", "are outside longitude -180..180 / latitude -90..90.")
        return None
    if geometry_type in ("Polygon", "MultiPolygon"):
        rings = geometry["coordinates"] if geometry_type == "Polygon" else [r for poly in geometry["coordinates"] for r in poly]
        for ring in rings:
            if len(ring) < 4 or ring[0][:2] != ring[-1][:2]:
                collect.error(where, "coordinates", "a ring is not closed (first and last positions differ, or fewer than 4 positions); close it.")
                return None
    flat = {"type": geometry_type, "coordinates": _drop_z(geometry["coordinates"], _DEPTH[geometry_type])}
    shape = shapely.from_geojson(json.dumps(flat))
    if geometry_type in ("Polygon", "MultiPolygon") and shapely.make_valid(shape).area == 0:
        collect.error(where, "geometry", "has zero area; remove the feature or draw its shape.")
        return None
    if not shape.is_valid:
        collect.error(
            where, "geometry",
            f"is invalid: {shapely.is_valid_reason(shape)}. Fix it in your editor; the app will not repair geometry without your consent.",
        )
        return None
    return shape


def _drop_z(coordinates, depth):
    if depth == 0:
        return coordinates[:2]
    return [_drop_z(item, depth - 1) for item in coordinates]


def _check_properties(properties, where, kind: schema.RecordKind, collect: _Collector, defaults: dict):
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        collect.error(where, "properties", "must be a JSON object.")
        return None
    cleaned = {}
    for key, value in properties.items():
        if key in schema.ACTIVE_KEYS:
            collect.warning(where, key, "is a styling/popup key that maps would act on; it was dropped.")
            continue
        cleaned[key] = value
    for name, value in defaults.items():
        if value is not None and cleaned.get(name) in (None, ""):
            cleaned[name] = value
    ok = True
    for spec in kind.fields:
        value = cleaned.get(spec.name)
        if value in (None, ""):
            if spec.required:
                collect.error(where, spec.name, f"is missing; give {spec.help}.")
                ok = False
            continue
        if spec.allowed is not None and value not in spec.allowed:
            collect.error(where, spec.name, f"{str(value)[:60]!r} is not allowed; use one of {', '.join(spec.allowed)}.")
            ok = False
        elif spec.kind == "date" and not _is_iso_date(value):
            collect.error(where, spec.name, f"valid date expected like 2024-05-01, got {str(value)[:40]!r}.")
            ok = False
        elif spec.kind == "list" and not _is_claims(value):
            collect.error(where, spec.name, "must be a list of objects with 'source' and 'claim' text.")
            ok = False
    return cleaned if ok else None


def _is_iso_date(value) -> bool:
    try:
        dt.date.fromisoformat(str(value))
        return len(str(value)) == 10
    except ValueError:
        return False


def _is_claims(value) -> bool:
    return isinstance(value, list) and all(
        isinstance(c, dict) and all(isinstance(c.get(f.name), str) and c.get(f.name) for f in schema.CLAIM_FIELDS)
        for c in value
    )


def validate(raw: bytes, kind: schema.RecordKind = schema.TERRITORY, name: str = "upload", defaults: dict | None = None) -> Report:
    """Check a GeoJSON file against the data contract.

    Parameters
    ----------
    raw : bytes
        The file's bytes.
    kind : schema.RecordKind
        ``schema.TERRITORY`` or ``schema.EVENT``.
    name : str
        File name, used in messages.
    defaults : dict, optional
        Values for fields a feature lacks (e.g. ``{"held_by": "RU"}``); a feature's
        own value wins.

    Returns
    -------
    Report
        ``report.features`` is a GeoDataFrame (EPSG:4326) when ``report.ok``.
    """
    report = Report(name)
    collect = _Collector(report)
    document = _parse(raw, collect)
    if document is None:
        return report
    features = _features_of(document, collect)
    if len(features) > MAX_FEATURES:
        collect.error("File", "features", f"holds {len(features)} features; the limit is {MAX_FEATURES}. Split the file.")
        return report
    if not features and report.ok:
        collect.error("File", "features", "holds no feature.")
    geometries, records = [], []
    vertices = 0
    for index, feature in enumerate(features):
        where = _where(index, feature)
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            collect.error(where, "type", "must be a GeoJSON Feature object.")
            continue
        shape = _check_geometry(feature.get("geometry"), where, kind, collect)
        properties = _check_properties(feature.get("properties"), where, kind, collect, defaults or {})
        if shape is not None:
            vertices += shapely.get_num_coordinates(shape)
        if shape is not None and properties is not None:
            geometries.append(shape)
            records.append(properties)
    if vertices > MAX_VERTICES:
        collect.error("File", "coordinates", f"holds {vertices} vertices; the limit is {MAX_VERTICES}. Simplify it.")
    if report.ok:
        report.features = gpd.GeoDataFrame(records, geometry=geometries, crs="EPSG:4326")
    return report

