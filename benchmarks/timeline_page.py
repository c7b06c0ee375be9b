"""The page side of ``benchmarks.timeline``: what it watches in the browser, how it opens
either reader and moves its date, and the pure arithmetic on what it recorded.

Two readers are measured. *After* is the client-side reader of issue 12 (its contract:
``div.frontline-reader``, a ``role="slider"`` date control, ``.leaflet-container`` with
``data-drawn-date`` set once a date's territory is on the map). *Before* is the reader
that reran the script on every step, whose map is the streamlit-folium iframe.

On the new reader timing is taken in the page, not by Playwright's round trips: a script
added before any of the page's own (``INSTRUMENT``) records ``performance.now()`` of every
key pressed (a capturing ``keydown`` listener on the window, so it runs before the
reader's), of every change of a ``data-drawn-date`` attribute anywhere in the document (a
``MutationObserver``), and of the animation frame that follows each change.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gzip
import time
from dataclasses import dataclass, field
from urllib.parse import urlparse

from benchmarks.browser import FrameMeter, count_runs, fresh_page

__all__ = [
    "INSTRUMENT",
    "MAP_ELEMENT",
    "SLIDER",
    "focus_slider",
    "map_kept",
    "open_for_steps",
    "Loaded",
    "PlaySummary",
    "StepTiming",
    "change_latency",
    "instrumented_page",
    "level0_bytes",
    "load",
    "play_summary",
    "press_and_time",
    "quiet",
    "read_index",
    "recorded",
    "visible_fraction",
]

#: The element whose box is the map, per reader.
MAP_ELEMENT = {"after": ".leaflet-container", "before": 'iframe[title="streamlit_folium.st_folium"]'}
SLIDER = '.frontline-slider[role="slider"]'
#: Requests whose first time is noted on a first visit, per reader.
_MILESTONES = {
    "after": ("/static/js/frontline/reader.js", "index.json.gz", "-l0-"),
    "before": ("/component/streamlit_folium", "/basemap/countries.geojson"),
}

INSTRUMENT = """
(() => {
  if (window.top !== window || window.__timeline) return;
  const t = window.__timeline = {keys: [], drawn: [], frames: []};
  try { performance.setResourceTimingBufferSize(10000); } catch (error) {}
  addEventListener('keydown', event => { t.keys.push([performance.now(), event.key]); }, true);
  new MutationObserver(records => {
    const now = performance.now();
    const next = new Map();  // per element, its value after the record being read (read backwards)
    const changes = [];
    for (let i = records.length - 1; i >= 0; i--) {
      const record = records[i];
      const value = next.has(record.target)
        ? next.get(record.target) : record.target.getAttribute('data-drawn-date');
      next.set(record.target, record.oldValue);
      if (value && value !== record.oldValue) changes.push([now, value]);
    }
    for (const change of changes.reverse()) {
      t.drawn.push(change);
      requestAnimationFrame(() => t.frames.push([performance.now(), change[1]]));
    }
  }).observe(document, {subtree: true, attributes: true, attributeOldValue: true,
                        attributeFilter: ['data-drawn-date']});
})();
"""

_QUIET = """async ([gap, slider]) => {
  await new Promise(resolve => setTimeout(resolve, gap));
  const t = window.__timeline;
  return {marks: [t.keys.length, t.drawn.length, t.frames.length],
          position: Number(document.querySelector(slider).getAttribute('aria-valuenow'))};
}"""

_DRAWN_SINCE = """([keys, drawn, frames, expected]) => {
  const t = window.__timeline;
  const painted = t.frames.slice(frames).some(record => record[1] === expected);
  return painted && {keys: t.keys.slice(keys), drawn: t.drawn.slice(drawn), frames: t.frames.slice(frames)};
}"""

_COVERAGE = """(selector) => {
  const element = document.querySelector(selector);
  if (!element) return null;
  const box = element.getBoundingClientRect();
  return {rect: [box.left, box.top, box.width, box.height], viewport: [innerWidth, innerHeight]};
}"""


# --- pure arithmetic on what the page recorded -------------------------------------


@dataclass
class StepTiming:
    """One step on the new reader, in milliseconds of the page's clock."""

    ms: float  # key press to the expected data-drawn-date
    frame_ms: float | None  # key press to the animation frame after it
    other_changes: list[str] = field(default_factory=list)  # dates drawn on the way, if any


