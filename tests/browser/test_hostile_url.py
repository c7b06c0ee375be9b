"""Hostile links and stored markup in a real browser: the worst URLs (a 100 KB value,
NUL, ``<script>``, ``NaN``, ``1e999``, repeated keys) open the map on its default date
with a notice, never an exception, a dialog or the URL's script in the page; a layer
named ``![b](http://127.0.0.1:<port>/x.png)`` makes no browser fetch that image (a local
HTTP server counts its hits); and nothing is requested beyond localhost.

One app server for the module, on its own store (the embedded data plus
``tests.views.conftest.seed_markup_store``): the session's store is shared with other
browser tests that count its layers.
"""

from __future__ import annotations

import os
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote

import pytest

from tests.browser.conftest import CHROMIUM, READER_MAP, need, recorded_page, running_app, wait_for_server
from tests.views.conftest import seed_markup_store

LATEST = "2025-03-31"
SCRIPT = "<script>alert(1)</script>"
BIG = "9" * 100_000
#: The worst links, each with what it opens (the reader's map or a folium page).
URLS = {
    "100 KB date": ("/?date=" + BIG, "reader"),
    "everything at once": (
        "/?date=2024-11-25%00&date=NaN&layers=" + quote(SCRIPT) + "&center=NaN,1e999&zoom=-inf"
        "&window=1e999&window=3&change="
        + quote(SCRIPT)
        + "&analysis="
        + quote("<img src=x onerror=alert(2)>"),
        "reader",
    ),
    "100 KB zoom and script layers": ("/?zoom=" + BIG + "&layers=" + quote(SCRIPT) * 50, "reader"),
    "side by side": (
        "/?mode=compare&left=" + quote(SCRIPT) + "&left=2024-08-27&right=1e999&date=%00",
        "folium",
    ),
    "presentation": ("/?mode=present&date=" + quote(SCRIPT) + "&date=NaN&center=-inf,NaN", "folium"),
}


class _Counter(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 (http.server's name)
        self.hits.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def beacon():
    """A local HTTP server on 127.0.0.1:8765 (another free port if taken) whose hits are
    counted: what a layer name rendered as an image would make a browser fetch."""
    try:
        server = ThreadingHTTPServer(("127.0.0.1", 8765), _Counter)
    except OSError:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Counter)
    _Counter.hits = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def hostile_app(tmp_path_factory, beacon):
    """The app on its own store (``seed_markup_store``), and the markup names."""
    need(os.path.exists(CHROMIUM), f"Chromium not found at {CHROMIUM}; install Debian's 'chromium' package")
    folder = tmp_path_factory.mktemp("hostile")
    db = f"sqlite:///{folder / 'app.db'}"
    names = seed_markup_store(db, f"http://127.0.0.1:{beacon.server_address[1]}")
    with running_app(db, folder / "streamlit.log") as url:
        yield url, names


@pytest.fixture
def page(browser):
    page = recorded_page(browser)
    yield page
    page.context.close()


NOTICE = '[data-testid="stAlert"]:has-text("The link\'s")'
#: Script or an image from the URL, as elements: none may be in the page.
INJECTED = """() => [...document.querySelectorAll('script, img[src="x"]')]
  .filter(e => e.tagName === 'IMG' || e.textContent.includes('alert(')).length"""


@pytest.mark.parametrize("name", list(URLS))
def test_a_hostile_link_opens_the_map_on_its_defaults_with_a_notice(page, hostile_app, beacon, name):
    url, _ = hostile_app
    path, shows = URLS[name]
    page.goto(url + path)
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    if shows == "reader":
        page.wait_for_selector(f'{READER_MAP}[data-drawn-date="{LATEST}"]', state="attached", timeout=120_000)
    else:
        page.wait_for_selector('iframe[title="streamlit_folium.st_folium"]', timeout=60_000)
    page.wait_for_selector(NOTICE, timeout=30_000)
    wait_for_server(page)
    notices = page.locator(NOTICE).all_inner_texts()
    assert notices and all(len(text) < 400 for text in notices), notices
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.recorder.dialogs == []
    assert page.evaluate(INJECTED) == 0
    assert SCRIPT not in page.content(), "the URL's script is nowhere in the page, not even as markup"
    assert page.recorder.external == []
    assert beacon.RequestHandlerClass.hits == []


def test_stored_markup_in_labels_fetches_nothing(page, hostile_app, beacon):
    """The Downloads tab's buttons, the sidebar's layer list and the areas panel all name
    the layer ``![b](http://127.0.0.1:<port>/x.png)``: shown as text, never fetched."""
    url, names = hostile_app
    page.goto(f"{url}/?date=2024-08-12&analysis=Downloads")
    page.wait_for_selector(f'{READER_MAP}[data-drawn-date="2024-08-12"]', state="attached", timeout=120_000)
    button = page.get_by_role("button", name=re.compile("^Snapshot of (?!Kursk)"))
    button.wait_for(timeout=60_000)
    time.sleep(1)  # long enough for an image in the label to be fetched
    assert beacon.RequestHandlerClass.hits == [], "the label's image was fetched"
    assert button.inner_text() == f"Snapshot of {names['layer']}, 2024-08-12 (GeoJSON)"
    page.get_by_text(f"{names['scope']}", exact=False).first.wait_for(state="attached", timeout=30_000)
    wait_for_server(page)
    page.goto(f"{url}/?mode=present&date=2024-08-12")
    page.get_by_text(names["source"], exact=False).first.wait_for(state="attached", timeout=60_000)
    wait_for_server(page)
    assert beacon.RequestHandlerClass.hits == []
    assert page.evaluate(INJECTED) == 0 and page.recorder.dialogs == []
    assert page.recorder.external == []
