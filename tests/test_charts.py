"""The analytics charts' Vega-Lite specs: what they plot, checked against the data given."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd

from layers import charts, style

D = dt.date.fromisoformat


def series() -> pd.DataFrame:
    """Two snapshots; Russia's contested ground only on the second; one border clip."""
    rows = [
        ("L", D("2024-08-10"), "UA", "held", "", 100.04),
        ("L", D("2024-08-10"), "UA", "held", "", 20.0),  # a second feature of the same side and status
        ("L", D("2024-08-20"), "UA", "held", "", 150.0),
        ("L", D("2024-08-20"), "RU", "contested", "", 5.56),
        ("L", D("2024-08-20"), "UA", "held", "RUS", 90.0),
        ("Other", D("2024-09-01"), "UA", "held", "", 1.0),
    ]
    return pd.DataFrame(rows, columns=["layer", "as_of", "held_by", "status", "within", "area_km2"])


def comparison() -> pd.DataFrame:
    rows = [
        (D("2024-08-12"), "L", "", "at date", 130.0, 120.0, "official claim", "A", "quote", "UA-held"),
        (D("2024-08-13"), "L", "RUS", "at date", 80.0, None, "mapped", "B", "", "UA-held in Russia"),
        (D("2024-08-31"), "L", "", "net change in month", 30.0, 29.0, "mapped", "C", "", "monthly"),
    ]
    columns = [
        "date",
        "layer",
        "within",
        "measure",
        "reported_km2",
        "computed_km2",
        "kind",
        "source",
        "note",
        "scope",
    ]
    return pd.DataFrame(rows, columns=columns)


def test_area_lines_sum_each_side_and_status_per_snapshot_with_zero_where_absent():
    lines, points = charts.area_layers(series(), comparison(), "L", "")
    values = {(v["series"], v["date"]): v["km2"] for v in lines["data"]["values"]}
    assert values == {
        ("Ukraine, held", "2024-08-10"): 120.0,
        ("Ukraine, held", "2024-08-20"): 150.0,
        ("Russia, contested", "2024-08-10"): 0.0,
        ("Russia, contested", "2024-08-20"): 5.6,
    }
    colour = lines["encoding"]["color"]["scale"]
    assert dict(zip(colour["domain"], colour["range"], strict=True)) == {
        "Russia, contested": style.side_colour("RU"),
        "Ukraine, held": style.side_colour("UA"),
    }
    dashes = lines["encoding"]["strokeDash"]["scale"]
    assert (
        dict(zip(dashes["domain"], dashes["range"], strict=True))["Russia, contested"]
        == charts.STATUS_DASH["contested"]
    )


def test_only_area_figures_of_the_same_layer_and_border_are_points():
    _, points = charts.area_layers(series(), comparison(), "L", "")
    assert [(p["date"], p["km2"], p["map_km2"]) for p in points["data"]["values"]] == [
        ("2024-08-12", 130.0, 120.0)
    ]
    _, points = charts.area_layers(series(), comparison(), "L", "RUS")
    assert [(p["date"], p["map_km2"]) for p in points["data"]["values"]] == [("2024-08-13", None)]
    assert len(charts.area_layers(series(), comparison().iloc[:0], "L", "")) == 1, (
        "no figures: no point layer"
    )


def test_the_selected_date_is_the_only_per_date_part():
    layers = charts.area_layers(series(), comparison(), "L", "")
    first, second = (
        charts.with_selected_date(layers, D("2024-08-10")),
        charts.with_selected_date(layers, D("2024-08-20")),
    )
    assert json.dumps(first["layer"]) == json.dumps(second["layer"])
    assert first["datasets"][charts.SELECTED]["date"].tolist() == ["2024-08-10"]
    assert first["layer"][-1]["data"] == {"name": charts.SELECTED}
    assert first["layer"][-1]["mark"]["color"] == style.SELECTED_DATE_COLOUR


def test_monthly_bars_per_side_with_partial_months_marked():
    monthly = pd.DataFrame(
        [
            (D("2024-09-01"), "UA", -12.34, D("2024-08-31"), D("2024-09-30"), False),
            (D("2024-10-01"), "RU", 3.0, D("2024-09-30"), D("2024-10-15"), True),
        ],
        columns=["month", "held_by", "change_km2", "from_as_of", "to_as_of", "partial"],
    )
    [bars] = charts.monthly_spec(monthly)["layer"]
    assert bars["data"]["values"] == [
        {"month": "2024-09-01", "side": "Ukraine", "km2": -12.3, "period": "2024-08-31 to 2024-09-30"},
        {
            "month": "2024-10-01",
            "side": "Russia",
            "km2": 3.0,
            "period": "2024-09-30 to 2024-10-15 (month not over)",
        },
    ]
    assert bars["encoding"]["color"]["scale"] == {
        "domain": ["Russia", "Ukraine"],
        "range": ["#c62828", "#1f5fbf"],
    }


def test_near_front_bars_per_day_and_place_none_without_a_snapshot():
    daily = pd.DataFrame(
        {
            "date": [dt.date(2024, 8, 1), dt.date(2024, 8, 2), dt.date(2024, 8, 3)],
            "snapshot": [None, dt.date(2024, 8, 2), dt.date(2024, 8, 2)],
            "near_front": pd.array([pd.NA, 3, 1], dtype="Int64"),
            "UA": pd.array([pd.NA, 2, 0], dtype="Int64"),
            "RU": pd.array([pd.NA, 1, 0], dtype="Int64"),
            "contested": pd.array([pd.NA, 0, 1], dtype="Int64"),
            "unmarked": pd.array([pd.NA, 0, 0], dtype="Int64"),
            "events": [4, 3, 2],
        }
    )
    (bars,) = charts.near_front_layers(daily)
    assert bars["data"]["values"] == [
        {"date": "2024-08-02", "place": "Ukrainian-held side", "events": 2},
        {"date": "2024-08-02", "place": "Russian-held side", "events": 1},
        {"date": "2024-08-03", "place": "contested", "events": 1},
    ]
    assert bars["encoding"]["color"]["scale"]["domain"] == [
        "Ukrainian-held side",
        "Russian-held side",
        "contested",
    ]
