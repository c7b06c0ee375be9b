"""Two app processes on one PostGIS store behind nginx, started by ``deploy/run_cluster.py``:
both show the same data; through the proxy each browser stays on one process (sticky
cookie), so its WebSocket and an editor's upload reach the process that holds the
session; the editor's commit through one process is seen by the other without a restart;
Ctrl-C stops everything.

Needs Chromium, nginx (``FRONTLINE_NGINX=/path``, else on the PATH) and
``FRONTLINE_TEST_PG``; without one of them the test skips with the reason, except under
``CI=true``, where it fails.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from layers import auth
from tests.browser.conftest import (
    CHROMIUM,
    EDITOR_PASSWORD,
    LOCAL_HOSTS,
    READER_MAP,
    TERRITORY_PATHS,
    choose_layer,
    free_port,
    need,
    open_sidebar,
    reader_slider,
    sign_in,
    slider_date,
    wait_for_address_date,
    wait_for_drawn,
)
from tests.conftest import ROOT, TEST_PG

NGINX = os.environ.get("FRONTLINE_NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"
STICKY_COOKIE = "frontline_backend"
LAYER = "Kursk incursion"
LOG_LINE = re.compile(
    r'"(?P<method>\S+) (?P<path>\S+) [^"]*" (?P<status>\d+) \d+ '
    r"backend=(?P<backend>\S+) sticky=(?P<sticky>\S+)"
)


def _port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


class Cluster:
    """``deploy/run_cluster.py`` as a user runs it: one process, stopped with Ctrl-C (SIGINT)."""

    def __init__(self, db: str, workdir: Path, secrets: Path):
        self.app_ports = [free_port(), free_port()]
        self.port = free_port()
        self.workdir = workdir
        # Read while the launcher runs and closed by stop().
        self.output = open(workdir / "run_cluster.out", "w+")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "deploy" / "run_cluster.py"),
                "--db",
                db,
                "--port",
                str(self.port),
                "--app-ports",
                ",".join(map(str, self.app_ports)),
                "--secrets",
                str(secrets),
                "--workdir",
                str(workdir),
                "--nginx",
                NGINX,
                # A named store is not seeded unasked; these tests read the demo.
                "--seed-demo",
            ],
            cwd=ROOT,
            stdout=self.output,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while "Ctrl-C stops all" not in self.log():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"run_cluster.py did not start:\n{self.log()}")
            time.sleep(0.3)

    def log(self) -> str:
        return (self.workdir / "run_cluster.out").read_text()

    @property
    def proxy(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def direct(self, index: int) -> str:
        return f"http://127.0.0.1:{self.app_ports[index]}"

    def access_log(self) -> list[dict]:
        lines = (self.workdir / "access.log").read_text().splitlines()
        return [m.groupdict() for m in map(LOG_LINE.search, lines) if m]

    def backend_of(self, sticky: str) -> str:
        """The backend nginx sent this sticky id's first request to (nginx logs a request
        just after answering it, so the line may take a moment)."""
        deadline = time.monotonic() + 10
        while True:
            found = [r["backend"] for r in self.access_log() if r["sticky"] == sticky]
            if found or time.monotonic() > deadline:
                assert found, f"no request with sticky id {sticky} in {self.workdir / 'access.log'}"
                return found[0]
            time.sleep(0.1)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.output.close()
        return self.process.returncode


@pytest.fixture(scope="session")
def cluster_prerequisites(request):
    """Chromium, nginx and PostGIS, checked before the browser starts: skip with the reason,
    or fail under CI=true."""
    need(
        Path(CHROMIUM).exists() or shutil.which("chromium") is not None,
        f"Chromium not found at {CHROMIUM}; install Debian's 'chromium' package",
    )
    need(Path(NGINX).exists(), f"nginx not found at {NGINX}: install Debian's 'nginx' package (.ci/run does)")
    return request.getfixturevalue("postgis_admin")


@pytest.fixture
def cluster(cluster_prerequisites, tmp_path):
    """``run_cluster.py`` with two app processes on a new schema of the PostGIS test database,
    seeded by the launcher (``--seed-demo``)."""
    admin = cluster_prerequisites
    schema = f"cluster_{uuid.uuid4().hex[:16]}"
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    db = (
        make_url(TEST_PG)
        .update_query_dict({"options": f"-csearch_path={schema},public"})
        .render_as_string(hide_password=False)
    )
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        f'[editors]\npassword_hash = "{auth.hash_password(EDITOR_PASSWORD)}"\n', encoding="utf-8"
    )
    running = Cluster(db, tmp_path, secrets)
    yield running
    running.stop()
    with admin.begin() as connection:
        connection.execute(text("SET LOCAL lock_timeout = '10s'"))
        connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))


def new_page(browser, cookies: list[dict] | None = None):
    """A page in a context of its own (its own cookies, so its own sticky id), local requests only."""
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    if cookies:
        context.add_cookies(cookies)
    context.route(
        "**/*",
        lambda r: (
            r.continue_()
            if urlparse(r.request.url).hostname in LOCAL_HOSTS
            or urlparse(r.request.url).scheme in ("data", "blob")
            else r.abort()
        ),
    )
    page = context.new_page()
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    return page


def drawn_map(page) -> None:
    """Wait until the reader's map of a page already navigated has drawn its territory.

    Pages are navigated first and waited for afterwards, so that the two processes
    work on their first runs at the same time.
    """
    page.wait_for_selector('[data-testid="stApp"]', timeout=60_000)
    # The first page of a store revision waits for its pack, built in the background.
    page.wait_for_selector(f"{READER_MAP}[data-drawn-date]", state="attached", timeout=120_000)
    page.wait_for_selector(TERRITORY_PATHS, state="attached", timeout=60_000)


def layer_caption(page, expect: str = "") -> str:
    """The sidebar's "Kursk incursion (N snapshot(s), first to last)", once it contains ``expect``."""
    open_sidebar(page)
    caption = page.locator('[data-testid="stSidebar"]').get_by_text(
        re.compile(rf"{LAYER} \(\d+ snapshot\(s\).*{re.escape(expect)}")
    )
    caption.wait_for(timeout=60_000)
    return caption.inner_text()


