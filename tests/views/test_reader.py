"""The reader's page under streamlit.testing.v1.AppTest: one map component with the
settings the browser needs, the date from the link or the reader's last pause, the panel
following it. What the browser does with them is tested in tests/browser/test_reader.py."""

from __future__ import annotations

import datetime as dt

import pytest

from layers import style
from tests.views.conftest import reader_settings as settings
from views import readermap
from views.pages import reader

D = dt.date.fromisoformat


def test_the_page_is_one_map_component_with_what_the_browser_needs(app):
    at = app.run()
    assert not at.exception
    data = settings(at)
    assert data["static"] == "/app/static"
    assert data["pack"].startswith("/app/static/packs/") and data["pack"].endswith("/")
    assert data["layers"] == ["Kursk incursion"] and data["events"] == "Strikes and reports"
    # The embedded layers are illustrative: the browser labels those shown in the map's header.
    assert data["illustrative"] == ["Kursk incursion", "Strikes and reports"]
    assert data["date"] == data["date"][:10] and D(data["date"]) == D("2025-03-31"), "the latest day"
    assert not at.get("component_instance"), "no streamlit-folium map on the reader's page"
    assert [s.key for s in at.select_slider] == ["window"], "the date control is in the browser, not a widget"
    # The component's code is imported from the app's own static files (no CDN, no inline copy).
    js = next(iter(at.get("bidi_component"))).proto.js_content
    assert "/js/frontline/${name}.js" in js and '"streamlit"' in js and "http" not in js


def test_the_pack_named_by_the_page_is_built_for_its_revision(app):
    from layers.mapview import pack

    at = app.run()
    folder = readermap.PACK_ROOT / settings(at)["pack"].rstrip("/").rsplit("/", 1)[1]
    for _ in range(600):
        if (folder / "ready").exists():
            break
        __import__("time").sleep(0.1)
    index = pack.read_json(folder / "index.json.gz")
    assert [layer["name"] for layer in index["layers"]] == ["Kursk incursion"]


def test_the_date_comes_from_the_link_and_goes_back_into_it(app):
    app.query_params["date"] = "2024-11-25"
    at = app.run()
    assert settings(at)["date"] == "2024-11-25"
    assert at.query_params["date"] == "2024-11-25"
    assert any("Figures for 25 November 2024" in m.value for m in at.markdown)


def test_an_unknown_date_in_the_link_falls_back_to_the_latest(app):
    app.query_params["date"] = "1999-01-01"
    at = app.run()
    assert not at.exception
    assert settings(at)["date"] == "2025-03-31"


def test_a_pause_moves_the_panel_and_the_address_not_the_map(app):
    """The browser's pause reaches the page as the session's date (the trigger value's
    effect; the trigger itself is exercised in the browser tests)."""
    at = app.run()
    at.session_state[reader.DATE_KEY] = D("2024-08-20")
    at.run()
    assert not at.exception
    assert at.query_params["date"] == "2024-08-20"
    assert any("Figures for 20 August 2024" in m.value for m in at.markdown)
    assert settings(at)["date"] == "2024-08-20"


def test_areas_panel_shows_method_and_reported_figures(app):
    app.query_params["date"] = "2024-11-25"
    at = app.run()
    captions = " ".join(c.value for c in at.caption)
    assert "geodesic" in captions and "Natural Earth" in captions
    assert any("Reported figures nearest this date" in h.value for h in at.subheader)
    assert any("inside Russia" in m.label for m in at.metric)


def test_the_panel_hides_and_comes_back(app):
    at = app.run()
    at.button(key="panel_hide").click().run()
    assert not at.exception and not at.metric
    assert len(at.get("bidi_component")) == 1
    at.button(key="panel_show").click().run()
    assert at.metric


def test_the_sidebar_selection_reaches_the_component(app):
    at = app.run()
    at.selectbox(key="events").set_value("(none)").run()
    assert settings(at)["events"] is None
    at.multiselect(key="layers").set_value([]).run()
    assert settings(at)["layers"] == []


