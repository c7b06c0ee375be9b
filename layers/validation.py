"""Raw bytes -> a report of every problem, each with the feature, the field and the fix.

The same checks run behind ``python -m layers validate``, the import and the seeding
of the embedded data. The stages follow the order in which a hostile file is defused:
:func:`layers.formats.decode` handles the container, the encoding and the JSON (each
bounded); this module then checks the GeoJSON structure on the raw JSON (before shapely
touches it, because shapely silently closes rings and turns ``"30.5"`` into a number),
the plausibility of the coordinates, the topology with GEOS, and finally the data
contract of :mod:`layers.schema`, after an optional property mapping
(:class:`layers.presets.PropertyMapping`) has turned a file's own properties into it.

Validation collects every problem instead of stopping at the first; a file with any
error is not written anywhere. Problems of one rule are listed for the first
:data:`MAX_LISTED` features and then counted, so a file with 4,000 broken features
yields a readable report.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from . import schema
from .areas import area_km2, note_valid
from .caching import remember
from .presets import suggest_preset

if TYPE_CHECKING:
    from .presets import PropertyMapping

#: Limits, chosen for hand-drawn and DeepStateMap-sized files (a full raw DeepStateMap
#: snapshot is ~600 KB with ~20k vertices). Documented in the README.
MAX_FILE_MB = 20
MAX_FEATURES = 20_000
MAX_VERTICES = 2_000_000
#: One feature may hold at most this many positions: GEOS validity checks and the
#: JSON parse of a single huge ring are where memory explodes (notes §2.3).
MAX_FEATURE_VERTICES = 200_000
#: Property limits: what a tooltip can show, far above any real export.
MAX_PROPERTIES = 100
MAX_STRING_CHARS = 10_000
MAX_PROPERTY_DEPTH = 4
#: Problems of one rule listed before the rest are only counted.
MAX_LISTED = 20

SEVERITIES = ("error", "warning", "info")
#: Every geometry type of RFC 7946 §1.4, for telling a wrong type from a misspelt one.
GEOMETRY_TYPES = (
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
)


@dataclass(frozen=True)
class Problem:
    """One problem: where it is, which field, and what to do.

    Parameters
    ----------
    severity : str
        ``error`` (blocks the import), ``warning`` (imported, but look at it) or
        ``info`` (an automatic fix or a note, e.g. rings re-oriented).
    where : str
        ``"Feature 3 (id 'terr-17')"`` or ``"File"``.
    field : str
        The property or GeoJSON member concerned, or ``""``.
    message : str
        What is wrong and how to fix it, in words an editor can act on.
    rule : str
        A short name of the check, for grouping and counting; not shown.
    """

    severity: str
    where: str
    field: str
    message: str
    rule: str = ""

    def __str__(self) -> str:
        return (
            f"{self.where}: {self.field}: {self.message}" if self.field else f"{self.where}: {self.message}"
        )


@dataclass(frozen=True)
class Repair:
    """An invalid geometry repaired with the caller's consent (``repair=True``).

    Parameters
    ----------
    feature : int
        Index of the feature in the file (as in the messages).
    reason : str
        GEOS's reason the geometry was invalid, e.g. ``Self-intersection[35.1 51.1]``.
    area_before_km2, area_after_km2 : float
        Geodesic area as drawn (as :func:`layers.areas.area_km2` reads it) and after the
        repair (``shapely.make_valid(method="structure")``, polygonal parts only).
    """

    feature: int
    reason: str
    area_before_km2: float
    area_after_km2: float


@dataclass
class Report:
    """Every problem found in one file, the repairs made, and the features when there is no error."""

    name: str
    problems: list[Problem] = field(default_factory=list)
    features: gpd.GeoDataFrame | None = None
    repairs: list[Repair] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def notes(self) -> list[Problem]:
        """Automatic fixes and information (severity ``info``)."""
        return [p for p in self.problems if p.severity == "info"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        head = f"{self.name}: {len(self.errors)} error(s), {len(self.warnings)} warning(s)"
        if self.notes:
            head += f", {len(self.notes)} note(s)"
        return "\n".join([head, *(f"  {p.severity}: {p}" for p in self.problems)])


class _Collector:
    """Adds problems to a report, listing at most MAX_LISTED per rule and counting the rest."""

    def __init__(self, report: Report):
        self.report = report
        self.counts: Counter = Counter()
        self.first: dict[str, Problem] = {}

    def add(self, severity: str, where: str, field: str, message: str, rule: str) -> None:
        self.counts[rule] += 1
        problem = Problem(severity, where, field, message, rule)
        self.first.setdefault(rule, problem)
        if self.counts[rule] <= MAX_LISTED:
            self.report.problems.append(problem)

    def error(self, where, field, message, rule=None):
        self.add("error", where, field, message, rule or f"error:{field}")

    def warning(self, where, field, message, rule=None):
        self.add("warning", where, field, message, rule or f"warning:{field}")

    def info(self, where, field, message, rule=None):
        self.add("info", where, field, message, rule or f"info:{field}")

    def finish(self) -> None:
        """Append one line per rule that had more problems than were listed."""
        for rule, count in self.counts.items():
            if count > MAX_LISTED:
                first = self.first[rule]
                self.report.problems.append(
                    Problem(
                        first.severity,
                        "File",
                        first.field,
                        f"{count - MAX_LISTED} more feature(s) have this problem ({count} in all; the first {MAX_LISTED} are listed above).",
                        rule + ":more",
                    )
                )


# --- document structure --------------------------------------------------------

#: Legacy ``crs`` names that mean WGS84 longitude/latitude, which GeoJSON is anyway.
_WGS84_NAMES = {
    "urn:ogc:def:crs:ogc:1.3:crs84",
    "urn:ogc:def:crs:ogc::crs84",
    "ogc:crs84",
    "crs84",
    "urn:ogc:def:crs:epsg::4326",
    "urn:ogc:def:crs:epsg:4326",
    "epsg:4326",
    "http://www.opengis.net/def/crs/ogc/1.3/crs84",
    "http://www.opengis.net/def/crs/epsg/0/4326",
}


def _check_crs_member(document: dict, collect: _Collector) -> None:
    """The ``crs`` member of GeoJSON 2008 was removed by RFC 7946 (appendix B.1).

    GDAL still honours it, so a file declaring EPSG:3857 reads as metres elsewhere
    and as degrees here; rather than guess, anything but WGS84 is refused.
    """
    if "crs" not in document:
        return
    crs = document["crs"]
    name = (
        crs.get("properties", {}).get("name")
        if isinstance(crs, dict) and isinstance(crs.get("properties"), dict)
        else None
    )
    if crs is None or (isinstance(name, str) and name.strip().lower() in _WGS84_NAMES):
        collect.info(
            "File",
            "crs",
            "the legacy 'crs' member names WGS84 longitude/latitude, which GeoJSON always uses (RFC 7946 §4); it was ignored.",
            "crs-ignored",
        )
        return
    shown = str(name)[:80] if name is not None else "a form the app does not read"
    collect.error(
        "File",
        "crs",
        f"the legacy 'crs' member declares {shown}; GeoJSON coordinates must be WGS84 longitude/latitude (RFC 7946 §4). "
        "Re-export as EPSG:4326 (e.g. QGIS Export with CRS EPSG:4326, or ogr2ogr -t_srs EPSG:4326 -lco RFC7946=YES) and remove the 'crs' member.",
        "crs-other",
    )


def _type_name_hint(value, expected) -> str:
    """How to fix a wrong ``type`` value, noticing type names written in the wrong case."""
    if isinstance(value, str):
        for name in expected:
            if value.lower() == name.lower():
                return f"expected {name!r} but got {value[:40]!r}: type names are case-sensitive (RFC 7946 §1.4)."
    return ""


def _features_of(document, collect: _Collector) -> tuple[list, str]:
    """The features of a document and the JSON pointer prefix of feature ``{}``."""
    if not isinstance(document, dict):
        collect.error(
            "File", "", "must hold a JSON object: a FeatureCollection, a Feature or a geometry.", "not-object"
        )
        return [], ""
    kind = document.get("type")
    if kind == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list):
            collect.error(
                "File", "features", "a FeatureCollection needs a 'features' array.", "no-features-array"
            )
            return [], ""
        return features, "/features/{}"
    if kind == "Feature":
        return [document], ""
    if kind in GEOMETRY_TYPES:
        collect.info(
            "File",
            "",
            f"is a bare {kind} geometry, not a FeatureCollection; it was read as one feature.",
            "bare-geometry",
        )
        return [{"type": "Feature", "geometry": document, "properties": {}}], "/bare"
    if "type" not in document:
        collect.error(
            "File", "type", "has no 'type' member; expected a FeatureCollection (RFC 7946 §3.3).", "no-type"
        )
        return [], ""
    hint = _type_name_hint(kind, ("FeatureCollection", "Feature", *GEOMETRY_TYPES))
    collect.error(
        "File",
        "type",
        hint or f"expected 'FeatureCollection', 'Feature' or a geometry type, got {str(kind)[:40]!r}.",
        "document-type",
    )
    return [], ""


def _where(index: int, feature) -> str:
    identifier = feature.get("id") if isinstance(feature, dict) else None
    if identifier is None and isinstance(feature, dict) and isinstance(feature.get("properties"), dict):
        identifier = feature["properties"].get("id")
    if isinstance(identifier, (dict, list)):
        identifier = None
    return f"Feature {index}" + (f" (id {str(identifier)[:60]!r})" if identifier is not None else "")


# --- raw coordinates -----------------------------------------------------------


@dataclass
class _Scan:
    """What reading one geometry's raw coordinate arrays found (first occurrence of each defect)."""

    nesting: str | None = None
    not_number: tuple[str, object] | None = None
    not_number_count: int = 0
    too_many_values: str | None = None
    too_few_values: str | None = None
    has_z: bool = False
    nonzero_z: bool = False
    widths: set = field(default_factory=set)
    mixed_widths: str | None = None


