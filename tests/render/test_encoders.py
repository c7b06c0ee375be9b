"""Frame-by-frame encoders: what is written decodes to the frames given, and nothing waits for the end."""

from __future__ import annotations

import io
import tempfile

import imageio.v3 as iio
import imageio_ffmpeg
import numpy as np
import pytest
from PIL import Image

from layers.render.encoders import GifWriter, Mp4Writer


def frames(count: int, height: int = 60, width: int = 80) -> list[np.ndarray]:
    """A white image with a dark square that moves right by 3 pixels a frame."""
    made = []
    for n in range(count):
        image = np.full((height, width, 3), 255, dtype=np.uint8)
        image[10:30, 5 + 3 * n : 25 + 3 * n] = (30, 60, 200)
        image[45:50, :] = (200, 30, 30)
        made.append(image)
    return made


def test_a_streamed_gif_decodes_to_the_frames_given_with_their_times():
    given = frames(5)
    with GifWriter(fps=4) as writer:
        for image in given:
            writer.append(image)
        gif = writer.finish()
    decoded = iio.imread(gif, index=None, extension=".gif")
    assert decoded.shape[:3] == (5, 60, 80)
    for got, expected in zip(decoded, given, strict=True):
        assert np.abs(got[:, :, :3].astype(int) - expected.astype(int)).max() <= 8, "only palette rounding"
    assert iio.immeta(gif, extension=".gif")["duration"] == 250
    assert iio.immeta(gif, extension=".gif")["loop"] == 0


def test_later_gif_frames_store_only_the_box_that_changed():
    with GifWriter(fps=2) as writer:
        for image in frames(2):
            writer.append(image)
        gif = writer.finish()
    with Image.open(io.BytesIO(gif)) as opened:
        assert opened.tile[0].extents == (0, 0, 80, 60)
        opened.seek(1)
        # The square moved from columns 5-24 to 8-27: columns 5 to 27 of rows 10 to 29 changed.
        assert opened.tile[0].extents == (5, 10, 28, 30)


def test_an_unchanged_frame_lengthens_the_one_before():
    a, b = frames(2)
    with GifWriter(fps=2) as writer:
        for image in (a, a, a, b):
            writer.append(image)
        gif = writer.finish()
    assert writer.frames == 4
    decoded = iio.imread(gif, index=None, extension=".gif")
    assert len(decoded) == 2
    assert [iio.immeta(gif, index=i, extension=".gif")["duration"] for i in range(2)] == [1500, 500]


def test_a_writer_with_no_frame_refuses_to_finish():
    with pytest.raises(ValueError, match="at least one frame"):
        GifWriter(fps=2).finish()
    with pytest.raises(ValueError, match="at least one frame"):
        Mp4Writer(fps=2).finish()


def test_a_streamed_mp4_has_every_frame_and_even_sides(tmp_path):
    with Mp4Writer(fps=5) as writer:
        for image in frames(7, height=61, width=81):
            writer.append(image)
        mp4 = writer.finish()
    path = tmp_path / "a.mp4"
    path.write_bytes(mp4)
    assert imageio_ffmpeg.count_frames_and_secs(str(path))[0] == 7
    reader = imageio_ffmpeg.read_frames(str(path))
    assert next(reader)["size"] == (80, 60)
    reader.close()


def test_closing_an_unfinished_mp4_removes_its_temporary_file(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    writer = Mp4Writer(fps=5)
    writer.append(frames(1)[0])
    assert [p.name for p in tmp_path.iterdir()][0].startswith("frontline-mp4-")
    writer.close()
    assert list(tmp_path.iterdir()) == []
