"""The reader's analytics under AppTest: change between two dates on the map and in a
table, area over time with the reported figures, every figure against the map."""

from __future__ import annotations

import datetime as dt
import json

import pyarrow as pa
import pytest

from layers import change, snapshots
from layers.charts import SELECTED
from layers.store import Store
from tests.views.conftest import reader_settings

D = dt.date.fromisoformat
LAYER = "Kursk incursion"


def analytics_charts(at) -> list:
    """The analytics' charts: every chart but the panel's events near the front (``place`` bars)."""
    return [chart for chart in at.get("vega_lite_chart") if '"field": "place"' not in chart.proto.spec]


def charts(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in analytics_charts(at)]


def named_datasets(at) -> list[dict]:
    """Each chart's named datasets (sent apart from the spec), as lists of records."""
    return [
        {d.name: pa.ipc.open_stream(d.data.data).read_all().to_pylist() for d in chart.proto.datasets}
        for chart in analytics_charts(at)
    ]


def test_area_chart_marks_the_selected_date_and_changes_only_its_dataset(app):
    app.query_params["date"] = "2024-11-25"
    at = app.run()
    (area,) = charts(at)
    assert named_datasets(at) == [{SELECTED: [{"date": "2024-11-25"}]}], (
        "the per-date part is a named dataset"
    )
    at.session_state["date"] = D("2024-08-20")  # the reader paused on another date
    at.run()
    assert charts(at) == [area], "a new date changes only the dataset, so the chart updates in place"
    assert named_datasets(at) == [{SELECTED: [{"date": "2024-08-20"}]}]


def test_change_since_30_days_matches_the_geometry_and_is_drawn(app, db_url):
    app.query_params["date"] = "2024-11-25"
    app.query_params["change"] = "30 days before"
    at = app.run()
    assert not at.exception
    assert any(h.value == "Change since 26 Oct 2024" for h in at.subheader)
    table = next(df.value for df in at.dataframe if "net km²" in df.value.columns)
    store = Store(db_url)
    expected = change.summary(change.between(store, LAYER, D("2024-10-26"), D("2024-11-25")))
    total = expected[(expected.held_by == "UA") & (expected.within == "")].iloc[0]
    shown = table[(table["side"] == "Ukraine") & (table["where"] == "total (unclipped)")].iloc[0]
    assert shown["net km²"] == pytest.approx(total.net_km2) and shown["lost km²"] == pytest.approx(
        total.lost_km2
    )
    series = store.area_series(LAYER)
    held = series[(series.held_by == "UA") & (series.status == "held") & (series.within == "")].set_index(
        "as_of"
    )["area_km2"]
    since = snapshots.ref_at(store, LAYER, D("2024-10-26")).as_of
    assert total.net_km2 == pytest.approx(held[D("2024-11-25")] - held[since], abs=0.05), (
        "net change equals the change of held area"
    )
    drawn = reader_settings(at)["change"]
    assert drawn["date"] == "2024-11-25"
    lost = [f["properties"] for f in drawn["features"] if f["properties"]["change"] == "lost"]
    assert lost and {p["side"] for p in lost} == {"UA"}
    assert sum(p["km2"] for p in lost) == pytest.approx(total.lost_km2, abs=0.1 * len(lost))


def test_no_change_by_default_and_an_empty_change_group(app):
    app.query_params["date"] = "2024-11-25"
    at = app.run()
    assert not any(h.value.startswith("Change since") for h in at.subheader)
    assert reader_settings(at)["change"]["features"] == []


def test_a_change_start_before_the_first_snapshot_is_explained(app):
    app.query_params["date"] = "2024-08-10"
    app.query_params["change"] = "7 days before"
    at = app.run()
    assert not at.exception
    assert any("no snapshot on or before 2024-08-03" in i.value for i in at.info)


def test_only_the_open_tab_is_rendered(app):
    at = app.run()
    assert len(analytics_charts(at)) == 1, "the area chart, not the monthly chart"
    assert not any("comparison" in df.value.columns for df in at.dataframe)


def test_area_chart_marks_the_date_and_plots_the_figures_of_its_scope(app, db_url):
    app.query_params["date"] = "2024-11-25"
    app.query_params["chart_within"] = "inside Russia"
    at = app.run()
    assert not at.exception
    spec = next(
        s
        for s in charts(at)
        if any(layer.get("mark", {}).get("type") == "line" for layer in s.get("layer", []))
    )
    lines, points, rule = spec["layer"][0], spec["layer"][1], spec["layer"][-1]
    assert rule["data"] == {"name": SELECTED} and rule["mark"]["type"] == "rule"
    series = Store(db_url).area_series(LAYER)
    held = series[(series.held_by == "UA") & (series.status == "held") & (series.within == "RUS")]
    plotted = {(v["date"], v["km2"]) for v in lines["data"]["values"] if v["series"] == "Ukraine, held"}
    assert plotted == {(d.isoformat(), round(a, 1)) for d, a in zip(held.as_of, held.area_km2, strict=True)}
    figures = {(p["date"], p["km2"]) for p in points["data"]["values"]}
    assert ("2024-11-23", 1376.0) in figures and ("2024-11-23", 800.0) in figures
    assert {"source", "kind", "note"} <= {t["field"] for t in points["encoding"]["tooltip"]}


