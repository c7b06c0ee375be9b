"""Briefers in a real browser: a permalink reopens the same view; presentation mode has no
chrome and steps through the snapshots with the arrow keys.

The reader's page is the components-v2 map (``open_reader``); presentation and side by
side still show streamlit-folium's map in an iframe (``open_app``, ``MAP_FRAME``)."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import expect

from tests.browser.conftest import (
    MAP_FRAME,
    READER_MAP,
    map_view,
    open_app,
    open_reader,
    place_positions,
    same_view,
    territory_dates,
)

#: The view in the address.
CENTER = "new URLSearchParams(location.search).get('center')"
ZOOM = "new URLSearchParams(location.search).get('zoom')"


def linked_view(url: str) -> tuple[tuple[float, float], int]:
    query = parse_qs(urlparse(url).query)
    lat, lon = (float(x) for x in query["center"][0].split(","))
    return (lat, lon), int(query["zoom"][0])


def drag_map(page, dx: float, dy: float) -> None:
    """Pan the map as a reader does: press inside it, move, release."""
    box = page.locator(READER_MAP).bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx, y + dy, steps=8)
    page.mouse.up()


def test_a_permalink_reopens_the_same_date_layers_and_extent(page, app_url):
    open_reader(page, app_url, "?date=2024-09-16&layers=Kursk+incursion&center=51.2500,35.3000&zoom=10")
    page.wait_for_selector(".frontline-place", state="attached", timeout=20_000)
    assert same_view(map_view(page), (51.25, 35.3), 10), map_view(page)
    assert page.locator(".frontline-date").inner_text() == "16 September 2024"
    assert page.get_by_text("Figures for 16 September 2024").count() == 1
    # Zoom and pan as a reader does: the address bar follows, so it is the permalink.
    page.locator(".leaflet-control-zoom-in").click()
    page.wait_for_function(f"() => {ZOOM} === '11'", timeout=20_000)
    zoomed = page.evaluate(f"() => {CENTER}")
    drag_map(page, -120, 80)
    page.wait_for_function(f"(zoomed) => {CENTER} !== zoomed", arg=zoomed, timeout=20_000)
    page.wait_for_timeout(800)  # the view is reported once per move end: let the last one land
    link = page.url
    center, zoom = linked_view(link)
    assert zoom == 11 and "date=2024-09-16" in link and re.search(r"layers=Kursk(\+|%20)incursion", link)
    assert same_view(map_view(page), center, zoom), (map_view(page), center, zoom)
    seen = place_positions(page)
    other = page.context.new_page()
    try:
        open_reader(other, app_url, "?" + urlparse(link).query)
        other.wait_for_selector(".frontline-place", state="attached", timeout=20_000)
        assert same_view(map_view(other), center, zoom), (map_view(other), center, zoom)
        again = place_positions(other)
        assert again.keys() == seen.keys()
        assert all(abs(again[k][0] - seen[k][0]) <= 2 and abs(again[k][1] - seen[k][1]) <= 2 for k in seen), (
            "the places are not where the reader saw them"
        )
        assert other.locator(".frontline-date").inner_text() == "16 September 2024"
        assert [e.strip() for e in other.locator(".frontline-layer-figures .name").all_inner_texts()] == [
            "Kursk incursion"
        ]
    finally:
        other.close()


def test_presentation_mode_is_chromeless_and_steps_with_the_arrow_keys(page, app_url, browser_db):
    # The next snapshot of any layer (an editor's upload in another test may add one).
    shown = dt.date(2024, 11, 25)
    after = min(d for dates in territory_dates(browser_db).values() for d in dates if d > shown)
    next_heading = f"{after.day} {after:%B %Y}"
    page.set_viewport_size({"width": 1920, "height": 1080})
    frame = open_app(page, app_url, "?mode=present&date=2024-11-25")
    page.get_by_role("heading", name="25 November 2024").wait_for(timeout=30_000)
    assert not page.locator('[data-testid="stSidebar"]').is_visible()
    assert not page.locator('[data-testid="stHeader"]').is_visible()
    heading = page.get_by_role("heading", name="25 November 2024").bounding_box()
    assert heading["height"] >= 48, "the date is large"
    box = page.locator(MAP_FRAME).bounding_box()
    assert box["width"] >= 1200 and box["y"] + box["height"] <= 1080, "the map is wide and fits the projector"
    page.keyboard.press("ArrowRight")
    page.get_by_role("heading", name=next_heading).wait_for(timeout=20_000)
    # The address follows the date: its update may arrive just after the heading's.
    page.wait_for_url(f"**date={after}*", timeout=20_000)
    assert f"date={after}" in page.url
    page.keyboard.press("ArrowLeft")
    page.get_by_role("heading", name="25 November 2024").wait_for(timeout=20_000)
    assert frame.evaluate("() => document.querySelectorAll('path.leaflet-interactive').length") > 0
    assert page.recorder.external == []


def test_side_by_side_maps_pan_and_zoom_together(page, app_url):
    page.goto(f"{app_url}/?mode=compare&left=2024-08-27&right=2025-03-31")
    frame = page.wait_for_selector(MAP_FRAME, timeout=60_000).content_frame()
    frame.wait_for_function(
        "() => window.map_div && window.map_div2 && window.map_div._loaded && window.map_div2._loaded"
        " && document.querySelectorAll('.leaflet-overlay-pane path.leaflet-interactive').length >= 4",
        timeout=60_000,
    )
    assert frame.get_by_text("27 Aug 2024").count() == 1 and frame.get_by_text("31 Mar 2025").count() == 1
    moved = frame.evaluate(
        "() => { window.map_div2.setView([51.4, 35.5], 10, {animate: false});"
        " const c = window.map_div.getCenter(); return [c.lat, c.lng, window.map_div.getZoom()]; }"
    )
    assert [round(moved[0], 3), round(moved[1], 3), moved[2]] == [51.4, 35.5, 10], (
        "the left map follows the right"
    )
    moved = frame.evaluate(
        "() => { window.map_div.setView([51.2, 35.1], 9, {animate: false});"
        " const c = window.map_div2.getCenter(); return [c.lat, c.lng, window.map_div2.getZoom()]; }"
    )
    assert [round(moved[0], 3), round(moved[1], 3), moved[2]] == [51.2, 35.1, 9], (
        "and the right follows the left"
    )
    page.get_by_text("Change from 27 Aug 2024 to 31 Mar 2025").wait_for(timeout=20_000)
    assert page.recorder.external == []


def test_the_slide_button_downloads_the_png_of_the_view_on_screen(page, app_url, tmp_path):
    import io

    from PIL import Image

    open_reader(
        page, app_url, "?date=2024-11-25&analysis=Slide+and+time-lapse&center=51.2500,35.3000&zoom=10"
    )
    button = page.get_by_role("button", name="Slide of 25 November 2024 (PNG)")
    button.wait_for(timeout=30_000)
    page.get_by_text("The map's view on screen").wait_for(timeout=30_000)
    with page.expect_download(timeout=60_000) as download:
        button.click()
    path = tmp_path / "slide.png"
    download.value.save_as(path)
    image = Image.open(io.BytesIO(path.read_bytes()))
    assert image.format == "PNG" and image.size == (1920, 1080)
    name = download.value.suggested_filename
    assert name.startswith("kursk-incursion") and name.endswith("-2024-11-25.png"), name
    assert page.recorder.external == []


def test_the_slide_can_use_the_view_on_screen_once_the_reader_moves_the_map(page, app_url):
    """The reader pans: the map reports its view, bounds included (``links.reported_view``),
    so that the slide can be drawn for the view on screen (``views/analytics.py``)."""
    open_reader(
        page, app_url, "?date=2024-11-25&analysis=Slide+and+time-lapse&center=51.2500,35.3000&zoom=10"
    )
    checkbox = page.get_by_role("checkbox", name="The map's view on screen")
    checkbox.wait_for(state="attached", timeout=30_000)
    drag_map(page, -100, 60)
    page.wait_for_function(f"() => {CENTER} !== '51.2500,35.3000'", timeout=20_000)
    # Enabled once the map has reported bounds (ticked or not: the reader chooses).
    expect(checkbox).to_be_enabled(timeout=20_000)
