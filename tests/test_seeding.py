"""Demo data only where asked: the embedded default store is seeded on first use, a store
the user names (``FRONTLINE_DB``, ``--db``) only by ``seed-demo``; on SQLite and PostGIS."""

from __future__ import annotations

from pathlib import Path

import pytest

from layers import ingest
from layers.__main__ import main
from layers.store import Store, default_url, embedded_url, is_embedded_default
from tests.conftest import ROOT

DATA = Path(__file__).resolve().parent / "data"
DEMO = ingest.demo_layer_names()


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def layer_names(url: str) -> list[str]:
    store = Store(url)
    try:
        return sorted(info.name for info in store.layers())
    finally:
        store.close()


@pytest.fixture
def embedded(monkeypatch, tmp_path) -> str:
    """The embedded default store moved to a new file, with no ``FRONTLINE_DB``: its URL."""
    monkeypatch.setattr("layers.store.store.DEFAULT_PATH", tmp_path / "embedded" / "frontline.db")
    monkeypatch.delenv("FRONTLINE_DB", raising=False)
    return embedded_url()


def test_only_the_embedded_file_is_the_embedded_default(embedded, tmp_path, monkeypatch):
    assert default_url() == embedded and is_embedded_default(embedded)
    assert not is_embedded_default(f"sqlite:///{tmp_path / 'mine.db'}")
    assert not is_embedded_default("postgresql://frontline@db.example.org/frontline")
    monkeypatch.setenv("FRONTLINE_DB", f"sqlite:///{tmp_path / 'mine.db'}")
    assert not is_embedded_default(default_url())


def test_the_demo_layers_are_the_manifests():
    assert DEMO == ["Kursk incursion", "Strikes and reports"]


def test_the_embedded_default_is_seeded_by_the_first_command(embedded, capsys):
    code, out, _ = run(capsys, "areas", "--layer", "Kursk incursion")
    assert code == 0 and "Kursk incursion" in out
    assert layer_names(embedded) == DEMO


def test_an_import_into_the_embedded_default_keeps_the_demo_beside_it(embedded, capsys):
    code, _, err = run(
        capsys, "import", "--layer", "Mine", str(DATA / "bowtie-2024-11-25.geojson"), "--repair"
    )
    assert code == 0, err
    assert layer_names(embedded) == sorted([*DEMO, "Mine"])


def test_seed_if_embedded_leaves_a_named_store_alone(store_url):
    store = Store(store_url)
    try:
        assert ingest.seed_if_embedded(store) == 0
        assert store.is_empty()
    finally:
        store.close()


def test_an_import_into_a_named_store_writes_only_the_import(store_url, capsys):
    code, _, err = run(
        capsys,
        "import",
        "--db",
        store_url,
        "--layer",
        "Mine",
        "--repair",
        str(DATA / "bowtie-2024-11-25.geojson"),
    )
    assert code == 0, err
    assert layer_names(store_url) == ["Mine"]
    store = Store(store_url)
    try:
        assert store.reported_figures().empty and store.milestones().empty
    finally:
        store.close()


@pytest.mark.parametrize(
    "argv",
    [["areas"], ["figures", "compare"], ["snapshot", "--layer", "Kursk incursion", "--date", "2024-11-25"]],
    ids=lambda argv: argv[0],
)
def test_a_command_on_a_named_store_does_not_seed_it(store_url, argv, capsys, monkeypatch):
    monkeypatch.setenv("FRONTLINE_DB", store_url)  # named by the environment, not --db
    run(capsys, *argv)
    assert layer_names(store_url) == []


def test_seed_demo_seeds_a_named_store_once(store_url, capsys):
    code, out, err = run(capsys, "seed-demo", "--db", store_url)
    assert code == 0, err
    assert "wrote the illustrative demo" in out and "'Kursk incursion'" in out
    assert layer_names(store_url) == DEMO
    store = Store(store_url)
    try:
        figures = len(store.reported_figures())
        assert figures > 0 and len(store.milestones()) > 0
    finally:
        store.close()
    code, out, _ = run(capsys, "seed-demo", "--db", store_url)
    assert code == 0 and "already holds the illustrative demo; nothing was written" in out
    store = Store(store_url)
    try:
        assert len(store.reported_figures()) == figures
    finally:
        store.close()


def test_seed_demo_writes_nothing_into_a_store_with_other_layers(store_url, capsys):
    assert (
        run(
            capsys,
            "import",
            "--db",
            store_url,
            "--layer",
            "Mine",
            "--repair",
            str(DATA / "bowtie-2024-11-25.geojson"),
        )[0]
        == 0
    )
    code, out, err = run(capsys, "seed-demo", "--db", store_url)
    assert code == 2 and out == ""
    assert "already holds 1 layer(s) ('Mine')" in err and "Nothing was written" in err
    assert "Traceback" not in err
    assert layer_names(store_url) == ["Mine"]


