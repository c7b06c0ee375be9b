"""The measurements of ``benchmarks.timeline``, one function per kind of session, each
run on one reader ("before" or "after") and returning its raw numbers (the command turns
them into the table's rows), and what they run on: the archive's store and its days, the
old commit's worktree.

Sessions are opened in a fresh browser context (empty cache) on the reader's server,
with ``benchmarks.timeline_page.INSTRUMENT`` in the page. Steps move through the
timeline as ``benchmarks.stepping.Stepper`` says (right to the end, then back); only the
steps onto a day where the territory changes are timed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import subprocess
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urljoin

from benchmarks.browser import ROOT, FrameMeter, Server, median, percentile, progress, slider_step
from benchmarks.stepping import Stepper, press_and_wait_for_run
from benchmarks.timeline_page import (
    SLIDER,
    focus_slider,
    instrumented_page,
    level0_bytes,
    load,
    map_kept,
    open_for_steps,
    play_summary,
    press_and_time,
    quiet,
    read_index,
    recorded,
)

__all__ = [
    "FULL",
    "archive_store",
    "timeline_days",
    "worktree",
    "QUICK",
    "Reader",
    "TimelinePlan",
    "measure_messages",
    "measure_pack",
    "measure_play",
    "measure_steps",
    "measure_visits",
]


@dataclass(frozen=True)
class TimelinePlan:
    warm_up: int  # steps before the timed ones and the heap baseline
    steps: int  # timed steps (row 1)
    heap_presses: int  # key presses over which the new reader's heap is compared (row 6)
    play_seconds: float  # how long Play is watched (row 2)
    quick_steps: int  # keys pressed in quick succession (row 3)
    quick_gap_ms: int  # between them
    visits: int  # first visits per viewport (rows 4, 5, 7)


FULL = TimelinePlan(
    warm_up=10, steps=100, heap_presses=500, play_seconds=10, quick_steps=50, quick_gap_ms=30, visits=3
)
QUICK = TimelinePlan(
    warm_up=3, steps=20, heap_presses=60, play_seconds=4, quick_steps=50, quick_gap_ms=30, visits=1
)


@dataclass
class Reader:
    """One reader under test: its side ("before" or "after") and its running server."""

    side: str
    server: Server

    @property
    def url(self) -> str:
        return self.server.url


def archive_store(database: Path, files: list[Path]) -> Path:
    """``database``, the archive's ``files`` imported into it first if it does not exist yet."""
    from benchmarks.import_archive import import_times

    if not database.exists():
        progress(f"import of {len(files)} files into {database}")
        seconds, _, summary, _ = import_times(files, database)
        progress(f"  {summary}")
    return database


def timeline_days(db_url: str) -> tuple[list, list[list]]:
    """The slider's days (every day from the first snapshot of any territory layer to the
    last) and each territory layer's snapshot days, as ``benchmarks.run`` reads them."""
    from layers import snapshots
    from layers.store import Store

    store = Store(db_url)
    try:
        territory = [info.name for info in store.layers() if info.kind == "territory"]
        days = snapshots.timeline(store, tuple(territory))
        return list(days), [list(store.heads(name)["as_of"]) for name in territory]
    finally:
        store.close()


@contextlib.contextmanager
def worktree(revision: str, folder: Path):
    """``revision`` of this repository checked out (detached) in ``folder``; the worktree is
    removed on exit."""
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(folder), revision],
        check=True,
        capture_output=True,
        text=True,
    )
    try:
        yield folder
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(folder)],
            capture_output=True,
            check=False,
        )


def _slider_notes(page, position: int, days: list[dt.date], when: str) -> list[str]:
    """A note if the new reader's slider is not on day ``position`` (``aria-valuenow``) and
    its date (``aria-valuetext``)."""
    text, now = (
        page.get_attribute(SLIDER, "aria-valuetext") or "",
        page.get_attribute(SLIDER, "aria-valuenow"),
    )
    if text.startswith(days[position].isoformat()) and now == str(position):
        return []
    return [f"{when}, on {days[position]} (day {position}), the slider says day {now}, {text[:40]!r}"]