def area_panel(page) -> str:
    """The "Area at this date" heading line and the UA-held km² inside Russia."""
    heading = page.get_by_text(re.compile(rf"^{LAYER} — snapshot of "))
    heading.wait_for(timeout=60_000)
    metric = page.locator('[data-testid="stMetric"]').filter(has_text="Held by Ukraine inside Russia")
    return f"{heading.inner_text()} | {metric.inner_text()}"


def snapshot_file(bbox=(35.0, 51.0, 35.3, 51.2)) -> bytes:
    x0, y0, x1, y1 = bbox
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]],
                    },
                    "properties": {"held_by": "UA", "status": "held", "source": "cluster test"},
                }
            ],
        }
    ).encode()


def commit_as_editor(page, file_name: str, bbox) -> None:
    """Sign in through the sidebar, upload a snapshot of the default layer, commit it."""
    sign_in(page, "cluster editor")
    choose_layer(page, "Kursk incursion")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        {"name": file_name, "mimeType": "application/geo+json", "buffer": snapshot_file(bbox)}
    )
    # Validation runs in a sandboxed child behind nginx: on a loaded 2-core CI machine the
    # check and the preview have taken over a minute (one CI run timed out at 60 s).
    page.get_by_text("Valid: 1 feature(s)").wait_for(timeout=120_000)
    page.get_by_role("button", name="Commit this snapshot").click(timeout=120_000)
    page.get_by_text("Committed as version").wait_for(timeout=60_000)


def step_the_slider(page) -> None:
    """Home on the reader's slider, then a pause: the browser draws the first day itself and
    tells the server, whose answer puts the date in the address: a round trip over the
    session's WebSocket."""
    reader_slider(page).focus()
    page.keyboard.press("Home")
    first = slider_date(page)
    wait_for_drawn(page, first)
    wait_for_address_date(page, first)


def test_the_nginx_config_passes_nginx_t_as_shipped_and_for_three_processes(tmp_path):
    need(Path(NGINX).exists(), f"nginx not found at {NGINX}: install Debian's 'nginx' package (.ci/run does)")
    sys.path.insert(0, str(ROOT / "deploy"))
    try:
        from run_cluster import NGINX_CONF, render_nginx_conf
    finally:
        sys.path.remove(str(ROOT / "deploy"))
    rendered = render_nginx_conf([9001, 9002, 9003], "127.0.0.1:9000")
    assert re.findall(r"server (\S+);", rendered) == ["127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003"]
    assert "listen 127.0.0.1:9000;" in rendered
    (tmp_path / "rendered.conf").write_text(rendered, encoding="utf-8")
    for conf in (NGINX_CONF, tmp_path / "rendered.conf"):
        checked = subprocess.run(
            [NGINX, "-t", "-p", str(tmp_path), "-c", str(conf)], capture_output=True, text=True
        )
        assert checked.returncode == 0, checked.stderr


