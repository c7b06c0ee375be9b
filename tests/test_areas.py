"""Areas against independent references: closed-form ellipsoid areas and pyproj.Geod.

``area_km2`` (equal-area projection EPSG:6933 plus a geodesic edge term) must stay within
``TOLERANCE`` (0.01 %) of ``geodesic_area_km2`` (pyproj.Geod, Karney's algorithm).
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import MultiPolygon, Polygon

from layers import areas
from layers.errors import InvalidInputError

WGS84 = pyproj.Geod(ellps="WGS84")
A = 6378137.0
F = 1 / 298.257223563
E2 = F * (2 - F)
E = math.sqrt(E2)


def _q(lat_deg: float) -> float:
    s = math.sin(math.radians(lat_deg))
    return (1 - E2) * (s / (1 - E2 * s * s) - (1 / (2 * E)) * math.log((1 - E * s) / (1 + E * s)))


def band_area_km2(lon0, lat0, lon1, lat1) -> float:
    """Exact area of a lon/lat rectangle bounded by meridians and parallels on the WGS84 ellipsoid."""
    return A * A / 2 * math.radians(lon1 - lon0) * (_q(lat1) - _q(lat0)) / 1e6


def dense_box(lon0, lat0, lon1, lat1, n=2000) -> Polygon:
    """A rectangle whose edges follow the parallels closely (geodesic edges between dense vertices)."""
    lons = np.linspace(lon0, lon1, n)
    lats = np.linspace(lat0, lat1, n)
    ring = (
        [(x, lat0) for x in lons]
        + [(lon1, y) for y in lats[1:]]
        + [(x, lat1) for x in lons[::-1][1:]]
        + [(lon0, y) for y in lats[::-1][1:]]
    )
    return Polygon(ring)


@pytest.mark.parametrize(
    "box", [(35.0, 51.0, 35.5, 51.3), (30.0, 45.0, 40.0, 52.0), (22.0, 44.0, 40.0, 52.5)]
)
def test_area_matches_closed_form_band_within_0_01_percent(box):
    expected = band_area_km2(*box)
    computed = areas.area_km2([dense_box(*box)])[0]
    assert computed == pytest.approx(expected, rel=1e-4)


def test_area_matches_pyproj_polygon_area_on_real_border():
    ukraine = areas.load_borders().geometry.loc["UKR"]
    reference = 0.0
    for part in shapely.get_parts(ukraine):
        oriented = shapely.orient_polygons(part)
        x, y = oriented.exterior.xy
        reference += WGS84.polygon_area_perimeter(x, y)[0]
        for hole in oriented.interiors:
            hx, hy = hole.xy
            reference += WGS84.polygon_area_perimeter(hx, hy)[0]
    assert areas.area_km2([ukraine])[0] == pytest.approx(abs(reference) / 1e6, rel=1e-4)


def test_orientation_does_not_change_area():
    ccw = shapely.box(35, 51, 35.2, 51.2, ccw=True)
    cw = shapely.box(35, 51, 35.2, 51.2, ccw=False)
    a, b = areas.area_km2([ccw, cw])
    assert a > 0 and a == pytest.approx(b, rel=1e-12)


def test_hole_is_subtracted_whatever_its_orientation():
    shell = shapely.box(35, 51, 35.4, 51.3)
    hole = shapely.box(35.1, 51.1, 35.2, 51.2)
    same_orientation = Polygon(shell.exterior.coords, [hole.exterior.coords])
    expected = areas.area_km2([shell])[0] - areas.area_km2([hole])[0]
    assert areas.area_km2([same_orientation])[0] == pytest.approx(expected, rel=1e-9)


def test_self_intersecting_polygon_is_repaired_not_cancelled():
    bowtie = Polygon([(35, 51), (35.2, 51.2), (35.2, 51), (35, 51.2), (35, 51)])
    triangles = areas.area_km2(
        [Polygon([(35, 51), (35.1, 51.1), (35, 51.2)]), Polygon([(35.2, 51), (35.1, 51.1), (35.2, 51.2)])]
    )
    assert areas.area_km2([bowtie])[0] == pytest.approx(triangles.sum(), rel=1e-6)


def test_not_web_mercator_or_degrees():
    box = shapely.box(35, 51, 36, 52)
    geodesic = areas.area_km2([box])[0]
    mercator = pyproj.Transformer.from_crs(4326, 3857, always_xy=True)
    mercator_km2 = (
        shapely.transform(box, lambda xy: np.column_stack(mercator.transform(xy[:, 0], xy[:, 1]))).area / 1e6
    )
    assert mercator_km2 / geodesic > 2.4
    assert geodesic == pytest.approx(band_area_km2(35, 51, 36, 52), rel=2e-3)


def test_empty_and_non_polygonal_count_zero():
    assert list(areas.area_km2([None, shapely.Point(35, 51), Polygon()])) == [0, 0, 0]


def test_clip_splits_area_between_neighbours():
    straddling = shapely.box(35.0, 50.9, 35.6, 51.4)
    total = areas.area_km2([straddling])[0]
    inside_russia = areas.area_km2(areas.clip_to_country([straddling], "RUS"))[0]
    inside_ukraine = areas.area_km2(areas.clip_to_country([straddling], "ukr"))[0]
    assert 0 < inside_russia < total and 0 < inside_ukraine < total
    assert inside_russia + inside_ukraine == pytest.approx(total, rel=1e-3)


def test_unknown_country_names_the_fix():
    with pytest.raises(InvalidInputError, match="ISO 3166-1 alpha-3"):
        areas.clip_to_country([shapely.box(0, 0, 1, 1)], "XXX")


def test_crimea_is_measured_as_ukraine():
    simferopol = shapely.Point(34.10, 44.95)
    borders = areas.load_borders()
    assert borders.geometry.loc["UKR"].contains(simferopol)
    assert not borders.geometry.loc["RUS"].contains(simferopol)


def test_area_table_dissolves_overlaps_per_side_and_status(two_snapshot_store):
    from tests.conftest import territory

    a = shapely.box(35.0, 51.0, 35.2, 51.2)
    b = shapely.box(35.1, 51.0, 35.3, 51.2)
    table = areas.area_table(
        territory([(a, "UA", "held", "s"), (b, "UA", "held", "s"), (a, "RU", "claimed", "s")])
    )
    held = table[(table.held_by == "UA") & (table.status == "held")]["area_km2"].item()
    assert held == pytest.approx(areas.area_km2([shapely.union(a, b)])[0], rel=1e-9)
    assert set(zip(table.held_by, table.status)) == {("UA", "held"), ("RU", "claimed")}


def test_area_summary_is_one_row_per_side_and_status_with_a_column_per_border(two_snapshot_store):
    series = two_snapshot_store.area_series("Test")
    import datetime as dt

    table = areas.area_summary(series, "Test", dt.date(2024, 8, 20))
    assert list(table.columns) == ["held_by", "status", "", "RUS", "UKR"]
    assert list(zip(table.held_by, table.status)) == [("UA", "contested"), ("UA", "held")]
    held = series[(series.as_of == dt.date(2024, 8, 20)) & (series.status == "held")].set_index("within")[
        "area_km2"
    ]
    assert table.loc[table.status == "held", "RUS"].item() == held["RUS"]
    assert areas.area_summary(series, "Test", dt.date(2024, 8, 11)).empty


def test_change_table_and_gained_lost_ground():
    from tests.conftest import territory

    before = territory([(shapely.box(35.0, 51.0, 35.2, 51.2), "UA", "held", "s")])
    after = territory(
        [
            (shapely.box(35.1, 51.0, 35.3, 51.2), "UA", "held", "s"),
            (shapely.box(35.3, 51.0, 35.4, 51.2), "RU", "claimed", "s"),
        ]
    )
    table = areas.change_table(before, after)
    held = table[(table.held_by == "UA") & (table.status == "held")].iloc[0]
    assert held.before_km2 == pytest.approx(areas.area_km2([shapely.box(35.0, 51.0, 35.2, 51.2)])[0])
    assert held.change_km2 == pytest.approx(held.after_km2 - held.before_km2)
    claimed = table[table.status == "claimed"].iloc[0]
    assert claimed.before_km2 == 0 and claimed.after_km2 > 0
    diff = areas.gained_and_lost(before, after)
    gained = diff[diff.change == "gained"].iloc[0]
    lost = diff[diff.change == "lost"].iloc[0]
    assert gained.area_km2 == pytest.approx(
        areas.area_km2([shapely.box(35.2, 51.0, 35.3, 51.2)])[0], rel=1e-9
    )
    assert lost.area_km2 == pytest.approx(areas.area_km2([shapely.box(35.0, 51.0, 35.1, 51.2)])[0], rel=1e-9)
    first = areas.gained_and_lost(None, after)
    assert list(first.change) == ["gained"] and areas.change_table(None, after)["before_km2"].eq(0).all()


# --- The equal-area method against the geodesic reference -----------------------------------

TOLERANCE = 1e-4  # 0.01 %, relative
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
DEEPSTATE_DAILY = SHARED_DATA / "deepstate-occupied-daily"
KURSK_LAYER = Path(__file__).resolve().parents[1] / "geodata" / "layers" / "kursk-incursion.geojson"
TO_6933 = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:6933", always_xy=True)
TO_3857 = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)

# Hand-drawn: five vertices around Sumy at 51°N, edges of 47-52 km.
PENTAGON = Polygon([(35.00, 51.00), (35.71, 51.02), (35.95, 51.41), (35.36, 51.70), (34.78, 51.40)])


def relative_difference(computed, reference):
    computed, reference = np.asarray(computed, dtype=float), np.asarray(reference, dtype=float)
    return np.abs(computed - reference) / reference


def straight_projected_km2(geom, transformer=TO_6933) -> float:
    """shapely area of the geometry projected vertex by vertex: straight edges in the projected plane."""
    return (
        shapely.area(shapely.transform(geom, lambda x, y: transformer.transform(x, y), interleaved=False))
        / 1e6
    )


def equal_area_only(geoms):
    """The projection and edge term alone, without the fallback to Geod outside its domain."""
    polygons = areas._valid_polygons(np.asarray(geoms, dtype=object))
    return areas._equal_area_km2(polygons)


def d_shape(lon0, lat0, chord_m, depth_m, n=400) -> Polygon:
    """One straight geodesic edge (the chord, west to east) closed by a densely drawn half-ellipse south of it."""
    t = np.linspace(0, np.pi, n)
    half = chord_m / 2
    azimuths = 90 + np.degrees(np.arctan2(depth_m * np.sin(t), half * np.cos(t)))
    lons, lats, _ = WGS84.fwd(
        np.full(n, lon0), np.full(n, lat0), azimuths, np.hypot(half * np.cos(t), depth_m * np.sin(t))
    )
    return Polygon(np.column_stack([lons, lats]))


def with_hole(shell: Polygon, hole: Polygon) -> Polygon:
    return Polygon(shell.exterior.coords, [hole.exterior.coords])


COARSE_SHAPES = {
    "hand-drawn pentagon, 50 km edges, 51°N": PENTAGON,
    "2°x2° box": shapely.box(34.0, 50.0, 36.0, 52.0),
    "polygon with a hole": with_hole(
        shapely.box(34.0, 50.0, 35.0, 50.8), shapely.box(34.3, 50.2, 34.7, 50.6)
    ),
    "large polygon with a hole (444 km edges)": with_hole(
        shapely.box(30.0, 48.0, 34.0, 52.0), shapely.box(31.0, 49.0, 33.0, 51.0)
    ),
    "multipolygon": MultiPolygon(
        [
            shapely.box(35.0, 51.0, 35.5, 51.5),
            Polygon([(x + 2.0, y - 2.0) for x, y in PENTAGON.exterior.coords]),
            shapely.box(38.0, 45.0, 39.0, 45.8),
        ]
    ),
    "clockwise ring": Polygon(PENTAGON.exterior.coords[::-1]),
    "bow-tie": Polygon([(35.0, 51.0), (35.5, 51.5), (35.5, 51.0), (35.0, 51.5), (35.0, 51.0)]),
    "50 km chord over a 2 km deep arc, 51°N": d_shape(35.0, 51.0, 50e3, 2e3),
    "50 km chord over a 2 km deep arc, 45°S": d_shape(-60.0, -45.0, 50e3, 2e3),
}


def test_hand_drawn_pentagon_has_50_km_edges_and_the_clockwise_shape_is_clockwise():
    coords = PENTAGON.exterior.coords
    edges_km = [WGS84.inv(*a, *b)[2] / 1e3 for a, b in zip(coords[:-1], coords[1:])]
    assert len(edges_km) == 5 and all(45 < e < 55 for e in edges_km)
    assert not COARSE_SHAPES["clockwise ring"].exterior.is_ccw and PENTAGON.exterior.is_ccw
    assert not COARSE_SHAPES["bow-tie"].is_valid


@pytest.mark.parametrize("name", list(COARSE_SHAPES))
def test_coarse_shapes_within_0_01_percent_of_geod(name):
    geom = COARSE_SHAPES[name]
    reference = areas.geodesic_area_km2([geom])[0]
    assert reference > 0
    assert relative_difference(areas.area_km2([geom])[0], reference) < TOLERANCE
    # The projection and edge term alone, even where area_km2 hands the geometry to Geod.
    projected, _ = equal_area_only([geom])
    assert relative_difference(projected[0], reference) < TOLERANCE


def test_a_straight_edge_in_the_projection_is_not_a_geodesic_and_the_edge_term_fixes_it():
    chord = COARSE_SHAPES["50 km chord over a 2 km deep arc, 51°N"]
    reference = areas.geodesic_area_km2([chord])[0]
    # Without the edge term the 50 km chord's sliver (~1.5 km²) is 2.6 % of this shape.
    assert relative_difference(straight_projected_km2(chord), reference) > 100 * TOLERANCE
    # Densifying in degrees adds points on the lon/lat straight line (here a parallel), not on the geodesic.
    assert (
        relative_difference(straight_projected_km2(shapely.segmentize(chord, 0.01)), reference)
        > 100 * TOLERANCE
    )
    assert relative_difference(areas.area_km2([chord])[0], reference) < TOLERANCE / 100


def test_clockwise_and_counter_clockwise_rings_give_the_same_positive_area():
    ccw, cw = PENTAGON, COARSE_SHAPES["clockwise ring"]
    a, b = areas.area_km2([ccw, cw])
    assert a > 0 and b > 0 and a == pytest.approx(b, rel=1e-12)
    assert relative_difference(a, areas.geodesic_area_km2([ccw])[0]) < TOLERANCE


def test_bow_tie_is_split_by_make_valid_and_both_lobes_count():
    bowtie = COARSE_SHAPES["bow-tie"]
    lobes = [
        Polygon([(35.0, 51.0), (35.25, 51.25), (35.0, 51.5)]),
        Polygon([(35.5, 51.0), (35.25, 51.25), (35.5, 51.5)]),
    ]
    assert areas.area_km2([bowtie])[0] == pytest.approx(areas.area_km2(lobes).sum(), rel=1e-9)
    assert areas.area_km2([bowtie])[0] > 0.9 * areas.area_km2([shapely.box(35.0, 51.0, 35.5, 51.5)])[0] / 2


def test_web_mercator_would_fail_the_tolerance():
    box = shapely.box(35.0, 51.0, 35.5, 51.3)
    reference = areas.geodesic_area_km2([box])[0]
    assert relative_difference(straight_projected_km2(box, TO_3857), reference) > 1.0  # > 100 % at 51°N
    assert relative_difference(straight_projected_km2(box, TO_6933), reference) < TOLERANCE


def test_every_kursk_layer_feature_within_0_01_percent_of_geod():
    features = gpd.read_file(KURSK_LAYER)
    assert len(features) > 40
    reference = areas.geodesic_area_km2(features.geometry.values)
    computed = areas.area_km2(features.geometry.values)
    assert (reference > 0).all()
    assert relative_difference(computed, reference).max() < TOLERANCE


def test_ukraine_border_within_0_01_percent_of_geod_by_projection():
    ukraine = areas.load_borders().geometry.loc["UKR"]
    reference = areas.geodesic_area_km2([ukraine])[0]
    projected, in_domain = equal_area_only([ukraine])
    assert in_domain[0]
    assert relative_difference(areas.area_km2([ukraine])[0], reference) < TOLERANCE
    assert relative_difference(projected[0], reference) < TOLERANCE


def test_russia_border_clip_box_edges_go_to_geod():
    russia = areas.load_borders().geometry.loc["RUS"]
    lon0, lat0, lon1, lat1 = russia.bounds
    # The bundled border is Natural Earth clipped to 18-50°E, 40-60°N: it does not reach the
    # antimeridian, but it keeps 1,100 km straight edges along 60°N and 50°E.
    assert lon1 <= 50.0 and lat1 <= 60.0 and lon0 > 0
    reference = areas.geodesic_area_km2([russia])[0]
    assert (
        relative_difference(straight_projected_km2(russia), reference) > 0.01
    )  # straight projected edges: 1.6 % off
    projected, in_domain = equal_area_only([russia])
    assert not in_domain[0]  # edges over MAX_EDGE_M: measured by Geod
    assert relative_difference(projected[0], reference) < TOLERANCE  # the edge term alone would still do
    assert areas.area_km2([russia])[0] == pytest.approx(reference, rel=1e-12)


# A 2°x0.8° box astride the antimeridian, written three ways. (A ring with a vertex on 180° between
# 179° and -179° is not valid in the plane: make_valid, like the old code, rewrites it first.)
ACROSS_ANTIMERIDIAN = Polygon([(179.0, 64.0), (-179.0, 64.0), (-179.0, 64.8), (179.0, 64.8)])
BEYOND_180 = shapely.box(179.0, 64.0, 181.0, 64.8)
SPLIT_AT_180 = MultiPolygon([shapely.box(179.0, 64.0, 180.0, 64.8), shapely.box(-180.0, 64.0, -179.0, 64.8)])


def test_antimeridian_crossing_goes_to_geod():
    reference = areas.geodesic_area_km2([ACROSS_ANTIMERIDIAN, BEYOND_180, SPLIT_AT_180])
    # Geod reads all three as the same box, ~8,600 km² (split in two, its 2° edges become 1° geodesics).
    assert 8000 < reference[0] < 9000 and reference[1] == pytest.approx(reference[0], rel=1e-9)
    assert reference[2] == pytest.approx(reference[0], rel=2e-4)
    projected, in_domain = equal_area_only([ACROSS_ANTIMERIDIAN, BEYOND_180, SPLIT_AT_180])
    # Straight in the projection, the crossing ring goes the long way round, 358° of longitude;
    # PROJ wraps 181° to -179°; both are left to Geod. Split at ±180°, the projection is right.
    assert projected[0] > 100 * reference[0] and np.isnan(projected[1])
    assert list(in_domain) == [False, False, True]
    assert relative_difference(projected[2], reference[2]) < TOLERANCE
    computed = areas.area_km2([ACROSS_ANTIMERIDIAN, BEYOND_180, SPLIT_AT_180])
    assert relative_difference(computed, reference).max() < TOLERANCE


def test_far_north_goes_to_geod():
    arctic = shapely.box(30.0, 75.0, 31.0, 75.5)
    assert not equal_area_only([arctic])[1][0]
    assert areas.area_km2([arctic])[0] == pytest.approx(areas.geodesic_area_km2([arctic])[0], rel=1e-12)


def test_mixed_batch_keeps_order_and_semantics():
    russia = areas.load_borders().geometry.loc["RUS"]
    collection = shapely.GeometryCollection(
        [shapely.box(35.0, 51.0, 35.1, 51.1), shapely.LineString([(35, 51), (36, 52)]), shapely.Point(30, 50)]
    )
    batch = [
        PENTAGON,
        None,
        russia,
        shapely.Polygon(),
        ACROSS_ANTIMERIDIAN,
        shapely.LineString([(35, 51), (36, 52)]),
        collection,
        COARSE_SHAPES["bow-tie"],
    ]
    computed = areas.area_km2(batch)
    reference = areas.geodesic_area_km2(batch)
    assert [c == 0 for c in computed] == [False, True, False, True, False, True, False, False]
    assert computed[6] == pytest.approx(areas.area_km2([shapely.box(35.0, 51.0, 35.1, 51.1)])[0], rel=1e-12)
    nonzero = reference > 0
    assert list(nonzero) == list(computed > 0)
    assert relative_difference(computed[nonzero], reference[nonzero]).max() < TOLERANCE
    assert computed == pytest.approx(np.concatenate([areas.area_km2([g]) for g in batch]), rel=1e-12)


def deepstate_snapshots(folder: Path = DEEPSTATE_DAILY) -> list[Path]:
    if not folder.parent.is_dir():
        pytest.skip(
            f"the shared data folder {folder.parent} is absent: no real DeepStateMap snapshot to measure"
        )
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent: no real DeepStateMap snapshot to measure")
    files = sorted(folder.glob("*.geojson"))
    if not files:
        pytest.skip(f"no *.geojson snapshot in {folder}")
    return files


@pytest.mark.parametrize("which", ["first", "last"])
def test_real_deepstate_snapshot_within_0_01_percent_of_geod(which):
    files = deepstate_snapshots()
    path = files[0] if which == "first" else files[-1]
    occupied = shapely.union_all(shapely.make_valid(gpd.read_file(path).geometry.values))
    geoms = [occupied, *areas.clip_to_country([occupied], "RUS"), *areas.clip_to_country([occupied], "UKR")]
    reference = areas.geodesic_area_km2(geoms)
    assert reference[0] > 50_000 and reference[2] > 50_000  # unclipped, inside Russia, inside Ukraine
    computed = areas.area_km2(geoms)
    assert relative_difference(computed[reference > 0], reference[reference > 0]).max() < TOLERANCE
    assert equal_area_only([occupied])[1][0]  # measured by the projection, not handed to Geod


# --- Clipped areas summed over the boundary, against the overlay ----------------------------
#
# area_rows and clipped_area_km2 measure a polygon within a border without building the
# intersection (Green's theorem over the pieces of both outlines). They must give what
# area_km2(clip_to_country(...)) gives, to 1e-9, and hand what they cannot decide to it.

UKRAINE_ISLAND = shapely.box(32.55, 45.98, 33.10, 46.10)  # holds a whole ring of the bundled UKR border
BORDER_VERTEX = (35.04455, 45.669818)  # a vertex of the bundled UKR border (Crimea's north coast)
CLIPPED_SHAPES = {
    "straddling box": shapely.box(35.0, 50.9, 35.6, 51.4),
    "clockwise straddling box": shapely.box(35.0, 50.9, 35.6, 51.4, ccw=False),
    "hole across the border": Polygon(
        shapely.box(34.9, 50.8, 35.7, 51.5).exterior.coords,
        [shapely.box(35.1, 51.0, 35.5, 51.3).exterior.coords[::-1]],
    ),
    "parts on both sides": MultiPolygon(
        [
            shapely.box(35.0, 50.9, 35.6, 51.4),
            shapely.box(36.5, 51.6, 36.7, 51.8),
            shapely.box(34.0, 50.0, 34.2, 50.2),
        ]
    ),
    "ring of the border inside": UKRAINE_ISLAND,
    "all of Ukraine": shapely.segmentize(shapely.box(21.0, 43.5, 41.0, 53.0), 0.5),
    "edges over 100 km": shapely.box(34.0, 50.0, 36.0, 52.0),
    "far from both": shapely.box(20.0, 51.0, 20.5, 51.5),
    "vertex on the border": Polygon([BORDER_VERTEX, (35.3, 45.5), (35.3, 46.0), BORDER_VERTEX]),
    "edge along the border": Polygon(
        [(35.04455, 45.669818), (35.00135, 45.728918), (35.3, 45.9), (35.04455, 45.669818)]
    ),
}
#: Shapes in general position: the boundary sum measures them itself (no overlay).
SUMMED = {
    "straddling box",
    "clockwise straddling box",
    "hole across the border",
    "parts on both sides",
    "ring of the border inside",
    "all of Ukraine",
    "far from both",
}


@pytest.mark.parametrize("name", list(CLIPPED_SHAPES))
@pytest.mark.parametrize("code", ["RUS", "UKR"])
def test_clipped_area_matches_the_overlay(name, code):
    shape = CLIPPED_SHAPES[name]
    reference = areas.area_km2(areas.clip_to_country([shape], code))[0]
    computed = areas.clipped_area_km2([shape], code)[0]
    assert computed == pytest.approx(reference, rel=1e-9, abs=1e-9)
    oriented = shapely.orient_polygons(shape, exterior_cw=False)
    summed = areas._boundary_areas_km2(oriented, areas._outline(("RUS", "UKR")), ("RUS", "UKR"))
    assert (summed[code] is not None) == (name in SUMMED), (
        "general position is summed; a degenerate case or long edges go to the overlay"
    )
    if summed[areas.ANYWHERE] is not None:
        assert summed[areas.ANYWHERE] == pytest.approx(areas.area_km2([shape])[0], rel=1e-12)


def test_clipped_area_takes_batches_and_refuses_unknown_codes():
    shapes = [
        CLIPPED_SHAPES["straddling box"],
        None,
        Polygon(),
        shapely.LineString([(35, 51), (36, 52)]),
        COARSE_SHAPES["bow-tie"],
    ]
    reference = areas.area_km2(areas.clip_to_country(shapes, "RUS"))
    assert areas.clipped_area_km2(shapes, "rus") == pytest.approx(reference, rel=1e-9, abs=1e-12)
    with pytest.raises(InvalidInputError, match="ISO 3166-1 alpha-3"):
        areas.clipped_area_km2([shapes[0]], "XXX")


def reference_rows(features: gpd.GeoDataFrame, within) -> list[tuple]:
    """Area rows as area_table computed them before the boundary sums: dissolve, overlay, measure."""
    rows = []
    groups = features.groupby(["held_by", "status"], sort=True)
    dissolved = [(h, s, shapely.union_all(shapely.make_valid(g.geometry.values))) for (h, s), g in groups]
    geoms = np.array([g for _, _, g in dissolved], dtype=object)
    for code in within:
        clipped = geoms if code == "" else areas.clip_to_country(geoms, code)
        rows.extend((h, s, code, float(a)) for (h, s, _), a in zip(dissolved, areas.area_km2(clipped)))
    return rows


def assert_same_rows(computed, reference):
    assert [r[:3] for r in computed] == [r[:3] for r in reference]
    for (*key, value), (_, _, _, expected) in zip(computed, reference):
        assert value == pytest.approx(expected, rel=1e-9, abs=1e-12), key


def test_area_rows_match_the_overlay_on_real_snapshots():
    from layers import schema
    from layers.presets import DEEPSTATE
    from layers.validation import validate

    files = deepstate_snapshots()
    chosen = files[:: max(1, len(files) // 12)] + files[-1:]
    kursk = sorted((DEEPSTATE_DAILY.parent / "deepstate-kursk").glob("*.geojson"))[::40]
    cases = [(path, None) for path in chosen] + [(path, DEEPSTATE) for path in kursk]
    for path, mapping in cases:
        report = validate(
            path.read_bytes(),
            schema.TERRITORY,
            name=path.name,
            defaults={"held_by": "RU", "status": "held", "source": "test"},
            mapping=mapping,
        )
        assert report.ok, report.summary()
        areas._RECENT_ROWS.clear()
        within = ("", "RUS", "UKR")
        assert_same_rows(areas.area_rows(report.features, within), reference_rows(report.features, within))
        assert areas.area_table(report.features, within).values.tolist() == [
            list(r) for r in areas.area_rows(report.features, within)
        ]


def test_area_rows_of_the_same_features_are_the_same_rows():
    from tests.conftest import territory

    features = territory(
        [
            (CLIPPED_SHAPES["parts on both sides"], "UA", "held", "s"),
            (shapely.box(35.2, 51.0, 35.3, 51.5), "RU", "contested", "s"),
        ]
    )
    areas._RECENT_ROWS.clear()
    first = areas.area_rows(features, ("", "RUS", "UKR"))
    again = areas.area_rows(features.copy(), ("", "RUS", "UKR"))
    assert again == first and again is not first
    assert_same_rows(first, reference_rows(features, ("", "RUS", "UKR")))
    # Given borders are used as given: no summing, no remembered rows.
    given = areas.area_rows(features, ("RUS",), borders=areas.load_borders())
    assert_same_rows(given, reference_rows(features, ("RUS",)))
