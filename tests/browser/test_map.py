"""What only a browser can show: the reader's map draws, the slider redraws it in place,
nothing leaves localhost, and injected markup shows as text and runs nothing.

The reader's map is the components-v2 map of ``static/js/frontline/`` in the page itself
(no iframe): ``tests/browser/conftest.open_reader`` and the helpers after it."""

from __future__ import annotations

import datetime as dt
import json
import statistics
import time
from urllib.parse import quote

from layers.credits import LICENCES
from layers.mapview import change_style
from layers.store import Store
from tests.browser.conftest import (
    MAP_FRAME,
    READER_MAP,
    READER_PLAY,
    READER_TOOLTIP,
    TERRITORY_PATHS,
    XSS,
    XSS_LAYER,
    choose_layer,
    count_script_runs,
    hover_territory,
    js_heap_mb,
    open_app,
    open_reader,
    place_positions,
    reader_slider,
    sign_in,
    slider_date,
    territory_dates,
    wait_for_address_date,
    wait_for_drawn,
)

STEPS = 24
REDRAWS = 20
WARM_UP = 10
HEAP_STEPS = 200
#: Every territory path's outline, joined: changes when the map draws another snapshot.
PATHS_D = f"[...document.querySelectorAll('{TERRITORY_PATHS}')].map(p => p.getAttribute('d')).join()"


def features_shown(db: str, day: dt.date) -> int:
    """Features of the snapshots the map shows on ``day`` (every territory layer): the map
    draws one path per feature, so more paths than this would be groups left behind."""
    store = Store(db)
    total = 0
    for layer, dates in territory_dates(db).items():
        shown = [d for d in dates if d <= day]
        if shown:
            history = store.history(layer)
            head = history[history["is_head"] & (history["as_of"] == shown[-1])]
            total += int(head["n_features"].iloc[0])
    return total


def test_map_draws_polygons_basemap_and_labels(page, app_url):
    open_reader(page, app_url, "?date=2024-08-27")
    page.wait_for_function(
        "() => document.querySelectorAll('.leaflet-basemap-pane path').length > 10", timeout=20_000
    )
    page.wait_for_selector(".frontline-place", state="attached", timeout=20_000)
    assert page.locator(MAP_FRAME).count() == 0 and page.locator("iframe").count() == 0, (
        "the reader's map is in the page, not in an iframe"
    )
    assert page.locator(f'[data-testid="stApp"] .frontline-reader {READER_MAP}').count() == 1
    assert page.locator(TERRITORY_PATHS).count() >= 2
    assert page.locator(".frontline-legend").count() == 1
    assert page.locator(".leaflet-control-scale").count() == 1
    switcher = page.locator(".leaflet-control-layers-overlays label").all_text_contents()
    assert [t.strip() for t in switcher] == ["OpenStreetMap (online)", "CartoDB Positron (online)"]
    assert page.locator(".leaflet-tile").count() == 0, "online tiles must be off by default"
    assert any(u.endswith("/app/static/basemap/countries.geojson") for u in page.recorder.requests)
    # Contested ground is hatched (an SVG pattern), not only grey.
    hatched = page.evaluate(
        f"() => [...document.querySelectorAll('{TERRITORY_PATHS}')].map(p => p.getAttribute('fill'))"
        ".filter(f => /^url\\(#frontline-hatch-\\d+\\)$/.test(f))"
        ".map(f => !!document.querySelector(`pattern${f.slice(4, -1)}`))"
    )
    assert hatched and all(hatched), f"contested zones' fills: {hatched}"


