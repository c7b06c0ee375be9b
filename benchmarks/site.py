"""Measure issue 14's targets for the published static site on the 769-day archive.

Run from the repository root::

    python -m benchmarks.site [--store DB] [--json FILE] [--quick]

The archive's SQLite store (``--store DB`` reuses one, importing the archive into it first
if the file does not exist yet; without it the archive is imported into a temporary
store) is published with ``python -m layers publish`` into a temporary folder, twice
(the second time unchanged), and the site's size on disk is summed. nginx then serves it
on localhost as ``docs/deployment.md`` configures it, and headless Chromium opens
``index.html?date=<the middle day>`` with a cold cache (a new context for each visit, the
cache also disabled over CDP) at 1920×1080 and 1366×768: the time to the first map and
the bytes transferred before it; the first visit at each size then scrubs with the arrow
keys, at once and again once the background load has finished. Last, ``wrk`` loads
nginx with many connections, each fetching what a reader fetched, in turn.

Each row is printed as a Markdown table row once measured (progress goes to stderr);
``--json`` writes every raw number, with each visit's request waterfall. The exit status
is 1 if a target is not met or a measurement failed, 2 without the archive. What each row
measures: ``benchmarks/README.md`` ("Published site (issue 14)"). The browser's side is in
``site_page``, nginx and the load test in ``site_serve``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.browser import chromium, median, progress, temp_folder  # noqa: E402
from benchmarks.site_page import SLOW_LINK, link_visits, milestones, visits, without_preload  # noqa: E402
from benchmarks.site_serve import header_notes, load_test, request_paths, serving  # noqa: E402
from benchmarks.table import Report, Row, verdict  # noqa: E402
from benchmarks.timeline_rows import archive_store, timeline_days  # noqa: E402

__all__ = ["ARCHIVE", "FULL", "QUICK", "SitePlan", "main", "parse_published", "parser", "rows", "site_size"]

ARCHIVE = ROOT.parent / "shared" / "data" / "deepstate-occupied-daily"
WIDE, LAPTOP = (1920, 1080), (1366, 768)
SIZE_MB, FIRST_MAP_S, FIRST_BYTES_MB, STEP_MS = 80, 1.5, 1.5, 30
NGINX_SATURATED = 0.9
#: One nginx worker a core, as Debian's nginx.conf has it (``worker_processes auto``).
CORES = os.cpu_count() or 1


@dataclass(frozen=True)
class SitePlan:
    visits: int  # cold visits per viewport
    loading_steps: int  # steps right after the first map
    loaded_steps: int  # steps once the network is idle
    load_seconds: float  # how long wrk runs
    connections: int  # wrk's connections
    threads: int  # wrk's threads
    load_workers: tuple[int, ...]  # nginx's worker processes in each load test (the first serves the browser)


FULL = SitePlan(
    visits=5,
    loading_steps=100,
    loaded_steps=100,
    load_seconds=15,
    connections=64,
    threads=2,
    load_workers=(CORES, 1),
)
QUICK = SitePlan(
    visits=2,
    loading_steps=20,
    loaded_steps=20,
    load_seconds=5,
    connections=64,
    threads=2,
    load_workers=(CORES, 1),
)


def parser() -> argparse.ArgumentParser:
    arguments = argparse.ArgumentParser(prog="python -m benchmarks.site", description=__doc__.splitlines()[0])
    arguments.add_argument("--quick", action="store_true", help="fewer visits and steps, a shorter load test")
    arguments.add_argument("--json", type=Path, metavar="FILE", help="write every raw number to FILE")
    arguments.add_argument(
        "--store",
        type=Path,
        metavar="DB",
        help="SQLite store of the archive to reuse (imported into first if the file does not exist)",
    )
    return arguments


def _terminated(signum, frame) -> None:
    raise SystemExit(128 + signum)  # so that nginx, the browser and the folders are cleaned up


# --- publishing --------------------------------------------------------------------


def parse_published(text: str) -> dict:
    """The counts in what ``python -m layers publish`` prints (``published DIR: N file(s)
    written, M unchanged, in S s``); empty if it said something else."""
    found = re.search(r"(\d+) file\(s\) written, (\d+) unchanged(?:, in ([\d.]+) s)?", text)
    if not found:
        return {}
    written, kept, seconds = found.groups()
    return {"written": int(written), "kept": int(kept), "said_s": float(seconds) if seconds else None}


def publish(database: Path, out: Path) -> dict:
    """``python -m layers publish --out out --db sqlite:///database`` as a command (its
    interpreter's start-up included): seconds, peak memory, CPU, and what it said."""
    with temp_folder(prefix="frontline-publish-log-") as logs:
        out_log, err_log = Path(logs) / "out", Path(logs) / "err"
        with out_log.open("w") as stdout, err_log.open("w") as stderr:
            started = time.perf_counter()
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "layers",
                    "publish",
                    "--out",
                    str(out),
                    "--db",
                    f"sqlite:///{database}",
                ],
                cwd=ROOT,
                stdout=stdout,
                stderr=stderr,
            )
            _, status, usage = os.wait4(process.pid, 0)  # the child's own peak memory and CPU
            seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        said = out_log.read_text() + err_log.read_text()
    if process.returncode != 0:
        raise RuntimeError(f"publish exited with {process.returncode}: {said.strip()[-500:]}")
    return {
        "seconds": seconds,
        "peak_rss_mb": usage.ru_maxrss / 1024,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "said": said.strip(),
        **parse_published(said),
    }


