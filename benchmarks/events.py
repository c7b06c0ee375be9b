"""Issue 16's targets for events, on the 769-day archive with 20,000 FIRMS detections::

    python -m benchmarks.events [--store DB] [--quick] [--json FILE]

1. A 20,000-row FIRMS CSV (VIIRS columns, exactly as FIRMS writes them) is generated over
   the archive's last 60 days (~333 a day), each point within ~30 km of the boundary of
   the archive's last snapshot (fixed seed), with a mix of confidences, satellites and
   day/night passes (:func:`firms_rows`).
2. ``python -m layers import --kind events --preset firms`` imports it into a copy of the
   archive's store, in a child process: target ≤ 10 s (the command's own split between
   validation and writing is shown beside it).
3. ``python -m layers events --layer NAME --format csv`` must list exactly the 20,000 events.
4. The app on that store, opened on the last day of the events with the events layer
   chosen (``?events=``) and the view on the front at zoom 6, so that the 7-day window
   holds ~2,300 points: first map ≤ 3 s; the median of 200 steps of the date slider (key
   press to ``data-drawn-date`` changing, ``benchmarks.timeline_rows.measure_steps``),
   scrubbing within the 60 days, ≤ 60 ms; the JS heap after GC grows ≤ 10 MB over them.

``--store`` reuses (or builds once) the archive's store; the import always goes into a
copy, so the store stays as it was. Prints a Markdown table; exit status 1 when a target
is missed or a measurement failed, 2 when the archive is missing. The measurement does
not depend on how the map draws events, only on ``data-drawn-date``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import math
import os
import random
import re
import shutil
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from urllib.parse import quote

from benchmarks.browser import ROOT, Server, chromium, median, percentile, progress, temp_folder
from benchmarks.table import Report, Row, verdict
from benchmarks.timeline_rows import Reader, TimelinePlan, archive_store, measure_steps, measure_visits

__all__ = [
    "FIRMS_COLUMNS",
    "FULL",
    "LAYER",
    "QUICK",
    "firms_rows",
    "main",
    "write_firms_csv",
]

ARCHIVE = ROOT.parent / "shared" / "data" / "deepstate-occupied-daily"
LAYER = "Fire detections (NASA FIRMS)"
#: FIRMS' VIIRS CSV header, in its order.
FIRMS_COLUMNS = [
    "latitude",
    "longitude",
    "bright_ti4",
    "scan",
    "track",
    "acq_date",
    "acq_time",
    "satellite",
    "confidence",
    "version",
    "bright_ti5",
    "frp",
    "daynight",
    "instrument",
]
ROWS = 20_000
DAYS = 60
WITHIN_KM = 30.0
SEED = 16
VIEW = "&center=48.5,37.0&zoom=6"
WIDE = (1920, 1080)
IMPORT_TARGET_S = 10.0
FIRST_MAP_TARGET_S = 3.0
STEP_TARGET_MS = 60.0
HEAP_TARGET_MB = 10.0

FULL = TimelinePlan(
    warm_up=10, steps=200, heap_presses=200, play_seconds=0, quick_steps=0, quick_gap_ms=0, visits=3
)
QUICK = TimelinePlan(
    warm_up=3, steps=30, heap_presses=30, play_seconds=0, quick_steps=0, quick_gap_ms=0, visits=1
)

#: VIIRS passes over Ukraine (UTC): a night pass around midnight and a day pass before noon.
_PASSES = (("N", 0, 2), ("D", 9, 12))
_SATELLITES = ("N20", "N", "N21")
_CONFIDENCES = (("nominal", 0.75), ("high", 0.13), ("low", 0.12))


def firms_rows(boundary, days: list[dt.date], count: int, seed: int = SEED, within_km: float = WITHIN_KM):
    """``count`` FIRMS VIIRS rows (dicts keyed by :data:`FIRMS_COLUMNS`) spread evenly over
    ``days``, each within ``within_km`` of the line ``boundary`` (a shapely geometry in
    degrees), every row a distinct detection (place, time, satellite)."""
    chance = random.Random(seed)
    length = boundary.length
    seen: set[tuple] = set()
    rows: list[dict] = []
    while len(rows) < count:
        on_line = boundary.interpolate(chance.uniform(0, length))
        bearing = chance.uniform(0, 2 * math.pi)
        distance_km = within_km * math.sqrt(chance.random())
        latitude = on_line.y + distance_km * math.cos(bearing) / 111.32
        longitude = on_line.x + distance_km * math.sin(bearing) / (111.32 * math.cos(math.radians(on_line.y)))
        day = days[len(rows) * len(days) // count]
        daynight, first_hour, last_hour = chance.choice(_PASSES)
        hour, minute = chance.randint(first_hour, last_hour - 1), chance.randint(0, 59)
        satellite = chance.choice(_SATELLITES)
        key = (day, hour, minute, round(latitude, 5), round(longitude, 5), satellite)
        if key in seen:
            continue
        seen.add(key)
        confidence = chance.choices([c for c, _ in _CONFIDENCES], [w for _, w in _CONFIDENCES])[0]
        rows.append(
            {
                "latitude": f"{latitude:.5f}",
                "longitude": f"{longitude:.5f}",
                "bright_ti4": f"{chance.uniform(300, 367):.2f}",
                "scan": f"{chance.uniform(0.32, 0.8):.2f}",
                "track": f"{chance.uniform(0.36, 0.78):.2f}",
                "acq_date": day.isoformat(),
                "acq_time": f"{hour:02d}:{minute:02d}:00",
                "satellite": satellite,
                "confidence": confidence,
                "version": "2.0NRT",
                "bright_ti5": f"{chance.uniform(270, 305):.2f}",
                "frp": f"{chance.lognormvariate(1.2, 1.0):.2f}",
                "daynight": daynight,
                "instrument": "VIIRS",
            }
        )
    return rows


def write_firms_csv(path: Path, rows: list[dict]) -> Path:
    """Write rows as FIRMS does: its header, comma-separated, no quoting needed."""
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.DictWriter(stream, fieldnames=FIRMS_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _archive_boundary(db_url: str):
    """The boundary of the archive's last snapshot, and the archive's days (every day of its timeline)."""
    import shapely

    from benchmarks.import_archive import LAYER as ARCHIVE_LAYER
    from layers.store import Store

    store = Store(db_url)
    try:
        heads = store.heads(ARCHIVE_LAYER)
        last = store.features(int(heads["version_id"].iloc[-1]))
        return shapely.union_all(last.geometry.values).boundary, list(heads["as_of"])
    finally:
        store.close()


def _layers(*args: str) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "layers", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return time.perf_counter() - started, done


def _import_row(report: Report, db_url: str, csv_path: Path) -> None:
    seconds, done = _layers(
        "import", "--db", db_url, "--kind", "events", "--preset", "firms", "--layer", LAYER, str(csv_path)
    )
    if done.returncode != 0:
        raise RuntimeError(f"import exited {done.returncode}: {(done.stderr or done.stdout).strip()[-500:]}")
    split = re.search(r"validation ([\d.]+) s, writing ([\d.]+) s", done.stdout)
    added = re.search(r"added (\d+) event", done.stdout)
    reference = f"validation {split[1]} s, writing {split[2]} s (the command's own split)" if split else ""
    ok = seconds <= IMPORT_TARGET_S and added is not None and int(added[1]) == ROWS
    report.add(
        Row(
            f"import of {ROWS:,} FIRMS rows (child process, end to end)",
            f"{seconds:.1f} s, {added[1] if added else '?'} added",
            f"≤ {IMPORT_TARGET_S:.0f} s",
            reference,
            verdict(ok),
        ),
        "import",
        {"seconds": seconds, "stdout": done.stdout, "stderr": done.stderr[-2000:]},
    )
    if not ok:
        report.failed.append("import")


def _listing_row(report: Report, db_url: str) -> None:
    seconds, done = _layers("events", "--db", db_url, "--layer", LAYER, "--format", "csv")
    if done.returncode != 0:
        missing = "invalid choice: 'events'" in done.stderr
        raise RuntimeError(
            "the events command is not in this tree yet (python -m layers events --layer NAME --format csv)"
            if missing
            else f"events exited {done.returncode}: {done.stderr.strip()[-300:]}"
        )
    rows = list(csv.reader(done.stdout.splitlines()))
    count = max(len(rows) - 1, 0)
    report.add(
        Row(
            "`events --format csv` lists them back",
            f"{count:,} data rows",
            f"exactly {ROWS:,}",
            f"{seconds:.1f} s",
            verdict(count == ROWS),
        ),
        "events",
        {"rows": count, "seconds": seconds, "header": rows[0] if rows else None},
    )
    if count != ROWS:
        report.failed.append("events")


def _attempt(report: Report, what: str, key: str, measure, *args, **options):
    try:
        return measure(*args, **options)
    except Exception as error:  # noqa: BLE001  (the row says it failed; the run goes on)
        report.fail(what, key, error)
        return None


def parser() -> argparse.ArgumentParser:
    arguments = argparse.ArgumentParser(
        prog="python -m benchmarks.events", description=__doc__.split("\n")[0]
    )
    arguments.add_argument(
        "--store", type=Path, metavar="DB", help="the archive's SQLite store: reused, or built there once"
    )
    arguments.add_argument("--quick", action="store_true", help="30 steps and one visit instead of 200 and 3")
    arguments.add_argument("--json", type=Path, metavar="FILE", help="write every raw number to FILE")
    return arguments


def main(argv: list[str] | None = None) -> int:
    options = parser().parse_args(argv)
    plan = QUICK if options.quick else FULL
    files = sorted(ARCHIVE.glob("*.geojson")) if ARCHIVE.is_dir() else []
    if not files:
        print(
            f"benchmarks.events: the DeepStateMap archive is not at {ARCHIVE}; nothing measured.",
            file=sys.stderr,
        )
        return 2
    report = Report()
    report.raw.update(plan={**asdict(plan), "quick": options.quick}, rows=ROWS, days=DAYS)
    report.raw["load_average_before"] = os.getloadavg()
    started = time.perf_counter()
    with temp_folder(prefix="frontline-events-") as folder_name:
        folder = Path(folder_name)
        archive = archive_store(options.store.resolve() if options.store else folder / "archive.db", files)
        database = folder / "events.db"
        shutil.copyfile(archive, database)
        db_url = f"sqlite:///{database}"
        boundary, archive_days = _archive_boundary(db_url)
        event_days = [archive_days[-1] - dt.timedelta(days=back) for back in range(DAYS - 1, -1, -1)]
        csv_path = write_firms_csv(folder / "firms-60-days.csv", firms_rows(boundary, event_days, ROWS))
        progress(f"{csv_path.name}: {ROWS:,} rows, {event_days[0]} to {event_days[-1]}; importing")
        _attempt(report, "import", "import", _import_row, report, db_url, csv_path)
        _attempt(report, "events listing", "events", _listing_row, report, db_url)
        _browser_rows(report, db_url, folder, event_days, plan)
    return report.finish(started, quick=options.quick, counted=f"{ROWS:,} events, ", json_path=options.json)


def _browser_rows(
    report: Report, db_url: str, folder: Path, event_days: list[dt.date], plan: TimelinePlan
) -> None:
    from benchmarks.timeline_rows import timeline_days
    from layers.events import all_events, events_between, window
    from layers.links import NO_EVENTS
    from layers.store import Store

    days, _ = timeline_days(db_url)
    last = event_days[-1]
    store = Store(db_url)
    try:
        in_window = len(events_between(all_events(store, LAYER), *window(last)))
    except Exception:  # noqa: BLE001  (no layer: the import failed, and said so)
        in_window = 0
    finally:
        store.close()
    query = f"&events={quote(LAYER)}{VIEW}"
    report.raw["view"] = {"date": last.isoformat(), "query": query, "points_in_window": in_window}
    progress(f"starting the app on {db_url}; {in_window:,} events in the week to {last}")
    server = Server(db_url, folder, name="events")
    try:
        with chromium() as browser:
            reader = Reader("after", server)
            # The server's first session is not measured, as in benchmarks.timeline.
            _attempt(report, "warm-up", "warm_up", measure_visits, browser, reader, last, WIDE, 1, 300, query)
            visits = _attempt(
                report,
                "first map",
                "first_map",
                measure_visits,
                browser,
                reader,
                last,
                WIDE,
                plan.visits,
                60,
                query,
            )
            # The same view with no events layer ("(none)"; without ?events= the sidebar
            # shows the first events layer): what the app's own start costs.
            bare = _attempt(
                report,
                "first map, no events",
                "first_map_bare",
                measure_visits,
                browser,
                reader,
                last,
                WIDE,
                plan.visits,
                60,
                f"&events={quote(NO_EVENTS)}{VIEW}",
            )
            painted = _attempt(report, "events painted", "painted", _painted, browser, reader, last, query)
            if visits:
                every_event = bool(painted) and painted["count"] == in_window
                ok = visits["median_s"] <= FIRST_MAP_TARGET_S and every_event
                without = f"; {bare['median_s']:.2f} s without the events layer" if bare else ""
                report.add(
                    Row(
                        f"first map at zoom 6, {in_window:,} events in the week to {last}, 1920×1080",
                        f"{visits['median_s']:.2f} s",
                        f"≤ {FIRST_MAP_TARGET_S:.0f} s",
                        f"{plan.visits} visit(s); reader.js requested at "
                        f"{visits['visits'][0]['requested'].get('/static/js/frontline/reader.js', 0):.1f} s"
                        f"{without}; when the date was drawn, the events canvas held "
                        f"{(painted or {}).get('count', 0):,} events as {(painted or {}).get('items', 0)} "
                        f"{(painted or {}).get('mode', 'nothing')}",
                        verdict(ok),
                    ),
                    "first_map",
                    {**visits, "without_events": bare},
                )
                if not ok:
                    report.failed.append("first_map")
            steps = _attempt(
                report,
                "scrubbing",
                "steps",
                measure_steps,
                browser,
                reader,
                WIDE,
                days,
                [days],  # every day changes the events shown: every step is timed
                plan,
                True,
                query=query,
                start=days.index(last),
                low=days.index(event_days[0]),
            )
    finally:
        server.stop()
    if steps:
        timed = steps["timed_ms"][: plan.steps]
        ok = bool(timed) and median(timed) <= STEP_TARGET_MS
        report.add(
            Row(
                f"scrubbing, key to map, {len(timed)} steps within the 60 days",
                f"{median(timed):.0f} ms" if timed else "none",
                f"≤ {STEP_TARGET_MS:.0f} ms",
                f"p95 {percentile(timed, 0.95):.0f} ms" if timed else "",
                verdict(ok),
            ),
            "steps",
            steps,
        )
        growth = steps["heap_growth_mb"]
        heap_ok = growth is not None and growth <= HEAP_TARGET_MB
        report.add(
            Row(
                f"JS heap after GC over {steps['presses']} steps",
                f"{growth:+.1f} MB" if growth is not None else "not measured",
                f"≤ {HEAP_TARGET_MB:.0f} MB growth",
                f"{steps['heap_start_mb']:.1f} → {steps['heap_end_mb']:.1f} MB" if growth is not None else "",
                verdict(heap_ok),
            ),
            "heap",
            {},
        )
        report.failed += [key for key, met in (("steps", ok), ("heap", heap_ok)) if not met]


def _painted(browser, reader, day: dt.date, query: str) -> dict:
    """What the events canvas held when the map's date was first drawn (the first map
    counts only if the week's events were on it): mode, events in view, items drawn."""
    from benchmarks.timeline_page import instrumented_page, load

    with instrumented_page(browser, WIDE) as page:
        load(page, reader.side, reader.url, day, 60, query)
        seen = page.evaluate(
            """() => { const c = document.querySelector('canvas.frontline-events');
            return c ? {mode: c.dataset.eventsMode, count: Number(c.dataset.eventsCount),
                        items: Number(c.dataset.eventsItems)} : null; }"""
        )
    return seen or {"mode": "nothing", "count": 0, "items": 0}


if __name__ == "__main__":
    raise SystemExit(main())
