"""The published site's embed options (``docs/reader.md``, "Embed options") in Chromium:
``?theme=dark|light|auto`` (dark chrome with readable text, the dark basemap, ``auto``
following ``prefers-color-scheme`` as it changes), cooperative gestures on embed.html in
another page's iframe (the wheel scrolls that page, ctrl + wheel zooms the map, one finger
scrolls, two move the map, a hint for the wrong gesture) and ``?lang=`` (a registered
catalogue is used, an unknown language falls back to English, ``<html lang>`` follows)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from layers import style
from tests.browser.conftest import READER_MAP, recorded_page, wait_for_drawn
from tests.browser.sites import publish_site, static_server

DATE = "2024-11-25"
HINT = ".frontline-gesture-hint"
TEST_LANGUAGE = {
    "locale": "de-DE",
    "strings": {
        "play.label": "Abspielen (xx)",
        "side.UA": "Ukraine (xx)",
        "summary.map": "Karte vom {date}.",
    },
}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The embedded data published to a folder, plus ``lang-test.html``: index.html that
    registers a test catalogue, "xx", before it starts."""
    site, _ = publish_site(tmp_path_factory.mktemp("published"))
    index = (site / "index.html").read_text(encoding="utf-8")
    start = re.search(r'import \{ start \} from "\./(assets/\w+)/js/frontline/site\.js";', index)
    assert start, "index.html no longer imports site.js as this test expects"
    register = (
        f'import {{ addCatalogue }} from "./{start.group(1)}/js/frontline/strings.js";\n'
        f'addCatalogue("xx", {json.dumps(TEST_LANGUAGE)});\n'
    )
    (site / "lang-test.html").write_text(
        index.replace(start.group(0), register + start.group(0)), encoding="utf-8"
    )
    return site


@pytest.fixture(scope="module")
def site_url(site):
    with static_server(site) as url:
        yield url


@pytest.fixture(scope="module")
def article_url(site_url, tmp_path_factory):
    """A long article on another origin with the map's iframe in its first screen."""
    folder = tmp_path_factory.mktemp("article")
    (folder / "article.html").write_text(
        "<!doctype html><title>Article</title><style>body{margin:0}</style>"
        '<p style="height:150px;margin:0">Story text.</p>'
        f'<iframe title="Map" src="{site_url}/embed.html?date={DATE}" width="800" height="500" '
        'style="border:0;display:block"></iframe>'
        '<p style="height:3000px">More story text.</p>',
        encoding="utf-8",
    )
    with static_server(folder) as url:
        yield url


@pytest.fixture
def page(browser):
    page = recorded_page(browser, viewport={"width": 1200, "height": 800})
    yield page
    page.context.close()


@pytest.fixture
def touch_page(browser):
    page = recorded_page(browser, viewport={"width": 1200, "height": 800}, has_touch=True)
    yield page
    page.context.close()


def _luminance(colour: str) -> float:
    """WCAG relative luminance of a computed ``rgb(r, g, b)`` / ``rgba(...)`` colour."""
    r, g, b = (int(x) / 255 for x in re.findall(r"[\d.]+", colour)[:3])

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _computed(page, selector: str, prop: str) -> str:
    return page.eval_on_selector(selector, "(el, prop) => getComputedStyle(el)[prop]", prop)


def _hex(rgb: str) -> str:
    return "#" + "".join(f"{int(x):02x}" for x in re.findall(r"\d+", rgb)[:3])


