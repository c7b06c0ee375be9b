"""Load test for readers: N concurrent sessions scrubbing the date slider on one app process.

Run from the repository root::

    python -m benchmarks.load [--store PATH_OR_URL] [--files N] [--sessions 50] [--steps 20] [--port N] [--json FILE]

One ``streamlit run app.py`` server (``benchmarks.browser.Server``: the same command line
and options as the other benchmarks) is started on a localhost port, pointed at the
store. The sessions are not browsers: each is one WebSocket to ``/_stcore/stream``
speaking Streamlit's own protocol (``BackMsg`` out, ``ForwardMsg`` in), as the frontend
does, so that 50 of them fit on a 2-core machine beside the server. Each session opens
the page (a full script run), finds the date slider (``st.select_slider(key="date")``
inside the ``st.fragment``) in the deltas, then moves it ``--steps`` times to the next
day, each time sending the fragment rerun the frontend would send (every widget state the
session holds, the slider's new value, the fragment's id) and waiting for the run to
finish. Each step is timed from sending the rerun to ``script_finished`` and to the
arrival of the map (the ``streamlit_folium`` component's delta), and checked: no
exception, no ``st.error``, a successful finish, and the new day shown in the page's
text. See ``benchmarks/README.md`` ("Load test") for what is reported.

What these sessions do not do that a browser does: the map component never reports its
view back (in a browser, ``st_folium`` sends its centre, zoom and bounds once drawn,
which costs one or two more fragment runs per page load), and nothing is rendered.

The store: ``--store`` is a SQLite file (reused if it exists; if it does not, the
DeepStateMap archive, or its first ``--files N`` files, is imported into it and kept) or
a SQLAlchemy URL. Without ``--store``, ``--files N`` imports the first N files into a
temporary store; without either, the app seeds its embedded data into a fresh temporary
store (a small timeline: for smoke runs and the tests).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import random
import resource
import sys
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.browser import Server, median, percentile, temp_folder  # noqa: E402

#: The date slider's ``key`` in app.py; its widget id ends with ``-<key>``.
SLIDER_KEY = "date"
MAP_COMPONENT = "streamlit_folium.st_folium"
#: The target of issue 6: readers on one process.
TARGET_P95_MS = 1000.0

# ScriptFinishedStatus values (ForwardMsg.proto).
(
    FINISHED_SUCCESSFULLY,
    FINISHED_WITH_COMPILE_ERROR,
    FINISHED_EARLY_FOR_RERUN,
    FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
) = 0, 1, 2, 3
STATUS_NAMES = {0: "success", 1: "compile error", 2: "early for rerun", 3: "fragment success"}


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- the server process, seen from outside ------------------------------------------


def rss_mb(pid: int) -> float | None:
    """Resident memory of a process (``VmRSS`` of ``/proc/PID/status``), in MB."""
    try:
        import psutil  # noqa: PLC0415  (optional)

        return psutil.Process(pid).memory_info().rss / 1e6
    except ImportError:
        pass
    except Exception:  # noqa: BLE001
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024 / 1e6
    except OSError:
        return None
    return None


def cpu_seconds(pid: int, thread: int | None = None) -> float | None:
    """User plus system CPU time of a process so far (``/proc/PID/stat``), or of one of its threads."""
    try:
        stat = Path(f"/proc/{pid}/task/{thread}/stat" if thread else f"/proc/{pid}/stat")
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


# --- one session ------------------------------------------------------------------


@dataclass
class Error:
    session: int
    kind: str  # exception, st.error, script, interrupted, timeout, disconnect, open, wrong value, no slider, ref miss
    detail: str
    step: int | None = None  # None: while opening


@dataclass
class StepResult:
    session: int
    step: int
    value: str  # the slider's new value
    rerun_ms: float  # rerun sent → script_finished
    map_ms: float | None  # rerun sent → the map component's delta received
    first_ms: float | None  # rerun sent → the run's first message received (the server has started the run)
    server_status: str
    shown: bool  # the new value appears in the page's text
    map_changed: bool | None  # the map's arguments differ from the previous run's
    bytes: int  # payload received for the run
    messages: int


@dataclass
class Run:
    """What the server sent for one script run (from our rerun request to script_finished)."""

    status: int | None = None
    finished_at: float | None = None
    map_at: float | None = None
    first_at: float | None = None
    map_args: str | None = None
    texts: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)
    widget_ids: set[str] = field(default_factory=set)
    fragment_ids: set[str] = field(default_factory=set)
    bytes: int = 0
    messages: int = 0


def _date_markers(value: str) -> list[str]:
    """How the app may show a slider value in text: as given, and as a long date if it is one."""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return [value]
    return [f"{day:%d %B %Y}", f"{day.day} {day:%B %Y}", value]


def _widget_state(element, kind: str):
    """The ``WidgetState`` the frontend holds for a widget element as drawn (its value or its
    default), or None for widgets that hold no value between runs (buttons, components)."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    state = WidgetState(id=element.id)
    if kind == "slider":
        from streamlit.proto.Slider_pb2 import Slider

        if element.type == Slider.Type.SELECT_SLIDER:
            values = (
                list(element.raw_value)
                if element.set_value and element.raw_value
                else [element.options[int(i)] for i in element.default]
            )
            state.string_array_value.data[:] = values
        else:
            state.double_array_value.data[:] = (
                list(element.value) if element.set_value else list(element.default)
            )
    elif kind in ("selectbox", "radio"):
        if element.set_value and element.HasField("raw_value"):
            state.string_value = element.raw_value
        elif element.HasField("default") and 0 <= element.default < len(element.options):
            state.string_value = element.options[element.default]
        else:
            return None
    elif kind == "multiselect":
        state.string_array_value.data[:] = (
            list(element.raw_values) if element.set_value else [element.options[i] for i in element.default]
        )
    elif kind == "button_group":
        state.string_array_value.data[:] = (
            list(element.raw_values)
            if element.set_value
            else [element.options[i].content for i in element.default]
        )
    elif kind == "checkbox":
        state.bool_value = element.value if element.set_value else element.default
    else:
        return None
    return state


