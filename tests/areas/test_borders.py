"""The bundled country borders, and geometries clipped to them."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import Polygon

from layers import areas
from layers.errors import InvalidInputError


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


def test_bundled_borders_are_valid_and_indexed_by_iso3():
    borders = areas.load_borders()
    assert {"RUS", "UKR"} <= set(borders.index)
    assert all(len(code) == 3 and code.isupper() for code in borders.index)
    assert shapely.is_valid(borders.geometry.values).all()
    assert areas.BORDERS_PATH.is_file() and "Natural Earth" in areas.BORDERS_SOURCE


def test_country_border_ignores_case_and_spaces_and_lists_the_codes_it_knows():
    assert areas.country_border(" ukr ").equals(areas.load_borders().geometry.loc["UKR"])
    with pytest.raises(InvalidInputError, match=r"--within 'XXX'.*use one of .*RUS.*UKR"):
        areas.country_border("XXX")


def test_clip_to_given_borders_and_repairs_its_input_first():
    square = shapely.box(0.0, 0.0, 1.0, 1.0)
    borders = gpd.GeoDataFrame({"iso3": ["AAA"]}, geometry=[shapely.box(0.5, 0.0, 2.0, 1.0)], crs="EPSG:4326")
    borders = borders.set_index("iso3")
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])  # lobes left and right of x = 0.5
    clipped = areas.clip_to_country([square, bowtie, None], "aaa", borders)
    assert clipped[0].equals(shapely.box(0.5, 0.0, 1.0, 1.0))
    assert clipped[1].area == pytest.approx(0.25), "the right lobe: the ring is repaired before the overlay"
    assert clipped[2] is None
    with pytest.raises(InvalidInputError, match="use one of AAA"):
        areas.clip_to_country([square], "RUS", borders)
