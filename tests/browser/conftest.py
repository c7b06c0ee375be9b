"""A real ``streamlit run`` on localhost and Debian's Chromium driven by Playwright.

When ``CI=true`` a missing browser fails the tests; elsewhere they skip with the reason.
Every request the page makes is recorded; requests to anything but localhost are
aborted (so a test can never depend on the internet) and reported by the tests.

The reader's page (``/``) is the components-v2 map of ``static/js/frontline/`` in the page
itself (``open_reader`` and the helpers after it, per ``docs/reader.md``: a
``[role=slider]`` date control, ``data-drawn-date`` on the map once a date is drawn).
Presentation, side by side and the editor still show streamlit-folium's iframe
(``open_app``, ``date_slider``, ``mark_paths``: also what the benchmarks use on the
reader before the rebuild).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
import shapely
import shapely.geometry

from layers import auth
from layers.credits import Credit
from layers.ingest import seed_default_data, sha256
from layers.store import NewSnapshot, Store
from layers.validation import validate
from tests.conftest import IN_CI, ROOT

CHROMIUM = os.environ.get("FRONTLINE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}
#: A feature whose every shown property is a script-injection attempt.
XSS = '<img src=x onerror="window.top.__xss=1;alert(1)">'
XSS_LAYER = "XSS test"
#: The payloads the reader's own code must show as text (``static/js/frontline``).
XSS_IMG = '<img src=x onerror="window.__xss=1">'
XSS_SCRIPT = "<script>window.__xss=2</script>"
XSS_TEMPLATE = "${window.__xss=3}"
HOSTILE = f"{XSS_IMG} {XSS_SCRIPT} {XSS_TEMPLATE}"
#: A territory layer whose name, and its features' source and note, are those payloads;
#: one snapshot, on the day the other seeded layers start (so the timeline is unchanged),
#: with a Ukrainian-held and a Russian-held box north-west of the Kursk drawing.
HOSTILE_LAYER = f"Layer {HOSTILE}"
HOSTILE_SOURCE = f"Source {HOSTILE}"
HOSTILE_NOTE = f"Note {HOSTILE}"
HOSTILE_DATE = "2024-08-06"
HOSTILE_BOXES = {"UA": (34.3, 51.45, 34.6, 51.6), "RU": (34.75, 51.45, 35.05, 51.6)}
EDITOR_PASSWORD = "browser test editor"


def need(condition: bool, reason: str):
    if not condition:
        if IN_CI:
            pytest.fail(f"{reason} (CI=true: browser tests must run, not skip)")
        pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed_browser_store(url: str) -> None:
    """The embedded data plus two layers imported through validation whose properties try
    to inject script (``XSS_LAYER``; ``HOSTILE_LAYER``, whose name does too)."""
    import datetime as dt
    import json

    store = Store(url)
    seed_default_data(store)
    raw = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": shapely.geometry.mapping(shapely.box(35.45, 51.45, 35.75, 51.6)),
                    "properties": {
                        "held_by": "RU",
                        "status": "held",
                        "source": XSS,
                        "note": "`+alert(7)+` ${alert(3)} <script>window.top.__xss=2</script>",
                        "<b onmouseover=alert(4)>key</b>": "value",
                    },
                }
            ],
        }
    ).encode()
    report = validate(raw, name="xss-2024-08-06.geojson")
    assert report.ok, report.summary()
    store.write(
        [
            NewSnapshot(
                XSS_LAYER, dt.date(2024, 8, 6), report.features, sha256(raw), description=XSS, file_name=XSS
            )
        ],
        actor="test",
    )
    # A credit is an editor's text too: the map's attribution must show it as text.
    store.set_credit(XSS_LAYER, Credit(source=XSS, licence="CC BY 4.0"), actor="test")
    raw = json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": shapely.geometry.mapping(shapely.box(*box)),
                    "properties": {
                        "held_by": side,
                        "status": "held",
                        "source": HOSTILE_SOURCE,
                        "note": HOSTILE_NOTE,
                    },
                }
                for side, box in HOSTILE_BOXES.items()
            ],
        }
    ).encode()
    report = validate(raw, name=f"hostile-{HOSTILE_DATE}.geojson")
    assert report.ok, report.summary()
    store.write(
        [
            NewSnapshot(
                HOSTILE_LAYER,
                dt.date.fromisoformat(HOSTILE_DATE),
                report.features,
                sha256(raw),
                description=HOSTILE,
                file_name=f"hostile-{HOSTILE_DATE}.geojson",
            )
        ],
        actor="test",
    )


def territory_dates(url: str) -> dict[str, list]:
    """Every territory layer of the store at ``url`` and its snapshot dates, ascending."""
    store = Store(url)
    return {
        info.name: sorted(store.heads(info.name)["as_of"])
        for info in store.layers()
        if info.kind == "territory"
    }


@pytest.fixture(scope="session")
def browser_db(tmp_path_factory) -> str:
    """The URL of the store the app under test reads (``seed_browser_store``)."""
    need(
        Path(CHROMIUM).exists() or shutil.which("chromium") is not None,
        f"Chromium not found at {CHROMIUM}; install Debian's 'chromium' package",
    )
    db = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'browser.db'}"
    seed_browser_store(db)
    return db


@contextmanager
def running_app(db: str, log_path: Path, secrets: Path | None = None) -> Iterator[str]:
    """``streamlit run app.py`` on ``db`` and a free port, until the block ends: its URL.

    Fails the test (with the log's path) if the server is not healthy within 60 s.
    """
    port = free_port()
    options = ["--secrets.files", str(secrets)] if secrets is not None else []
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "app.py",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
                *options,
            ],
            cwd=ROOT,
            env=dict(os.environ, FRONTLINE_DB=db),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.3)
        else:
            server.kill()
            pytest.fail(f"streamlit did not start; log: {log.name}")
        try:
            yield url
        finally:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()


@pytest.fixture(scope="session")
def app_url(tmp_path_factory, browser_db):
    secrets = tmp_path_factory.mktemp("secrets") / "secrets.toml"
    secrets.write_text(
        f'[editors]\npassword_hash = "{auth.hash_password(EDITOR_PASSWORD)}"\n', encoding="utf-8"
    )
    with running_app(browser_db, tmp_path_factory.mktemp("log") / "streamlit.log", secrets) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "playwright is not installed: pip install -r requirements-test.txt")
    executable = CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class Recorder:
    """Every request URL a page made, and the dialogs it opened."""

    def __init__(self):
        self.requests: list[str] = []
        self.dialogs: list[str] = []

    @property
    def external(self) -> list[str]:
        return [
            u
            for u in self.requests
            if urlparse(u).scheme not in ("data", "blob", "about") and urlparse(u).hostname not in LOCAL_HOSTS
        ]


@pytest.fixture
def page(browser):
    page = recorded_page(browser)
    yield page
    page.context.close()


def recorded_page(browser, **context_options):
    """A page in a new context (``context_options`` as ``browser.new_context`` takes them;
    1600×1000 by default) whose requests and dialogs are recorded in ``page.recorder``
    and whose requests to anything but localhost are aborted. Close its context."""
    context = browser.new_context(**{"viewport": {"width": 1600, "height": 1000}, **context_options})
    recorder = Recorder()

    def route(route_):
        host = urlparse(route_.request.url).hostname
        if host in LOCAL_HOSTS or urlparse(route_.request.url).scheme in ("data", "blob"):
            route_.continue_()
        else:
            route_.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("request", lambda request: recorder.requests.append(request.url))

    def on_dialog(dialog):
        recorder.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.recorder = recorder
    return page


# --- helpers for the tests ---------------------------------------------------------

MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'


def open_app(page, app_url: str, query: str = ""):
    """Load the app and return the map iframe's Frame once polygons are drawn."""
    page.goto(f"{app_url}/{query}")
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    frame = page.wait_for_selector(MAP_FRAME, timeout=60_000).content_frame()
    frame.wait_for_selector("path.leaflet-interactive", state="attached", timeout=60_000)
    return frame


def date_slider(page):
    return page.locator('[data-testid="stSlider"]').filter(has_text="Date").get_by_role("slider")


def mark_paths(frame) -> None:
    frame.evaluate(
        "() => document.querySelectorAll('path.leaflet-interactive').forEach(p => { p.__old = true; })"
    )


def wait_for_new_paths(frame) -> None:
    frame.wait_for_function(
        "() => { const paths = [...document.querySelectorAll('path.leaflet-interactive')];"
        " return paths.length > 0 && paths.every(p => !p.__old); }",
        timeout=20_000,
    )


def count_script_runs(page) -> None:
    """Count finished script runs in ``window.__runs`` (Streamlit flips an attribute on stApp)."""
    page.evaluate(
        "() => { const app = document.querySelector('[data-testid=stApp]'); window.__runs = 0;"
        " new MutationObserver(() => {"
        " if (app.getAttribute('data-test-script-state') === 'notRunning') window.__runs++; })"
        ".observe(app, {attributes: true, attributeFilter: ['data-test-script-state']}); }"
    )


def js_heap_mb(page) -> float:
    """Used JS heap of the page's renderer (the map iframe is same-origin, same process), after GC."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("HeapProfiler.collectGarbage")
    used = cdp.send("Runtime.getHeapUsage")["usedSize"]
    cdp.detach()
    return used / 1e6


def open_sidebar(page) -> None:
    """Expand the sidebar (the app opens with it collapsed: the map is the page)."""
    page.locator('[data-testid="stSidebar"]').wait_for(state="attached", timeout=60_000)
    expand = page.locator('[data-testid="stExpandSidebarButton"]')
    if expand.count():
        expand.click()
    # Collapsed, the sidebar is there with no width: Playwright sees it hidden.
    page.locator('[data-testid="stSidebar"]').wait_for(state="visible", timeout=20_000)


def sign_in(page, name: str) -> None:
    """Sign in as an editor through the sidebar's form."""
    open_sidebar(page)
    page.get_by_text("Editor sign-in").click()
    page.get_by_label("Your name (recorded with each change)").fill(name)
    page.get_by_label("Editor password").fill(EDITOR_PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def choose_layer(page, name: str) -> None:
    """Choose the layer an upload goes into: the editor's Layer box starts empty."""
    box = page.get_by_role("combobox", name="Layer", exact=True)
    box.wait_for(timeout=60_000)
    box.click()
    page.get_by_role("option", name=name, exact=True).click(timeout=30_000)
    page.get_by_text("Credit:").first.wait_for(timeout=30_000)


# --- the reader: a components-v2 map in the page (docs/reader.md) -------------------

READER_MAP = ".leaflet-container.frontline-map"
READER_SLIDER = '.frontline-slider[role="slider"]'
READER_PLAY = "button.frontline-play"
#: The territory's paths: the basemap's are not interactive, the events' have a pane of their own.
TERRITORY_PATHS = ".leaflet-territory-pane path.leaflet-interactive"
READER_TOOLTIP = ".leaflet-tooltip.frontline-tooltip"
#: Up to ``n`` × ``n`` points of a grid over an element's box (within the viewport) where
#: the element is what the reader would touch: ``[[x, y], ...]``, nearest the box centre first.
INTERIOR_POINTS = """([element, n]) => {
  const r = element.getBoundingClientRect();
  const left = Math.max(r.left, 0), right = Math.min(r.right, innerWidth);
  const top = Math.max(r.top, 0), bottom = Math.min(r.bottom, innerHeight);
  const cx = (left + right) / 2, cy = (top + bottom) / 2, out = [];
  for (let i = 1; i <= n; i++) for (let j = 1; j <= n; j++) {
    const x = left + (right - left) * i / (n + 1), y = top + (bottom - top) * j / (n + 1);
    if (document.elementFromPoint(x, y) === element) out.push([x, y]);
  }
  return out.sort((a, b) => Math.hypot(a[0] - cx, a[1] - cy) - Math.hypot(b[0] - cx, b[1] - cy));
}"""


def open_reader(page, app_url: str, query: str = "", paths: bool = True) -> str:
    """Load the reader and wait until its map has drawn a date (the link's ``date`` if it
    has one, with territory on the map unless ``paths`` is False) and the server has
    answered what the map said on its first draw. Returns the drawn date."""
    page.goto(f"{app_url}/{query}")
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    [date] = parse_qs(query.lstrip("?")).get("date", [""])
    drawn = f'{READER_MAP}[data-drawn-date="{date}"]' if date else f"{READER_MAP}[data-drawn-date]"
    # The first page of a store revision waits for its pack, built in the background.
    page.wait_for_selector(drawn, state="attached", timeout=120_000)
    if paths:
        page.wait_for_selector(TERRITORY_PATHS, state="attached", timeout=20_000)
    wait_for_server(page)
    return drawn_date(page)


def wait_for_server(page, quiet_ms: int = 1000) -> None:
    """Until no script run has been going on for ``quiet_ms`` (the map's first draw and
    each pause start one: the answer then carries a date for the map)."""
    page.evaluate("() => { window.__busy = performance.now(); }")
    page.wait_for_function(
        """(quiet) => { const now = performance.now();
        const app = document.querySelector('[data-testid="stApp"]');
        if (app.getAttribute('data-test-script-state') !== 'notRunning') window.__busy = now;
        return now - window.__busy > quiet; }""",
        arg=quiet_ms,
        polling=100,
        timeout=60_000,
    )


def reader_slider(page):
    return page.locator(READER_SLIDER)


def drawn_date(page) -> str | None:
    return page.get_attribute(READER_MAP, "data-drawn-date")


def slider_date(page) -> str:
    """The date the slider is on: the start of its ``aria-valuetext``."""
    return (page.get_attribute(READER_SLIDER, "aria-valuetext") or "")[:10]


def wait_for_drawn(page, date: str, timeout: float = 20_000) -> None:
    """Until the map's ``data-drawn-date`` is ``date`` (YYYY-MM-DD)."""
    page.wait_for_function(
        "([selector, date]) => document.querySelector(selector)?.dataset.drawnDate === date",
        arg=[READER_MAP, date],
        timeout=timeout,
    )


def wait_for_address_date(page, date: str, timeout: float = 20_000) -> None:
    """Until the address has ``date=<date>`` (Python sets it after the reader's pause)."""
    page.wait_for_function(
        "(date) => new URLSearchParams(location.search).get('date') === date", arg=date, timeout=timeout
    )


def address_date(page) -> str | None:
    [date] = parse_qs(urlparse(page.url).query).get("date", [None])
    return date


def place_positions(page) -> dict[str, tuple[float, float]]:
    """Where each place label is on screen: the same view puts them in the same places."""
    return {
        text: (round(x, 1), round(y, 1))
        for text, x, y in page.evaluate(
            "() => [...document.querySelectorAll('.frontline-place')].map(e => {"
            " const r = e.getBoundingClientRect(); return [e.textContent, r.x, r.y]; })"
        )
    }


def interior_points(page, element, n: int = 12) -> list[list[float]]:
    return page.evaluate(INTERIOR_POINTS, [element, n])


def hover_territory(page, path):
    """Move the pointer inside a territory path (an ElementHandle) and return its tooltip."""
    page.mouse.move(1, 1)
    page.wait_for_selector(READER_TOOLTIP, state="detached", timeout=5_000)
    points = interior_points(page, path)
    assert points, "no point on screen where the path is what the pointer touches"
    page.mouse.move(*points[0], steps=2)
    return page.wait_for_selector(READER_TOOLTIP, timeout=10_000)


def record_frames(page) -> list[tuple[float, str | bytes]]:
    """(time, payload) of every WebSocket frame the page sends to Streamlit's stream from
    now on; call it before the page opens the app."""
    frames: list[tuple[float, str | bytes]] = []

    def on_websocket(ws):
        if ws.url.endswith("/_stcore/stream"):
            ws.on("framesent", lambda payload: frames.append((time.perf_counter(), payload)))

    page.on("websocket", on_websocket)
    return frames


#: Each place label with the screen centre of its dot (the circle marker just left of it).
PLACE_DOTS = """() => {
  const dots = [...document.querySelectorAll('.leaflet-places-pane path')].map(p => {
    const r = p.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; });
  return [...document.querySelectorAll('.frontline-place')].map(label => {
    const r = label.getBoundingClientRect(), y = r.y + r.height / 2;
    const dot = dots.find(([dx, dy]) => Math.abs(dy - y) < 2 && r.x - dx > 0 && r.x - dx < 20);
    return dot ? [label.textContent, dot[0], dot[1]] : null;
  }).filter(Boolean);
}"""


def map_view(page) -> tuple[float, float, float]:
    """The reader map's centre (lat, lon) and zoom, worked out from where the place dots
    are on screen and where the places are (``static/basemap/places.geojson``), in Web
    Mercator as Leaflet draws it: no handle into the page's code needed."""
    import json
    import math

    where = {
        f["properties"]["name"]: f["geometry"]["coordinates"]
        for f in json.loads((ROOT / "static" / "basemap" / "places.geojson").read_text(encoding="utf-8"))[
            "features"
        ]
    }

    def mercator(lon: float, lat: float) -> tuple[float, float]:
        """Leaflet's pixel position at zoom 0 (256 px around the world)."""
        return 256 * (lon + 180) / 360, 256 * (
            0.5 - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / (2 * math.pi)
        )

    # Labels are attached before their dots are drawn and placed: wait (up to 20 s) for
    # two, which fails below if they never come.
    with contextlib.suppress(Exception):  # the assertion below says what is missing
        page.wait_for_function(f"() => ({PLACE_DOTS})().length >= 2", timeout=20_000)
    dots = [(mercator(*where[name]), (x, y)) for name, x, y in page.evaluate(PLACE_DOTS) if name in where]
    assert len(dots) >= 2, f"too few place dots on screen to tell the view: {dots}"
    (m0, s0), (m1, s1) = min(dots, key=lambda d: d[1][0]), max(dots, key=lambda d: d[1][0])
    scale = math.hypot(s1[0] - s0[0], s1[1] - s0[1]) / math.hypot(m1[0] - m0[0], m1[1] - m0[1])
    box = page.locator(READER_MAP).bounding_box()
    cx = m0[0] + (box["x"] + box["width"] / 2 - s0[0]) / scale
    cy = m0[1] + (box["y"] + box["height"] / 2 - s0[1]) / scale
    lon = cx / 256 * 360 - 180
    lat = math.degrees(2 * math.atan(math.exp((0.5 - cy / 256) * 2 * math.pi)) - math.pi / 2)
    return lat, lon, math.log2(scale)


def same_view(seen: tuple[float, float, float], center: tuple[float, float], zoom: int) -> bool:
    """``seen`` (from ``map_view``) is ``center`` at ``zoom``, to 2 px (Leaflet snaps the
    centre to whole pixels)."""
    lat, lon, z = seen
    degrees_per_px = 360 / (256 * 2**zoom)
    return (
        abs(z - zoom) < 0.01
        and abs(lon - center[1]) <= 2 * degrees_per_px
        and abs(lat - center[0]) <= 2 * degrees_per_px
    )
