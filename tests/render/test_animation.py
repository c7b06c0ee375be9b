"""Time-lapses: frame dates per step, one extent and key for every frame, GIF and MP4, export-animation."""

from __future__ import annotations

import datetime as dt

import imageio.v3 as iio
import imageio_ffmpeg
import numpy as np
import pytest

from layers import render
from layers.__main__ import main
from layers.errors import InvalidInputError
from layers.render import slide

KURSK = "Kursk incursion"


def test_animation_dates_per_step(embedded_data_store):
    start, end = dt.date(2024, 8, 6), dt.date(2024, 8, 30)
    assert len(render.animation_dates(embedded_data_store, [KURSK], start, end, "daily")) == 25
    weekly = render.animation_dates(embedded_data_store, [KURSK], start, end, "weekly")
    assert weekly == [dt.date(2024, 8, d) for d in (6, 13, 20, 27, 30)]
    snapshots = render.animation_dates(embedded_data_store, [KURSK], start, end, "snapshot")
    assert snapshots == [dt.date(2024, 8, d) for d in (6, 8, 10, 12, 15, 20, 27)]


def test_a_weekly_range_of_whole_weeks_ends_on_its_last_day(embedded_data_store):
    start, end = dt.date(2024, 8, 6), dt.date(2024, 8, 27)
    assert render.animation_dates(embedded_data_store, [KURSK], start, end, "weekly") == [
        dt.date(2024, 8, d) for d in (6, 13, 20, 27)
    ]


def test_too_many_frames_names_the_fix(embedded_data_store, monkeypatch):
    monkeypatch.setenv("FRONTLINE_RENDER_MAX_FRAMES", "400")
    with pytest.raises(
        InvalidInputError,
        match=r"518 frames \(a daily step from 2024-01-01 to 2025-06-01\) is more than the limit of 400 "
        r"frames a time-lapse; choose a coarser step \(a weekly step gives 75, one frame per snapshot "
        r"gives 21\) or a shorter range\.",
    ):
        render.animation_dates(
            embedded_data_store, [KURSK], dt.date(2024, 1, 1), dt.date(2025, 6, 1), "daily"
        )
    with pytest.raises(InvalidInputError, match="after --to"):
        render.animation_dates(
            embedded_data_store, [KURSK], dt.date(2025, 1, 1), dt.date(2024, 6, 1), "daily"
        )


@pytest.mark.parametrize(
    "start, end, step, message",
    [
        (dt.date(2024, 8, 6), dt.date(2024, 8, 20), "monthly", "use one of daily, weekly, snapshot"),
        (dt.date(2023, 1, 1), dt.date(2023, 12, 31), "snapshot", "no snapshot of 'Kursk incursion' from"),
    ],
)
def test_bad_steps_and_empty_snapshot_ranges_are_explained(embedded_data_store, start, end, step, message):
    with pytest.raises(InvalidInputError, match=message):
        render.animation_dates(embedded_data_store, [KURSK], start, end, step)


@pytest.mark.parametrize(
    "keywords, message", [({"fmt": "avi"}, "use gif or mp4"), ({"fps": 0.1}, "0.2 to 30 frames a second")]
)
def test_bad_format_or_fps_is_refused_before_drawing(embedded_data_store, keywords, message):
    with pytest.raises(InvalidInputError, match=message):
        render.render_animation(
            embedded_data_store, [KURSK], dt.date(2024, 8, 6), dt.date(2024, 8, 8), **keywords
        )


def test_animation_reports_progress_and_keeps_one_extent_and_key(embedded_data_store, monkeypatch):
    calls, drawn = [], []
    original = slide.frame_figure

    def spy(frame, view, basemap, size, scale, title, keys, events=None):
        drawn.append((view, keys))
        return original(frame, view, basemap, size, scale, title, keys, events=events)

    monkeypatch.setattr(slide, "frame_figure", spy)
    gif = render.render_animation(
        embedded_data_store,
        [KURSK],
        dt.date(2024, 9, 10),
        dt.date(2024, 9, 16),
        step="snapshot",
        size=(320, 240),
        progress=lambda d, n: calls.append((d, n)),
    )
    assert calls == [(1, 2), (2, 2)]
    assert iio.imread(gif, index=None, extension=".gif").shape[:3] == (2, 240, 320)
    (first_view, first_keys), (second_view, second_keys) = drawn
    assert first_view == second_view
    # Only the first snapshot has claimed ground; both frames keep its row in the key.
    assert first_keys == second_keys and ("RU", "claimed", False) in first_keys[KURSK]


