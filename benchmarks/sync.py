"""Time ``python -m layers sync deepstate-archive`` on the 769-file archive, served locally.

Run from the repository root::

    python -m benchmarks.sync [--folder DIR] [--db URL]

The daily archive (``../shared/data/deepstate-occupied-daily`` by default) is served in
the upstream layout (``/data/deepstatemap_data_YYYYMMDD.geojson``) by Python's own
threaded HTTP server on 127.0.0.1, which sends ``Last-Modified`` and answers
``If-Modified-Since`` with 304. Each step is the command line in a child process, as a
cron job runs it, with ``--delay 0`` (a real sync waits 0.5 s between requests: add
0.5 s per request to the times below for the default):

1. the first sync of every day but the last, into a new SQLite store (or ``--db``);
2. the incremental sync of one new day (the archive's last);
3. a re-run with nothing new (no file is downloaded);
4. ``--recheck`` of the last 7 days (conditional requests; 304 for every file).

One run per step (the first takes minutes); the load average is printed beside it,
since the machine is shared.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import http.server
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_FOLDER = ROOT.parent / "shared" / "data" / "deepstate-occupied-daily"
LAYER = "Occupied Ukraine (DeepStateMap)"
_DATE = re.compile(r"deepstatemap_data_(\d{8})\.geojson$")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def serve(folder: Path, root: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """Serve ``folder`` as ``/data/`` from ``root`` (through a symlink); returns the server and its URL."""
    (root / "data").symlink_to(folder.resolve())
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def archive_days(folder: Path) -> list[dt.date]:
    """The dates of the archive's files, sorted."""
    found = (_DATE.search(p.name) for p in folder.glob("deepstatemap_data_*.geojson"))
    return sorted(dt.datetime.strptime(m.group(1), "%Y%m%d").date() for m in found if m)


def timed_sync(db: str, base_url: str, first: dt.date, last: dt.date, *extra: str) -> tuple[float, str]:
    """Seconds for one sync in a child process, and its summary line."""
    command = [sys.executable, "-m", "layers", "sync", "deepstate-archive", "--layer", LAYER, "--db", db]
    command += ["--base-url", base_url, "--from", str(first), "--to", str(last), "--delay", "0", *extra]
    started = time.perf_counter()
    run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    if run.returncode != 0:
        raise SystemExit(f"sync failed (exit {run.returncode}):\n{run.stdout}{run.stderr}")
    return seconds, run.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(prog="python -m benchmarks.sync", description=__doc__.split("\n\n")[0])
    options.add_argument("--folder", type=Path, default=DEFAULT_FOLDER, help="the daily archive's folder")
    options.add_argument("--db", help="store URL (default: a new SQLite file in a temporary folder)")
    args = options.parse_args(argv)
    days = archive_days(args.folder)
    if len(days) < 9:
        print(
            f"benchmarks.sync: {args.folder} holds {len(days)} daily file(s); the archive is needed",
            file=sys.stderr,
        )
        return 2
    with tempfile.TemporaryDirectory(prefix="sync-bench-") as folder:
        server, url = serve(args.folder, Path(folder))
        db = args.db or f"sqlite:///{Path(folder) / 'store.db'}"
        first, last = days[0], days[-1]
        steps = [
            (f"first sync, {len(days) - 1} files", (first, days[-2])),
            ("incremental, one new day", (first, last)),
            ("re-run, nothing new", (first, last)),
            ("--recheck of the last 7 days", (last - dt.timedelta(days=6), last, "--recheck")),
        ]
        rows = []
        try:
            for name, (start, end, *extra) in steps:
                seconds, summary = timed_sync(db, url, start, end, *extra)
                rows.append((name, seconds, os.getloadavg()[0], summary))
                print(f"{name}: {seconds:.1f} s ({summary})", file=sys.stderr, flush=True)
        finally:
            server.shutdown()
    print("| step | seconds | load average | the sync's summary |")
    print("|---|---|---|---|")
    for name, seconds, load, summary in rows:
        print(f"| {name} | {seconds:.1f} | {load:.1f} | {summary} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
