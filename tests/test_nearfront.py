"""Events near the front: the front line, the side of each event, geodesic distances, a front per day."""

from __future__ import annotations

import datetime as dt
import hashlib

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely

from layers import nearfront
from layers.areas import country_border
from layers.errors import InvalidInputError
from layers.store import NewSnapshot
from tests.conftest import snapshot, territory

D = dt.date.fromisoformat
GEOD = pyproj.Geod(ellps="WGS84")

#: Ukrainian ground east of 30°E between 49° and 50°N, marked as Russian-held, out to the border with Russia:
#: its west edge (the meridian 30°E) is a front, its east edge the international border, not one.
WIDE = shapely.box(30.0, 49.0, 46.0, 50.0).intersection(country_border("UKR"))


def away(lon: float, lat: float, azimuth: float, km: float) -> tuple[float, float]:
    """The point ``km`` along the geodesic from ``lon, lat`` at ``azimuth`` (degrees)."""
    end_lon, end_lat, _ = GEOD.fwd(lon, lat, azimuth, km * 1000)
    return end_lon, end_lat


def one_sided(geometry=WIDE, extra=()) -> gpd.GeoDataFrame:
    return territory([(geometry, "RU", "held", "test"), *extra])


def events_snapshot(as_of: str, events: list[tuple[str, str, float, float]]) -> NewSnapshot:
    """An events snapshot from ``(id, occurred_on, lon, lat)``."""
    frame = gpd.GeoDataFrame(
        {
            "id": [e[0] for e in events],
            "occurred_on": [e[1] for e in events],
            "kind": "strike",
            "title": "t",
            "source": "s",
            "confidence": "claimed",
        },
        geometry=[shapely.Point(e[2], e[3]) for e in events],
        crs="EPSG:4326",
    )
    return NewSnapshot(
        "Strikes", D(as_of), frame, hashlib.sha256(frame.to_json().encode()).hexdigest(), kind="events"
    )


def test_one_sided_front_is_the_outline_less_borders():
    front = nearfront.front_of(one_sided())
    assert front.marked == ("RU",) and front.outside_label == "UA"
    west = shapely.LineString([(30.0, 49.2), (30.0, 49.8)])
    x, y = front.project(*np.asarray(west.interpolate(0.5, normalized=True).coords[0]))
    assert shapely.distance(front.line, shapely.Point(x, y)) < 1.0, "the meridian edge is front"
    # A point on the international border (the east of the zone) is far from any front: the
    # nearest are the zone's north and south edges, over 30 km away.
    border = shapely.boundary(country_border("UKR")).intersection(shapely.box(36.0, 49.3, 41.0, 49.7))
    lon, lat = shapely.get_coordinates(border)[0]
    x, y = front.project(lon, lat)
    assert shapely.distance(front.line, shapely.Point(x, y)) > 30_000


@pytest.mark.parametrize(
    ("azimuth", "km", "near", "where"),
    [
        (270, 9.99, True, "UA"),
        (270, 10.01, False, "UA"),
        (90, 9.99, True, "RU"),
        (90, 10.01, False, "RU"),
    ],
)
def test_threshold_against_geodesic_distance(azimuth, km, near, where):
    """0.1 % either side of 10 km, 4° from the projection's centre: the scale correction decides."""
    front = nearfront.front_of(one_sided())
    assert abs(front.centre_lon - 30.0) > 4
    lon, lat = away(30.0, 49.5, azimuth, km)
    found_near, found_where = nearfront.classify(front, np.array([lon]), np.array([lat]), 10.0)
    assert found_near.tolist() == [near] and found_where.tolist() == [where]


def test_projected_distance_within_the_stated_error():
    front = nearfront.front_of(one_sided())
    for km in (1.0, 5.0, 10.0, 30.0):
        lon, lat = away(30.0, 49.5, 270, km)
        x, y = front.project(lon, lat)
        planar_km = (
            shapely.distance(front.line, shapely.Point(x, y)) / np.cosh(x / nearfront.EARTH_RADIUS_M) / 1000
        )
        assert planar_km == pytest.approx(km, rel=5e-4)


