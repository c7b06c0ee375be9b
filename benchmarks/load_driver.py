"""The load driver: many reader sessions against one running server, timed and watched
from outside (the server's CPU time, memory and log, the machine's load)."""

from __future__ import annotations

import asyncio
import os
import random
import resource
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlencode

from benchmarks.browser import Server, progress
from benchmarks.load_result import LoadResult
from benchmarks.reader_session import SLIDER_KEY, Error, Session

__all__ = ["cpu_seconds", "drive", "rss_mb"]


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
        f"{len(alive)} of {count} sessions open in {result['open_phase_s']:.1f} s; "
        f"server RSS {result['rss_mb']['opened']:.0f} MB; scrubbing {steps} steps each"
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
        # The main thread runs the event loop: the WebSockets, every message in and out,
        # the runtime's dispatch.
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
