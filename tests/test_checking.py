"""Checking uploads in bounded children: overruns become the file's one error, naming the limit."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from layers import checking, ingest, sandbox, schema
from layers.presets import DEEPSTATE
from tests.hostile.corpus import SQUARE, geojson

ROOT = Path(__file__).resolve().parents[1]
DEEPSTATE_SAMPLE = ROOT / "tests" / "data" / "deepstate-sample-2024-11-25.geojson"


def big_polygon(positions: int) -> bytes:
    """A valid file whose check takes a while and some memory: rings of 100,000 points each
    (the per-feature limit is 200,000), ``positions`` in all."""
    import math

    features = []
    for number in range(max(1, positions // 100_000)):
        count = min(positions, 100_000)
        ring = [
            [
                35 + number + 0.4 * math.cos(2 * math.pi * i / count),
                51 + 0.3 * math.sin(2 * math.pi * i / count),
            ]
            for i in range(count)
        ]
        ring.append(ring[0])
        features.append(json.loads(geojson(coordinates=[ring]))["features"][0])
    return json.dumps({"type": "FeatureCollection", "features": features}).encode()


def test_a_check_within_the_budget_gives_the_same_report_as_in_process():
    raw = geojson()
    bounded = checking.validate_bounded(raw, schema.TERRITORY, name="a.geojson")
    assert bounded.ok and len(bounded.features) == 1
    assert bounded.features.geometry.iloc[0].equals(
        ingest.validate(raw, schema.TERRITORY, name="a.geojson").features.geometry.iloc[0]
    )


def test_an_overrun_of_time_is_the_files_one_error(monkeypatch):
    monkeypatch.setenv("FRONTLINE_PARSE_SECONDS", "0.05")
    report = checking.validate_bounded(big_polygon(150_000), schema.TERRITORY, name="big.geojson")
    assert not report.ok
    assert [p.rule for p in report.errors] == ["budget-time"]
    assert "checking it took longer than the 0.05 s allowed" in report.summary()


def test_an_overrun_of_memory_is_the_files_one_error(monkeypatch):
    # From the fork server, as the app checks: a child forked from this test process could
    # reuse the heap the process freed after earlier tests, which RLIMIT_AS does not count.
    monkeypatch.setattr(sandbox, "_context", lambda: multiprocessing.get_context("forkserver"))
    monkeypatch.setenv("FRONTLINE_PARSE_MEMORY_MB", "50")
    report = checking.validate_bounded(big_polygon(400_000), schema.TERRITORY, name="big.geojson")
    assert [p.rule for p in report.errors] == ["budget-memory"]
    assert "more than the 50 MB of memory allowed" in report.summary()


def test_an_import_names_the_file_that_overran_and_checks_the_others(monkeypatch):
    """One file's check hangs (a forked child inherits this patch); the budget stops it,
    names it, and the files after it in the same child's batch are checked by another."""
    real = checking.validate

    def hangs_on_b(raw, *args, name="upload", **kwargs):
        if name.startswith("b-"):
            time.sleep(120)
        return real(raw, *args, name=name, **kwargs)

    monkeypatch.setattr(checking, "validate", hangs_on_b)
    # Children must be forked from this process to inherit the patch: other tests may have
    # left threads behind, which would make the sandbox use the fork server.
    monkeypatch.setattr(sandbox, "_context", lambda: multiprocessing.get_context("fork"))
    monkeypatch.setenv("FRONTLINE_PARSE_SECONDS", "5")
    uploads = [
        ingest.Upload("a-2024-11-01.geojson", geojson()),
        ingest.Upload("b-2024-11-02.geojson", geojson()),
        ingest.Upload("c-2024-11-03.geojson", geojson({"held_by": "XX"})),
        ingest.Upload("d-2024-11-04.geojson", geojson()),
    ]
    started = time.monotonic()
    plan = ingest.plan_import(uploads, "Budget", workers=1)
    assert time.monotonic() - started < 60
    assert [report.ok for report in plan.reports] == [True, False, False, True]
    assert [p.rule for p in plan.reports[1].errors] == ["budget-time"]
    assert "5 s allowed" in plan.reports[1].summary()
    assert plan.reports[2].errors[0].rule != "budget-time", "the file after the overrun is checked"
    assert plan.snapshots == []


def test_outline_and_swap_run_bounded_and_give_up_quietly(monkeypatch):
    suggested, values = checking.outline_bounded(DEEPSTATE_SAMPLE.read_bytes(), "d.geojson")
    assert suggested == "deepstate" and values["name"]
    swapped = json.loads(checking.swapped_bounded(geojson(), "e.geojson"))
    assert swapped["features"][0]["geometry"]["coordinates"][0][0] == SQUARE[0][::-1]
    monkeypatch.setenv("FRONTLINE_PARSE_SECONDS", "0.01")
    big = big_polygon(300_000)
    assert checking.outline_bounded(big, "f.geojson") == (None, {})
    assert checking.swapped_bounded(big, "f.geojson") == big


def test_a_preset_mapping_travels_to_the_fork_server():
    """A threaded caller (the Streamlit server) checks under the fork server, which pickles the mapping."""
    script = (
        "import threading, json\n"
        "from layers import checking, schema\n"
        "from layers.presets import DEEPSTATE\n"
        "from tests.hostile.corpus import geojson\n"
        "if __name__ == '__main__':\n"
        "    stop = threading.Event(); threading.Thread(target=stop.wait).start()\n"
        "    try:\n"
        "        raw = open('tests/data/deepstate-sample-2024-11-25.geojson', 'rb').read()\n"
        "        report = checking.validate_bounded(\n"
        "            raw, schema.TERRITORY, name='d.geojson', mapping=DEEPSTATE\n"
        "        )\n"
        "        print(json.dumps([report.ok, report.features['held_by'].tolist()]))\n"
        "    finally:\n"
        "        stop.set()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [True, ["UA", "UA", "RU", "RU", "RU"]]
    assert DEEPSTATE.held_by_values  # the original is untouched


@pytest.mark.parametrize("variable,value,words", [("FRONTLINE_PARSE_SECONDS", "0.05", "0.05 s allowed")])
def test_the_command_line_reports_an_overrun_without_a_traceback(tmp_path, variable, value, words):
    path = tmp_path / "big-2024-11-25.geojson"
    path.write_bytes(big_polygon(150_000))
    result = subprocess.run(
        [sys.executable, "-m", "layers", "validate", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, variable: value, "PYTHONPATH": str(ROOT)},
        timeout=120,
        check=False,
    )
    assert result.returncode == 1 and words in result.stdout and "Traceback" not in result.stderr
