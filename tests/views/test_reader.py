"""The app under streamlit.testing.v1.AppTest: runs, slider moves the date, URL round-trips,
the map component keeps its identity while its dated content changes."""

from __future__ import annotations

import datetime as dt

from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT, seeded_app
from tests.views.conftest import map_args, map_path

D = dt.date.fromisoformat


def test_app_runs_and_shows_the_latest_date(app):
    at = app.run()
    assert not at.exception
    slider = at.select_slider(key="date")
    assert slider.value.isoformat() == slider.options[-1]
    assert any("Area at this date" in h.value for h in at.subheader)
    args = map_args(at)
    assert args["js_links"] and all(link.startswith("/app/static/") for link in args["js_links"])
    assert all(link.startswith("/app/static/") for link in args["css_links"])


def test_slider_changes_the_date_and_the_map_content_but_not_its_identity(app):
    at = app.run()
    before = map_args(at)
    at.select_slider(key="date").set_value(D("2024-08-20")).run()
    assert not at.exception
    after = map_args(at)
    assert after["key"] == before["key"] and after["_id"] == before["_id"], (
        "the map component must not remount"
    )
    assert after["script"] == before["script"]
    assert after["layer_control"] is None, (
        "a per-step layer control leaks in Leaflet; it lives in the base map"
    )
    assert after["feature_group"] != before["feature_group"]
    assert "20 August 2024" in " ".join(m.value for m in at.markdown)


def test_map_keeps_its_place_on_a_milestone_date(app):
    """An element inserted above the map would move it and make the browser remount it."""
    at = app.run()
    at.select_slider(key="date").set_value(D("2025-01-19")).run()
    before = map_path(at.main)
    at.select_slider(key="date").set_value(D("2025-01-20")).run()
    assert any("Milestone: US presidential inauguration" in c.value for c in at.caption)
    assert map_path(at.main) == before and before is not None


def test_date_query_parameter_round_trips(app, db_url, monkeypatch):
    """URL -> view here; view -> URL needs the frontend and is checked in the browser tests."""
    app.query_params["date"] = "2024-11-25"
    at = app.run()
    assert at.select_slider(key="date").value == D("2024-11-25")
    assert "25 November 2024" in " ".join(m.value for m in at.markdown)
    first_map = map_args(at)["feature_group"]
    reopened = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    reopened.query_params["date"] = at.select_slider(key="date").value.isoformat()
    assert map_args(reopened.run())["feature_group"] == first_map


def test_unknown_date_in_the_url_falls_back_to_the_latest(app):
    app.query_params["date"] = "1999-01-01"
    at = app.run()
    assert not at.exception
    slider = at.select_slider(key="date")
    assert slider.value.isoformat() == slider.options[-1]


def test_areas_panel_shows_method_and_reported_figures(app):
    app.query_params["date"] = "2024-11-25"
    at = app.run()
    captions = " ".join(c.value for c in at.caption)
    assert "geodesic" in captions and "Natural Earth" in captions
    assert any("Reported figures nearest this date" in h.value for h in at.subheader)
    assert any("inside Russia" in m.label for m in at.metric)


def test_play_steps_the_date(app):
    app.query_params["date"] = "2024-11-25"
    at = app.run()
    at.button(key="play").click().run()
    assert not at.exception
    assert at.select_slider(key="date").value == D("2024-11-26")


def test_a_write_elsewhere_reaches_a_slider_step_within_the_revision_age(db_url):
    """A fragment run compares its page's revision with the store's, asked at most every
    few seconds: another session's or process's write is seen then, not only on reload."""
    from layers.store import Store
    from tests.conftest import snapshot
    from views import appdata

    first = appdata.latest_revision(db_url, max_age=0)
    Store(db_url).write(
        [
            snapshot(
                "Written elsewhere",
                "2024-09-01",
                [(__import__("shapely").box(35, 51, 35.1, 51.1), "UA", "held", "test")],
            )
        ],
        actor="other process",
    )
    assert appdata.latest_revision(db_url, max_age=3600) == first, "within the age: no query"
    assert appdata.latest_revision(db_url, max_age=0) != first, "past it: the write is seen"
    assert appdata.latest_revision(db_url) != first


def test_first_paint_is_the_map_and_the_panels_follow_once_it_is_drawn(db_url, monkeypatch):
    """Before the map reports its view, a page has the slider and the map but none of the
    Vega charts or data grids whose frontend code would delay it."""
    at = seeded_app(db_url, monkeypatch)
    del at.session_state["_map_drawn"]
    at.run()
    assert not at.exception
    assert len(at.get("component_instance")) == 1 and at.select_slider(key="date").value
    assert not at.get("vega_lite_chart") and not at.dataframe
    assert any("follow once the map is drawn" in c.value for c in at.caption)
    at.session_state["_map_drawn"] = True  # what the map's first report sets (checked in the browser tests)
    at.run()
    assert len(at.get("vega_lite_chart")) == 2 and at.dataframe