def test_unclipped_chart_has_no_figures_of_another_border(app):
    app.query_params["date"] = "2024-11-25"
    at = app.run()
    spec = next(
        s
        for s in charts(at)
        if any(layer.get("mark", {}).get("type") == "line" for layer in s.get("layer", []))
    )
    assert not any(layer.get("mark", {}).get("shape") == "diamond" for layer in spec["layer"]), (
        "the Kursk figures are clipped to RUS"
    )


def test_every_reported_figure_is_listed_against_the_map(app, db_url):
    app.query_params["analysis"] = "Reported figures vs map"
    at = app.run()
    assert "Comparison (CSV)" in {b.proto.label for b in at.get("download_button")}
    table = next(df.value for df in at.dataframe if "comparison" in df.value.columns)
    stored = Store(db_url).reported_figures()
    assert len(table) == len(stored)
    compared = table[table["comparison"] == "compared"]
    assert (
        (compared["map − reported km²"] - (compared["map km²"] - compared["reported km²"])).abs() <= 1
    ).all()
    assert set(table["reported km²"]) == set(stored["value_km2"].round(0))


def test_monthly_chart_has_a_bar_per_month_after_the_first(app):
    app.query_params["chart_within"] = "inside Russia"
    app.query_params["analysis"] = "Net change per month"
    at = app.run()
    bars = next(
        layer
        for s in charts(at)
        for layer in s.get("layer", [])
        if layer.get("mark", {}).get("type") == "bar"
    )
    months = sorted({v["month"] for v in bars["data"]["values"]})
    assert months[0] == "2024-09-01" and months[-1] == "2025-03-01"


def test_downloads_are_offered(app):
    app.query_params["date"] = "2024-11-25"
    app.query_params["change"] = "7 days before"
    app.query_params["analysis"] = "Downloads"
    at = app.run()
    labels = {b.proto.label for b in at.get("download_button")}
    assert {"Area series of every layer (CSV)", "Change (CSV)", "Change (GeoJSON)"} <= labels
    assert any(label.startswith(f"Snapshot of {LAYER}") for label in labels)


def test_the_slide_tab_offers_a_png_and_renders_a_time_lapse(app, monkeypatch):
    monkeypatch.setenv("FRONTLINE_TIMELAPSE", "all")  # readers may (the default: editors only)
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


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, None),
        ({"change": "7 days before"}, "2024-11-18"),
        ({"change": "a date", "since": "2024-09-01"}, "2024-09-01"),
        ({"change": "a date", "since": "2025-01-01"}, None),
        ({"change": "karaoke"}, None),
    ],
)
def test_the_map_draws_the_change_the_panel_shows(app, db_url, params, expected):
    """The map is drawn before the panel's widgets: it reads their choice from the URL."""
    app.query_params.update({"date": "2024-11-25", **params})
    at = app.run()
    assert not at.exception
    features = reader_settings(at)["change"]["features"]
    if expected:
        # From the snapshot shown on the start date.
        since = snapshots.ref_at(Store(db_url), LAYER, D(expected)).as_of.isoformat()
        assert features and {f["properties"]["since"] for f in features} == {since}
    else:
        assert features == []
    if expected:
        shown_since = [h.value for h in at.subheader if h.value.startswith("Change since")]
        assert shown_since, "the panel shows the same change"


def test_the_time_lapse_draws_the_events_layer_and_window_the_reader_chose(app, monkeypatch):
    from layers import render

    monkeypatch.setenv("FRONTLINE_TIMELAPSE", "all")
    asked = []

    def render_animation(*args, **keywords):
        asked.append(keywords)
        return b"GIF89a"

    monkeypatch.setattr(render, "render_animation", render_animation)
    app.query_params.update({"date": "2024-11-25", "analysis": "Slide and time-lapse"})
    at = app.run()
    at.date_input(key="lapse_from").set_value(D("2024-11-01"))
    at.date_input(key="lapse_to").set_value(D("2024-12-31"))
    at.run()
    at.button(key="lapse_render").click().run()
    assert not at.exception
    (keywords,) = asked
    assert keywords["events"] == "Strikes and reports" and keywords["window_days"] == 7
