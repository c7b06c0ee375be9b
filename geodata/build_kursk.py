"""Draw the illustrative Kursk-incursion territory layer from the gazetteer and the reports.

Run from the repository root when ``places.csv`` or ``kursk_reports.json`` change (the
output is committed)::

    python geodata/build_kursk.py

It reads ``geodata/places.csv`` (settlements), ``geodata/kursk_reports.json`` (for each
snapshot date: the settlements reported Ukrainian-held, contested, or claimed retaken by
Russia, with sources) and ``geodata/borders.geojson``, and writes
``geodata/layers/kursk-incursion.geojson``: per snapshot one ``UA``/``held`` feature, one
``UA``/``contested`` feature and, when Russia claimed places, one ``RU``/``claimed`` feature.

The geometry is a drawing by the project from public reporting, not survey data; how it is
drawn is stated in ``geodata/README.md``. The output is deterministic: the same inputs give
the same bytes.
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import shapely
import shapely.ops

HERE = Path(__file__).resolve().parent
PLACES = HERE / "places.csv"
REPORTS = HERE / "kursk_reports.json"
BORDERS = HERE / "borders.geojson"
OUT = HERE / "layers" / "kursk-incursion.geojson"

#: Equal-area CRS centred on the salient: buffer radii in metres mean the same everywhere.
LOCAL_CRS = "+proj=laea +lat_0=51.2 +lon_0=35.2 +datum=WGS84 +units=m +no_defs"
#: lon/lat window that holds every snapshot; borders are clipped to it before projecting.
WINDOW = (33.0, 50.3, 37.0, 52.3)

HELD_RADIUS_M = 3500.0
#: Gaps narrower than twice this between held settlements are filled (morphological closing).
HELD_CLOSING_M = 10000.0
SMOOTH_M = 1500.0
CORRIDOR_HALF_WIDTH_M = 2500.0
#: How far the held area runs on into Sumy region, as maps of the salient draw it.
ACROSS_BORDER_M = 2000.0
CONTESTED_RING_M = 2500.0
CONTESTED_RADIUS_M = 3000.0
CLAIMED_RADIUS_M = 2500.0
SIMPLIFY_M = 40.0
#: 5 decimals of a degree is about 1 m: enough for a drawing, and keeps the file small.
GRID_DEG = 1e-5
#: Gap left between features of one snapshot. Snapping to the grid moves vertices by up to
#: half a cell, which can leave slivers where two features share an edge; a 2-cell gap
#: (about 2 m) keeps them apart by construction.
GAP_DEG = 2 * GRID_DEG

GEOD = pyproj.Geod(ellps="WGS84")


class InputError(ValueError):
    """An input file breaks the rules this script relies on; the message says how to fix it."""


def read_places(path: Path = PLACES) -> dict[str, dict]:
    """Read the gazetteer.

    Parameters
    ----------
    path : Path
        CSV with columns ``name,name_local,lat,lon,iso3,kind,label``.

    Returns
    -------
    dict
        Place name to its row, with ``lat`` and ``lon`` as floats.

    Raises
    ------
    InputError
        On a duplicate name, a bad kind or label, or coordinates outside Ukraine's region.
    """
    places: dict[str, dict] = {}
    with open(path, newline="", encoding="utf-8") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            name = row["name"]
            if name in places:
                raise InputError(
                    f"{path.name} line {line}: duplicate place name {name!r}; names must be unique."
                )
            if row["kind"] not in ("city", "town", "village"):
                raise InputError(
                    f"{path.name} line {line}: kind must be city, town or village, got {row['kind']!r}."
                )
            if row["label"] not in ("0", "1"):
                raise InputError(f"{path.name} line {line}: label must be 0 or 1, got {row['label']!r}.")
            row["lat"], row["lon"] = float(row["lat"]), float(row["lon"])
            if not (40.0 < row["lat"] < 60.0 and 18.0 < row["lon"] < 50.0):
                raise InputError(
                    f"{path.name} line {line}: {name} lies outside the borders file; lat and lon swapped?"
                )
            places[name] = row
    return places


def check_places_in_borders(places: dict[str, dict], borders: gpd.GeoDataFrame) -> None:
    """Raise if a place's ``iso3`` is not the country of ``borders`` that contains it."""
    points = gpd.GeoDataFrame(
        {"name": list(places), "iso3": [p["iso3"] for p in places.values()]},
        geometry=gpd.points_from_xy([p["lon"] for p in places.values()], [p["lat"] for p in places.values()]),
        crs="EPSG:4326",
    )
    joined = gpd.sjoin(
        points, borders[["iso3", "geometry"]], how="left", predicate="within", rsuffix="border"
    )
    wrong = joined[joined["iso3_left"] != joined["iso3_border"]]
    if len(wrong):
        lines = [
            f"{r.name}: iso3 {r.iso3_left}, but the point lies in {r.iso3_border}" for r in wrong.itertuples()
        ]
        raise InputError("places.csv disagrees with borders.geojson:\n  " + "\n  ".join(lines))