def test_scrubbing_day_by_day_keeps_the_map_and_the_view(page, app_url, browser_db):
    """24 steps back then a pause: the slider and the map follow every key, the address
    follows the pause, and the map is the same element with the same view throughout
    (the old reader's "same iframe" probe: no remount)."""
    start = dt.date(2024, 9, 30)
    end = start - dt.timedelta(days=STEPS)
    open_reader(page, app_url, f"?date={start}&center=51.2000,35.2000&zoom=10")
    page.wait_for_selector(".frontline-place", state="attached", timeout=20_000)
    page.evaluate(f"() => {{ document.querySelector('{READER_MAP}').__probe = 'same map'; }}")
    # The reader zooms in: the server hears of it, and must not move it back.
    page.locator(".leaflet-control-zoom-in").click()
    page.wait_for_function("() => new URLSearchParams(location.search).get('zoom') === '11'", timeout=20_000)
    page.wait_for_timeout(500)
    view = place_positions(page)
    before = page.evaluate(f"() => {PATHS_D}")
    count_script_runs(page)
    reader_slider(page).focus()
    for step in range(1, STEPS + 1):
        page.keyboard.press("ArrowLeft")
        assert slider_date(page) == (start - dt.timedelta(days=step)).isoformat()
    wait_for_drawn(page, end.isoformat())
    assert page.evaluate(f"() => {PATHS_D}") != before, "the territory of 6 September was not drawn"
    wait_for_address_date(page, end.isoformat())
    page.wait_for_function("() => window.__runs > 0", timeout=20_000)
    page.wait_for_timeout(500)
    assert page.evaluate(f"() => document.querySelector('{READER_MAP}').__probe") == "same map", (
        "the map element was replaced"
    )
    assert place_positions(page) == view, "the view moved"
    assert page.get_attribute(READER_MAP, "data-drawn-date") == end.isoformat()
    paths, bound = page.locator(TERRITORY_PATHS).count(), features_shown(browser_db, end)
    assert 0 < paths <= bound, f"{paths} territory paths for {bound} features: removed groups pile up"


def test_change_since_draws_lost_ground_and_the_charts_render(page, app_url):
    open_reader(page, app_url, "?date=2024-11-25&change=30+days+before")
    page.get_by_text("Change since 26 Oct 2024").wait_for(timeout=30_000)
    # Ukraine's lost ground is drawn with its style from layers.mapview.change_style.
    lost = change_style("UA", "lost")
    page.wait_for_function(
        "([stroke, dash]) => [...document.querySelectorAll('.leaflet-container path.leaflet-interactive')]"
        ".some(p => p.getAttribute('stroke') === stroke && p.getAttribute('stroke-dasharray') === dash)",
        arg=[lost["color"], lost["dashArray"]],
        timeout=20_000,
    )
    page.locator(".vega-embed").first.wait_for(timeout=30_000)
    page.get_by_role("tab", name="Net change per month").click()
    page.locator('[role="tabpanel"]:visible .vega-embed').wait_for(timeout=30_000)
    assert page.recorder.external == []


def test_slider_to_redrawn_map_latency_and_flat_memory(page, app_url, browser_db):
    """Each step jumps between the first and the last date, so every step redraws the territory.

    Prints the latency figures (no timing assertion: machines here are noisy) and checks
    the heap stays flat and no territory piles up on the map (the old reader's unpatched
    streamlit-folium kept every removed group alive: +108 MB over 56 steps in the field notes).
    """
    dates = sorted(d for layer in territory_dates(browser_db).values() for d in layer)
    first, last = dates[0].isoformat(), dates[-1].isoformat()
    open_reader(page, app_url, "?date=2024-11-25")
    page.evaluate(f"() => {{ document.querySelector('{READER_MAP}').__probe = 'same map'; }}")
    reader_slider(page).focus()
    latencies, heap = [], {}
    for index in range(HEAP_STEPS):
        if index == WARM_UP:
            heap["start"] = js_heap_mb(page)
        key, target = ("Home", first) if index % 2 == 0 else ("End", last)
        start = time.perf_counter()
        page.keyboard.press(key)
        wait_for_drawn(page, target)
        latencies.append((time.perf_counter() - start) * 1000)
    heap["end"] = js_heap_mb(page)
    assert page.evaluate(f"() => document.querySelector('{READER_MAP}').__probe") == "same map"
    bound = max(features_shown(browser_db, dates[0]), features_shown(browser_db, dates[-1]))
    assert page.locator(TERRITORY_PATHS).count() <= bound, "removed groups pile up on the map"
    timed = latencies[:REDRAWS]
    ordered = sorted(timed)
    print(
        f"\nslider step -> redrawn map, {REDRAWS} steps: median {statistics.median(timed):.0f} ms, "
        f"p90 {ordered[int(0.9 * REDRAWS) - 1]:.0f} ms, max {ordered[-1]:.0f} ms; "
        f"all {HEAP_STEPS} steps: median {statistics.median(latencies):.0f} ms"
    )
    print(
        f"JS heap after GC: {heap['start']:.1f} MB after {WARM_UP} steps, "
        f"{heap['end']:.1f} MB after {HEAP_STEPS} steps"
    )
    assert heap["end"] - heap["start"] < 10, (
        f"JS heap grew {heap['end'] - heap['start']:.1f} MB over {HEAP_STEPS - WARM_UP} steps"
    )


