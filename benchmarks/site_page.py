"""The browser side of ``benchmarks.site``: a cold first visit of the published site (a new
browser context, the cache also disabled over CDP) until the map shows the date asked
for, what was transferred before that, and scrubbing with the arrow keys.

Only the site's reader contract is used: the date control is ``[role=slider]`` whose
``aria-valuetext`` starts with the day; ←/→ step a day; ``.leaflet-container`` gets
``data-drawn-date`` once that day's territory is drawn. Timing is the page's own clock
(``performance.now()``, 0 at navigation start), recorded by
``benchmarks.timeline_page.INSTRUMENT``; sizes are the Resource Timing entries'
``transferSize`` (headers and body as sent, compressed), on the same clock.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path
from urllib.parse import urlparse

from benchmarks.browser import median, percentile
from benchmarks.stepping import Stepper
from benchmarks.timeline_page import instrumented_page, press_and_time, recorded

__all__ = [
    "SITE_SLIDER",
    "before_first_map",
    "SLOW_LINK",
    "kind_of",
    "link_visits",
    "milestones",
    "open_cold",
    "scrub",
    "step_summary",
    "visit",
    "without_preload",
]

SITE_SLIDER = "[role=slider]"

_ENTRIES = """() => [...performance.getEntriesByType('navigation'),
                     ...performance.getEntriesByType('resource')]
  .map(e => ({url: e.name, type: e.initiatorType, start: e.startTime, end: e.responseEnd,
              transfer: e.transferSize, encoded: e.encodedBodySize, decoded: e.decodedBodySize,
              status: e.responseStatus ?? null, protocol: e.nextHopProtocol}))"""

_MARKS = """async (gap) => {
  await new Promise(resolve => setTimeout(resolve, gap));
  const t = window.__timeline;
  return [t.keys.length, t.drawn.length, t.frames.length];
}"""


# --- pure arithmetic on the entries ------------------------------------------------


def kind_of(url: str) -> str:
    """What a URL of the published site is, for the tables: page, manifest, pack index,
    pack chunk, module (the reader's own), library (Leaflet, its script and stylesheet),
    stylesheet, basemap, image or other."""
    path = urlparse(url).path
    name = path.rsplit("/", 1)[-1]
    if path.endswith((".html", "/")):
        return "page"
    if name == "manifest.json":
        return "manifest"
    if path.startswith("/data/"):
        return "pack index" if name.startswith("index.") else "pack chunk"
    if "/vendor/" in path and name.endswith((".js", ".css")):
        return "library"
    if name.endswith((".js", ".mjs")):
        return "module"
    if name.endswith(".css"):
        return "stylesheet"
    if name.endswith((".geojson", ".json")):
        return "basemap" if "/basemap/" in path else "json"
    if name.endswith((".png", ".svg", ".jpg", ".webp")):
        return "image"
    return "other"


def before_first_map(entries: list[dict], drawn_ms: float) -> dict:
    """What was transferred before the first map: the entries (``_ENTRIES``: ``url``,
    ``start``, ``end``, ``transfer``, …) whose response ended by ``drawn_ms``, their bytes
    in all and per kind, and those still in flight then."""
    done = [entry for entry in entries if entry["end"] and entry["end"] <= drawn_ms]
    in_flight = [entry for entry in entries if entry["start"] <= drawn_ms and entry not in done]
    by_kind: dict[str, int] = {}
    for entry in done:
        kind = kind_of(entry["url"])
        by_kind[kind] = by_kind.get(kind, 0) + (entry["transfer"] or 0)
    return {
        "bytes": sum(entry["transfer"] or 0 for entry in done),
        "body_bytes": sum(entry["encoded"] or 0 for entry in done),
        "decoded_bytes": sum(entry["decoded"] or 0 for entry in done),
        "requests": len(done),
        "by_kind": dict(sorted(by_kind.items(), key=lambda item: -item[1])),
        "in_flight": [urlparse(entry["url"]).path for entry in in_flight],
        "waterfall": [
            {
                "path": urlparse(entry["url"]).path,
                "kind": kind_of(entry["url"]),
                "start_ms": round(entry["start"], 1),
                "end_ms": round(entry["end"], 1),
                "bytes": entry["transfer"],
            }
            for entry in sorted(done, key=lambda entry: entry["start"])
        ],
    }


def milestones(waterfall: list[dict]) -> dict[str, float]:
    """When (ms after navigation start) the last response of each kind had ended, from
    ``before_first_map``'s waterfall: the steps of the chain of requests before the map."""
    ended: dict[str, float] = {}
    for entry in waterfall:
        ended[entry["kind"]] = max(ended.get(entry["kind"], entry["end_ms"]), entry["end_ms"])
    return dict(sorted(ended.items(), key=lambda item: item[1]))


def step_summary(timed: list[float], keys_at: list[float], loading_until: float | None) -> dict:
    """Median and p95 of key → drawn (ms) over ``timed``; how many of those keys were
    pressed (``keys_at``, page clock) before the last response of the background load
    ended (``loading_until``)."""
    while_loading = sum(1 for at in keys_at if at < loading_until) if loading_until is not None else 0
    return {
        "steps": len(timed),
        "median_ms": median(timed) if timed else None,
        "p95_ms": percentile(timed, 0.95) if timed else None,
        "max_ms": max(timed) if timed else None,
        "while_loading": while_loading,
        "timed_ms": timed,
        "keys_at_ms": keys_at,
    }


# --- the browser -------------------------------------------------------------------


#: A reader's link as Chromium emulates it (CDP ``Network.emulateNetworkConditions``):
#: 100 ms of latency each request, 20 Mbit/s down, 8 Mbit/s up; localhost has none.
SLOW_LINK = {"offline": False, "latency": 100, "downloadThroughput": 2_500_000, "uploadThroughput": 1_000_000}


def open_cold(page, link: dict | None = None) -> None:
    """Disable the cache of ``page`` over CDP (its context is new, so it is empty too);
    with ``link``, emulate that network (``SLOW_LINK``)."""
    session = page.context.new_cdp_session(page)
    session.send("Network.enable")
    session.send("Network.setCacheDisabled", {"cacheDisabled": True})
    if link is not None:
        session.send("Network.emulateNetworkConditions", link)


def without_preload(site: Path, name: str = "index-without-preload.html") -> str:
    """A copy of the site's ``index.html`` without its preload links, beside it; its name."""
    page = (site / "index.html").read_text(encoding="utf-8")
    (site / name).write_text(re.sub(r'<link rel="(?:module)?preload"[^>]*>\n', "", page), encoding="utf-8")
    return name


def link_visits(
    browser, base_url: str, day: dt.date, viewport, count: int, pages: list[str], link: dict
) -> dict:
    """``count`` cold visits of each of ``pages`` over the emulated ``link``, taken in turn
    (so that the machine's noise falls on each alike); the visits by page."""
    found: dict[str, list[dict]] = {name: [] for name in pages}
    for _ in range(count):
        for name in pages:
            with instrumented_page(browser, viewport) as page:
                open_cold(page, link)
                found[name].append(visit(page, base_url, day, page_name=name))
    return found


def visit(page, base_url: str, day: dt.date, timeout_s: float = 60, page_name: str = "index.html") -> dict:
    """Open ``index.html?date=day`` in ``page`` (``instrumented_page`` + ``open_cold``) and
    wait until ``.leaflet-container`` says it drew that day; the first map's time on the
    page's clock, Playwright's, and what was transferred before it."""
    iso = day.isoformat()
    started = time.perf_counter()
    page.goto(f"{base_url}/{page_name}?date={iso}")
    try:
        page.wait_for_selector(
            f'.leaflet-container[data-drawn-date="{iso}"]', state="attached", timeout=timeout_s * 1000
        )
    except Exception as error:
        shown = page.evaluate(
            "() => [...document.querySelectorAll('[data-drawn-date]')].map(e => e.dataset.drawnDate)"
        )
        raise RuntimeError(
            f"no .leaflet-container[data-drawn-date={iso}] within {timeout_s:.0f} s (seen: {shown or 'none'})"
        ) from error
    goto_s = time.perf_counter() - started
    drawn = [at for at, value in recorded(page)["drawn"] if value == iso]
    drawn_ms = drawn[0]
    entries = page.evaluate(_ENTRIES)
    slider_text = page.get_attribute(SITE_SLIDER, "aria-valuetext") or ""
    return {
        "first_map_ms": drawn_ms,
        "goto_to_map_s": goto_s,
        "slider_text": slider_text[:40],
        "notes": [] if slider_text.startswith(iso) else [f"at ?date={iso} the slider says {slider_text!r}"],
        **before_first_map(entries, drawn_ms),
    }


def _steps(page, stepper: Stepper, days: list[dt.date], count: int) -> tuple[list[float], list[float], list]:
    """``count`` steps of ``stepper`` on the focused slider, each waited for until the map
    shows its day; the key → drawn times of the steps that change the territory, when
    their keys were pressed (page clock), and the steps that failed."""
    timed, keys_at, missed = [], [], []
    for _ in range(count):
        marks = page.evaluate(_MARKS, 30)
        key, changes = stepper.next()
        expected = days[stepper.position]
        try:
            timing = press_and_time(page, key, expected, marks)
        except Exception as error:  # noqa: BLE001  (noted; after 5 the session fails)
            missed.append(f"{key} to {expected}: {str(error).splitlines()[0]}")
            if len(missed) > 5:
                raise
            page.locator(SITE_SLIDER).focus()
            continue
        if changes:
            timed.append(timing.ms)
            keys_at.append(recorded(page)["keys"][marks[0]][0])
    return timed, keys_at, missed


def scrub(
    page, days: list[dt.date], layer_days: list[list[dt.date]], start: int, loading: int, loaded: int
) -> dict:
    """On a page just opened at ``days[start]``: ``loading`` steps at once (while the rest
    of the timeline may still be loading), then, once the network is idle, ``loaded`` more.
    Only steps onto a day where the territory changes are timed, as in
    ``benchmarks.timeline``."""
    page.locator(SITE_SLIDER).focus()
    page.evaluate("() => { document.querySelector('.leaflet-container').__probe = 'same map'; }")
    stepper = Stepper(days, layer_days, start=start)
    during, during_keys, missed = _steps(page, stepper, days, loading)
    page.wait_for_load_state("networkidle", timeout=60_000)
    entries = page.evaluate(_ENTRIES)
    loading_until = max((entry["end"] for entry in entries), default=None)
    after, after_keys, missed_after = _steps(page, stepper, days, loaded)
    kept = page.evaluate("() => document.querySelector('.leaflet-container')?.__probe === 'same map'")
    text = page.get_attribute(SITE_SLIDER, "aria-valuetext") or ""
    failed = missed + missed_after
    notes = [f"{len(failed)} steps never drew their day, e.g. {failed[0]}"] if failed else []
    if not text.startswith(days[stepper.position].isoformat()):
        notes.append(f"after the steps the slider says {text[:40]!r}, not {days[stepper.position]}")
    if not kept:
        notes.append("the map element was replaced while scrubbing")
    return {
        "loading": step_summary(during, during_keys, loading_until),
        "loaded": step_summary(after, after_keys, None),
        "loading_until_ms": loading_until,
        "map_kept": kept,
        "urls": [entry["url"] for entry in sorted(entries, key=lambda entry: entry["start"])],
        "transferred_bytes": sum(entry["transfer"] or 0 for entry in entries),
        "missed": failed,
        "notes": notes,
    }


def visits(browser, base_url: str, day: dt.date, viewport: tuple[int, int], count: int, scrubbing=None):
    """``count`` cold visits at ``viewport``; with ``scrubbing`` (``days``, ``layer_days``,
    ``start``, ``loading``, ``loaded``), the first visit then scrubs (``scrub``)."""
    loaded, scrubbed = [], None
    for index in range(count):
        with instrumented_page(browser, viewport) as page:
            open_cold(page)
            loaded.append(visit(page, base_url, day))
            if index == 0 and scrubbing is not None:
                scrubbed = scrub(page, *scrubbing)
    return loaded, scrubbed
