"""Measure issue 12's targets for the client-side timeline, before and after, in one command.

Run from the repository root::

    python -m benchmarks.timeline [--quick] [--json FILE] [--store DB] [--before REV] [--only SIDE]

*After* is this tree's reader; *before* is the reader of ``REV`` (default ``3a97936``,
the last commit whose reader reran the Python script on every step), checked out with
``git worktree add --detach`` into a temporary folder (removed at the end). Both apps run
at once (``benchmarks.browser.Server``, one idle while the other is measured) on the same
SQLite store of the 769-day DeepStateMap archive: ``--store DB`` reuses one (and imports
the archive into it first if the file does not exist yet); without it the archive is
imported into a temporary store, as ``benchmarks.run`` row 1 does. Headless Chromium
at 1920×1080 and 1366×768 (and 390×844 for the map's share of a phone's screen).

Each row is printed as a Markdown table row (before and after side by side, the verdict
on the after figure) once measured; progress goes to stderr; ``--json`` writes every raw
number. The exit status is 1 if a target is not met or a measurement failed, 2 if the
archive or the revision is missing. What each row measures: ``benchmarks/README.md``
("Client-side timeline"). The sessions are in ``timeline_rows``, the page's side (what it
records, and the arithmetic on it) in ``timeline_page``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.browser import Server, chromium, median, progress, temp_folder  # noqa: E402
from benchmarks.table import Compared, Report, compared_header, verdict  # noqa: E402
from benchmarks.timeline_rows import (  # noqa: E402
    FULL,
    QUICK,
    Reader,
    archive_store,
    measure_messages,
    measure_pack,
    measure_play,
    measure_steps,
    measure_visits,
    timeline_days,
    worktree,
)

__all__ = ["ARCHIVE", "BEFORE", "CellFailed", "main", "parser", "row"]

ARCHIVE = ROOT.parent / "shared" / "data" / "deepstate-occupied-daily"
#: The last commit with the reader that reran the script on every step.
BEFORE = "3a97936"
WIDE, LAPTOP, PHONE = (1920, 1080), (1366, 768), (390, 844)


def parser() -> argparse.ArgumentParser:
    arguments = argparse.ArgumentParser(
        prog="python -m benchmarks.timeline", description=__doc__.splitlines()[0]
    )
    arguments.add_argument("--quick", action="store_true", help="fewer steps and visits (a smoke run)")
    arguments.add_argument("--json", type=Path, metavar="FILE", help="write every raw number to FILE")
    arguments.add_argument(
        "--store",
        type=Path,
        metavar="DB",
        help="SQLite store of the archive to reuse (imported into first if the file does not exist)",
    )
    arguments.add_argument(
        "--before", default=BEFORE, metavar="REV", help=f"the commit measured as before (default {BEFORE})"
    )
    arguments.add_argument(
        "--only", choices=("after", "before"), help="measure one side only (the other's cells say so)"
    )
    return arguments


def _terminated(signum, frame) -> None:
    raise SystemExit(128 + signum)  # so that the servers, the browser and the worktree are cleaned up


def _attempt(what: str, measure, *args):
    """Run one side's measurement; a failure becomes a ``CellFailed`` for its cell."""
    try:
        return measure(*args)
    except Exception as error:  # noqa: BLE001  (one failed cell must not end the run)
        progress(f"{what}: FAILED: {error!r}")
        return CellFailed(error)


# --- the table: how each session's figures are written in its cells, and its rows ---


def _steps_cell(result: dict) -> str:
    text = f"{result['median_ms']:.0f} ms, p95 {result['p95_ms']:.0f} ms"
    if result.get("frame_median_ms") is not None:
        text += f"; next frame {result['frame_median_ms']:.0f} ms"
    if result.get("moved") or result.get("missed"):
        text += f"; the map moved by itself {len(result['moved'])}×, missed {len(result['missed'])} steps"
    return text + ("" if result["map_kept"] else "; map REMOUNTED")


