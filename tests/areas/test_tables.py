"""Area tables per side and status, against a plain dissolve-overlay-measure reference."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import MultiPolygon

from layers import areas
from layers.errors import InvalidInputError
from tests.conftest import SHARED_DATA, territory

#: Parts on both sides of the Russian-Ukrainian border near Sudzha, and one far inside Ukraine.
PARTS_ON_BOTH_SIDES = MultiPolygon(
    [
        shapely.box(35.0, 50.9, 35.6, 51.4),
        shapely.box(36.5, 51.6, 36.7, 51.8),
        shapely.box(34.0, 50.0, 34.2, 50.2),
    ]
)


def test_area_table_dissolves_overlaps_per_side_and_status():
    a = shapely.box(35.0, 51.0, 35.2, 51.2)
    b = shapely.box(35.1, 51.0, 35.3, 51.2)
    table = areas.area_table(
        territory([(a, "UA", "held", "s"), (b, "UA", "held", "s"), (a, "RU", "claimed", "s")])
    )
    held = table[(table.held_by == "UA") & (table.status == "held")]["area_km2"].item()
    assert held == pytest.approx(areas.area_km2([shapely.union(a, b)])[0], rel=1e-9)
    assert set(zip(table.held_by, table.status, strict=True)) == {("UA", "held"), ("RU", "claimed")}


def test_area_summary_is_one_row_per_side_and_status_with_a_column_per_border(two_snapshot_store):
    series = two_snapshot_store.area_series("Test")
    table = areas.area_summary(series, "Test", dt.date(2024, 8, 20))
    assert list(table.columns) == ["held_by", "status", "", "RUS", "UKR"]
    assert list(zip(table.held_by, table.status, strict=True)) == [("UA", "contested"), ("UA", "held")]
    held = series[(series.as_of == dt.date(2024, 8, 20)) & (series.status == "held")].set_index("within")[
        "area_km2"
    ]
    assert table.loc[table.status == "held", "RUS"].item() == held["RUS"]
    assert areas.area_summary(series, "Test", dt.date(2024, 8, 11)).empty


def reference_rows(features: gpd.GeoDataFrame, within) -> list[tuple]:
    """Area rows as area_table computed them before the boundary sums: dissolve, overlay, measure."""
    rows = []
    groups = features.groupby(["held_by", "status"], sort=True)
    dissolved = [(h, s, shapely.union_all(shapely.make_valid(g.geometry.values))) for (h, s), g in groups]
    geoms = np.array([g for _, _, g in dissolved], dtype=object)
    for code in within:
        clipped = geoms if code == "" else areas.clip_to_country(geoms, code)
        rows.extend(
            (h, s, code, float(a)) for (h, s, _), a in zip(dissolved, areas.area_km2(clipped), strict=True)
        )
    return rows


def assert_same_rows(computed, reference):
    assert [r[:3] for r in computed] == [r[:3] for r in reference]
    for (*key, value), (_, _, _, expected) in zip(computed, reference, strict=True):
        assert value == pytest.approx(expected, rel=1e-9, abs=1e-12), key


def test_area_rows_match_the_overlay_on_real_snapshots(deepstate_daily):
    from layers import schema
    from layers.presets import DEEPSTATE
    from layers.validation import validate

    files = deepstate_daily
    chosen = files[:: max(1, len(files) // 12)] + files[-1:]
    kursk = sorted((SHARED_DATA / "deepstate-kursk").glob("*.geojson"))[::40]
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
        within = ("", "RUS", "UKR")
        assert_same_rows(areas.area_rows(report.features, within), reference_rows(report.features, within))
        assert areas.area_table(report.features, within).values.tolist() == [
            list(r) for r in areas.area_rows(report.features, within)
        ]


def test_area_rows_of_the_same_features_are_the_same_rows():
    features = territory(
        [
            (PARTS_ON_BOTH_SIDES, "UA", "held", "s"),
            (shapely.box(35.2, 51.0, 35.3, 51.5), "RU", "contested", "s"),
        ]
    )
    first = areas.area_rows(features, ("", "RUS", "UKR"))
    expected = list(first)
    first.clear()  # what a caller does with its rows does not reach the remembered ones
    again = areas.area_rows(features.copy(), ("", "RUS", "UKR"))
    assert again == expected and again is not first
    assert_same_rows(again, reference_rows(features, ("", "RUS", "UKR")))
    # Given borders are used as given: no summing, no remembered rows.
    given = areas.area_rows(features, ("RUS",), borders=areas.load_borders())
    assert_same_rows(given, reference_rows(features, ("RUS",)))


def test_area_rows_refuse_an_unknown_border_and_give_nothing_for_no_features():
    features = territory([(shapely.box(35.0, 51.0, 35.2, 51.2), "UA", "held", "s")])
    with pytest.raises(InvalidInputError, match="ISO 3166-1 alpha-3"):
        areas.area_rows(features, ("", "XXX"))
    assert areas.area_rows(features.iloc[0:0], ("", "RUS")) == []
    assert list(areas.area_table(features.iloc[0:0]).columns) == areas.AREA_COLUMNS


def test_features_without_a_side_or_status_are_left_out_as_groupby_leaves_them():
    box = shapely.box(35.0, 51.0, 35.2, 51.2)
    features = territory([(box, "UA", "held", "s"), (box, None, "held", "s"), (box, "RU", np.nan, "s")])
    rows = areas.area_rows(features, ("",))
    assert [row[:3] for row in rows] == [("UA", "held", "")]
    assert rows[0][3] == pytest.approx(areas.geodesic_area_km2([box])[0], rel=1e-4)


def test_repaired_and_overlapping_features_count_once():
    bowtie = shapely.Polygon([(35.0, 51.0), (35.5, 51.5), (35.5, 51.0), (35.0, 51.5), (35.0, 51.0)])
    lobe = shapely.Polygon([(35.0, 51.0), (35.25, 51.25), (35.0, 51.5)])
    features = territory([(bowtie, "RU", "held", "s"), (lobe, "RU", "held", "s")])
    rows = areas.area_rows(features, ("", "UKR"))
    assert_same_rows(rows, reference_rows(features, ("", "UKR")))
    assert rows[0][3] == pytest.approx(areas.geodesic_area_km2([bowtie])[0], rel=1e-4)
