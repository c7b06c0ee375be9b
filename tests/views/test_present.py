"""Presentation mode under AppTest: no chrome, the date and km² in large type, ← and →
step from snapshot to snapshot, Esc goes back to the map on the same date."""

from __future__ import annotations

import datetime as dt
import re

from tests.views.conftest import reader_settings

D = dt.date.fromisoformat


def test_presentation_mode_hides_the_chrome_and_steps_by_snapshot(app, tmp_path):
    app.query_params.update({"mode": "present", "date": "2024-11-25"})
    at = app.run()
    assert not at.exception
    assert any("# 25 November 2024" in m.value for m in at.markdown)
    assert not any(h.value == "Front-line map" for h in at.markdown if h.value.startswith("##")), (
        "no page title"
    )
    assert len(at.get("vega_lite_chart")) == 0 and not at.tabs, "no timeline strip, no analytics"
    assert any(m.label.startswith("Ukraine, held") for m in at.metric)
    at.button(key="present_next").click().run()
    assert at.select_slider(key="date").value == D("2024-12-20"), "the next snapshot of the layer"
    at.button(key="present_previous").click().run()
    at.button(key="present_previous").click().run()
    assert at.select_slider(key="date").value == D("2024-10-25")
    at.button(key="present_exit").click().run()
    assert "mode" not in at.query_params


def test_the_reader_opens_presentation_on_its_date_and_view_and_esc_comes_back(app):
    app.query_params.update({"date": "2024-11-25", "center": "51.3000,35.4000", "zoom": "11"})
    at = app.run()
    at.button(key="present").click().run()
    assert not at.exception
    assert any(m.value == "# 25 November 2024" for m in at.markdown), "the reader's date"
    assert (at.query_params["center"], at.query_params["zoom"]) == ("51.3000,35.4000", "11"), (
        "the reader's view"
    )
    at.button(key="present_next").click().run()
    at.button(key="present_exit").click().run()
    assert not at.exception
    assert len(at.get("bidi_component")) == 1, "back on the map page"
    assert reader_settings(at)["date"] == "2024-12-20", "on the date presented last"


def test_presentation_mode_states_each_shown_layers_credit_under_the_map(app, db_url):
    from layers.credits import Credit
    from layers.store import Store

    Store(db_url).set_credit(
        "Kursk incursion", Credit("Team", "CC BY-NC 4.0 ![b](http://127.0.0.1:9/x.png)", ""), actor="t"
    )
    app.query_params.update({"mode": "present", "date": "2024-11-25"})
    at = app.run()
    assert not at.exception
    # The sidebar lists each layer's credit too; the caption under the map names every shown layer.
    (caption,) = [c.value for c in at.caption if "data Team" in c.value and "Strikes and reports" in c.value]
    assert "!\\[b\\]" in caption and "![b](" not in caption, "the licence is Markdown-escaped"
    text = re.sub(r"\\(.)", r"\1", caption)
    assert (
        "Kursk incursion: data Team · CC BY-NC 4.0 ![b](http://127.0.0.1:9/x.png), non-commercial use only"
        in text
    )
