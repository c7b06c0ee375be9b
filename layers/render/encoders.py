"""Encoders that take a time-lapse one frame at a time, so its memory is a frame or two, whatever its length.

A time-lapse used to keep every frame until the end (238 daily frames at 1920x1080:
5.7 GB); these write each frame as it comes. Only the previous frame is kept, for the
GIF's difference boxes, and the encoded file grows in memory (GIF) or in a temporary
file (MP4) until :meth:`finish` returns its bytes.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

import numpy as np

__all__ = ["FrameWriter", "GifWriter", "Mp4Writer", "frame_writer"]


class FrameWriter(Protocol):
    """Takes frames one by one (``append``), then gives the file (``finish``); ``close`` frees the rest."""

    frames: int

    def append(self, image: np.ndarray) -> None: ...

    def finish(self) -> bytes: ...

    def close(self) -> None: ...

    def __enter__(self) -> FrameWriter: ...

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None: ...


class _Closing:
    def __enter__(self) -> Any:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def close(self) -> None:
        """Free what the writer holds; the file is lost unless :meth:`finish` was called."""


class GifWriter(_Closing):
    """A looping animated GIF written frame by frame with Pillow.

    The first frame is written whole with its palette as the global colour table; each
    later frame only as the box of pixels that changed, with a palette of its own
    (Pillow's own multi-frame GIFs do the same, but keep every frame until they are
    saved). A frame identical to the one before lengthens that frame's time instead.

    Parameters
    ----------
    fps : float
        Frames a second; GIF counts time in hundredths of a second.
    """

    def __init__(self, fps: float):
        self.duration_ms = round(1000 / fps)
        self.frames = 0
        self._out = io.BytesIO()
        self._previous: np.ndarray | None = None
        #: The last frame's palette image, offset, time and whether it needs its own palette.
        self._pending: tuple[Any, tuple[int, int], int, bool] | None = None

    def append(self, image: np.ndarray) -> None:
        """Add ``image`` (height x width x 3 or 4, uint8) as the next frame."""
        from PIL import GifImagePlugin, Image

        rgb = np.ascontiguousarray(image[:, :, :3], dtype=np.uint8)
        self.frames += 1
        if self._previous is None:
            first = Image.fromarray(rgb).convert("P", palette=Image.Palette.ADAPTIVE)
            header, _ = GifImagePlugin.getheader(first, None, {"loop": 0, "duration": self.duration_ms})
            self._out.write(b"".join(header))
            self._previous = rgb
            self._pending = (first, (0, 0), self.duration_ms, False)
            return
        if rgb.shape != self._previous.shape:
            raise ValueError(f"frame of {rgb.shape[:2]} after frames of {self._previous.shape[:2]}")
        changed = np.any(rgb != self._previous, axis=2)
        if self._pending is not None and not changed.any():
            still, offset, duration, own = self._pending
            self._pending = (still, offset, duration + self.duration_ms, own)
            return
        rows, columns = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
        top, bottom, left, right = rows[0], rows[-1] + 1, columns[0], columns[-1] + 1
        box = Image.fromarray(rgb[top:bottom, left:right]).convert("P", palette=Image.Palette.ADAPTIVE)
        self._write_pending()
        self._previous = rgb
        self._pending = (box, (int(left), int(top)), self.duration_ms, True)

    def _write_pending(self) -> None:
        from PIL import GifImagePlugin

        if self._pending is None:
            return
        image, offset, duration, own = self._pending
        params: dict[str, Any] = {"duration": duration}
        if own:
            params["include_color_table"] = True
        self._out.write(b"".join(GifImagePlugin.getdata(image, offset, **params)))
        self._pending = None

    def finish(self) -> bytes:
        """The GIF's bytes.

        Raises
        ------
        ValueError
            When no frame was added.
        """
        if self._previous is None:
            raise ValueError("a GIF needs at least one frame")
        self._write_pending()
        self._out.write(b";")
        self._previous = None
        return self._out.getvalue()

    def close(self) -> None:
        self._previous, self._pending = None, None
        self._out = io.BytesIO()


class Mp4Writer(_Closing):
    """An H.264 MP4 (yuv420p, CRF 18, no metadata) piped to imageio-ffmpeg's bundled ffmpeg as frames come.

    ffmpeg writes to a temporary file, removed by :meth:`close`. yuv420p needs even
    dimensions: an odd side loses its last pixel.
    """

    def __init__(self, fps: float):
        self.fps = fps
        self.frames = 0
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._writer: Any = None
        self._size: tuple[int, int] = (0, 0)

    def _open(self, width: int, height: int) -> None:
        import imageio_ffmpeg

        self._folder = tempfile.TemporaryDirectory(prefix="frontline-mp4-")
        self._size = (width - width % 2, height - height % 2)
        self._writer = imageio_ffmpeg.write_frames(
            os.path.join(self._folder.name, "animation.mp4"),
            self._size,
            fps=self.fps,
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
        self._writer.send(None)

    def append(self, image: np.ndarray) -> None:
        """Send ``image`` (height x width x 3 or 4, uint8) to ffmpeg as the next frame."""
        if self._writer is None:
            self._open(image.shape[1], image.shape[0])
        width, height = self._size
        self._writer.send(np.ascontiguousarray(image[:height, :width, :3], dtype=np.uint8).tobytes())
        self.frames += 1

    def finish(self) -> bytes:
        """The MP4's bytes, once ffmpeg has finished the file.

        Raises
        ------
        ValueError
            When no frame was added.
        """
        if self._writer is None or self._folder is None:
            raise ValueError("an MP4 needs at least one frame")
        self._writer.close()
        self._writer = None
        return Path(self._folder.name, "animation.mp4").read_bytes()

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None


def frame_writer(fmt: str, fps: float) -> FrameWriter:
    """A writer of ``fmt`` (``"gif"`` or ``"mp4"``) at ``fps`` frames a second."""
    return GifWriter(fps) if fmt == "gif" else Mp4Writer(fps)