class Session:
    """One reader: a WebSocket speaking Streamlit's protocol, like the frontend.

    A reader task receives every ``ForwardMsg`` as it arrives (timestamped then) and
    queues it; ``open`` and ``step`` send a rerun request and consume the queue up to the
    run's ``script_finished``. Messages sent by reference (``ref_hash``) are resolved from
    the session's own forward-message cache, whose hashes go with every rerun request, as
    the frontend's do (``message_cache=False`` sends none, so the server sends everything).
    """

    def __init__(
        self, index: int, port: int, query: str = "", timeout: float = 30.0, message_cache: bool = True
    ):
        self.index, self.port, self.query, self.timeout, self.message_cache = (
            index,
            port,
            query,
            timeout,
            message_cache,
        )
        self.errors: list[Error] = []
        self.steps: list[StepResult] = []
        self.widgets: dict[str, object] = {}  # widget id → WidgetState proto
        self.widget_fragment: dict[str, str] = {}
        self.slider_id: str | None = None
        self.slider_fragment = ""
        self.options: list[str] = []
        self.position = 0
        self.direction = 1
        self.page_script_hash = ""
        self.cache: dict[str, list] = {}  # hash → [ForwardMsg, runs since last used]
        self.max_cache_age = 2
        self.open_ms: float | None = None
        self.connect_ms: float | None = None
        self.first_value: str | None = None
        self._map_args: str | None = None
        self._socket = None
        self._queue: asyncio.Queue = asyncio.Queue()
        self._reader = None
        self.closed = False

    # -- the wire --

    async def connect(self) -> None:
        import websockets

        started = time.perf_counter()
        # Subprotocols as the frontend sends them: "streamlit" (the one the server selects),
        # then the XSRF token (a placeholder: without an Origin header the server checks no
        # cookie) and, as on a first connection, no session id. Like a browser: no pings,
        # no limit on a message's size (the server's own is server.maxMessageSize).
        self._socket = await websockets.connect(
            f"ws://127.0.0.1:{self.port}/_stcore/stream",
            subprotocols=["streamlit", "PLACEHOLDER_AUTH_TOKEN"],
            max_size=None,
            ping_interval=None,
            open_timeout=self.timeout,
            close_timeout=5,
        )
        self.connect_ms = (time.perf_counter() - started) * 1000
        self._reader = asyncio.create_task(self._read(), name=f"session-{self.index}-reader")

    async def _read(self) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
        from websockets.exceptions import ConnectionClosed

        try:
            async for payload in self._socket:
                arrived = time.perf_counter()
                message = ForwardMsg()
                message.ParseFromString(payload)
                await self._queue.put((arrived, len(payload), message))
        except ConnectionClosed as closed:
            if not self.closed:
                await self._queue.put((time.perf_counter(), 0, f"connection closed: {closed}"))
        except Exception as error:  # noqa: BLE001  (reported as a disconnect)
            await self._queue.put((time.perf_counter(), 0, f"{type(error).__name__}: {error}"))
        else:
            if not self.closed:
                await self._queue.put((time.perf_counter(), 0, "connection closed by the server"))

    async def close(self) -> None:
        self.closed = True
        if self._socket is not None:
            with contextlib.suppress(Exception):
                await self._socket.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader

    def _rerun_message(self, fragment_id: str = "") -> bytes:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        message = BackMsg()
        rerun = message.rerun_script
        rerun.query_string = self.query
        rerun.page_script_hash = self.page_script_hash
        rerun.fragment_id = fragment_id
        rerun.widget_states.widgets.extend(self.widgets.values())
        if self.message_cache:
            rerun.cached_message_hashes.extend(self.cache)
        context = rerun.context_info
        context.timezone, context.timezone_offset, context.locale = "UTC", 0, "en-US"
        context.url = f"http://127.0.0.1:{self.port}/" + (f"?{self.query}" if self.query else "")
        context.is_embedded = False
        return message.SerializeToString()

    async def _run(self, fragment_id: str = "", step: int | None = None) -> tuple[float, Run]:
        """Send a rerun request; collect the run until its ``script_finished``. Returns when it was sent."""
        self._drain(step)
        payload = self._rerun_message(fragment_id)
        sent = time.perf_counter()
        await self._socket.send(payload)
        run = Run()
        deadline = sent + self.timeout
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise TimeoutError(
                    f"no script_finished within {self.timeout:.0f} s ({run.messages} messages received)"
                )
            try:
                arrived, size, message = await asyncio.wait_for(self._queue.get(), remaining)
            except asyncio.TimeoutError:
                continue
            if isinstance(message, str):
                raise ConnectionError(message)
            run.bytes += size
            run.messages += 1
            if run.first_at is None:
                run.first_at = arrived
            self._handle(message, arrived, run)
            if message.WhichOneof("type") == "script_finished":
                if message.script_finished == FINISHED_EARLY_FOR_RERUN:
                    # Another run follows this one (a rerun the app asked for): wait for it.
                    run.problems.append(("interrupted", "script_finished: early for rerun"))
                    continue
                run.status, run.finished_at = message.script_finished, arrived
                self._age_cache()
                return sent, run

    def _drain(self, step: int | None) -> None:
        """Messages that came after the last run finished: checked, then dropped."""
        run = Run()
        while not self._queue.empty():
            _, _, message = self._queue.get_nowait()
            if isinstance(message, str):
                raise ConnectionError(message)
            self._handle(message, 0.0, run)
        for kind, detail in run.problems:
            self.errors.append(Error(self.index, kind, detail, step))

    def _handle(self, message, arrived: float, run: Run) -> None:
        kind = message.WhichOneof("type")
        if kind == "ref_hash":
            cached = self.cache.get(message.ref_hash)
            if cached is None:
                run.problems.append(("ref miss", f"ref_hash {message.ref_hash} not in the session's cache"))
                return
            cached[1] = 0
            resolved = type(message)()
            resolved.CopyFrom(cached[0])
            resolved.metadata.CopyFrom(message.metadata)
            message, kind = resolved, "delta"
        elif message.metadata.cacheable and message.hash and self.message_cache:
            self.cache[message.hash] = [message, 0]
        if kind == "new_session":
            self.page_script_hash = (
                message.new_session.page_script_hash or message.new_session.main_script_hash
            )
            if message.new_session.config.max_cached_message_age:
                self.max_cache_age = message.new_session.config.max_cached_message_age
        elif kind == "page_info_changed":
            self.query = message.page_info_changed.query_string
        elif kind == "session_event" and message.session_event.HasField("script_compilation_exception"):
            error = message.session_event.script_compilation_exception
            run.problems.append(("script", f"{error.type}: {error.message}"))
        elif kind == "page_not_found":
            run.problems.append(("script", f"page not found: {message.page_not_found.page_name}"))
        elif kind == "delta":
            self._handle_delta(message, arrived, run)

    def _handle_delta(self, message, arrived: float, run: Run) -> None:
        delta = message.delta
        if delta.fragment_id:
            run.fragment_ids.add(delta.fragment_id)
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind is None:
            return
        body = getattr(element, kind)
        if kind == "exception":
            run.problems.append(("exception", f"{body.type}: {body.message}"))
        elif kind == "alert":
            from streamlit.proto.Alert_pb2 import Alert

            if body.format == Alert.ERROR:
                run.problems.append(("st.error", body.body))
        elif kind in ("markdown", "heading", "text", "caption"):
            run.texts.append(body.body)
        elif kind == "component_instance" and body.component_name == MAP_COMPONENT:
            run.map_at = arrived
            run.map_args = body.json_args
        widget_id = getattr(body, "id", "") if kind not in ("component_instance",) else ""
        if not widget_id:
            return
        run.widget_ids.add(widget_id)
        self.widget_fragment[widget_id] = delta.fragment_id
        if kind == "slider" and widget_id.endswith(f"-{SLIDER_KEY}"):
            self.slider_id, self.slider_fragment, self.options = (
                widget_id,
                delta.fragment_id,
                list(body.options),
            )
        if widget_id not in self.widgets or getattr(body, "set_value", False):
            # A widget's value is the one drawn until the reader changes it (the server may set it).
            state = _widget_state(body, kind)
            if state is not None:
                self.widgets[widget_id] = state

    def _age_cache(self) -> None:
        """The frontend's expiry: a cached message unused for more than ``max_cached_message_age`` runs is dropped."""
        for digest in list(self.cache):
            self.cache[digest][1] += 1
            if self.cache[digest][1] > self.max_cache_age:
                del self.cache[digest]

    def _forget_widgets(self, run: Run, fragment_id: str) -> None:
        """After a run, the frontend drops the states of widgets the run no longer drew."""
        for widget_id in list(self.widgets):
            in_scope = not fragment_id or self.widget_fragment.get(widget_id) == fragment_id
            if in_scope and widget_id not in run.widget_ids:
                del self.widgets[widget_id]

    def _check(self, run: Run, step: int | None, value: str | None) -> bool:
        """Errors of a finished run; whether ``value`` appears in its text."""
        for kind, detail in run.problems:
            self.errors.append(Error(self.index, kind, detail[:300], step))
        if run.status not in (FINISHED_SUCCESSFULLY, FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
            self.errors.append(
                Error(
                    self.index, "script", f"script_finished: {STATUS_NAMES.get(run.status, run.status)}", step
                )
            )
        if value is None:
            return True
        shown = any(marker in text for text in run.texts for marker in _date_markers(value))
        if not shown:
            self.errors.append(
                Error(
                    self.index,
                    "wrong value",
                    f"{value} is not shown after the step (texts: {' | '.join(run.texts)[:200]})",
                    step,
                )
            )
        return shown

    # -- what a reader does --

    async def open(self) -> None:
        """Connect and run the page once (the first full run), as a browser's first visit."""
        started = time.perf_counter()
        await self.connect()
        _, run = await self._run()
        self.open_ms = (time.perf_counter() - started) * 1000
        self._forget_widgets(run, "")
        expected = dict(parse_qsl(self.query)).get(SLIDER_KEY)
        self._check(run, None, expected)
        self._map_args = run.map_args
        if self.slider_id is None or not self.options:
            self.errors.append(
                Error(self.index, "no slider", f"no select_slider with key {SLIDER_KEY!r} in the page")
            )
            return
        current = self.widgets.get(self.slider_id)
        value = (
            current.string_array_value.data[0]
            if current is not None and current.string_array_value.data
            else self.options[-1]
        )
        self.first_value = value
        self.position = self.options.index(value) if value in self.options else len(self.options) - 1

    def slider_value(self, step: int) -> str:
        """The value the reader moves the slider to: the next day (back at the end of the timeline)."""
        if not 0 <= self.position + self.direction < len(self.options):
            self.direction = -self.direction
        self.position += self.direction
        return self.options[self.position]

    async def step(self, step: int) -> StepResult:
        """Move the slider to its next value: the fragment rerun the frontend sends."""
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        value = self.slider_value(step)
        state = WidgetState(id=self.slider_id)
        state.string_array_value.data[:] = [value]
        self.widgets[self.slider_id] = state
        # The slider is bound to the URL (bind="query-params"): the frontend puts it in the address.
        params = [(k, v) for k, v in parse_qsl(self.query, keep_blank_values=True) if k != SLIDER_KEY]
        self.query = urlencode([*params, (SLIDER_KEY, value)])
        sent, run = await self._run(self.slider_fragment, step)
        self._forget_widgets(run, self.slider_fragment)
        shown = self._check(run, step, value)
        map_changed = (
            None if run.map_args is None or self._map_args is None else run.map_args != self._map_args
        )
        if run.map_args is not None:
            self._map_args = run.map_args
        result = StepResult(
            self.index,
            step,
            value,
            (run.finished_at - sent) * 1000,
            (run.map_at - sent) * 1000 if run.map_at else None,
            (run.first_at - sent) * 1000 if run.first_at else None,
            STATUS_NAMES.get(run.status, str(run.status)),
            shown,
            map_changed,
            run.bytes,
            run.messages,
        )
        self.steps.append(result)
        return result


# --- many sessions -------------------------------------------------------------------


@dataclass
class LoadResult:
    sessions: int
    steps_each: int
    ramp_s: float
    think_s: float
    message_cache: bool
    store: str
    options: int  # days on the slider
    warm_up_ms: float | None  # the scout session's first run (the process's first, with the app's imports)
    open_ms: list[float]  # per session: connect → first full run finished
    open_phase_s: float  # first connection → every session's first run finished
    scrub_phase_s: float
    steps: list[StepResult]
    errors: list[Error]
    server_runs_ms: dict  # the server's own script execution times (from the run timer): {"full": [...], "fragment": [...]}
    rss_mb: dict  # before, opened, end, closed
    server_cpu_s: dict  # during the open phase, during scrubbing
    driver_cpu_s: float
    load_average: dict  # before, max (1 min, sampled each second), after
    server_log_problems: list[str] = field(default_factory=list)

    @property
    def rerun_ms(self) -> list[float]:
        return [s.rerun_ms for s in self.steps]

    def p(self, q: float, values: list[float] | None = None) -> float | None:
        values = self.rerun_ms if values is None else values
        return percentile(values, q) if values else None

    @property
    def met(self) -> bool:
        p95 = self.p(0.95)
        return (
            not self.errors
            and p95 is not None
            and p95 < TARGET_P95_MS
            and len(self.steps) == self.sessions * self.steps_each
        )

    def errors_by_kind(self) -> dict[str, int]:
        return dict(Counter(error.kind for error in self.errors).most_common())

    def summary(self) -> dict:
        def quantiles(values: list[float]) -> dict:
            if not values:
                return {}
            return {
                "p50": percentile(values, 0.5),
                "p90": percentile(values, 0.9),
                "p95": percentile(values, 0.95),
                "p99": percentile(values, 0.99),
                "max": max(values),
                "mean": sum(values) / len(values),
                "n": len(values),
            }

        before, opened = self.rss_mb.get("before"), self.rss_mb.get("opened")
        return {
            "sessions": self.sessions,
            "steps_each": self.steps_each,
            "steps_done": len(self.steps),
            "ramp_s": self.ramp_s,
            "think_s": self.think_s,
            "message_cache": self.message_cache,
            "store": self.store,
            "slider_days": self.options,
            "errors": len(self.errors),
            "errors_by_kind": self.errors_by_kind(),
            "rerun_ms": quantiles(self.rerun_ms),
            "map_ms": quantiles([s.map_ms for s in self.steps if s.map_ms is not None]),
            "first_message_ms": quantiles([s.first_ms for s in self.steps if s.first_ms is not None]),
            "steps_with_map": sum(s.map_ms is not None for s in self.steps),
            "steps_map_changed": sum(bool(s.map_changed) for s in self.steps),
            "kb_per_step_median": median([s.bytes / 1000 for s in self.steps]) if self.steps else None,
            "messages_per_step_median": median([s.messages for s in self.steps]) if self.steps else None,
            "open_ms": quantiles(self.open_ms),
            "warm_up_ms": self.warm_up_ms,
            "open_phase_s": self.open_phase_s,
            "scrub_phase_s": self.scrub_phase_s,
            "steps_per_s": len(self.steps) / self.scrub_phase_s if self.scrub_phase_s else None,
            "server_fragment_run_ms": quantiles(self.server_runs_ms.get("fragment", [])),
            "server_full_run_ms": quantiles(self.server_runs_ms.get("full", [])),
            "server_cpu_s": self.server_cpu_s,
            "server_cpu_ms_per_step": self.server_cpu_s["scrub"] * 1000 / len(self.steps)
            if self.steps and self.server_cpu_s.get("scrub") is not None
            else None,
            "server_main_thread_cpu_ms_per_step": self.server_cpu_s["scrub_main_thread"]
            * 1000
            / len(self.steps)
            if self.steps and self.server_cpu_s.get("scrub_main_thread") is not None
            else None,
            "driver_cpu_s": self.driver_cpu_s,
            "rss_mb": self.rss_mb,
            "rss_mb_per_session": (opened - before) / self.sessions
            if before is not None and opened is not None
            else None,
            "load_average": self.load_average,
            "server_log_problems": self.server_log_problems[:20],
            "target": {"p95_ms_below": TARGET_P95_MS, "errors": 0, "met": self.met},
        }

    def markdown(self) -> str:
        s = self.summary()

        def q(values: dict, *keys: str) -> str:
            return ", ".join(f"{key} {values[key]:.0f}" for key in keys) + " ms" if values else "n/a"

        def mb(value: float | None) -> str:
            return f"{value:.0f} MB" if value is not None else "n/a"

        rss, load, cpu, main = (
            s["rss_mb"],
            s["load_average"],
            s["server_cpu_ms_per_step"],
            s["server_main_thread_cpu_ms_per_step"],
        )
        errors = f"{s['errors']}" + (
            f" ({', '.join(f'{kind}: {n}' for kind, n in s['errors_by_kind'].items())})"
            if s["errors"]
            else ""
        )
        opened = q(s["open_ms"], "p50", "p95", "max") + f"; all open in {self.open_phase_s:.1f} s"
        if self.warm_up_ms:
            opened += f"; the warm-up session's (the process's first run) {self.warm_up_ms / 1000:.1f} s"
        throughput = (
            f"{s['steps_per_s']:.1f} steps/s over {self.scrub_phase_s:.0f} s" if s["steps_per_s"] else "n/a"
        )
        if cpu is not None:
            throughput += f"; server CPU {cpu:.0f} ms a step" + (
                f" ({main:.0f} ms of it on the main thread: event loop, WebSockets)"
                if main is not None
                else ""
            )
        if s["kb_per_step_median"] is not None:
            throughput += f"; {s['messages_per_step_median']:.0f} messages, {s['kb_per_step_median']:.0f} KB received a step (median)"
        memory = f"before {mb(rss.get('before'))}, all open {mb(rss.get('opened'))}, end {mb(rss.get('end'))}, closed {mb(rss.get('closed'))}"
        if s["rss_mb_per_session"] is not None:
            memory += f"; {s['rss_mb_per_session']:.1f} MB a session"
        rows = [
            (
                "sessions × steps",
                f"{self.sessions} × {self.steps_each} ({s['steps_done']} steps done), opened within {self.ramp_s:g} s, "
                f"think time {self.think_s:g} s; {self.options} days on the slider",
            ),
            ("errors", errors),
            (
                "rerun latency (rerun sent → `script_finished`)",
                q(s["rerun_ms"], "p50", "p90", "p95", "p99", "max"),
            ),
            ("rerun sent → first message of the run", q(s["first_message_ms"], "p50", "p95", "max")),
            (
                "rerun sent → map (`st_folium` delta)",
                q(s["map_ms"], "p50", "p95", "max") + f"; {s['steps_with_map']} of {s['steps_done']} steps "
                f"sent the map, {s['steps_map_changed']} a changed one",
            ),
            (
                "server's fragment run (script execution, the run timer)",
                q(s["server_fragment_run_ms"], "p50", "p95", "max"),
            ),
            ("first full run per session (connect → `script_finished`)", opened),
            ("throughput", throughput),
            ("server RSS", memory),
            (
                "load average (1 min)",
                f"before {load['before']:.1f}, max {load['max']:.1f} during, after {load['after']:.1f}",
            ),
            ("target: 0 errors, p95 rerun < 1 s", "met" if self.met else "**not met**"),
        ]
        return "\n".join(
            ["| what | measured |", "|---|---|", *(f"| {what} | {value} |" for what, value in rows)]
        )


class _LoadSampler:
    """The 1-minute load average, sampled every second."""

    def __init__(self):
        self.samples: list[float] = []

    async def run(self) -> None:
        while True:
            self.samples.append(os.getloadavg()[0])
            await asyncio.sleep(1)


async def _drive(
    port: int,
    pid: int,
    starts: list[str],
    steps: int,
    ramp: float,
    think: float,
    timeout: float,
    message_cache: bool,
    session_class: type[Session],
    report,
) -> dict:
    sampler = _LoadSampler()
    sampling = asyncio.create_task(sampler.run())
    sessions = [
        session_class(index, port, urlencode({SLIDER_KEY: start}) if start else "", timeout, message_cache)
        for index, start in enumerate(starts)
    ]
    count = len(sessions)
    rng = random.Random(6)
    result: dict = {"sessions": sessions, "rss_mb": {"before": rss_mb(pid)}}
    alive: list[Session] = []

    async def open_one(session: Session) -> None:
        await asyncio.sleep(ramp * session.index / count)
        try:
            await session.open()
        except Exception as error:  # noqa: BLE001  (counted)
            kind = (
                "timeout"
                if isinstance(error, TimeoutError)
                else "disconnect"
                if isinstance(error, ConnectionError)
                else "open"
            )
            session.errors.append(
                Error(session.index, kind, f"while opening: {type(error).__name__}: {error}")
            )
            await session.close()
            return
        if session.slider_id is not None:
            alive.append(session)

    cpu_start = cpu_seconds(pid)
    started = time.perf_counter()
    await asyncio.gather(*(open_one(session) for session in sessions))
    result["open_phase_s"] = time.perf_counter() - started
    cpu_opened = cpu_seconds(pid)
    await asyncio.sleep(0.5)
    result["rss_mb"]["opened"] = rss_mb(pid)
    report(
        f"{len(alive)} of {count} sessions open in {result['open_phase_s']:.1f} s; server RSS {result['rss_mb']['opened']:.0f} MB; scrubbing {steps} steps each"
    )

    done = Counter()

    async def scrub(session: Session) -> None:
        # The same ramp as the opening, so that the sessions do not all send their first step at once.
        await asyncio.sleep(ramp * session.index / count)
        for index in range(steps):
            try:
                await session.step(index)
            except Exception as error:  # noqa: BLE001  (counted; the session stops)
                kind = (
                    "timeout"
                    if isinstance(error, TimeoutError)
                    else "disconnect"
                    if isinstance(error, ConnectionError)
                    else "step"
                )
                session.errors.append(Error(session.index, kind, f"{type(error).__name__}: {error}", index))
                await session.close()
                return
            done["steps"] += 1
            if think:
                await asyncio.sleep(think * rng.uniform(0.5, 1.5))

    async def tell() -> None:
        while True:
            await asyncio.sleep(10)
            report(f"  {done['steps']} of {len(alive) * steps} steps done")

    telling = asyncio.create_task(tell())
    cpu_scrub, main_scrub = cpu_seconds(pid), cpu_seconds(pid, thread=pid)
    started = time.perf_counter()
    await asyncio.gather(*(scrub(session) for session in alive))
    result["scrub_phase_s"] = time.perf_counter() - started
    cpu_end, main_end = cpu_seconds(pid), cpu_seconds(pid, thread=pid)
    telling.cancel()
    result["rss_mb"]["end"] = rss_mb(pid)
    await asyncio.gather(*(session.close() for session in sessions))
    await asyncio.sleep(2)
    result["rss_mb"]["closed"] = rss_mb(pid)
    sampling.cancel()
    result["load_max"] = max(sampler.samples) if sampler.samples else os.getloadavg()[0]
    result["server_cpu_s"] = {
        "open": cpu_opened - cpu_start if None not in (cpu_opened, cpu_start) else None,
        "scrub": cpu_end - cpu_scrub if None not in (cpu_end, cpu_scrub) else None,
        # The main thread runs the event loop: the WebSockets, every message in and out, the runtime's dispatch.
        "scrub_main_thread": main_end - main_scrub if None not in (main_end, main_scrub) else None,
    }
    return result


def _run_async(coroutine):
    """``asyncio.run`` in a thread of its own: the caller may be inside another event loop
    (``benchmarks/run.py`` drives Chromium with Playwright's sync API, which keeps one).
    A daemon thread, so that an interrupted run does not wait for the sessions to end."""
    import threading

    outcome: dict = {}

    def run() -> None:
        try:
            outcome["value"] = asyncio.run(coroutine)
        except BaseException as error:  # noqa: BLE001  (re-raised in the caller's thread)
            outcome["error"] = error

    thread = threading.Thread(target=run, name="load-driver", daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def _scout(server: Server, timeout: float) -> tuple[list[str], float]:
    """One session before the measured ones: the process's first run (imports, the store
    opened, caches filled) and the slider's days, so the readers can start on different days."""

    async def scout() -> tuple[list[str], float, list[Error]]:
        session = Session(-1, server.port, timeout=max(timeout, 120.0))
        try:
            await session.open()
        finally:
            await session.close()
        return session.options, session.open_ms, session.errors

    options, open_ms, errors = _run_async(scout())
    if errors or not options:
        logged = "\n".join(_log_problems(server))[-4000:]
        raise RuntimeError(
            f"the warm-up session failed: {[asdict(e) for e in errors] or 'no date slider found'}"
            + (f"\nserver log:\n{logged}" if logged else "")
        )
    return options, open_ms


def _log_problems(server: Server) -> list[str]:
    """The server log's entries (a timestamped line and what follows it) that report an error or a traceback."""
    import re

    try:
        text = server.log_path.read_text(errors="replace")
    except OSError:
        return []
    entries = re.split(r"\n(?=\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)", text)
    return [
        entry.strip()
        for entry in entries
        if "Traceback" in entry or " ERROR " in entry or "Exception" in entry
    ]


def drive(
    server: Server,
    sessions: int,
    steps: int,
    *,
    ramp: float = 5.0,
    think: float = 0.0,
    timeout: float = 30.0,
    message_cache: bool = True,
    session_class: type[Session] = Session,
    store: str = "",
    report=progress,
) -> LoadResult:
    """Drive ``sessions`` readers against a running ``Server``, each taking ``steps`` slider steps.

    Each session opens on a different day, spread over the slider; steps go to the next
    day (back from the end of the timeline). Sessions open within ``ramp`` seconds, then
    all scrub at once (started over ``ramp`` again), each waiting for its run to finish
    and ``think`` seconds (± 50 %) before its next step.
    """
    pid = server.process.pid
    report(f"warm-up session (the process's first run) on {server.url}")
    options, warm_up_ms = _scout(server, timeout)
    report(f"  {warm_up_ms / 1000:.1f} s; {len(options)} days on the slider")
    starts = [options[(index * len(options)) // sessions] for index in range(sessions)]
    load_before = os.getloadavg()[0]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    driver_cpu = usage.ru_utime + usage.ru_stime
    wall = time.time()
    raw = _run_async(
        _drive(server.port, pid, starts, steps, ramp, think, timeout, message_cache, session_class, report)
    )
    usage = resource.getrusage(resource.RUSAGE_SELF)
    runs = server.runs(since=wall)
    result = LoadResult(
        sessions=sessions,
        steps_each=steps,
        ramp_s=ramp,
        think_s=think,
        message_cache=message_cache,
        store=store,
        options=len(options),
        warm_up_ms=warm_up_ms,
        open_ms=[s.open_ms for s in raw["sessions"] if s.open_ms is not None],
        open_phase_s=raw["open_phase_s"],
        scrub_phase_s=raw["scrub_phase_s"],
        steps=[step for s in raw["sessions"] for step in s.steps],
        errors=[error for s in raw["sessions"] for error in s.errors],
        server_runs_ms={
            "full": [r.ms for r in runs if r.kind == "full"],
            "fragment": [r.ms for r in runs if r.kind == "fragment"],
        },
        rss_mb=raw["rss_mb"],
        server_cpu_s=raw["server_cpu_s"],
        driver_cpu_s=usage.ru_utime + usage.ru_stime - driver_cpu,
        load_average={"before": load_before, "max": raw["load_max"], "after": os.getloadavg()[0]},
        server_log_problems=_log_problems(server),
    )
    missing = sessions * steps - len(result.steps)
    if missing and not result.errors:  # every step not taken has an error behind it; this would be a bug here
        result.errors.append(Error(-1, "missing steps", f"{missing} steps not taken"))
    return result


# --- the store -----------------------------------------------------------------------


def prepare_store(store: str | None, files: int | None, folder: Path) -> tuple[str, str]:
    """The store's URL and a description: an existing file or URL, an import, or a fresh store the app seeds."""
    from benchmarks.import_archive import DEFAULT_FOLDER, import_seconds

    if store and "://" in store:
        return store, store
    if store and Path(store).is_file():
        path = Path(store).resolve()
        return f"sqlite:///{path}", f"{path} (existing)"
    if store is None and files is None:
        path = folder / "embedded.db"
        return f"sqlite:///{path}", "a fresh store with the app's embedded data"
    archive = sorted(DEFAULT_FOLDER.glob("*.geojson"))
    if not archive:
        raise SystemExit(
            f"benchmarks.load: the DeepStateMap archive is not at {DEFAULT_FOLDER}; give an existing --store"
        )
    chosen = archive[:files] if files else archive
    path = Path(store).resolve() if store else folder / "archive.db"
    progress(
        f"importing {len(chosen)} files of {DEFAULT_FOLDER} into {path} (the CLI's import; about 60 ms a file)"
    )
    seconds, summary, _ = import_seconds(chosen, path)
    progress(f"  {seconds:.0f} s: {summary}")
    return f"sqlite:///{path}", f"{path} ({len(chosen)} files imported{'' if store else ', temporary'})"


def parser() -> argparse.ArgumentParser:
    arguments = argparse.ArgumentParser(prog="python -m benchmarks.load", description=__doc__.splitlines()[0])
    arguments.add_argument(
        "--store",
        metavar="PATH_OR_URL",
        help="SQLite file (reused if it exists, else the archive is imported into it and kept) or SQLAlchemy URL; "
        "default: a temporary store, imported with --files, else the app's embedded data",
    )
    arguments.add_argument(
        "--files",
        type=int,
        metavar="N",
        help="import only the first N files of the archive (with a new store)",
    )
    arguments.add_argument("--sessions", type=int, default=50, help="concurrent sessions (default 50)")
    arguments.add_argument("--steps", type=int, default=20, help="slider steps per session (default 20)")
    arguments.add_argument(
        "--ramp",
        type=float,
        default=5.0,
        help="seconds over which the sessions open, and start scrubbing (default 5)",
    )
    arguments.add_argument(
        "--think",
        type=float,
        default=0.0,
        help="seconds a session waits after each step (± 50 %%; default 0: the next step as soon as the run finished)",
    )
    arguments.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="seconds a run may take before the step counts as an error (default 30)",
    )
    arguments.add_argument("--port", type=int, help="port for the server (default: a free one)")
    arguments.add_argument(
        "--no-message-cache",
        action="store_true",
        help="claim no cached messages, so the server sends every message in full",
    )
    arguments.add_argument(
        "--json", type=Path, metavar="FILE", help="write the summary and every step and error to FILE"
    )
    return arguments


def _terminated(signum, frame) -> None:
    raise SystemExit(128 + signum)  # so that the server and the temporary store are cleaned up


def main(argv: list[str] | None = None) -> int:
    import signal

    options = parser().parse_args(argv)
    signal.signal(signal.SIGTERM, _terminated)
    with temp_folder("frontline-load-") as folder_name:
        folder = Path(folder_name)
        url, described = prepare_store(options.store, options.files, folder)
        progress(f"store: {described}; starting streamlit")
        server = Server(url, folder, name="load", **({"port": options.port} if options.port else {}))
        try:
            progress(f"server up in {server.start_seconds:.1f} s on {server.url} (pid {server.process.pid})")
            result = drive(
                server,
                options.sessions,
                options.steps,
                ramp=options.ramp,
                think=options.think,
                timeout=options.timeout,
                message_cache=not options.no_message_cache,
                store=described,
            )
        finally:
            server.stop()
        if result.errors:
            for error in result.errors[:20]:
                progress(f"error: session {error.session}, step {error.step}: {error.kind}: {error.detail}")
            if result.server_log_problems:
                progress("server log:\n" + "\n".join(result.server_log_problems[:5])[-6000:])
    print(f"\nLoad test: {options.sessions} sessions × {options.steps} steps on {described}\n")
    print(result.markdown(), flush=True)
    if options.json:
        options.json.write_text(
            json.dumps(
                {
                    "summary": result.summary(),
                    "steps": [asdict(s) for s in result.steps],
                    "errors": [asdict(e) for e in result.errors],
                    "open_ms": result.open_ms,
                    "server_runs_ms": result.server_runs_ms,
                    "argv": sys.argv[1:],
                },
                indent=2,
                default=str,
            )
            + "\n",
            encoding="utf-8",
        )
        progress(f"written to {options.json}")
    return 1 if result.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
