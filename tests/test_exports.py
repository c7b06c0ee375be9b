"""Files a reader takes away: every one names its area method and border outline."""

from __future__ import annotations

import datetime as dt
import io
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from layers import exports, figures
from layers.areas import BORDERS_SOURCE, METHOD
from layers.credits import DEEPSTATE, Credit
from layers.snapshots import Snapshot, snapshot_at
from tests.conftest import territory

D = dt.date.fromisoformat


def read_csv(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), keep_default_na=False)


def stored_series() -> pd.DataFrame:
    """Rows as ``Store.area_series()`` gives them, with areas that need rounding."""
    rows = [
        (D("2024-08-10"), "Kursk", "UA", "held", "", 1234.56789, "a stored method"),
        (D("2024-08-10"), "Kursk", "UA", "held", "RUS", 1000.0004, "a stored method"),
        (D("2024-08-20"), "Kursk", "UA", "contested", "RUS", 0.0006, "a stored method"),
    ]
    return pd.DataFrame(rows, columns=["as_of", "layer", "held_by", "status", "within", "area_km2", "method"])


def test_area_series_csv_has_its_columns_rounded_areas_and_iso_dates():
    text = exports.area_series_csv(stored_series())
    assert "\r" not in text and text.endswith("\n")
    table = read_csv(text)
    assert list(table.columns) == exports.AREA_SERIES_COLUMNS
    assert table["date"].tolist() == ["2024-08-10", "2024-08-10", "2024-08-20"]
    assert table["within"].tolist() == ["", "RUS", "RUS"]
    assert table["area_km2"].tolist() == [1234.568, 1000.0, 0.001]
    assert (table["method"] == "a stored method").all(), "the method stored with each area"
    assert (table["borders"] == BORDERS_SOURCE).all()


def test_area_series_csv_without_a_stored_method_names_the_current_one():
    table = read_csv(exports.area_series_csv(stored_series().drop(columns="method")))
    assert (table["method"] == METHOD).all() and len(table) == 3


def test_area_series_csv_names_its_method_on_every_row(two_snapshot_store):
    series = two_snapshot_store.area_series()
    table = pd.read_csv(io.StringIO(exports.area_series_csv(series)), keep_default_na=False)
    assert len(table) == len(series) and (table["method"] == METHOD).all()
    assert table["area_km2"].tolist() == pytest.approx(series["area_km2"].round(3).tolist())


def reported(scope: str, layer: str, value: str) -> dict:
    return {
        "date": "2024-08-15",
        "scope": scope,
        "layer": layer,
        "held_by": "UA",
        "status": "held",
        "within": "",
        "value_km2": value,
        "kind": "mapped",
        "source": "s",
    }


def test_comparison_csv_rounds_km2_to_three_decimals_and_percentages_to_two():
    series = stored_series()
    checked = figures.check_figures(pd.DataFrame([reported("x", "Kursk", "1000.12345")]), "t")
    table = read_csv(exports.comparison_csv(figures.compare(checked, series)))
    assert list(table.columns) == [*figures.COMPARISON_COLUMNS, "method", "borders", "illustrative", "credit"]
    assert (table["credit"] == "Kursk: source not stated · licence not stated").all()
    row = table.iloc[0]
    assert (row.reported_km2, row.computed_km2) == (1000.123, 1234.568)
    assert row.difference_km2 == round(1234.56789 - 1000.12345, 3)
    assert row.difference_pct == round(100 * (1234.56789 - 1000.12345) / 1000.12345, 2)
    assert (row.method, row.borders) == (METHOD, BORDERS_SOURCE)


def test_comparison_csv_keeps_unmatched_figures_with_their_reason(two_snapshot_store):
    rows = pd.DataFrame([reported("x", "Test", "100"), reported("y", "Elsewhere", "100")])
    compared = figures.compare(figures.check_figures(rows, "t"), two_snapshot_store.area_series())
    table = pd.read_csv(io.StringIO(exports.comparison_csv(compared)), keep_default_na=False)
    assert table["comparison"].tolist() == ["compared", "no computed series: layer 'Elsewhere' is not loaded"]
    assert (table["method"] == METHOD).all()