def _play_cell(result: dict) -> str:
    order = (
        "every day in turn" if result["consecutive"] else f"{len(result['gaps'])} gaps: {result['gaps'][0]}"
    )
    return (
        f"{result['steps']} dates in {result['seconds']:.1f} s: {result['rate']:.1f} steps/s, {order} "
        f"({result['first']} → {result['last']})"
    )


def _messages_cell(result: dict) -> str:
    text = (
        f"{result['sent']} sent (keys pressed over {result['pressing_s']:.1f} s); "
        f"{result['received_bytes'] / 1000:.0f} KB in {result['received_frames']} received"
    )
    if result["ended_on"] is not None and result["ended_on"] != result["expected_end"]:
        text += f"; map on {result['ended_on']}, not {result['expected_end']}"
    return text


def _first_map_cell(result: dict) -> str:
    seconds = result["seconds"]
    text = f"{result['median_s']:.2f} s (of {len(seconds)}; {min(seconds):.2f}–{max(seconds):.2f} s)"
    first = next(iter(result["visits"][0]["requested"]), None)  # the map's own code (after) or iframe
    if first is not None:
        at = [visit["requested"][first] for visit in result["visits"] if first in visit["requested"]]
        text += f"; {first.rsplit('/', 1)[-1]} requested at {median(at):.1f} s"
    return text


def _first_bytes_cell(result: dict) -> str:
    largest = ", ".join(
        f"{kind} {size / 1000:.0f} KB" for kind, size in list(result["visits"][0]["by_type"].items())[:3]
    )
    return (
        f"{result['response_kb']:.0f} KB of responses ({largest}) + {result['ws_kb']:.0f} KB "
        "over the WebSocket"
    )


def _pack_cell(result: dict) -> str:
    listed = result["level0_listed"]
    return (
        f"{result['level0_bytes'] / 1e6:.2f} MB in {result['level0_files']} level-0 files "
        + (
            "(sizes as served"
            if listed is None
            else f"(as listed; served {result['level0_served'] / 1e6:.2f} MB"
        )
        + f"; index {result['index_bytes'] / 1000:.0f} KB)"
    )


def _heap_cell(result: dict) -> str:
    growth = result["heap_end_mb"] - result["heap_start_mb"]
    return (
        f"{growth:+.1f} MB over {result['presses']} steps "
        f"({result['heap_start_mb']:.1f} → {result['heap_end_mb']:.1f} MB)"
    )


def _coverage_cell(result: dict) -> str:
    return f"{result['coverage'] * 100:.0f} %"


class CellFailed:
    """A measurement that raised: its cell says so, and the run's exit status is 1."""

    def __init__(self, error: BaseException):
        self.error = error

    def __str__(self) -> str:
        text = str(self.error).splitlines()[0] if str(self.error) else ""
        return f"failed: {type(self.error).__name__}: {text}"[:200]

    def __repr__(self) -> str:
        return repr(self.error)


def _old_heap(result: dict) -> str:
    return f"{_heap_cell(result)} (the old reader takes ~300 ms a step)"


#: Per row: what it measures, and its target.
_LABELS = {
    "key_to_map_1920": ("1. key press to changed map, 1920×1080", "median ≤ 30 ms, p95 ≤ 60 ms"),
    "key_to_map_1366": ("1. key press to changed map, 1366×768", "median ≤ 30 ms, p95 ≤ 60 ms"),
    "play": ("2. Play at 10 steps/s from the first day drops no step", "every day in turn, ≥ 9.5 steps/s"),
    "messages": ("3. WebSocket messages sent: 50 steps ~30 ms apart, and 2 s after", "≤ 10 sent"),
    "first_map_1920": ("4. first map on a warm server, fresh browser, 1920×1080", "≤ 2.0 s"),
    "first_map_1366": ("4. first map on a warm server, fresh browser, 1366×768", "≤ 2.0 s"),
    "pack": ("5a. the whole timeline's territory at country zoom (level-0 chunks)", "≤ 3 MB"),
    "first_bytes": ("5b. bytes received before the first map, 1920×1080", "≤ 400 KB of responses"),
    "heap": ("6. JS heap growth (after GC via CDP) after 10 warm-up steps", "≤ 20 MB over 500 steps"),
    "coverage_1366": ("7. map's share of the first screen, 1366×768", "≥ 55 %"),
    "coverage_390": ("7. map's share of the first screen, 390×844", "≥ 40 %"),
    "coverage_1920": ("7. map's share of the first screen, 1920×1080 (for information)", "—"),
}
_NO_PLAY = "n/a: Play was 1 step/s on the server"
_NO_PACK = "n/a: no pack (each step's territory came over the WebSocket)"


