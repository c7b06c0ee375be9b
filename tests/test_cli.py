"""The command line: exit codes, messages without tracebacks, area rows per the contract."""

from __future__ import annotations

import csv
import gzip
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from layers import ingest
from layers.__main__ import main
from layers.store import Store
from tests.conftest import ROOT, shared_data

DATA = Path(__file__).resolve().parent / "data"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_areas_csv_rows_follow_the_contract(two_snapshot_store, capsys):
    code, out, err = run(capsys, "areas", "--db", two_snapshot_store.url, "--within", "RUS")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and "geodesic" in err
    assert list(rows[0]) == ["date", "layer", "held_by", "status", "within", "area_km2"]
    assert [(r["date"], r["status"], r["within"]) for r in rows] == [
        ("2024-08-10", "held", "RUS"),
        ("2024-08-20", "contested", "RUS"),
        ("2024-08-20", "held", "RUS"),
    ]
    series = two_snapshot_store.area_series("Test")
    expected = series[(series.within == "RUS") & (series.status == "held")]["area_km2"].round(3).tolist()
    assert [float(r["area_km2"]) for r in rows if r["status"] == "held"] == expected


def test_areas_date_picks_the_snapshot_shown_that_day(two_snapshot_store, capsys):
    code, out, _ = run(
        capsys, "areas", "--db", two_snapshot_store.url, "--date", "2024-08-15", "--format", "json"
    )
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
    good.write_text(
        json.dumps({"type": "Polygon", "coordinates": [[[35, 51], [35.2, 51], [35.2, 51.2], [35, 51]]]})
    )
    bad = tmp_path / "bad.geojson"
    bad.write_text(
        '{"type": "FeatureCollection", "features": '
        '[{"type": "Feature", "geometry": null, "properties": {"status": "won"}}]}'
    )
    code, out, _ = run(capsys, "validate", str(good), "--held-by", "RU", "--status", "held")
    assert code == 1 and "source: is missing" in out
    code, out, _ = run(
        capsys, "validate", str(good), "--held-by", "RU", "--status", "held", "--source", "DeepStateMap"
    )
    assert code == 0 and "ok, 1 feature(s)" in out
    code, out, _ = run(capsys, "validate", str(bad))
    assert (
        code == 1
        and "Feature 0: geometry: is missing (null)" in out
        and "status: 'won' is not allowed" in out
    )
    missing = tmp_path / "missing.geojson"
    code, _, err = run(capsys, "validate", str(missing))
    assert code == 2 and "cannot read the file" in err


def test_module_runs_as_a_program():
    result = subprocess.run(
        [sys.executable, "-m", "layers", "--help"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert (
        result.returncode == 0
        and "validate" in result.stdout
        and "import" in result.stdout
        and "areas" in result.stdout
    )


def test_validate_with_the_preset_and_repair(capsys):
    code, out, _ = run(
        capsys, "validate", "--preset", "deepstate", str(DATA / "deepstate-sample-2024-11-25.geojson")
    )
    assert code == 0 and "ok, 5 feature(s)" in out and "dropped by the deepstate preset" in out
    code, out, _ = run(capsys, "validate", str(DATA / "bowtie-2024-11-25.geojson"))
    assert code == 1 and "the app can repair it with your consent (--repair)" in out
    code, out, _ = run(capsys, "validate", "--repair", str(DATA / "bowtie-2024-11-25.geojson"))
    assert code == 0 and "was repaired with your consent" in out


# --- import ------------------------------------------------------------------------


def territory(tmp_path, name: str, **properties) -> Path:
    props = {"held_by": "UA", "status": "held", "source": "test"} | properties
    geometry = {"type": "Polygon", "coordinates": [[[35.0, 51.0], [35.2, 51.0], [35.2, 51.2], [35.0, 51.0]]]}
    path = tmp_path / name
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "geometry": geometry, "properties": props}],
            }
        )
    )
    return path


