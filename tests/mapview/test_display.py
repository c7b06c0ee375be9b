"""What the map is sent of a snapshot: levels of detail that keep the zones' topology."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from layers import mapview
from tests.mapview.conftest import (
    CLAIMED,
    NORTH,
    SOUTH,
    geometries,
    zones,
    zones_snapshot,
)


def test_detail_follows_zoom():
    assert [mapview.detail_for_zoom(z).level for z in (4, 6, 7, 8, 9, 10, 11, 15)] == [0, 0, 1, 1, 2, 2, 3, 3]
    assert mapview.detail_for_zoom(None) is mapview.FULL_DETAIL
    assert mapview.FULL_DETAIL.tolerance_m == 0 and mapview.FULL_DETAIL.decimals == 5


def test_full_detail_is_the_geometry_to_about_a_metre():
    geojson = mapview.territory_geojson(zones_snapshot(zones()))
    shown = geometries(geojson)
    for original, drawn in zip(
        [SOUTH, NORTH, CLAIMED], sorted(shown[:2], key=lambda g: -g.centroid.y)[::-1] + shown[2:], strict=True
    ):
        assert shapely.get_num_coordinates(drawn) == shapely.get_num_coordinates(original)
        assert shapely.hausdorff_distance(original, drawn) <= 0.5e-5 * 1.5


@pytest.mark.parametrize("zoom", [6, 8, 10])
def test_coarser_levels_are_smaller_and_keep_the_shared_front(zoom):
    detail = mapview.detail_for_zoom(zoom)
    full = mapview.territory_geojson(zones_snapshot(zones()))
    coarse = mapview.territory_geojson(zones_snapshot(zones()), detail)
    assert len(coarse) < len(full)
    north, south, claimed = (
        sorted(geometries(coarse)[:2], key=lambda g: -g.centroid.y) + geometries(coarse)[2:]
    )
    # One coverage: the two zones still meet along one edge, with no gap and no overlap.
    assert shapely.intersection(north, south).area == pytest.approx(0, abs=1e-12)
    assert shapely.union(north, south).area == pytest.approx(shapely.union(NORTH, SOUTH).area, rel=1e-3)
    assert shapely.coverage_is_valid(np.array([north, south]))
    # Within about half a pixel of the original at that level's finest zoom.
    tolerance_deg = detail.tolerance_m / 111_320 + 10**-detail.decimals
    assert shapely.hausdorff_distance(north, NORTH) <= 2 * tolerance_deg
    assert claimed.is_valid and not claimed.is_empty


def test_real_snapshot_shrinks_at_country_zoom(real_snapshot):
    full = mapview.territory_geojson(real_snapshot)
    country = mapview.territory_geojson(real_snapshot, mapview.detail_for_zoom(6))
    assert len(country) < 0.6 * len(full)
    assert all(g.is_valid for g in geometries(country))
