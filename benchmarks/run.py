"""Measure the performance targets on the real 769-day DeepStateMap archive, in one command.

Run from the repository root::

    python -m benchmarks.run [--quick] [--json FILE]

Each target is measured in turn and printed as a Markdown table row as soon as it is
known (progress goes to stderr); the whole table follows at the end. ``--quick`` uses the
first 100 files and fewer steps, for a smoke run (how long it takes: ``benchmarks/README.md``).
``--json`` writes every raw number. The data must be in
``../shared/data/deepstate-occupied-daily`` (exit status 2 otherwise). See
``benchmarks/README.md`` for what each row measures.

This module is the command: it plans the run, starts the browser and the servers, and
prints the table. Each row is measured by a module of its own: ``import_speed`` (row 1),
``area_series_speed`` (2), ``app_start`` (3, cold and warm), ``slider_speed`` (4 and 5),
``step_data`` (6), ``readers`` (7, with ``--readers``; the load test's driver), and
``server_profile`` for ``--profile``; ``plan`` says how much each measures and ``table``
holds the rows.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.app_start import measure_start  # noqa: E402
from benchmarks.area_series_speed import measure_area_series  # noqa: E402
from benchmarks.browser import Server, chromium, progress, temp_folder  # noqa: E402
from benchmarks.import_speed import measure_import  # noqa: E402
from benchmarks.plan import FULL, QUICK  # noqa: E402
from benchmarks.readers import measure_readers  # noqa: E402
from benchmarks.server_profile import profile_runs  # noqa: E402
from benchmarks.slider_speed import measure_steps  # noqa: E402
from benchmarks.step_data import measure_frames  # noqa: E402
from benchmarks.table import Report, Row  # noqa: E402

__all__ = ["ARCHIVE", "DATA", "main", "parser"]

DATA = ROOT.parent / "shared" / "data"
ARCHIVE = DATA / "deepstate-occupied-daily"


def parser() -> argparse.ArgumentParser:
    arguments = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    arguments.add_argument(
        "--quick", action="store_true", help="first 100 files and fewer steps (a smoke run of a few minutes)"
    )
    arguments.add_argument("--json", type=Path, metavar="FILE", help="write every raw number to FILE")
    arguments.add_argument(
        "--store",
        type=Path,
        metavar="DB",
        help="reuse this SQLite store (made by an earlier import of the archive) instead of importing: "
        "skips row 1",
    )
    arguments.add_argument(
        "--readers",
        type=int,
        metavar="N",
        default=0,
        help="also measure N concurrent sessions, each scrubbing 20 steps (5 with --quick), "
        "with the load test's WebSocket driver (benchmarks/load.py)",
    )
    arguments.add_argument(
        "--profile",
        type=Path,
        metavar="FILE",
        help="afterwards, profile the server (cProfile): a cold first visit (to FILE.full) "
        "and 20 slider steps (to FILE); the top to stderr",
    )
    return arguments


def _terminated(signum, frame) -> None:
    raise SystemExit(128 + signum)  # so that the servers, the browser and the temporary store are cleaned up


def main(argv: list[str] | None = None) -> int:
    options = parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _terminated)
    plan = QUICK if options.quick else FULL
    if not ARCHIVE.is_dir() or not any(ARCHIVE.glob("*.geojson")):
        print(
            f"benchmarks.run: the DeepStateMap archive is not at {ARCHIVE} "
            "(expected the 769 daily *.geojson files "
            f"of deepstate-occupied-daily under {DATA}); nothing measured.",
            file=sys.stderr,
        )
        return 2
    files = sorted(ARCHIVE.glob("*.geojson"))[: plan.files]
    if options.store is not None and not options.store.is_file():
        print(f"benchmarks.run: --store {options.store} is not a file", file=sys.stderr)
        return 2

    from benchmarks.import_archive import LAYER
    from layers import snapshots
    from layers.store import Store

    report = Report()
    report.raw["plan"] = {**asdict(plan), "quick": options.quick}
    report.raw["load_average_before"] = os.getloadavg()
    started = time.perf_counter()
    with temp_folder() as folder_name, contextlib.ExitStack() as stack:
        folder = Path(folder_name)
        database = options.store.resolve() if options.store else folder / "archive.db"
        db_url = f"sqlite:///{database}"
        if options.store is None:
            measure_import(report, files, database, plan)
        measure_area_series(report, db_url, LAYER, plan)
        store = Store(db_url)
        try:
            dates = list(store.heads(LAYER)["as_of"])
            # The slider's days, as the app makes them: every day between the first and the
            # last snapshot of all territory layers (``import_times`` seeds the demo's Kursk layer
            # into a fresh store, and the map shows it too).
            territory = [info.name for info in store.layers() if info.kind == "territory"]
            days = snapshots.timeline(store, tuple(territory))
            layer_days = [list(store.heads(name)["as_of"]) for name in territory]
        finally:
            store.close()
        report.raw["dates"] = {
            "snapshots": len(dates),
            "first": dates[0].isoformat(),
            "last": dates[-1].isoformat(),
            "slider_days": len(days),
            "territory_layers": territory,
        }
        progress(
            f"store: {len(dates)} snapshots, {dates[0]} to {dates[-1]} "
            f"({len(days)} days on the slider); launching Chromium"
        )
        try:
            browser = stack.enter_context(chromium())
        except Exception as error:  # noqa: BLE001
            report.fail("browser rows (3-7)", "browser", error)
        else:
            server = None
            try:
                server = measure_start(report, browser, db_url, folder, plan, stack)
            except Exception as error:  # noqa: BLE001
                report.fail("app cold start to first drawn map", "cold_start", error)
            if server is None:
                server = Server(db_url, folder, name="steps")
                stack.callback(server.stop)
            for what, key, measure in (
                ("slider step to redrawn map / JS heap", "slider_step", measure_steps),
                ("data received per slider step", "frames", measure_frames),
            ):
                try:
                    measure(report, browser, server, days, dates, layer_days, plan)
                except Exception as error:  # noqa: BLE001
                    report.fail(what, key, error)
            if not options.readers:
                report.add(
                    Row(
                        "readers on one process: 50 concurrent sessions",
                        "not measured by this command: see load test (or `--readers 50`)",
                        "",
                        "",
                        "—",
                    ),
                    "readers",
                    {},
                )
            else:
                try:
                    measure_readers(report, browser, server, days, dates, layer_days, plan, options.readers)
                except Exception as error:  # noqa: BLE001
                    report.fail("readers on one process", "readers", error)
            if options.profile:
                try:
                    report.raw["profile"] = profile_runs(
                        browser, db_url, folder, days, dates, layer_days, options.profile.resolve()
                    )
                except Exception as error:  # noqa: BLE001
                    progress(f"profile failed: {error!r}")
    # Other work on the machine shows in the load average, printed beside the timings (what
    # this run alone makes of it: benchmarks/README.md).
    return report.finish(
        started,
        quick=options.quick,
        counted=f"{len(files) if options.store is None else len(dates)} daily files, ",
        json_path=options.json,
    )


if __name__ == "__main__":
    raise SystemExit(main())
