"""Thousands of events on the reader's map (issue 16), in Chromium against a real
``streamlit run`` on a store with 3,000 generated events (``dense_events``): clusters at
low zoom with tooltips counting each kind, symbols when zoomed in, the density view,
filters from the URL, the window following the slider without a wait, and hostile
sources and titles shown as text.

Expected counts come from the generated events, never from the page.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pytest

from tests.browser.conftest import (
    READER_MAP,
    READER_TOOLTIP,
    open_reader,
    reader_slider,
    recorded_page,
    running_app,
    wait_for_drawn,
)
from tests.browser.dense_events import (
    DENSE_LAST,
    DENSE_LAYER,
    HOSTILE_EVENT_SOURCE,
    HOSTILE_EVENT_TITLE,
    dense_events,
    seed_dense_events,
)
from tests.browser.sites import nginx_server, publish_site

COUNT = 3000
WINDOW = 7
CANVAS = "canvas.frontline-events"
#: The view around the generated events (all of them in view at zoom 8).
CENTRE = "51.25,35.3"


@pytest.fixture(scope="module")
def events_app(tmp_path_factory, browser):
    folder = tmp_path_factory.mktemp("dense-events")
    db = f"sqlite:///{folder / 'events.db'}"
    seed_dense_events(db, COUNT)
    with running_app(db, folder / "streamlit.log") as url:
        yield url


@pytest.fixture
def events_page(browser):
    page = recorded_page(browser)
    yield page
    assert page.evaluate("() => window.__xss") is None, "a string from the data ran as script"
    assert page.recorder.external == [], page.recorder.external
    page.context.close()


@pytest.fixture(scope="module")
def events_site(tmp_path_factory, browser):
    """The dense store published (``--events``) and served by nginx as documented."""
    folder = tmp_path_factory.mktemp("dense-site")
    db = f"sqlite:///{folder / 'events.db'}"
    seed_dense_events(db, COUNT)
    site, _ = publish_site(folder, "--events", DENSE_LAYER, url=db)
    with nginx_server(site, folder) as url:
        yield url


def expected(last: dt.date, **only: str) -> list[dict]:
    """The generated events of the window ending on ``last`` with ``only``'s values."""
    first = last - dt.timedelta(days=WINDOW - 1)
    return [
        f["properties"]
        for f in dense_events(COUNT)["features"]
        if first.isoformat() <= f["properties"]["occurred_on"] <= last.isoformat()
        and all(f["properties"][key] == value for key, value in only.items())
    ]


def query(day: dt.date, zoom: int, extra: str = "") -> str:
    return f"?events={quote(DENSE_LAYER)}&date={day.isoformat()}&center={CENTRE}&zoom={zoom}{extra}"


def drawn(page) -> dict:
    """What the events canvas says it drew: mode, events in view, items (symbols, clusters, bins)."""
    canvas = page.locator(CANVAS)
    return {
        "mode": canvas.get_attribute("data-events-mode"),
        "count": int(canvas.get_attribute("data-events-count") or -1),
        "items": int(canvas.get_attribute("data-events-items") or -1),
    }


def items(page) -> list[dict]:
    return page.evaluate(
        f"""() => document.querySelector('{CANVAS}').frontlineItems.map((item) => ({{
            x: item.x, y: item.y, members: item.members ? item.members.length : 0 }}))"""
    )


def hover_item(page, item: dict) -> str:
    """Hover an item the canvas drew; the tooltip's text."""
    box = page.locator(CANVAS).bounding_box()
    page.mouse.move(box["x"] + item["x"], box["y"] + item["y"])
    tooltip = page.locator(READER_TOOLTIP).last
    tooltip.wait_for(state="visible", timeout=10_000)
    return tooltip.inner_text()


def test_a_week_of_thousands_of_events_is_clustered_with_counts_per_kind(events_app, events_page):
    page = events_page
    open_reader(page, events_app, query(DENSE_LAST, 8))
    week = expected(DENSE_LAST)
    assert len(week) == 2100
    seen = drawn(page)
    assert seen["mode"] == "clusters"
    assert seen["count"] == len(week)
    assert 1 < seen["items"] < 200, "thousands of points became a few dozen clusters"
    drawn_items = items(page)
    groups = [item for item in drawn_items if item["members"] > 1]
    # Every event of the window is in one cluster or drawn alone.
    assert sum(item["members"] or 1 for item in drawn_items) == len(week)
    biggest = max(groups, key=lambda item: item["members"])
    text = hover_item(page, biggest)
    assert f"{biggest['members']:,} events" in text
    counted = 0
    for line in text.splitlines():
        number, _, kind = line.partition(" ")
        if kind in ("strike", "troop presence", "other event", "fire detection"):
            counted += int(number.replace(",", ""))
    assert counted == biggest["members"], text
    legend = page.locator(".frontline-legend").inner_text()
    assert f"{len(week):,} events in view" in legend
    # A click on a cluster zooms in on its events, where each is a symbol.
    box = page.locator(CANVAS).bounding_box()
    page.mouse.click(box["x"] + biggest["x"], box["y"] + biggest["y"])
    page.wait_for_function(
        f"() => document.querySelector('{CANVAS}').dataset.eventsMode === 'symbols'", timeout=10_000
    )