def change_latency(keys: list[list], drawn: list[list], frames: list[list], expected: str) -> StepTiming:
    """Key press to the map's change to ``expected``, from records ``[time_ms, value]``
    taken since just before the press (``keys`` by the keydown listener, ``drawn`` by the
    observer, ``frames`` by the animation frame after each change).

    Raises
    ------
    ValueError
        When no key press or no change to ``expected`` was recorded.
    """
    if not keys:
        raise ValueError("no keydown was recorded for the step: is the slider focused?")
    pressed = keys[0][0]
    hits = [index for index, (_, value) in enumerate(drawn) if value == expected]
    if not hits:
        raise ValueError(f"the map never showed {expected}; it showed {[v for _, v in drawn]}")
    at = drawn[hits[0]][0]
    frame = next((t for t, value in frames if value == expected and t >= at), None)
    return StepTiming(
        at - pressed,
        None if frame is None else frame - pressed,
        [value for _, value in drawn[: hits[0]]],
    )


@dataclass
class PlaySummary:
    """The dates drawn while playing, checked against the timeline's days."""

    steps: int  # changes of the drawn date
    seconds: float  # from the first change to the last
    rate: float  # steps a second over that span
    gaps: list[str]  # every change that was not to the next day
    first: str | None
    last: str | None

    @property
    def consecutive(self) -> bool:
        return not self.gaps


def play_summary(drawn: list[list], days: list[str]) -> PlaySummary:
    """Check that the drawn dates ``[[time_ms, "YYYY-MM-DD"], …]`` follow each other day by
    day through ``days`` (the slider's days, in order) and say how fast they came."""
    index = {day: position for position, day in enumerate(days)}
    gaps = []
    for (_, before), (_, after) in zip(drawn, drawn[1:], strict=False):
        if before not in index or after not in index:
            gaps.append(f"{before} → {after} (not a day of the timeline)")
        elif index[after] != index[before] + 1:
            skipped = index[after] - index[before] - 1
            gaps.append(f"{before} → {after} ({'skipped ' + str(skipped) if skipped > 0 else 'backwards'})")
    seconds = (drawn[-1][0] - drawn[0][0]) / 1000 if len(drawn) > 1 else 0.0
    return PlaySummary(
        steps=len(drawn),
        seconds=seconds,
        rate=(len(drawn) - 1) / seconds if seconds > 0 else 0.0,
        gaps=gaps,
        first=drawn[0][1] if drawn else None,
        last=drawn[-1][1] if drawn else None,
    )


def visible_fraction(rect: list[float], viewport: list[float]) -> float:
    """The share of the viewport ``[width, height]`` covered by the visible part of a box
    ``[left, top, width, height]`` (CSS pixels, relative to the viewport)."""
    left, top, width, height = rect
    view_width, view_height = viewport
    visible_width = max(0.0, min(left + width, view_width) - max(left, 0.0))
    visible_height = max(0.0, min(top + height, view_height) - max(top, 0.0))
    return visible_width * visible_height / (view_width * view_height)


def read_index(raw: bytes) -> dict:
    """A pack's ``index.json.gz`` as fetched over HTTP: gzip JSON (gunzipped twice if the
    server compressed the gzip file again and the client kept that encoding)."""
    import json

    while raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return json.loads(raw)


def level0_bytes(index: dict) -> tuple[int | None, list[str]]:
    """The bytes of every layer's level-"0" chunks (country zoom) as the index lists them
    (None if a chunk does not say), and their files."""
    chunks = [chunk for layer in index["layers"] for chunk in layer["chunks"].get("0", [])]
    listed = None if any("bytes" not in chunk for chunk in chunks) else sum(c["bytes"] for c in chunks)
    return listed, [chunk["file"] for chunk in chunks]


