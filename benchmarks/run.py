"""Measure the performance targets on the real 769-day DeepStateMap archive, in one command.

Run from the repository root::

    python -m benchmarks.run [--quick] [--json FILE]

Each target is measured in turn and printed as a Markdown table row as soon as it is
known (progress goes to stderr); the whole table follows at the end. ``--quick`` uses the
first 100 files and fewer steps, for a smoke run of a couple of minutes. ``--json``
writes every raw number. The data must be in ``../shared/data/deepstate-occupied-daily``
(exit status 2 otherwise). See ``benchmarks/README.md`` for what each row measures.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.browser import (
    FrameMeter,
    Server,
    Step,
    chromium,
    count_runs,
    describe,
    fresh_page,
    median,
    percentile,
    slider_step,
    temp_folder,
)  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
ARCHIVE = DATA / "deepstate-occupied-daily"


@dataclass(frozen=True)
class Plan:
    files: int | None  # None: all
    bare_reads: int  # bare pyogrio reads of all files (median)
    area_repeats: int
    cold_runs: int  # server (re)starts
    warm_per_server: int  # new sessions on an already running server
    warm_up: int  # slider steps before the heap baseline
    steps: int  # slider steps timed, and over which the heap is compared
    ws_steps: int  # slider steps whose WebSocket frames are summed
    reader_steps: int  # slider steps per concurrent session (with --readers)


FULL = Plan(
    files=None,
    bare_reads=3,
    area_repeats=5,
    cold_runs=3,
    warm_per_server=2,
    warm_up=10,
    steps=200,
    ws_steps=30,
    reader_steps=20,
)
QUICK = Plan(
    files=100,
    bare_reads=2,
    area_repeats=5,
    cold_runs=2,
    warm_per_server=1,
    warm_up=5,
    steps=30,
    ws_steps=10,
    reader_steps=5,
)

COUNTRY_VIEW = "center=48.5,35.0&zoom=6"


@dataclass
class Row:
    what: str
    measured: str
    target: str
    reference: str
    verdict: str

    def markdown(self) -> str:
        return f"| {self.what} | {self.measured} | {self.target} | {self.reference} | {self.verdict} |"


HEADER = "| what | measured (median) | target | reference | ratio or verdict |\n|---|---|---|---|---|"


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    raw: dict = field(default_factory=dict)
    failed: list[str] = field(default_factory=list)

    def add(self, row: Row, key: str, raw: dict) -> None:
        self.rows.append(row)
        self.raw[key] = {"row": asdict(row), **raw}
        if len(self.rows) == 1:
            print(HEADER, flush=True)
        print(row.markdown(), flush=True)

    def fail(self, what: str, key: str, error: BaseException) -> None:
        progress(f"{what}: FAILED\n{''.join(traceback.format_exception(error))}")
        self.failed.append(key)
        self.add(
            Row(
                what,
                f"failed: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"[:200],
                "",
                "",
                "error",
            ),
            key,
            {"error": repr(error)},
        )

    def table(self) -> str:
        return "\n".join([HEADER, *(row.markdown() for row in self.rows)])


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def ms(values: list[float]) -> str:
    return f"{median(values):.0f} ms"


# --- rows 1 and 2: import and area series ----------------------------------------------


def measure_import(report: Report, files: list[Path], database: Path, plan: Plan) -> None:
    from benchmarks.import_archive import bare_read_seconds, import_seconds

    what = f"import of {len(files)} files into a fresh SQLite store (the CLI's import, in-process)"
    size = sum(len(path.read_bytes()) for path in files)  # warms the page cache for both timings
    bare = []
    for index in range(plan.bare_reads):
        progress(
            f"bare pyogrio read {index + 1}/{plan.bare_reads} of {len(files)} files ({size / 1e6:.0f} MB)"
        )
        bare.append(bare_read_seconds(files))
    progress(f"import of {len(files)} files (validation, areas, one transaction)")
    seconds, summary, _ = import_seconds(files, database)
    ratio = seconds / median(bare)
    split = re.search(r"\((validation [^)]*)\)", summary)  # the command line's own split of its time
    report.add(
        Row(
            what,
            f"{seconds:.1f} s ({seconds / len(files) * 1000:.0f} ms a file{'; ' + split.group(1) if split else ''})",
            "≤ 1.5× bare read",
            f"bare `pyogrio.read_dataframe`: {median(bare):.1f} s (median of {len(bare)})",
            f"{ratio:.1f}× — {verdict(ratio <= 1.5)}",
        ),
        "import",
        {
            "files": len(files),
            "megabytes": size / 1e6,
            "import_s": seconds,
            "bare_read_s": bare,
            "ratio": ratio,
            "cli_summary": summary,
        },
    )


def measure_area_series(report: Report, url: str, layer: str, plan: Plan) -> None:
    from layers.store import Store

    progress(f"area series, {plan.area_repeats} runs")
    times, rows, dates = [], 0, 0
    for _ in range(plan.area_repeats):
        store = Store(url)
        try:
            started = time.perf_counter()
            series = store.area_series(layer)
            times.append(time.perf_counter() - started)
        finally:
            store.close()
        rows, dates = len(series), series["as_of"].nunique()
    report.add(
        Row(
            f"area series, all {dates} dates: `Store(url).area_series(layer)`",
            f"{median(times) * 1000:.0f} ms",
            "≤ 0.5 s",
            f"{rows} rows; min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms of {len(times)}",
            verdict(median(times) <= 0.5),
        ),
        "area_series",
        {"seconds": times, "rows": rows, "dates": dates},
    )


# --- rows 3 to 7: in Chromium ------------------------------------------------------------


@dataclass
class Opened:
    """A page load, in seconds from ``page.goto``."""

    seconds: float  # to the first territory path in the map iframe
    html: float  # the page's HTML and scripts loaded (``goto`` returned)
    map_data: float | None  # the map's delta (st_folium, with the territory) received over the WebSocket
    component: float | None  # the map component's iframe requested
    basemap: float | None  # the basemap GeoJSON (fetched by the map once Leaflet runs) requested
    reruns: (
        int  # script runs the server made before the first path (the first visit, then the map's own reruns)
    )


def open_timed(browser, server: Server, query: str = "") -> Opened:
    """Time a first visit in a fresh context: ``page.goto`` to the first territory path in the map iframe."""
    from tests.browser.conftest import MAP_FRAME

    with fresh_page(browser) as page:
        requests: list[tuple[float, str]] = []
        page.on("request", lambda request: requests.append((time.perf_counter(), request.url)))
        meter = FrameMeter(page)
        started, wall = time.perf_counter(), time.time()
        page.goto(f"{server.url}/{query}")
        html = time.perf_counter() - started
        page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
        frame = page.wait_for_selector(MAP_FRAME, timeout=60_000).content_frame()
        frame.wait_for_selector("path.leaflet-interactive", state="attached", timeout=60_000)
        seconds = time.perf_counter() - started

        def first(part: str) -> float | None:
            return next((at - started for at, url in requests if part in url), None)

        map_data = next(
            (
                at - started
                for (at, _), payload in zip(meter.frames, meter.payloads)
                if describe(payload).endswith("st_folium")
            ),
            None,
        )
        reruns = len([run for run in server.runs(since=wall) if run.started - wall <= seconds])
        return Opened(
            seconds,
            html,
            map_data,
            first("/component/streamlit_folium"),
            first("/basemap/countries.geojson"),
            reruns,
        )


def measure_start(
    report: Report, browser, db_url: str, logs: Path, plan: Plan, stack: contextlib.ExitStack
) -> Server:
    """Cold: a new server process, its first session. Warm: more sessions on the same process.
    Returns the last server, still running."""
    cold: list[Opened] = []
    warm: list[Opened] = []
    process_start, first_run_ms, server = [], [], None
    for index in range(plan.cold_runs):
        if server is not None:
            server.stop()
        progress(f"cold start {index + 1}/{plan.cold_runs}: starting streamlit")
        server = Server(db_url, logs, name=f"start-{index}")
        stack.callback(server.stop)
        process_start.append(server.start_seconds)
        cold.append(open_timed(browser, server))
        full_runs = [run.ms for run in server.runs() if run.kind == "full"]
        first_run_ms.append(full_runs[0] if full_runs else float("nan"))
        for _ in range(plan.warm_per_server):
            warm.append(open_timed(browser, server))
        progress(
            f"  process up in {server.start_seconds:.1f} s; cold {cold[-1].seconds:.2f} s (first script run {first_run_ms[-1]:.0f} ms); "
            f"warm {', '.join(f'{w.seconds:.2f}' for w in warm[-plan.warm_per_server :])} s"
        )

    def phases(opened: list[Opened]) -> str:
        """Medians of when each phase of the page load happened."""
        marks = [
            ("HTML and scripts", "html"),
            ("map's data in", "map_data"),
            ("map iframe requested", "component"),
            ("basemap requested", "basemap"),
        ]
        parts = []
        for label, name in marks:
            values = [getattr(o, name) for o in opened if getattr(o, name) is not None]
            if values:
                parts.append(f"{label} {median(values):.1f} s")
        return (
            ", ".join(parts)
            + f"; script runs before the first path: {median([o.reruns for o in opened]):.0f}"
        )

    cold_s, warm_s = [o.seconds for o in cold], [o.seconds for o in warm]
    report.add(
        Row(
            "app cold start to first drawn map (`page.goto` → first `path.leaflet-interactive`), new server process each time",
            f"{median(cold_s):.2f} s (of {len(cold)})",
            "≤ 2.5 s",
            f"first script run {median(first_run_ms) / 1000:.1f} s; {phases(cold)}; server process up in {median(process_start):.1f} s before `goto`",
            verdict(median(cold_s) <= 2.5),
        ),
        "cold_start",
        {
            "runs": [asdict(o) for o in cold],
            "process_start_s": process_start,
            "first_script_run_ms": first_run_ms,
        },
    )
    report.add(
        Row(
            "app warm start (server already running, new session)",
            f"{median(warm_s):.2f} s (of {len(warm)})",
            "≤ 2.5 s",
            f"{phases(warm)}; min {min(warm_s):.2f} s, max {max(warm_s):.2f} s",
            verdict(median(warm_s) <= 2.5),
        ),
        "warm_start",
        {"runs": [asdict(o) for o in warm]},
    )
    return server


class Stepper:
    """Keys that move the date slider one day at a time: right to the end, then back.

    The slider has every day from the first snapshot to the last of all territory layers
    (``snapshots.timeline``); on a day without a snapshot of its own a layer shows the one
    before, so a step may leave the territory as it was. ``next()`` says whether it changes.
    """

    def __init__(self, days: list, snapshot_days: list[list], start: int = 0):
        self.days, self.direction, self.position = days, 1, start
        self._layers = [sorted(layer) for layer in snapshot_days]

    def shown(self, position: int) -> tuple:
        """Per layer, the snapshot the map shows on the day at ``position``."""
        import bisect

        day = self.days[position]
        return tuple(bisect.bisect_right(layer, day) for layer in self._layers)

    def next(self) -> tuple[str, bool]:
        """The key for the next step, and whether that step changes the territory shown."""
        if not 0 <= self.position + self.direction < len(self.days):
            self.direction = -self.direction
        before = self.shown(self.position)
        self.position += self.direction
        return ("ArrowRight" if self.direction > 0 else "ArrowLeft"), self.shown(self.position) != before


def press_and_wait_for_run(page, key: str) -> None:
    """A step that leaves the territory as it was: press, then wait for the run to finish."""
    runs = page.evaluate("() => window.__runs")
    page.keyboard.press(key)
    page.wait_for_function(f"() => window.__runs > {runs}", timeout=30_000)


def changing_step(page, frame, stepper: Stepper, **options) -> Step:
    """The next slider step that changes the territory, timed; steps that do not are taken untimed."""
    while True:
        key, changes = stepper.next()
        if changes:
            return slider_step(page, frame, key, **options)
        press_and_wait_for_run(page, key)


def open_for_steps(page, app_url: str, query: str):
    from tests.browser.conftest import date_slider, open_app

    frame = open_app(page, app_url, query)
    frame.evaluate("() => { window.__probe = 'same iframe'; }")
    count_runs(page)
    date_slider(page).focus()
    return frame


def measure_steps(
    report: Report, browser, server: Server, days: list, dates: list, layer_days: list[list], plan: Plan
) -> None:
    """Rows 4 and 5: one session, ``warm_up`` steps, heap after GC, ``steps`` timed steps, heap after GC."""
    from tests.browser.conftest import js_heap_mb

    with fresh_page(browser) as page:
        frame = open_for_steps(page, server.url, f"?date={dates[0].isoformat()}")
        stepper = Stepper(days, layer_days)
        progress(f"slider: {plan.warm_up} warm-up steps")
        for _ in range(plan.warm_up):
            changing_step(page, frame, stepper)
        heap_start = js_heap_mb(page)
        steps: list[Step] = []
        progress(f"slider: {plan.steps} timed steps (ArrowRight, one snapshot each)")
        for index in range(plan.steps):
            steps.append(changing_step(page, frame, stepper, server=server))
            if (index + 1) % 25 == 0:
                progress(
                    f"  {index + 1} steps, median so far {ms([s.map_ms for s in steps])} to the redrawn map"
                )
        heap_end = js_heap_mb(page)
        probe = frame.evaluate("() => window.__probe")
        groups = frame.evaluate("() => (window.feature_group || []).length")
    map_ms = [s.map_ms for s in steps]
    done_ms = [s.done_ms for s in steps]
    server_ms = [s.server_ms for s in steps if s.server_ms is not None]
    kept = probe == "same iframe"
    report.add(
        Row(
            f"slider step to redrawn map, {len(steps)} steps each to the next snapshot",
            f"{median(map_ms):.0f} ms, p90 {percentile(map_ms, 0.9):.0f} ms; iframe {'kept' if kept else 'REMOUNTED'}",
            "≤ 120 ms median, no remount",
            f"server's fragment run {ms(server_ms) if server_ms else 'n/a'}; key → run finished {ms(done_ms)}; runs a step: {median([s.runs for s in steps]):.0f}",
            verdict(median(map_ms) <= 120 and kept),
        ),
        "slider_step",
        {"steps": [asdict(s) for s in steps], "iframe_kept": kept, "feature_groups_at_end": groups},
    )
    growth = heap_end - heap_start
    report.add(
        Row(
            f"browser JS heap growth over {len(steps)} steps (after GC via CDP)",
            f"{growth:+.1f} MB",
            "≤ 10 MB",
            f"{heap_start:.1f} MB after {plan.warm_up} warm-up steps → {heap_end:.1f} MB",
            verdict(growth <= 10),
        ),
        "heap",
        {"start_mb": heap_start, "end_mb": heap_end, "growth_mb": growth, "steps": len(steps)},
    )


def measure_frames(
    report: Report, browser, server: Server, days: list, dates: list, layer_days: list[list], plan: Plan
) -> None:
    """Row 6: WebSocket bytes received per step, the map at country zoom."""
    with fresh_page(browser) as page:
        meter = FrameMeter(page)
        frame = open_for_steps(page, server.url, f"?date={dates[0].isoformat()}&{COUNTRY_VIEW}")
        zoom = frame.evaluate("() => window.map.getZoom()")
        stepper = Stepper(days, layer_days)
        for _ in range(3):
            changing_step(page, frame, stepper, meter=meter, settle_ms=300)
        progress(f"WebSocket frames: {plan.ws_steps} steps at zoom {zoom}")
        steps = [
            changing_step(page, frame, stepper, server=server, meter=meter, settle_ms=300)
            for _ in range(plan.ws_steps)
        ]
        kept = frame.evaluate("() => window.__probe") == "same iframe"
    kb = [s.bytes_received / 1000 for s in steps]
    data_ms = [s.map_data_ms for s in steps if s.map_data_ms is not None]
    server_ms = [s.server_ms for s in steps if s.server_ms is not None]
    kinds = {kind for s in steps for kind in (s.bytes_by_kind or {})}
    by_kind = sorted(
        ((median([(s.bytes_by_kind or {}).get(kind, 0) / 1000 for s in steps]), kind) for kind in kinds),
        reverse=True,
    )
    contents = ", ".join(f"{kind.removeprefix('delta:')} {kb_:.0f} KB" for kb_, kind in by_kind[:4])
    report.add(
        Row(
            f"data received per slider step at country zoom (`?{COUNTRY_VIEW}`), {len(steps)} steps",
            f"{median(kb):.0f} KB (max {max(kb):.0f} KB){'' if kept else '; iframe REMOUNTED'}",
            "≤ 60 KB",
            f"zoom {zoom}; per step: {contents}; key → rerun request sent {ms([s.sent_ms for s in steps if s.sent_ms is not None])}, "
            f"→ map's delta in {ms(data_ms)}, → map redrawn {ms([s.map_ms for s in steps])}; server's run {ms(server_ms)}"
            if data_ms and server_ms
            else f"zoom {zoom}; {contents}",
            verdict(median(kb) <= 60),
        ),
        "frames",
        {
            "zoom": zoom,
            "iframe_kept": kept,
            "median_kb_by_kind": {kind: kb_ for kb_, kind in by_kind},
            "steps": [asdict(s) for s in steps],
        },
    )


# --- row 7: readers, by the load test's driver (benchmarks/load.py) ---------------------


def measure_readers(
    report: Report,
    browser,
    server: Server,
    days: list,
    dates: list,
    layer_days: list[list],
    plan: Plan,
    readers: int,
) -> None:
    """Row 7: ``readers`` sessions at once on the same server, each scrubbing ``reader_steps`` steps,
    driven over Streamlit's WebSocket protocol by ``benchmarks/load.py`` (no browser: see its README section)."""
    from benchmarks.load import drive

    progress(f"{readers} concurrent readers (WebSocket sessions), {plan.reader_steps} steps each")
    result = drive(server, readers, plan.reader_steps, report=progress)
    summary = result.summary()
    rerun, opened = summary["rerun_ms"], summary["open_ms"]
    errors = ", ".join(f"{kind}: {n}" for kind, n in summary["errors_by_kind"].items())
    per_session = summary["rss_mb_per_session"]
    report.add(
        Row(
            f"readers on one process: {readers} concurrent sessions (Streamlit's WebSocket protocol, `benchmarks/load.py`), {plan.reader_steps} slider steps each",
            f"{readers} sessions, {summary['errors']} errors, p95 {rerun['p95']:.0f} ms"
            if rerun
            else f"no step completed; {summary['errors']} errors",
            "0 errors, p95 rerun < 1 s",
            (f"rerun median {rerun['p50']:.0f} ms, p99 {rerun['p99']:.0f} ms; " if rerun else "")
            + f"{summary['steps_done']} of {readers * plan.reader_steps} steps; first full run median {opened['p50'] / 1000 if opened else float('nan'):.1f} s; "
            + (f"server RSS +{per_session:.1f} MB a session; " if per_session is not None else "")
            + f"{summary['steps_per_s'] or 0:.1f} steps/s"
            + (f"; errors: {errors}" if errors else ""),
            verdict(result.met),
        ),
        "readers",
        {
            "summary": summary,
            "steps": [asdict(s) for s in result.steps],
            "errors": [asdict(e) for e in result.errors],
            "open_ms": result.open_ms,
        },
    )


