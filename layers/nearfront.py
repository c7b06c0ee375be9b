"""Events near the front: how many events of a day fell within N km of that day's front line, per side.

The front line
--------------
The front of a territory layer on a date D is read from the snapshot in force on D (the
latest on or before D, as the map shows it: :func:`layers.snapshots.ref_at`); a day
before the layer's first snapshot has no front, and its events are not counted.

*Ground* is every zone whose status is ``held`` or ``contested``; ``claimed`` zones are
not ground (a claim is not control) and play no part, neither in the line nor in the
sides below. A snapshot whose ground belongs to one side only (the DeepStateMap archive
marks only Russian-held ground) is *one-sided*; one with ground of both sides is
*two-sided*.

- One-sided: the front is the outline of the marked ground (the union of its held and
  contested zones, so the outer edge of a grey zone), except the stretches that lie within
  :data:`BORDER_TOLERANCE_M` (3 km) of an international border or a coastline of the
  bundled 1:10m country borders (:data:`layers.areas.BORDERS_SOURCE`): they face no enemy.
  3 km, not less, because DeepStateMap's own outline runs 2-4 km off the 1:10m border
  along the Luhansk-Rostov border; the fronts near the border (Vovchansk, north of Sumy)
  mostly lie 3-6 km from it. Pieces left shorter than :data:`MIN_PIECE_M` (3 km; slivers
  where a layer's coast departs from the 1:10m one, at estuaries and spits, and the
  outline of a pocket under 3 km round) are dropped. A front that really runs within
  3 km of a border is removed too, an undercount there; lagoons mapped differently (the
  Molochnyi estuary, the Syvash) leave some false front. On the DeepStateMap day
  2025-08-01 this keeps 1,326 km: one line of 1,162 km and 164 km in shorter pieces.
- Two-sided: the front is each side's ground outline where it lies within
  :data:`CONTACT_TOLERANCE_M` (500 m) of the other side's ground (the tolerance absorbs
  digitising gaps); outlines that face unmarked ground, a border or the sea are not front.
  Borders are not removed: where both sides' ground meets on a border, that is the front.

The side of an event
--------------------
An event inside a ``contested`` zone counts as *contested*; else inside a ``held`` zone
of side S, for S ("on the Russian-held side"). Outside all ground, in a one-sided
snapshot it counts for the other side (an event at sea too): the project knows two
sides (``UA`` and ``RU``, :data:`layers.schema.SIDES`), so ground not marked as one
side's is taken as the other's; in a two-sided snapshot it counts as *unmarked*.

Distance
--------
The front lines and the events of a snapshot are projected to a transverse Mercator on
the WGS84 ellipsoid centred on the snapshot's ground (``+proj=tmerc +lon_0=<centre>``,
``k_0 = 1``), the lines first densified to vertices at most 0.01° apart, and an event is
near when its planar distance to the line is at most N km times the projection's point
scale at the event (``cosh(x / R)``, x the easting, R = 6,371 km). That correction leaves an
error under 0.05 % against the geodesic (``pyproj.Geod``) distance within ±8° of longitude
of the centre (without it the transverse Mercator's own scale error reaches 0.44 % at 8°);
the tests check it against ``pyproj.Geod`` for events near the threshold. Results are
cached per stored version (a version never changes), so a day shares its snapshot's work.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from . import schema
from .areas import BORDERS_SOURCE, load_borders, polygonal_part
from .errors import InvalidInputError
from .events import all_events, events_between
from .store import LayerInfo, Store

__all__ = [
    "BORDER_TOLERANCE_M",
    "CONTACT_TOLERANCE_M",
    "COUNT_COLUMNS",
    "DEFAULT_KM",
    "MIN_PIECE_M",
    "Front",
    "NearFrontTotal",
    "classify",
    "default_front_layer",
    "front_of",
    "PLACE_WORDS",
    "method_text",
    "near_front",
    "summary_line",
    "window_total",
]

DEFAULT_KM = 10.0

#: Stretches of a one-sided outline this close to a border or coast are not front.
#: DeepStateMap's outline runs 2-4 km off the 1:10m border along Luhansk-Rostov; fronts
#: near the border (Vovchansk, north of Sumy) stay 3-6 km from it.
BORDER_TOLERANCE_M = 3_000.0

#: Pieces of a one-sided front shorter than this, left between border and coast stretches
#: where the layer's coast departs from the 1:10m one (estuaries, spits), are dropped.
MIN_PIECE_M = 3_000.0

#: Two-sided: a side's outline this close to the other side's ground is front.
CONTACT_TOLERANCE_M = 500.0

#: Where an event stands: the sides of the data contract, then grey zone and unmarked ground.
COUNT_COLUMNS = [*sorted(schema.SIDES, reverse=True), "contested", "unmarked"]

#: Where the events counted stand, in words, in the order a sentence gives them.
PLACE_WORDS = {
    "UA": "on the Ukrainian-held side",
    "RU": "on the Russian-held side",
    "contested": "contested",
    "unmarked": "on unmarked ground",
}

#: Longest step between vertices of the front line before projecting, in degrees (~1 km).
DENSIFY_DEGREES = 0.01

EARTH_RADIUS_M = 6_371_000.0

GROUND = ("held", "contested")

_CACHE_SIZE = 256
_fronts: OrderedDict[tuple[str, int], Front | None] = OrderedDict()


@dataclass(frozen=True)
class Front:
    """The front line of one stored snapshot, in its own transverse Mercator.

    Attributes
    ----------
    version_id : int
    centre_lon : float
        The projection's central meridian.
    marked : tuple of str
        The sides with ground in the snapshot; one side makes it one-sided.
    line : shapely geometry
        The front line in metres (may be empty).
    zones : ndarray of Polygon
        The ground zones in metres.
    zone_labels : ndarray of str
        Per zone: ``contested`` or the side that holds it.
    """

    version_id: int
    centre_lon: float
    marked: tuple[str, ...]
    line: BaseGeometry
    zones: np.ndarray
    zone_labels: np.ndarray

    @property
    def outside_label(self) -> str:
        """What ground outside every zone counts as: the other side if one-sided, else ``unmarked``."""
        if len(self.marked) == 1:
            others = [side for side in sorted(schema.SIDES) if side != self.marked[0]]
            if len(others) == 1:
                return others[0]
        return "unmarked"

    def project(self, lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Longitudes and latitudes to this front's metres."""
        return _transformer(self.centre_lon).transform(lon, lat)