def test_the_event_filters_reach_the_component_and_the_address(app):
    at = app.run()
    assert settings(at)["event_filter"] == {"kinds": [], "confidences": [], "sources": []}
    assert settings(at)["event_view"] == "auto"
    kinds = at.multiselect(key="event_kind")
    assert "strike" in kinds.options and "fire_detection" not in kinds.options, "the kinds this layer holds"
    kinds.set_value(["strike"]).run()
    at.selectbox(key="event_view").set_value("density").run()
    source = at.multiselect(key="event_source").options[0]
    at.multiselect(key="event_source").set_value([source]).run()
    assert settings(at)["event_filter"] == {"kinds": ["strike"], "confidences": [], "sources": [source]}
    assert settings(at)["event_view"] == "density"


def test_event_filters_from_a_link_are_applied(app):
    """The widgets are bound to the address (``?event_kind=`` once per kind...): a link
    carrying them opens the map filtered so."""
    app.query_params.update({"event_kind": ["strike", "other"], "event_confidence": "claimed"})
    app.query_params["event_view"] = "symbols"
    at = app.run()
    assert settings(at)["event_filter"]["kinds"] == ["strike", "other"]
    assert settings(at)["event_filter"]["confidences"] == ["claimed"]
    assert settings(at)["event_view"] == "symbols"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2024-11-25", D("2024-11-25")), ("2030-01-01", None), ("nonsense", None), (None, None)],
)
def test_a_paused_date_outside_the_timeline_is_ignored(value, expected):
    dates = [D("2024-08-06"), D("2025-03-31")]
    assert readermap._date(value, dates) == expected  # noqa: SLF001 - the parsing rule


def test_the_view_the_browser_reports_becomes_the_permalink_view():
    view = readermap._view({"center": [51.3, 35.15], "zoom": 9, "bounds": [51.0, 34.5, 51.6, 35.8]})  # noqa: SLF001
    assert view is not None and view.center == "51.3000,35.1500" and view.zoom == "9"
    assert view.bounds == (34.5, 51.0, 35.8, 51.6)
    assert readermap._view({"center": "x"}) is None  # noqa: SLF001
    assert readermap._view(None) is None  # noqa: SLF001


def test_the_panel_heading_uses_the_house_date_style(app):
    app.query_params["date"] = "2024-09-05"
    at = app.run()
    assert any(f"Figures for {style.long_date(D('2024-09-05'))}" in m.value for m in at.markdown)


def test_a_write_elsewhere_reaches_a_page_within_the_revision_age(db_url):
    """A run compares its page's revision with the store's, asked at most every few
    seconds: another session's or process's write is seen then, not only on reload."""
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


def test_first_paint_is_the_map_and_the_panel_follows_once_it_is_drawn(db_url, monkeypatch):
    """Before the map says it was drawn, the page has the map but none of the data grids or
    Vega charts whose frontend code would delay it."""
    from tests.conftest import seeded_app

    at = seeded_app(db_url, monkeypatch)
    del at.session_state[readermap.DRAWN_KEY]
    at.run()
    assert not at.exception
    assert len(at.get("bidi_component")) == 1
    assert not at.get("vega_lite_chart") and not at.dataframe and not at.metric
    assert any("follow once the map is drawn" in c.value for c in at.caption)
    at.session_state[readermap.DRAWN_KEY] = True  # what pending() sets from the component's "drawn"
    at.run()
    assert at.get("vega_lite_chart") and at.dataframe


