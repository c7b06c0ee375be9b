"""Every export of the command line states the layer's credit (issue 17, point 2): the
areas (on stderr beside the contract's columns, or in the JSON), the snapshot GeoJSON's
``metadata.credit`` and the change CSV's ``credit`` column. The events listing:
``tests/test_eventlisting.py``; the CSV column's rules: ``tests/test_exports.py``."""

from __future__ import annotations

import csv
import io
import json

import pytest

from layers.__main__ import main
from layers.credits import DEEPSTATE

LINE = "Test: data DeepStateMap · CC BY-NC-SA 4.0, non-commercial use only"


@pytest.fixture
def credited(two_snapshot_store):
    two_snapshot_store.set_credit("Test", DEEPSTATE, actor="t")
    return two_snapshot_store


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_areas_keep_the_contracts_columns_and_state_the_credit_beside_them(credited, capsys):
    code, out, err = run(capsys, "areas", "--db", credited.url)
    assert code == 0 and out.startswith("date,layer,held_by,status,within,area_km2\n")
    assert f"# credit: {LINE}" in err
    _, out, _ = run(capsys, "areas", "--db", credited.url, "--format", "json")
    assert json.loads(out)["credits"] == [LINE]


def test_the_snapshot_geojson_carries_the_credit_in_its_metadata(credited, capsys):
    code, out, _ = run(capsys, "snapshot", "--db", credited.url, "--layer", "Test", "--date", "2024-08-20")
    credit = json.loads(out)["metadata"]["credit"]
    assert code == 0 and credit == {**DEEPSTATE.as_dict(), "line": LINE}


def test_the_change_csv_has_a_credit_column(credited, capsys):
    argv = ["change", "--db", credited.url, "--layer", "Test", "--from", "2024-08-10", "--to", "2024-08-20"]
    code, out, _ = run(capsys, *argv)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and rows and {row["credit"] for row in rows} == {LINE}
