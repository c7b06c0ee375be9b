"""Reported figures against computed areas: same scope, snapshot on or before the figure's date."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from layers import figures
from layers.errors import InvalidInputError

D = dt.date.fromisoformat


def series() -> pd.DataFrame:
    rows = [
        (D("2024-08-10"), "Kursk", "UA", "held", "RUS", 400.0),
        (D("2024-08-10"), "Kursk", "UA", "held", "", 420.0),
        (D("2024-08-20"), "Kursk", "UA", "held", "RUS", 700.0),
        (D("2024-08-20"), "Kursk", "UA", "contested", "RUS", 90.0),
    ]
    return pd.DataFrame(rows, columns=["as_of", "layer", "held_by", "status", "within", "area_km2"])


def figure(
    date, value, layer="Kursk", held_by="UA", status="held", within="RUS", scope="UA-held in Kursk"
) -> dict:
    return {
        "date": D(date),
        "scope": scope,
        "layer": layer,
        "held_by": held_by,
        "status": status,
        "within": within,
        "value_km2": value,
        "kind": "official claim",
        "source": "Syrskyi",
        "note": "",
    }


def test_figure_is_compared_with_snapshot_on_or_before_its_date():
    table = figures.compare(pd.DataFrame([figure("2024-08-12", 1000), figure("2024-08-20", 1263)]), series())
    assert list(table["computed_km2"]) == [400.0, 700.0]
    assert list(table["computed_as_of"]) == [D("2024-08-10"), D("2024-08-20")]
    assert table["difference_km2"].iloc[0] == pytest.approx(-600)
    assert table["difference_pct"].iloc[1] == pytest.approx(100 * (700 - 1263) / 1263)


def test_side_without_features_counts_as_zero_not_missing():
    table = figures.compare(pd.DataFrame([figure("2024-08-21", 5, held_by="RU")]), series())
    assert table["computed_km2"].iloc[0] == 0 and table["comparison"].iloc[0] == "compared"


@pytest.mark.parametrize(
    "kwargs, reason",
    [
        ({"layer": ""}, "names no layer"),
        ({"layer": "Donbas"}, "'Donbas' is not loaded"),
        ({"date": "2024-08-01"}, "no snapshot on or before"),
    ],
)
def test_figure_without_a_matching_series_says_so(kwargs, reason):
    args = {"date": "2024-08-12", "value": 100, **kwargs}
    table = figures.compare(pd.DataFrame([figure(args.pop("date"), args.pop("value"), **args)]), series())
    assert reason in table["comparison"].iloc[0] and pd.isna(table["computed_km2"].iloc[0])


def test_nearest_keeps_ties_per_scope():
    table = figures.compare(
        pd.DataFrame([figure("2024-08-12", 1000), figure("2024-08-20", 1263), figure("2024-08-20", 1376)]),
        series(),
    )
    near = figures.nearest(table, D("2024-08-19"))
    assert sorted(near["reported_km2"]) == [1263, 1376]


def test_read_reported_figures_names_bad_rows(tmp_path):
    path = tmp_path / "figures.csv"
    path.write_text(
        "date,scope,layer,held_by,status,within,value_km2,kind,source,note\n"
        "2024/08/12,x,Kursk,UA,held,RUS,abc,rumour,,\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInputError) as error:
        figures.read_reported_figures(path)
    text = str(error.value)
    assert "line 2: date expected like 2024-11-25" in text
    assert "line 2: value_km2 expected a number" in text
    assert "line 2: kind 'rumour' is not one of" in text
    assert "line 2: source is empty" in text


def test_peak_to_date_is_compared_with_the_largest_snapshot_so_far():
    rows = series()
    later = pd.DataFrame([(D("2024-09-01"), "Kursk", "UA", "held", "RUS", 500.0)], columns=rows.columns)
    table = figures.compare(
        pd.DataFrame([figure("2024-11-23", 1376) | {"measure": "peak to date"}, figure("2024-11-23", 800)]),
        pd.concat([rows, later]),
    )
    assert list(table["computed_km2"]) == [700.0, 500.0]
    assert list(table["computed_as_of"]) == [D("2024-08-20"), D("2024-09-01")]


def test_nearest_lists_the_closest_scope_first():
    table = figures.compare(
        pd.DataFrame([figure("2024-08-12", 1000, scope="peak"), figure("2024-08-20", 1263)]), series()
    )
    assert list(figures.nearest(table, D("2024-08-21"))["scope"]) == ["UA-held in Kursk", "peak"]


def monthly_series() -> pd.DataFrame:
    rows = [
        (D("2024-07-20"), "Occ", "RU", "held", "UKR", 1000.0),
        (D("2024-07-31"), "Occ", "RU", "held", "UKR", 1010.0),
        (D("2024-08-15"), "Occ", "RU", "held", "UKR", 1200.0),
        (D("2024-08-30"), "Occ", "RU", "held", "UKR", 1373.0),
        (D("2024-09-30"), "Occ", "RU", "held", "UKR", 1300.0),
        (D("2024-10-10"), "Occ", "RU", "held", "UKR", 1350.0),
    ]
    return pd.DataFrame(rows, columns=["as_of", "layer", "held_by", "status", "within", "area_km2"])


def test_net_change_in_month_runs_from_the_previous_month_end_to_the_figure_date():
    gain = figure("2024-08-31", 363, layer="Occ", held_by="RU", within="UKR") | {
        "measure": "net change in month"
    }
    table = figures.compare(pd.DataFrame([gain]), monthly_series())
    assert table["computed_km2"].iloc[0] == pytest.approx(1373 - 1010)
    assert (table["computed_from"].iloc[0], table["computed_as_of"].iloc[0]) == (
        D("2024-07-31"),
        D("2024-08-30"),
    )


def test_change_without_a_baseline_snapshot_says_so():
    year = figure("2024-12-31", 4168, layer="Occ", held_by="RU", within="UKR") | {
        "measure": "net change in year"
    }
    table = figures.compare(pd.DataFrame([year]), monthly_series())
    assert pd.isna(table["computed_km2"].iloc[0])
    assert "no snapshot on or before 2023-12-31, the start of the period" in table["comparison"].iloc[0]


def test_monthly_change_is_month_end_to_month_end_and_marks_the_partial_month():
    table = figures.monthly_change(monthly_series(), "Occ", within="UKR")
    assert list(table["month"]) == [D("2024-08-01"), D("2024-09-01"), D("2024-10-01")]
    assert list(table["change_km2"]) == pytest.approx([363.0, -73.0, 50.0])
    assert list(table["partial"]) == [False, False, True]


def test_check_figures_fills_scope_defaults_and_refuses_unknown_borders():
    raw = pd.DataFrame(
        [
            {
                "date": "2024-08-31",
                "scope": "gains",
                "value_km2": "1,234",
                "kind": "mapped",
                "source": "DeepStateMap",
                "within": "",
            }
        ]
    )
    checked = figures.check_figures(
        raw, "f.csv", {"layer": "Occ", "held_by": "RU", "status": "held", "within": "ukr"}, first_line=2
    )
    assert checked.iloc[0][["layer", "held_by", "within", "measure", "value_km2"]].tolist() == [
        "Occ",
        "RU",
        "UKR",
        "at date",
        1234.0,
    ]
    with pytest.raises(InvalidInputError, match="f.csv line 2: within 'XYZ' is not a bundled border"):
        figures.check_figures(raw.assign(within="XYZ"), "f.csv", first_line=2)
    with pytest.raises(
        InvalidInputError, match="held_by is empty; a figure compared with layer 'Occ' needs held_by"
    ):
        figures.check_figures(raw.assign(layer="Occ"), "f.csv", first_line=2)
    with pytest.raises(InvalidInputError, match="unknown column"):
        figures.check_figures(raw.assign(colour="red"), "f.csv")


@pytest.mark.parametrize("content", [b"", b"\xff\xfe\xfa not utf-8"])
def test_read_reported_figures_refuses_what_is_not_a_csv_and_says_how_to_save_it(tmp_path, content):
    path = tmp_path / "figures.csv"
    path.write_bytes(content)
    with pytest.raises(InvalidInputError, match=r"figures.csv: cannot read it as CSV .*save it as UTF-8 CSV"):
        figures.read_reported_figures(path)


def test_check_figures_names_missing_columns_and_the_expected_ones():
    with pytest.raises(
        InvalidInputError, match=r"t: missing column\(s\) value_km2, kind, source; expected date,"
    ):
        figures.check_figures(pd.DataFrame([{"date": "2024-08-31", "scope": "x"}]), "t")


def test_computed_at_before_the_first_snapshot_is_none_and_a_missing_scope_is_zero():
    assert figures.computed_at(series(), "Kursk", "UA", "held", "RUS", D("2024-08-09")) is None
    assert figures.computed_at(series(), "Kursk", "RU", "held", "RUS", D("2024-08-15")) == (
        0.0,
        D("2024-08-10"),
        None,
    )


def test_period_start_is_the_last_day_before_the_month_or_year():
    assert figures.period_start(D("2024-03-15"), "net change in month") == D("2024-02-29")
    assert figures.period_start(D("2024-03-15"), "net change in year") == D("2023-12-31")
    assert figures.period_start(D("2024-03-15"), "at date") is None


def figures_csv(tmp_path, *values: tuple[str, str]):
    """A figures CSV with one row per ``(value_km2, measure)``, everything else valid."""
    path = tmp_path / "figures.csv"
    lines = ["date,scope,measure,value_km2,kind,source"]
    lines += [
        f'2024-08-{12 + i},scope {i},{measure},"{value}",official claim,Syrskyi'
        for i, (value, measure) in enumerate(values)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "value, message",
    [
        ("nan", "line 2: value_km2 is 'nan'; give a finite number of km², such as 1268."),
        ("NaN", "line 2: value_km2 is 'NaN'; give a finite number of km²"),
        ("inf", "line 2: value_km2 is 'inf'; give a finite number of km²"),
        ("-Infinity", "line 2: value_km2 is '-Infinity'; give a finite number of km²"),
        ("1e308", "line 2: value_km2 '1e308' is more than 20,000,000 km² (Russia, the largest country"),
        ("20000001", "line 2: value_km2 '20000001' is more than 20,000,000 km²"),
        ("-1268", "line 2: value_km2 '-1268' is negative, but an area at date cannot be"),
    ],
)
def test_a_figure_that_is_not_a_finite_area_is_named_by_line_and_field(tmp_path, value, message):
    with pytest.raises(InvalidInputError) as error:
        figures.read_reported_figures(figures_csv(tmp_path, (value, "")))
    assert message in str(error.value)
    assert "already" not in str(error.value)  # not the misleading uniqueness message a NaN gave


def test_every_bad_value_is_listed_and_good_ones_pass(tmp_path):
    with pytest.raises(InvalidInputError) as error:
        figures.read_reported_figures(
            figures_csv(tmp_path, ("1,268", ""), ("nan", ""), ("-5", "peak to date"))
        )
    lines = str(error.value).splitlines()
    assert [line.split(":")[0] for line in lines] == ["figures.csv line 3", "figures.csv line 4"]
    checked = figures.read_reported_figures(
        figures_csv(tmp_path, ("1,268", ""), ("20000000", ""), ("-350", "net change in month"))
    )
    assert checked["value_km2"].tolist() == [1268.0, 20_000_000.0, -350.0]


def test_the_largest_figure_allowed_is_exported_as_a_number(tmp_path):
    from layers import exports

    checked = figures.read_reported_figures(figures_csv(tmp_path, ("20000000", "")))
    table = exports.comparison_csv(figures.compare(checked, series()))
    assert "inf" not in table and ",20000000.0," in table


def _compared(rows: list[tuple]) -> pd.DataFrame:
    """``compare`` rows: (date, scope, source, kind, reported, computed, comparison)."""
    records = []
    for date, scope, source, kind, reported, computed, comparison in rows:
        difference = computed - reported
        records.append(
            {
                "date": dt.date.fromisoformat(date),
                "scope": scope,
                "measure": "at date",
                "kind": kind,
                "source": source,
                "reported_km2": reported,
                "computed_km2": computed,
                "computed_as_of": dt.date.fromisoformat(date),
                "computed_from": None,
                "difference_km2": difference,
                "difference_pct": 100 * difference / reported if reported else float("nan"),
                "layer": "L",
                "held_by": "RU",
                "status": "held",
                "within": "UKR",
                "note": "",
                "comparison": comparison,
            }
        )
    return pd.DataFrame(records, columns=figures.COMPARISON_COLUMNS)


def test_largest_disagreements_rank_the_sources_own_figures_by_km2_or_percent():
    table = _compared(
        [
            ("2024-08-01", "a", "DeepStateMap", "mapped", 100_000.0, 99_000.0, "compared"),  # -1,000, -1 %
            ("2024-08-02", "a", "DeepStateMap", "mapped", 100.0, 150.0, "compared"),  # +50, +50 %
            ("2024-08-03", "a", "DeepStateMap", "mapped", 0.0, 10.0, "compared"),  # +10, no %
            ("2024-08-02", "a", "DeepStateMap", "mapped", 100.0, 101.0, "compared"),  # later: replaces
            ("2024-08-04", "a", "ISW", "assessed", 10.0, 1_000.0, "compared"),
            ("2024-08-05", "a", "DeepStateMap", "press estimate", 10.0, 1_000.0, "compared"),
            ("2024-08-06", "a", "DeepStateMap", "mapped", 10.0, float("nan"), "no computed series: x"),
        ]
    )
    by_km2 = figures.largest_disagreements(table)
    assert by_km2["difference_km2"].tolist() == [-1_000.0, 10.0, 1.0]
    by_pct = figures.largest_disagreements(table, by="relative", limit=1)
    assert by_pct["difference_pct"].tolist() == [-1.0]
    assert figures.largest_disagreements(table, layer="other").empty
    with pytest.raises(ValueError, match="absolute"):
        figures.largest_disagreements(table, by="most")


def test_disagreements_read_as_signed_km2_and_percent():
    rows = figures.largest_disagreements(
        _compared([("2024-08-01", "occupied", "DeepStateMap", "mapped", 108_000.0, 106_500.4, "compared")])
    )
    assert figures.disagreement_line(rows.iloc[0].to_dict()) == (
        "2024-08-01 (occupied): map 106,500 km² vs DeepStateMap 108,000 km² (-1.4 %)"
    )
    table = figures.disagreement_table(rows)
    assert table.iloc[0].to_dict() == {
        "date": "2024-08-01",
        "layer": "L",
        "what": "occupied",
        "map km²": "106,500",
        "DeepStateMap km²": "108,000",
        "map − figure km²": "-1,500",
        "difference": "-1.4 %",
        "snapshot used": "2024-08-01",
    }