def test_the_panel_says_when_a_synced_layer_was_last_synced_and_warns_when_stale(app, db_url):
    from layers.store import NewSnapshot, Store
    from layers.sync.status import SyncRun, record_sync

    store = Store(db_url)
    layer = "Kursk incursion"
    last = store.heads(layer).iloc[-1]
    day = D("2025-04-01")
    fetched = {
        "url": "https://mirror.example/data/deepstatemap_data_20250401.geojson",
        "fetched_at": "2025-04-02T06:00:00+00:00",
        "sha256": "e" * 64,
        "etag": '"v7"',
        "last_modified": None,
    }
    features = store.features(int(last["version_id"]))
    store.write(
        [NewSnapshot(layer, day, features, "e" * 64, provenance=fetched)], actor="sync", action="sync"
    )
    now = dt.datetime.now(dt.UTC)
    run = SyncRun(layer, "A *mirror*", "https://mirror.example/", now, now, ok=True)
    record_sync(store, run)
    app.query_params["date"] = "2025-04-01"
    at = app.run()
    assert not at.exception
    # As the reader reads them: Markdown's escapes taken out.
    captions = [c.value.replace("\\", "") for c in at.caption]
    assert any("last synced" in c and "just now" in c and "mirror.example" in c for c in captions), captions
    assert any(r"A \*mirror\*" in c.value for c in at.caption), "the source's name is escaped, not Markdown"
    assert any("File fetched 2 Apr 2025 06:00 UTC from https" in c and '"v7"' in c for c in captions)
    assert not at.warning
    stale = dt.datetime.now(dt.UTC) - dt.timedelta(days=5)
    record_sync(store, SyncRun(layer, "A mirror", "https://mirror.example/", stale, stale, ok=True))
    at = app.run()
    assert any("5 days ago" in c.value for c in at.caption)
    [warning] = at.warning
    assert "has not been synced since" in warning.value and "36 hours" in warning.value.replace("\\", "")


def test_the_panel_calls_an_illustrative_layer_so_and_no_other(app, db_url):
    from layers.store import NewSnapshot, Store

    store = Store(db_url)
    features = store.features(int(store.heads("Kursk incursion")["version_id"].iloc[-1]))
    store.write([NewSnapshot("Surveyed", D("2025-03-31"), features, "f" * 64)], actor="t")
    app.query_params["layers"] = "Kursk incursion,Surveyed"
    at = app.run()
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "Surveyed: snapshot of 2025-03-31" in captions
    assert "Kursk incursion is illustrative\\: hand\\-drawn" in captions
    assert "Surveyed is illustrative" not in captions


def test_the_panel_counts_the_events_near_the_front(app):
    app.query_params["date"] = "2025-03-13"
    app.query_params["window"] = "30"
    at = app.run()
    assert not at.exception
    (line,) = [m.value.replace("\\", "") for m in at.markdown if m.value.startswith("Events near the front")]
    assert line == (
        "Events near the front, 30 days to 13 Mar 2025: 2 of 2 within 10 km of the front line of Kursk "
        "incursion (1 on the Ukrainian-held side, 1 on the Russian-held side)"
    )
    assert any("transverse Mercator" in c.value for c in at.caption)
    specs = [c.proto.spec for c in at.get("vega_lite_chart")]
    assert any("Russian-held side" in spec for spec in specs), "a chart of the daily counts per side"


def test_the_near_front_count_follows_the_event_filters(app):
    app.query_params.update({"date": "2025-03-13", "window": "30"})
    at = app.run()
    (line,) = [m.value.replace("\\", "") for m in at.markdown if m.value.startswith("Events near the front")]
    assert " 2 of 2 within" in line, "both events of the window: one disputed, one confirmed"
    at.multiselect(key="event_confidence").set_value(["confirmed"]).run()
    (line,) = [m.value.replace("\\", "") for m in at.markdown if m.value.startswith("Events near the front")]
    assert " 1 of 1 within" in line, line
    assert any("Counting only the events the filters keep" in c.value for c in at.caption)


def test_the_map_is_given_the_shown_layers_credits_for_its_attribution(app, db_url):
    from layers.credits import DEEPSTATE
    from layers.store import Store

    Store(db_url).set_credit("Kursk incursion", DEEPSTATE, actor="t")
    at = app.run()
    assert not at.exception
    credits = {c["layer"]: c for c in settings(at)["credits"]}
    assert credits["Kursk incursion"]["line"] == (
        "Kursk incursion: data DeepStateMap · CC BY-NC-SA 4.0, non-commercial use only"
    )
    assert credits["Kursk incursion"]["licence_url"] == "https://creativecommons.org/licenses/by-nc-sa/4.0/"