def test_import_writes_one_snapshot_per_file_dated_by_its_name(store_url, tmp_path, capsys):
    files = [
        territory(tmp_path, "kursk-2024-11-25.geojson"),
        territory(tmp_path, "kursk_20241126.geojson", status="contested"),
    ]
    gz = tmp_path / "kursk-2024-11-27.geojson.gz"
    gz.write_bytes(gzip.compress(files[0].read_bytes()))
    code, out, err = run(
        capsys, "import", "--db", store_url, "--layer", "Kursk test", *map(str, files), str(gz)
    )
    assert code == 0, err
    assert "layer 'Kursk test': wrote 3 snapshot(s) (2024-11-25 to 2024-11-27) with 3 feature(s) in" in out
    assert "validated 3/3" in err
    store = Store(store_url)
    try:
        history = store.history("Kursk test").sort_values("as_of")
        assert [d.isoformat() for d in history["as_of"]] == ["2024-11-25", "2024-11-26", "2024-11-27"]
        assert history["file_name"].tolist() == [
            "kursk-2024-11-25.geojson",
            "kursk_20241126.geojson",
            "kursk-2024-11-27.geojson.gz",
        ]
        assert history["sha256"].tolist() == [ingest.sha256(p.read_bytes()) for p in (*files, gz)]
        assert set(history["created_by"]) == {"cli"} and set(history["action"]) == {"import"}
    finally:
        store.close()
    code, out, _ = run(capsys, "import", "--db", store_url, "--layer", "Kursk test", str(files[0]))
    assert (
        code == 0
        and "wrote 0 snapshot(s)" in out
        and "1 file(s) were identical to the current version" in out
    )


def test_import_as_of_and_defaults(store_url, tmp_path, capsys):
    path = tmp_path / "undated.geojson"
    path.write_text(
        json.dumps(
            {"type": "Polygon", "coordinates": [[[35.0, 51.0], [35.2, 51.0], [35.2, 51.2], [35.0, 51.0]]]}
        )
    )
    code, out, err = run(capsys, "import", "--db", store_url, "--layer", "L", str(path))
    assert (
        code == 2
        and "no date in the file name of undated.geojson; pass --as-of YYYY-MM-DD" in err
        and out == ""
    )
    code, out, err = run(
        capsys,
        "import",
        "--db",
        store_url,
        "--layer",
        "L",
        "--as-of",
        "2024-11-25",
        "--held-by",
        "RU",
        "--status",
        "claimed",
        "--source",
        "MoD",
        str(path),
    )
    assert code == 0, out + err
    store = Store(store_url)
    try:
        [version] = store.heads("L")["version_id"]
        assert store.features(int(version))[["held_by", "status", "source"]].values.tolist() == [
            ["RU", "claimed", "MoD"]
        ]
    finally:
        store.close()


