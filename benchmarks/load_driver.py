"""The load driver: many reader sessions against one running server, timed and watched
from outside (the server's CPU time, memory and log, the machine's load)."""

from __future__ import annotations

import asyncio
import datetime as dt
import gzip
import json
import os
import random
import resource
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlencode

from benchmarks.browser import Server, progress
from benchmarks.load_result import LoadResult
from benchmarks.reader_session import DATE_PARAM, Error, Session

__all__ = ["cpu_seconds", "drive", "pause_days", "rss_mb"]


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
    plans: list[list[str]],
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
        session_class(
            index, port, urlencode({DATE_PARAM: start}) if start else "", timeout, message_cache, days=plan
        )
        for index, (start, plan) in enumerate(zip(starts, plans, strict=True))
    ]
    count = len(sessions)
    steps = len(plans[0]) if plans else 0
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
        if session.map_id is not None:
            alive.append(session)

    cpu_start = cpu_seconds(pid)
    started = time.perf_counter()
    await asyncio.gather(*(open_one(session) for session in sessions))
    result["open_phase_s"] = time.perf_counter() - started
    cpu_opened = cpu_seconds(pid)
    await asyncio.sleep(0.5)
    result["rss_mb"]["opened"] = rss_mb(pid)
    report(
        f"{len(alive)} of {count} sessions open in {result['open_phase_s']:.1f} s; "
        f"server RSS {result['rss_mb']['opened']:.0f} MB; {steps} pauses each"
    )

    done = Counter()

    async def read(session: Session) -> None:
        # The same ramp as the opening, so that the sessions do not all pause at once; then
        # before each pause the reader scrubs in the browser (no request) for the think time.
        rng = random.Random(6 + session.index)
        await asyncio.sleep(ramp * session.index / count)
        for index in range(steps):
            if think:
                await asyncio.sleep(think * rng.uniform(0.5, 1.5))
            try:
                await session.pause(index)
            except Exception as error:  # noqa: BLE001  (counted; the session stops)
                kind = (
                    "timeout"
                    if isinstance(error, TimeoutError)
                    else "disconnect"
                    if isinstance(error, ConnectionError)
                    else "pause"
                )
                session.errors.append(Error(session.index, kind, f"{type(error).__name__}: {error}", index))
                await session.close()
                return
            done["steps"] += 1

    async def tell() -> None:
        while True:
            await asyncio.sleep(10)
            report(f"  {done['steps']} of {len(alive) * steps} pauses done")

    telling = asyncio.create_task(tell())
    cpu_pauses, main_pauses = cpu_seconds(pid), cpu_seconds(pid, thread=pid)
    result["pause_wall"] = time.time()
    started = time.perf_counter()
    await asyncio.gather(*(read(session) for session in alive))
    result["pause_phase_s"] = time.perf_counter() - started
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
        "pauses": cpu_end - cpu_pauses if None not in (cpu_end, cpu_pauses) else None,
        # The main thread runs the event loop: the WebSockets, every message in and out,
        # the runtime's dispatch.
        "pauses_main_thread": main_end - main_pauses if None not in (main_end, main_pauses) else None,
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