def measure_steps(
    browser,
    reader: Reader,
    viewport: tuple[int, int],
    days: list[dt.date],
    layer_days: list[list[dt.date]],
    plan: TimelinePlan,
    heap: bool,
    query: str = "",
    start: int = 0,
    low: int = 0,
) -> dict:
    """Row 1 (and row 6 with ``heap``): ``warm_up`` steps, then ``steps`` timed steps each
    onto a day where the territory changes. With ``heap``: the JS heap after GC before
    and after; the new reader keeps stepping until ``heap_presses`` keys were pressed
    (the old one stops after its timed steps: ~300 ms a step).

    ``query`` is added to the URL opened (``load``); the steps start on ``days[start]`` and
    turn back at ``days[low]`` and the last day (``Stepper``)."""
    from tests.browser.conftest import date_slider, js_heap_mb

    after = reader.side == "after"
    with instrumented_page(browser, viewport) as page:
        frame = open_for_steps(page, reader.side, reader.url, days[start], query)
        notes = _slider_notes(page, start, days, "opened at ?date=") if after else []
        stepper = Stepper(days, layer_days, start=start, low=low)
        timed: list[float] = []
        frames: list[float] = []
        others: list[str] = []
        moved: list[str] = []  # the new reader's day changed between steps, without a key
        missed: list[str] = []  # steps whose day the reader never drew
        presses = 0
        heap_start = heap_end = None
        last = time.perf_counter()

        def step(timed_step: bool) -> None:
            nonlocal presses
            state = quiet(page) if after else {}
            if after and state["position"] != stepper.position and 0 <= state["position"] < len(days):
                moved.append(f"{days[stepper.position]} → {days[state['position']]}")  # not by a key
                stepper.position = state["position"]
            key, changes = stepper.next()
            presses += 1
            expected = days[stepper.position]
            try:
                if after:
                    timing = press_and_time(page, key, expected, state["marks"])
                    if timed_step and changes:
                        timed.append(timing.ms)
                        frames.extend([timing.frame_ms] if timing.frame_ms is not None else [])
                    others.extend(timing.other_changes)
                elif changes:
                    result = slider_step(page, frame, key)
                    timed.extend([result.map_ms] if timed_step else [])
                else:
                    press_and_wait_for_run(page, key)
            except Exception as error:  # noqa: BLE001  (noted; after 5 the session fails)
                missed.append(f"{key} to {expected}: {str(error).splitlines()[0]}")
                if len(missed) > 5:
                    raise
                if after and not page.evaluate("s => document.activeElement?.matches(s)", SLIDER):
                    missed[-1] += " (the slider had lost the focus)"
                    page.locator(SLIDER).focus()
                if not after:  # go on from the day the old slider is on, focused again
                    slider = date_slider(page)
                    stepper.position = days.index(
                        dt.date.fromisoformat(slider.get_attribute("aria-valuetext"))
                    )
                    slider.focus()

        while presses < plan.warm_up:
            step(False)
        if heap:
            heap_start = js_heap_mb(page)
            if after:  # its date goes to the server and back: the next step sees if it moved
                page.wait_for_timeout(2000)
        started_presses = presses
        while len(timed) < plan.steps or (heap and after and presses - started_presses < plan.heap_presses):
            step(True)
            if time.perf_counter() - last > 20:
                last = time.perf_counter()
                progress(f"  {reader.side} {viewport[0]}×{viewport[1]}: {presses} keys, {len(timed)} timed")
        if heap:
            heap_end = js_heap_mb(page)
        stats = page.evaluate("() => window.__frontline?.stats?.() ?? null") if after else None
        if after:
            kept = map_kept(page)
            notes += _slider_notes(page, stepper.position, days, "after the steps")
        else:
            kept = frame.evaluate("() => window.__probe") == "same iframe"
    first = timed[: plan.steps]
    return {
        "viewport": list(viewport),
        "median_ms": median(first),
        "p95_ms": percentile(first, 0.95),
        "frame_median_ms": median(frames[: plan.steps]) if frames else None,
        "timed_ms": timed,
        "timed_all_median_ms": median(timed),
        "presses": presses - started_presses,
        "map_kept": kept,
        "heap_start_mb": heap_start,
        "heap_end_mb": heap_end,
        "heap_growth_mb": None if heap_end is None or heap_start is None else heap_end - heap_start,
        "other_changes": others,
        "reader_stats": stats,  # window.__frontline.stats() at the end
        "moved": moved,
        "missed": missed,
        "notes": notes
        + ([f"between steps the reader moved by itself {len(moved)} times, e.g. {moved[0]}"] if moved else [])
        + ([f"{len(missed)} steps never drew their day, e.g. {missed[0]}"] if missed else []),
    }


def measure_play(browser, reader: Reader, days: list[dt.date], plan: TimelinePlan) -> dict:
    """Row 2 (new reader only): Play from the first day, every drawn date for ``play_seconds``."""
    with instrumented_page(browser, (1920, 1080)) as page:
        load(page, "after", reader.url, days[0])
        mark = len(recorded(page)["drawn"])
        button = page.locator("button.frontline-play")
        clicked = time.perf_counter()
        button.click()
        page.wait_for_timeout(300)
        pressed = button.get_attribute("aria-pressed")
        page.wait_for_timeout(max(0, plan.play_seconds * 1000 - (time.perf_counter() - clicked) * 1000))
        drawn = recorded(page)["drawn"][mark:]
        button.click()
        page.wait_for_timeout(300)
        pressed_after = button.get_attribute("aria-pressed")
    summary = play_summary(drawn, [day.isoformat() for day in days])
    notes = []
    if pressed != "true":
        notes.append(f'while playing, button.frontline-play has aria-pressed="{pressed}"')
    if pressed_after == "true":
        notes.append('after a second click, button.frontline-play still has aria-pressed="true"')
    return {**asdict(summary), "consecutive": summary.consecutive, "drawn": drawn, "notes": notes}