# --- the browser -------------------------------------------------------------------


@contextlib.contextmanager
def instrumented_page(browser, viewport: tuple[int, int]):
    """A fresh page (new context, empty cache) at ``viewport`` with ``INSTRUMENT`` added
    before every document's own scripts."""
    with fresh_page(browser, viewport) as page:
        page.add_init_script(INSTRUMENT)
        yield page


def recorded(page) -> dict:
    """Everything ``INSTRUMENT`` recorded so far: ``keys``, ``drawn``, ``frames``."""
    return page.evaluate("() => window.__timeline")


@dataclass
class Loaded:
    """A first visit: ``page.goto`` to the first drawn map, and what came before it."""

    seconds: float  # goto → the map drawn (Playwright's clock)
    in_page_ms: float | None  # navigation start → data-drawn-date set (the page's clock; after only)
    response_bytes: int  # response bodies (as sent) of the requests finished before the map
    responses: int
    ws_bytes: int  # WebSocket payloads received before the map
    ws_frames: int
    coverage: float  # share of the viewport covered by the map, right then
    rect: list[float]
    viewport: list[float]
    drawn_date: str | None  # what data-drawn-date said (after only)
    pack_url: str | None  # the root's data-pack-url (after only)
    by_type: dict[str, int] = field(default_factory=dict)  # response bytes per resource type
    largest: list[tuple[str, int]] = field(default_factory=list)  # the largest responses: path, bytes
    requested: dict[str, float] = field(default_factory=dict)  # seconds from goto to the first request of…


def load(page, side: str, base_url: str, date: dt.date, timeout_s: float = 60, query: str = "") -> Loaded:
    """Open the reader of ``side`` ("after" or "before") at ``?date=`` (then ``query``, e.g.
    ``&events=NAME&zoom=6``) and wait for its map.

    After: until ``.leaflet-container`` has ``data-drawn-date`` equal to the date asked for.
    Before: until the first ``path.leaflet-interactive`` in the streamlit-folium iframe
    (``tests/browser/conftest.open_app``)."""
    finished: list = []  # (time, Playwright request)
    requests: list[tuple[float, str]] = []
    page.on("requestfinished", lambda request: finished.append((time.perf_counter(), request)))
    page.on("request", lambda request: requests.append((time.perf_counter(), request.url)))
    meter = FrameMeter(page)
    started = time.perf_counter()
    page.goto(f"{base_url}/?date={date.isoformat()}{query}")
    if side == "after":
        try:
            page.wait_for_selector(
                f'.leaflet-container[data-drawn-date="{date.isoformat()}"]',
                state="attached",
                timeout=timeout_s * 1000,
            )
        except Exception as error:
            shown = page.evaluate(
                "() => [...document.querySelectorAll('[data-drawn-date]')]"
                ".map(e => e.getAttribute('data-drawn-date'))"
            )
            raise RuntimeError(
                f"no .leaflet-container[data-drawn-date={date.isoformat()}] within {timeout_s:.0f} s "
                f"(data-drawn-date seen: {shown or 'none'})"
            ) from error
    else:
        page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_s * 1000)
        frame = page.wait_for_selector(MAP_ELEMENT["before"], timeout=timeout_s * 1000).content_frame()
        frame.wait_for_selector("path.leaflet-interactive", state="attached", timeout=timeout_s * 1000)
    drawn_at = time.perf_counter()
    box = page.evaluate(_COVERAGE, MAP_ELEMENT[side])
    in_page_ms = drawn_date = pack_url = None
    if side == "after":
        first = recorded(page)["drawn"]
        in_page_ms = first[0][0] if first else None
        drawn_date = page.get_attribute(".leaflet-container", "data-drawn-date")
        pack_url = page.get_attribute("div.frontline-reader", "data-pack-url")
    before_map = [request for at, request in finished if at <= drawn_at]
    by_type: dict[str, int] = {}
    sizes = []
    for request in before_map:
        size = max(0, request.sizes()["responseBodySize"])
        by_type[request.resource_type] = by_type.get(request.resource_type, 0) + size
        sizes.append((urlparse(request.url).path, size))
    requested = {
        part: next((at - started for at, url in requests if part in url), None) for part in _MILESTONES[side]
    }
    frames = [size for at, size in meter.frames if at <= drawn_at]
    return Loaded(
        seconds=drawn_at - started,
        in_page_ms=in_page_ms,
        response_bytes=sum(by_type.values()),
        responses=len(before_map),
        ws_bytes=sum(frames),
        ws_frames=len(frames),
        coverage=visible_fraction(box["rect"], box["viewport"]) if box else 0.0,
        rect=box["rect"] if box else [],
        viewport=box["viewport"] if box else [],
        drawn_date=drawn_date,
        pack_url=pack_url,
        by_type=dict(sorted(by_type.items(), key=lambda item: -item[1])),
        largest=sorted(sizes, key=lambda item: -item[1])[:8],
        requested={part: at for part, at in requested.items() if at is not None},
    )


