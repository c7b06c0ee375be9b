"""One reader of the load test: a WebSocket session speaking Streamlit's protocol, as the
frontend does, that opens the reader's page and pauses on dates of the map's timeline."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl

from benchmarks.protocol import (
    FINISHED_EARLY_FOR_RERUN,
    FINISHED_FRAGMENT_RUN_SUCCESSFULLY,
    FINISHED_SUCCESSFULLY,
    STATUS_NAMES,
    Run,
    component_data,
    component_state,
    trigger_state,
    widget_state,
)

__all__ = [
    "DATE_PARAM",
    "DRAWN_STATE",
    "MAP_KEY",
    "PAUSE_EVENT",
    "Error",
    "Session",
    "StepResult",
    "figures_heading",
]

#: The reader's map (``views/readermap.py``): a components-v2 element with this ``key``
#: (its id ends with ``-<key>``), which sends the day the reader paused on as the trigger
#: value ``PAUSE_EVENT``, and once it has first drawn a map the state value
#: ``DRAWN_STATE`` (true), until which the page holds back its panel.
MAP_KEY = "reader_map"
PAUSE_EVENT = "date"
DRAWN_STATE = "drawn"
#: The address's date (``?date=``), which the page sets to the day it shows.
DATE_PARAM = "date"


@dataclass
class Error:
    session: int
    # exception, st.error, script, interrupted, timeout, disconnect, open, wrong date,
    # no map, ref miss
    kind: str
    detail: str
    step: int | None = None  # the pause's number; None: while opening


@dataclass
class StepResult:
    """One pause-update: the reader paused on a new day, the page reran for it."""

    session: int
    step: int
    value: str  # the day paused on (ISO)
    rerun_ms: float  # trigger sent → script_finished
    map_ms: float | None  # trigger sent → the map component's element received
    first_ms: float | None  # trigger sent → the run's first message received (the server has started the run)
    server_status: str
    shown: bool  # the panel shows the day ("Figures for <long date>") and the map was given it
    map_changed: bool | None  # the map's data differ from the previous run's
    bytes: int  # payload received for the run
    messages: int


def figures_heading(day: str) -> str:
    """The panel's heading for ``day`` (``views/pages/reader.py``), e.g. ``Figures for 25 November 2024``."""
    from layers.style import long_date

    try:
        return f"Figures for {long_date(dt.date.fromisoformat(day))}"
    except ValueError:
        return f"Figures for {day}"


