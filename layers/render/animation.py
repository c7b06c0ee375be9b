"""Time-lapses: one slide per date from one extent and one key, written as an animated GIF or an MP4.

Bounded: at most ``layers.settings.limits().render_max_frames`` frames
(``FRONTLINE_RENDER_MAX_FRAMES``, default 1000), refused before a frame is drawn, and
each frame goes to the encoder as soon as it is drawn (:mod:`~layers.render.encoders`),
so the memory of a time-lapse is that of a frame or two, not of every frame.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import cast

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg

from ..errors import InvalidInputError
from ..events import DEFAULT_WINDOW_DAYS
from ..settings import limits
from ..store import Store
from . import slide
from .canvas import drawing_defaults
from .data import FrameReader, key_plan, require_some_snapshot
from .encoders import frame_writer
from .events import EventsReader, plan
from .layout import SizeLike, check_scale, pixel_size, slide_layout
from .projection import basemap_for, check_extent, frames_view

__all__ = ["FORMATS", "STEPS", "animation_dates", "check_frames", "frame_count", "render_animation"]

STEPS = ("daily", "weekly", "snapshot")
FORMATS = ("gif", "mp4")
_STEP_WORDS = {"daily": "a daily step", "weekly": "a weekly step", "snapshot": "one frame per snapshot"}


def animation_dates(
    store: Store, layers: Sequence[str] | None, start: dt.date, end: dt.date, step: str = "weekly"
) -> list[dt.date]:
    """The frame dates of a time-lapse: every day, every 7 days (and ``end``), or each snapshot date.

    Raises
    ------
    InvalidInputError
        For an unknown step, ``start`` after ``end``, no frame, or more frames than
        ``limits().render_max_frames``: the message gives the count, the limit and the
        counts of the coarser steps that would fit.
    """
    return _dates(FrameReader(store, layers), start, end, step)


def frame_count(snapshot_dates: Sequence[dt.date], start: dt.date, end: dt.date, step: str) -> int:
    """How many frames ``step`` gives from ``start`` to ``end``, given the layers' ``snapshot_dates``."""
    days = (end - start).days
    if step == "daily":
        return days + 1
    if step == "weekly":
        return days // 7 + 1 + (days % 7 != 0)
    return sum(start <= d <= end for d in snapshot_dates)


def _dates(reader: FrameReader, start: dt.date, end: dt.date, step: str) -> list[dt.date]:
    known = reader.snapshot_dates()
    count = check_frames(known, start, end, step)
    if step == "snapshot" and not count:
        raise InvalidInputError(
            f"no snapshot of {', '.join(map(repr, reader.layers))} from {start} to {end}; "
            "choose --step daily or weekly, or another range."
        )
    if step == "daily":
        return [start + dt.timedelta(days=n) for n in range(count)]
    if step == "weekly":
        dates = [start + dt.timedelta(days=n) for n in range(0, (end - start).days + 1, 7)]
        return dates if dates[-1] == end else [*dates, end]
    return [d for d in known if start <= d <= end]


def check_frames(snapshot_dates: Sequence[dt.date], start: dt.date, end: dt.date, step: str) -> int:
    """The frame count of ``step`` from ``start`` to ``end``, if within ``limits().render_max_frames``.

    Cheap (no drawing, no reading): the app asks it before a render waits its turn.

    Raises
    ------
    InvalidInputError
        For an unknown step, ``start`` after ``end``, or too many frames: then giving the
        count, the limit, the coarser steps that would fit and their counts, or a shorter
        range.
    """
    if step not in STEPS:
        raise InvalidInputError(f"step {step!r}: use one of {', '.join(STEPS)}.")
    if start > end:
        raise InvalidInputError(f"--from {start} is after --to {end}; give the earlier date first.")
    known = snapshot_dates
    count = frame_count(known, start, end, step)
    most = limits().render_max_frames
    if count > most:
        coarser = STEPS[STEPS.index(step) + 1 :]
        fits = [
            f"{_STEP_WORDS[s]} gives {n}"
            for s in coarser
            if 0 < (n := frame_count(known, start, end, s)) <= most
        ]
        raise InvalidInputError(
            f"{count} frames ({_STEP_WORDS[step]} from {start} to {end}) is more than the limit of "
            f"{most} frames a time-lapse; choose "
            + (f"a coarser step ({', '.join(fits)}) or " if fits else "")
            + "a shorter range."
        )
    return count


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
    events: str | None = None,
    window_days: int = DEFAULT_WINDOW_DAYS,
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
        GIF through Pillow (looping; each frame after the first stores only the box that
        changed); MP4 through imageio-ffmpeg's bundled ffmpeg (H.264, yuv420p, even
        dimensions: an odd side loses its last pixel). Either way each frame is encoded
        as soon as it is drawn and then dropped.
    fps : float
        Frames a second, 0.2 to 30.
    progress : callable, optional
        Called as ``progress(done, total)`` after each frame.
    events, window_days
        As :func:`~layers.render.slide.render_png`, for each frame's date. One way of
        drawing for every frame, and with density one hexagon grid and one colour scale
        (its top the fullest hexagon of any frame), so frames compare.

    Raises
    ------
    InvalidInputError
        As :func:`~layers.render.slide.render_png`, and, before any frame is drawn, for
        more frames than ``limits().render_max_frames`` (the message names the fix: a
        coarser step or a shorter range), a bad step, format or fps.
    """
    if fmt not in FORMATS:
        raise InvalidInputError(f"format {fmt!r}: use gif or mp4.")
    if not (0.2 <= float(fps) <= 30):
        raise InvalidInputError(f"fps {fps!r}: use 0.2 to 30 frames a second.")
    pixels, scale = pixel_size(size), check_scale(scale)
    checked = check_extent(extent) if extent is not None else None
    with drawing_defaults():
        reader = FrameReader(store, layers)
        happened = EventsReader(store, events, window_days) if events else None
        dates = _dates(reader, start, end, step)
        frames = [reader.frame(day) for day in dates]
        require_some_snapshot(reader, frames)
        view = frames_view(frames, checked, slide_layout(pixels).map_aspect)
        basemap = basemap_for(view)
        keys = key_plan(frames)
        # Points only (a few arrays a frame): the whole window's scale is known before drawing.
        shown = plan([happened.shown(day, view) for day in dates], view) if happened else [None] * len(dates)
        with frame_writer(fmt, fps) as writer:
            for done, (frame, marks) in enumerate(zip(frames, shown, strict=True), start=1):
                fig = slide.frame_figure(frame, view, basemap, pixels, scale, title, keys, events=marks)
                # Every figure here is made on its own Agg canvas (canvas.Canvas).
                agg = cast(FigureCanvasAgg, fig.canvas)
                agg.draw()
                writer.append(np.asarray(agg.buffer_rgba()))
                if progress is not None:
                    progress(done, len(frames))
            return writer.finish()