def site_size(folder: Path) -> dict:
    """Every file of a published site (``.gz``/``.br`` siblings included): bytes and
    counts in all and per part (``data``, ``assets``, the pages and manifest at the top)."""
    parts: dict[str, dict[str, int]] = {}
    siblings = 0
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(folder).parts
        part = relative[0] if len(relative) > 1 else "pages"
        size = path.stat().st_size
        entry = parts.setdefault(part, {"bytes": 0, "files": 0})
        entry["bytes"] += size
        entry["files"] += 1
        siblings += size if path.suffix in (".gz", ".br") and not path.name.endswith(".json.gz") else 0
    return {
        "bytes": sum(entry["bytes"] for entry in parts.values()),
        "files": sum(entry["files"] for entry in parts.values()),
        "sibling_bytes": siblings,
        "parts": parts,
    }


# --- the table ---------------------------------------------------------------------


def _kb(value: float) -> str:
    return f"{value / 1000:.0f} KB"


def _publish_row(result: dict, what: str) -> Row:
    counts = (
        f"{result['written']} files written, {result['kept']} unchanged"
        if "written" in result
        else "counts not printed"
    )
    return Row(
        what,
        f"{result['seconds']:.1f} s",
        "—",
        f"{counts}; CPU {result['cpu_s']:.1f} s; peak memory {result['peak_rss_mb']:.0f} MB",
        "—",
    )


def _size_row(size: dict) -> tuple[Row, bool]:
    parts = ", ".join(
        f"{name} {entry['bytes'] / 1e6:.2f} MB in {entry['files']}"
        for name, entry in sorted(size["parts"].items(), key=lambda item: -item[1]["bytes"])
    )
    ok = size["bytes"] <= SIZE_MB * 1e6
    return (
        Row(
            "the site on disk (every file, .gz and .br siblings included)",
            f"{size['bytes'] / 1e6:.2f} MB",
            f"≤ {SIZE_MB} MB",
            f"{size['files']} files: {parts}; .gz/.br siblings {size['sibling_bytes'] / 1e6:.2f} MB",
            verdict(ok),
        ),
        ok,
    )