def profile_runs(
    browser,
    db_url: str,
    folder: Path,
    days: list,
    dates: list,
    layer_days: list[list],
    out: Path,
    steps: int = 20,
) -> dict:
    """Profile the server (cProfile) over a cold first visit and ``steps`` slider steps; print the top functions.

    Statistics go to ``out`` (fragment runs: the slider steps) and ``<out>.full`` (the first,
    cold, full run). Profiling slows Python down: the times are for comparing parts only.
    """
    import io
    import pstats

    for stale in (out, Path(f"{out}.full")):
        stale.unlink(missing_ok=True)
    server = Server(db_url, folder, name="profile", profile=out)
    try:
        with fresh_page(browser) as page:
            progress("profiling the server: a cold first visit")
            frame = open_for_steps(page, server.url, f"?date={dates[0].isoformat()}")
            stepper = Stepper(days, layer_days)
            for _ in range(3):
                changing_step(page, frame, stepper)
            progress(f"profiling the server: {steps} slider steps")
            for _ in range(steps):
                changing_step(page, frame, stepper)
    finally:
        server.stop()
    result = {"pstats": str(out), "steps": steps}
    for name, path in (
        ("first full run (cold)", Path(f"{out}.full")),
        (f"{steps} slider steps (fragment runs)", out),
    ):
        stats = pstats.Stats(str(path))
        text = io.StringIO()
        stats.stream = text
        stats.sort_stats("cumulative").print_stats(
            rf"{re.escape(str(ROOT))}|streamlit_folium|folium/|branca|jinja2|xyzservices|vega|altair", 30
        )
        print(f"\n--- profile: {name} ---\n{text.getvalue()}", file=sys.stderr, flush=True)
        result[name] = [
            {
                "function": f"{file}:{line}({function})",
                "calls": calls,
                "own_s": own,
                "cumulative_s": cumulative,
            }
            for (file, line, function), (_, calls, own, cumulative, _) in sorted(
                stats.stats.items(), key=lambda item: -item[1][3]
            )[:80]
        ]
    return result