def _fetch(url: str, timeout: float = 10.0) -> bytes | None:
    """The body of ``url``, or None if it is not there (404)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read()
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


def _timeline(server: Server, pack: str, wait: float, report) -> tuple[list[str], float]:
    """Every day of the store's timeline (``views.appdata.timeline_dates``: first to last
    snapshot day), from the index of the map's pack, once the pack is complete (its
    ``ready`` file): the first visit on a store revision starts building it in a background
    thread of the server, which would otherwise compete with the measured sessions.
    Returns the days and the seconds waited."""
    base = server.url + pack
    started = time.perf_counter()
    told = started
    while _fetch(base + "ready") is None:
        now = time.perf_counter()
        if now - started > wait:
            raise RuntimeError(f"the map's pack {pack} was not complete within {wait:.0f} s")
        if now - told >= 30:
            report(f"  waiting for the map's pack to be built ({now - started:.0f} s)")
            told = now
        time.sleep(1)
    waited = time.perf_counter() - started
    raw = _fetch(base + "index.json.gz")
    if raw is None:
        raise RuntimeError(f"the map's pack {pack} has no index.json.gz")
    index = json.loads(gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw)
    first, last = (dt.date.fromisoformat(day) for day in index["days"])
    return [(first + dt.timedelta(days=n)).isoformat() for n in range((last - first).days + 1)], waited


def _scout(server: Server, timeout: float, pack_wait: float, report) -> dict:
    """One session before the measured ones: the process's first run (imports, the store
    opened, caches filled, the map's pack built if it was not), the timeline's days (so the
    readers can pause on different days), then one pause of its own (the process's first
    pause-update)."""

    def failed(what: str, errors: list[Error]) -> RuntimeError:
        logged = "\n".join(_log_problems(server))[-4000:]
        return RuntimeError(
            f"the warm-up session failed ({what}): {[asdict(e) for e in errors]}"
            + (f"\nserver log:\n{logged}" if logged else "")
        )

    async def scout() -> dict:
        session = Session(-1, server.port, timeout=max(timeout, 120.0))
        try:
            await session.open()
            pack = session.map_data.get("pack")
            if session.errors or not pack:
                raise failed(
                    "opening", session.errors or [Error(-1, "no map", "no map component, or no pack")]
                )
            days, waited = await asyncio.to_thread(_timeline, server, pack, pack_wait, report)
            # A day far from the one shown (the latest).
            middle = days[len(days) // 2]
            session.days = [middle if session.day != middle else days[0]]
            await session.pause(0)
            if session.errors:
                raise failed("pausing", session.errors)
        finally:
            await session.close()
        return {
            "days": days,
            "open_ms": session.open_ms,
            "pack_wait_s": waited,
            "pause_ms": session.steps[0].rerun_ms,
        }

    return _run_async(scout())


def pause_days(days: list[str], sessions: int, pauses: int) -> tuple[list[str], list[list[str]]]:
    """Where each session opens (``?date=``) and the days it pauses on, spread over the
    timeline ``days``: session ``i`` opens on day ``i × T / N`` and its pause ``j`` takes
    slot ``j × N + i`` of ``N × K`` slots evenly spread over the timeline (half a slot
    past its start), so that every session ranges over the whole timeline, the sessions
    pause on different days (all different while ``N × K ≤ T``) and, at any moment,
    nearby ones. A day equal to the one the session shows is moved on by one: every pause
    is onto a new day."""
    count = len(days)
    slots = sessions * pauses
    starts = [days[(index * count) // sessions] for index in range(sessions)]
    plans = []
    for index in range(sessions):
        shown, plan = starts[index], []
        for pause in range(pauses):
            position = ((2 * (pause * sessions + index) + 1) * count) // (2 * slots)
            if days[position] == shown:
                position = (position + 1) % count
            shown = days[position]
            plan.append(shown)
        plans.append(plan)
    return starts, plans


def _log_problems(server: Server) -> list[str]:
    """The server log's entries (a timestamped line and what follows it) that report an
    error or a traceback."""
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
    think: float = 5.0,
    timeout: float = 30.0,
    message_cache: bool = True,
    session_class: type[Session] = Session,
    store: str = "",
    pack_wait: float = 600.0,
    report=progress,
) -> LoadResult:
    """Drive ``sessions`` readers against a running ``Server``, each pausing ``steps`` times.

    A warm-up session opens the page first (not counted), waits for the map's pack to be
    complete, reads the timeline's days from it and pauses once. Each session then opens
    on a different day (``?date=``), spread over the timeline, within ``ramp`` seconds;
    once all are open, each (started over ``ramp`` again) scrubs for ``think`` seconds
    (± 50 %: in the browser, no request) and pauses on a new day (``pause_days``), waits
    for the page's run to finish, and again, ``steps`` times.
    """
    pid = server.process.pid
    report(f"warm-up session (the process's first run) on {server.url}")
    scout = _scout(server, timeout, pack_wait, report)
    days = scout["days"]
    report(
        f"  opened in {scout['open_ms'] / 1000:.1f} s; the map's pack complete after "
        f"{scout['pack_wait_s']:.0f} s more; its first pause {scout['pause_ms']:.0f} ms; "
        f"{len(days)} days on the timeline"
    )
    starts, plans = pause_days(days, sessions, steps)
    load_before = os.getloadavg()[0]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    driver_cpu = usage.ru_utime + usage.ru_stime
    wall = time.time()
    raw = _run_async(
        _drive(server.port, pid, starts, plans, ramp, think, timeout, message_cache, session_class, report)
    )
    usage = resource.getrusage(resource.RUSAGE_SELF)
    runs = server.runs(since=wall)
    pausing = raw["pause_wall"]
    result = LoadResult(
        sessions=sessions,
        steps_each=steps,
        ramp_s=ramp,
        think_s=think,
        message_cache=message_cache,
        store=store,
        options=len(days),
        warm_up_ms=scout["open_ms"],
        open_ms=[s.open_ms for s in raw["sessions"] if s.open_ms is not None],
        first_run_ms=[s.first_run_ms for s in raw["sessions"] if s.first_run_ms is not None],
        open_phase_s=raw["open_phase_s"],
        pause_phase_s=raw["pause_phase_s"],
        steps=[step for s in raw["sessions"] for step in s.steps],
        errors=[error for s in raw["sessions"] for error in s.errors],
        server_runs_ms={
            "open": [r.ms for r in runs if r.kind == "full" and r.started < pausing],
            "pause": [r.ms for r in runs if r.kind == "full" and r.started >= pausing],
            "fragment": [r.ms for r in runs if r.kind == "fragment"],
        },
        rss_mb=raw["rss_mb"],
        server_cpu_s=raw["server_cpu_s"],
        driver_cpu_s=usage.ru_utime + usage.ru_stime - driver_cpu,
        load_average={"before": load_before, "max": raw["load_max"], "after": os.getloadavg()[0]},
        server_log_problems=_log_problems(server),
        pack_wait_s=scout["pack_wait_s"],
        warm_up_pause_ms=scout["pause_ms"],
    )
    missing = sessions * steps - len(result.steps)
    # Every pause not taken has an error behind it; one that has not would be a bug here.
    if missing and not result.errors:
        result.errors.append(Error(-1, "missing steps", f"{missing} pauses not taken"))
    return result