def test_table_csv_appends_method_and_borders_and_rounds_every_number():
    table = pd.DataFrame(
        {"held_by": ["UA", "RU"], "within": ["", "UKR"], "area_km2": [1.23456, 98765.4321], "count": [3, 4]}
    )
    read = read_csv(exports.table_csv(table))
    assert list(read.columns) == ["held_by", "within", "area_km2", "count", "method", "borders"]
    assert read["area_km2"].tolist() == [1.235, 98765.432] and read["count"].tolist() == [3, 4]
    assert (read["method"] == METHOD).all() and (read["borders"] == BORDERS_SOURCE).all()
    assert list(table.columns) == ["held_by", "within", "area_km2", "count"], "the table itself is unchanged"


def test_snapshot_geojson_round_trips_with_its_provenance():
    box = shapely.box(35.1, 51.0, 35.3, 51.25)
    features = territory(
        [(box, "UA", "held", "source A"), (shapely.box(35.3, 51.0, 35.4, 51.2), "RU", "held", None)]
    )
    features["note"] = ["a note", np.nan]
    snapshot = Snapshot("Test layer", D("2024-08-10"), D("2024-08-12"), 7, features)
    body = exports.snapshot_geojson(snapshot)
    collection = json.loads(body)
    assert collection["metadata"] == {
        "layer": "Test layer",
        "snapshot": "2024-08-10",
        "requested": "2024-08-12",
        "version_id": 7,
        "area_method": METHOD,
        "borders": BORDERS_SOURCE,
        "illustrative": False,
        "credit": {
            "source": "",
            "licence": "licence not stated",
            "licence_url": "",
            "attribution": "",
            "non_commercial": False,
            "line": "Test layer: source not stated · licence not stated",
        },
    }
    assert "note" not in collection["features"][1]["properties"], "missing values are left out, not null"
    read = gpd.read_file(io.StringIO(body))
    assert read["held_by"].tolist() == ["UA", "RU"] and read["note"].iloc[0] == "a note"
    assert all(shapely.equals(a, b) for a, b in zip(read.geometry, features.geometry, strict=True))


def test_snapshot_geojson_keeps_non_ascii_text_as_it_is():
    features = territory([(shapely.box(35.0, 51.0, 35.1, 51.1), "UA", "held", "Суджа, Курська обл.")])
    body = exports.snapshot_geojson(Snapshot("Курськ", D("2024-08-10"), D("2024-08-10"), 1, features))
    assert "Суджа, Курська обл." in body and json.loads(body)["metadata"]["layer"] == "Курськ"


def test_snapshot_geojson_round_trips(two_snapshot_store):
    snap = snapshot_at(two_snapshot_store, "Test", D("2024-08-25"))
    body = exports.snapshot_geojson(snap)
    read = gpd.read_file(io.StringIO(body))
    assert len(read) == len(snap.features) and set(read["source"]) == set(snap.features["source"])
    assert shapely.equals(read.geometry.union_all(), snap.features.geometry.union_all())
    assert json.loads(body)["metadata"]["snapshot"] == "2024-08-20"


def test_rounding_never_turns_a_huge_number_into_inf():
    # A figure stored before values were bounded: pandas' round(3) multiplied 1e308 by 1000.
    huge = figures.compare(
        pd.DataFrame(
            [
                {
                    "date": D("2024-08-20"),
                    "scope": "typo",
                    "layer": "",
                    "held_by": "",
                    "status": "",
                    "within": "",
                    "value_km2": 1e308,
                    "kind": "official claim",
                    "source": "x",
                    "note": "",
                }
            ]
        ),
        stored_series(),
    )
    (row,) = read_csv(exports.comparison_csv(huge)).to_dict("records")
    assert row["reported_km2"] == 1e308
    series = stored_series().assign(area_km2=[1e308, -1e307, 1.23456])
    assert read_csv(exports.area_series_csv(series))["area_km2"].tolist() == [1e308, -1e307, 1.235]
    table = read_csv(exports.table_csv(pd.DataFrame({"change_km2": [-1e308, 2.00049]})))
    assert table["change_km2"].tolist() == [-1e308, 2.0]


# --- an illustrative layer says so in every export --------------------------------------