def test_no_request_leaves_localhost(page, app_url):
    open_reader(page, app_url, "?date=2024-11-25")
    page.wait_for_selector(".frontline-place", state="attached", timeout=20_000)
    reader_slider(page).focus()
    for key in ("ArrowRight", "ArrowRight", "End", "Home"):
        page.keyboard.press(key)
        wait_for_drawn(page, slider_date(page))
    page.locator(READER_PLAY).click()
    page.wait_for_timeout(1500)
    page.locator(READER_PLAY).click()
    page.wait_for_timeout(1000)
    assert len(page.recorder.requests) > 10
    assert any("/app/static/packs/" in u for u in page.recorder.requests), "the pack came from the app"
    print(f"\n{len(page.recorder.requests)} requests, {len(page.recorder.external)} external")
    assert page.recorder.external == []


def test_injected_markup_shows_as_text_and_runs_nothing(page, app_url):
    open_reader(page, app_url, f"?date=2024-08-10&layers={quote(XSS_LAYER)}")
    tooltip = hover_territory(page, page.query_selector(TERRITORY_PATHS))
    text = tooltip.inner_text()
    assert XSS in text and "`+alert(7)+` ${alert(3)} <script>window.top.__xss=2</script>" in text
    assert tooltip.query_selector("img") is None and tooltip.query_selector("script") is None
    assert page.get_by_text(XSS, exact=False).count() >= 1, (
        "the layer description shows literally in the sidebar"
    )
    attribution = page.locator(".leaflet-control-attribution")
    attribution.get_by_text(XSS_LAYER, exact=False).wait_for(timeout=10_000)
    assert f"{XSS_LAYER}: data {XSS} · CC BY 4.0" in attribution.inner_text(), "the credit shows as text"
    assert attribution.locator("img").count() == 0
    credit = attribution.locator(".frontline-layer-credit").filter(has_text=XSS_LAYER)
    assert credit.locator("a[rel~=license]").get_attribute("href") == LICENCES["CC BY 4.0"]
    page.wait_for_timeout(500)
    assert page.recorder.dialogs == []
    assert page.evaluate("() => window.__xss") is None and page.evaluate("() => window.top.__xss") is None
    assert not any(u.rstrip("/").endswith("/x") for u in page.recorder.requests), (
        "the injected <img src=x> was requested"
    )


def test_an_editor_uploads_a_hostile_file_through_the_app_and_it_shows_as_text(page, app_url):
    """Sign in, upload a file with script in its properties, commit, then hover it on the map."""
    open_reader(page, app_url)
    sign_in(page, "<b>editor</b>")
    upload = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [[35.2, 51.62], [35.45, 51.62], [35.45, 51.72], [35.2, 51.72], [35.2, 51.62]]
                    ],
                },
                "properties": {
                    "held_by": "UA",
                    "status": "claimed",
                    "source": "<script>window.top.__xss=3</script>",
                    "note": XSS + " ${alert(5)}",
                },
            }
        ],
    }
    choose_layer(page, "Kursk incursion")
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(
        {
            "name": "hostile-2024-12-05.geojson",
            "mimeType": "application/geo+json",
            "buffer": json.dumps(upload).encode(),
        }
    )
    # The box lies north of the stored salient, its extent barely overlapping it: the
    # plausibility guard keeps Commit disabled until the editor confirms.
    page.get_by_text("barely overlaps the previous one").wait_for(timeout=60_000)
    assert page.get_by_role("button", name="Commit this snapshot").is_disabled()
    page.get_by_text("I have checked this change and want to commit it").click(timeout=30_000)
    page.get_by_role("button", name="Commit this snapshot").click(timeout=60_000)
    page.get_by_text("Committed as version").wait_for(timeout=30_000)
    check_upload_endpoint_limits(page)
    open_reader(page, app_url, "?date=2024-12-05&layers=Kursk+incursion")
    texts = []
    for path in page.query_selector_all(TERRITORY_PATHS):
        tooltip = hover_territory(page, path)
        texts.append(tooltip.inner_text())
        if "<script>window.top.__xss=3</script>" in texts[-1]:
            break
    else:
        raise AssertionError(f"no polygon's tooltip names the uploaded source: {texts}")
    text = texts[-1]
    assert "<script>window.top.__xss=3</script>" in text and XSS in text and "${alert(5)}" in text
    assert page.query_selector(f"{READER_TOOLTIP} script, {READER_TOOLTIP} img") is None
    page.wait_for_timeout(500)
    assert page.recorder.dialogs == [] and page.evaluate("() => window.__xss") is None
    assert page.recorder.external == []