def test_import_writes_nothing_if_any_file_fails_and_lists_every_problem(store_url, tmp_path, capsys):
    good = territory(tmp_path, "a-2024-11-25.geojson")
    bad = territory(tmp_path, "b-2024-11-26.geojson", status="won", held_by="XX")
    worse = tmp_path / "c-2024-11-27.geojson"
    worse.write_bytes((DATA / "string-coordinate.geojson").read_bytes())
    code, out, err = run(capsys, "import", "--db", store_url, "--layer", "L", str(good), str(bad), str(worse))
    assert code == 1
    assert (
        "b-2024-11-26.geojson: 2 error(s)" in out
        and "status: 'won' is not allowed" in out
        and "held_by: 'XX' is not allowed" in out
    )
    assert "c-2024-11-27.geojson: 1 error(s)" in out and "is the text '35.2'" in out
    assert "error: 2 of 3 file(s) failed validation; nothing was written." in err
    store = Store(store_url)
    try:
        assert store.is_empty()
    finally:
        store.close()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--as-of", "25/11/2024"], "date expected like 2024-11-25"),
        (["--preset", "isw"], "invalid choice: 'isw'"),
        (["--status", "occupied"], "invalid choice: 'occupied'"),
    ],
)
def test_import_option_errors_exit_2(tmp_path, capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        main(
            [
                "import",
                "--db",
                f"sqlite:///{tmp_path / 'x.db'}",
                "--layer",
                "L",
                *argv,
                str(DATA / "clockwise.geojson"),
            ]
        )
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


def test_import_missing_file_and_missing_layer_option(tmp_path, capsys):
    code, _, err = run(
        capsys,
        "import",
        "--db",
        f"sqlite:///{tmp_path / 'x.db'}",
        "--layer",
        "L",
        str(tmp_path / "gone-2024-11-25.geojson"),
    )
    assert code == 2 and "cannot read the file" in err and "Traceback" not in err
    with pytest.raises(SystemExit) as exit_info:
        main(["import", str(DATA / "clockwise.geojson")])
    assert exit_info.value.code == 2 and "--layer" in capsys.readouterr().err


def test_import_repair_flag(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'x.db'}"
    code, out, _ = run(capsys, "import", "--db", db, "--layer", "L", str(DATA / "bowtie-2024-11-25.geojson"))
    assert code == 1 and "area would change from" in out
    code, out, err = run(
        capsys, "import", "--db", db, "--layer", "L", "--repair", str(DATA / "bowtie-2024-11-25.geojson")
    )
    assert code == 0 and "1 geometry repair(s)" in out and "was repaired with your consent" in err


def test_import_with_the_deepstate_preset(tmp_path, capsys):
    db = f"sqlite:///{tmp_path / 'x.db'}"
    code, out, err = run(
        capsys,
        "import",
        "--db",
        db,
        "--layer",
        "DeepStateMap",
        "--preset",
        "deepstate",
        str(DATA / "deepstate-sample-2024-11-25.geojson"),
    )
    assert code == 0, out + err
    code, out, _ = run(capsys, "areas", "--db", db, "--layer", "DeepStateMap")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {(r["held_by"], r["status"]) for r in rows} == {
        ("UA", "held"),
        ("UA", "contested"),
        ("RU", "contested"),
        ("RU", "held"),
    }


def test_import_of_the_occupied_archive_gives_one_snapshot_per_file(tmp_path, capsys):
    folder = shared_data("deepstate-occupied-daily")
    files = sorted(folder.glob("deepstatemap_data_2024110*.geojson"))[:4]
    assert len(files) == 4
    db = f"sqlite:///{tmp_path / 'x.db'}"
    code, out, err = run(
        capsys,
        "import",
        "--db",
        db,
        "--layer",
        "Occupied Ukraine (DeepStateMap)",
        "--held-by",
        "RU",
        "--status",
        "held",
        "--source",
        "DeepStateMap",
        *map(str, files),
    )
    assert code == 0, err
    store = Store(db)
    try:
        heads = store.heads("Occupied Ukraine (DeepStateMap)")
        assert list(heads["as_of"]) == [ingest.date_from_name(f.name) for f in files]
        features = store.features(int(heads["version_id"].iloc[0]))
        assert features[["held_by", "status", "source"]].values.tolist() == [["RU", "held", "DeepStateMap"]]
        assert set(store.history("Occupied Ukraine (DeepStateMap)")["file_name"]) == {f.name for f in files}
    finally:
        store.close()


def test_import_of_raw_deepstate_exports_needs_the_preset(tmp_path, capsys):
    folder = tmp_path / "raw"
    folder.mkdir()
    for date in ("2024-11-20", "2024-11-25"):
        shutil.copy(shared_data("deepstate-kursk", f"{date}.geojson"), folder / f"{date}.geojson")
    files = sorted(map(str, folder.iterdir()))
    db = f"sqlite:///{tmp_path / 'x.db'}"
    code, out, _ = run(capsys, "import", "--db", db, "--layer", "Kursk (DeepStateMap)", *files)
    assert code == 1 and "try --preset deepstate" in out
    code, out, err = run(
        capsys, "import", "--db", db, "--layer", "Kursk (DeepStateMap)", "--preset", "deepstate", *files
    )
    assert code == 0 and "wrote 2 snapshot(s) (2024-11-20 to 2024-11-25)" in out, err


def test_figures_add_fills_scope_from_options_and_is_idempotent(two_snapshot_store, tmp_path, capsys):
    path = tmp_path / "claims.csv"
    path.write_text(
        "date,scope,value_km2,kind,source,note\n"
        '2024-08-15,UA-held in Kursk,1000,official claim,Syrskyi,"about 1,000"\n',
        encoding="utf-8",
    )
    argv = [
        "figures",
        "add",
        str(path),
        "--db",
        two_snapshot_store.url,
        "--layer",
        "Test",
        "--held-by",
        "UA",
        "--status",
        "held",
        "--within",
        "rus",
    ]
    code, out, _ = run(capsys, *argv)
    assert code == 0 and "added 1 reported figure(s); 0 were already stored" in out
    code, out, _ = run(capsys, *argv)
    assert code == 0 and "added 0 reported figure(s); 1 were already stored" in out
    code, out, _ = run(capsys, "figures", "compare", "--db", two_snapshot_store.url, "--layer", "Test")
    rows = list(csv.DictReader(io.StringIO(out)))
    series = two_snapshot_store.area_series("Test")
    expected = series[
        (series.as_of.astype(str) == "2024-08-10")
        & (series.within == "RUS")
        & (series.held_by == "UA")
        & (series.status == "held")
    ]["area_km2"].item()
    assert len(rows) == 1 and rows[0]["within"] == "RUS" and rows[0]["computed_as_of"] == "2024-08-10"
    assert float(rows[0]["computed_km2"]) == pytest.approx(expected, abs=1e-3)
    assert float(rows[0]["difference_km2"]) == pytest.approx(expected - 1000, abs=1e-3)
    assert "geodesic" in rows[0]["method"] and "Natural Earth" in rows[0]["borders"]


def test_figures_add_refuses_a_bad_file_and_writes_nothing(two_snapshot_store, tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(
        "date,scope,value_km2,kind,source\n"
        "2024-08-15,x,1000,official claim,Syrskyi\n2024-13-01,x,lots,rumour,Syrskyi\n",
        encoding="utf-8",
    )
    code, _, err = run(capsys, "figures", "add", str(path), "--db", two_snapshot_store.url)
    assert code == 2
    assert (
        "bad.csv line 3: date expected like 2024-11-25" in err
        and "line 3: value_km2 expected a number" in err
        and "kind 'rumour'" in err
    )
    assert Store(two_snapshot_store.url).reported_figures().empty


def test_change_between_two_dates_gives_gained_lost_and_net(two_snapshot_store, capsys):
    code, out, _ = run(
        capsys,
        "change",
        "--db",
        two_snapshot_store.url,
        "--layer",
        "Test",
        "--from",
        "2024-08-12",
        "--to",
        "2024-08-25",
    )
    rows = {(r["held_by"], r["within"]): r for r in csv.DictReader(io.StringIO(out))}
    assert (
        code == 0
        and rows[("UA", "")]["from_snapshot"] == "2024-08-10"
        and rows[("UA", "")]["to_snapshot"] == "2024-08-20"
    )
    series = two_snapshot_store.area_series("Test")
    held = series[(series.held_by == "UA") & (series.status == "held") & (series.within == "")].set_index(
        "as_of"
    )["area_km2"]
    total = rows[("UA", "")]
    assert float(total["net_km2"]) == pytest.approx(held.iloc[1] - held.iloc[0], abs=0.01)
    assert float(total["gained_km2"]) - float(total["lost_km2"]) == pytest.approx(
        float(total["net_km2"]), abs=0.002
    )
    code, out, _ = run(
        capsys,
        "change",
        "--db",
        two_snapshot_store.url,
        "--layer",
        "Test",
        "--from",
        "2024-08-12",
        "--format",
        "geojson",
    )
    body = json.loads(out)
    assert (
        code == 0
        and body["metadata"]["to_snapshot"] == "2024-08-20"
        and "geodesic" in body["metadata"]["area_method"]
    )
    assert {f["properties"]["change"] for f in body["features"]} <= {"gained", "lost"} and body["features"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--from", "2024-08-20", "--to", "2024-08-10"], "must be before the end date"),
        (["--from", "2024-08-01"], "no snapshot on or before 2024-08-01; its first is 2024-08-10"),
        ([], "give --from"),
    ],
)
def test_change_bad_dates_are_explained(two_snapshot_store, capsys, argv, message):
    code, _, err = run(capsys, "change", "--db", two_snapshot_store.url, "--layer", "Test", *argv)
    assert code == 2 and message in err


def test_snapshot_export_is_the_snapshot_shown_that_day(two_snapshot_store, capsys):
    code, out, _ = run(
        capsys, "snapshot", "--db", two_snapshot_store.url, "--layer", "Test", "--date", "2024-08-15"
    )
    body = json.loads(out)
    assert (
        code == 0
        and body["metadata"]["snapshot"] == "2024-08-10"
        and body["metadata"]["requested"] == "2024-08-15"
    )
    assert {f["properties"]["source"] for f in body["features"]} == {"test source A"}


def test_figures_compare_json_gives_plain_dates(two_snapshot_store, tmp_path, capsys):
    path = tmp_path / "claims.csv"
    path.write_text(
        "date,scope,layer,held_by,status,value_km2,kind,source\n"
        "2024-08-15,x,Test,UA,held,1000,official claim,S\n",
        encoding="utf-8",
    )
    assert run(capsys, "figures", "add", str(path), "--db", two_snapshot_store.url)[0] == 0
    code, out, _ = run(capsys, "figures", "compare", "--db", two_snapshot_store.url, "--format", "json")
    row = json.loads(out)["rows"][0]
    assert code == 0 and (row["date"], row["computed_as_of"], row["computed_from"]) == (
        "2024-08-15",
        "2024-08-10",
        None,
    )


def test_the_same_quote_can_be_set_beside_two_layers(two_snapshot_store, tmp_path, capsys):
    path = tmp_path / "claims.csv"
    path.write_text(
        "date,scope,held_by,status,value_km2,kind,source\n2024-08-15,x,UA,held,1000,official claim,S\n",
        encoding="utf-8",
    )
    for layer in ("Test", "Other"):
        code, out, err = run(
            capsys, "figures", "add", str(path), "--db", two_snapshot_store.url, "--layer", layer
        )
        assert code == 0 and "added 1" in out, err
    assert sorted(Store(two_snapshot_store.url).reported_figures()["layer"]) == ["Other", "Test"]
