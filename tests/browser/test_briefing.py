"""Briefers in a real browser: a permalink reopens the same view; presentation mode has no
chrome and steps through the snapshots with the arrow keys."""

from __future__ import annotations

import re

from tests.browser.conftest import MAP_FRAME, open_app


def view(frame) -> tuple[float, float, int]:
    """Centre to 0.001° (Leaflet snaps the centre to whole pixels) and zoom."""
    center = frame.evaluate("() => window.map.getCenter()")
    return round(center["lat"], 3), round(center["lng"], 3), frame.evaluate("() => window.map.getZoom()")


def test_a_permalink_reopens_the_same_date_layers_and_extent(page, app_url):
    frame = open_app(page, app_url, "?date=2024-09-16&layers=Kursk+incursion&center=51.2500,35.3000&zoom=10")
    assert view(frame) == (51.25, 35.3, 10)
    assert page.get_by_text("16 September 2024").count() >= 1
    # Pan and zoom: the address bar follows, so it is the permalink.
    frame.evaluate("() => window.map.setView([51.1, 35.5], 11)")
    page.wait_for_function(
        "() => location.search.includes('zoom=11') && location.search.includes('center=51.1000%2C35.5000')",
        timeout=20_000,
    )
    link = page.url
    assert "date=2024-09-16" in link and re.search(r"layers=Kursk(\+|%20)incursion", link)
    other = page.context.new_page()
    try:
        other.goto(link)
        again = other.wait_for_selector(MAP_FRAME, timeout=60_000).content_frame()
        again.wait_for_selector("path.leaflet-interactive", state="attached", timeout=60_000)
        assert view(again) == (51.1, 35.5, 11)
        assert other.get_by_text("16 September 2024").count() >= 1
    finally:
        other.close()


def test_presentation_mode_is_chromeless_and_steps_with_the_arrow_keys(page, app_url):
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
    page.get_by_role("heading", name="20 December 2024").wait_for(timeout=20_000)
    # The address follows the date: its update may arrive just after the heading's.
    page.wait_for_url("**date=2024-12-20*", timeout=20_000)
    assert "date=2024-12-20" in page.url
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

    open_app(page, app_url, "?date=2024-11-25&analysis=Slide+and+time-lapse&center=51.2500,35.3000&zoom=10")
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