def test_seed_demo_follows_frontline_db(store_url, capsys, monkeypatch):
    monkeypatch.setenv("FRONTLINE_DB", store_url)
    assert run(capsys, "seed-demo")[0] == 0
    assert layer_names(store_url) == DEMO


# --- the app -----------------------------------------------------------------------


def app_on(url: str | None, monkeypatch):
    from streamlit.testing.v1 import AppTest

    if url is None:
        monkeypatch.delenv("FRONTLINE_DB", raising=False)
    else:
        monkeypatch.setenv("FRONTLINE_DB", url)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.session_state["_map_drawn"] = True
    return at.run()


def test_the_app_on_an_empty_named_store_says_how_to_fill_it(store_url, monkeypatch):
    at = app_on(store_url, monkeypatch)
    assert not at.exception
    assert not at.error
    [info] = at.info
    assert "This store has no map yet" in info.value
    commands = "\n".join(block.value for block in at.code)
    assert "python -m layers import" in commands
    assert "python -m layers sync deepstate-archive" in commands
    assert "python -m layers seed-demo" in commands
    # The store, without its password, is named as text.
    assert Store(store_url).display_url in commands
    assert layer_names(store_url) == []


def test_the_app_on_the_embedded_default_seeds_it_and_shows_the_map(embedded, monkeypatch):
    at = app_on(None, monkeypatch)
    assert not at.exception
    assert not [info for info in at.info if "no map yet" in info.value]
    assert layer_names(embedded) == DEMO


# --- the demo says what it is in what the command line writes -----------------------


@pytest.fixture
def demo_url(store_url, capsys) -> str:
    assert run(capsys, "seed-demo", "--db", store_url)[0] == 0
    return store_url


def test_areas_names_the_illustrative_layer_beside_the_contracts_columns(demo_url, capsys):
    import json

    code, out, err = run(capsys, "areas", "--db", demo_url, "--layer", "Kursk incursion")
    assert code == 0 and out.startswith("date,layer,held_by,status,within,area_km2\n")
    assert "# Illustrative layer: Kursk incursion \u2014 hand-drawn, not a source: " in err
    code, out, _ = run(capsys, "areas", "--db", demo_url, "--format", "json")
    assert json.loads(out)["illustrative"] == ["Kursk incursion"]


def test_the_snapshot_geojson_of_the_demo_says_it_is_illustrative(demo_url, capsys):
    import json

    code, out, _ = run(
        capsys, "snapshot", "--db", demo_url, "--layer", "Kursk incursion", "--date", "2024-11-25"
    )
    metadata = json.loads(out)["metadata"]
    assert code == 0 and metadata["illustrative"] is True and "hand-drawn" in metadata["note"]


def test_figures_and_change_mark_the_illustrative_layer(demo_url, capsys):
    import csv
    import io
    import json

    code, out, _ = run(capsys, "figures", "compare", "--db", demo_url)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and rows
    assert {row["illustrative"] for row in rows if row["layer"] == "Kursk incursion"} == {"true"}
    code, out, _ = run(
        capsys,
        "change",
        "--db",
        demo_url,
        "--layer",
        "Kursk incursion",
        "--from",
        "2024-09-01",
        "--format",
        "geojson",
    )
    assert code == 0 and json.loads(out)["metadata"]["illustrative"] is True
    for argv in (["--from", "2024-09-01", "--to", "2024-11-25"], ["--monthly"]):
        code, out, _ = run(capsys, "change", "--db", demo_url, "--layer", "Kursk incursion", *argv)
        rows = list(csv.DictReader(io.StringIO(out)))
        assert code == 0 and rows and {row["illustrative"] for row in rows} == {"true"}


def test_a_layer_not_marked_illustrative_is_marked_false(store_url, capsys):
    import csv
    import io

    argv = [
        "import",
        "--db",
        store_url,
        "--layer",
        "Mine",
        "--repair",
        str(DATA / "bowtie-2024-11-25.geojson"),
    ]
    assert run(capsys, *argv)[0] == 0
    code, out, err = run(capsys, "areas", "--db", store_url)
    assert code == 0 and "Illustrative" not in err
    code, out, _ = run(capsys, "change", "--db", store_url, "--layer", "Mine", "--monthly")
    assert code == 0 and ",partial,illustrative," in out.splitlines()[0]
    assert {row["illustrative"] for row in csv.DictReader(io.StringIO(out))} <= {"false"}