def read_reports(path: Path, places: dict[str, dict]) -> list[dict]:
    """Read the snapshots and check them against the gazetteer.

    Raises
    ------
    InputError
        If dates are not strictly increasing, a snapshot has no held place or no source, a
        name is not in ``places.csv``, or one place is listed twice in a snapshot.
    """
    with open(path, encoding="utf-8") as f:
        reports = json.load(f)
    previous = ""
    for snap in reports:
        as_of = snap["as_of"]
        if as_of <= previous:
            raise InputError(
                f"{path.name}: snapshot {as_of} must come after {previous}; keep dates unique and in order."
            )
        previous = as_of
        if not snap["held_UA"] or not snap["sources"]:
            raise InputError(
                f"{path.name}: snapshot {as_of} needs at least one held_UA place and one source."
            )
        listed = snap["held_UA"] + snap["contested"] + snap["claimed_RU"]
        unknown = sorted(set(listed) - set(places))
        if unknown:
            raise InputError(
                f"{path.name}: snapshot {as_of} names {unknown}, which are not in places.csv; add them there."
            )
        twice = sorted({n for n in listed if listed.count(n) > 1})
        if twice:
            raise InputError(
                f"{path.name}: snapshot {as_of} lists {twice} more than once; a place has one status."
            )
    return reports


class Drawing:
    """Projection and borders shared by every snapshot.

    Parameters
    ----------
    borders : GeoDataFrame
        Country borders in EPSG:4326 with an ``iso3`` column.
    """

    def __init__(self, borders: gpd.GeoDataFrame):
        window = shapely.box(*WINDOW)
        by_iso = {r.iso3: r.geometry for r in borders.itertuples()}
        self.rus_lonlat = shapely.intersection(by_iso["RUS"], window)
        self.to_local = pyproj.Transformer.from_crs("EPSG:4326", LOCAL_CRS, always_xy=True)
        self.to_lonlat = pyproj.Transformer.from_crs(LOCAL_CRS, "EPSG:4326", always_xy=True)
        self.rus = self.project(self.rus_lonlat)
        self.ukr = self.project(shapely.intersection(by_iso["UKR"], window))
        self.reach = self.rus.buffer(ACROSS_BORDER_M).intersection(self.rus.union(self.ukr))

    def project(self, geom):
        return shapely.transform(
            geom, lambda xy: np.column_stack(self.to_local.transform(xy[:, 0], xy[:, 1]))
        )

    def unproject(self, geom):
        return shapely.transform(
            geom, lambda xy: np.column_stack(self.to_lonlat.transform(xy[:, 0], xy[:, 1]))
        )

    def points(self, names: list[str], places: dict[str, dict]):
        return [self.project(shapely.Point(places[n]["lon"], places[n]["lat"])) for n in names]

    def held(self, points):
        """Draw held ground: a closed hull of the held settlements, joined to the border.

        The salient was supplied across the border from Sumy region, so the hull is joined
        to the Ukrainian border along the shortest path and runs ``ACROSS_BORDER_M`` into
        Ukraine, as published maps draw it; areas "inside Russia" clip it to the border.
        """
        # A closing rather than a concave hull: it is monotone, so dropping a settlement
        # from the held list never makes the drawn area grow.
        blobs = shapely.union_all([p.buffer(HELD_RADIUS_M) for p in points])
        hull = blobs.buffer(HELD_CLOSING_M).buffer(-HELD_CLOSING_M)
        near, far = shapely.ops.nearest_points(hull, self.ukr)
        if near.distance(far) > 0:
            hull = hull.union(shapely.LineString([near, far]).buffer(CORRIDOR_HALF_WIDTH_M))
        spill = hull.buffer(ACROSS_BORDER_M).intersection(self.ukr)
        shape = hull.union(spill).buffer(SMOOTH_M).buffer(-SMOOTH_M)
        return shape.intersection(self.reach)

    def contested(self, held, points):
        """Draw the grey zone: a band ahead of the held area plus the contested settlements."""
        ring = held.buffer(CONTESTED_RING_M)
        spots = [p.buffer(CONTESTED_RADIUS_M) for p in points]
        zone = shapely.union_all([ring, *spots]).buffer(SMOOTH_M).buffer(-SMOOTH_M)
        return zone.intersection(self.rus)

    def claimed(self, points):
        """Draw the ground around settlements Russia claimed to have retaken."""
        zone = shapely.union_all([p.buffer(CLAIMED_RADIUS_M) for p in points])
        return zone.intersection(self.rus)

    def finish(self, geom):
        """Simplify in metres, return to lon/lat and snap to the output grid."""
        geom = shapely.simplify(geom, SIMPLIFY_M, preserve_topology=True)
        return shapely.set_precision(self.unproject(geom), GRID_DEG)