def _fast(result: dict) -> bool:
    steady = result["map_kept"] and not result.get("missed")
    return result["median_ms"] <= 30 and result["p95_ms"] <= 60 and steady


def _every_day(result: dict) -> bool:
    return result["consecutive"] and result["steps"] > 1 and result["rate"] >= 9.5


def _at_most(name: str, limit: float):
    return lambda result: result[name] <= limit


#: Per row: the measurement it is made from, the before cell (a formatter or a fixed
#: text), the after cell's formatter, and whether after's figure meets the target (None:
#: nothing to judge).
_ROWS = {
    "key_to_map_1920": ("steps_wide", _steps_cell, _steps_cell, _fast),
    "key_to_map_1366": ("steps_laptop", _steps_cell, _steps_cell, _fast),
    "play": ("play", _NO_PLAY, _play_cell, _every_day),
    "messages": ("messages", _messages_cell, _messages_cell, _at_most("sent", 10)),
    "first_map_1920": ("visits_wide", _first_map_cell, _first_map_cell, _at_most("median_s", 2.0)),
    "first_map_1366": ("visits_laptop", _first_map_cell, _first_map_cell, _at_most("median_s", 2.0)),
    "pack": ("pack", _NO_PACK, _pack_cell, _at_most("level0_bytes", 3e6)),
    "first_bytes": ("visits_wide", _first_bytes_cell, _first_bytes_cell, _at_most("response_kb", 400)),
    "heap": ("steps_wide", _old_heap, _heap_cell, _at_most("heap_growth_mb", 20)),
    "coverage_1366": ("visits_laptop", _coverage_cell, _coverage_cell, lambda r: r["coverage"] >= 0.55),
    "coverage_390": ("visits_phone", _coverage_cell, _coverage_cell, lambda r: r["coverage"] >= 0.40),
    "coverage_1920": ("visits_wide", _coverage_cell, _coverage_cell, lambda r: None),
}


def row(name: str, results: dict[str, dict]) -> tuple[Compared, bool | None]:
    """Row ``name`` of the table from the measurements of each side, and whether the after
    figure meets the target (None when there is nothing to judge)."""
    source, before, after, meets = _ROWS[name]
    what, target = _LABELS[name]
    cells: list[str] = []
    met = None
    for side, formatter in (("before", before), ("after", after)):
        result = results[side].get(source) if side in results else None
        if side not in results:
            cells.append(f"not measured (--only {'after' if side == 'before' else 'before'})")
        elif isinstance(formatter, str):
            cells.append(formatter)
        elif result is None:
            cells.append("not measured")
        elif isinstance(result, CellFailed):
            cells.append(str(result))
            met = False if side == "after" else met
        else:
            try:
                cells.append(formatter(result))
                met = meets(result) if side == "after" else met
            except (KeyError, TypeError, ValueError, IndexError) as error:
                cells.append(f"failed: {error!r}"[:200])
                met = False if side == "after" else met
    failed = isinstance(results.get("after", {}).get(source), CellFailed)
    shown = "error" if failed else "—" if met is None else verdict(met)
    return Compared(what, cells[0], cells[1], target, shown), met