def test_dark_theme_darkens_the_chrome_and_the_basemap_and_keeps_text_readable(page, site_url):
    page.goto(f"{site_url}/index.html?date={DATE}&theme=dark")
    wait_for_drawn(page, DATE, timeout=30_000)
    assert page.get_attribute(".frontline-reader", "data-theme") == "dark"
    header = _computed(page, ".frontline-header", "backgroundColor")
    dock = _computed(page, ".frontline-dock", "backgroundColor")
    for name, colour in (
        ("header", header),
        ("dock", dock),
        ("body", _computed(page, "body", "backgroundColor")),
    ):
        assert _luminance(colour) < 0.05, (name, colour)
    for selector in (
        ".frontline-date",
        ".frontline-layer-figures .side-UA",
        ".frontline-layer-figures .as-of",
        ".frontline-layer-figures .name",
    ):
        text = _computed(page, selector, "color")
        assert _contrast(text, header) >= 4.5, (selector, text, header)
    legend = _computed(page, ".frontline-legend", "color")
    assert _contrast(legend, _computed(page, ".frontline-legend", "backgroundColor")) >= 4.5
    body = _computed(page, "body", "backgroundColor")
    assert body.startswith("rgb("), f"the page itself is dark, not transparent: {body}"
    page.locator(".frontline-figure").first.wait_for(timeout=10_000)
    for selector in (
        ".frontline-panel h2",
        ".frontline-compare .frontline-note",
        ".frontline-figure .meta",
        ".frontline-figure .difference",
        ".frontline-files a",
        "h1",
    ):
        text = _computed(page, selector, "color")
        assert _contrast(text, body) >= 4.5, (selector, text, body)
    fills = page.eval_on_selector_all(
        ".leaflet-basemap-pane path", "paths => [...new Set(paths.map(p => p.getAttribute('fill')))]"
    )
    dark = style.BASEMAP_DARK
    assert fills and set(fills) <= {dark["land"], *dark["land_focus"].values()}, fills
    assert _hex(_computed(page, READER_MAP, "backgroundColor")) == dark["sea"]
    strokes = page.eval_on_selector_all(
        ".leaflet-territory-pane path.leaflet-interactive",
        "paths => paths.map(p => p.getAttribute('stroke'))",
    )
    assert style.DARK_COLOURS[style.SIDE_COLOURS["UA"]] in strokes, strokes
    assert style.SIDE_COLOURS["UA"] not in strokes


def test_light_is_the_default_and_an_invalid_theme_is_ignored(page, site_url):
    page.goto(f"{site_url}/index.html?date={DATE}&theme=neon")
    wait_for_drawn(page, DATE, timeout=30_000)
    assert page.get_attribute(".frontline-reader", "data-theme") == "light"
    assert _luminance(_computed(page, ".frontline-dock", "backgroundColor")) > 0.9
    fills = page.eval_on_selector_all(
        ".leaflet-basemap-pane path", "paths => paths.map(p => p.getAttribute('fill'))"
    )
    assert style.BASEMAP["land"] in fills


def test_auto_theme_follows_the_systems_colour_scheme_as_it_changes(page, site_url):
    page.emulate_media(color_scheme="dark")
    page.goto(f"{site_url}/embed.html?date={DATE}&theme=auto")
    wait_for_drawn(page, DATE, timeout=30_000)
    assert page.get_attribute(".frontline-reader", "data-theme") == "dark"
    assert _luminance(_computed(page, ".frontline-dock", "backgroundColor")) < 0.05
    page.emulate_media(color_scheme="light")
    page.wait_for_selector('.frontline-reader[data-theme="light"]')
    assert _luminance(_computed(page, ".frontline-dock", "backgroundColor")) > 0.9
    fills = page.eval_on_selector_all(
        ".leaflet-basemap-pane path", "paths => paths.map(p => p.getAttribute('fill'))"
    )
    assert style.BASEMAP_DARK["land"] not in fills


def _zoom(frame) -> int:
    return frame.evaluate("window.__frontline.reader.map.getZoom()")


def _center(frame) -> list[float]:
    return frame.evaluate(
        "(() => { const c = window.__frontline.reader.map.getCenter(); return [c.lat, c.lng]; })()"
    )


def _settled_scroll(page) -> float:
    """The outer page's scroll once it has stopped moving (a fling goes on after the touch)."""
    before = page.evaluate("window.scrollY")
    for _ in range(50):
        page.wait_for_timeout(150)
        now = page.evaluate("window.scrollY")
        if now == before:
            return now
        before = now
    pytest.fail("the page kept scrolling")


def _map_middle(frame) -> tuple[float, float]:
    """The middle of the embedded map, in the outer page's viewport."""
    box = frame.locator(READER_MAP).bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def _embedded(page, article_url):
    page.goto(f"{article_url}/article.html")
    frame = page.frame(url=re.compile(r"/embed\.html"))
    assert frame is not None
    frame.wait_for_selector(f'{READER_MAP}[data-drawn-date="{DATE}"]', state="attached", timeout=30_000)
    return frame


def test_embed_wheel_scrolls_the_page_and_ctrl_wheel_zooms_the_map(page, article_url):
    frame = _embedded(page, article_url)
    zoom = _zoom(frame)
    page.mouse.move(*_map_middle(frame))
    page.mouse.wheel(0, 120)
    page.wait_for_function("window.scrollY > 0", timeout=5_000)
    frame.wait_for_selector(f"{HINT}.shown", timeout=5_000)
    assert frame.inner_text(HINT) == "Use ctrl + scroll to zoom the map"
    page.wait_for_timeout(400)
    assert _zoom(frame) == zoom, "a plain wheel must not zoom the embedded map"
    scrolled = _settled_scroll(page)
    page.mouse.move(*_map_middle(frame))
    page.keyboard.down("Control")
    page.mouse.wheel(0, -240)
    page.keyboard.up("Control")
    frame.wait_for_function(f"window.__frontline.reader.map.getZoom() > {zoom}", timeout=5_000)
    assert page.evaluate("window.scrollY") == scrolled, "ctrl + wheel must not scroll the page"
    assert page.recorder.external == []