def area_km2(geom, within) -> float:
    """Geodesic (WGS84 ellipsoid) area in km2 of ``geom`` clipped to ``within``, both lon/lat."""
    clipped = shapely.intersection(geom, within)
    if clipped.is_empty:
        return 0.0
    area_m2, _ = GEOD.geometry_area_perimeter(shapely.orient_polygons(clipped))
    return abs(area_m2) / 1e6


def draw_snapshot(snap: dict, places: dict[str, dict], drawing: Drawing) -> list[dict]:
    """Return the features of one snapshot, held first, in lon/lat and not overlapping."""
    held_local = drawing.held(drawing.points(snap["held_UA"], places))
    held = drawing.finish(held_local)
    source = "; ".join(snap["sources"])
    features = [_feature(snap["as_of"], "UA", "held", held, source, snap["note"])]

    claimed = shapely.Polygon()
    if snap["claimed_RU"]:
        claimed = drawing.finish(drawing.claimed(drawing.points(snap["claimed_RU"], places)))
        claimed = shapely.difference(claimed, held.buffer(GAP_DEG), grid_size=GRID_DEG)
        note = (
            f"Russia claimed to have retaken: {', '.join(snap['claimed_RU'])} "
            "(not confirmed as of this date)."
        )
        features.append(_feature(snap["as_of"], "RU", "claimed", claimed, source, note))

    contested = drawing.finish(drawing.contested(held_local, drawing.points(snap["contested"], places)))
    for taken in (held, claimed):
        contested = shapely.difference(contested, taken.buffer(GAP_DEG), grid_size=GRID_DEG)
    around = f" Fighting reported at or near: {', '.join(snap['contested'])}." if snap["contested"] else ""
    features.insert(
        1,
        _feature(
            snap["as_of"],
            "UA",
            "contested",
            contested,
            source,
            "Grey zone around the held area." + around,
        ),
    )
    return features


def _feature(as_of, held_by, status, geom, source, note) -> dict:
    geom = shapely.orient_polygons(_polygonal(geom))
    if not geom.is_valid:
        raise RuntimeError(f"{as_of} {held_by}/{status}: {shapely.is_valid_reason(geom)}")
    return {
        "type": "Feature",
        "properties": {
            "as_of": as_of,
            "held_by": held_by,
            "status": status,
            "source": source,
            "note": note,
        },
        "geometry": _rounded(shapely.geometry.mapping(geom)),
    }


def _polygonal(geom):
    # Overlay can leave lines or points where shapes touch; territory is Polygon/MultiPolygon.
    parts = []
    for part in shapely.get_parts(geom):
        if part.geom_type == "Polygon":
            parts.append(part)
        elif part.geom_type == "MultiPolygon":
            parts.extend(shapely.get_parts(part))
    parts = [p for p in parts if not p.is_empty]
    if not parts:
        raise RuntimeError("nothing left to draw: a zone was swallowed by the held area")
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def _rounded(mapping: dict) -> dict:
    def walk(coords):
        if isinstance(coords[0], (int, float)):
            return [round(coords[0], 5), round(coords[1], 5)]
        return [walk(c) for c in coords]

    return {"type": mapping["type"], "coordinates": walk(mapping["coordinates"])}


def main() -> int:
    borders = gpd.read_file(BORDERS)
    places = read_places()
    check_places_in_borders(places, borders)
    reports = read_reports(REPORTS, places)
    drawing = Drawing(borders)

    features = []
    print("as_of       UA held in RUS km2  contested km2  RU claimed km2")
    for snap in reports:
        drawn = draw_snapshot(snap, places, drawing)
        # Measured on the rounded geometry, i.e. exactly what is written and what the app reads.
        areas = {
            f["properties"]["status"]: area_km2(shapely.geometry.shape(f["geometry"]), drawing.rus_lonlat)
            for f in drawn
        }
        print(
            f"{snap['as_of']}  {areas['held']:16.0f}  {areas['contested']:13.0f}  "
            f"{areas.get('claimed', 0):14.0f}"
        )
        features.extend(drawn)

    collection = {"type": "FeatureCollection", "features": features}
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {OUT} ({len(features)} features, {OUT.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except InputError as error:
        sys.exit(f"build_kursk: {error}")
