"""``python -m layers layer create|set-credit|list`` and the credit an import records."""

import json

import pytest

from layers.__main__ import main
from layers.credits import DEEPSTATE, FIRMS, Credit
from layers.store import Store
from tests.conftest import shared_data


@pytest.fixture
def db(tmp_path):
    return f"sqlite:///{tmp_path / 'layers.db'}"


def create(db, *extra):
    return main(["layer", "create", "--db", db, "--name", "Occupied", "--kind", "territory", *extra])


def test_create_states_the_credit_and_list_shows_it(db, capsys):
    assert create(db, "--source", "DeepStateMap", "--licence", "CC BY-NC-SA 4.0", "--description", "raw") == 0
    out = capsys.readouterr().out
    assert "created layer 'Occupied' (territory, no snapshots yet)" in out
    assert "non-commercial use only" in out
    assert Store(db).credit("Occupied") == Credit("DeepStateMap", "CC BY-NC-SA 4.0", "DeepStateMap")
    assert main(["layer", "list", "--db", db, "--format", "json"]) == 0
    [row] = json.loads(capsys.readouterr().out)["layers"]
    assert row == {
        "name": "Occupied",
        "kind": "territory",
        "snapshots": 0,
        "first": "",
        "last": "",
        "source": "DeepStateMap",
        "licence": "CC BY-NC-SA 4.0",
        "attribution": "DeepStateMap",
        "non_commercial": True,
        "description": "raw",
    }


def test_create_needs_source_and_licence_and_refuses_a_taken_name(db, capsys):
    with pytest.raises(SystemExit) as exit_info:
        create(db, "--source", "DeepStateMap")
    assert exit_info.value.code == 2 and "--licence" in capsys.readouterr().err
    assert create(db, "--source", "a", "--licence", "CC BY 4.0") == 0
    assert create(db, "--source", "b", "--licence", "CC0 1.0") == 2
    assert "exists already" in capsys.readouterr().err
    assert Store(db).credit("Occupied") == Credit("a", "CC BY 4.0", "a")


def test_set_credit_changes_only_what_is_given(db, capsys):
    assert create(db, "--source", "a", "--licence", "CC BY 4.0", "--attribution", "A") == 0
    assert main(["layer", "set-credit", "--db", db, "--name", "Occupied", "--licence", "CC BY-NC 4.0"]) == 0
    assert Store(db).credit("Occupied") == Credit("a", "CC BY-NC 4.0", "A")
    assert main(["layer", "set-credit", "--db", db, "--name", "Occupied"]) == 2
    assert "give at least one" in capsys.readouterr().err
    assert main(["layer", "set-credit", "--db", db, "--name", "Nope", "--source", "x"]) == 2
    assert "no layer named 'Nope'" in capsys.readouterr().err


def test_list_as_csv_guards_cells(db, capsys):
    assert create(db, "--source", "=HYPERLINK(1)", "--licence", "CC BY 4.0") == 0
    capsys.readouterr()
    assert main(["layer", "list", "--db", db]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("name,kind,snapshots,first,last,source,licence,attribution,non_commercial")
    assert "'=HYPERLINK(1)" in lines[1]


def test_a_preset_import_records_its_sources_credit_and_a_plain_one_says_how_to_state_it(db, capsys):
    raw = shared_data("deepstate-raw-full", "2024-11-25.geojson")
    code = main(
        ["import", "--db", db, "--layer", "DSM", "--preset", "deepstate", "--accept-large-change", str(raw)]
    )
    assert code == 0 and Store(db).credit("DSM") == DEEPSTATE
    assert "no licence recorded" not in capsys.readouterr().err
    sample = shared_data("firms-sample", "J1_VIIRS_C2_2025-08-18-sample.csv")
    assert (
        main(["import", "--db", db, "--layer", "Fires", "--kind", "events", "--preset", "firms", str(sample)])
        == 0
    )
    assert Store(db).credit("Fires") == FIRMS
    daily = shared_data("deepstate-occupied-daily", "deepstatemap_data_20250102.geojson")
    plain = ["import", "--db", db, "--layer", "Mine", "--held-by", "RU", "--status", "held", "--source", "me"]
    assert main([*plain, str(daily)]) == 0
    assert "layer 'Mine' has no licence recorded" in capsys.readouterr().err
    assert Store(db).credit("Mine") is None


def test_an_existing_credit_is_kept_by_a_preset_import(db):
    assert create(db, "--source", "Our desk", "--licence", "CC BY 4.0") == 0
    raw = shared_data("deepstate-raw-full", "2024-11-25.geojson")
    code = main(
        [
            "import",
            "--db",
            db,
            "--layer",
            "Occupied",
            "--preset",
            "deepstate",
            "--accept-large-change",
            str(raw),
        ]
    )
    assert code == 0 and Store(db).credit("Occupied") == Credit("Our desk", "CC BY 4.0", "Our desk")
