"""Every hostile upload of the corpus through ``python -m layers import``, in a subprocess.

Each must end with a non-zero exit and a message containing its expected words, with no
traceback, nothing written to the store, and within the budget (30 s and 1 GB, measured
here: wall-clock time, and the peak resident memory of the command and its children from
``os.wait4``'s resource usage). Large files are made at test time, in ``tmp_path``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import seed_demo_subprocess

from .corpus import cases

ROOT = Path(__file__).resolve().parents[2]
BUDGET_SECONDS = 30
BUDGET_MB = 1024


def run_measured(
    arguments: list[str], environment: dict[str, str], folder: Path
) -> tuple[int, str, float, float]:
    """Exit status, output (stdout then stderr), seconds and peak RSS in MB of one command,
    measured by ``measure.py`` around it."""
    out, err = folder / "stdout", folder / "stderr"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        subprocess.run(
            [sys.executable, str(Path(__file__).with_name("measure.py")), *arguments],
            stdout=stdout,
            stderr=stderr,
            env=environment,
            cwd=ROOT,
            check=False,
        )
    text = out.read_bytes().decode("utf-8", "replace") + err.read_bytes().decode("utf-8", "replace")
    text, _, measured = text.rpartition("\nMEASURED ")
    figures = json.loads(measured)
    return figures["status"], text, figures["seconds"], figures["peak_mb"]


def _rows(database: Path) -> dict[str, int]:
    """Rows in every table of the store: what 'nothing written' is checked against."""
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        tables = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {
            table: connection.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in tables
        }
    finally:
        connection.close()


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """A store created and seeded before the cases, so that each case can only add to it."""
    folder = tmp_path_factory.mktemp("corpus-store")
    database = folder / "store.sqlite"
    environment = {**os.environ, "FRONTLINE_DB": f"sqlite:///{database}", "PYTHONPATH": str(ROOT)}
    environment.pop("FRONTLINE_PARSE_SECONDS", None)
    environment.pop("FRONTLINE_PARSE_MEMORY_MB", None)
    seed_demo_subprocess(environment)
    return database, environment


@pytest.mark.parametrize("case", cases(), ids=lambda case: case.name)
def test_a_hostile_upload_is_refused_with_a_message_within_the_budget(case, store, tmp_path):
    database, environment = store
    path = case.make(tmp_path)
    options = list(case.options)
    if "--layer" not in options:
        options += ["--layer", "Corpus"]
    before = _rows(database)
    status, output, seconds, peak_mb = run_measured(
        [sys.executable, "-m", "layers", "import", *options, os.fsdecode(path)], environment, tmp_path
    )
    assert status != 0, f"{case.name} was accepted:\n{output}"
    assert "Traceback" not in output, output
    assert case.expected.lower() in output.lower(), output
    assert _rows(database) == before, "nothing is written"
    assert seconds <= BUDGET_SECONDS, f"{case.name} took {seconds:.1f} s"
    assert peak_mb <= BUDGET_MB, f"{case.name} peaked at {peak_mb:.0f} MB"
    message = next(line for line in output.splitlines() if case.expected.lower() in line.lower())
    print(f"\n{case.name}: exit {status}, {seconds:.1f} s, peak {peak_mb:.0f} MB: {message.strip()[:200]}")


def test_a_valid_file_passes_the_same_way(store, tmp_path):
    """The control: the corpus's own wrapper file imports, so refusals above are the poison's."""
    from .corpus import geojson

    database, environment = store
    path = tmp_path / "kursk-2024-11-25.geojson"
    path.write_bytes(geojson())
    status, output, _, _ = run_measured(
        [sys.executable, "-m", "layers", "import", "--layer", "Corpus control", str(path)],
        environment,
        tmp_path,
    )
    assert status == 0, output
