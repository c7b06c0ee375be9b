"""Geodesic areas against independent references: closed-form ellipsoid areas and pyproj.Geod."""

from __future__ import annotations

import math

import numpy as np
import pyproj
import pytest
import shapely
from shapely.geometry import Polygon

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
        [(x, lat0) for x in lons] + [(lon1, y) for y in lats[1:]] + [(x, lat1) for x in lons[::-1][1:]] + [(lon0, y) for y in lats[::-1][1:]]
    )
    return Polygon(ring)


@pytest.mark.parametrize("box", [(35.0, 51.0, 35.5, 51.3), (30.0, 45.0, 40.0, 52.0), (22.0, 44.0, 40.0, 52.5)])
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
    triangles = areas.area_km2([Polygon([(35, 51), (35.1, 51.1), (35, 51.2)]), Polygon([(35.2, 51), (35.1, 51.1), (35.2, 51.2)])])
    assert areas.area_km2([bowtie])[0] == pytest.approx(triangles.sum(), rel=1e-6)


def test_not_web_mercator_or_degrees():
    box = shapely.box(35, 51, 36, 52)
    geodesic = areas.area_km2([box])[0]
    mercator = pyproj.Transformer.from_crs(4326, 3857, always_xy=True)
    mercator_km2 = shapely.transform(box, lambda xy: np.column_stack(mercator.transform(xy[:, 0], xy[:, 1]))).area / 1e6
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
    table = areas.area_table(territory([(a, "UA", "held", "s"), (b, "UA", "held", "s"), (a, "RU", "claimed", "s")]))
    held = table[(table.held_by == "UA") & (table.status == "held")]["area_km2"].item()
    assert held == pytest.approx(areas.area_km2([shapely.union(a, b)])[0], rel=1e-9)
    assert set(zip(table.held_by, table.status)) == {("UA", "held"), ("RU", "claimed")}


def test_area_summary_is_one_row_per_side_and_status_with_a_column_per_border(two_snapshot_store):
    series = two_snapshot_store.area_series("Test")
    import datetime as dt

    table = areas.area_summary(series, "Test", dt.date(2024, 8, 20))
    assert list(table.columns) == ["held_by", "status", "", "RUS", "UKR"]
    assert list(zip(table.held_by, table.status)) == [("UA", "contested"), ("UA", "held")]
    held = series[(series.as_of == dt.date(2024, 8, 20)) & (series.status == "held")].set_index("within")["area_km2"]
    assert table.loc[table.status == "held", "RUS"].item() == held["RUS"]
    assert areas.area_summary(series, "Test", dt.date(2024, 8, 11)).empty


def test_change_table_and_gained_lost_ground():
    from tests.conftest import territory

    before = territory([(shapely.box(35.0, 51.0, 35.2, 51.2), "UA", "held", "s")])
    after = territory([(shapely.box(35.1, 51.0, 35.3, 51.2), "UA", "held", "s"), (shapely.box(35.3, 51.0, 35.4, 51.2), "RU", "claimed", "s")])
    table = areas.change_table(before, after)
    held = table[(table.held_by == "UA") & (table.status == "held")].iloc[0]
    assert held.before_km2 == pytest.approx(areas.area_km2([shapely.box(35.0, 51.0, 35.2, 51.2)])[0])
    assert held.change_km2 == pytest.approx(held.after_km2 - held.before_km2)
    claimed = table[table.status == "claimed"].iloc[0]
    assert claimed.before_km2 == 0 and claimed.after_km2 > 0
    diff = areas.gained_and_lost(before, after)
    gained = diff[diff.change == "gained"].iloc[0]
    lost = diff[diff.change == "lost"].iloc[0]
    assert gained.area_km2 == pytest.approx(areas.area_km2([shapely.box(35.2, 51.0, 35.3, 51.2)])[0], rel=1e-9)
    assert lost.area_km2 == pytest.approx(areas.area_km2([shapely.box(35.0, 51.0, 35.1, 51.2)])[0], rel=1e-9)
    first = areas.gained_and_lost(None, after)
    assert list(first.change) == ["gained"] and areas.change_table(None, after)["before_km2"].eq(0).all()
