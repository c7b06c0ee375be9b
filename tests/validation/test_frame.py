"""The result frame: the same GeoDataFrame as the constructor's, and copies that stay independent."""

from __future__ import annotations

import geopandas as gpd
import shapely
from geopandas.testing import assert_geodataframe_equal

from layers.validation.frame import features_frame


def records(n: int, source: str = "ISW") -> list[dict]:
    return [{"held_by": "UA", "status": "held", "source": source, "rank": i} for i in range(n)]


def boxes(n: int, shift: float = 0.0) -> list:
    return [shapely.box(35.0 + i / 10 + shift, 51.0, 35.05 + i / 10 + shift, 51.05) for i in range(n)]


def test_the_frame_is_the_one_the_constructor_builds():
    built = features_frame(records(3), boxes(3))
    expected = gpd.GeoDataFrame(records(3), geometry=boxes(3), crs="EPSG:4326")
    assert_geodataframe_equal(built, expected)


def test_a_repeated_table_gets_its_own_geometries_and_stays_independent():
    first = features_frame(records(2, "repeat"), boxes(2))
    second = features_frame(records(2, "repeat"), boxes(2, shift=1.0))
    assert list(second.geometry) == boxes(2, shift=1.0) and list(first.geometry) == boxes(2)
    second.loc[0, "held_by"] = "RU"
    assert first.loc[0, "held_by"] == "UA"
    assert second.crs == "EPSG:4326"
    assert_geodataframe_equal(
        second,
        gpd.GeoDataFrame(records(2, "repeat"), geometry=boxes(2, shift=1.0), crs="EPSG:4326").assign(
            held_by=["RU", "UA"]
        ),
    )


def test_tables_of_the_same_shape_keep_their_own_values():
    first = features_frame(records(2, "first source"), boxes(2))
    second = features_frame(records(2, "second source"), boxes(2))
    assert set(first["source"]) == {"first source"} and set(second["source"]) == {"second source"}
    numbers = features_frame([{"rank": 1}], boxes(1))
    floats = features_frame([{"rank": 1.0}], boxes(1))
    assert numbers["rank"].dtype == "int64" and floats["rank"].dtype == "float64"


def test_records_holding_lists_or_a_geometry_key_are_built_plainly():
    claims = [{"claims": [{"source": "a", "claim": "b"}]}]
    built = features_frame(claims, boxes(1))
    assert built.loc[0, "claims"] == [{"source": "a", "claim": "b"}]
    odd = [{"geometry": "written as a property"}]
    assert_geodataframe_equal(
        features_frame(odd, boxes(1)), gpd.GeoDataFrame(odd, geometry=boxes(1), crs="EPSG:4326")
    )
    assert features_frame([], []).empty
