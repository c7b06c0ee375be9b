"""Import the 769-day DeepStateMap archive into a temporary SQLite store, and compare with a bare read.

Run from the repository root::

    python benchmarks/import_archive.py [--limit N] [--repeat R] [--workers W] [FOLDER]

FOLDER defaults to ``../shared/data/deepstate-occupied-daily``. The import is the
command line's own (``python -m layers import --held-by RU --status held --source
DeepStateMap``, run in-process so that interpreter start-up is not counted): every file
is validated, then all snapshots are written in one transaction, areas included. In
the same run, the same files are read with a bare ``pyogrio.read_dataframe`` (no
validation, no areas, no store), and the ratio of the two times is printed. Files are
read once beforehand so that both timings start from the page cache.

The machine this runs on is shared: a bare read and an import are timed one after the
other, R times (default 3), each pair giving a ratio, and the median ratio is the
result. Beside the wall-clock seconds, the CPU seconds of each (this process and its
worker processes) are printed: they are much less disturbed by other programs, and
their ratio says what the import costs when nothing else runs.

``--workers`` sets how many processes validate the files and compute their areas
(``FRONTLINE_IMPORT_WORKERS``; default: the import's own choice, one per CPU for an
archive; 1 keeps everything in this process).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pyogrio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from layers import ingest  # noqa: E402  (the repository root must be importable first)
from layers.__main__ import main  # noqa: E402
from layers.store import Store  # noqa: E402

LAYER = "Occupied Ukraine (DeepStateMap)"
DEFAULT_FOLDER = ROOT.parent / "shared" / "data" / "deepstate-occupied-daily"


def cpu_seconds() -> float:
    """CPU seconds used so far by this process and by its finished worker processes."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def bare_read_seconds(files: list[Path]) -> float:
    """Seconds to read every file with pyogrio alone."""
    return bare_read_times(files)[0]


def bare_read_times(files: list[Path]) -> tuple[float, float]:
    """Wall-clock and CPU seconds to read every file with pyogrio alone."""
    started, cpu = time.perf_counter(), cpu_seconds()
    for path in files:
        pyogrio.read_dataframe(path)
    return time.perf_counter() - started, cpu_seconds() - cpu


def import_seconds(files: list[Path], database: Path) -> tuple[float, str, str]:
    """Seconds for the command line's import of every file, and what it printed."""
    seconds, _, out, err = import_times(files, database)
    return seconds, out, err


def import_times(
    files: list[Path], database: Path, workers: int | None = None
) -> tuple[float, float, str, str]:
    """Wall-clock and CPU seconds for the command line's import of every file, and what it printed."""
    out, err = io.StringIO(), io.StringIO()
    argv = [
        "import",
        "--db",
        f"sqlite:///{database}",
        "--layer",
        LAYER,
        "--held-by",
        "RU",
        "--status",
        "held",
        "--source",
        "DeepStateMap",
        *map(str, files),
    ]
    # The demo layer beside the archive, as the import wrote it into a new store until a
    # named store was seeded only when asked: the stores, so the numbers, stay comparable.
    # Outside the timing: the import's own cost is what is measured.
    seeded = Store(f"sqlite:///{database}")
    ingest.seed_default_data(seeded)
    seeded.close()
    saved = os.environ.get(ingest.WORKERS_VARIABLE)
    if workers is not None:  # the command line reads it from the environment
        os.environ[ingest.WORKERS_VARIABLE] = str(workers)
    started, cpu = time.perf_counter(), cpu_seconds()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(argv)
    finally:
        if saved is None:
            os.environ.pop(ingest.WORKERS_VARIABLE, None)
        else:
            os.environ[ingest.WORKERS_VARIABLE] = saved
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu
    if code != 0:
        raise SystemExit(f"the import failed (exit {code}):\n{out.getvalue()}{err.getvalue()}")
    return seconds, cpu, out.getvalue().strip(), err.getvalue().strip()


def run(folder: Path, limit: int | None, repeat: int, workers: int | None) -> None:
    files = sorted(folder.glob("*.geojson"))[:limit]
    if not files:
        raise SystemExit(
            f"no .geojson file in {folder}; give the archive folder (../shared/data/deepstate-occupied-daily)"
        )
    size = sum(len(path.read_bytes()) for path in files)  # warms the page cache for both timings
    rounds = []
    for index in range(repeat):
        bare, bare_cpu = bare_read_times(files)
        with tempfile.TemporaryDirectory(prefix="frontline-benchmark-") as folder_name:
            database = Path(folder_name) / "archive.db"
            seconds, cpu, summary, _ = import_times(files, database, workers)
            store = Store(f"sqlite:///{database}")
            try:
                snapshots = len(store.heads(LAYER))
            finally:
                store.close()
        rounds.append((bare, bare_cpu, seconds, cpu))
        print(
            f"round {index + 1}: bare read {bare:.1f} s (CPU {bare_cpu:.1f} s), "
            f"import {seconds:.1f} s (CPU {cpu:.1f} s): "
            f"ratio {seconds / bare:.2f} (CPU {cpu / bare_cpu:.2f})",
            flush=True,
        )
    bare = statistics.median(r[0] for r in rounds)
    seconds = statistics.median(r[2] for r in rounds)
    ratio = statistics.median(r[2] / r[0] for r in rounds)
    cpu_ratio = statistics.median(r[3] / r[1] for r in rounds)
    print(f"files:                {len(files)} ({size / 1e6:.1f} MB)")
    print(f"snapshots:            {snapshots}")
    print(
        f"import seconds:       {seconds:.1f} "
        f"({seconds / len(files) * 1000:.1f} ms per file, median of {repeat})"
    )
    print(
        f"bare pyogrio seconds: {bare:.1f} ({bare / len(files) * 1000:.1f} ms per file, median of {repeat})"
    )
    print(f"ratio import / bare:  {ratio:.2f} (median of the rounds' ratios; CPU seconds: {cpu_ratio:.2f})")
    print(f"command line said:    {summary}")


def parser() -> argparse.ArgumentParser:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument(
        "folder", nargs="?", type=Path, default=DEFAULT_FOLDER, help="folder of dated GeoJSON files"
    )
    arguments.add_argument("--limit", type=int, help="only the first N files (for a quick run)")
    arguments.add_argument("--repeat", type=int, default=3, help="rounds of bare read + import (default 3)")
    arguments.add_argument(
        "--workers", type=int, help="processes validating the files (default: the import's choice)"
    )
    return arguments


if __name__ == "__main__":
    options = parser().parse_args()
    run(options.folder, options.limit, max(1, options.repeat), options.workers)