def check_upload_endpoint_limits(page) -> None:
    """Replay the app's own upload request: over the size limit -> 413; without the XSRF token -> 403."""
    [upload_url] = {u for u in page.recorder.requests if "/_stcore/upload_file/" in u}
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "_streamlit_xsrf")
    too_big = {
        "files": {
            "name": "big.geojson",
            "mimeType": "application/geo+json",
            "buffer": b" " * (21 * 1024 * 1024),
        }
    }
    assert page.request.put(upload_url, multipart=too_big, headers={"X-Xsrftoken": token}).status == 413
    small = {"files": {"name": "small.geojson", "mimeType": "application/geo+json", "buffer": b"{}"}}
    assert page.request.put(upload_url, multipart=small, headers={"X-Xsrftoken": "forged"}).status == 403


def test_the_maps_decoder_gives_back_the_plain_geojson(page, app_url):
    """The browser half of the folium maps' compact territory format (presentation, side by
    side and the editor draw with it): the base map's decoder turns
    ``territory_geojson(..., encoded=True)`` into the same coordinates as the plain form."""
    import shapely

    from layers import mapview
    from layers.snapshots import Snapshot
    from tests.conftest import territory

    hole = shapely.box(35.0, 51.0, 35.9, 51.6).difference(shapely.box(35.2, 51.2, 35.3, 51.3))
    features = territory(
        [
            (shapely.MultiPolygon([hole, shapely.box(36.0, 50.0, 36.5, 50.4)]), "UA", "held", "a"),
            (
                shapely.Polygon([(-179.5, -60.25), (179.5, -60.25), (0.00001, 70.123456)]),
                "RU",
                "claimed",
                "b",
            ),
        ]
    )
    snapshot = Snapshot("decoder", dt.date(2024, 8, 10), dt.date(2024, 8, 10), 1, features)
    frame = open_app(page, app_url, "?mode=present&date=2024-11-25")
    for zoom in (6, 13):
        detail = mapview.detail_for_zoom(zoom)
        plain = json.loads(mapview.territory_geojson(snapshot, detail))
        encoded = mapview.territory_geojson(snapshot, detail, encoded=True)
        back = frame.evaluate(f"(text) => {mapview.DECODER}(JSON.parse(text))", encoded)
        assert [f["geometry"]["type"] for f in back["features"]] == [
            f["geometry"]["type"] for f in plain["features"]
        ]
        for ours, theirs in zip(back["features"], plain["features"], strict=True):
            assert set(ours["geometry"]) == {"type", "coordinates"}
            decoded, expected = flat(ours["geometry"]), flat(theirs["geometry"])
            assert len(decoded) == len(expected)
            assert max(abs(a - b) for a, b in zip(decoded, expected, strict=True)) < 1e-9


def flat(geometry: dict) -> list[float]:
    """Every coordinate of a GeoJSON polygon or multipolygon, in order."""
    rings = (
        geometry["coordinates"]
        if geometry["type"] == "Polygon"
        else [r for p in geometry["coordinates"] for r in p]
    )
    return [c for ring in rings for xy in ring for c in xy]
