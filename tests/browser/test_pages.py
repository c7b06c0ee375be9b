"""The pages in a real browser: the sidebar lists the journeys, the editor's page only for a
signed-in editor, and an older ``?mode=`` link lands on its page's address."""

from __future__ import annotations

from tests.browser.conftest import READER_MAP, open_reader, open_sidebar, sign_in

NAV = '[data-testid="stSidebarNav"]'


def nav_labels(page) -> list[str]:
    open_sidebar(page)
    page.wait_for_selector(NAV, timeout=30_000)
    # Each link's text ends with its label (its icon's ligature name comes first).
    return [text.split("\n")[-1].strip() for text in page.locator(f"{NAV} a").all_inner_texts()]


def test_readers_see_three_pages_and_no_editor(page, app_url):
    open_reader(page, app_url)
    assert nav_labels(page) == ["Map", "Side by side", "Presentation"]
    page.goto(f"{app_url}/editor")
    page.wait_for_selector(f"{READER_MAP}[data-drawn-date]", state="attached", timeout=60_000)
    assert page.locator('[data-testid="stFileUploader"]').count() == 0
    assert "Editor" not in nav_labels(page)
    assert page.recorder.external == []


def test_signing_in_opens_the_editor_page_and_lists_it(page, app_url):
    open_reader(page, app_url)
    sign_in(page, "page test editor")
    page.locator('[data-testid="stFileUploader"]').wait_for(timeout=60_000)
    page.wait_for_url("**/editor*", timeout=30_000)
    assert nav_labels(page) == ["Map", "Side by side", "Presentation", "Editor"]


def test_an_older_mode_link_lands_on_its_page(page, app_url):
    page.goto(f"{app_url}/?mode=compare&left=2024-08-27&right=2025-03-31")
    page.wait_for_url("**/compare?*", timeout=60_000)
    assert "left=2024-08-27" in page.url and "mode=" not in page.url
    # The right date is the last snapshot, the selector's default, which a bound widget
    # leaves out of the address; the page still compares the link's two dates.
    page.get_by_text("Change from 27 Aug 2024 to 31 Mar 2025").wait_for(timeout=60_000)
