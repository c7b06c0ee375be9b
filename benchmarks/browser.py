"""Helpers for ``benchmarks/run.py`` and the load test: a ``streamlit run app.py`` server
on a free port, a headless Chromium, one slider step measured end to end, and the small
helpers every benchmark uses (progress lines, quantiles, a temporary folder).

Run as a module (``python -m benchmarks.browser run app.py ...``) this file is the
server itself: Streamlit's own command line, with one addition. When
``FRONTLINE_BENCH_TIMINGS`` names a file, every script run appends a line to it::

    <wall-clock start, s> <full|fragment> <exec ms>

timed around the call that executes the script (``exec_func_with_error_handling``), so
the benchmark can tell the server's share of a slider step from the browser's. Nothing
else changes: the same app, the same options as the browser tests.

Only the standard library is imported at module level, so that the server pays
nothing for the benchmark's helpers (Playwright is imported by the functions that
need it).
"""

from __future__ import annotations

import contextlib
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
TIMINGS_ENV = "FRONTLINE_BENCH_TIMINGS"
PROFILE_ENV = "FRONTLINE_BENCH_PROFILE"


# --- the server side ----------------------------------------------------------------


def _install_run_timer(path: str, profile: str | None = None) -> None:
    """Log the duration of every script execution to ``path`` (one line per run); with
    ``profile``, also profile the runs (cProfile, the script's thread only) and keep the
    accumulated statistics of fragment runs in that file, of full runs in ``<profile>.full``."""
    from streamlit.runtime.scriptrunner import script_runner

    original = script_runner.exec_func_with_error_handling
    profilers = {}
    if profile:
        import cProfile

        profilers = {
            "fragment": (cProfile.Profile(), profile),
            "full": (cProfile.Profile(), f"{profile}.full"),
        }

    def timed(func, ctx):
        kind = "fragment" if getattr(ctx, "fragment_ids_this_run", None) else "full"
        profiler, out = profilers.get(kind, (None, None))
        started_wall, started = time.time(), time.perf_counter()
        if profiler is not None:
            profiler.enable()
        try:
            return original(func, ctx)
        finally:
            if profiler is not None:
                profiler.disable()
            ms = (time.perf_counter() - started) * 1000
            with open(path, "a", encoding="utf-8") as log:
                log.write(f"{started_wall:.4f} {kind} {ms:.1f}\n")
            if profiler is not None:
                profiler.dump_stats(out)

    script_runner.exec_func_with_error_handling = timed


def _serve(argv: list[str]) -> None:
    if os.environ.get(TIMINGS_ENV):
        _install_run_timer(os.environ[TIMINGS_ENV], os.environ.get(PROFILE_ENV))
    from streamlit.web.cli import main

    sys.argv = ["streamlit", *argv]
    main(prog_name="streamlit")


@dataclass
class ScriptRun:
    started: float  # wall clock, seconds
    kind: str  # "full" or "fragment"
    ms: float


class Server:
    """``streamlit run app.py`` with ``FRONTLINE_DB`` set, on a free port; ``stop()`` always ends it.

    ``root`` is the tree whose ``app.py`` (and ``benchmarks/browser.py``, the timed server)
    runs: this checkout by default, another worktree to measure an earlier commit.
    """

    def __init__(
        self,
        db_url: str,
        log_folder: Path,
        name: str = "server",
        profile: Path | None = None,
        port: int | None = None,
        root: Path = ROOT,
    ):
        from layers.ingest import seed_default_data
        from layers.store import Store
        from tests.browser.conftest import free_port

        # The app seeds only its embedded default store; an empty store measured here gets
        # the demo first, as the app gave it before a named store was seeded only when asked.
        store = Store(db_url)
        seed_default_data(store)
        store.close()
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.timings = log_folder / f"{name}-runs.txt"
        self.log_path = log_folder / f"{name}.log"
        self.timings.write_text("")
        env = dict(os.environ, FRONTLINE_DB=db_url, **{TIMINGS_ENV: str(self.timings)})
        env.pop(PROFILE_ENV, None)
        if profile is not None:
            env[PROFILE_ENV] = str(profile)
        # The server writes to this file for as long as it runs; stop() closes it.
        self._log = open(self.log_path, "w")  # noqa: SIM115
        started = time.perf_counter()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "benchmarks.browser",
                "run",
                "app.py",
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=root,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        #: Seconds from process start to Streamlit answering its health check.
        self.start_seconds = time.perf_counter() - started

    def _wait_healthy(self, timeout: float = 90) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited with {self.process.returncode}; log: {self.log_path}\n"
                    f"{self.log_path.read_text()[-3000:]}"
                )
            try:
                if urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2).read() == b"ok":
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"streamlit did not answer within {timeout:.0f} s; log: {self.log_path}")

    def runs(self, since: float = 0.0) -> list[ScriptRun]:
        """Script runs logged by the server that started at or after ``since`` (wall clock)."""
        runs = []
        for line in self.timings.read_text().splitlines():
            started, kind, ms = line.split()
            if float(started) >= since:
                runs.append(ScriptRun(float(started), kind, float(ms)))
        return runs

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._log.close()


# --- the browser side ------------------------------------------------------------


@contextlib.contextmanager
def chromium():
    """Debian's Chromium, headless, with the browser tests' arguments; closed on exit."""
    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def fresh_page(browser, viewport: tuple[int, int] = (1600, 1000)):
    """A page in a new browser context (empty cache, no cookies) with a viewport of
    ``viewport`` (width, height) CSS pixels; requests off localhost are aborted, as in the tests."""
    from urllib.parse import urlparse

    from tests.browser.conftest import LOCAL_HOSTS

    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})

    def route(route_):
        url = urlparse(route_.request.url)
        if url.hostname in LOCAL_HOSTS or url.scheme in ("data", "blob"):
            route_.continue_()
        else:
            route_.abort()

    context.route("**/*", route)
    try:
        yield context.new_page()
    finally:
        context.close()


