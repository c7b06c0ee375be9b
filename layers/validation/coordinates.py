"""Coordinates read on the raw JSON: nesting, number types, dimensions, ranges and axis order.

Shapely is not trusted with raw coordinates: it turns ``"30.5"`` into a number and
closes open rings without a word. So positions are read here, type by type, into
arrays, and every first defect of a kind is kept with its JSON pointer for the message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import chain

import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from ..problems import Collector
from .structure import value_text

#: Where this app maps (lon/lat box of the bundled borders): coordinates wholly outside
#: it but inside it once swapped are latitude/longitude written in the wrong order.
AREA_OF_INTEREST = (18.0, 40.0, 50.0, 60.0)

_NUMBER_TYPES = {float, int}


@dataclass
class Scan:
    """What reading one geometry's raw coordinate arrays found (first occurrence of each defect)."""

    nesting: str | None = None
    not_number: tuple[str, object] | None = None
    not_number_count: int = 0
    too_many_values: str | None = None
    too_few_values: str | None = None
    has_z: bool = False
    nonzero_z: bool = False
    widths: set[int] = field(default_factory=set)
    mixed_widths: str | None = None


def _read_ring(ring: object, pointer: str, scan: Scan, single: bool = False) -> np.ndarray | None:
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


def read_point(coordinates: object, pointer: str, scan: Scan) -> np.ndarray | None:
    """A Point's raw position as a ``(1, 2)`` array (``(0, 2)`` when empty), or None when malformed.

    Parameters
    ----------
    coordinates : object
        The ``coordinates`` member as parsed.
    pointer : str
        Its JSON pointer, for the messages.
    scan : Scan
        Where the first defect of each kind is recorded.
    """
    if not isinstance(coordinates, list):
        scan.nesting = scan.nesting or pointer
        return None
    return _read_ring([coordinates], pointer, scan, single=True)


def read_polygons(
    geometry_type: str, coordinates: object, pointer: str, scan: Scan
) -> list[list[np.ndarray]] | None:
    """A Polygon's or MultiPolygon's raw rings as ``[[ring, ...], ...]``, one list per polygon.

    Each ring is an ``(n, 2)`` float array (a third value is recorded in ``scan`` and
    dropped). Every ring is read, so that ``scan`` holds the first defect of each kind
    in the whole geometry; the result is None when any ring is malformed.
    """
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
    read: list[list[np.ndarray]] = []
    for rings in result:
        arrays = [ring for ring in rings if ring is not None]
        if len(arrays) < len(rings):
            return None
        read.append(arrays)
    return read


def count_positions(geometry_type: str, coordinates: object) -> int:
    """Positions in raw coordinates, counted cheaply (rings by length) before any reading."""
    if geometry_type == "Point":
        return 1
    polygons = [coordinates] if geometry_type == "Polygon" else coordinates
    if not isinstance(polygons, list):
        return 0
    return sum(
        len(ring) for rings in polygons if isinstance(rings, list) for ring in rings if isinstance(ring, list)
    )


def check_scan(scan: Scan, geometry_type: str, where: str, collect: Collector) -> bool:
    """Report what reading the coordinates found; whether they can be used."""
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
            f"{pointer} is {value_text(value)}; coordinates must be JSON numbers, without quotes "
            f"(RFC 7946 §3.1.1){more}. Fix the tool or column that wrote them.",
            "not-number",
        )
        ok = False
    if scan.too_many_values:
        collect.error(
            where,
            "coordinates",
            f"positions have 4 or more values (first at {scan.too_many_values}); GeoJSON allows 2 "
            "(longitude, latitude) or 3 (with elevation). Export without M or time values.",
            "position-4d",
        )
        ok = False
    if scan.too_few_values:
        collect.error(
            where,
            "coordinates",
            f"a position has fewer than 2 values (at {scan.too_few_values}); each needs longitude and "
            "latitude.",
            "position-short",
        )
        ok = False
    if scan.mixed_widths:
        collect.error(
            where,
            "coordinates",
            f"positions mix 2 and 3 values (first different at {scan.mixed_widths}); give every position "
            "the same number of values, longitude and latitude (and elevation, if any).",
            "mixed-dimensions",
        )
        ok = False
    return ok


def check_range(xy: np.ndarray, where: str, collect: Collector) -> bool:
    """Whether positions are finite longitude/latitude; if not, report what they look like instead.

    Projected metres and latitude/longitude order are named as such, so that the
    message says which export setting to change.
    """
    if not np.isfinite(xy).all():
        collect.error(
            where,
            "coordinates",
            "contain a number too large for a 64-bit float (e.g. 1e400); fix the value in the tool that "
            "wrote it.",
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
            f"look like projected metres (e.g. Web Mercator, EPSG:3857), not degrees: ({x:,.0f}, {y:,.0f}) "
            "is no longitude/latitude. Export as WGS84 longitude/latitude (EPSG:4326), e.g. ogr2ogr "
            "-t_srs EPSG:4326 -lco RFC7946=YES.",
            "projected",
        )
    elif np.abs(xy[:, 0]).max() <= 90 and np.abs(xy[:, 1]).max() <= 180:
        x, y = xy[np.abs(xy[:, 1]).argmax()]
        collect.error(
            where,
            "coordinates",
            f"look like latitude/longitude (e.g. [{x}, {y}]); GeoJSON needs longitude first "
            "(RFC 7946 §3.1.1). Swap the two values.",
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


def check_area_of_interest(geometries: list[BaseGeometry], collect: Collector) -> None:
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
            f"every coordinate lies outside the area this app maps (longitude {AREA_OF_INTEREST[0]:g} to "
            f"{AREA_OF_INTEREST[2]:g}, latitude {AREA_OF_INTEREST[1]:g} to {AREA_OF_INTEREST[3]:g}) but "
            "would lie inside it with the two values swapped: the file has [latitude, longitude] order; "
            "GeoJSON needs [longitude, latitude] (RFC 7946 §3.1.1). Swap them in your export, or let the "
            "app swap them and check again.",
            "swapped",
        )


__all__ = [
    "AREA_OF_INTEREST",
    "Scan",
    "check_area_of_interest",
    "check_range",
    "check_scan",
    "count_positions",
    "read_point",
    "read_polygons",
]
