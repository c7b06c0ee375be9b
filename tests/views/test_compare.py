"""Side by side under AppTest: two labelled dates, the change between them."""

from __future__ import annotations

import datetime as dt

from tests.views.conftest import reader_settings

D = dt.date.fromisoformat


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


def test_the_reader_opens_side_by_side_and_comes_back_to_its_date(app):
    app.query_params.update({"date": "2024-11-25"})
    at = app.run()
    at.button(key="compare").click().run()
    assert not at.exception
    left, right = at.selectbox(key="left"), at.selectbox(key="right")
    assert (left.value, right.value) == (D(left.options[0]), D(right.options[-1])), "first and last snapshot"
    at.button(key="compare_exit").click().run()
    assert not at.exception
    assert reader_settings(at)["date"] == "2024-11-25"