def test_two_processes_share_the_store_and_the_proxy_keeps_each_browser_on_one(
    cluster_prerequisites, browser, cluster
):
    started = time.perf_counter()
    timings = {}

    def lap(name):
        timings[name] = time.perf_counter() - started

    # --- the same data in both processes, each opened directly ---------------------
    direct = [new_page(browser), new_page(browser)]
    for index, page in enumerate(direct):
        page.goto(cluster.direct(index))
    for page in direct:
        drawn_map(page)
    caption = layer_caption(direct[0])
    last = re.search(r"to (\d{4}-\d\d-\d\d)\)", caption).group(1)
    assert last < "2025-04-15"
    assert layer_caption(direct[1]) == caption
    assert area_panel(direct[1]) == area_panel(direct[0])
    assert f"snapshot of {last}" in area_panel(direct[0])
    lap("both processes show the same data")

    # --- through nginx: a sticky cookie, and one process per browser ----------------
    with urllib.request.urlopen(f"{cluster.proxy}/_stcore/health", timeout=10) as response:
        set_cookies = response.headers.get_all("Set-Cookie")
    assert any(
        re.fullmatch(rf"{STICKY_COOKIE}=[0-9a-f]{{32}}; Path=/; HttpOnly; SameSite=Lax", c)
        for c in set_cookies
    ), set_cookies
    first = new_page(browser)
    first.goto(cluster.proxy)
    sticky_first = next(c["value"] for c in first.context.cookies() if c["name"] == STICKY_COOKIE)
    backend_first = cluster.backend_of(sticky_first)
    # A second browser whose sticky id lands on the other process (found by asking nginx).
    for n in range(64):
        urllib.request.urlopen(
            urllib.request.Request(
                f"{cluster.proxy}/_stcore/health", headers={"Cookie": f"{STICKY_COOKIE}=probe-{n}"}
            ),
            timeout=10,
        ).read()
        if cluster.backend_of(f"probe-{n}") != backend_first:
            sticky_second = f"probe-{n}"
            break
    else:
        pytest.fail("no sticky id reached the second backend: is nginx hashing the cookie?")
    backend_second = cluster.backend_of(sticky_second)
    second = new_page(browser, [{"name": STICKY_COOKIE, "value": sticky_second, "url": cluster.proxy}])
    second.goto(cluster.proxy)
    drawn_map(first)
    drawn_map(second)
    step_the_slider(first)
    step_the_slider(second)
    lap("two browsers through nginx, slider steps")

    # --- an editor's commit through nginx, on the first browser's process -------------
    # The upload reaches the process that holds the session, or the commit would fail.
    commit_as_editor(first, "kursk-2025-04-15.geojson", (35.0, 51.0, 35.3, 51.2))
    lap("commit through nginx")
    # What sticky sessions prevent: the same upload sent to the other process is refused.
    [upload_url] = {u for u in first.requests if "/_stcore/upload_file/" in u}
    token = next(c["value"] for c in first.context.cookies() if c["name"] == "_streamlit_xsrf")
    refused = first.request.put(
        f"http://{backend_second}{urlparse(upload_url).path}",
        headers={"X-Xsrftoken": token},
        multipart={"files": {"name": "x.geojson", "mimeType": "application/geo+json", "buffer": b"{}"}},
    )
    assert refused.status == 400 and "Invalid session_id" in refused.text()

    # --- the other process sees the commit, without a restart ---------------------------
    # Its page opened directly before the commit, opened again (its address now carries
    # the date it showed, the latest before the commit: open the latest):
    index = cluster.app_ports.index(int(backend_second.rsplit(":", 1)[1]))
    other = direct[index]
    other.goto(f"{cluster.direct(index)}/")
    after = layer_caption(other, expect="to 2025-04-15)")
    assert (
        int(re.search(r"\((\d+) snapshot", after).group(1))
        == int(re.search(r"\((\d+) snapshot", caption).group(1)) + 1
    )
    assert "snapshot of 2025-04-15" in area_panel(other)
    # and the second browser, through nginx (its address carries the date it stepped to;
    # open the latest):
    second.goto(f"{cluster.proxy}/")
    layer_caption(second, expect="to 2025-04-15)")
    assert "snapshot of 2025-04-15" in area_panel(second)
    lap("the commit seen by the other process")
    for page in (*direct, first, second):
        page.context.close()

    # Closed WebSockets are logged too: every request of each browser went to one process.
    deadline = time.monotonic() + 10
    while True:
        log = cluster.access_log()
        by_sticky = {s: [r for r in log if r["sticky"] == s] for s in (sticky_first, sticky_second)}
        streams = {s: [r for r in rows if r["path"] == "/_stcore/stream"] for s, rows in by_sticky.items()}
        if all(streams.values()) or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert backend_first != backend_second
    assert {r["backend"] for r in by_sticky[sticky_first]} == {backend_first}
    assert {r["backend"] for r in by_sticky[sticky_second]} == {backend_second}
    for sticky, rows in streams.items():
        assert rows and all(r["status"] == "101" for r in rows), f"{sticky}: WebSocket not upgraded: {rows}"
    uploads = [
        r
        for r in by_sticky[sticky_first]
        if r["method"] == "PUT" and r["path"].startswith("/_stcore/upload_file/")
    ]
    assert uploads and all(r["status"] == "204" for r in uploads)

    # Ctrl-C stops nginx and both app processes; none had stopped before (the launcher
    # would have stopped all and exited with status 1).
    assert cluster.stop() == 0, cluster.log()
    assert not any(_port_open(p) for p in (cluster.port, *cluster.app_ports))
    lap("stopped")
    print("\n" + "; ".join(f"{name}: {seconds:.1f} s" for name, seconds in timings.items()))