def measure_messages(browser, reader: Reader, days: list[dt.date], plan: TimelinePlan) -> dict:
    """Row 3: WebSocket messages the page sends while ``quick_steps`` keys are pressed
    ``quick_gap_ms`` apart, and in the 2 s after."""
    from tests.browser.conftest import date_slider

    with instrumented_page(browser, (1920, 1080)) as page:
        meter = FrameMeter(page)
        load(page, reader.side, reader.url, days[0])
        if reader.side == "after":
            focus_slider(page)
        else:
            date_slider(page).focus()
        page.wait_for_timeout(2000)  # what the page sends once drawn (its view, a rerun) is not counted
        sent_before, received_mark = len(meter.sent), meter.mark()
        started = time.perf_counter()
        for _ in range(plan.quick_steps):
            page.keyboard.press("ArrowRight")
            page.wait_for_timeout(plan.quick_gap_ms)
        pressing_s = time.perf_counter() - started
        page.wait_for_timeout(2000)
        sent = meter.sent[sent_before:]
        received = meter.since(received_mark)
        ended = (
            page.get_attribute(".leaflet-container", "data-drawn-date") if reader.side == "after" else None
        )
    return {
        "sent": len(sent),
        "sent_after_s": [at - started for at in sent],
        "received_frames": len(received),
        "received_bytes": sum(size for _, size in received),
        "pressing_s": pressing_s,
        "ended_on": ended,
        "expected_end": days[min(plan.quick_steps, len(days) - 1)].isoformat(),
    }


def measure_visits(
    browser,
    reader: Reader,
    day: dt.date,
    viewport: tuple[int, int],
    visits: int,
    timeout_s: float = 60,
    query: str = "",
) -> dict:
    """Rows 4, 5b and 7: ``visits`` first visits at ``?date=day`` (then ``query``) in fresh contexts."""
    loaded = []
    for _ in range(visits):
        with instrumented_page(browser, viewport) as page:
            loaded.append(load(page, reader.side, reader.url, day, timeout_s, query))
    notes = [
        f"at ?date={day}, data-drawn-date is {opened.drawn_date}"
        for opened in loaded
        if reader.side == "after" and opened.drawn_date != day.isoformat()
    ]
    return {
        "viewport": list(viewport),
        "seconds": [opened.seconds for opened in loaded],
        "median_s": median([opened.seconds for opened in loaded]),
        "response_kb": median([opened.response_bytes / 1000 for opened in loaded]),
        "ws_kb": median([opened.ws_bytes / 1000 for opened in loaded]),
        "coverage": median([opened.coverage for opened in loaded]),
        "pack_url": loaded[0].pack_url,
        "visits": [asdict(opened) for opened in loaded],
        "notes": notes,
    }


def measure_pack(reader: Reader, pack_url: str, days: list[dt.date]) -> dict:
    """Row 5a (new reader only): the level-0 chunks the pack's index lists, and the same
    files fetched from the server."""

    def fetch(path: str) -> bytes:
        with urllib.request.urlopen(urljoin(reader.url, path), timeout=30) as response:
            return response.read()

    base = pack_url if pack_url.endswith("/") else pack_url + "/"
    raw = fetch(urljoin(base, "index.json.gz"))
    index = read_index(raw)
    listed, files = level0_bytes(index)
    served = sum(len(fetch(urljoin(base, name))) for name in files)
    total = served if listed is None else listed
    notes = []
    # The index is written before its chunks, so it lists no sizes (docs/reader.md): the
    # figure is then the files' sizes as served.
    if listed is not None and served != listed:
        notes.append(f"level-0 chunks: the index lists {listed} bytes, the server sent {served}")
    if index.get("days") != [days[0].isoformat(), days[-1].isoformat()]:
        notes.append(f"index days {index.get('days')}, the store's timeline {days[0]} to {days[-1]}")
    if index.get("format") != 1:
        notes.append(f"index format {index.get('format')!r}, not 1")
    return {
        "pack_url": pack_url,
        "index_bytes": len(raw),
        "level0_bytes": total,
        "level0_listed": listed,
        "level0_served": served,
        "level0_files": len(files),
        "levels": index.get("levels"),
        "layers": [layer.get("name") for layer in index["layers"]],
        "notes": notes,
    }
