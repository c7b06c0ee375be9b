"""Row 3 of ``benchmarks.run``: the app's cold and warm start to the first drawn map,
in Chromium."""

from __future__ import annotations

import contextlib
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.browser import FrameMeter, Server, describe, fresh_page, median, progress
from benchmarks.plan import Plan
from benchmarks.table import Report, Row, verdict

__all__ = ["Opened", "measure_start", "open_timed"]


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
                for (at, _), payload in zip(meter.frames, meter.payloads, strict=True)
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
            f"  process up in {server.start_seconds:.1f} s; cold {cold[-1].seconds:.2f} s "
            f"(first script run {first_run_ms[-1]:.0f} ms); "
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
            "app cold start to first drawn map (`page.goto` → first `path.leaflet-interactive`), "
            "new server process each time",
            f"{median(cold_s):.2f} s (of {len(cold)})",
            "≤ 2.5 s",
            f"first script run {median(first_run_ms) / 1000:.1f} s; {phases(cold)}; "
            f"server process up in {median(process_start):.1f} s before `goto`",
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