_NUMBER_TYPES = {float, int}


def _read_ring(ring, pointer: str, scan: _Scan, single: bool = False) -> np.ndarray | None:
    """One array of positions as an ``(n, 2)`` float array, or None when it is malformed.

    Types are checked one by one because numpy would coerce ``"30.5"`` and ``true``.
    ``single`` reads a Point's one position, whose JSON pointer is ``pointer`` itself.
    """
    if not isinstance(ring, list):
        scan.nesting = scan.nesting or pointer
        return None
    # Fast path, at C speed: every position a list of 2 or 3 plain numbers.
    if set(map(type, ring)) <= {list}:
        widths = set(map(len, ring))
        # One flat list: its types are checked and it becomes an array faster than the nested one.
        flat = list(chain.from_iterable(ring)) if widths <= {2, 3} else None
        if flat is not None and set(map(type, flat)) <= _NUMBER_TYPES:
            scan.widths |= widths
            if len(scan.widths) > 1 and scan.mixed_widths is None:
                first = len(ring[0]) if len(widths) > 1 else None
                index = next((i for i, p in enumerate(ring) if len(p) != first), 0) if first else 0
                scan.mixed_widths = pointer if single else f"{pointer}/{index}"
            if 3 not in widths:
                return np.array(flat, dtype=float).reshape(-1, 2)
            scan.has_z = True
            scan.nonzero_z = scan.nonzero_z or any(p[2] != 0 for p in ring if len(p) == 3)
            return np.array([p[:2] for p in ring], dtype=float).reshape(-1, 2)
    # Slow path: find the first defect of each kind and its JSON pointer.
    malformed = False
    for i, position in enumerate(ring):
        at = pointer if single else f"{pointer}/{i}"
        if type(position) is not list:
            scan.nesting = scan.nesting or at
            return None
        width = len(position)
        if width > 3:
            scan.too_many_values = scan.too_many_values or at
            malformed = True
        elif width < 2:
            scan.too_few_values = scan.too_few_values or at
            malformed = True
        for j, value in enumerate(position):
            if type(value) is not float and type(value) is not int:
                scan.not_number_count += 1
                if scan.not_number is None:
                    scan.not_number = (f"{at}/{j}", value)
                malformed = True
    if malformed:
        return None
    # Empty positions lists ([]) are the only way here without a defect.
    return np.zeros((0, 2))


