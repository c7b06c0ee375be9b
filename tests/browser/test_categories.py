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
        # The legend names the blue and red rows as DeepStateMap does, not "held by".
        legend = page.locator(".frontline-legend")
        rows = {
            row.get_attribute("data-zone"): row.inner_text().strip()
            for row in legend.locator("[data-zone]").element_handles()
        }
        assert rows["UA|held"] == "Retaken (DeepStateMap 'liberated')", rows
        assert rows["RU|held"] == "Occupied before 24 Feb 2022 · Occupied after 24 Feb 2022", rows
        # The figures under the date, and the text alternative, name the ground the same way.
        figures = page.locator(".frontline-layer-figures").first.inner_text()
        assert "retaken (DeepStateMap 'liberated') 42,529 km²" in figures, figures
        assert "Ukraine 42,529" not in figures
        summary = page.locator(".frontline-summary").first.text_content()
        assert "retaken (DeepStateMap 'liberated'): 42,529 km²" in summary, summary
        assert "Ukraine holds" not in summary
