"""Licences on a published page (issue 17, point 2): the site of a store whose layers carry
credits, served by nginx as ``docs/deployment.md`` configures it, in Chromium. Each layer's
credit line is under the page and in the map's attribution beside the basemap's, in the
full page and in the embed; a known licence is a link to its terms; a hostile credit is
shown as the text it is."""

from __future__ import annotations

import os

import pytest

from layers.credits import DEEPSTATE, LICENCES, Credit
from layers.store import Store
from tests.browser.conftest import recorded_page, wait_for_drawn
from tests.browser.sites import nginx_server, publish_site
from tests.conftest import seed_demo_subprocess

DATE = "2024-11-25"
HOSTILE_CREDIT = "<img src=x onerror=window.__xss=1>"
KURSK_LINE = "Kursk incursion: data DeepStateMap · CC BY-NC-SA 4.0, non-commercial use only"
EVENTS_LINE = f"Strikes and reports: data {HOSTILE_CREDIT} · licence not stated"


@pytest.fixture(scope="module")
def credited_site(tmp_path_factory):
    """The embedded data with DeepStateMap's credit on the territory and a hostile one on the
    events, published and served by nginx."""
    folder = tmp_path_factory.mktemp("credited")
    url = f"sqlite:///{folder / 'store.db'}"
    seed_demo_subprocess({**os.environ, "FRONTLINE_DB": url})
    store = Store(url)
    store.set_credit("Kursk incursion", DEEPSTATE, actor="test")
    store.set_credit("Strikes and reports", Credit(source=HOSTILE_CREDIT), actor="test")
    store.close()
    site, _ = publish_site(folder, url=url)
    with nginx_server(site, tmp_path_factory.mktemp("nginx")) as base:
        yield base


@pytest.fixture
def page(browser):
    page = recorded_page(browser)
    yield page
    page.context.close()


def _attribution(page) -> str:
    control = page.locator(".leaflet-control-attribution")
    control.get_by_text("Kursk incursion", exact=False).wait_for(timeout=10_000)
    return control.inner_text()


def test_the_published_page_states_each_layers_licence_under_it_and_on_the_map(page, credited_site):
    page.goto(f"{credited_site}/index.html?date={DATE}")
    wait_for_drawn(page, DATE, timeout=30_000)
    credits = page.locator(".frontline-credits li").all_inner_texts()
    assert credits == [KURSK_LINE, EVENTS_LINE]
    link = page.locator(".frontline-credits a[rel=license]")
    assert link.inner_text() == "CC BY-NC-SA 4.0"
    assert link.get_attribute("href") == LICENCES["CC BY-NC-SA 4.0"]
    shown = _attribution(page)
    assert KURSK_LINE in shown and EVENTS_LINE in shown
    assert (
        page.locator(".leaflet-control-attribution a[rel~=license]").get_attribute("href")
        == (LICENCES["CC BY-NC-SA 4.0"])
    )
    page.wait_for_timeout(300)
    assert page.evaluate("() => typeof window.__xss") == "undefined"
    assert page.locator('img[src="x"]').count() == 0
    assert not any(u.rstrip("/").endswith("/x") for u in page.recorder.requests), "<img src=x> was requested"


def test_the_embed_states_the_licences_in_its_map(page, credited_site):
    page.goto(f"{credited_site}/embed.html?date={DATE}")
    wait_for_drawn(page, DATE, timeout=30_000)
    shown = _attribution(page)
    assert KURSK_LINE in shown and EVENTS_LINE in shown
    assert page.evaluate("() => typeof window.__xss") == "undefined"
    assert page.locator('img[src="x"]').count() == 0