def _read_coordinates(geometry_type: str, coordinates, pointer: str, scan: _Scan):
    """Raw coordinates -> ``[[ring, ...], ...]`` (one list of rings per polygon) or a point array."""
    if geometry_type == "Point":
        if not isinstance(coordinates, list):
            scan.nesting = scan.nesting or pointer
            return None
        return _read_ring([coordinates], pointer, scan, single=True)
    polygons = [coordinates] if geometry_type == "Polygon" else coordinates
    if not isinstance(polygons, list):
        scan.nesting = scan.nesting or pointer
        return None
    result = []
    for p, rings in enumerate(polygons):
        base = pointer if geometry_type == "Polygon" else f"{pointer}/{p}"
        if not isinstance(rings, list):
            scan.nesting = scan.nesting or base
            return None
        result.append([_read_ring(ring, f"{base}/{r}", scan) for r, ring in enumerate(rings)])
    return result


def _count_positions(geometry_type: str, coordinates) -> int:
    """Positions in raw coordinates, counted cheaply (rings by length) before any reading."""
    if geometry_type == "Point":
        return 1
    polygons = [coordinates] if geometry_type == "Polygon" else coordinates
    if not isinstance(polygons, list):
        return 0
    return sum(
        len(ring) for rings in polygons if isinstance(rings, list) for ring in rings if isinstance(ring, list)
    )


def _value_text(value) -> str:
    if isinstance(value, str):
        return f"the text {value[:40]!r}"
    if isinstance(value, bool) or value is None:
        return f"the JSON value {str(value).lower() if value is not None else 'null'}"
    return f"the value {str(value)[:40]}"


def _km2(value: float) -> str:
    return f"{value:,.2f}"


