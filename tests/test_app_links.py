"""Permalinks and presentation mode under AppTest: the URL carries the view, bad links
fall back with a notice and never an exception, presentation mode steps by snapshot."""

from __future__ import annotations

import datetime as dt

import pytest

from app import parse_view
from layers import mapview
from tests.conftest import seeded_app
from tests.test_app import map_args

D = dt.date.fromisoformat


@pytest.fixture
def app(tmp_path, monkeypatch):
    return seeded_app(f"sqlite:///{tmp_path / 'links.db'}", monkeypatch)


def notices(at) -> list[str]:
    return [w.value.replace("\\", "") for w in at.warning if "The link's" in w.value]


def test_a_link_opens_its_date_layers_and_view(app):
    app.query_params.update(
        {"date": "2024-11-25", "layers": "Kursk incursion", "center": "51.3000,35.4000", "zoom": "11"}
    )
    at = app.run()
    assert not at.exception and notices(at) == []
    assert at.select_slider(key="date").value == D("2024-11-25")
    assert at.multiselect(key="layers").value == ["Kursk incursion"]
    args = map_args(at)
    assert args["center"] == [51.3, 35.4] and args["zoom"] == 11


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"date": "1999-01-01"}, "date 1999-01-01 is outside the timeline (2024-08-06 to 2025-03-31)"),
        ({"date": "yesterday"}, "date 'yesterday' is not a date like 2024-11-25"),
        ({"layers": "Nope"}, "layer 'Nope' (not in this store)"),
        ({"zoom": "40"}, "zoom '40' is not a whole number from 4 to 15"),
        ({"center": "north"}, "center 'north' is not “latitude,longitude” in degrees"),
        ({"mode": "karaoke"}, "mode 'karaoke' is not one this app has"),
    ],
)
def test_a_bad_link_falls_back_with_a_notice(app, params, expected):
    app.query_params.update(params)
    at = app.run()
    assert not at.exception
    assert len(notices(at)) == 1 and expected in notices(at)[0]
    args = map_args(at)
    if "zoom" in params or "center" in params:
        assert (args["zoom"], args["center"]) == (mapview.HOME_ZOOM, list(mapview.HOME_CENTER))


def test_parse_view_keeps_what_is_valid():
    assert parse_view("51.3,35.4", "12") == ((51.3, 35.4), 12, [])
    center, zoom, problems = parse_view("95,35", "12")
    assert (center, zoom) == (mapview.HOME_CENTER, 12) and len(problems) == 1


def test_the_link_control_offers_the_current_url(app):
    app.query_params.update({"date": "2024-11-25", "center": "51.3000,35.4000", "zoom": "11"})
    at = app.run()
    code = [c.value for c in at.code]
    assert any("date=2024-11-25" in c and "center=51.3000%2C35.4000" in c and "zoom=11" in c for c in code), (
        code
    )


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


def test_side_by_side_shows_two_labelled_dates_and_the_change_between_them(app):
    app.query_params.update({"mode": "compare", "left": "2024-08-27", "right": "2025-03-31"})
    at = app.run()
    assert not at.exception
    assert (at.selectbox(key="left").value, at.selectbox(key="right").value) == (
        D("2024-08-27"),
        D("2025-03-31"),
    )
    [component] = at.get("component_instance")
    assert "27 Aug 2024" in component.proto.json_args and "31 Mar 2025" in component.proto.json_args
    assert any(h.value == "Change from 27 Aug 2024 to 31 Mar 2025" for h in at.subheader)
    table = next(df.value for df in at.dataframe if "net km²" in df.value.columns)
    assert (
        table.loc[(table["side"] == "Ukraine") & (table["where"] == "inside Russia"), "net km²"].item() < -300
    )


def test_the_slide_tab_offers_a_png_and_renders_a_time_lapse(app):
    app.query_params.update({"date": "2024-11-25", "analysis": "Slide and time-lapse"})
    at = app.run()
    assert not at.exception
    assert "Slide of 25 November 2024 (PNG)" in {b.proto.label for b in at.get("download_button")}
    at.date_input(key="lapse_from").set_value(D("2024-11-01"))
    at.date_input(key="lapse_to").set_value(D("2024-12-31"))
    at.selectbox(key="lapse_format").select("gif")
    at.run()
    at.button(key="lapse_render").click().run()
    assert not at.exception and not at.error
    labels = [b.proto.label for b in at.get("download_button")]
    assert any(label.startswith("Time-lapse 2024-11-01 to 2024-12-31 (GIF") for label in labels), labels
