"""In the browser: the reader's tooltip names DeepStateMap's ground by its category."""

from __future__ import annotations

from layers.__main__ import main
from tests.browser.conftest import TERRITORY_PATHS, hover_territory, open_reader, running_app
from tests.conftest import shared_data


def test_liberated_ground_is_retaken_in_the_tooltip(page, tmp_path):
    path = shared_data("deepstate-raw-full", "2025-03-12.geojson")
    db = f"sqlite:///{tmp_path / 'deepstate.db'}"
    assert main(["import", "--db", db, "--layer", "DeepStateMap", "--preset", "deepstate", str(path)]) == 0
    with running_app(db, tmp_path / "streamlit.log") as url:
        open_reader(page, url, "?date=2025-03-12")
        headings = set()
        for element in page.query_selector_all(TERRITORY_PATHS)[:40]:
            try:
                tooltip = hover_territory(page, element)
            except AssertionError:  # a path covered by another where it lies
                continue
            headings.add(tooltip.query_selector("b").inner_text())
            if "Retaken (DeepStateMap 'liberated')" in headings:
                break
        assert "Retaken (DeepStateMap 'liberated')" in headings, headings
        assert "Held by Ukraine" not in headings
