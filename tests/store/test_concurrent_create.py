"""Two processes that first use a new store at the same moment both succeed.

Each round starts two ``python -m layers import`` processes on a store that does not
exist yet: both create the tables and write a snapshot (a named store is not seeded).
Before table creation took the write lock at BEGIN, one of them failed with "database
is locked" in most rounds on SQLite. Two ``seed-demo`` processes at once on a new store
both succeed too, and the demo is written once.
"""

from __future__ import annotations

import subprocess
import sys
import uuid

import pandas as pd
from sqlalchemy import text
from sqlalchemy.engine import make_url

from layers.store import Store
from tests.conftest import ROOT, TEST_PG

DATA = ROOT / "tests" / "data"
ROUNDS = 10
SEEDED_FIGURES = len(pd.read_csv(ROOT / "geodata" / "reported_figures.csv"))


def import_at_once(url: str) -> list[subprocess.CompletedProcess[str]]:
    """Start two imports of the same small file into ``url`` together and wait for both."""
    return at_once(
        ["import", "--db", url, "--layer", "x", "--as-of", "2024-11-25", str(DATA / "clockwise.geojson")]
    )


def at_once(arguments: list[str]) -> list[subprocess.CompletedProcess[str]]:
    """Start two ``python -m layers ARGUMENTS`` together and wait for both."""
    argv = [sys.executable, "-m", "layers", *arguments]
    children = [
        subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    finished = []
    for child in children:
        out, err = child.communicate(timeout=120)
        finished.append(subprocess.CompletedProcess(child.args, child.returncode, out, err))
    return finished


def assert_both_succeeded(url: str, results: list[subprocess.CompletedProcess[str]], round_: int) -> None:
    for result in results:
        assert result.returncode == 0, f"round {round_}: {result.stderr}"
        assert "Traceback" not in result.stderr
    store = Store(url)
    try:
        assert len(store.heads("x")) == 1
        assert [info.name for info in store.layers()] == ["x"]  # a named store is not seeded
        assert store.reported_figures().empty
    finally:
        store.close()


def assert_seeded_once(url: str, results: list[subprocess.CompletedProcess[str]]) -> None:
    for result in results:
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr
    said = sorted("wrote the illustrative demo" in result.stdout for result in results)
    assert said == [False, True], [result.stdout for result in results]
    store = Store(url)
    try:
        assert len(store.reported_figures()) == SEEDED_FIGURES  # seeded once, not twice
    finally:
        store.close()


def test_two_imports_into_a_new_sqlite_file_both_succeed(tmp_path):
    for round_ in range(ROUNDS):
        url = f"sqlite:///{tmp_path / f'new-{round_}.db'}"
        assert_both_succeeded(url, import_at_once(url), round_)


def test_two_imports_into_a_new_postgis_schema_both_succeed(postgis_admin):
    for round_ in range(ROUNDS):
        name = f"test_{uuid.uuid4().hex[:16]}"
        with postgis_admin.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {name}"))
        try:
            url = make_url(TEST_PG).update_query_dict({"options": f"-csearch_path={name},public"})
            plain = url.render_as_string(hide_password=False)
            assert_both_succeeded(plain, import_at_once(plain), round_)
        finally:
            with postgis_admin.begin() as connection:
                connection.execute(text(f"DROP SCHEMA {name} CASCADE"))


def test_two_seed_demos_on_a_new_store_both_succeed_and_seed_once(store_url):
    assert_seeded_once(store_url, at_once(["seed-demo", "--db", store_url]))