class FrameMeter:
    """Sizes and arrival times of the WebSocket frames a page receives (attach before ``goto``)."""

    def __init__(self, page):
        self.frames: list[tuple[float, int]] = []
        self.payloads: list[bytes | str] = []
        self.sent: list[float] = []
        page.on("websocket", self._on_socket)

    def _on_socket(self, socket) -> None:
        socket.on("framereceived", self._on_frame)
        socket.on("framesent", lambda payload: self.sent.append(time.perf_counter()))

    def _on_frame(self, payload) -> None:
        self.frames.append((time.perf_counter(), len(payload)))
        self.payloads.append(payload)

    def bytes_by_kind(self, mark: int) -> dict[str, int]:
        """Bytes received since ``mark`` per kind of Streamlit message (the element type for deltas)."""
        totals: dict[str, int] = {}
        for payload in self.payloads[mark:]:
            kind = describe(payload)
            totals[kind] = totals.get(kind, 0) + len(payload)
        return dict(sorted(totals.items(), key=lambda item: -item[1]))

    def mark(self) -> int:
        return len(self.frames)

    def since(self, mark: int) -> list[tuple[float, int]]:
        return self.frames[mark:]


def describe(payload: bytes | str) -> str:
    """What a Streamlit ForwardMsg carries: ``delta:<element>`` (components by name), else its type."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    message = ForwardMsg()
    try:
        message.ParseFromString(payload if isinstance(payload, bytes) else payload.encode("latin-1"))
    except Exception:  # noqa: BLE001  (not a ForwardMsg: count it as such)
        return "other"
    kind = message.WhichOneof("type") or "other"
    if kind != "delta":
        return kind
    delta = message.delta
    if delta.WhichOneof("type") != "new_element":
        return f"delta:{delta.WhichOneof('type')}"
    element = delta.new_element.WhichOneof("type")
    if element == "component_instance":
        return f"delta:{delta.new_element.component_instance.component_name}"
    return f"delta:{element}"


def count_runs(page) -> None:
    """``window.__runs``: finished script runs (Streamlit flips ``data-test-script-state`` on stApp)."""
    from tests.browser.conftest import count_script_runs

    count_script_runs(page)


@dataclass
class Step:
    """One slider step: milliseconds from the key press to the redrawn map and to the run's end."""

    map_ms: float
    done_ms: float
    server_ms: float | None = None  # the script's own execution time (sum of runs started during the step)
    runs: int = 0  # script runs the step caused
    bytes_received: int | None = None
    sent_ms: float | None = None  # key press to the browser's first WebSocket frame out (the rerun request)
    first_ms: float | None = None  # key press to the first frame in
    map_data_ms: float | None = (
        None  # key press to the arrival of the map's delta (st_folium, with the territory)
    )
    map_bytes: int | None = None  # its size
    bytes_by_kind: dict[str, int] | None = None  # what the bytes received carried


def slider_step(
    page, frame, key: str, server: Server | None = None, meter: FrameMeter | None = None, settle_ms: int = 0
) -> Step:
    """Press ``key`` on the focused date slider; wait for new territory paths, then for the run to finish."""
    from tests.browser.conftest import mark_paths, wait_for_new_paths

    runs_before = page.evaluate("() => window.__runs")
    mark_paths(frame)
    mark = meter.mark() if meter else 0
    wall = time.time()
    started = time.perf_counter()
    page.keyboard.press(key)
    wait_for_new_paths(frame)
    map_ms = (time.perf_counter() - started) * 1000
    page.wait_for_function(f"() => window.__runs > {runs_before}", timeout=30_000)
    done_ms = (time.perf_counter() - started) * 1000
    step = Step(map_ms, done_ms)
    if meter is not None:
        _settle(page, meter, settle_ms)
        frames = meter.since(mark)
        sent = [at for at in meter.sent if at >= started]
        step.sent_ms = (sent[0] - started) * 1000 if sent else None
        step.first_ms = (frames[0][0] - started) * 1000 if frames else None
        step.bytes_received = sum(size for _, size in frames)
        step.bytes_by_kind = meter.bytes_by_kind(mark)
        for (arrived, size), payload in zip(frames, meter.payloads[mark:], strict=True):
            if describe(payload).endswith("st_folium"):
                step.map_data_ms, step.map_bytes = (arrived - started) * 1000, size
                break
    elif settle_ms:
        page.wait_for_timeout(settle_ms)
    step.runs = page.evaluate("() => window.__runs") - runs_before
    if server is not None:
        runs = server.runs(since=wall - 0.05)
        step.server_ms = sum(run.ms for run in runs) if runs else None
    return step


def _settle(page, meter: FrameMeter, quiet_ms: int) -> None:
    """Wait until no frame has arrived for ``quiet_ms`` (at most 5 s)."""
    deadline = time.perf_counter() + 5
    while time.perf_counter() < deadline:
        last = meter.frames[-1][0] if meter.frames else 0.0
        page.wait_for_timeout(quiet_ms)
        if (meter.frames[-1][0] if meter.frames else 0.0) == last:
            return


def progress(message: str) -> None:
    """A progress line on stderr, with the time of day (stdout carries the results)."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1), nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def median(values: list[float]) -> float:
    return statistics.median(values)


def temp_folder(prefix: str = "frontline-benchmark-") -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix=prefix)


if __name__ == "__main__":
    _serve(sys.argv[1:])