def test_zoomed_in_each_event_is_a_symbol_and_hostile_strings_stay_text(events_app, events_page):
    page = events_page
    open_reader(page, events_app, query(DENSE_LAST, 11))
    seen = drawn(page)
    assert seen["mode"] == "symbols"
    assert 0 < seen["count"] == seen["items"] < len(expected(DENSE_LAST))
    hostile = None
    for item in items(page)[:40]:
        # Every third generated event has the hostile source: one of the first few drawn has.
        text = hover_item(page, item)
        if HOSTILE_EVENT_SOURCE in text:
            hostile = text
            break
    assert hostile is not None, "no hostile event among those drawn"
    assert HOSTILE_EVENT_TITLE in hostile or "Event " in hostile
    assert page.locator(f"{READER_TOOLTIP} img, {READER_TOOLTIP} script").count() == 0


def test_filters_and_the_density_view_come_from_the_link(events_app, events_page):
    page = events_page
    open_reader(page, events_app, query(DENSE_LAST, 8, "&event_kind=strike&event_confidence=confirmed"))
    strikes = expected(DENSE_LAST, kind="strike", confidence="confirmed")
    assert 0 < len(strikes) < len(expected(DENSE_LAST))
    assert drawn(page)["count"] == len(strikes)
    hostile = expected(DENSE_LAST, source=HOSTILE_EVENT_SOURCE)
    density = "&event_view=density&event_source=" + quote(HOSTILE_EVENT_SOURCE)
    page.goto(f"{events_app}/{query(DENSE_LAST, 8, density)}")
    page.wait_for_function(
        f"() => document.querySelector('{CANVAS}')?.dataset.eventsMode === 'density'", timeout=60_000
    )
    seen = drawn(page)
    assert seen["count"] == len(hostile)
    assert "events per hexagon" in page.locator(".frontline-legend").inner_text()
    bins = items(page)
    assert sum(item["members"] for item in bins) == len(hostile)
    text = hover_item(page, max(bins, key=lambda item: item["members"]))
    assert "in this hexagon" in text


def test_the_window_follows_the_slider_without_waiting(events_app, events_page):
    page = events_page
    open_reader(page, events_app, query(DENSE_LAST, 8))
    slider = reader_slider(page)
    slider.focus()
    day = DENSE_LAST
    for _ in range(4):
        page.keyboard.press("ArrowLeft")
        day -= dt.timedelta(days=1)
        wait_for_drawn(page, day.isoformat())
        # Drawn in the same frame as the territory: no request, no wait for the server.
        assert drawn(page)["count"] == len(expected(day)), day
    assert page.locator(READER_MAP).get_attribute("data-drawn-date") == day.isoformat()


def test_the_published_page_filters_and_draws_events_from_its_address_and_its_control(
    events_site, events_page
):
    page = events_page
    page.goto(f"{events_site}/index.html{query(DENSE_LAST, 8, '&event_view=density&event_kind=strike')}")
    page.wait_for_selector(f"{READER_MAP}[data-drawn-date='{DENSE_LAST.isoformat()}']", timeout=60_000)
    page.wait_for_function(f"() => document.querySelector('{CANVAS}')?.dataset.eventsMode === 'density'")
    assert drawn(page)["count"] == len(expected(DENSE_LAST, kind="strike"))
    # The control: every confidence but "disputed", drawn as clusters; the address follows.
    control = page.locator(".frontline-event-control")
    control.locator("summary").click()
    control.locator("input[value='disputed']").uncheck()
    control.locator("select").select_option("clusters")
    page.wait_for_function(f"() => document.querySelector('{CANVAS}').dataset.eventsMode === 'clusters'")
    shown = [e for e in expected(DENSE_LAST, kind="strike") if e["confidence"] != "disputed"]
    assert drawn(page)["count"] == len(shown)
    address = page.evaluate("() => window.location.search")
    assert "event_view=clusters" in address and "event_kind=strike" in address
    assert "event_confidence=claimed" in address and "event_confidence=confirmed" in address
    # The address reopens the same choice.
    page.goto(f"{events_site}/index.html{address}")
    page.wait_for_function(f"() => document.querySelector('{CANVAS}')?.dataset.eventsMode === 'clusters'")
    assert drawn(page)["count"] == len(shown)
