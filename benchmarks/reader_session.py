"""One reader of the load test: a WebSocket session speaking Streamlit's protocol, as the
frontend does, that opens the page and moves the date slider."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from benchmarks.protocol import (
    FINISHED_EARLY_FOR_RERUN,
    FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
    FINISHED_SUCCESSFULLY,
    STATUS_NAMES,
    Run,
    widget_state,
)

__all__ = ["MAP_COMPONENT", "SLIDER_KEY", "Error", "Session", "StepResult"]

#: The date slider's ``key`` in app.py; its widget id ends with ``-<key>``.
SLIDER_KEY = "date"
MAP_COMPONENT = "streamlit_folium.st_folium"


@dataclass
class Error:
    session: int
    # exception, st.error, script, interrupted, timeout, disconnect, open, wrong value,
    # no slider, ref miss
    kind: str
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


def _date_markers(value: str) -> list[str]:
    """How the app may show a slider value in text: as given, and as a long date if it is one."""
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return [value]
    return [f"{day:%d %B %Y}", f"{day.day} {day:%B %Y}", value]


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
            except TimeoutError:
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
            state = widget_state(body, kind)
            if state is not None:
                self.widgets[widget_id] = state

    def _age_cache(self) -> None:
        """The frontend's expiry: a cached message unused for more than
        ``max_cached_message_age`` runs is dropped."""
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
