"""The published site (``python -m layers publish``) served as plain static files, by
``python -m http.server`` and by nginx, in Chromium: the map draws, scrubbing works, the km²
shown are the command line's, embed.html works in another page's iframe, and no request
leaves the site's origin."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.browser.conftest import (
    HOSTILE,
    HOSTILE_DATE,
    HOSTILE_LAYER,
    HOSTILE_NOTE,
    HOSTILE_SOURCE,
    READER_MAP,
    reader_slider,
    recorded_page,
    seed_browser_store,
    slider_date,
    wait_for_drawn,
)
from tests.browser.sites import nginx_server as served_by_nginx
from tests.browser.sites import publish_site, static_server
from tests.conftest import ROOT

DATE = "2024-11-25"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """The embedded data published to a folder (the store is seeded on first use)."""
    return publish_site(tmp_path_factory.mktemp("published"))


@pytest.fixture(scope="module")
def http_server(site):
    with static_server(site[0]) as base:
        yield base


@pytest.fixture(scope="module")
def nginx_server(site, tmp_path_factory):
    with served_by_nginx(site[0], tmp_path_factory.mktemp("nginx")) as base:
        yield base


def _areas(env: dict[str, str]) -> dict[str, float]:
    """``python -m layers areas --date DATE``: km² held per side (anywhere), as the CLI says."""
    result = subprocess.run(
        [sys.executable, "-m", "layers", "areas", "--date", DATE, "--layer", "Kursk incursion"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    rows = csv.DictReader(io.StringIO(result.stdout))
    return {
        row["held_by"]: float(row["area_km2"])
        for row in rows
        if row["status"] == "held" and row["within"] == ""
    }


@pytest.fixture
def page(browser):
    page = recorded_page(browser)
    yield page
    page.context.close()


@pytest.mark.parametrize("server", ["http_server", "nginx_server"])
def test_the_published_reader_draws_scrubs_and_states_the_cli_areas(server, page, site, request):
    base = request.getfixturevalue(server)
    page.goto(f"{base}/index.html?date={DATE}")
    wait_for_drawn(page, DATE, timeout=30_000)
    header = page.locator(".frontline-layer-figures").first.inner_text()
    held = _areas(site[1])
    assert "UA" in held, held
    shown = header.replace("\u202f", ",").replace("\xa0", " ")
    assert f"Ukraine {round(held['UA']):,} km²" in shown, (header, held)
    # The published map labels the illustrative layers in its header, as the app's does.
    assert page.locator(".frontline-notes p").all_text_contents() == [
        "Illustrative layer: Kursk incursion \u2014 hand-drawn, not a source",
        "Illustrative layer: Strikes and reports \u2014 hand-drawn, not a source",
    ]
    slider = reader_slider(page)
    slider.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    wait_for_drawn(page, slider_date(page))
    assert slider_date(page) > DATE
    outside = [url for url in page.recorder.requests if not url.startswith((base, "data:", "blob:"))]
    assert outside == [], outside
    assert page.title() == "Kursk incursion"


def test_the_embed_works_inside_another_pages_iframe(page, nginx_server, tmp_path):
    """An article on another origin (another port) embeds the map as the snippet does."""
    article = tmp_path / "article"
    article.mkdir()
    (article / "article.html").write_text(
        "<!doctype html><title>Article</title><p>Story text.</p>"
        f'<iframe title="Map" src="{nginx_server}/embed.html?date={DATE}" width="640" height="420" '
        'loading="lazy" style="border:0"></iframe>',
        encoding="utf-8",
    )
    with static_server(article) as origin:
        page.goto(f"{origin}/article.html")
        frame = page.frame_locator("iframe")
        frame.locator(f'{READER_MAP}[data-drawn-date="{DATE}"]').wait_for(state="attached", timeout=30_000)
        link = frame.locator("footer a[href^='index.html']")
        assert link.get_attribute("href") == f"index.html?date={DATE}", "the credit opens the full page there"
        assert "Kursk incursion (illustrative)" in frame.locator("footer").inner_text(), (
            "an illustrative layer says so in the embed's credit"
        )
        assert [u for u in page.recorder.requests if not u.startswith((nginx_server, origin))] == []


def test_nginx_serves_the_precompressed_files_and_caches_hashed_ones_forever(nginx_server, site):
    manifest = urllib.request.urlopen(f"{nginx_server}/manifest.json").headers
    assert manifest["Cache-Control"] == "no-cache"

    assets = json.loads((site[0] / "manifest.json").read_text())["reader"]["static"]
    request = urllib.request.Request(
        f"{nginx_server}/{assets}/js/frontline/reader.js", headers={"Accept-Encoding": "gzip"}
    )
    response = urllib.request.urlopen(request)
    assert response.headers["Content-Encoding"] == "gzip"
    assert "immutable" in response.headers["Cache-Control"]


def _cli_figures(env: dict[str, str]) -> list[dict]:
    """``python -m layers figures compare --format json``: each reported figure and the map's km²."""
    result = subprocess.run(
        [sys.executable, "-m", "layers", "figures", "compare", "--format", "json"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout)["rows"]


def test_the_panel_sets_the_reported_figures_nearest_the_date_against_the_cli_areas(page, http_server, site):
    page.goto(f"{http_server}/index.html?date={DATE}")
    wait_for_drawn(page, DATE, timeout=30_000)
    page.locator(".frontline-figure").first.wait_for(timeout=10_000)
    shown = page.evaluate(
        """() => [...document.querySelectorAll('.frontline-figure')].map((li) => ({
             scope: li.querySelector('.scope').textContent, meta: li.querySelector('.meta').textContent,
             values: li.querySelector('.values').textContent }))"""
    )
    rows = _cli_figures(site[1])
    distance = {
        r["scope"]: min(
            abs((dt.date.fromisoformat(x["date"]) - dt.date.fromisoformat(DATE)).days)
            for x in rows
            if x["scope"] == r["scope"]
        )
        for r in rows
    }
    nearest = [
        r
        for r in rows
        if abs((dt.date.fromisoformat(r["date"]) - dt.date.fromisoformat(DATE)).days) == distance[r["scope"]]
    ]
    assert len(shown) == min(6, len(nearest)) > 0, (shown, nearest)
    for item in shown:
        date = item["meta"].split(" · ")[0]
        (row,) = [
            r
            for r in nearest
            if r["scope"] == item["scope"] and r["date"] == date and r["source"] in item["meta"]
        ]
        values = item["values"].replace("\u202f", ",")
        assert f"reported {round(row['reported_km2']):,} km²" in values, (values, row)
        if row["comparison"] == "compared":
            assert (
                f"map {round(row['computed_km2']):,} km² (snapshot of {row['computed_as_of']})" in values
            ), (values, row)
    about = page.locator(".frontline-about").inner_text()
    assert "equal-area projection" in about and "Illustrative drawing" in about
    assert "Illustrative data, not survey data." in about
    page.keyboard.press("Tab")
    slider = reader_slider(page)
    slider.focus()
    page.keyboard.press("End")
    last = slider_date(page)
    wait_for_drawn(page, last)
    page.wait_for_function(
        "(iso) => document.querySelector('.frontline-compare .frontline-note').textContent.includes(iso)",
        arg=last,
    )
    assert page.url.endswith(f"date={last}"), "a pause writes the date into the address"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """The browser tests' hostile store (layer name, description, sources and notes that try
    to inject script) with a reported figure of the same kind, published under a hostile title."""
    import pandas as pd

    from layers.figures import check_figures
    from layers.store import Store

    folder = tmp_path_factory.mktemp("hostile")
    url = f"sqlite:///{folder / 'store.db'}"
    seed_browser_store(url)
    figure = pd.DataFrame(
        [
            {
                "date": HOSTILE_DATE,
                "scope": f"Scope {HOSTILE}",
                "value_km2": "100",
                "kind": "official claim",
                "source": HOSTILE_SOURCE,
                "layer": HOSTILE_LAYER,
                "held_by": "UA",
                "status": "held",
                "note": HOSTILE_NOTE,
            }
        ]
    )
    Store(url).add_figures(check_figures(figure, "hostile figure"), actor="test")
    options = ("--layer", HOSTILE_LAYER, "--layer", "Kursk incursion", "--title", f"Title {HOSTILE}")
    site, _ = publish_site(folder, *options, url=url)
    with static_server(site) as base:
        yield base


def test_hostile_names_sources_notes_and_titles_stay_text_on_the_published_page(page, hostile_site):
    page.goto(f"{hostile_site}/index.html?date={HOSTILE_DATE}")
    wait_for_drawn(page, HOSTILE_DATE, timeout=30_000)
    page.locator(".frontline-figure").first.wait_for(timeout=10_000)
    assert page.title() == f"Title {HOSTILE}"
    assert page.locator("h1").inner_text() == f"Title {HOSTILE}"
    panel = page.locator("#panel")
    page.evaluate("() => document.querySelectorAll('#panel details').forEach((d) => { d.open = true; })")
    text = panel.inner_text()
    for literal in (HOSTILE_LAYER, HOSTILE, f"Scope {HOSTILE}", HOSTILE_SOURCE, HOSTILE_NOTE):
        assert literal in text, f"{literal!r} is not shown as text in the panel"
    assert HOSTILE_LAYER in page.locator(".frontline-header").inner_text()
    page.goto(f"{hostile_site}/embed.html?date={HOSTILE_DATE}")
    wait_for_drawn(page, HOSTILE_DATE, timeout=30_000)
    assert HOSTILE_LAYER in page.locator("footer").inner_text()
    page.wait_for_timeout(500)
    assert page.evaluate("() => typeof window.__xss") == "undefined"
    assert (
        page.locator('img[src="x"]').count() == 0
        and page.locator("body script:not([type=module])").count() == 0
    )
    assert page.recorder.dialogs == []
    assert not any(u.rstrip("/").endswith("/x") for u in page.recorder.requests), "<img src=x> was requested"
