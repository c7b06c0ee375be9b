"""The command line: exit codes, messages without tracebacks, area rows per the contract."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from layers.__main__ import main
from tests.conftest import ROOT


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_areas_csv_rows_follow_the_contract(two_snapshot_store, capsys):
    code, out, err = run(capsys, "areas", "--db", two_snapshot_store.url, "--within", "RUS")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and "geodesic" in err
    assert list(rows[0]) == ["date", "layer", "held_by", "status", "within", "area_km2"]
    assert [(r["date"], r["status"], r["within"]) for r in rows] == [("2024-08-10", "held", "RUS"), ("2024-08-20", "contested", "RUS"), ("2024-08-20", "held", "RUS")]
    series = two_snapshot_store.area_series("Test")
    expected = series[(series.within == "RUS") & (series.status == "held")]["area_km2"].round(3).tolist()
    assert [float(r["area_km2"]) for r in rows if r["status"] == "held"] == expected


def test_areas_date_picks_the_snapshot_shown_that_day(two_snapshot_store, capsys):
    code, out, _ = run(capsys, "areas", "--db", two_snapshot_store.url, "--date", "2024-08-15", "--format", "json")
    body = json.loads(out)
    assert code == 0 and "geodesic" in body["method"]
    assert {r["date"] for r in body["rows"]} == {"2024-08-10"} and {r["within"] for r in body["rows"]} == {""}


def test_areas_within_a_border_not_precomputed_is_computed(two_snapshot_store, capsys):
    code, out, _ = run(capsys, "areas", "--db", two_snapshot_store.url, "--within", "BLR")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and rows and all(float(r["area_km2"]) == 0 for r in rows)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--within", "XXX"], "ISO 3166-1 alpha-3"),
        (["--layer", "Nope"], "no layer named 'Nope'"),
    ],
)
def test_areas_bad_input_exits_non_zero_with_a_message(two_snapshot_store, capsys, argv, message):
    code, out, err = run(capsys, "areas", "--db", two_snapshot_store.url, *argv)
    assert code != 0 and message in err and "Traceback" not in err and out == ""


def test_validate_reports_each_file(tmp_path, capsys):
    good = tmp_path / "good-2024-11-25.geojson"
    good.write_text(json.dumps({"type": "Polygon", "coordinates": [[[35, 51], [35.2, 51], [35.2, 51.2], [35, 51]]]}))
    bad = tmp_path / "bad.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": null, "properties": {"status": "won"}}]}')
    code, out, _ = run(capsys, "validate", str(good), "--held-by", "RU", "--status", "held")
    assert code == 1 and "source: is missing" in out
    code, out, _ = run(capsys, "validate", str(good), "--held-by", "RU", "--status", "held", "--source", "DeepStateMap")
    assert code == 0 and "ok, 1 feature(s)" in out
    code, out, _ = run(capsys, "validate", str(bad))
    assert code == 1 and "Feature 0: geometry: is missing" in out and "status: 'won' is not allowed" in out
    missing = tmp_path / "missing.geojson"
    code, _, err = run(capsys, "validate", str(missing))
    assert code == 2 and "cannot read the file" in err


def test_module_runs_as_a_program():
    result = subprocess.run([sys.executable, "-m", "layers", "--help"], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "validate" in result.stdout and "areas" in result.stdout