class Session:
    """One reader: a WebSocket speaking Streamlit's protocol, like the frontend.

    A reader task receives every ``ForwardMsg`` as it arrives (timestamped then) and
    queues it; ``open`` and ``pause`` send a rerun request and consume the queue up to the
    run's ``script_finished``. Messages sent by reference (``ref_hash``) are resolved from
    the session's own forward-message cache, whose hashes go with every rerun request, as
    the frontend's do (``message_cache=False`` sends none, so the server sends everything).

    ``days`` are the days the reader pauses on, in order (ISO dates; ``pause_value``).
    """

    #: The trigger's name (``PAUSE_EVENT``; a subclass may send another, as a broken map would).
    pause_event = PAUSE_EVENT

    def __init__(
        self,
        index: int,
        port: int,
        query: str = "",
        timeout: float = 30.0,
        message_cache: bool = True,
        days: list[str] | None = None,
    ):
        self.index, self.port, self.query, self.timeout, self.message_cache = (
            index,
            port,
            query,
            timeout,
            message_cache,
        )
        self.days = list(days or [])
        self.errors: list[Error] = []
        self.steps: list[StepResult] = []
        self.widgets: dict[str, object] = {}  # widget id → WidgetState proto
        self.widget_fragment: dict[str, str] = {}
        self.map_id: str | None = None  # the map component's element id
        self.map_fragment = ""
        self.map_data: dict = {}  # the map component's data as last sent (its settings)
        self.map_state: dict = {}  # the map component's state values, as the frontend holds them
        self.day: str | None = None  # the day the page shows
        self.page_script_hash = ""
        self.cache: dict[str, list] = {}  # hash → [ForwardMsg, runs since last used]
        self.max_cache_age = 2
        self.open_ms: float | None = None  # connect → the run after "drawn" finished (the panel shown)
        self.first_run_ms: float | None = None  # connect → the first run finished (the map, no panel yet)
        self.connect_ms: float | None = None
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

    def _rerun_message(self, fragment_id: str = "", triggers: tuple = ()) -> bytes:
        from streamlit.proto.BackMsg_pb2 import BackMsg

        message = BackMsg()
        rerun = message.rerun_script
        rerun.query_string = self.query
        rerun.page_script_hash = self.page_script_hash
        rerun.fragment_id = fragment_id
        rerun.widget_states.widgets.extend([*self.widgets.values(), *triggers])
        if self.message_cache:
            rerun.cached_message_hashes.extend(self.cache)
        context = rerun.context_info
        context.timezone, context.timezone_offset, context.locale = "UTC", 0, "en-US"
        context.url = f"http://127.0.0.1:{self.port}/" + (f"?{self.query}" if self.query else "")
        context.is_embedded = False
        return message.SerializeToString()

    async def _run(
        self, fragment_id: str = "", step: int | None = None, triggers: tuple = ()
    ) -> tuple[float, Run]:
        """Send a rerun request (with ``triggers``: widget states sent this once); collect
        the run until its ``script_finished``. Returns when it was sent."""
        self._drain(step)
        payload = self._rerun_message(fragment_id, triggers)
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
            if not self.page_script_hash:
                self.page_script_hash = (
                    message.new_session.page_script_hash or message.new_session.main_script_hash
                )
            if message.new_session.config.max_cached_message_age:
                self.max_cache_age = message.new_session.config.max_cached_message_age
        elif kind == "navigation" and message.navigation.page_script_hash:
            # The page st.navigation ran (the reader's, at "/"): the frontend sends its hash
            # with every rerun. The app's own script's hash instead is taken for a page
            # switch, which drops the page's component state and its trigger with it.
            self.page_script_hash = message.navigation.page_script_hash
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
        elif kind == "bidi_component" and body.id.endswith(f"-{MAP_KEY}"):
            run.map_at = arrived
            run.map_args = component_data(body)
            self.map_id, self.map_fragment = body.id, delta.fragment_id
        widget_id = getattr(body, "id", "") if kind not in ("component_instance",) else ""
        if not widget_id:
            return
        run.widget_ids.add(widget_id)
        self.widget_fragment[widget_id] = delta.fragment_id
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

    def _check(self, run: Run, step: int | None, day: str | None, panel: bool = True) -> bool:
        """Errors of a finished run; whether it showed ``day``: the map given it as its
        date and (``panel``) the panel's heading for it in the page's text."""
        for kind, detail in run.problems:
            self.errors.append(Error(self.index, kind, detail[:300], step))
        if run.status not in (FINISHED_SUCCESSFULLY, FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
            self.errors.append(
                Error(
                    self.index, "script", f"script_finished: {STATUS_NAMES.get(run.status, run.status)}", step
                )
            )
        if run.map_args is not None:
            try:
                self.map_data = json.loads(run.map_args)
            except ValueError:
                self.map_data = {}
        if day is None:
            return True
        heading = figures_heading(day)
        in_text = not panel or any(heading in text for text in run.texts)
        on_map = run.map_args is not None and self.map_data.get("date") == day
        if not in_text or not on_map:
            missing = " and ".join(
                what
                for what, ok in (
                    (f"{heading!r} not in the page's text", in_text),
                    (f"the map was given {self.map_data.get('date') if run.map_args else 'nothing'}", on_map),
                )
                if not ok
            )
            self.errors.append(
                Error(
                    self.index,
                    "wrong date",
                    f"{day}: {missing} (texts: {' | '.join(run.texts)[:200]})",
                    step,
                )
            )
            return False
        self.day = day
        return True

    async def open(self) -> None:
        """A browser's first visit, at the address's ``date`` if it has one: connect, run
        the page (the map, the panel held back), then the rerun the frontend sends once the
        map has drawn (the component's state value ``DRAWN_STATE``), which adds the panel."""
        started = time.perf_counter()
        await self.connect()
        _, run = await self._run()
        self.first_run_ms = (time.perf_counter() - started) * 1000
        self._forget_widgets(run, "")
        linked = dict(parse_qsl(self.query)).get(DATE_PARAM)
        self._check(run, None, linked, panel=False)
        self._map_args = run.map_args
        if self.map_id is None:
            self.errors.append(Error(self.index, "no map", f"no components-v2 element with key {MAP_KEY!r}"))
            return
        self.set_map_state(DRAWN_STATE, True)
        _, run = await self._run(self.map_fragment)
        self.open_ms = (time.perf_counter() - started) * 1000
        self._forget_widgets(run, self.map_fragment)
        self._check(run, None, linked or self.map_data.get("date"))
        self._map_args = run.map_args or self._map_args
        self.day = self.map_data.get("date") or linked

    def set_map_state(self, name: str, value) -> None:
        """What the frontend does when the map calls ``setStateValue(name, value)``: the
        value merged into the component's state, which every later request carries (this
        one's rerun is the caller's)."""
        if self.map_id is None:
            raise RuntimeError("the map component was not found when the page opened")
        self.map_state = {**self.map_state, name: value}
        self.widgets[self.map_id] = component_state(self.map_id, self.map_state)

    def pause_value(self, step: int) -> str:
        """The day the reader pauses on at pause ``step``: the session's ``days``, in turn."""
        return self.days[step % len(self.days)]

    async def pause(self, step: int) -> StepResult:
        """The reader paused on a new day: the rerun request the frontend sends when the map
        calls ``setTriggerValue("date", day)``. Every widget state the session holds, plus
        the component's trigger state, this once; the component's fragment (none: the page's
        full run); the query string as the address has it (the server then sets the new
        ``date``)."""
        if self.map_id is None:
            raise RuntimeError("the map component was not found when the page opened")
        value = self.pause_value(step)
        trigger = trigger_state(self.map_id, self.pause_event, value)
        sent, run = await self._run(self.map_fragment, step, (trigger,))
        self._forget_widgets(run, self.map_fragment)
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