# --- the command ----------------------------------------------------------------------


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
        help="reuse this SQLite store (made by an earlier import of the archive) instead of importing: skips row 1",
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
        help="afterwards, profile the server (cProfile): a cold first visit (to FILE.full) and 20 slider steps (to FILE); the top to stderr",
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
            f"benchmarks.run: the DeepStateMap archive is not at {ARCHIVE} (expected the 769 daily *.geojson files "
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
            # last snapshot of all territory layers (the import seeds the embedded Kursk layer
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
            f"store: {len(dates)} snapshots, {dates[0]} to {dates[-1]} ({len(days)} days on the slider); launching Chromium"
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
    report.raw["seconds"] = time.perf_counter() - started
    report.raw["load_average_after"] = os.getloadavg()
    # Other work on the machine shows in the load average (this run alone keeps it near 2-3).
    print(
        f"\n{'Quick run' if options.quick else 'Full run'}: {len(files) if options.store is None else len(dates)} daily files, "
        f"{report.raw['seconds'] / 60:.1f} min; load average (1, 5, 15 min) before "
        f"{', '.join(f'{x:.1f}' for x in report.raw['load_average_before'])}, after {', '.join(f'{x:.1f}' for x in report.raw['load_average_after'])}\n",
        flush=True,
    )
    print(report.table(), flush=True)
    if options.json:
        options.json.write_text(json.dumps(report.raw, indent=2, default=str) + "\n", encoding="utf-8")
        progress(f"raw numbers written to {options.json}")
    return 1 if report.failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
