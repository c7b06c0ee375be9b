"""Events on slides and time-lapses: symbols when few, hexagon density when many, one scale a time-lapse.

The store is the embedded data (territory "Kursk incursion", events "Strikes and
reports") plus made-up fire detections scattered about the front of 25 November 2024:
"Fire detections" (2,300, a week of FIRMS near the front) and "Few fires" (60).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools

import geopandas as gpd
import numpy as np
import pytest
import shapely
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.colors import to_rgb

from layers import render, style
from layers.__main__ import main
from layers.errors import InvalidInputError, UnknownLayerError
from layers.hexbins import hex_bins
from layers.render import events as marks
from layers.render import slide
from layers.snapshots import snapshot_at
from layers.store import NewSnapshot, Store

KURSK = "Kursk incursion"
DAY = dt.date(2024, 11, 25)
SMALL = (960, 540)


def fire_snapshot(
    store: Store,
    layer: str,
    count: int,
    day: dt.date = DAY,
    *,
    seed: int = 1,
    source: str = "NASA FIRMS VIIRS",
    title: str = "fire",
    spread_deg: float = 0.05,
) -> NewSnapshot:
    """``count`` fire detections over the 7 days to ``day``, scattered about the Kursk front of ``day``."""
    front = shapely.union_all(snapshot_at(store, KURSK, day).features.geometry.values).boundary
    rng = np.random.default_rng(seed)
    at = shapely.line_interpolate_point(front, rng.random(count), normalized=True)
    x = shapely.get_x(at) + rng.normal(0, spread_deg, count)
    y = shapely.get_y(at) + rng.normal(0, spread_deg * 0.6, count)
    frame = gpd.GeoDataFrame(
        {
            "id": [f"{layer}-{i}" for i in range(count)],
            "kind": "fire_detection",
            "occurred_on": [(day - dt.timedelta(days=int(d))).isoformat() for d in rng.integers(0, 7, count)],
            "title": title,
            "source": source,
            "confidence": rng.choice(["confirmed", "claimed", "disputed"], count),
        },
        geometry=shapely.points(x, y),
        crs="EPSG:4326",
    )
    return NewSnapshot(layer, day, frame, hashlib.sha256(frame.to_json().encode()).hexdigest(), kind="events")


@pytest.fixture(scope="module")
def fires(tmp_path_factory) -> Store:
    from layers.ingest import seed_default_data

    store = Store(f"sqlite:///{tmp_path_factory.mktemp('fires') / 'fires.db'}")
    seed_default_data(store)
    hostile = "<script>alert(1)</script> $x^2$ " + "Very long source name " * 300
    store.write(
        [
            fire_snapshot(store, "Fire detections", 2300),
            fire_snapshot(store, "Few fires", 60, seed=2, spread_deg=0.01),
            fire_snapshot(store, "Hostile", 40, seed=3, source=hostile, title=hostile, spread_deg=0.01),
        ],
        actor="test",
    )
    yield store
    store.close()


def _drawn(fig, prefix: str) -> list:
    return [a for a in fig.findobj() if str(a.get_gid() or "").startswith(prefix)]


def _texts(fig) -> list[str]:
    return [t.get_text().replace("\n", " ") for t in fig.texts]


def _key(fig) -> str:
    (key,) = [t.get_text().replace("\n", " ") for t in fig.texts if t.get_gid() == "events-key"]
    return key


def test_few_events_are_a_symbol_each_with_a_halo(fires):
    fig = render.build_figure(fires, [KURSK], DAY, size=SMALL, events="Few fires")
    symbols = [a for a in _drawn(fig, "events-") if isinstance(a, PathCollection)]
    assert symbols and not _drawn(fig, "events-density")
    assert sum(len(s.get_offsets()) for s in symbols) == 60
    assert all(s.get_path_effects() for s in symbols), "a white halo under each symbol"
    assert all(s.get_zorder() > 15 for s in symbols), "above the territory and the borders"
    assert _key(fig) == "Fire detections (60), 19–25 Nov 2024"


def test_symbols_are_filled_by_confidence(fires):
    shown = marks.EventsReader(fires, "Few fires", 7).shown(DAY, _view(fires))
    fig = slide.build_figure(fires, [KURSK], DAY, size=SMALL, events="Few fires")
    (symbols,) = [a for a in _drawn(fig, "events-") if isinstance(a, PathCollection)]
    faces = symbols.get_facecolors()
    disputed = shown.confidences == "disputed"
    assert np.allclose(faces[disputed][:, :3], 1), "disputed: hollow (white inside)"
    confirmed = shown.confidences == "confirmed"
    full = to_rgb(style.EVENT_COLOURS.get("fire_detection", style.EVENT_COLOURS["other"]))
    assert np.allclose(faces[confirmed][:, :3], full), "confirmed: the kind's full colour"


def _view(store: Store) -> render.View:
    from layers.render.data import FrameReader
    from layers.render.layout import slide_layout
    from layers.render.projection import frames_view

    frame = FrameReader(store, [KURSK]).frame(DAY)
    return frames_view([frame], None, slide_layout(SMALL).map_aspect)


def test_many_events_are_density_under_the_front_line(fires):
    fig = render.build_figure(fires, [KURSK], DAY, size=SMALL, events="Fire detections")
    (hexagons,) = _drawn(fig, "events-density")
    assert isinstance(hexagons, PolyCollection)
    assert not [a for a in _drawn(fig, "events-") if isinstance(a, PathCollection)], "no symbol when dense"
    fronts = _drawn(fig, "front-")
    assert fronts and min(f.get_zorder() for f in fronts) > hexagons.get_zorder(), "the front line on top"
    alphas = hexagons.get_facecolors()[:, 3]
    assert alphas.max() <= marks.DENSITY_ALPHA + 1e-9 and alphas.min() >= marks.SINGLE_ALPHA - 1e-9
    shown = marks.EventsReader(fires, "Fire detections", 7).shown(DAY, _view(fires))
    assert shown.total > marks.SYMBOLS_AT_MOST
    # The hexagon's size follows the map's width (the footer's lines set the map's shape).
    (planned,) = marks.plan([shown], _view(fires))
    assert planned.density is not None and planned.density.hex_km in (2, 5)
    assert _key(fig) == (
        f"Fire detections: {shown.total:,} in 7 days to 25 Nov 2024, "
        f"density per ~{planned.density.hex_km:g} km hexagon"
    )
    assert "1 to " in " ".join(_texts(fig)) and "events per hexagon (log scale)" in " ".join(_texts(fig))
    assert "Source: NASA FIRMS VIIRS" in _texts(fig)


def test_the_threshold_is_inclusive():
    view = render.view_for((34.6, 50.9, 35.8, 51.5), 16 / 9, pad=False)

    def shown(count: int) -> marks.EventsShown:
        x = np.linspace(-1000, 1000, count)
        kinds = np.full(count, "strike", dtype=object)
        return marks.EventsShown("S", DAY, DAY, x, x, kinds, kinds, (("strike", count),), (), False)

    assert marks.plan([shown(marks.SYMBOLS_AT_MOST)], view)[0].density is None
    assert marks.plan([shown(marks.SYMBOLS_AT_MOST + 1)], view)[0].density is not None


def test_a_time_lapse_has_one_grid_and_one_colour_scale(fires, monkeypatch):
    """The fullest hexagon of any frame tops the scale of every frame, even a sparse one."""
    seen = []
    original = slide.frame_figure

    def spy(*args, events=None):
        seen.append(events)
        return original(*args, events=events)

    monkeypatch.setattr(slide, "frame_figure", spy)
    render.render_animation(
        fires,
        [KURSK],
        DAY - dt.timedelta(days=6),
        DAY,
        step="daily",
        size=(426, 240),
        events="Fire detections",
    )
    densities = {shown.density for shown in seen}
    assert len(densities) == 1 and None not in densities
    (density,) = densities
    fullest = [int(hex_bins(s.x, s.y, density.hex_km * 1000)[2].max(initial=0)) for s in seen]
    assert density.most == max(fullest) and min(fullest) < max(fullest), "frames differ; the scale does not"
    assert seen[0].total < seen[-1].total, "the window grows over the week"


@pytest.mark.parametrize(
    "start, end, words",
    [
        (dt.date(2025, 8, 11), dt.date(2025, 8, 17), "11–17 Aug 2025"),
        (dt.date(2025, 7, 28), dt.date(2025, 8, 3), "28 Jul – 3 Aug 2025"),
        (dt.date(2024, 12, 29), dt.date(2025, 1, 4), "29 Dec 2024 – 4 Jan 2025"),
        (dt.date(2025, 8, 17), dt.date(2025, 8, 17), "17 Aug 2025"),
    ],
)
def test_window_words(start, end, words):
    assert marks.window_words(start, end) == words


def test_source_words_name_the_most_frequent_and_count_the_rest():
    assert marks.source_words([]) == "Source: none given"
    assert marks.source_words([("NASA FIRMS", 2300)]) == "Source: NASA FIRMS"
    assert (
        marks.source_words([("A", 12), ("B", 3), ("C", 1), ("D", 1)]) == "Sources: A (12), B (3) and 2 more"
    )


def test_counts_by_kind_in_words():
    assert marks.kind_words([("strike", 23), ("other", 1)]) == "Strikes (23), other events (1)"


def test_hostile_sources_and_titles_never_reach_the_layout(fires):
    fig = render.build_figure(fires, [KURSK], DAY, size=SMALL, events="Hostile")
    texts = _texts(fig)
    assert not any("Very long source name Very long source name Very" in t for t in texts)
    (source,) = [t for t in texts if t.startswith("Source: ")]
    assert len(source) <= len("Source: ") + marks.SOURCE_CHARS
    assert all(t.get_parse_math() is False for t in fig.texts)
    assert _key(fig) == "Fire detections (40), 19–25 Nov 2024"


def test_events_outside_the_map_are_counted_apart(fires):
    fig = render.build_figure(
        fires, [KURSK], DAY, size=SMALL, events="Fire detections", extent=(35.0, 51.1, 35.2, 51.2)
    )
    assert any(t.endswith("more outside the map") for t in _texts(fig))


def test_an_illustrative_events_layer_is_labelled_in_the_footer(fires):
    fig = render.build_figure(fires, [KURSK], DAY, size=SMALL, events="Strikes and reports", window_days=30)
    (footer,) = [t.get_text().replace("\n", " ") for t in fig.texts if t.get_gid() == "footer"]
    assert "Illustrative layer: Strikes and reports" in footer


def test_an_empty_window_says_so(fires):
    fig = render.build_figure(fires, [KURSK], dt.date(2024, 9, 1), size=SMALL, events="Fire detections")
    assert _key(fig) == "None on the map, 26 Aug – 1 Sep 2024"


def test_bad_events_layers_and_windows_are_refused(fires):
    with pytest.raises(
        UnknownLayerError, match=r"no events layer named 'Nope'.*events layers: .*'Few fires'"
    ):
        render.render_png(fires, [KURSK], DAY, events="Nope")
    with pytest.raises(InvalidInputError, match=r"holds territory, not events"):
        render.render_png(fires, [KURSK], DAY, events=KURSK)
    with pytest.raises(InvalidInputError, match=r"1 to 366 days"):
        render.render_png(fires, [KURSK], DAY, events="Few fires", window_days=0)


def test_export_png_draws_the_events_window(fires, tmp_path, capsys):
    out = tmp_path / "fires.png"
    argv = ["export-png", "--db", fires.url, "--date", "2024-11-25", "--out", str(out), "--size", "480x270"]
    assert main([*argv, "--events", "Few fires", "--window", "3"]) == 0
    assert out.exists()


def test_export_png_with_an_unknown_events_layer_exits_2_listing_them(fires, tmp_path, capsys):
    out = tmp_path / "a.png"
    code = main(
        ["export-png", "--db", fires.url, "--date", "2024-11-25", "--out", str(out), "--events", "Nope"]
    )
    err = capsys.readouterr().err
    assert code == 2 and "no events layer named 'Nope'" in err and "'Strikes and reports'" in err
    assert "Traceback" not in err and not out.exists()


@pytest.mark.parametrize("window", ["0", "367", "week"])
def test_export_animation_refuses_a_bad_window(fires, tmp_path, capsys, window):
    argv = ["export-animation", "--db", fires.url, "--from", "2024-11-20", "--to", "2024-11-25"]
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--out", str(tmp_path / "a.gif"), "--events", "Few fires", "--window", window])
    assert exit_info.value.code == 2 and "window expected as 1 to 366 days" in capsys.readouterr().err
    assert marks.MAX_WINDOW_DAYS == 366, "the command line's bound"


def test_the_density_ramp_reads_in_greyscale():
    """Lightness falls at every step, so a greyscale print still orders the counts."""
    from matplotlib.colors import to_rgb

    grey = [0.299 * r + 0.587 * g + 0.114 * b for r, g, b in map(to_rgb, marks.DENSITY_RAMP)]
    assert all(a > b + 0.05 for a, b in itertools.pairwise(grey))
    sides = [to_rgb(c) for c in (style.SIDE_COLOURS["UA"], style.SIDE_COLOURS["RU"])]
    assert all(np.abs(np.subtract(to_rgb(marks.DENSITY_RAMP[-1]), s)).max() > 0.2 for s in sides)


def test_a_panel_too_full_for_the_events_key_gets_it_in_two_lines_not_an_error(tmp_path):
    """Three territory layers, reported figures and an events layer: the full key does not
    fit a 1920×1080 slide even with smaller type; the events' key shrinks to two lines."""
    from tests.browser.conftest import seed_browser_store

    url = f"sqlite:///{tmp_path / 'full.db'}"
    seed_browser_store(url)
    store = Store(url)
    fig = render.build_figure(store, None, dt.date(2024, 11, 25), events="Strikes and reports")
    (key,) = [t.get_text() for t in fig.texts if t.get_gid() == "events-key"]
    assert key.startswith("Strikes (1), a symbol each, 19–25 Nov 2024.") and "Sources:" in key
    assert not _drawn(fig, "events-legend"), "no per-kind rows in the two-line key"
    assert _drawn(fig, "events-"), "the events are still drawn on the map"


def test_the_events_layers_credit_is_printed_beside_the_territorys(tmp_path):
    from layers.credits import FIRMS, Credit
    from layers.ingest import seed_default_data

    store = Store(f"sqlite:///{tmp_path / 'credited.db'}")
    seed_default_data(store)
    store.set_credit(KURSK, Credit("Team", "CC BY-NC 4.0", ""), actor="t")
    store.create_layer("Fires", "events", credit=FIRMS, actor="t")
    store.write([fire_snapshot(store, "Fires", 60, seed=2, spread_deg=0.01)], actor="t")
    fig = render.build_figure(store, [KURSK], DAY, size="16:9", events="Fires")
    (footer,) = [t.get_text() for t in fig.texts if t.get_gid() == "footer"]
    lines = footer.split("\n")
    assert f"{KURSK}: data Team · CC BY-NC 4.0, non-commercial use only" in lines
    assert "Fires: data NASA FIRMS · Free to use with acknowledgement" in lines