def main(argv: list[str] | None = None) -> int:
    options = parser().parse_args(argv)
    plan = QUICK if options.quick else FULL
    files = sorted(ARCHIVE.glob("*.geojson")) if ARCHIVE.is_dir() else []
    if not files:
        print(
            f"benchmarks.timeline: the DeepStateMap archive is not at {ARCHIVE} "
            "(expected the 769 daily *.geojson files); nothing measured.",
            file=sys.stderr,
        )
        return 2
    revision = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "--verify", f"{options.before}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    )
    if revision.returncode != 0:
        print(f"benchmarks.timeline: no commit {options.before!r} in {ROOT}", file=sys.stderr)
        return 2
    before_name = revision.stdout.strip()
    signal.signal(signal.SIGTERM, _terminated)
    sides = [side for side in ("before", "after") if options.only in (None, side)]
    report = Report(header=compared_header(f"`{before_name}`", "this tree"))
    report.raw.update(plan={**asdict(plan), "quick": options.quick}, before=before_name, sides=sides)
    report.raw["load_average_before"] = os.getloadavg()
    started = time.perf_counter()
    with temp_folder(prefix="frontline-timeline-") as folder_name, contextlib.ExitStack() as stack:
        folder = Path(folder_name)
        database = archive_store(options.store.resolve() if options.store else folder / "archive.db", files)
        db_url = f"sqlite:///{database}"
        days, layer_days = timeline_days(db_url)
        report.raw["days"] = {"first": days[0].isoformat(), "last": days[-1].isoformat(), "count": len(days)}
        readers: dict[str, Reader] = {}
        for side in sides:
            root = ROOT
            if side == "before":
                root = stack.enter_context(worktree(before_name, folder / "before-tree"))
            progress(f"starting the {side} app ({'this tree' if side == 'after' else before_name})")
            server = Server(db_url, folder, name=side, root=root)
            stack.callback(server.stop)
            readers[side] = Reader(side, server)
        progress(f"store {database}: {len(days)} days, {days[0]} to {days[-1]}; launching Chromium")
        browser = stack.enter_context(chromium())
        middle = days[len(days) // 2]
        results: dict[str, dict] = {side: {} for side in sides}

        def each(key: str, measure, *args) -> None:
            for side, reader in readers.items():
                progress(f"{key}: {side}")
                results[side][key] = _attempt(f"{key} ({side})", measure, browser, reader, *args)

        def new_only(key: str, measure, *args) -> None:
            if "after" in readers:
                progress(f"{key}: after")
                results["after"][key] = _attempt(f"{key} (after)", measure, *args)

        def emit(*names: str) -> None:
            for name in names:
                compared, met = row(name, results)
                report.add(compared, name, {})
                if met is False:
                    report.failed.append(name)

        # The first session of each server is not measured: "warm" means it served one.
        each("warm_up", measure_visits, middle, WIDE, 1, 300)
        each("steps_wide", measure_steps, WIDE, days, layer_days, plan, True)
        emit("key_to_map_1920")
        each("steps_laptop", measure_steps, LAPTOP, days, layer_days, plan, False)
        emit("key_to_map_1366")
        new_only("play", measure_play, browser, readers.get("after"), days, plan)
        emit("play")
        each("messages", measure_messages, days, plan)
        emit("messages")
        each("visits_wide", measure_visits, middle, WIDE, plan.visits)
        each("visits_laptop", measure_visits, middle, LAPTOP, plan.visits)
        emit("first_map_1920", "first_map_1366")
        opened = [results.get("after", {}).get(key) for key in ("visits_wide", "warm_up")]
        pack_url = next((v["pack_url"] for v in opened if isinstance(v, dict) and v.get("pack_url")), None)
        if pack_url:
            new_only("pack", measure_pack, readers.get("after"), pack_url, days)
        elif "after" in readers:
            results["after"]["pack"] = CellFailed(RuntimeError("no data-pack-url on div.frontline-reader"))
        emit("pack", "first_bytes", "heap")
        each("visits_phone", measure_visits, middle, PHONE, 1)
        emit("coverage_1366", "coverage_390", "coverage_1920")
    report.raw["results"] = results
    notes = [f"{key}: {note}" for key, result in results.get("after", {}).items() for note in _notes(result)]
    report.raw["contract_notes"] = notes
    return report.finish(
        started,
        quick=options.quick,
        counted=f"{len(days)} days, ",
        notes=notes,
        notes_title="Contract points that did not hold (after)",
        json_path=options.json,
    )


def _notes(result) -> list[str]:
    return result.get("notes", []) if isinstance(result, dict) else []


if __name__ == "__main__":
    raise SystemExit(main())
