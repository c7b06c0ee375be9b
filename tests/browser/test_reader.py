"""The reader's map against its contract (``docs/reader.md``, issue 12's "Done when"), in
Chromium against a real ``streamlit run``: the slider's keys, the layout on a laptop and a
phone, stale layers, the keyboard, escaping, the text alternative, one message per pause,
and nothing requested from outside (colour vision: ``test_colour_vision.py``).

Expected dates come from the store the app reads (``browser_db``), never from the page.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from urllib.parse import quote_plus

import pytest

from tests.browser.conftest import (
    HOSTILE_DATE,
    HOSTILE_LAYER,
    HOSTILE_NOTE,
    HOSTILE_SOURCE,
    READER_MAP,
    READER_PLAY,
    READER_SLIDER,
    READER_TOOLTIP,
    TERRITORY_PATHS,
    address_date,
    drawn_date,
    hover_territory,
    open_reader,
    reader_slider,
    record_frames,
    recorded_page,
    slider_date,
    territory_dates,
    wait_for_address_date,
    wait_for_drawn,
    wait_for_server,
)

#: Stale: a snapshot older than max(MIN_STALE_DAYS, 3 × the median spacing of the layer's snapshots).
MIN_STALE_DAYS = 7
FADED = 0.35
QUICK_PRESSES = 50
MAX_FRAMES = 10


def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def stale_after(dates: list[dt.date]) -> int:
    """Days after a snapshot when the layer is stale (the contract's rule, worked out here)."""
    gaps = [(b - a).days for a, b in zip(dates, dates[1:], strict=False)]
    return max(MIN_STALE_DAYS, round(3 * statistics.median(gaps))) if gaps else MIN_STALE_DAYS


def timeline(db: str) -> tuple[dict[str, list[dt.date]], list[dt.date]]:
    """Every territory layer's snapshot dates, and every snapshot date of any layer (the
    reader shows every layer by default; its timeline runs from the first to the last)."""
    layers = territory_dates(db)
    return layers, sorted({d for dates in layers.values() for d in dates})


def opacities(page) -> list[tuple[float, float]]:
    """(stroke-opacity, fill-opacity) of each territory path, in the order they are drawn."""
    return [
        (float(stroke), float(fill))
        for stroke, fill in page.evaluate(
            f"() => [...document.querySelectorAll('{TERRITORY_PATHS}')]"
            ".map(p => [p.getAttribute('stroke-opacity'), p.getAttribute('fill-opacity')])"
        )
    ]


# --- (a) the contract: keys move the slider, then the map ------------------------------


def test_each_key_moves_the_slider_and_then_the_map_to_the_expected_date(page, app_url, browser_db):
    _, snapshots = timeline(browser_db)
    first, last = snapshots[0], snapshots[-1]
    # Start halfway through the longest gap between snapshots: no key lands by chance.
    before, after = max(zip(snapshots, snapshots[1:], strict=False), key=lambda g: g[1] - g[0])
    assert (after - before).days >= 4, f"no gap of 4 days between snapshots: {snapshots}"
    start = before + (after - before) // 2
    open_reader(page, app_url, f"?date={start}")

    def next_snapshot(day: dt.date) -> dt.date:
        return min((d for d in snapshots if d > day), default=last)

    def previous_snapshot(day: dt.date) -> dt.date:
        return max((d for d in snapshots if d < day), default=first)

    moves = {
        "ArrowRight": lambda d: min(last, d + dt.timedelta(days=1)),
        "ArrowLeft": lambda d: max(first, d - dt.timedelta(days=1)),
        "PageUp": next_snapshot,
        "PageDown": previous_snapshot,
        "Home": lambda d: first,
        "End": lambda d: last,
    }
    keys = [
        "ArrowRight",
        "ArrowLeft",
        "ArrowLeft",
        "PageUp",
        "PageUp",
        "PageDown",
        "PageDown",
        "PageDown",
        "Home",
        "ArrowLeft",  # stays on the first day
        "PageDown",  # no snapshot before the first day: stays
        "PageUp",
        "End",
        "ArrowRight",  # stays on the last day
        "PageDown",
    ]
    slider = reader_slider(page)
    assert slider.evaluate("e => e.tabIndex >= 0"), "the slider is not focusable"
    slider.evaluate("e => { e.__probe = 'same slider'; }")
    slider.focus()
    day, seen = start, []
    for key in keys:
        day = moves[key](day)
        page.keyboard.press(key)
        seen.append((key, slider_date(page), day.isoformat()))
        same = slider.evaluate("e => e.__probe === 'same slider' && document.activeElement === e")
        assert slider_date(page) == day.isoformat(), f"after {key}: {seen}" + (
            "" if same else " (the reader was rebuilt: a new, unfocused slider)"
        )
        assert slider.get_attribute("aria-valuenow") == str((day - first).days), f"after {key}"
        wait_for_drawn(page, day.isoformat())
        assert page.locator(".frontline-date").inner_text() == long_date(day)
        # The pause's round trip before the next key (a late answer is another test's case).
        wait_for_address_date(page, day.isoformat())
        wait_for_server(page, 500)
    assert {key for key, _, _ in seen} == set(moves)


# --- (b) layout ------------------------------------------------------------------------

LAYOUT = """([map, slider, play]) => {
  const visible = (r) => Math.max(0, Math.min(r.right, innerWidth) - Math.max(r.left, 0))
    * Math.max(0, Math.min(r.bottom, innerHeight) - Math.max(r.top, 0));
  const box = (s) => { const r = document.querySelector(s).getBoundingClientRect();
    return {left: r.left, top: r.top, right: r.right, bottom: r.bottom, area: r.width * r.height,
            visible: visible(r)}; };
  const date = document.querySelector('.frontline-date').getBoundingClientRect();
  const onTop = document.elementFromPoint(date.left + date.width / 2, date.top + date.height / 2);
  return {width: innerWidth, height: innerHeight, map: box(map), slider: box(slider), play: box(play),
          dateShown: !!onTop && !!onTop.closest('.frontline-date')};
}"""

#: name: (context options, least share of the screen the visible map covers, phone).
SCREENS = {
    "1920x1080": ({"viewport": {"width": 1920, "height": 1080}}, 0.55, False),
    "1366x768": ({"viewport": {"width": 1366, "height": 768}}, 0.55, False),
    "390x844": (
        {
            "viewport": {"width": 390, "height": 844},
            "is_mobile": True,
            "has_touch": True,
            "device_scale_factor": 3,
        },
        0.40,
        True,
    ),
}


def measure_layout(page, screen: str, shot) -> tuple[float, dict, str]:
    """The visible map's share of the screen, the boxes, and the same in words (with the
    screenshot's path, taken now) for the assertion messages."""
    layout = page.evaluate(LAYOUT, [READER_MAP, READER_SLIDER, READER_PLAY])
    page.screenshot(path=shot)
    share = layout["map"]["visible"] / (layout["width"] * layout["height"])
    m = layout["map"]
    words = (
        f"{screen}: the visible map covers {share:.1%} of the screen (map box {m['left']:.0f},{m['top']:.0f}"
        f" to {m['right']:.0f},{m['bottom']:.0f}); slider top {layout['slider']['top']:.0f}, "
        f"Play top {layout['play']['top']:.0f}; screenshot {shot}"
    )
    return share, layout, words


@pytest.mark.parametrize("screen", list(SCREENS))
def test_the_map_fills_the_screen_and_the_date_control_is_in_reach(browser, app_url, screen, tmp_path):
    """With the embedded data's layer (one header line, as the app ships); the test store's
    three layers (four header lines) are measured and printed too."""
    options, least, phone = SCREENS[screen]
    page = recorded_page(browser, **options)
    try:
        open_reader(page, app_url, "?date=2024-09-16")
        page.wait_for_timeout(800)  # the map resizes to its box after the first draw
        _, _, every_layer = measure_layout(page, screen, tmp_path / f"reader-{screen}-all-layers.png")
        open_reader(page, app_url, "?date=2024-09-16&layers=Kursk+incursion")
        page.wait_for_timeout(800)
        share, layout, measured = measure_layout(page, screen, tmp_path / f"reader-{screen}.png")
    finally:
        page.context.close()
    print(f"\n{measured}\nevery seeded layer shown: {every_layer}")
    assert share >= least, f"less than {least:.0%}: {measured}"
    for control in ("slider", "play"):
        box = layout[control]
        assert box["area"] > 0 and box["visible"] >= box["area"] - 1, (
            f"the {control} is not wholly on the first screen: {measured}"
        )
        if phone:
            assert (box["top"] + box["bottom"]) / 2 >= layout["height"] / 2, (
                f"the {control} is out of thumb reach (upper half): {measured}"
            )
    assert layout["dateShown"], f"the date is hidden under something: {measured}"


# --- (c) stale layers ------------------------------------------------------------------


def header_rows(page) -> dict[str, tuple[bool, str]]:
    """Each visible layer's header line: name -> (marked stale, its text)."""
    return {
        name: (stale, text)
        for name, stale, text in page.evaluate(
            "() => [...document.querySelectorAll('.frontline-figures .frontline-layer-figures')]"
            ".map(r => [r.querySelector('.name').textContent, r.classList.contains('stale'), r.textContent])"
        )
    }


def test_a_layer_long_after_its_last_snapshot_is_marked_stale_and_faded(page, app_url, browser_db):
    layers, snapshots = timeline(browser_db)
    end = snapshots[-1]
    stale = {
        name: dates[-1] for name, dates in layers.items() if (end - dates[-1]).days > stale_after(dates) + 1
    }
    current = {name for name, dates in layers.items() if end in dates}
    assert stale and current, f"the seeded store has no stale and current layer on {end}: {layers}"
    open_reader(page, app_url, f"?date={end}")
    rows = header_rows(page)
    assert set(rows) == set(layers)
    for name, last in stale.items():
        marked, text = rows[name]
        assert marked and f"last mapped on {last}" in text, f"{name} on {end}: {rows[name]}"
    for name in current:
        marked, text = rows[name]
        assert not marked and "last mapped on" not in text, f"{name} on {end}: {rows[name]}"
    summary = page.locator(".frontline-summary").text_content()
    assert all(f"last mapped on {last}" in summary for last in stale.values()), summary

    # The same snapshot drawn on its own date, then long after: faded to 35 %.
    name = min(stale, key=lambda n: (not n.replace(" ", "").isalnum(), n))  # a plain name
    last = stale[name]
    page.goto("about:blank")
    open_reader(page, app_url, f"?date={last}&layers={quote_plus(name)}")
    assert [n for n, (marked, _) in header_rows(page).items() if marked] == []
    fresh = opacities(page)
    reader_slider(page).focus()
    page.keyboard.press("End")
    wait_for_drawn(page, end.isoformat())
    assert header_rows(page)[name][0], "stale at the end of the timeline"
    faded = opacities(page)
    assert fresh and len(faded) == len(fresh), (fresh, faded)
    for (stroke, fill), (faded_stroke, faded_fill) in zip(fresh, faded, strict=True):
        assert abs(faded_stroke - stroke * FADED) < 0.01 and abs(faded_fill - fill * FADED) < 0.01, (
            f"{name}'s paths: {fresh} on {last}, {faded} on {end}"
        )


# --- (d) keyboard ------------------------------------------------------------------------

FOCUS = """([play, slider]) => { const e = document.activeElement, s = getComputedStyle(e);
  return {play: e.matches(play), slider: e.matches(slider), visible: e.matches(':focus-visible'),
          style: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }"""


def focus(page) -> dict:
    """What has the focus: Play or the slider, whether it matches :focus-visible, its outline."""
    return page.evaluate(FOCUS, [READER_PLAY, READER_SLIDER])


def test_tab_reaches_play_and_the_slider_with_a_visible_focus_and_space_plays(page, app_url, browser_db):
    _, snapshots = timeline(browser_db)
    start = snapshots[0] + dt.timedelta(days=10)
    open_reader(page, app_url, f"?date={start}")
    page.evaluate("() => document.activeElement?.blur()")
    reached = {}
    for presses in range(1, 81):
        page.keyboard.press("Tab")
        now = focus(page)
        for control in ("play", "slider"):
            if now[control] and control not in reached:
                reached[control] = (presses, now)
        if len(reached) == 2:
            break
    assert set(reached) == {"play", "slider"}, f"Tab reached only {reached} in 80 presses"
    for control, (presses, seen) in reached.items():
        assert seen["visible"] and seen["style"] != "none" and seen["width"] > 0, (
            f"{control}, reached after {presses} Tabs, shows no focus ring: {seen}"
        )
    assert focus(page)["slider"]
    play = page.locator(READER_PLAY)
    for key in ("Space", "Enter"):
        assert play.get_attribute("aria-pressed") == "false"
        on = dt.date.fromisoformat(drawn_date(page))
        started = time.perf_counter()
        page.keyboard.press(key)
        assert play.get_attribute("aria-pressed") == "true", f"{key} did not start Play"
        page.wait_for_timeout(2000)
        page.keyboard.press(key)
        elapsed = time.perf_counter() - started
        assert play.get_attribute("aria-pressed") == "false", f"{key} did not stop Play"
        stopped = slider_date(page)
        wait_for_drawn(page, stopped)
        steps = (dt.date.fromisoformat(stopped) - on).days
        print(f"\n{key}: Play moved {steps} days in {elapsed:.2f} s ({steps / elapsed:.1f} steps/s)")
        assert 2 <= steps <= 12 * elapsed, f"Play made {steps} steps in {elapsed:.2f} s (10 a second)"
        page.wait_for_timeout(600)
        assert slider_date(page) == stopped and drawn_date(page) == stopped, "still moving after the stop"
    # Play itself, focused, toggles with Space like any button.
    page.keyboard.press("Shift+Tab")
    assert focus(page)["play"]
    page.keyboard.press("Space")
    assert play.get_attribute("aria-pressed") == "true"
    page.keyboard.press("Space")
    assert play.get_attribute("aria-pressed") == "false"


# --- (e) escaping ------------------------------------------------------------------------


def test_names_sources_and_notes_with_script_show_as_text_and_run_nothing(page, app_url):
    open_reader(page, app_url, f"?date={HOSTILE_DATE}")
    rows = header_rows(page)
    assert HOSTILE_LAYER in rows, f"the header does not name the layer literally: {list(rows)}"
    assert page.locator(".frontline-header img, .frontline-header script").count() == 0
    assert HOSTILE_LAYER in page.get_attribute(READER_SLIDER, "aria-valuetext")
    assert HOSTILE_LAYER in page.locator(".frontline-summary").text_content()
    texts = []
    for path in page.query_selector_all(TERRITORY_PATHS):
        tooltip = hover_territory(page, path)
        texts.append(tooltip.inner_text())
        if f"Layer: {HOSTILE_LAYER}" in texts[-1]:
            break
    else:
        raise AssertionError(f"no polygon's tooltip names the layer literally: {texts}")
    text = texts[-1]
    assert f"Source: {HOSTILE_SOURCE}" in text and f"Note: {HOSTILE_NOTE}" in text, text
    assert page.query_selector(f"{READER_TOOLTIP} img, {READER_TOOLTIP} script") is None
    page.wait_for_timeout(500)
    assert page.evaluate("() => typeof window.__xss") == "undefined"
    assert page.locator('img[src="x"]').count() == 0
    assert page.recorder.dialogs == []
    assert not any(u.rstrip("/").endswith("/x") for u in page.recorder.requests), "<img src=x> was requested"


def test_the_header_labels_the_illustrative_layers_shown(page, app_url):
    open_reader(page, app_url, "?date=2024-11-25")
    notes = page.locator(".frontline-header .frontline-notes p")
    assert notes.all_text_contents() == [
        "Illustrative layer: Kursk incursion \u2014 hand-drawn, not a source",
        "Illustrative layer: Strikes and reports \u2014 hand-drawn, not a source",
    ]
    assert notes.first.is_visible()
    # The imported layers (the hostile ones) are not marked illustrative: no label for them.
    assert not any(HOSTILE_LAYER in text for text in notes.all_text_contents())


# --- (f) colour vision -------------------------------------------------------------------


#: Grid points inside a path, a few pixels from its edge and from any label or control.
def test_the_text_alternative_gives_the_date_the_areas_and_the_change(page, app_url, browser_db):
    layers, _ = timeline(browser_db)
    name, dates = max(layers.items(), key=lambda item: len(item[1]))
    day, previous = dates[2], dates[1]
    open_reader(page, app_url, f"?date={day}")
    summary = page.locator(".frontline-summary")
    assert summary.get_attribute("aria-live") == "polite"
    box = summary.bounding_box()
    assert box is None or box["width"] * box["height"] <= 1, f"the summary is on screen: {box}"
    described = page.get_attribute(READER_MAP, "aria-describedby")
    assert described and page.locator(f"#{described}").count() == 1, "the map is not described by it"
    text = summary.text_content()
    assert day.isoformat() in text and long_date(day) in text, text
    assert "km²" in text and f"since {previous}" in text and name in text, text
    reader_slider(page).focus()
    page.keyboard.press("ArrowRight")
    later = day + dt.timedelta(days=1)
    page.wait_for_function(
        "(iso) => document.querySelector('.frontline-summary').textContent.includes(iso)",
        arg=later.isoformat(),
        timeout=10_000,
    )
    assert long_date(later) in summary.text_content() and "km²" in summary.text_content()


# --- (h) one message per pause -----------------------------------------------------------


def test_quick_presses_send_one_message_and_the_address_follows_the_drawn_date(page, app_url, browser_db):
    """Two rounds of 50 quick → presses: each sends at most 10 frames to the server, and
    once the server has answered the pause, the address and the map show the same date
    (the second round checks that the answer to a pause does not move the map back)."""
    _, snapshots = timeline(browser_db)
    first, last = snapshots[0], snapshots[-1]
    frames = record_frames(page)
    day = first + dt.timedelta(days=5)
    open_reader(page, app_url, f"?date={day}")
    page.wait_for_timeout(2000)  # what the page sends once it is drawn is not counted
    reader_slider(page).focus()
    for round_ in (1, 2):
        sent = len(frames)
        for _ in range(QUICK_PRESSES):
            page.keyboard.press("ArrowRight")
        day = min(last, day + dt.timedelta(days=QUICK_PRESSES))
        assert slider_date(page) == day.isoformat()
        wait_for_drawn(page, day.isoformat())
        wait_for_address_date(page, day.isoformat())
        page.wait_for_timeout(2000)  # the server's answer, and anything after it
        count = len(frames) - sent
        print(f"\nround {round_}: {QUICK_PRESSES} presses, {count} WebSocket frames sent")
        assert 1 <= count <= MAX_FRAMES, f"round {round_}: {count} frames for {QUICK_PRESSES} presses"
        assert drawn_date(page) == address_date(page) == slider_date(page) == day.isoformat(), (
            f"round {round_}: drawn {drawn_date(page)}, address {address_date(page)}, "
            f"slider {slider_date(page)}, expected {day}"
        )


def test_a_late_answer_to_an_earlier_pause_does_not_move_the_reader(page, app_url, browser_db):
    """The reader pauses, steps on and pauses again before the server has answered the
    first pause (a busy server or a slow network: the server's messages are held here, then
    delivered in order, 15 ms apart). The answers must not move the reader off the day it
    is on, not even for a moment."""
    _, snapshots = timeline(browser_db)
    day = snapshots[0] + dt.timedelta(days=20)
    held: list[bytes | str] = []
    route: dict = {"holding": False}

    def stream(ws):
        server = ws.connect_to_server()
        route["page"] = ws

        def from_server(message):
            if route["holding"]:
                held.append(message)
            else:
                ws.send(message)

        server.on_message(from_server)

    page.route_web_socket("**/_stcore/stream", stream)
    open_reader(page, app_url, f"?date={day}")
    reader_slider(page).focus()
    route["holding"] = True
    for _ in range(2):
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(600)  # a pause: the reader tells the server (300 ms)
    day += dt.timedelta(days=2)
    wait_for_drawn(page, day.isoformat())
    page.evaluate(
        """(selector) => { const map = document.querySelector(selector); window.__drawn = [];
        new MutationObserver(() => window.__drawn.push(map.dataset.drawnDate))
          .observe(map, {attributes: true, attributeFilter: ['data-drawn-date']}); }""",
        READER_MAP,
    )
    route["holding"] = False
    answers = len(held)
    for message in held:  # in order, as a slow link delivers them
        route["page"].send(message)
        page.wait_for_timeout(15)
    wait_for_address_date(page, day.isoformat())
    page.wait_for_timeout(1500)
    drawn = page.evaluate("() => window.__drawn")
    assert answers > 0, "no message from the server was held: the test proves nothing"
    assert set(drawn) <= {day.isoformat()} and slider_date(page) == day.isoformat(), (
        f"on {day}, the server's {answers} held messages moved the map through {drawn}; "
        f"the slider ends on {slider_date(page)}"
    )


# --- (i) nothing from outside -------------------------------------------------------------


def test_no_request_leaves_localhost_while_scrubbing_zooming_and_playing(page, app_url):
    open_reader(page, app_url, "?date=2024-09-16")
    slider = reader_slider(page)
    slider.focus()
    for key in ["ArrowRight"] * 20 + ["PageUp"] * 3 + ["End", "Home", "PageUp"]:
        page.keyboard.press(key)
    wait_for_drawn(page, slider_date(page))
    for _ in range(3):  # out to country zoom: another level of detail
        page.locator(".leaflet-control-zoom-out").click()
        page.wait_for_timeout(400)
    wait_for_drawn(page, slider_date(page))
    play = page.locator(READER_PLAY)
    play.click()
    assert play.get_attribute("aria-pressed") == "true"
    page.wait_for_timeout(2000)
    play.click()
    assert play.get_attribute("aria-pressed") == "false"
    wait_for_drawn(page, slider_date(page))
    page.wait_for_timeout(1000)
    packs = [u for u in page.recorder.requests if "/app/static/packs/" in u]
    assert len(packs) >= 3, f"the pack's index and chunks: {packs}"
    print(f"\n{len(page.recorder.requests)} requests ({len(packs)} pack files), {page.recorder.external}")
    assert page.recorder.external == []
