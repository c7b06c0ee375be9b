"""Hostile arguments to the command line's renders and listings, each in a subprocess.

Like the upload corpus (``test_corpus.py``): each ends within 30 s and 1 GB (measured by
``measure.py`` around the command), with its message, no traceback and no file written.
"""

from __future__ import annotations

import os
import sys

import pytest

from tests.conftest import seed_demo_subprocess

from .test_corpus import BUDGET_MB, BUDGET_SECONDS, ROOT, run_measured

#: (id, arguments after ``python -m layers``, words the refusal holds)
COMMANDS = [
    ("export-png-whole-world", ["export-png", "--date", "2024-11-25", "--extent=-180,-85,180,85"], "extent"),
    ("export-png-nan-extent", ["export-png", "--date", "2024-11-25", "--extent=nan,51,36,52"], "extent"),
    (
        "export-png-title-8000",
        ["export-png", "--date", "2024-11-25", "--title", "T" * 8000],
        "at most 300",
    ),
    ("export-png-size-100k", ["export-png", "--date", "2024-11-25", "--size", "100000x100000"], "size"),
    ("export-png-date-0001", ["export-png", "--date", "0001-01-01"], ""),
    (
        "export-animation-10k-days",
        ["export-animation", "--from", "1990-01-01", "--to", "2024-11-25", "--step", "daily"],
        "frames",
    ),
    ("areas-unknown-layer-8000", ["areas", "--layer", "L" * 8000], ""),
    ("snapshot-layer-nul", ["snapshot", "--layer", "a\x01b", "--date", "2024-11-25"], ""),
]


@pytest.fixture(scope="module")
def environment(tmp_path_factory) -> dict[str, str]:
    """A named store holding the embedded data (``seed-demo``: a named store is not seeded unasked)."""
    folder = tmp_path_factory.mktemp("commands-store")
    environment = {
        **os.environ,
        "FRONTLINE_DB": f"sqlite:///{folder / 'store.sqlite'}",
        "PYTHONPATH": str(ROOT),
    }
    seed_demo_subprocess(environment)
    return environment


@pytest.mark.parametrize("name,arguments,words", COMMANDS, ids=[c[0] for c in COMMANDS])
def test_a_hostile_argument_ends_in_a_message_within_the_budget(
    name, arguments, words, environment, tmp_path
):
    out = tmp_path / "out.png" if arguments[0] == "export-png" else tmp_path / "out.gif"
    extra = ["--out", str(out)] if arguments[0].startswith("export") else []
    status, output, seconds, peak_mb = run_measured(
        [sys.executable, "-m", "layers", *arguments, *extra], environment, tmp_path
    )
    assert "Traceback" not in output, output
    assert status != 0, f"{name} was accepted:\n{output}"
    assert words.lower() in output.lower(), output
    assert not out.exists(), "no file written"
    assert seconds <= BUDGET_SECONDS and peak_mb <= BUDGET_MB, (seconds, peak_mb)
    last = output.strip().splitlines()[-1][:200]
    print(f"\n{name}: exit {status}, {seconds:.1f} s, peak {peak_mb:.0f} MB: {last}")


def test_a_reader_that_closes_the_pipe_ends_the_command_quietly(environment, tmp_path):
    status, output, seconds, peak_mb = run_measured(
        ["sh", "-c", f"{sys.executable} -m layers areas | head -1"], environment, tmp_path
    )
    assert status == 0 and "Traceback" not in output and "BrokenPipe" not in output, output
    assert output.startswith("date,layer,held_by,status,within,area_km2")
    assert seconds <= BUDGET_SECONDS and peak_mb <= BUDGET_MB


def test_the_daily_time_lapse_of_the_embedded_layer_stays_within_1_gb(environment, tmp_path):
    """Issue 13's case: 238 daily frames of the embedded Kursk layer (before: 74 s, 5.7 GB)."""
    out = tmp_path / "kursk-daily.gif"
    status, output, seconds, peak_mb = run_measured(
        [
            sys.executable, "-m", "layers", "export-animation", "--from", "2024-08-06", "--to", "2025-03-31",
            "--step", "daily", "--size", "480x270", "--out", str(out),
        ],
        environment,
        tmp_path,
    )  # fmt: skip
    assert status == 0, output
    assert out.stat().st_size > 0
    assert peak_mb <= BUDGET_MB, f"{peak_mb:.0f} MB"
    print(f"\ndaily time-lapse 2024-08-06..2025-03-31 at 480x270: {seconds:.1f} s, peak {peak_mb:.0f} MB")