def test_border_stretch_is_not_front():
    border = shapely.boundary(country_border("UKR")).intersection(shapely.box(36.0, 49.3, 41.0, 49.7))
    lon, lat = shapely.get_coordinates(border)[0]
    inside_lon, inside_lat = away(lon, lat, 270, 5.0)
    front = nearfront.front_of(one_sided())
    near, where = nearfront.classify(front, np.array([inside_lon]), np.array([inside_lat]), 10.0)
    assert where.tolist() == ["RU"] and near.tolist() == [False]


def test_coast_is_not_front():
    """Ground along the Sea of Azov: the coast faces no enemy, though the zone's outline runs along it."""
    coast_zone = shapely.box(35.0, 46.0, 36.0, 47.5).intersection(country_border("UKR"))
    front = nearfront.front_of(one_sided(coast_zone))
    coast = shapely.boundary(country_border("UKR")).intersection(shapely.box(35.49, 46.0, 35.51, 47.0))
    lon, lat = shapely.get_coordinates(coast)[0]
    points = [away(lon, lat, 0, 3.0), away(lon, lat, 180, 3.0)]
    lons, lats = np.array([p[0] for p in points]), np.array([p[1] for p in points])
    near, where = nearfront.classify(front, lons, lats, 10.0)
    assert near.tolist() == [False, False] and where.tolist() == ["RU", "UA"]
    x, y = front.project(lons, lats)
    outline = shapely.boundary(shapely.union_all(front.zones))
    assert (shapely.distance(outline, shapely.points(x, y)) < 4_000).all(), "3 km from the zone's outline"


def test_contested_and_claimed_zones():
    contested = shapely.box(31.0, 49.3, 31.2, 49.7)
    claimed = shapely.box(25.0, 49.3, 25.2, 49.7)
    front = nearfront.front_of(
        one_sided(extra=[(contested, "RU", "contested", "t"), (claimed, "RU", "claimed", "t")])
    )
    near, where = nearfront.classify(front, np.array([31.1, 25.1, 32.0]), np.array([49.5, 49.5, 49.5]), 10.0)
    assert where.tolist() == ["contested", "UA", "RU"], (
        "claimed ground is not ground: its event counts for UA"
    )
    assert not near.any()


def test_two_sided_front_is_where_the_sides_meet():
    features = territory(
        [
            (shapely.box(35.0, 50.0, 35.5, 50.5), "UA", "held", "t"),
            (shapely.box(35.5, 50.0, 36.0, 50.5), "RU", "held", "t"),
        ]
    )
    front = nearfront.front_of(features)
    assert front.marked == ("RU", "UA") and front.outside_label == "unmarked"
    lon = np.array([35.45, 35.55, 35.2, 34.9, 35.5])
    lat = np.array([50.25, 50.25, 50.25, 50.25, 49.95])
    near, where = nearfront.classify(front, lon, lat, 10.0)
    assert where.tolist() == ["UA", "RU", "UA", "unmarked", "unmarked"]
    assert near.tolist() == [True, True, False, False, True], "the outer edges face unmarked ground"


def test_no_ground_no_front():
    assert nearfront.front_of(territory([(shapely.box(35, 50, 36, 51), "RU", "claimed", "t")])) is None


def test_each_event_against_its_days_snapshot(store):
    moved = shapely.box(29.5, 49.0, 46.0, 50.0).intersection(country_border("UKR"))
    store.write(
        [
            snapshot("Front", "2024-08-10", [(WIDE, "RU", "held", "test")]),
            snapshot("Front", "2024-08-20", [(moved, "RU", "held", "test")]),
        ],
        actor="t",
    )
    lon, lat = away(30.0, 49.5, 270, 5.0)
    store.write(
        [
            events_snapshot(
                "2024-08-25",
                [
                    ("before", "2024-08-05", lon, lat),
                    ("a", "2024-08-15", lon, lat),
                    ("b", "2024-08-15", 33.0, 49.5),
                    ("c", "2024-08-21", lon, lat),
                ],
            )
        ],
        actor="t",
    )
    daily = nearfront.near_front(store, "Strikes", "Front", 10.0)
    assert daily["date"].iloc[0] == D("2024-08-05") and daily["date"].iloc[-1] == D("2024-08-21")
    by_day = daily.set_index("date")
    first = by_day.loc[D("2024-08-05")]
    assert first["snapshot"] is None and first["events"] == 1 and first.isna()["near_front"]
    mid = by_day.loc[D("2024-08-15")]
    assert (mid["snapshot"], mid["near_front"], mid["UA"], mid["RU"], mid["events"]) == (
        D("2024-08-10"),
        1,
        1,
        0,
        2,
    )
    late = by_day.loc[D("2024-08-21")]
    assert (late["snapshot"], late["near_front"], late["events"]) == (D("2024-08-20"), 0, 1)
    total = nearfront.window_total(daily, "Front", 10.0, D("2024-08-01"), D("2024-08-31"))
    assert (total.near_front, total.by_place["UA"], total.events, total.unjudged) == (1, 1, 4, 1)
    assert total.last_snapshot == D("2024-08-20")