def test_illustrative_layers_follow_the_descriptions_rule():
    from layers.store import LayerInfo

    infos = [
        LayerInfo("Drawn", "territory", "  Illustrative drawing by the project", 1, None, None),
        LayerInfo(
            "Surveyed", "territory", "DeepStateMap daily archive; illustrative of nothing", 1, None, None
        ),
        LayerInfo("Bare", "territory", "", 1, None, None),
    ]
    assert exports.illustrative_layers(infos) == {"Drawn"}


def test_the_area_series_csv_marks_an_illustrative_layers_rows():
    series = pd.concat([stored_series(), stored_series().assign(layer="Surveyed")], ignore_index=True)
    table = read_csv(exports.area_series_csv(series, {"Kursk"}))
    assert dict(zip(table["layer"], table["illustrative"], strict=False)) == {
        "Kursk": True,
        "Surveyed": False,
    }
    assert "illustrative,credit\n" in exports.area_series_csv(series).splitlines(keepends=True)[0]
    assert not read_csv(exports.area_series_csv(series))["illustrative"].any()


def test_the_comparison_csv_marks_figures_compared_with_an_illustrative_layer():
    checked = figures.check_figures(
        pd.DataFrame([reported("x", "Kursk", "1000"), reported("y", "Elsewhere", "1")]), "t"
    )
    table = read_csv(exports.comparison_csv(figures.compare(checked, stored_series()), {"Kursk"}))
    assert table["illustrative"].tolist() == [True, False]


def test_the_snapshot_geojson_of_an_illustrative_layer_says_so_in_its_metadata():
    features = territory([(shapely.box(35.0, 51.0, 35.1, 51.1), "UA", "held", "ISW")])
    snapshot = Snapshot("Kursk incursion", D("2024-08-10"), D("2024-08-10"), 1, features)
    metadata = json.loads(exports.snapshot_geojson(snapshot, illustrative=True))["metadata"]
    assert metadata["illustrative"] is True
    assert metadata["note"].startswith("Illustrative layer: Kursk incursion \u2014 hand-drawn, not a source")
    assert "not survey data" in metadata["note"]
    assert "note" not in json.loads(exports.snapshot_geojson(snapshot))["metadata"]


# --- credits ------------------------------------------------------------------------


def test_every_csv_with_a_layer_column_states_its_layers_credit_and_a_non_commercial_licence():
    series = pd.concat([stored_series(), stored_series().assign(layer="Surveyed")], ignore_index=True)
    credits = {"Kursk": DEEPSTATE}
    table = read_csv(exports.area_series_csv(series, (), credits))
    assert dict(zip(table["layer"], table["credit"], strict=False)) == {
        "Kursk": "Kursk: data DeepStateMap · CC BY-NC-SA 4.0, non-commercial use only",
        "Surveyed": "Surveyed: source not stated · licence not stated",
    }
    changes = read_csv(exports.table_csv(pd.DataFrame({"layer": ["Kursk"], "net_km2": [1.0]}), credits))
    assert list(changes.columns) == ["layer", "net_km2", "method", "borders", "credit"]
    assert changes["credit"].iloc[0].endswith("non-commercial use only")


def test_a_hostile_credit_in_a_csv_is_guarded_like_any_text():
    series = stored_series().assign(layer="=HYPERLINK(1)")
    text = exports.area_series_csv(series, (), {"=HYPERLINK(1)": Credit("x", "CC BY 4.0", "")})
    assert "'=HYPERLINK(1): data x · CC BY 4.0" in text


def test_a_snapshot_geojson_carries_its_layers_credit():
    features = territory([(shapely.box(35.0, 51.0, 35.1, 51.1), "UA", "held", "s")])
    snapshot = Snapshot("Occupied Ukraine", D("2024-08-10"), D("2024-08-10"), 1, features)
    credit = json.loads(exports.snapshot_geojson(snapshot, credit=DEEPSTATE))["metadata"]["credit"]
    assert credit == {
        **DEEPSTATE.as_dict(),
        "line": "Occupied Ukraine: data DeepStateMap · CC BY-NC-SA 4.0, non-commercial use only",
    }
    assert credit["non_commercial"] is True
    assert credit["licence_url"] == "https://creativecommons.org/licenses/by-nc-sa/4.0/"
