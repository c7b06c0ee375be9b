"""Routing under AppTest: the URL carries the view, bad links fall back with a notice and
never an exception, older ``?mode=`` links open their page, and the pages hand the
view to each other."""

from __future__ import annotations

import datetime as dt

import pytest

from layers import mapview
from tests.views.conftest import reader_settings

D = dt.date.fromisoformat


def notices(at) -> list[str]:
    return [w.value.replace("\\", "") for w in at.warning if "The link's" in w.value]


def test_a_link_opens_its_date_layers_and_view(app):
    app.query_params.update(
        {"date": "2024-11-25", "layers": "Kursk incursion", "center": "51.3000,35.4000", "zoom": "11"}
    )
    at = app.run()
    assert not at.exception and notices(at) == []
    assert reader_settings(at)["date"] == "2024-11-25"
    assert at.multiselect(key="layers").value == ["Kursk incursion"]
    view = reader_settings(at)["view"]
    assert view["center"] == [51.3, 35.4] and view["zoom"] == 11


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
    view = reader_settings(at)["view"]
    if "zoom" in params or "center" in params:
        assert (view["zoom"], view["center"]) == (mapview.HOME_ZOOM, list(mapview.HOME_CENTER))


def test_the_link_control_offers_the_current_url(app):
    app.query_params.update({"date": "2024-11-25", "center": "51.3000,35.4000", "zoom": "11"})
    at = app.run()
    code = [c.value for c in at.code]
    assert any("date=2024-11-25" in c and "center=51.3000%2C35.4000" in c and "zoom=11" in c for c in code), (
        code
    )
