"""Renders are bounded: a frame cap checked before drawing, frames streamed to the encoder,
extents that can be drawn, and text cut to what fits whatever its length (issue 13)."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from layers import render
from layers.__main__ import main
from layers.errors import InvalidInputError
from layers.render import canvas, encoders, slide
from layers.render.canvas import Canvas

KURSK = "Kursk incursion"
ROOT = Path(__file__).resolve().parents[2]


def test_too_many_frames_are_refused_before_any_is_drawn(embedded_data_store, monkeypatch):
    drawn = []
    monkeypatch.setattr(slide, "frame_figure", lambda *a: drawn.append(a))
    monkeypatch.setenv("FRONTLINE_RENDER_MAX_FRAMES", "20")
    with pytest.raises(InvalidInputError) as refused:
        render.render_animation(
            embedded_data_store, [KURSK], dt.date(2024, 8, 6), dt.date(2024, 9, 30), step="daily"
        )
    message = str(refused.value)
    heads = embedded_data_store.heads(KURSK)["as_of"]
    in_range = sum(dt.date(2024, 8, 6) <= d <= dt.date(2024, 9, 30) for d in heads)
    assert message.startswith("56 frames (a daily step from 2024-08-06 to 2024-09-30)")
    assert "more than the limit of 20 frames" in message
    # 56 days: 8 weeks from the first day, and the last day.
    assert f"a coarser step (a weekly step gives 9, one frame per snapshot gives {in_range})" in message
    assert message.endswith("or a shorter range.")
    assert drawn == []


def test_the_cap_offers_only_the_steps_that_fit(monkeypatch):
    monkeypatch.setenv("FRONTLINE_RENDER_MAX_FRAMES", "5")
    snapshots = [dt.date(2024, 8, d) for d in range(1, 30, 3)]
    with pytest.raises(InvalidInputError) as refused:
        render.check_frames(snapshots, dt.date(2024, 8, 1), dt.date(2024, 8, 29), "daily")
    assert "a weekly step gives 5)" in str(refused.value) and "per snapshot" not in str(refused.value)
    with pytest.raises(InvalidInputError, match=r"limit of 5 frames a time-lapse; choose a shorter range\."):
        render.check_frames(snapshots, dt.date(2024, 8, 1), dt.date(2024, 8, 29), "snapshot")
    assert render.check_frames(snapshots, dt.date(2024, 8, 1), dt.date(2024, 8, 29), "weekly") == 5


def test_each_frame_goes_to_the_encoder_before_the_next_is_drawn(embedded_data_store, monkeypatch):
    events: list[str] = []
    original_figure, original_append = slide.frame_figure, encoders.GifWriter.append

    def figure(*args, **keywords):
        events.append("draw")
        return original_figure(*args, **keywords)

    def append(self, image):
        events.append("encode")
        original_append(self, image)

    monkeypatch.setattr(slide, "frame_figure", figure)
    monkeypatch.setattr(encoders.GifWriter, "append", append)
    render.render_animation(
        embedded_data_store, [KURSK], dt.date(2024, 8, 6), dt.date(2024, 8, 12), step="daily", size=(320, 240)
    )
    assert events == ["draw", "encode"] * 7


MEASURE = textwrap.dedent(
    """
    import datetime as dt, json, resource, sys
    from layers import render
    from layers.store import Store

    store = Store(sys.argv[1])
    days = int(sys.argv[2])
    gif = render.render_animation(
        store, ["Kursk incursion"], dt.date(2024, 8, 6), dt.date(2024, 8, 5) + dt.timedelta(days=days),
        step="daily", fmt="gif", size=(1280, 720),
    )
    print(json.dumps({"bytes": len(gif), "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
    """
)


def _peak_mb(store_url: str, days: int) -> float:
    done = subprocess.run(
        [sys.executable, "-c", MEASURE, store_url, str(days)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=True,
        timeout=600,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])["peak_kb"] / 1024


def test_a_long_time_lapse_costs_no_more_memory_than_a_short_one(embedded_data_store):
    """60 frames at 1280x720 are 166 MB of pixels; held until the end, then stacked and
    converted by Pillow, they cost about 500 MB more than 3 frames. Streamed, the
    difference is the caches of a few more snapshots and glyphs (about 70 MB)."""
    short, long = _peak_mb(embedded_data_store.url, 3), _peak_mb(embedded_data_store.url, 60)
    assert long - short < 150, f"peak {short:.0f} MB for 3 frames, {long:.0f} MB for 60"
    assert long < 1024


@pytest.mark.parametrize(
    "extent, message",
    [
        ((-180, -85, 180, 85), "reaches 180° from its centre"),
        ((-120, -10, 100, 10), r"at most a hemisphere \(90° from the centre"),
        ((34, 50, 34.0001, 51), r"too small to draw; give at least 0\.001°"),
        ((170, 50, -170, 60), "expected west < east"),
        ((0, 0, 1, float("nan")), "finite numbers of degrees"),
    ],
)
def test_extents_that_cannot_be_drawn_say_why(extent, message):
    with pytest.raises(InvalidInputError, match=message):
        render.check_extent(extent)


@pytest.mark.parametrize("extent", [(-90, -85, 90, 85), (-180, 80, 180, 85), (34, 50, 34.001, 50.001)])
def test_a_hemisphere_a_polar_cap_and_100_m_can_be_drawn(extent):
    assert render.check_extent(extent) == extent
    view = render.view_for(extent, 16 / 9, pad=False)
    assert all(abs(v) < 2e7 for v in view.bounds_m)


def test_the_view_on_screen_is_clamped_or_dropped():
    assert render.screen_extent((30.0, 45.0, 40.0, 89.9)) == (30.0, 45.0, 40.0, 85.0)
    assert render.screen_extent((-200.0, 40.0, -170.0, 50.0)) == (-180.0, 40.0, -170.0, 50.0)
    assert render.screen_extent((-540.0, -90.0, 540.0, 90.0)) is None, "the world is more than a hemisphere"
    assert render.screen_extent((0.0, float("nan"), 1.0, 1.0)) is None
    assert render.screen_extent(None) is None


def test_export_png_of_the_world_exits_2_with_the_reason(embedded_data_store, tmp_path, capsys):
    out = tmp_path / "world.png"
    code = main(
        [
            "export-png",
            "--db",
            embedded_data_store.url,
            "--date",
            "2024-11-25",
            "--extent=-180,-85,180,85",
            "--out",
            str(out),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "at most a hemisphere" in err and "Traceback" not in err
    assert not out.exists()


class CountingRenderer:
    """Counts the characters the text renderer is asked to lay out."""

    def __init__(self, renderer):
        self.renderer, self.characters = renderer, 0

    def __getattr__(self, name):
        return getattr(self.renderer, name)

    def get_text_width_height_descent(self, text, font, ismath):
        self.characters += len(text)
        return self.renderer.get_text_width_height_descent(text, font, ismath)


@pytest.mark.parametrize("title", ["A" * 8000, "Kursk incursion " * 500, "\u0301" * 8000])
def test_an_8000_character_title_is_cut_to_two_lines_at_little_cost(embedded_data_store, monkeypatch, title):
    counters = []
    original = Canvas.__init__

    def counting(self, *args):
        original(self, *args)
        self.renderer = CountingRenderer(self.renderer)
        counters.append(self.renderer)

    monkeypatch.setattr(Canvas, "__init__", counting)
    monkeypatch.setattr(canvas, "_MEASURED", {})
    fig = render.build_figure(
        embedded_data_store, [KURSK], dt.date(2024, 11, 25), size=(960, 540), title=title
    )
    (drawn,) = [t.get_text() for t in fig.texts if t.get_gid() == "title"]
    lines = drawn.split("\n")
    assert len(lines) <= 2 and lines[-1].endswith("…")
    assert title.startswith((" ".join(lines)[:-1].rstrip(), "".join(lines)[:-1]))
    # Measuring every start of an 8,000-character line, as clipping one glyph at a time
    # did, lays out ~32 million characters; bounded, the whole slide lays out a few thousand.
    assert sum(c.characters for c in counters) < 60_000


def test_the_command_line_refuses_a_title_over_300_characters(embedded_data_store, tmp_path, capsys):
    argv = [
        "export-png",
        "--db",
        embedded_data_store.url,
        "--date",
        "2024-11-25",
        "--out",
        f"{tmp_path}/a.png",
    ]
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--title", "x" * 301])
    assert exit_info.value.code == 2
    assert "title of 301 characters: give at most 300" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


EVENTS_MEASURE = textwrap.dedent(
    """
    import datetime as dt, json, resource, sys, time
    from layers import render
    from layers.store import Store

    store = Store(sys.argv[1])
    started = time.monotonic()
    gif = render.render_animation(
        store, ["Kursk incursion"], dt.date(2024, 11, 19), dt.date(2024, 11, 25),
        step="daily", fmt="gif", size=(1280, 720), events=sys.argv[2] or None,
    )
    print(json.dumps({
        "seconds": time.monotonic() - started,
        "peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }))
    """
)


def test_20000_events_a_frame_stay_within_the_render_limits(tmp_path):
    """Dense events are binned with numpy and drawn as one collection: a week of 20,000
    detections costs a time-lapse little more memory than none, and no artist per event."""
    from layers.ingest import seed_default_data
    from layers.store import Store
    from tests.render.test_events import fire_snapshot

    store = Store(f"sqlite:///{tmp_path / 'dense.db'}")
    seed_default_data(store)
    store.write([fire_snapshot(store, "Dense", 20_000, seed=5)], actor="test")
    fig = render.build_figure(store, [KURSK], dt.date(2024, 11, 25), size=(960, 540), events="Dense")
    assert len(fig.findobj()) < 1000, "artists do not grow with the events"
    (hexagons,) = [a for a in fig.findobj() if a.get_gid() == "events-density"]
    assert len(hexagons.get_paths()) < 5000
    store.close()

    def measure(layer: str) -> dict:
        done = subprocess.run(
            [sys.executable, "-c", EVENTS_MEASURE, store.url, layer],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=True,
            timeout=600,
        )
        return json.loads(done.stdout.strip().splitlines()[-1])

    without, dense = measure(""), measure("Dense")
    extra_mb = (dense["peak_kb"] - without["peak_kb"]) / 1024
    assert extra_mb < 100, f"{extra_mb:.0f} MB more with 20,000 events"
    assert dense["peak_kb"] / 1024 < 1024
    # Generous: about 4 s here for 7 frames; a per-event artist took minutes.
    assert dense["seconds"] < 20 * max(without["seconds"], 1.0)