def test_each_gif_frame_is_the_slide_of_its_date(embedded_data_store):
    """A frame whose extent and key match the date's own slide is drawn exactly as that slide."""
    day = dt.date(2024, 8, 6)
    gif = render.render_animation(
        embedded_data_store, [KURSK], day, day, step="daily", size=(320, 240), fps=4
    )
    (frame,) = iio.imread(gif, index=None, extension=".gif")
    png = iio.imread(render.render_png(embedded_data_store, [KURSK], day, size=(320, 240)), extension=".png")
    # GIF keeps 256 colours: compare with a tolerance for the palette, not for a moved element.
    difference = np.abs(frame[:, :, :3].astype(int) - png[:, :, :3].astype(int)).max(axis=2)
    assert (difference > 40).mean() < 0.01
    assert iio.immeta(gif, extension=".gif")["duration"] == 250


def test_mp4_has_even_dimensions(embedded_data_store, tmp_path):
    mp4 = render.render_animation(
        embedded_data_store,
        [KURSK],
        dt.date(2024, 8, 6),
        dt.date(2024, 8, 8),
        step="snapshot",
        fmt="mp4",
        size=(321, 241),
    )
    path = tmp_path / "odd.mp4"
    path.write_bytes(mp4)
    reader = imageio_ffmpeg.read_frames(str(path))
    assert next(reader)["size"] == (320, 240)
    reader.close()


@pytest.mark.parametrize("suffix", ["gif", "mp4"])
def test_export_animation_writes_one_frame_per_snapshot(embedded_data_store, tmp_path, capsys, suffix):
    out = tmp_path / f"kursk.{suffix}"
    code = main(
        [
            "export-animation",
            "--db",
            embedded_data_store.url,
            "--from",
            "2024-08-06",
            "--to",
            "2024-08-20",
            "--step",
            "snapshot",
            "--size",
            "480x270",
            "--out",
            str(out),
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert "rendered frame 6/6" in capsys.readouterr().err
    if suffix == "gif":
        frames = iio.imread(out, index=None)
        assert frames.shape[:3] == (6, 270, 480)
    else:
        assert imageio_ffmpeg.count_frames_and_secs(str(out))[0] == 6
        reader = imageio_ffmpeg.read_frames(str(out))
        meta = next(reader)
        reader.close()
        assert meta["size"] == (480, 270) and meta["codec"] == "h264" and "yuv420p" in meta["pix_fmt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


def test_export_animation_option_errors_exit_2_and_write_nothing(embedded_data_store, tmp_path, capsys):
    argv = ["export-animation", "--from", "2024-08-06", "--to", "2024-8-20", "--out", f"{tmp_path}/a.gif"]
    with pytest.raises(SystemExit) as exit_info:
        main([*argv, "--db", embedded_data_store.url])
    assert exit_info.value.code == 2 and "date expected like 2024-11-25" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            [
                "export-animation",
                "--from",
                "2020-01-01",
                "--to",
                "2025-03-31",
                "--step",
                "daily",
                "--out",
                "{dir}/a.gif",
            ],
            "1917 frames (a daily step from 2020-01-01 to 2025-03-31) is more than the limit of 1000 frames",
        ),
        (
            ["export-animation", "--from", "2024-08-06", "--to", "2024-08-20", "--out", "{dir}/a.avi"],
            "ending in .gif or .mp4",
        ),
        (
            [
                "export-animation",
                "--from",
                "2024-08-06",
                "--to",
                "2024-08-20",
                "--fps",
                "0",
                "--out",
                "{dir}/a.gif",
            ],
            "fps",
        ),
    ],
)
def test_export_animation_errors_exit_2_with_a_message_and_write_nothing(
    embedded_data_store, tmp_path, capsys, argv, message
):
    code = main([*(a.format(dir=tmp_path) for a in argv), "--db", embedded_data_store.url])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []
