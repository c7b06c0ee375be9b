"""A command whose reader goes away (``python -m layers areas | head -1``) ends quietly.

The reader here closes its end of the pipe before the command writes anything, so
every write fails as it does once ``head`` has its line: deterministic, where a real
``head`` races the writer. Python ignores SIGPIPE, so the command sees BrokenPipeError;
it must end with status 141 (what a shell reports for a program ended by SIGPIPE) and
nothing on stderr: no traceback, no "Exception ignored" from the flush at exit.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from layers.__main__ import CLOSED_PIPE
from tests.conftest import ROOT


def run_into_a_closed_pipe(*argv: str) -> subprocess.CompletedProcess[bytes]:
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, "-m", "layers", *argv],
            cwd=ROOT,
            stdout=write_end,
            stderr=subprocess.PIPE,
            timeout=300,
            check=False,
        )
    finally:
        os.close(write_end)


@pytest.mark.parametrize(
    "argv",
    [
        ["areas"],
        ["areas", "--format", "json"],
        ["figures", "compare"],
        ["change", "--layer", "Kursk incursion", "--monthly"],
        ["snapshot", "--layer", "Kursk incursion", "--date", "2024-11-25"],
    ],
    ids=lambda argv: " ".join(argv[:3]),
)
def test_a_closed_pipe_ends_the_command_quietly(embedded_data_store, argv):
    result = run_into_a_closed_pipe(*argv, "--db", embedded_data_store.url)
    assert b"Traceback" not in result.stderr and b"Exception ignored" not in result.stderr
    assert b"BrokenPipeError" not in result.stderr
    assert result.returncode == CLOSED_PIPE == 141


def test_an_open_pipe_still_gets_everything(embedded_data_store):
    result = subprocess.run(
        [sys.executable, "-m", "layers", "areas", "--db", embedded_data_store.url],
        cwd=ROOT,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0 and result.stdout.startswith(b"date,layer,held_by,status,within,area_km2\n")
    assert len(result.stdout.splitlines()) > 20
