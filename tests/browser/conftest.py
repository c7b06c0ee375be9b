"""A real ``streamlit run`` on localhost and Debian's Chromium driven by Playwright.

When ``CI=true`` a missing browser fails the tests; elsewhere they skip with the reason.
Every request the page makes is recorded; requests to anything but localhost are
aborted (so a test can never depend on the internet) and reported by the tests.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest
import shapely
import shapely.geometry

from layers import auth
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
    """The embedded data plus a layer imported through validation whose properties try to inject script."""
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


@pytest.fixture(scope="session")
def app_url(tmp_path_factory):
    need(
        Path(CHROMIUM).exists() or shutil.which("chromium") is not None,
        f"Chromium not found at {CHROMIUM}; install Debian's 'chromium' package",
    )
    db = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'browser.db'}"
    seed_browser_store(db)
    port = free_port()
    env = dict(os.environ, FRONTLINE_DB=db)
    secrets = tmp_path_factory.mktemp("secrets") / "secrets.toml"
    secrets.write_text(
        f'[editors]\npassword_hash = "{auth.hash_password(EDITOR_PASSWORD)}"\n', encoding="utf-8"
    )
    # Open for the server's whole life; closed when the session ends.
    log = open(tmp_path_factory.mktemp("log") / "streamlit.log", "w")  # noqa: SIM115
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
            "--secrets.files",
            str(secrets),
        ],
        cwd=ROOT,
        env=env,
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
    yield url
    server.terminate()
    try:
        server.wait(10)
    except subprocess.TimeoutExpired:
        server.kill()


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
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
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
    yield page
    context.close()


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