@lru_cache(maxsize=64)
def _transformer(centre_lon: float) -> pyproj.Transformer:
    crs = pyproj.CRS.from_proj4(
        f"+proj=tmerc +lat_0=0 +lon_0={centre_lon} +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m"
    )
    return pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)


def _projected(geoms: np.ndarray, centre_lon: float) -> np.ndarray:
    transformer = _transformer(centre_lon)
    dense = shapely.segmentize(geoms, DENSIFY_DEGREES)
    return shapely.transform(dense, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))


@lru_cache(maxsize=32)
def _border_zone(centre_lon: float, bbox: tuple[float, float, float, float]) -> BaseGeometry:
    """Country borders and coastlines near ``bbox`` (degrees), projected and widened by the tolerance."""
    borders = load_borders()
    lines = shapely.boundary(borders.geometry.values)
    lines = shapely.clip_by_rect(lines, *bbox)
    lines = lines[~shapely.is_empty(lines)]
    if not len(lines):
        return shapely.Polygon()
    return shapely.union_all(shapely.buffer(_projected(lines, centre_lon), BORDER_TOLERANCE_M))


def front_of(features: gpd.GeoDataFrame, version_id: int = 0) -> Front | None:
    """The front line and ground zones of one snapshot's features, by the rule of this module.

    None when the snapshot has no ground (no held or contested zone).
    """
    if features.empty or "status" not in features or "held_by" not in features:
        return None
    ground = features[features["status"].isin(GROUND)]
    valid = shapely.make_valid(np.asarray(ground.geometry.values, dtype=object))
    geoms = np.array([None if g is None else polygonal_part(g) for g in valid], dtype=object)
    polygonal = np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)
    ground, geoms = ground[polygonal], geoms[polygonal]
    if not len(geoms):
        return None
    west, south, east, north = shapely.total_bounds(geoms)
    centre_lon = round((west + east) / 2, 1)
    zones = _projected(geoms, centre_lon)
    labels = np.where(
        ground["status"].to_numpy() == "contested", "contested", ground["held_by"].astype(str).to_numpy()
    )
    sides = ground["held_by"].astype(str).to_numpy()
    marked = tuple(sorted(set(sides)))
    if len(marked) == 1:
        # One valid zone (the DeepStateMap archive's single MultiPolygon) needs no union.
        outline = shapely.boundary(zones[0] if len(zones) == 1 else shapely.union_all(zones))
        bbox = (west - 0.2, south - 0.2, east + 0.2, north + 0.2)
        line = shapely.difference(outline, _border_zone(centre_lon, tuple(round(v, 3) for v in bbox)))
        merged = shapely.get_parts(shapely.line_merge(line))
        line = shapely.union_all(merged[shapely.length(merged) >= MIN_PIECE_M])
    else:
        grounds = {side: shapely.union_all(zones[sides == side]) for side in marked}
        pieces = []
        for side, own in grounds.items():
            others = shapely.union_all([g for s, g in grounds.items() if s != side])
            pieces.append(
                shapely.intersection(shapely.boundary(own), shapely.buffer(others, CONTACT_TOLERANCE_M))
            )
        line = shapely.union_all(pieces)
    shapely.prepare(line)
    shapely.prepare(zones)
    return Front(version_id, centre_lon, marked, line, zones, labels)


