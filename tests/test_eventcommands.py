"""``python -m layers validate|import --kind events FILE.csv``: exit status, messages, all or nothing."""

import pytest

from layers.__main__ import main
from layers.events import all_events
from layers.store import Store
from tests.conftest import shared_data
from tests.test_eventcsv import HEADER, firms_row

SAMPLE = ("firms-sample", "J1_VIIRS_C2_2025-08-18-sample.csv")


@pytest.fixture
def db(tmp_path):
    return f"sqlite:///{tmp_path / 'events.db'}"


def firms_import(db, *files, layer="Fire detections (NASA FIRMS)", extra=()):
    return main(
        [
            "import",
            "--db",
            db,
            "--kind",
            "events",
            "--preset",
            "firms",
            "--layer",
            layer,
            *extra,
            *map(str, files),
        ]
    )


def test_the_real_sample_imports_once_and_reads_back(db, capsys):
    assert firms_import(db, shared_data(*SAMPLE)) == 0
    out = capsys.readouterr().out
    assert "added 35 event(s) (events of 2025-08-18 to 2025-08-18); 0 already in the layer" in out
    assert "0 duplicate row(s)" in out and "validation" in out and "writing" in out
    store = Store(db)
    events = all_events(store, "Fire detections (NASA FIRMS)")
    assert len(events) == 35 and events["title"].str.startswith("Fire detection · FRP ").all()
    assert firms_import(db, shared_data(*SAMPLE)) == 0
    captured = capsys.readouterr()
    assert "added 0 event(s)" in captured.out and "35 already in the layer" in captured.out
    assert "nothing was written" in captured.out
    assert "line 2: already in the layer" in captured.err and "and 15 more row(s)" in captured.err
    assert len(store.history("Fire detections (NASA FIRMS)")) == 1
    store.close()


def test_a_failing_file_exits_1_and_leaves_the_store_unchanged(db, tmp_path, capsys):
    assert firms_import(db, shared_data(*SAMPLE)) == 0
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([HEADER, firms_row(acq_date="2025-08-19"), firms_row(latitude="abc")]) + "\n")
    assert firms_import(db, bad) == 1
    captured = capsys.readouterr()
    assert "Line 3: latitude: 'abc' is not a number" in captured.out
    assert "nothing was written" in captured.err
    store = Store(db)
    assert len(store.history("Fire detections (NASA FIRMS)")) == 1
    assert len(all_events(store, "Fire detections (NASA FIRMS)")) == 35
    store.close()


def test_a_generic_csv_with_its_own_columns(db, tmp_path, capsys):
    path = tmp_path / "strikes.csv"
    path.write_text('y,x,day,what,who\n51.7,36.1,2025-08-01,strike,=HYPERLINK("x")\n', encoding="utf-8")
    options = ["--lat", "y", "--lon", "x", "--date", "day", "--kind-col", "what", "--source-col", "who"]
    assert main(["import", "--db", db, "--kind", "events", "--layer", "Strikes", *options, str(path)]) == 0
    events = all_events(Store(db), "Strikes")
    assert events["source"].tolist() == ['=HYPERLINK("x")'] and events["kind"].tolist() == ["strike"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--kind", "events", "--source", "desk"], "--event-kind"),
        (["--source", "desk", "--event-kind", "strike"], "a CSV holds point events, not territory"),
        (["--kind", "events", "--event-kind", "strike", "--source", "d", "--as-of", "2025-08-01"], "--as-of"),
        (["--kind", "events", "--event-kind", "strike", "--source", "d", "--preset", "deepstate"], "not CSV"),
    ],
)
def test_bad_options_exit_2(db, tmp_path, capsys, options, message):
    path = tmp_path / "e.csv"
    path.write_text("latitude,longitude,date\n48,37,2025-08-01\n")
    assert main(["import", "--db", db, "--layer", "L", *options, str(path)]) == 2
    assert message in capsys.readouterr().err


def test_the_firms_preset_reads_only_csv(db, tmp_path, capsys):
    other = tmp_path / "e.geojson"
    other.write_text('{"type": "FeatureCollection", "features": []}')
    assert firms_import(db, other) == 2
    assert "the firms preset reads CSV files" in capsys.readouterr().err


def test_validate_checks_a_csv_without_writing(tmp_path, capsys):
    assert main(["validate", "--kind", "events", "--preset", "firms", str(shared_data(*SAMPLE))]) == 0
    assert "ok, 35 event(s)" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join([HEADER, firms_row(confidence="maybe")]) + "\n")
    assert main(["validate", "--kind", "events", "--preset", "firms", str(bad)]) == 1
    assert "Line 2: confidence: 'maybe' is not a FIRMS confidence" in capsys.readouterr().out
