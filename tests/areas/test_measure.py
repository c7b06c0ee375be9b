"""Areas on the ellipsoid against independent references: closed-form ellipsoid areas and pyproj.Geod.

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
from layers.areas import measure

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


# --- The equal-area method against the geodesic reference -----------------------------------

TOLERANCE = 1e-4  # 0.01 %, relative
KURSK_LAYER = Path(__file__).resolve().parents[2] / "geodata" / "layers" / "kursk-incursion.geojson"
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
    return measure.equal_area_km2(measure.valid_polygons(np.asarray(geoms, dtype=object)))


def d_shape(lon0, lat0, chord_m, depth_m, n=400) -> Polygon:
    """One straight geodesic edge (the chord, west to east) closed by a densely drawn half-ellipse
    south of it."""
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
    edges_km = [WGS84.inv(*a, *b)[2] / 1e3 for a, b in zip(coords[:-1], coords[1:], strict=True)]
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


@pytest.mark.parametrize("which", ["first", "last"])
def test_real_deepstate_snapshot_within_0_01_percent_of_geod(which, deepstate_daily):
    files = deepstate_daily
    path = files[0] if which == "first" else files[-1]
    occupied = shapely.union_all(shapely.make_valid(gpd.read_file(path).geometry.values))
    geoms = [occupied, *areas.clip_to_country([occupied], "RUS"), *areas.clip_to_country([occupied], "UKR")]
    reference = areas.geodesic_area_km2(geoms)
    assert reference[0] > 50_000 and reference[2] > 50_000  # unclipped, inside Russia, inside Ukraine
    computed = areas.area_km2(geoms)
    assert relative_difference(computed[reference > 0], reference[reference > 0]).max() < TOLERANCE
    assert equal_area_only([occupied])[1][0]  # measured by the projection, not handed to Geod


# --- The steps of the method, each against its own reference ------------------------------


def test_project_is_the_equal_area_crs_and_round_trips():
    lon, lat = np.array([35.0, 0.0, -60.0]), np.array([51.0, 0.0, -45.0])
    x, y = measure.project(lon, lat)
    assert np.allclose((x, y), TO_6933.transform(lon, lat), rtol=1e-12, atol=1e-6)
    back = pyproj.Transformer.from_crs(measure.EQUAL_AREA_CRS, "EPSG:4326", always_xy=True)
    assert np.allclose(back.transform(x, y), (lon, lat), atol=1e-9)
    assert x[1] == 0 and y[1] == 0


def test_valid_polygons_keep_only_the_polygonal_part_oriented_counter_clockwise():
    line = shapely.LineString([(35, 51), (36, 52)])
    collection = shapely.GeometryCollection([shapely.box(35.0, 51.0, 35.1, 51.1), line])
    clockwise = shapely.box(35.0, 51.0, 35.2, 51.2, ccw=False)
    bowtie = Polygon([(35.0, 51.0), (35.5, 51.5), (35.5, 51.0), (35.0, 51.5), (35.0, 51.0)])
    found = measure.valid_polygons(np.array([None, line, collection, clockwise, bowtie], dtype=object))
    assert found[0] is None and found[1] is None
    assert found[2].equals(shapely.box(35.0, 51.0, 35.1, 51.1))
    assert found[3].exterior.is_ccw and found[3].equals(clockwise)
    assert found[4].geom_type == "MultiPolygon" and len(found[4].geoms) == 2 and found[4].is_valid


def test_equal_area_km2_is_nan_where_a_coordinate_is_not_a_longitude_or_latitude():
    inside = shapely.box(35.0, 51.0, 35.2, 51.2)
    polygons = measure.valid_polygons(np.array([inside, shapely.box(35.0, 91.0, 35.2, 92.0)], dtype=object))
    km2, in_domain = measure.equal_area_km2(polygons)
    assert km2[0] == pytest.approx(areas.geodesic_area_km2([inside])[0], rel=TOLERANCE) and in_domain[0]
    assert np.isnan(km2[1]) and not in_domain[1]


def test_edge_term_is_the_sliver_between_the_projected_chord_and_the_geodesic():
    chord = d_shape(35.0, 51.0, 50e3, 2e3)
    lon, lat = np.asarray(shapely.orient_polygons(chord).exterior.xy)
    sliver, length2 = measure.edge_term(lon[:-1], lat[:-1], lon[1:], lat[1:])
    # Independent: what Geod measures beyond the straight edges in the projection.
    expected_m2 = (areas.geodesic_area_km2([chord])[0] - straight_projected_km2(chord)) * 1e6
    assert sliver.sum() == pytest.approx(expected_m2, rel=1e-3)
    assert abs(expected_m2) > 1e6  # the 50 km chord's sliver is about 1.5 km²
    lengths = WGS84.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])[2]
    assert np.sqrt(length2) == pytest.approx(lengths, rel=1e-3)


def test_edge_term_vanishes_on_meridians():
    sliver, length2 = measure.edge_term(
        np.array([35.0]), np.array([51.0]), np.array([35.0]), np.array([52.0])
    )
    assert sliver[0] == 0
    assert np.sqrt(length2[0]) == pytest.approx(WGS84.inv(35.0, 51.0, 35.0, 52.0)[2], rel=1e-3)


def test_polygonal_part_keeps_the_polygons_of_a_collection():
    box = shapely.box(35.0, 51.0, 35.1, 51.1)
    line = shapely.LineString([(35, 51), (36, 52)])
    assert measure.polygonal_part(box) is box
    assert measure.polygonal_part(shapely.GeometryCollection([box, line])).equals(box)
    assert measure.polygonal_part(line) is None


def test_repaired_skips_only_the_geometries_noted_valid():
    noted = shapely.box(35.0, 51.0, 35.2, 51.2)
    unnoted_bowtie = Polygon([(35.0, 51.0), (35.5, 51.5), (35.5, 51.0), (35.0, 51.5), (35.0, 51.0)])
    noted_bowtie = Polygon(unnoted_bowtie.exterior.coords)
    measure.note_valid(noted)
    measure.note_valid(noted_bowtie)  # a wrong note is trusted: the note is a promise
    geoms = np.array([noted, unnoted_bowtie, noted_bowtie], dtype=object)
    fixed = measure.repaired(geoms)
    assert fixed[0] is noted and fixed[2] is noted_bowtie
    assert fixed[1].is_valid and fixed[1].geom_type == "MultiPolygon"
    assert geoms[1] is unnoted_bowtie, "the input array is left as it was"