def _cached_front(store: Store, version_id: int) -> Front | None:
    key = (store.url, version_id)
    if key in _fronts:
        _fronts.move_to_end(key)
        return _fronts[key]
    found = front_of(store.features(version_id), version_id)
    _fronts[key] = found
    if len(_fronts) > _CACHE_SIZE:
        _fronts.popitem(last=False)
    return found


def classify(front: Front, lon: np.ndarray, lat: np.ndarray, km: float) -> tuple[np.ndarray, np.ndarray]:
    """For events at ``lon``/``lat``: whether each is within ``km`` of the front, and where it stands.

    Returns
    -------
    near : ndarray of bool
    where : ndarray of str
        ``contested``, a side, or ``unmarked`` (see the module's rule).
    """
    x, y = front.project(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    points = np.asarray(shapely.points(x, y), dtype=object)
    where = np.array([front.outside_label] * len(points), dtype=object)
    # Boxes first, then each candidate zone (prepared) against its candidate points: an
    # STRtree predicate would prepare the points, not the large zone.
    point_index, zone_index = shapely.STRtree(front.zones).query(points)
    inside = np.zeros(len(point_index), dtype=bool)
    for zone in np.unique(zone_index):
        pairs = np.flatnonzero(zone_index == zone)
        chosen = point_index[pairs]
        inside[pairs] = shapely.intersects_xy(front.zones[zone], x[chosen], y[chosen])
    point_index, zone_index = point_index[inside], zone_index[inside]
    held = front.zone_labels[zone_index] != "contested"
    # Held first, then contested over it: an event in any contested zone counts as contested.
    where[point_index[held]] = front.zone_labels[zone_index[held]]
    where[point_index[~held]] = "contested"
    if shapely.is_empty(front.line):
        return np.zeros(len(points), dtype=bool), where
    # The planar distance is the true one times the point scale, cosh(x / R) on the sphere.
    threshold = km * 1000.0 * np.cosh(x / EARTH_RADIUS_M)
    near = shapely.dwithin(front.line, points, threshold)  # type: ignore[call-overload]  # (stub: a float)
    return np.asarray(near, dtype=bool), where


def method_text(km: float) -> str:
    """The method, in one line, for stderr, a CSV's companion and the panel."""
    return (
        f"events within {km:g} km of the front line: the outline of held and contested ground "
        f"where it faces the other side (one-sided layers: minus stretches within "
        f"{BORDER_TOLERANCE_M / 1000:g} km of a border or coast, {BORDERS_SOURCE}); each event against the "
        "snapshot in force on its day; distance in a transverse Mercator centred on the front, "
        "scale-corrected, within 0.05 % of the geodesic distance; outside every zone of a one-sided "
        "layer counts for the other side"
    )


def near_front(
    store: Store,
    events_layer: str,
    territory_layer: str,
    km: float = DEFAULT_KM,
    start: dt.date | None = None,
    end: dt.date | None = None,
    kind: str | None = None,
    events: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Per day, the events within ``km`` of the front line of ``territory_layer``, per side.

    ``events``, when given, are the layer's events as :func:`layers.events.all_events` read
    them (the app passes its cached copy); else they are read from ``events_layer``.

    Returns
    -------
    DataFrame
        One row per day from ``start`` to ``end`` (default: the events' first and last
        days): ``date``, ``snapshot`` (the territory snapshot's date, None before the
        first), ``near_front``, one column per :data:`COUNT_COLUMNS` and ``events`` (all
        events of the day). The counts are missing (``<NA>``) on a day without snapshot.

    Raises
    ------
    InvalidInputError
        For a distance that is not positive and finite.
    """
    if not np.isfinite(km) or km <= 0:
        raise InvalidInputError(f"--near-front {km!r}: give a distance in km above 0, e.g. 10.")
    if events is None:
        events = all_events(store, events_layer)
    if kind is not None and len(events):
        events = events[events["kind"] == kind]
    if start is None:
        start = min(events["occurred_on"], default=end)
    if end is None:
        end = max(events["occurred_on"], default=start)
    columns = ["date", "snapshot", "near_front", *COUNT_COLUMNS, "events"]
    if start is None or end is None or start > end:
        return _typed(pd.DataFrame(columns=columns))
    events = events_between(events, start, end)
    heads = store.heads(territory_layer)
    days = pd.date_range(start, end, freq="D").date
    snapshot_index = (
        np.searchsorted(
            np.asarray(heads["as_of"], dtype="datetime64[D]"),
            np.asarray(days, dtype="datetime64[D]"),
            side="right",
        )
        - 1
    )
    counts = {
        column: np.zeros(len(days), dtype=np.int64) for column in ["near_front", *COUNT_COLUMNS, "events"]
    }
    judged = snapshot_index >= 0
    day_number = (pd.to_datetime(events["occurred_on"]) - pd.Timestamp(start)).dt.days.to_numpy()
    np.add.at(counts["events"], day_number, 1)
    lon = shapely.get_x(events.geometry.values)
    lat = shapely.get_y(events.geometry.values)
    event_snapshot = snapshot_index[day_number] if len(day_number) else np.array([], dtype=np.int64)
    for position in np.unique(event_snapshot[event_snapshot >= 0]):
        front = _cached_front(store, int(heads["version_id"].iloc[position]))
        chosen = np.flatnonzero(event_snapshot == position)
        if front is None:
            continue
        near, where = classify(front, lon[chosen], lat[chosen], km)
        np.add.at(counts["near_front"], day_number[chosen][near], 1)
        for column in COUNT_COLUMNS:
            np.add.at(counts[column], day_number[chosen][near & (where == column)], 1)
    table = pd.DataFrame({"date": days})
    table["snapshot"] = [heads["as_of"].iloc[i] if i >= 0 else None for i in snapshot_index]
    for column in ["near_front", *COUNT_COLUMNS]:
        table[column] = pd.array(counts[column], dtype="Int64")
        table.loc[~judged, column] = pd.NA
    table["events"] = counts["events"]
    return _typed(table)


def _typed(table: pd.DataFrame) -> pd.DataFrame:
    for column in ["near_front", *COUNT_COLUMNS]:
        table[column] = table[column].astype("Int64")
    table["events"] = table["events"].astype("int64")
    return table


@dataclass(frozen=True)
class NearFrontTotal:
    """The events near the front over a window, summed over its days with a snapshot."""

    start: dt.date
    end: dt.date
    km: float
    territory_layer: str
    near_front: int
    by_place: dict[str, int]
    events: int
    unjudged: int
    last_snapshot: dt.date | None


def window_total(
    daily: pd.DataFrame, territory_layer: str, km: float, start: dt.date, end: dt.date
) -> NearFrontTotal:
    """Sum the rows of :func:`near_front` from ``start`` to ``end``, both included."""
    rows = daily[(daily["date"] >= start) & (daily["date"] <= end)]
    judged = rows[rows["near_front"].notna()]
    snapshots = [d for d in judged["snapshot"] if d is not None]
    return NearFrontTotal(
        start,
        end,
        km,
        territory_layer,
        int(judged["near_front"].sum()),
        {column: int(judged[column].sum()) for column in COUNT_COLUMNS},
        int(rows["events"].sum()),
        int(rows.loc[rows["near_front"].isna(), "events"].sum()),
        max(snapshots) if snapshots else None,
    )


def summary_line(total: NearFrontTotal, days: int) -> str:
    """The panel's sentence (plain text: the caller escapes it), e.g. "Events near the front,
    7 days to 18 Aug 2025: 312 within 10 km of the front line of L (201 on the
    Ukrainian-held side, 95 on the Russian-held side, 16 contested)"."""
    end = f"{total.end.day} {total.end:%b %Y}"
    head = f"Events near the front, {days} day{'s' if days != 1 else ''} to {end}: "
    parts = [f"{count:,} {PLACE_WORDS[place]}" for place, count in total.by_place.items() if count]
    line = f"{head}{total.near_front:,} of {total.events:,} within {total.km:g} km of the front line of "
    line += total.territory_layer + (f" ({', '.join(parts)})" if parts else "")
    if total.unjudged:
        line += f"; {total.unjudged:,} event(s) before the layer's first snapshot not counted"
    return line


def default_front_layer(store: Store, dates: list[dt.date]) -> str:
    """The territory layer to measure against: the only one, else the one covering most of ``dates``.

    A day is covered when the layer has a snapshot on or before it; ties go to the layer
    with more snapshots, then to the first by name.

    Raises
    ------
    InvalidInputError
        When the store has no territory layer with a snapshot.
    """
    candidates = [layer for layer in store.layers() if layer.kind == "territory" and layer.n_snapshots]
    if not candidates:
        raise InvalidInputError(
            "--near-front: the store has no territory layer with a snapshot to take the front from."
        )
    if len(candidates) == 1:
        return candidates[0].name

    def coverage(layer: LayerInfo) -> tuple[int, int]:
        first = layer.first
        return sum(1 for day in dates if first is not None and first <= day), layer.n_snapshots

    # max() keeps the first of equals: candidates come sorted by name.
    return max(sorted(candidates, key=lambda layer: layer.name), key=coverage).name
