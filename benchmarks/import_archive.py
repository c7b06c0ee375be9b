"""Import the 769-day DeepStateMap archive into a temporary SQLite store, and compare with a bare read.

Run from the repository root::

    python benchmarks/import_archive.py [--limit N] [FOLDER]

FOLDER defaults to ``../shared/data/deepstate-occupied-daily``. The import is the
command line's own (``python -m layers import --held-by RU --status held --source
DeepStateMap``, run in-process so that interpreter start-up is not counted): every file
is validated, then all snapshots are written in one transaction, areas included. In
the same run, the same files are read with a bare ``pyogrio.read_dataframe`` (no
validation, no areas, no store), and the ratio of the two times is printed. Files are
read once beforehand so that both timings start from the page cache.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
import time
from pathlib import Path

import pyogrio

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from layers.__main__ import main  # noqa: E402  (the repository root must be importable first)
from layers.store import Store  # noqa: E402

LAYER = "Occupied Ukraine (DeepStateMap)"
DEFAULT_FOLDER = ROOT.parent / "shared" / "data" / "deepstate-occupied-daily"


def bare_read_seconds(files: list[Path]) -> float:
    """Seconds to read every file with pyogrio alone."""
    started = time.perf_counter()
    for path in files:
        pyogrio.read_dataframe(path)
    return time.perf_counter() - started


def import_seconds(files: list[Path], database: Path) -> tuple[float, str, str]:
    """Seconds for the command line's import of every file, and what it printed."""
    out, err = io.StringIO(), io.StringIO()
    argv = ["import", "--db", f"sqlite:///{database}", "--layer", LAYER, "--held-by", "RU", "--status", "held", "--source", "DeepStateMap", *map(str, files)]
    started = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    seconds = time.perf_counter() - started
    if code != 0:
        raise SystemExit(f"the import failed (exit {code}):\n{out.getvalue()}{err.getvalue()}")
    return seconds, out.getvalue().strip(), err.getvalue().strip()


def run(folder: Path, limit: int | None) -> None:
    files = sorted(folder.glob("*.geojson"))[:limit]
    if not files:
        raise SystemExit(f"no .geojson file in {folder}; give the archive folder (../shared/data/deepstate-occupied-daily)")
    size = sum(len(path.read_bytes()) for path in files)  # warms the page cache for both timings
    bare = bare_read_seconds(files)
    with tempfile.TemporaryDirectory(prefix="frontline-benchmark-") as folder_name:
        database = Path(folder_name) / "archive.db"
        seconds, summary, _ = import_seconds(files, database)
        store = Store(f"sqlite:///{database}")
        try:
            snapshots = len(store.heads(LAYER))
        finally:
            store.close()
    print(f"files:                {len(files)} ({size / 1e6:.1f} MB)")
    print(f"snapshots:            {snapshots}")
    print(f"import seconds:       {seconds:.1f} ({seconds / len(files) * 1000:.1f} ms per file)")
    print(f"bare pyogrio seconds: {bare:.1f} ({bare / len(files) * 1000:.1f} ms per file)")
    print(f"ratio import / bare:  {seconds / bare:.1f}")
    print(f"command line said:    {summary}")


def parser() -> argparse.ArgumentParser:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER, help="folder of dated GeoJSON files")
    arguments.add_argument("--limit", type=int, help="only the first N files (for a quick run)")
    return arguments


if __name__ == "__main__":
    options = parser().parse_args()
    run(options.folder, options.limit)