def focus_slider(page) -> None:
    """Focus the new reader's date control and mark its map element (to tell a remount)."""
    page.locator(SLIDER).focus()
    page.evaluate("() => { document.querySelector('.leaflet-container').__probe = 'same map'; }")


def map_kept(page) -> bool:
    """Whether the new reader's map element is the one ``focus_slider`` marked."""
    return page.evaluate("() => document.querySelector('.leaflet-container')?.__probe === 'same map'")


def quiet(page, gap_ms: int = 50) -> dict:
    """On the new reader: wait ``gap_ms`` in the page (so the next step starts from a quiet
    page); how much ``INSTRUMENT`` has recorded (``marks``) and the slider's day index
    (``position``), for ``press_and_time``."""
    return page.evaluate(_QUIET, [gap_ms, SLIDER])


def press_and_time(page, key: str, expected: dt.date, marks: list[int], timeout_s: float = 10) -> StepTiming:
    """On the new reader: press ``key`` on the focused slider, wait until the map shows
    ``expected`` and the frame after it has run; the timing is the page's own, from the
    records after ``marks`` (``quiet``)."""
    page.keyboard.press(key)
    try:
        since = page.wait_for_function(
            _DRAWN_SINCE, arg=[*marks, expected.isoformat()], timeout=timeout_s * 1000
        ).json_value()
    except Exception as error:
        since = page.evaluate(
            "([keys, drawn]) => ({keys: window.__timeline.keys.slice(keys),"
            " drawn: window.__timeline.drawn.slice(drawn)})",
            marks,
        )
        pressed = since["keys"][0][0] if since["keys"] else 0.0
        drawn = ", ".join(f"{value} at {at - pressed:+.0f} ms" for at, value in since["drawn"])
        slider = (page.get_attribute(SLIDER, "aria-valuetext") or "")[:10]
        raise RuntimeError(
            f"{key}: the map did not show {expected} within {timeout_s:.0f} s; drawn since the "
            f"press: {drawn or 'nothing'}; the slider is on {slider}"
        ) from error
    return change_latency(since["keys"], since["drawn"], since["frames"], expected.isoformat())


def open_for_steps(page, side: str, base_url: str, day: dt.date, query: str = ""):
    """Open the reader of ``side`` at ``day`` (and ``query``, see ``load``) with its date control
    focused; returns the map iframe (before, marked to tell a remount, with ``window.__runs``
    counted) or None."""
    if side == "after":
        load(page, "after", base_url, day, query=query)
        focus_slider(page)
        return None
    from tests.browser.conftest import date_slider

    load(page, "before", base_url, day, query=query)
    frame = page.wait_for_selector(MAP_ELEMENT["before"]).content_frame()
    frame.evaluate("() => { window.__probe = 'same iframe'; }")
    count_runs(page)
    date_slider(page).focus()
    return frame
