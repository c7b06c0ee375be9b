"""What a frame shows: snapshots per date, the key's km², reported figures, sources, basemap files."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyproj
import pytest
import shapely

from layers.errors import InvalidInputError, UnknownLayerError
from layers.render.data import (
    Callout,
    Frame,
    FrameReader,
    countries,
    country_names,
    key_plan,
    ordered_keys,
    places,
    plain_text,
    require_some_snapshot,
    snapshot_sources,
)
from layers.snapshots import Snapshot
from layers.store import Store
from tests.conftest import snapshot, territory

KURSK = "Kursk incursion"
BOX = shapely.box(35.1, 51.0, 35.3, 51.2)


def _geodesic_km2(geometry) -> float:
    return abs(pyproj.Geod(ellps="WGS84").geometry_area_perimeter(shapely.orient_polygons(geometry))[0]) / 1e6


def _frame(callouts: tuple[Callout, ...], as_of: dt.date = dt.date(2024, 9, 1)) -> Frame:
    return Frame(as_of, ("L",), (), (), callouts, (), ())


def test_plain_text_puts_data_on_one_line():
    assert plain_text("  Sudzha\n\tfront\x00line  ") == "Sudzha front line"
    assert plain_text(None) == "" and plain_text(float("nan")) == ""
    assert plain_text(1376.0) == "1376.0"


def test_the_basemap_files_name_the_countries_and_label_only_marked_places():
    names = country_names()
    assert names["RUS"] == "Russia" and names["UKR"] == "Ukraine"
    assert set(countries().columns) >= {"iso3", "name", "fill", "geometry"}
    labelled = places()
    assert len(labelled) > 0 and set(labelled["label"].astype(str)) == {"1"}
    assert labelled["lon"].dtype == np.float64 and labelled["lat"].dtype == np.float64
    assert "Sudzha" in set(labelled["name"])


def test_key_order_is_held_contested_claimed_then_side():
    pairs = [
        ("RU", "claimed"),
        ("RU", "held"),
        ("UA", "contested"),
        ("UA", "held"),
        ("RU", "held"),
        ("XX", "held"),
    ]
    assert ordered_keys(pairs) == (
        ("UA", "held"),
        ("RU", "held"),
        ("XX", "held"),
        ("UA", "contested"),
        ("RU", "claimed"),
    )


def test_key_plan_keeps_every_row_any_frame_has():
    first = _frame((Callout("L", "UA", "held", 5.0, (("Russia", 4.0),)), Callout("L", "RU", "claimed", 2.0)))
    second = _frame((Callout("L", "UA", "held", 6.0), Callout("L", "UA", "contested", 1.0)))
    assert key_plan([first, second]) == {
        "L": (("UA", "held", True), ("UA", "contested", False), ("RU", "claimed", False))
    }
    assert key_plan([_frame(())]) == {"L": ()}


def test_snapshot_sources_split_at_semicolons_without_repeats_in_order():
    features = territory(
        [
            (BOX, "UA", "held", "ISW, 25 Nov; Reuters"),
            (BOX, "UA", "contested", "reuters ;  DeepState\nmap"),
            (BOX, "UA", "held", None),
        ]
    )
    shown = Snapshot("L", dt.date(2024, 9, 1), dt.date(2024, 9, 1), 1, features)
    no_column = Snapshot("M", dt.date(2024, 9, 1), dt.date(2024, 9, 1), 2, features.drop(columns="source"))
    assert snapshot_sources([shown, no_column]) == ("ISW, 25 Nov", "Reuters", "DeepState map")


def test_a_frame_shows_each_layers_latest_snapshot_and_names_the_missing(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'two.db'}")
    store.write(
        [
            snapshot("Early", "2024-09-01", [(BOX, "UA", "held", "a")]),
            snapshot("Early", "2024-09-08", [(BOX, "UA", "contested", "b")]),
            snapshot("Late", "2024-09-10", [(BOX, "RU", "held", "c")]),
        ],
        actor="test",
    )
    reader = FrameReader(store, ["Early", "Late"])
    assert reader.snapshot_dates() == [dt.date(2024, 9, d) for d in (1, 8, 10)]
    frame = reader.frame(dt.date(2024, 9, 9))
    ((shown),) = frame.snapshots
    assert (shown.layer, shown.as_of, shown.age_days) == ("Early", dt.date(2024, 9, 8), 1)
    assert frame.missing == ("Late",) and frame.sources == ("b",)
    assert [(c.held_by, c.status) for c in frame.callouts] == [("UA", "contested")]
    assert frame.callouts[0].area_km2 == pytest.approx(_geodesic_km2(BOX), rel=1e-4)
    with pytest.raises(InvalidInputError, match="no snapshot of 'Early', 'Late' on or before 2024-08-31"):
        require_some_snapshot(reader, [reader.frame(dt.date(2024, 8, 31))])
    require_some_snapshot(reader, [reader.frame(dt.date(2024, 8, 31)), frame])


def test_callouts_give_each_sides_km2_and_the_part_inside_another_country(embedded_data_store):
    day = dt.date(2024, 11, 25)
    reader = FrameReader(embedded_data_store, [KURSK])
    frame = reader.frame(day)
    (ref,) = reader.refs(day)
    features = reader.features(ref.version_id)
    held = shapely.union_all(
        features[(features["held_by"] == "UA") & (features["status"] == "held")].geometry.values
    )
    callout = next(c for c in frame.callouts if (c.held_by, c.status) == ("UA", "held"))
    assert abs(callout.area_km2 - _geodesic_km2(held)) < 0.06 + 1e-4 * callout.area_km2
    # The incursion lies almost wholly in Russia; Ukraine's own part is not listed for its own side.
    ((country, inside_km2),) = callout.inside
    assert country == "Russia" and 0.9 * callout.area_km2 < inside_km2 < callout.area_km2


def test_reported_lines_are_the_nearest_dates_figures_beside_the_maps(embedded_data_store):
    frame = FrameReader(embedded_data_store, [KURSK]).frame(dt.date(2024, 11, 25))
    assert {line.date for line in frame.reported} == {dt.date(2024, 11, 23)}
    by_measure = {line.measure: line for line in frame.reported}
    assert by_measure["at date"].reported_km2 == 800 and by_measure["peak to date"].reported_km2 == 1376
    at_date = by_measure["at date"]
    # The map's figure comes from the snapshot on or before the figure's date.
    heads = embedded_data_store.heads(KURSK)
    assert at_date.computed_as_of == max(d for d in heads["as_of"] if d <= at_date.date)
    assert at_date.difference_pct == pytest.approx(100 * (at_date.computed_km2 - 800) / 800)


def test_a_store_without_figures_reports_nothing(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'plain.db'}")
    store.write([snapshot("L", "2024-09-01", [(BOX, "UA", "held", "a")])], actor="test")
    assert FrameReader(store, None).frame(dt.date(2024, 9, 1)).reported == ()


def test_layers_default_to_every_territory_layer_and_others_are_refused(embedded_data_store, tmp_path):
    assert FrameReader(embedded_data_store, None).layers == (KURSK,)
    assert FrameReader(embedded_data_store, [KURSK, KURSK]).layers == (KURSK,)
    with pytest.raises(
        InvalidInputError, match=r"holds events, not territory; give a territory layer \('Kursk"
    ):
        FrameReader(embedded_data_store, ["Strikes and reports"])
    with pytest.raises(UnknownLayerError, match="no layer named 'Nope'"):
        FrameReader(embedded_data_store, ["Nope"])
    with pytest.raises(InvalidInputError, match="no territory layer in .*; import one first"):
        FrameReader(Store(f"sqlite:///{tmp_path / 'empty.db'}"), [])