def test_embed_one_finger_scrolls_the_page_and_two_fingers_move_the_map(touch_page, article_url):
    page = touch_page
    frame = _embedded(page, article_url)
    cdp = page.context.new_cdp_session(page)

    def touch(kind: str, points: list[tuple[float, float]]) -> None:
        cdp.send(
            "Input.dispatchTouchEvent",
            {"type": kind, "touchPoints": [{"x": x, "y": y, "id": i} for i, (x, y) in enumerate(points)]},
        )

    center = _center(frame)
    x, y = _map_middle(frame)
    touch("touchStart", [(x, y + 80)])
    for step in range(1, 11):
        touch("touchMove", [(x, y + 80 - 20 * step)])
        page.wait_for_timeout(16)
    touch("touchEnd", [])
    page.wait_for_function("window.scrollY > 50", timeout=5_000)
    assert frame.inner_text(HINT) == "Use two fingers to move the map"
    assert _center(frame) == center, "one finger must not move the embedded map"

    scrolled = _settled_scroll(page)
    x, y = _map_middle(frame)
    start = [(x - 60, y), (x + 60, y)]
    touch("touchStart", start)
    for step in range(1, 11):
        touch("touchMove", [(x + 12 * step, y + 8 * step) for x, y in start])
        page.wait_for_timeout(16)
    touch("touchEnd", [])
    frame.wait_for_function(
        "([lat, lng]) => { const c = window.__frontline.reader.map.getCenter();"
        " return c.lat !== lat || c.lng !== lng; }",
        arg=center,
        timeout=5_000,
    )
    assert page.evaluate("window.scrollY") == scrolled, "two fingers move the map, not the page"


def test_index_keeps_greedy_gestures_and_the_address_can_switch_them(page, site_url):
    page.goto(f"{site_url}/index.html?date={DATE}")
    wait_for_drawn(page, DATE, timeout=30_000)
    assert page.locator(".frontline-cooperative").count() == 0
    zoom = _zoom(page)
    page.mouse.move(600, 400)
    page.mouse.wheel(0, -240)
    page.wait_for_function(f"window.__frontline.reader.map.getZoom() > {zoom}", timeout=5_000)
    assert page.locator(HINT).count() == 0
    page.goto(f"{site_url}/index.html?date={DATE}&gestures=cooperative")
    wait_for_drawn(page, DATE, timeout=30_000)
    assert page.locator(f"{READER_MAP}.frontline-cooperative").count() == 1
    page.goto(f"{site_url}/embed.html?date={DATE}&gestures=greedy")
    wait_for_drawn(page, DATE, timeout=30_000)
    assert page.locator(".frontline-cooperative").count() == 0


def test_an_unknown_language_falls_back_to_english(page, site_url):
    page.goto(f"{site_url}/index.html?date={DATE}&lang=zz-ZZ")
    wait_for_drawn(page, DATE, timeout=30_000)
    assert page.evaluate("document.documentElement.lang") == "en"
    assert page.get_attribute("button.frontline-play", "aria-label") == "Play"
    assert "Ukraine " in page.locator(".frontline-layer-figures").first.inner_text()
    assert page.inner_text(".frontline-date") == "25 November 2024"


def test_lang_uses_a_registered_catalogue_and_sets_html_lang(page, site_url):
    page.goto(f"{site_url}/lang-test.html?date={DATE}&lang=xx")
    wait_for_drawn(page, DATE, timeout=30_000)
    assert page.evaluate("document.documentElement.lang") == "xx"
    assert page.get_attribute(".frontline-reader", "lang") == "xx"
    assert page.get_attribute("button.frontline-play", "aria-label") == "Abspielen (xx)"
    assert page.get_attribute('.frontline-slider[role="slider"]', "aria-label") == "Date", (
        "missing key: English"
    )
    figures = page.locator(".frontline-layer-figures").first.inner_text()
    assert "Ukraine (xx) " in figures, figures
    assert page.inner_text(".frontline-date") == "25. November 2024", "dates in the catalogue's locale"
    page.wait_for_function(
        "document.querySelector('.frontline-summary').textContent.startsWith('Karte vom 25. November 2024.')"
    )