def _first_map_row(loaded: list[dict], viewport: tuple[int, int]) -> tuple[Row, bool]:
    seconds = [visit["first_map_ms"] / 1000 for visit in loaded]
    middle = sorted(loaded, key=lambda visit: visit["first_map_ms"])[len(loaded) // 2]
    ended = milestones(middle["waterfall"])
    shown = ", ".join(f"{kind} {at:.0f}" for kind, at in ended.items())
    ok = median(seconds) <= FIRST_MAP_S
    return (
        Row(
            f"first map, cold cache, {viewport[0]}×{viewport[1]}: navigation start → `data-drawn-date` "
            "at `index.html?date=`",
            f"{median(seconds):.2f} s, max {max(seconds):.2f} s (of {len(seconds)})",
            f"≤ {FIRST_MAP_S} s",
            f"every response of a kind in by (ms, median visit): {shown}; "
            f"`goto` → map {median([v['goto_to_map_s'] for v in loaded]):.2f} s",
            verdict(ok),
        ),
        ok,
    )


def _first_bytes_row(loaded: list[dict], viewport: tuple[int, int]) -> tuple[Row, bool]:
    sizes = [visit["bytes"] for visit in loaded]
    middle = sorted(loaded, key=lambda visit: visit["bytes"])[len(loaded) // 2]
    kinds = ", ".join(f"{kind} {_kb(size)}" for kind, size in middle["by_kind"].items())
    ok = median(sizes) <= FIRST_BYTES_MB * 1e6
    return (
        Row(
            f"bytes transferred before the first map, {viewport[0]}×{viewport[1]} (headers and "
            "bodies as sent)",
            f"{_kb(median(sizes))} in {middle['requests']} responses, max {_kb(max(sizes))}",
            f"≤ {FIRST_BYTES_MB} MB",
            f"{kinds}; bodies {_kb(middle['decoded_bytes'])} decompressed; "
            f"{len(middle['in_flight'])} requests still in flight",
            verdict(ok),
        ),
        ok,
    )


def _scrub_row(summary: dict, viewport: tuple[int, int], phase: str) -> tuple[Row, bool]:
    ok = summary["median_ms"] is not None and summary["median_ms"] <= STEP_MS
    when = (
        f"right after the first map ({summary['while_loading']} of the keys before the background load ended)"
        if phase == "loading"
        else "after the background load (network idle)"
    )
    measured = (
        "no step timed"
        if summary["median_ms"] is None
        else f"{summary['median_ms']:.0f} ms, p95 {summary['p95_ms']:.0f} ms, max {summary['max_ms']:.0f} ms"
    )
    return (
        Row(
            f"scrub: key → `data-drawn-date` of the new day, {viewport[0]}×{viewport[1]}, {phase}",
            measured,
            f"median ≤ {STEP_MS} ms",
            f"{summary['steps']} steps timed, {when}",
            verdict(ok),
        ),
        ok,
    )


def _load_row(result: dict) -> tuple[Row, bool | None]:
    # Each nginx worker is one thread: it is the bottleneck when its workers are near a core each.
    ok = result["errors"] == 0 and result["server_cores"] < NGINX_SATURATED * result["workers"]
    judged = result["workers"] >= result["cores"]  # fewer workers than cores: for comparison only
    busiest = ", ".join(f"{name} {cores:.2f}" for name, cores in list(result["others"].items())[:3])
    return (
        Row(
            f"load test, nginx with {result['workers']} worker{'s' if result['workers'] != 1 else ''}: "
            f"wrk, {result['connections']} connections × {result['seconds']:.0f} s on localhost, "
            f"the {len(result['paths'])} files a reader fetched in turn, `Accept-Encoding: gzip, br`",
            f"{result['requests_per_s']:,.0f} requests/s, {result['bytes_per_s'] / 1e6:.0f} MB/s, "
            f"{result['errors']} errors; latency p50 {result['p50_us'] / 1000:.1f} ms, "
            f"p95 {result['p95_us'] / 1000:.1f} ms",
            f"0 errors; nginx not the bottleneck (below {NGINX_SATURATED:.0%} of a core a worker)"
            if judged
            else "— (one worker's ceiling, for comparison)",
            f"CPU in cores: nginx {result['server_cores']:.2f} ({result['workers']} worker"
            f"{'s' if result['workers'] != 1 else ''}), wrk {result['generator_cores']:.2f} "
            f"({result['threads']} threads), other processes {result['other_cores']:.2f} ({busiest}); "
            f"machine {result['machine_busy'] * 100:.0f} % busy of {result['cores']} cores "
            f"(softirq {result['machine_softirq'] * 100:.0f} %)",
            verdict(ok) if judged else "—",
        ),
        ok if judged else None,
    )


def _link_row(result: dict) -> tuple[Row, bool]:
    with_links, without = ([v["first_map_ms"] / 1000 for v in visits] for visits in result.values())
    ok = median(with_links) <= median(without)
    return (
        Row(
            f"first map, cold cache, 1366×768, over an emulated link ({SLOW_LINK['latency']} ms a request, "
            f"{SLOW_LINK['downloadThroughput'] * 8 / 1e6:.0f} Mbit/s): the page's preload links against the "
            "same page without them",
            f"{median(with_links):.2f} s with, {median(without):.2f} s without",
            "with ≤ without",
            f"{len(with_links)} visits each, taken in turn; max {max(with_links):.2f} s with, "
            f"{max(without):.2f} s without",
            verdict(ok),
        ),
        ok,
    )


def rows(name: str, result) -> list[tuple[Row, bool | None]]:
    """The table's rows for measurement ``name`` (as ``main`` keeps it in ``results``), each
    with whether it meets its target (None: no target)."""
    if name == "publish":
        return [
            (
                _publish_row(
                    result, "publish of the store into an empty folder (`python -m layers publish`)"
                ),
                None,
            )
        ]
    if name == "republish":
        return [(_publish_row(result, "publish again into the same folder, the store unchanged"), None)]
    if name == "size":
        return [_size_row(result)]
    if name == "slow_link":
        return [_link_row(result)]
    if name.startswith("visits_"):
        viewport = tuple(result["viewport"])
        found = [_first_map_row(result["visits"], viewport), _first_bytes_row(result["visits"], viewport)]
        if result.get("scrub"):
            found += [_scrub_row(result["scrub"][phase], viewport, phase) for phase in ("loading", "loaded")]
        return found
    if name.startswith("load_"):
        return [_load_row(result)]
    raise KeyError(name)


# --- the command -------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    options = parser().parse_args(argv)
    plan = QUICK if options.quick else FULL
    files = sorted(ARCHIVE.glob("*.geojson")) if ARCHIVE.is_dir() else []
    if not files:
        print(
            f"benchmarks.site: the DeepStateMap archive is not at {ARCHIVE} "
            "(expected the 769 daily *.geojson files); nothing measured.",
            file=sys.stderr,
        )
        return 2
    signal.signal(signal.SIGTERM, _terminated)
    report = Report()
    report.raw.update(plan={**asdict(plan), "quick": options.quick}, load_average_before=os.getloadavg())
    results: dict = {}
    notes: list[str] = []
    started = time.perf_counter()

    def measured(name: str, measure, *args):
        progress(name)
        try:
            results[name] = measure(*args)
        except Exception as error:  # noqa: BLE001  (one failed measurement must not end the run)
            report.fail(name, name, error)
            return None
        for index, (row, met) in enumerate(rows(name, results[name])):
            report.add(row, f"{name}.{index}", {})
            if met is False:
                report.failed.append(f"{name}.{index}")
        notes.extend(f"{name}: {note}" for note in _notes(results[name]))
        return results[name]

    with temp_folder(prefix="frontline-site-") as folder_name, contextlib.ExitStack() as stack:
        folder = Path(folder_name)
        database = archive_store(options.store.resolve() if options.store else folder / "archive.db", files)
        days, layer_days = timeline_days(f"sqlite:///{database}")
        middle = len(days) // 2
        report.raw["days"] = {"first": days[0].isoformat(), "last": days[-1].isoformat(), "count": len(days)}
        site = folder / "site"
        if measured("publish", publish, database, site) is None:
            return _finish(options, report, results, notes, started)
        measured("republish", publish, database, site)
        measured("size", site_size, site)
        server = stack.enter_context(serving(site, folder / "nginx", plan.load_workers[0]))
        progress(f"nginx on {server.url}; launching Chromium; first maps at ?date={days[middle]}")
        browser = stack.enter_context(chromium())
        scrubbing = (days, layer_days, middle, plan.loading_steps, plan.loaded_steps)
        for viewport in (WIDE, LAPTOP):

            def at_size(viewport=viewport) -> dict:
                loaded, scrubbed = visits(browser, server.url, days[middle], viewport, plan.visits, scrubbing)
                return {"viewport": list(viewport), "visits": loaded, "scrub": scrubbed}

            measured(f"visits_{viewport[0]}", at_size)
        bare = without_preload(site)
        measured(
            "slow_link",
            lambda: link_visits(
                browser, server.url, days[middle], LAPTOP, plan.visits, ["index.html", bare], SLOW_LINK
            ),
        )
        fetched = next(
            (result["scrub"]["urls"] for key, result in results.items() if key.startswith("visits_")),
            [],
        )
        paths = request_paths(fetched, server.url)
        header_problems, served = header_notes(server.url, paths)
        notes.extend(f"headers: {note}" for note in header_problems)
        results["headers"] = served
        for workers in plan.load_workers:
            progress(
                f"load test: nginx with {workers} workers, {len(paths)} paths, {plan.connections} "
                f"connections, {plan.load_seconds:g} s"
            )
            with contextlib.ExitStack() as own:
                if workers == plan.load_workers[0]:
                    target = server
                else:  # another nginx on the same site, the first one idle
                    target = own.enter_context(serving(site, folder / f"nginx-{workers}", workers))
                measured(
                    f"load_{workers}",
                    load_test,
                    target.url,
                    paths,
                    target.pid,
                    folder,
                    plan.load_seconds,
                    plan.connections,
                    plan.threads,
                    workers,
                )
    return _finish(options, report, results, notes, started)


def _notes(result) -> list[str]:
    if not isinstance(result, dict):
        return []
    found = list(result.get("notes", []))
    for visit in result.get("visits", []):
        found += visit.get("notes", [])
    if isinstance(result.get("scrub"), dict):
        found += result["scrub"].get("notes", [])
    return found


def _finish(options, report: Report, results: dict, notes: list[str], started: float) -> int:
    report.raw["results"] = results
    report.raw["notes"] = notes
    return report.finish(
        started,
        quick=options.quick,
        notes=notes,
        notes_title="Contract and header points that did not hold",
        json_path=options.json,
    )


if __name__ == "__main__":
    raise SystemExit(main())
