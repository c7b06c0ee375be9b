"""Time-lapses: one slide per date from one extent and one key, written as an animated GIF or an MP4."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import cast

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg

from ..errors import InvalidInputError
from ..store import Store
from . import slide
from .canvas import drawing_defaults
from .data import FrameReader, key_plan, require_some_snapshot
from .layout import SizeLike, check_scale, pixel_size, slide_layout
from .projection import basemap_for, check_extent, frames_view

__all__ = ["FORMATS", "MAX_FRAMES", "STEPS", "animation_dates", "render_animation"]

STEPS = ("daily", "weekly", "snapshot")
FORMATS = ("gif", "mp4")
#: Longest animation: 400 frames is over three minutes at 2 frames a second.
MAX_FRAMES = 400


def animation_dates(
    store: Store, layers: Sequence[str] | None, start: dt.date, end: dt.date, step: str = "weekly"
) -> list[dt.date]:
    """The frame dates of a time-lapse: every day, every 7 days (and ``end``), or each snapshot date.

    Raises
    ------
    InvalidInputError
        For an unknown step, ``start`` after ``end``, no frame, or more than ``MAX_FRAMES``.
    """
    return _dates(FrameReader(store, layers), start, end, step)


def _dates(reader: FrameReader, start: dt.date, end: dt.date, step: str) -> list[dt.date]:
    if step not in STEPS:
        raise InvalidInputError(f"step {step!r}: use one of {', '.join(STEPS)}.")
    if start > end:
        raise InvalidInputError(f"--from {start} is after --to {end}; give the earlier date first.")
    days = (end - start).days
    if step == "daily":
        count = days + 1
    elif step == "weekly":
        count = days // 7 + 1 + (days % 7 != 0)
    else:
        dates = [d for d in reader.snapshot_dates() if start <= d <= end]
        count = len(dates)
        if not dates:
            raise InvalidInputError(
                f"no snapshot of {', '.join(map(repr, reader.layers))} from {start} to {end}; "
                "choose --step daily or weekly, or another range."
            )
    if count > MAX_FRAMES:
        fix = (
            "choose --step weekly or --step snapshot, or a shorter range"
            if step == "daily"
            else "choose --step snapshot or a shorter range"
        )
        raise InvalidInputError(
            f"{count} frames from {start} to {end} with step {step!r} is more than {MAX_FRAMES}; {fix}."
        )
    if step == "daily":
        return [start + dt.timedelta(days=n) for n in range(count)]
    if step == "weekly":
        dates = [start + dt.timedelta(days=n) for n in range(0, days + 1, 7)]
        return dates if dates[-1] == end else [*dates, end]
    return dates


def render_animation(
    store: Store,
    layers: Sequence[str] | None,
    start: dt.date,
    end: dt.date,
    *,
    step: str = "weekly",
    fmt: str = "gif",
    size: SizeLike = (1920, 1080),
    scale: int = 1,
    fps: float = 2,
    extent: Sequence[float] | None = None,
    title: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """A time-lapse of ``layers`` from ``start`` to ``end`` as an animated GIF or an H.264 MP4.

    Each frame is drawn like :func:`~layers.render.slide.render_png` for its date, all
    with the same extent (the union of every frame's snapshots, padded, unless ``extent``
    is given) and the same key, so nothing but the territory, the date and the numbers
    moves.

    Parameters
    ----------
    step : {"daily", "weekly", "snapshot"}
        One frame a day; every 7 days from ``start`` (and ``end``); or one per date on
        which any of the layers has a snapshot within the range.
    fmt : {"gif", "mp4"}
        GIF through Pillow (looping); MP4 through imageio-ffmpeg's bundled ffmpeg (H.264,
        yuv420p, even dimensions: an odd side loses its last pixel).
    fps : float
        Frames a second, 0.2 to 30.
    progress : callable, optional
        Called as ``progress(done, total)`` after each frame.

    Raises
    ------
    InvalidInputError
        As :func:`~layers.render.slide.render_png`, and for more than ``MAX_FRAMES``
        frames (the message names the fix: a weekly step or a shorter range), a bad step,
        format or fps.
    """
    if fmt not in FORMATS:
        raise InvalidInputError(f"format {fmt!r}: use gif or mp4.")
    if not (0.2 <= float(fps) <= 30):
        raise InvalidInputError(f"fps {fps!r}: use 0.2 to 30 frames a second.")
    pixels, scale = pixel_size(size), check_scale(scale)
    checked = check_extent(extent) if extent is not None else None
    with drawing_defaults():
        reader = FrameReader(store, layers)
        dates = _dates(reader, start, end, step)
        frames = [reader.frame(day) for day in dates]
        require_some_snapshot(reader, frames)
        view = frames_view(frames, checked, slide_layout(pixels).map_aspect)
        basemap = basemap_for(view)
        keys = key_plan(frames)
        images = []
        for done, frame in enumerate(frames, start=1):
            fig = slide.frame_figure(frame, view, basemap, pixels, scale, title, keys)
            # Every figure here is made on its own Agg canvas (canvas.Canvas).
            agg = cast(FigureCanvasAgg, fig.canvas)
            agg.draw()
            images.append(np.asarray(agg.buffer_rgba())[:, :, :3].copy())
            if progress is not None:
                progress(done, len(frames))
    return _gif(images, fps) if fmt == "gif" else _mp4(images, fps)


def _gif(images: list[np.ndarray], fps: float) -> bytes:
    import imageio.v3 as iio

    return iio.imwrite(
        "<bytes>", np.stack(images), extension=".gif", plugin="pillow", duration=round(1000 / fps), loop=0
    )


def _mp4(images: list[np.ndarray], fps: float) -> bytes:
    import imageio_ffmpeg

    height, width = images[0].shape[:2]
    even_w, even_h = width - width % 2, height - height % 2
    with tempfile.TemporaryDirectory(prefix="frontline-mp4-") as folder:
        path = os.path.join(folder, "animation.mp4")
        writer = imageio_ffmpeg.write_frames(
            path,
            (even_w, even_h),
            fps=fps,
            codec="libx264",
            pix_fmt_in="rgb24",
            pix_fmt_out="yuv420p",
            quality=None,
            macro_block_size=2,
            ffmpeg_log_level="error",
            output_params=[
                "-crf",
                "18",
                "-preset",
                "medium",
                "-movflags",
                "+faststart",
                "-map_metadata",
                "-1",
                "-fflags",
                "+bitexact",
            ],
        )
        writer.send(None)
        for image in images:
            writer.send(np.ascontiguousarray(image[:even_h, :even_w]).tobytes())
        writer.close()
        return Path(path).read_bytes()