def test_distance_must_be_positive(store):
    with pytest.raises(InvalidInputError, match="above 0"):
        nearfront.near_front(store, "Strikes", "Front", 0.0)


def test_default_front_layer(store):
    store.write([snapshot("Only", "2024-08-10", [(WIDE, "RU", "held", "t")])], actor="t")
    assert nearfront.default_front_layer(store, [D("2024-01-01")]) == "Only"
    store.write(
        [snapshot("Later", f"2024-09-{day:02d}", [(WIDE, "RU", "held", "t")]) for day in (1, 2, 3)], actor="t"
    )
    assert nearfront.default_front_layer(store, [D("2024-08-15")]) == "Only", "covers the day; Later does not"
    assert nearfront.default_front_layer(store, [D("2024-09-05")]) == "Later", "both cover it; more snapshots"


def test_default_front_layer_needs_one(store):
    with pytest.raises(InvalidInputError, match="no territory layer"):
        nearfront.default_front_layer(store, [])


def test_summary_line_names_the_counts_per_side():
    total = nearfront.NearFrontTotal(
        D("2025-08-12"),
        D("2025-08-18"),
        10.0,
        "Occupied [RU]",
        312,
        {"UA": 201, "RU": 95, "contested": 16, "unmarked": 0},
        340,
        0,
        D("2025-08-18"),
    )
    assert nearfront.summary_line(total, 7) == (
        "Events near the front, 7 days to 18 Aug 2025: 312 of 340 within 10 km of the front line of "
        "Occupied [RU] (201 on the Ukrainian-held side, 95 on the Russian-held side, 16 contested)"
    )
    late = nearfront.NearFrontTotal(D("2025-08-18"), D("2025-08-18"), 5.0, "L", 0, {}, 3, 3, None)
    assert nearfront.summary_line(late, 1).endswith(
        "0 of 3 within 5 km of the front line of L; 3 event(s) before the layer's first snapshot not counted"
    )


def test_a_bow_tie_zone_is_repaired_and_a_point_is_no_zone():
    bow_tie = shapely.Polygon([(35.0, 50.0), (35.5, 50.5), (35.5, 50.0), (35.0, 50.5)])
    front = nearfront.front_of(
        territory([(bow_tie, "RU", "held", "t"), (shapely.Point(36, 50), "RU", "held", "t")])
    )
    assert front is not None and len(front.zones) == 1 and not shapely.is_empty(front.line)


def test_the_real_archive_front_leaves_out_the_border_with_russia_and_the_coast(deepstate_daily):
    """A DeepStateMap day (Russian-held ground only): the front is inland, not along the Azov coast
    nor the Luhansk region's border with Russia."""
    day = next(path for path in deepstate_daily if "20250801" in path.name)
    features = gpd.read_file(day).assign(held_by="RU", status="held", source="DeepStateMap")
    front = nearfront.front_of(features)
    assert front.marked == ("RU",)
    assert 1_200 < shapely.length(front.line) / 1000 < 1_500, "km of front, not the 4,400 km outline"
    border = shapely.boundary(country_border("UKR")).intersection(shapely.box(39.6, 48.6, 40.4, 49.4))
    inland_of_border = away(*shapely.get_coordinates(border)[0], 270, 3.0)
    berdiansk_coast = (36.8, 46.8)
    lon, lat = np.array([inland_of_border, berdiansk_coast]).T
    near, where = nearfront.classify(front, lon, lat, 10.0)
    assert where.tolist() == ["RU", "RU"] and near.tolist() == [False, False]
