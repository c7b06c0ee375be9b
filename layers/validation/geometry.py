"""Geometries: the type a layer takes, vertex limits, rings, zero area, validity and orientation.

:class:`GeometryChecker` checks one raw geometry after another (reading their
coordinates with :mod:`.coordinates`, repairing with :mod:`.repair`) and keeps the
file-level counts (wrong types, vertices, elevations, repeated points, re-oriented
rings) that become one line each in the report.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import cast

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon
from shapely.geometry.base import BaseGeometry

from .. import schema
from ..areas import note_valid
from ..problems import MAX_FEATURE_VERTICES, MAX_LISTED, MAX_VERTICES, Collector, Repair
from .coordinates import Scan, check_range, check_scan, count_positions, read_point, read_polygons
from .repair import repair_invalid
from .structure import GEOMETRY_TYPES, type_name_hint

#: A geometry as drawn (possibly invalid) and as it will be stored; either may be None.
Checked = tuple[BaseGeometry | None, BaseGeometry | None]

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


class GeometryChecker:
    """Checks the geometries of one file, feature by feature, and counts the automatic fixes.

    Parameters
    ----------
    kind : schema.RecordKind
        What the features are; gives the geometry types allowed.
    repair : bool
        Whether invalid polygons may be repaired (see :func:`.repair.repair_invalid`).
    collect : Collector
        Where problems are added.
    repairs : list of Repair
        The report's repairs, to which repairs made are appended.
    """

    def __init__(
        self, kind: schema.RecordKind, repair: bool, collect: Collector, repairs: list[Repair]
    ) -> None:
        self.kind = kind
        self.repair = repair
        self.collect = collect
        self.repairs = repairs
        self.vertices = 0
        self.wrong_types: dict[str, list[int]] = defaultdict(list)
        self.with_z: Counter[bool] = Counter()  # features with a third value, by whether any was non-zero
        self.reoriented = 0
        self.repeated: Counter[str] = Counter()

    def check(self, geometry: object, index: int, where: str, pointer: str) -> Checked:
        """Check one raw geometry: ``(drawn, usable)`` shapely geometries or None.

        Parameters
        ----------
        geometry : object
            The feature's ``geometry`` member as parsed.
        index : int
            The feature's index in the file.
        where : str
            How messages name the feature.
        pointer : str
            The geometry's JSON pointer (see :func:`.structure.geometry_pointer`).

        Returns
        -------
        drawn : shapely geometry or None
            The geometry as drawn (possibly invalid), for a property mapping that needs
            to know where a feature lies.
        usable : shapely geometry or None
            What gets stored: polygons valid (repaired only with consent) and oriented
            by the right-hand rule; None when the geometry has an error.
        """
        collect = self.collect
        if geometry is None:
            collect.error(
                where,
                "geometry",
                f"is missing (null); a {self.kind.name} needs a {' or '.join(self.kind.geometry_types)}. "
                "Draw its shape or remove the feature.",
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
            hint = type_name_hint(geometry_type, GEOMETRY_TYPES)
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
        count = count_positions(geometry_type, coordinates)
        if count > MAX_FEATURE_VERTICES:
            collect.error(
                where,
                "coordinates",
                f"has {count:,} vertices; the limit is {MAX_FEATURE_VERTICES:,} per feature. "
                "Simplify it (e.g. QGIS Simplify, tolerance 0.0001°).",
                "feature-vertices",
            )
            return None, None
        self.vertices += count
        if self.vertices > MAX_VERTICES:
            return None, None
        if coordinates == []:
            collect.error(where, "geometry", "is empty; remove the feature or draw its shape.", "empty")
            return None, None
        pointer += "/coordinates"
        scan = Scan()
        if geometry_type == "Point":
            position = read_point(coordinates, pointer, scan)
            if not self._scan_ok(scan, geometry_type, where):
                return None, None
            return self._point(position, where)
        polygons = read_polygons(geometry_type, coordinates, pointer, scan)
        if not self._scan_ok(scan, geometry_type, where) or polygons is None:
            return None, None
        return self._polygon(polygons, geometry_type, index, where, pointer)

    def _scan_ok(self, scan: Scan, geometry_type: str, where: str) -> bool:
        ok = check_scan(scan, geometry_type, where, self.collect)
        if ok and scan.has_z:
            self.with_z[scan.nonzero_z] += 1
        return ok

    def _point(self, xy: np.ndarray | None, where: str) -> Checked:
        if xy is None or len(xy) == 0:
            self.collect.error(
                where, "geometry", "is empty; remove the feature or give its position.", "empty"
            )
            return None, None
        if not check_range(xy, where, self.collect):
            return None, None
        point = Point(xy[0])
        return point, point

    def _polygon(
        self, polygons: list[list[np.ndarray]], geometry_type: str, index: int, where: str, pointer: str
    ) -> Checked:
        collect = self.collect
        rings = [ring for rings in polygons for ring in rings]
        if not rings or all(len(ring) == 0 for ring in rings):
            collect.error(where, "geometry", "is empty; remove the feature or draw its shape.", "empty")
            return None, None
        every = np.concatenate(rings)
        if not check_range(every, where, collect):
            return None, None
        at_once = _polygons_at_once(polygons, rings, every)
        if at_once is not None:
            built, removed = at_once
        else:
            ring_by_ring = self._polygons_ring_by_ring(polygons, geometry_type, where, pointer)
            if ring_by_ring is None:
                return None, None
            built, removed = ring_by_ring
        shape: Polygon | MultiPolygon = built[0] if geometry_type == "Polygon" else MultiPolygon(built)
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
            usable = repair_invalid(shape, index, where, self.repair, collect, self.repairs)
            if usable is None:
                return drawn, None
            shape = usable
        oriented = shapely.orient_polygons(shape, exterior_cw=False)
        if not shapely.equals_exact(oriented, shape):
            self.reoriented += 1
        if valid:
            note_valid(oriented)  # the areas at import need not check it again
        return drawn, oriented

    def _polygons_ring_by_ring(
        self, polygons: list[list[np.ndarray]], geometry_type: str, where: str, pointer: str
    ) -> tuple[list[Polygon], int] | None:
        """Check each polygon (one ring or more) and ring (closed, 4 positions or more, no antimeridian
        jump) and drop repeated positions: ``(polygons, removed)``, or None after reporting the first
        problem."""
        collect = self.collect
        built = []
        removed = 0
        for p, polygon_rings in enumerate(polygons):
            if not polygon_rings:
                collect.error(
                    where,
                    "coordinates",
                    f"polygon {p} has no rings; each polygon of a MultiPolygon needs an outer ring "
                    "(RFC 7946 §3.1.7). Remove the empty polygon or draw its shape.",
                    "polygon-empty",
                )
                return None
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
                        f"a ring is not closed ({name}): the first point {first} and the last point {last} "
                        "differ; a polygon ring must end where it starts (RFC 7946 §3.1.6). Close it in "
                        "your editor.",
                        "ring-not-closed",
                    )
                    return None
                if len(ring) < 4:
                    collect.error(
                        where,
                        "coordinates",
                        f"{name} has {len(ring)} positions; a polygon ring needs four or more, the last "
                        "repeating the first (RFC 7946 §3.1.6).",
                        "ring-short",
                    )
                    return None
                jumps = np.abs(np.diff(ring[:, 0]))
                if jumps.max() > 180:
                    at = int(jumps.argmax())
                    collect.error(
                        where,
                        "coordinates",
                        f"{name} jumps {jumps[at]:.1f}° of longitude from {ring[at][0]} to {ring[at + 1][0]} "
                        f"(at {ring_pointer}/{at + 1}); a geometry crossing the antimeridian must be cut in "
                        "two at 180° (RFC 7946 §3.1.9).",
                        "antimeridian",
                    )
                    return None
                distinct = np.r_[True, np.any(ring[1:] != ring[:-1], axis=1)]
                removed += len(ring) - int(distinct.sum())
                kept.append(ring[distinct])
            if any(len(ring) < 4 for ring in kept):
                collect.error(
                    where,
                    "geometry",
                    "has zero area (a ring has fewer than 4 distinct positions); remove the feature or "
                    "draw its shape.",
                    "zero-area",
                )
                return None
            built.append(Polygon(kept[0], kept[1:]))
        return built, removed

    def report_types_and_size(self) -> None:
        """One error per geometry type the layer does not take, then one if the file has too many vertices."""
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
                f"this is {_LAYER_OF_KIND.get(self.kind.name, 'a layer')} ({allowed}), but {count} "
                f"(feature {listed}): {fix}.",
                f"wrong-type:{geometry_type}",
            )
        if self.vertices > MAX_VERTICES:
            collect.error(
                "File",
                "coordinates",
                f"holds more than {MAX_VERTICES:,} vertices; the limit is {MAX_VERTICES:,}. "
                "Simplify it or split it.",
                "file-vertices",
            )

    def report_elevation(self) -> None:
        """A line each for features whose third value was dropped: elevations, then zeros."""
        if self.with_z[True]:
            self.collect.warning(
                "File",
                "coordinates",
                f"{self.with_z[True]} feature(s) have a third (elevation) value; it was dropped "
                "(the map is 2-D).",
                "elevation",
            )
        if self.with_z[False]:
            self.collect.info(
                "File",
                "coordinates",
                f"{self.with_z[False]} feature(s) have a third (elevation) value, always 0; it was dropped.",
                "elevation-zero",
            )

    def report_cleanups(self) -> None:
        """A note each for the automatic fixes: repeated points removed, rings re-oriented."""
        if self.repeated:
            self.collect.info(
                "File",
                "coordinates",
                f"removed {self.repeated['points']} repeated consecutive point(s) in "
                f"{self.repeated['features']} feature(s); the shapes are unchanged.",
                "repeated-points",
            )
        if self.reoriented:
            self.collect.info(
                "File",
                "coordinates",
                f"auto-fixed: ring orientation ({self.reoriented} feature(s)) to the right-hand rule, "
                "outer rings counter-clockwise (RFC 7946 §3.1.6).",
                "orientation",
            )


def _polygons_at_once(
    polygons: list[list[np.ndarray]], rings: list[np.ndarray], every: np.ndarray
) -> tuple[list[Polygon], int] | None:
    """The ring checks of :meth:`GeometryChecker._polygons_ring_by_ring` on all rings at once:
    ``(polygons, removed)`` when every ring passes, else None (the ring-by-ring checks then
    name the first problem)."""
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
    # All rings, then all polygons (the first ring of each its shell), in two calls. Given
    # indices, both return an array of geometries; the stubs also allow a single geometry.
    linear_rings = cast(
        "np.ndarray",
        shapely.linearrings(every[distinct], indices=np.repeat(np.arange(len(rings)), kept_lengths)),
    )
    built = cast(
        "np.ndarray",
        shapely.polygons(
            linear_rings, indices=np.repeat(np.arange(len(polygons)), [len(p) for p in polygons])
        ),
    )
    return list(built), int(len(every) - kept_lengths.sum())


__all__ = ["Checked", "GeometryChecker"]