def _polygonal(geometry):
    """The polygons of a geometry as one Polygon/MultiPolygon, or None when there are none."""
    if geometry is None or geometry.is_empty:
        return None
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        return geometry
    polygons = [p for p in shapely.get_parts(geometry) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not polygons:
        return None
    parts = [q for p in polygons for q in shapely.get_parts(p)]
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


_LAYER_OF_KIND = {"territory feature": "a territory layer", "event": "an events layer"}

_FIX_FOR_TYPE = {
    "territory feature": {
        "Point": "upload points (strikes, units) as an events layer (--kind events)",
        "MultiPoint": "upload points (strikes, units) as an events layer (--kind events)",
        "LineString": "lines have no area: close them into Polygons in your editor",
        "MultiLineString": "lines have no area: close them into Polygons in your editor",
        "GeometryCollection": "save each part as its own Polygon or MultiPolygon feature (RFC 7946 §3.1.8)",
    },
    "event": {
        "Polygon": "upload areas as a territory layer (--kind territory)",
        "MultiPolygon": "upload areas as a territory layer (--kind territory)",
        "MultiPoint": "save each point as its own feature with its own date and source",
        "LineString": "give each event as one Point",
        "MultiLineString": "give each event as one Point",
        "GeometryCollection": "give each event as one Point",
    },
}


class _Checker:
    """Checks features one by one and keeps the file-level counts of automatic fixes."""

    def __init__(
        self,
        kind: schema.RecordKind,
        defaults: dict,
        mapping,
        repair: bool,
        collect: _Collector,
        report: Report,
        pointer: str,
    ):
        self.kind = kind
        self.defaults = defaults
        self.mapping = mapping
        self.repair = repair
        self.collect = collect
        self.report = report
        self.pointer = pointer
        self.geometries: list = []
        self.records: list[dict] = []
        self.vertices = 0
        self.wrong_types: dict[str, list[int]] = defaultdict(list)
        self.dropped: dict[str, list] = defaultdict(list)
        self.with_z = Counter()  # features with a third value, by whether any was non-zero
        self.reoriented = 0
        self.repeated = Counter()
        self.active_keys = Counter()
        self.unmapped_keys: set[str] = set()

    # pointers ----------------------------------------------------------------

    def geometry_pointer(self, index: int) -> str:
        if self.pointer == "/bare":
            return ""
        return self.pointer.format(index) + "/geometry"

    # one feature -------------------------------------------------------------

    def check(self, index: int, feature) -> None:
        where = _where(index, feature)
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            hint = _type_name_hint(feature.get("type"), ("Feature",)) if isinstance(feature, dict) else ""
            self.collect.error(where, "type", hint or "must be a GeoJSON Feature object.", "feature-type")
            return
        if "id" in feature and not (
            isinstance(feature["id"], (str, int, float)) and not isinstance(feature["id"], bool)
        ):
            self.collect.error(
                where,
                "id",
                "must be a string or a number (RFC 7946 §3.2); remove it or write it as text.",
                "feature-id",
            )
        geometry = feature.get("geometry")
        geometry_type = geometry.get("type") if isinstance(geometry, dict) else None
        properties = feature.get("properties")
        if properties is None:
            properties = {}
        if not isinstance(properties, dict):
            self.collect.error(where, "properties", "must be a JSON object (or null).", "properties-type")
            properties = None
        if self.mapping is not None and properties is not None:
            reason = self.mapping.drop_reason(geometry_type, properties)
            if reason is not None:
                self.dropped[reason].append(index)
                return
        capped = properties is not None and self._check_property_limits(properties, where)
        drawn, shape = self._check_geometry(geometry, index, where)
        if not capped:
            return
        unresolved: set[str] = set()
        if self.mapping is not None:
            self.unmapped_keys.update(k for k in properties if self.kind.field_named(k) is None)
            properties, mapping_problems, unresolved = self.mapping.apply(properties, drawn)
            for name, message in mapping_problems:
                self.collect.error(where, name, message, f"mapping:{name}")
        cleaned = self._check_contract(properties, where, skip_missing=unresolved)
        if shape is not None and cleaned is not None:
            self.geometries.append(shape)
            self.records.append(cleaned)

    # properties --------------------------------------------------------------

    def _check_property_limits(self, properties: dict, where: str) -> bool:
        """Caps on keys, string length and nesting, so that nothing unbounded is stored."""
        ok = True
        if len(properties) > MAX_PROPERTIES:
            self.collect.error(
                where,
                "properties",
                f"has {len(properties):,} properties; the limit is {MAX_PROPERTIES}. Remove the columns the map does not need before exporting.",
                "too-many-properties",
            )
            ok = False
        for key, value in properties.items():
            problem = _value_problem(key, 0) or _value_problem(value, 0)
            if problem:
                self.collect.error(where, str(key)[:60], problem, "property-size")
                ok = False
        return ok

    def _check_contract(self, properties: dict, where: str, skip_missing=frozenset()) -> dict | None:
        cleaned = {}
        for key, value in properties.items():
            if key in schema.ACTIVE_KEYS:
                self.active_keys[key] += 1
                continue
            cleaned[key] = value
        for name, value in self.defaults.items():
            if value is not None and cleaned.get(name) in (None, ""):
                cleaned[name] = value
        ok = True
        for spec in self.kind.fields:
            value = cleaned.get(spec.name)
            if value in (None, ""):
                if spec.required and spec.name not in skip_missing:
                    self.collect.error(
                        where, spec.name, f"is missing; give {spec.help}.", f"missing:{spec.name}"
                    )
                    ok = False
                elif spec.required:
                    ok = False
                continue
            if spec.allowed is not None and (not isinstance(value, str) or value not in spec.allowed):
                self.collect.error(
                    where,
                    spec.name,
                    f"{str(value)[:60]!r} is not allowed; use one of {', '.join(spec.allowed)}.",
                    f"allowed:{spec.name}",
                )
                ok = False
            elif spec.kind == "date" and not _is_iso_date(value):
                self.collect.error(
                    where,
                    spec.name,
                    f"valid date expected like 2024-05-01, got {str(value)[:40]!r}.",
                    f"date:{spec.name}",
                )
                ok = False
            elif spec.kind == "list" and not _is_claims(value):
                self.collect.error(
                    where,
                    spec.name,
                    "must be a list of objects with 'source' and 'claim' text.",
                    f"claims:{spec.name}",
                )
                ok = False
        return cleaned if ok else None

    # geometry ----------------------------------------------------------------

    def _check_geometry(self, geometry, index: int, where: str):
        """Check one raw geometry: ``(drawn, usable)`` shapely geometries or None.

        ``drawn`` is the geometry as drawn (possibly invalid), for a property mapping
        that needs to know where a feature lies; ``usable`` is what gets stored.
        """
        collect = self.collect
        if geometry is None:
            collect.error(
                where,
                "geometry",
                f"is missing (null); a {self.kind.name} needs a {' or '.join(self.kind.geometry_types)}. Draw its shape or remove the feature.",
                "null-geometry",
            )
            return None, None
        if not isinstance(geometry, dict) or "type" not in geometry:
            collect.error(
                where, "geometry", "is missing or not a GeoJSON geometry object.", "geometry-object"
            )
            return None, None
        geometry_type = geometry["type"]
        if geometry_type not in GEOMETRY_TYPES:
            hint = _type_name_hint(geometry_type, GEOMETRY_TYPES)
            collect.error(
                where,
                "geometry",
                hint or f"type {str(geometry_type)[:40]!r} is not a GeoJSON geometry type (RFC 7946 §1.4).",
                "geometry-type-name",
            )
            return None, None
        if geometry_type not in self.kind.geometry_types:
            self.wrong_types[geometry_type].append(index)
            return None, None
        coordinates = geometry.get("coordinates")
        count = _count_positions(geometry_type, coordinates)
        if count > MAX_FEATURE_VERTICES:
            collect.error(
                where,
                "coordinates",
                f"has {count:,} vertices; the limit is {MAX_FEATURE_VERTICES:,} per feature. Simplify it (e.g. QGIS Simplify, tolerance 0.0001°).",
                "feature-vertices",
            )
            return None, None
        self.vertices += count
        if self.vertices > MAX_VERTICES:
            return None, None
        if coordinates == []:
            collect.error(where, "geometry", "is empty; remove the feature or draw its shape.", "empty")
            return None, None
        pointer = self.geometry_pointer(index) + "/coordinates"
        scan = _Scan()
        read = _read_coordinates(geometry_type, coordinates, pointer, scan)
        if not self._scan_ok(scan, geometry_type, where):
            return None, None
        if geometry_type == "Point":
            return self._point(read, where)
        return self._polygon(read, geometry_type, index, where, pointer)

    def _scan_ok(self, scan: _Scan, geometry_type: str, where: str) -> bool:
        collect = self.collect
        if scan.nesting:
            collect.error(
                where,
                "coordinates",
                f"are not nested as a {geometry_type} requires (RFC 7946 §3.1), at {scan.nesting}.",
                "nesting",
            )
            return False
        ok = True
        if scan.not_number:
            pointer, value = scan.not_number
            more = f" ({scan.not_number_count - 1} more in this feature)" if scan.not_number_count > 1 else ""
            collect.error(
                where,
                "coordinates",
                f"{pointer} is {_value_text(value)}; coordinates must be JSON numbers, without quotes (RFC 7946 §3.1.1){more}. Fix the tool or column that wrote them.",
                "not-number",
            )
            ok = False
        if scan.too_many_values:
            collect.error(
                where,
                "coordinates",
                f"positions have 4 or more values (first at {scan.too_many_values}); GeoJSON allows 2 (longitude, latitude) or 3 (with elevation). Export without M or time values.",
                "position-4d",
            )
            ok = False
        if scan.too_few_values:
            collect.error(
                where,
                "coordinates",
                f"a position has fewer than 2 values (at {scan.too_few_values}); each needs longitude and latitude.",
                "position-short",
            )
            ok = False
        if scan.mixed_widths:
            collect.error(
                where,
                "coordinates",
                f"positions mix 2 and 3 values (first different at {scan.mixed_widths}); give every position the same number of values, "
                "longitude and latitude (and elevation, if any).",
                "mixed-dimensions",
            )
            ok = False
        if ok and scan.has_z:
            self.with_z[scan.nonzero_z] += 1
        return ok

    def _check_range(self, xy: np.ndarray, where: str) -> bool:
        collect = self.collect
        if not np.isfinite(xy).all():
            collect.error(
                where,
                "coordinates",
                "contain a number too large for a 64-bit float (e.g. 1e400); fix the value in the tool that wrote it.",
                "non-finite",
            )
            return False
        if np.abs(xy).max() <= 180 and np.abs(xy[:, 1]).max() <= 90:
            return True
        if np.abs(xy).max() > 1000:
            x, y = xy[np.abs(xy).max(axis=1).argmax()]
            collect.error(
                where,
                "coordinates",
                f"look like projected metres (e.g. Web Mercator, EPSG:3857), not degrees: ({x:,.0f}, {y:,.0f}) is no longitude/latitude. "
                "Export as WGS84 longitude/latitude (EPSG:4326), e.g. ogr2ogr -t_srs EPSG:4326 -lco RFC7946=YES.",
                "projected",
            )
        elif np.abs(xy[:, 0]).max() <= 90 and np.abs(xy[:, 1]).max() <= 180:
            x, y = xy[np.abs(xy[:, 1]).argmax()]
            collect.error(
                where,
                "coordinates",
                f"look like latitude/longitude (e.g. [{x}, {y}]); GeoJSON needs longitude first (RFC 7946 §3.1.1). Swap the two values.",
                "swapped",
            )
        else:
            collect.error(
                where,
                "coordinates",
                "are outside longitude -180..180 / latitude -90..90; fix the values.",
                "out-of-range",
            )
        return False

    def _point(self, xy, where: str):
        if xy is None or len(xy) == 0:
            self.collect.error(
                where, "geometry", "is empty; remove the feature or give its position.", "empty"
            )
            return None, None
        if not self._check_range(xy, where):
            return None, None
        point = shapely.Point(xy[0])
        return point, point

    def _polygon(self, polygons, geometry_type: str, index: int, where: str, pointer: str):
        collect = self.collect
        rings = [ring for rings in polygons for ring in rings]
        if not rings or all(len(ring) == 0 for ring in rings):
            collect.error(where, "geometry", "is empty; remove the feature or draw its shape.", "empty")
            return None, None
        every = np.concatenate(rings)
        if not self._check_range(every, where):
            return None, None
        built = self._polygons_at_once(polygons, rings, every)
        if built is not None:
            built, removed = built
        else:
            built, removed = self._polygons_ring_by_ring(polygons, geometry_type, where, pointer)
            if built is None:
                return None, None
        shape = built[0] if geometry_type == "Polygon" else shapely.MultiPolygon(built)
        valid = shape.is_valid
        if (shape if valid else shapely.make_valid(shape)).area == 0:
            collect.error(
                where, "geometry", "has zero area; remove the feature or draw its shape.", "zero-area"
            )
            return None, None
        if removed:
            self.repeated["points"] += removed
            self.repeated["features"] += 1
        drawn = shape
        if not valid:
            shape = self._invalid(shape, index, where)
            if shape is None:
                return drawn, None
        oriented = shapely.orient_polygons(shape, exterior_cw=False)
        if not shapely.equals_exact(oriented, shape):
            self.reoriented += 1
        if valid:
            note_valid(oriented)  # the areas at import need not check it again
        return drawn, oriented

    @staticmethod
    def _polygons_at_once(polygons, rings, every: np.ndarray):
        """The ring checks of :meth:`_polygons_ring_by_ring` on all rings at once: ``(polygons, removed)``
        when every ring passes, else None (the ring-by-ring checks then name the first problem)."""
        lengths = np.fromiter(map(len, rings), dtype=np.int64, count=len(rings))
        if lengths.min() < 4 or not all(polygons):
            return None
        ends = np.cumsum(lengths)
        starts = ends - lengths
        if not (every[starts] == every[ends - 1]).all():
            return None
        inner = np.ones(len(every) - 1, dtype=bool)  # pairs of consecutive positions within one ring
        inner[ends[:-1] - 1] = False
        if np.abs(np.diff(every[:, 0]))[inner].max() > 180:
            return None
        distinct = np.empty(len(every), dtype=bool)
        distinct[1:] = np.any(every[1:] != every[:-1], axis=1)
        distinct[starts] = True
        kept_lengths = np.add.reduceat(distinct.astype(np.int64), starts)
        if kept_lengths.min() < 4:
            return None
        # All rings, then all polygons (the first ring of each its shell), in two calls.
        rings = shapely.linearrings(every[distinct], indices=np.repeat(np.arange(len(rings)), kept_lengths))
        built = shapely.polygons(
            rings, indices=np.repeat(np.arange(len(polygons)), [len(p) for p in polygons])
        )
        return list(built), int(len(every) - kept_lengths.sum())

    def _polygons_ring_by_ring(self, polygons, geometry_type: str, where: str, pointer: str):
        """Check each ring (closed, 4 positions or more, no antimeridian jump) and drop repeated
        positions: ``(polygons, removed)``, or ``(None, 0)`` after reporting the first problem."""
        collect = self.collect
        built = []
        removed = 0
        for p, polygon_rings in enumerate(polygons):
            kept = []
            for r, ring in enumerate(polygon_rings):
                name = f"ring {r}" if geometry_type == "Polygon" else f"polygon {p}, ring {r}"
                ring_pointer = f"{pointer}/{r}" if geometry_type == "Polygon" else f"{pointer}/{p}/{r}"
                if len(ring) == 0 or not np.array_equal(ring[0], ring[-1]):
                    first = f"({ring[0][0]:.5f}, {ring[0][1]:.5f})" if len(ring) else "none"
                    last = f"({ring[-1][0]:.5f}, {ring[-1][1]:.5f})" if len(ring) else "none"
                    collect.error(
                        where,
                        "coordinates",
                        f"a ring is not closed ({name}): the first point {first} and the last point {last} differ; "
                        "a polygon ring must end where it starts (RFC 7946 §3.1.6). Close it in your editor.",
                        "ring-not-closed",
                    )
                    return None, 0
                if len(ring) < 4:
                    collect.error(
                        where,
                        "coordinates",
                        f"{name} has {len(ring)} positions; a polygon ring needs four or more, the last repeating the first (RFC 7946 §3.1.6).",
                        "ring-short",
                    )
                    return None, 0
                jumps = np.abs(np.diff(ring[:, 0]))
                if jumps.max() > 180:
                    at = int(jumps.argmax())
                    collect.error(
                        where,
                        "coordinates",
                        f"{name} jumps {jumps[at]:.1f}° of longitude from {ring[at][0]} to {ring[at + 1][0]} (at {ring_pointer}/{at + 1}); a geometry crossing "
                        "the antimeridian must be cut in two at 180° (RFC 7946 §3.1.9).",
                        "antimeridian",
                    )
                    return None, 0
                distinct = np.r_[True, np.any(ring[1:] != ring[:-1], axis=1)]
                removed += len(ring) - int(distinct.sum())
                kept.append(ring[distinct])
            if any(len(ring) < 4 for ring in kept):
                collect.error(
                    where,
                    "geometry",
                    "has zero area (a ring has fewer than 4 distinct positions); remove the feature or draw its shape.",
                    "zero-area",
                )
                return None, 0
            built.append(shapely.Polygon(kept[0], kept[1:]))
        return built, removed

    def _invalid(self, shape, index: int, where: str):
        """Report an invalid geometry with what a repair would change; repair it if consented."""
        reason = shapely.is_valid_reason(shape)
        repaired = _polygonal(shapely.make_valid(shape, method="structure", keep_collapsed=False))
        before = float(area_km2([shape])[0])
        after = float(area_km2([repaired])[0]) if repaired is not None else 0.0
        as_areas, as_holes = _readings(shape)
        if abs(as_areas - as_holes) > 1e-6 * max(as_areas, as_holes, 1e-9):
            # Rings that can be read two ways (a "hole" outside its shell): the readings
            # cover different ground, so no repair is offered, even with consent; the
            # editor must say which was meant. Other repairs show the area before and after.
            self.collect.error(
                where,
                "geometry",
                f"is invalid: {reason}, and repairing it is ambiguous: with every ring as an area it covers {_km2(as_areas)} km², "
                f"with inner rings as holes {_km2(as_holes)} km². Fix it in the source file so it says which is meant.",
                "ambiguous",
            )
            return None
        if repaired is None or after == 0:
            self.collect.error(
                where,
                "geometry",
                f"is invalid: {reason}, and a repair would leave no area. Fix it in your editor (QGIS: Vector ▸ Geometry Tools ▸ Check Validity).",
                "invalid",
            )
            return None
        if not self.repair:
            self.collect.error(
                where,
                "geometry",
                f"is invalid: {reason}. Fix it in your editor (QGIS: Vector ▸ Geometry Tools ▸ Check Validity), or the app can repair it "
                f"with your consent (--repair): area would change from {_km2(before)} to {_km2(after)} km².",
                "invalid",
            )
            return None
        self.report.repairs.append(Repair(index, reason, before, after))
        self.collect.warning(
            where,
            "geometry",
            f"was invalid ({reason}) and was repaired with your consent: area changed from {_km2(before)} to {_km2(after)} km².",
            "repaired",
        )
        return repaired

    # the whole file ----------------------------------------------------------

    def finish(self, total: int) -> None:
        collect = self.collect
        for geometry_type, indices in self.wrong_types.items():
            listed = ", ".join(map(str, indices[:MAX_LISTED])) + (
                f" and {len(indices) - MAX_LISTED} more" if len(indices) > MAX_LISTED else ""
            )
            count = (
                f"{len(indices)} features are {geometry_type}s"
                if len(indices) > 1
                else f"1 feature is a {geometry_type}"
            )
            allowed = " and ".join(self.kind.geometry_types)
            fix = _FIX_FOR_TYPE.get(self.kind.name, {}).get(
                geometry_type, f"give every feature as a {allowed}"
            )
            collect.error(
                "File",
                "geometry",
                f"this is {_LAYER_OF_KIND.get(self.kind.name, 'a layer')} ({allowed}), but {count} (feature {listed}): {fix}.",
                f"wrong-type:{geometry_type}",
            )
        if self.vertices > MAX_VERTICES:
            collect.error(
                "File",
                "coordinates",
                f"holds more than {MAX_VERTICES:,} vertices; the limit is {MAX_VERTICES:,}. Simplify it or split it.",
                "file-vertices",
            )
        for reason, indices in self.dropped.items():
            collect.info(
                "File",
                "",
                f"{len(indices)} feature(s) dropped by the {self.mapping.name}: {reason}.",
                f"dropped:{reason}",
            )
        if self.dropped and total and not self.records and not self.report.errors:
            collect.error(
                "File",
                "features",
                f"holds no {self.kind.name} once the {self.mapping.name} has dropped what it does not import.",
                "nothing-left",
            )
        if self.unmapped_keys:
            shown = ", ".join(sorted(self.unmapped_keys)[:8]) + (
                ", ..." if len(self.unmapped_keys) > 8 else ""
            )
            collect.info(
                "File",
                "properties",
                f"the {self.mapping.name} keeps only the contract fields; the file's other properties ({shown}) were not imported.",
                "unmapped",
            )
        if self.with_z[True]:
            collect.warning(
                "File",
                "coordinates",
                f"{self.with_z[True]} feature(s) have a third (elevation) value; it was dropped (the map is 2-D).",
                "elevation",
            )
        if self.with_z[False]:
            collect.info(
                "File",
                "coordinates",
                f"{self.with_z[False]} feature(s) have a third (elevation) value, always 0; it was dropped.",
                "elevation-zero",
            )
        if self.active_keys:
            keys = ", ".join(f"{key} ({count} feature(s))" for key, count in sorted(self.active_keys.items()))
            collect.warning(
                "File",
                "properties",
                f"styling/popup keys that maps would act on were dropped: {keys}.",
                "active-keys",
            )
        if self.repeated:
            collect.info(
                "File",
                "coordinates",
                f"removed {self.repeated['points']} repeated consecutive point(s) in {self.repeated['features']} feature(s); the shapes are unchanged.",
                "repeated-points",
            )
        if self.reoriented:
            collect.info(
                "File",
                "coordinates",
                f"auto-fixed: ring orientation ({self.reoriented} feature(s)) to the right-hand rule, outer rings counter-clockwise (RFC 7946 §3.1.6).",
                "orientation",
            )


def _value_problem(value, depth: int) -> str | None:
    """Why a property key or value is too big to keep, or None."""
    if isinstance(value, float) and not math.isfinite(value):
        return "is a number too large for a 64-bit float (e.g. 1e400); write a smaller number, or the value as text."
    if isinstance(value, str):
        if len(value) > MAX_STRING_CHARS:
            return f"is {len(value):,} characters long; the limit is {MAX_STRING_CHARS:,} per value. Shorten it or leave it out."
        return None
    if isinstance(value, (list, dict)):
        if depth >= MAX_PROPERTY_DEPTH:
            return f"nests lists or objects more than {MAX_PROPERTY_DEPTH} levels deep; flatten it into plain text or numbers."
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            problem = (_value_problem(key, depth + 1) if isinstance(key, str) else None) or _value_problem(
                item, depth + 1
            )
            if problem:
                return problem
    return None


def _is_iso_date(value) -> bool:
    try:
        dt.date.fromisoformat(str(value))
        return len(str(value)) == 10
    except ValueError:
        return False


def _is_claims(value) -> bool:
    return isinstance(value, list) and all(
        isinstance(c, dict)
        and all(isinstance(c.get(f.name), str) and c.get(f.name) for f in schema.CLAIM_FIELDS)
        for c in value
    )


#: Where this app maps (lon/lat box of the bundled borders): coordinates wholly outside
#: it but inside it once swapped are latitude/longitude written in the wrong order.
AREA_OF_INTEREST = (18.0, 40.0, 50.0, 60.0)


def _check_bboxes(document, features, collect) -> None:
    """``bbox`` members are not used, but a malformed one is named (RFC 7946 §5)."""
    holders = [("File", document)] + [
        (f"Feature {i}", f) for i, f in enumerate(features) if isinstance(f, dict)
    ]
    for where, holder in holders:
        bbox = holder.get("bbox") if isinstance(holder, dict) else None
        if bbox is None:
            continue
        numbers = isinstance(bbox, list) and all(type(v) in (int, float) for v in bbox)
        if not numbers or len(bbox) not in (4, 6):
            collect.warning(
                where,
                "bbox",
                f"must contain 4 or 6 numbers (RFC 7946 §5), got {_value_text(bbox)}; it was ignored. Remove it or let your tool compute it.",
                "bbox",
            )


def _readings(shape) -> tuple[float, float]:
    """km² of an invalid polygon read two ways: GEOS's reading (every ring kept as drawn)
    and shells filled even-odd with every hole cut out."""
    every_ring = _polygonal(shapely.make_valid(shape, method="linework"))
    polygons = shapely.get_parts(shape)
    shells = [shapely.make_valid(shapely.Polygon(p.exterior)) for p in polygons]
    holes = [shapely.make_valid(shapely.Polygon(h)) for p in polygons for h in p.interiors]
    filled = shells[0] if shells else shapely.Polygon()
    for shell in shells[1:]:
        filled = shapely.symmetric_difference(filled, shell)
    as_holes = _polygonal(shapely.difference(filled, shapely.union_all(holes)) if holes else filled)
    area = lambda geom: float(area_km2([geom])[0]) if geom is not None else 0.0  # noqa: E731
    return area(every_ring), area(as_holes)


def _check_area_of_interest(geometries, collect) -> None:
    """Name [latitude, longitude] files that are in range but land far away (Kyiv in Iran)."""
    if not geometries:
        return
    west, south, east, north = shapely.total_bounds(np.asarray(geometries, dtype=object))
    area = shapely.box(*AREA_OF_INTEREST)
    if not area.intersects(shapely.box(west, south, east, north)) and area.contains(
        shapely.box(south, west, north, east)
    ):
        collect.error(
            "File",
            "coordinates",
            f"every coordinate lies outside the area this app maps (longitude {AREA_OF_INTEREST[0]:g} to {AREA_OF_INTEREST[2]:g}, "
            f"latitude {AREA_OF_INTEREST[1]:g} to {AREA_OF_INTEREST[3]:g}) but would lie inside it with the two values swapped: "
            "the file has [latitude, longitude] order; GeoJSON needs [longitude, latitude] (RFC 7946 §3.1.1). "
            "Swap them in your export, or let the app swap them and check again.",
            "swapped",
        )


def validate(
    raw: bytes,
    kind: schema.RecordKind = schema.TERRITORY,
    name: str = "upload",
    defaults: dict | None = None,
    mapping: PropertyMapping | None = None,
    repair: bool = False,
) -> Report:
    """Check an uploaded file against the data contract.

    Parameters
    ----------
    raw : bytes
        The file's bytes: GeoJSON, gzipped GeoJSON, KML or GeoPackage
        (see :func:`layers.formats.decode`).
    kind : schema.RecordKind
        ``schema.TERRITORY`` or ``schema.EVENT``.
    name : str
        File name, used in messages only (never as a path).
    defaults : dict, optional
        Values for fields a feature lacks (e.g. ``{"held_by": "RU"}``); a feature's
        own value wins.
    mapping : layers.presets.PropertyMapping, optional
        How the file's own properties become the contract fields (e.g.
        ``presets.PRESETS["deepstate"]``); applied before the contract checks. Features
        the mapping drops (e.g. DeepStateMap's unit markers) are counted in a note.
    repair : bool
        Whether invalid polygons may be repaired (``shapely.make_valid`` with the
        "structure" method). Without it they are errors that say what a repair would
        change; with it they are kept, listed in ``report.repairs`` and warned about.

    Returns
    -------
    Report
        ``report.features`` is a GeoDataFrame (EPSG:4326, polygons oriented by the
        right-hand rule) when ``report.ok``.
    """
    # formats imports Problem from this module, so it is imported when first needed.
    from .formats import decode

    report = Report(name)
    collect = _Collector(report)
    document, problems = decode(raw, name)
    report.problems.extend(problems)
    if document is None:
        return report
    if isinstance(document, dict):
        _check_crs_member(document, collect)
    features, pointer = _features_of(document, collect)
    _check_bboxes(document, features, collect)
    if len(features) > MAX_FEATURES:
        collect.error(
            "File",
            "features",
            f"holds {len(features):,} features; the limit is {MAX_FEATURES:,}. Split the file.",
            "file-features",
        )
        return report
    if not features and report.ok:
        collect.error("File", "features", "holds no feature.", "no-feature")
    if mapping is not None:
        mismatch = mapping.kind_problem(kind)
        if mismatch:
            collect.error("File", "", mismatch, "mapping-kind")
            return report
    checker = _Checker(kind, defaults or {}, mapping, repair, collect, report, pointer)
    for index, feature in enumerate(features):
        checker.check(index, feature)
    checker.finish(len(features))
    _check_area_of_interest(checker.geometries, collect)
    preset = suggest_preset(document) if mapping is None and not report.ok else None
    if preset:
        collect.info(
            "File",
            "",
            f"this looks like a file for the {preset!r} preset, whose properties map to the contract: try --preset {preset}.",
            "preset-hint",
        )
    collect.finish()
    if report.ok:
        report.features = _frame(checker.records, checker.geometries)
    return report


_WGS84 = None
#: Recent property tables by their records (as JSON), for :func:`_frame`: a daily archive
#: repeats the same properties file after file.
_TEMPLATES: dict[str, gpd.GeoDataFrame] = {}
_MAX_TEMPLATES = 16
_SCALARS = frozenset({str, int, float, bool, type(None)})


def _frame(records: list[dict], geometries: list) -> gpd.GeoDataFrame:
    """``gpd.GeoDataFrame(records, geometry=geometries, crs="EPSG:4326")``, built at a fraction of its cost.

    The constructor spends most of its time checking and re-setting the geometry and its
    CRS; the frame is the same when the column is added as a GeometryArray that carries the
    CRS. Records seen in a recent file give a copy of that file's table (pandas copies on
    write, so the copies are independent) with the new geometries.
    """
    global _WGS84
    if not records or any("geometry" in record for record in records):
        return gpd.GeoDataFrame(records, geometry=geometries, crs="EPSG:4326")
    if _WGS84 is None:
        _WGS84 = pyproj.CRS.from_user_input("EPSG:4326")
    geometry = gpd.array.from_shapely(np.array(geometries, dtype=object), crs=_WGS84)
    key = None
    # Only plain values: a copy shares the template's objects, and a list or dict could be changed in place.
    if all(type(value) in _SCALARS for record in records for value in record.values()):
        key = json.dumps(records, ensure_ascii=False, allow_nan=True)  # tells 1, 1.0 and true apart
    template = _TEMPLATES.get(key) if key is not None else None
    if template is not None:
        frame = template.copy(deep=False)
        frame["geometry"] = geometry
        return frame
    frame = pd.DataFrame(records)
    frame["geometry"] = geometry
    frame = gpd.GeoDataFrame(frame, geometry="geometry")
    if key is not None:
        remember(_TEMPLATES, key, frame.copy(deep=False), _MAX_TEMPLATES)
    return frame


__all__ = [
    "MAX_FEATURES",
    "MAX_FEATURE_VERTICES",
    "MAX_FILE_MB",
    "MAX_LISTED",
    "MAX_PROPERTIES",
    "MAX_PROPERTY_DEPTH",
    "MAX_STRING_CHARS",
    "MAX_VERTICES",
    "Problem",
    "Repair",
    "Report",
    "validate",
]
