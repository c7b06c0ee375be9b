"""Slides and time-lapses drawn on the server: sizes, colours, texts, repeatability, the CLI.

Render tests use a plain SQLite store seeded with the embedded data ("Kursk incursion",
21 snapshots from 2024-08-06 to 2025-03-31, with reported figures), seeded once for the
module. Sizes are small wherever the size itself is not what is tested.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

import imageio.v3 as iio
import imageio_ffmpeg
import numpy as np
import pyproj
import pytest
import shapely
from matplotlib.colors import to_rgb, to_rgba
from matplotlib_scalebar.scalebar import ScaleBar
from PIL import Image

from layers import render, style
from layers.__main__ import main
from layers.areas import BORDERS_SOURCE, METHOD
from layers.errors import InvalidInputError, UnknownLayerError
from layers.ingest import read_places, seed_default_data
from layers.store import Store
from tests.conftest import snapshot

KURSK = "Kursk incursion"
GOLDEN = Path(__file__).resolve().parent / "data" / "golden" / "kursk-2024-11-25-480x270.png"
SMALL = (480, 270)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory) -> Store:
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('render') / 'seeded.db'}")
    seed_default_data(store)
    yield store
    store.close()


@pytest.fixture(scope="module")
def slide_with_claims(seeded) -> np.ndarray:
    """The 16:9 slide of 2024-12-20, whose snapshot has held, contested and claimed ground."""
    png = render.render_png(seeded, [KURSK], dt.date(2024, 12, 20), size="16:9")
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


def _texts(fig) -> list[str]:
    """Every text drawn on the figure, wrapped lines joined again."""
    return [t.get_text().replace("\n", " ") for t in fig.findobj(lambda a: hasattr(a, "get_parse_math"))]


def _blend(colour: str, alpha: float, background: str) -> np.ndarray:
    return 255 * (alpha * np.array(to_rgb(colour)) + (1 - alpha) * np.array(to_rgb(background)))


def _has_colour(image: np.ndarray, rgb, tolerance: float = 3.0, at_least: int = 50) -> bool:
    distance = np.abs(image.astype(float) - np.asarray(rgb)).max(axis=2)
    return int((distance <= tolerance).sum()) >= at_least


# --- sizes ---------------------------------------------------------------------------


@pytest.mark.parametrize("name, pixels", sorted(render.SIZES.items()))
def test_presets_give_their_pixel_size(seeded, name, pixels):
    fig = render.build_figure(seeded, [KURSK], dt.date(2024, 11, 25), size=name)
    assert fig.canvas.get_width_height(physical=True) == pixels


def test_slide_png_has_the_preset_size(slide_with_claims):
    assert slide_with_claims.shape == (1080, 1920, 3)


def test_scale_2_doubles_the_pixels_with_the_same_layout(seeded):
    day = dt.date(2024, 11, 25)
    one = render.build_figure(seeded, [KURSK], day, size=SMALL, scale=1)
    two = render.build_figure(seeded, [KURSK], day, size=SMALL, scale=2)
    assert Image.open(io.BytesIO(render._png(two))).size == (960, 540)
    assert np.allclose(one.axes[0].get_position().bounds, two.axes[0].get_position().bounds)
    assert _texts(one) == _texts(two)


@pytest.mark.parametrize(
    "size, message",
    [("5:4", "16:9, 4:3, square or WIDTHxHEIGHT"), ("100x100", "240 to 4096"), ((1920,), "width, height")],
)
def test_bad_sizes_are_explained(size, message):
    with pytest.raises(InvalidInputError, match=message):
        render.pixel_size(size)


def test_custom_size_text():
    assert render.pixel_size("1280x720") == (1280, 720)
    assert render.pixel_size("square") == (1080, 1080)


# --- what is on the image ----------------------------------------------------------------


def test_legend_and_map_are_drawn_in_the_apps_styles(seeded):
    fig = render.build_figure(seeded, [KURSK], dt.date(2024, 12, 20), size=SMALL)
    swatches = [p for p in fig.artists if p.get_gid() == "legend"]
    assert [tuple(p.get_facecolor()) for p in swatches] == [
        to_rgba(style.side_colour("UA"), 0.38),
        to_rgba(style.CONTESTED_COLOUR, 0.32),
        to_rgba(style.side_colour("RU"), 0.04),
    ]
    assert [p.get_linestyle() == "solid" for p in swatches] == [True, False, False]
    (ax,) = fig.axes
    drawn = {p.get_gid() for p in ax.patches}
    assert {"territory-held", "territory-contested", "territory-claimed"} <= drawn
    claimed = next(p for p in ax.patches if p.get_gid() == "territory-claimed")
    assert (
        claimed.get_edgecolor() == to_rgba(style.side_colour("RU"), 1.0)
        and claimed.get_linestyle() != "solid"
    )
    assert any(isinstance(a, ScaleBar) for a in ax.artists)
    assert any(a.get_gid() == "north-arrow" for a in ax.artists)
    texts = _texts(fig)
    assert "Sudzha" in texts and any("R\u2009U\u2009S\u2009S\u2009I\u2009A" == t for t in texts)


def test_each_status_colour_is_in_the_pixels(slide_with_claims):
    land = style.BASEMAP["land_focus"]["RUS"]
    held = _blend(style.side_colour("UA"), 0.38, land)
    contested = _blend(style.CONTESTED_COLOUR, 0.32, land)
    claimed_outline = 255 * np.array(to_rgb(style.side_colour("RU")))
    map_part = slide_with_claims[:, :1300]
    assert _has_colour(map_part, held, at_least=10_000)
    assert _has_colour(map_part, contested, at_least=5_000)
    assert _has_colour(map_part, claimed_outline, tolerance=6, at_least=30)


def test_date_snapshot_age_and_areas_are_written(seeded):
    fig = render.build_figure(seeded, [KURSK], dt.date(2024, 12, 31), size="16:9")
    texts = _texts(fig)
    assert "31 December 2024" in texts
    assert "Snapshot of 2024-12-20, 11 days earlier" in texts
    series = seeded.area_series(KURSK)
    rows = series[series["as_of"] == dt.date(2024, 12, 20)].set_index(["held_by", "status", "within"])[
        "area_km2"
    ]
    held, inside = rows.loc[("UA", "held", "")], rows.loc[("UA", "held", "RUS")]
    assert f"{held:,.1f} km²" in texts and f"{inside:,.1f} km² inside Russia" in texts
    assert f"{rows.loc[('RU', 'claimed', '')]:,.1f} km²" in texts
    assert "Claimed by Russia, unconfirmed" in texts


def test_held_area_shown_agrees_with_the_geodesic_area(seeded):
    fig = render.build_figure(seeded, [KURSK], dt.date(2024, 11, 25), size=SMALL)
    features = seeded.features(
        int(seeded.heads(KURSK).set_index("as_of").loc[dt.date(2024, 11, 25), "version_id"])
    )
    held = shapely.union_all(
        features[(features["held_by"] == "UA") & (features["status"] == "held")].geometry.values
    )
    geodesic_km2 = (
        abs(pyproj.Geod(ellps="WGS84").geometry_area_perimeter(shapely.orient_polygons(held))[0]) / 1e6
    )
    shown = [t for t in _texts(fig) if t.endswith(" km²") and " " not in t.removesuffix(" km²")]
    assert (
        abs(float(shown[0].removesuffix(" km²").replace(",", "")) - geodesic_km2) < 0.06 + 1e-4 * geodesic_km2
    )


def test_nearest_reported_figure_is_labelled_with_its_source_and_date(seeded):
    texts = _texts(render.build_figure(seeded, [KURSK], dt.date(2024, 11, 25), size="16:9"))
    assert "Reported: 800 km²" in texts and "Reported peak: 1,376 km²" in texts
    detail = next(t for t in texts if "Reuters source in Ukrainian military leadership" in t)
    assert "Official claim" in detail and "2024-11-23" in detail
    assert any(t.startswith("Map on that date: ") and "% less" in t for t in texts)


def test_sources_and_method_are_in_the_footer(seeded):
    fig = render.build_figure(seeded, [KURSK], dt.date(2024, 11, 25), size="16:9")
    footer = next(t for t in fig.texts if t.get_gid() == "footer").get_text().replace("\n", " ")
    assert "Sources: Reuters, 24 Nov 2024 (senior Ukrainian military source" in footer
    assert "ISW Russian Offensive Campaign Assessment, 25 Nov 2024" in footer
    assert METHOD in footer and BORDERS_SOURCE in footer


def test_long_source_lists_are_cut_with_their_count(seeded, tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'many.db'}")
    box = shapely.box(35.1, 51.0, 35.3, 51.2)
    store.write(
        [
            snapshot(
                "Many",
                "2024-09-01",
                [(box, "UA", "held", "; ".join(f"Source number {i}" for i in range(80)))],
            )
        ],
        actor="test",
    )
    fig = render.build_figure(store, ["Many"], dt.date(2024, 9, 1), size=SMALL)
    footer = next(t for t in fig.texts if t.get_gid() == "footer").get_text()
    assert "… (80 in all)" in footer and "Source number 79" not in footer


def test_the_scale_bar_is_true_to_scale_at_the_map(seeded):
    """Drawing units are metres of a projection centred on the map: a scale bar of dx=1 m is right."""
    fig = render.build_figure(seeded, [KURSK], dt.date(2024, 11, 25), size=SMALL)
    (ax,) = fig.axes
    bar = next(a for a in ax.artists if isinstance(a, ScaleBar))
    assert (bar.dx, bar.units) == (1.0, "m")
    view = render.view_for((34.9, 50.95, 35.6, 51.45), 1.5, pad=True)
    places = read_places().set_index("name")
    sudzha, korenevo = places.loc["Sudzha"], places.loc["Korenevo"]
    a, b = view.project([shapely.Point(sudzha.lon, sudzha.lat), shapely.Point(korenevo.lon, korenevo.lat)])
    geodesic_m = pyproj.Geod(ellps="WGS84").inv(sudzha.lon, sudzha.lat, korenevo.lon, korenevo.lat)[2]
    assert abs(a.distance(b) / geodesic_m - 1) < 1e-3


def test_extent_given_is_shown_whole(seeded):
    extent = (34.5, 50.8, 35.9, 51.6)
    fig = render.build_figure(seeded, [KURSK], dt.date(2024, 11, 25), size=SMALL, extent=extent)
    (ax,) = fig.axes
    view = render.view_for(extent, 1.0, pad=False)
    corners = view.project([shapely.Point(x, y) for x in extent[::2] for y in extent[1::2]])
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert all(x0 <= p.x <= x1 and y0 <= p.y <= y1 for p in corners)


@pytest.mark.parametrize("extent", [(36, 50, 35, 51), (34, 51, 35, 50), (0, 0, 1, 90)])
def test_bad_extents_are_explained(seeded, extent):
    with pytest.raises(InvalidInputError, match="west,south,east,north"):
        render.render_png(seeded, [KURSK], dt.date(2024, 11, 25), size=SMALL, extent=extent)


def test_data_strings_are_drawn_as_plain_text(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'odd.db'}")
    source = "$\\alpha$ <script>alert(1)</script> $\\undefinedcommand{"
    store.write(
        [
            snapshot(
                "Layer $x^2$", "2024-09-01", [(shapely.box(35.1, 51.0, 35.3, 51.2), "UA", "held", source)]
            )
        ],
        actor="test",
    )
    fig = render.build_figure(store, None, dt.date(2024, 9, 3), size="16:9", title="Title with $\\beta$")
    texts = fig.findobj(lambda a: hasattr(a, "get_parse_math"))
    assert all(not t.get_parse_math() and not t.get_usetex() for t in texts)
    joined = " ".join(t.get_text() for t in texts)
    assert "$\\alpha$ <script>alert(1)</script> $\\undefinedcommand{" in joined
    assert "Title with $\\beta$" in joined
    assert "Layer $x^2$" in " ".join(
        _texts(render.build_figure(store, None, dt.date(2024, 9, 3), size="16:9"))
    )
    # mathtext would raise on the unbalanced command; drawn as text, it renders.
    assert render._png(fig)[:8] == b"\x89PNG\r\n\x1a\n"


def test_before_the_first_snapshot_there_is_nothing_to_draw(seeded):
    with pytest.raises(InvalidInputError, match="the first is 'Kursk incursion' on 2024-08-06"):
        render.render_png(seeded, [KURSK], dt.date(2024, 1, 1), size=SMALL)


def test_unknown_and_events_layers_are_refused(seeded):
    with pytest.raises(UnknownLayerError, match="no layer named 'Nope'"):
        render.render_png(seeded, ["Nope"], dt.date(2024, 11, 25), size=SMALL)
    with pytest.raises(InvalidInputError, match="holds events, not territory"):
        render.render_png(seeded, ["Strikes and reports"], dt.date(2024, 11, 25), size=SMALL)


# --- repeatability ------------------------------------------------------------------


def test_same_data_gives_byte_identical_png(seeded):
    first = render.render_png(seeded, None, dt.date(2024, 11, 25), size=SMALL)
    second = render.render_png(seeded, None, dt.date(2024, 11, 25), size=SMALL)
    assert first == second
    assert "Software" not in Image.open(io.BytesIO(first)).info


def test_matches_the_golden_image(seeded):
    """Regenerate after an intended change: FRONTLINE_UPDATE_GOLDEN=1 pytest tests/test_render.py -k golden."""
    png = render.render_png(seeded, [KURSK], dt.date(2024, 11, 25), size=SMALL)
    if os.environ.get("FRONTLINE_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_bytes(png)
        pytest.skip(f"wrote {GOLDEN}")
    expected = np.asarray(Image.open(GOLDEN).convert("RGB")).astype(int)
    actual = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    assert actual.shape == expected.shape
    difference = np.abs(actual - expected).max(axis=2)
    # Tolerates anti-aliasing and hinting differences, not a moved or recoloured element.
    assert (difference > 40).mean() < 0.005 and difference.mean() < 1.5


# --- animations -----------------------------------------------------------------------


def test_animation_dates_per_step(seeded):
    start, end = dt.date(2024, 8, 6), dt.date(2024, 8, 30)
    assert len(render.animation_dates(seeded, [KURSK], start, end, "daily")) == 25
    weekly = render.animation_dates(seeded, [KURSK], start, end, "weekly")
    assert weekly == [dt.date(2024, 8, d) for d in (6, 13, 20, 27, 30)]
    snapshots = render.animation_dates(seeded, [KURSK], start, end, "snapshot")
    assert snapshots == [dt.date(2024, 8, d) for d in (6, 8, 10, 12, 15, 20, 27)]


def test_too_many_frames_names_the_fix(seeded):
    with pytest.raises(
        InvalidInputError, match="more than 400; choose --step weekly or --step snapshot, or a shorter range"
    ):
        render.animation_dates(seeded, [KURSK], dt.date(2024, 1, 1), dt.date(2025, 6, 1), "daily")
    with pytest.raises(InvalidInputError, match="after --to"):
        render.animation_dates(seeded, [KURSK], dt.date(2025, 1, 1), dt.date(2024, 6, 1), "daily")


def test_animation_reports_progress_and_keeps_one_extent_and_key(seeded, monkeypatch):
    calls, drawn = [], []
    original = render._figure_for

    def spy(frame, view, basemap, size, scale, title, keys):
        drawn.append((view, keys))
        return original(frame, view, basemap, size, scale, title, keys)

    monkeypatch.setattr(render, "_figure_for", spy)
    gif = render.render_animation(
        seeded,
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


def test_mp4_has_even_dimensions(seeded, tmp_path):
    mp4 = render.render_animation(
        seeded, [KURSK], dt.date(2024, 8, 6), dt.date(2024, 8, 8), step="snapshot", fmt="mp4", size=(321, 241)
    )
    path = tmp_path / "odd.mp4"
    path.write_bytes(mp4)
    reader = imageio_ffmpeg.read_frames(str(path))
    assert next(reader)["size"] == (320, 240)
    reader.close()


@pytest.mark.parametrize("suffix", ["gif", "mp4"])
def test_export_animation_writes_one_frame_per_snapshot(seeded, tmp_path, capsys, suffix):
    out = tmp_path / f"kursk.{suffix}"
    code = main(
        [
            "export-animation",
            "--db",
            seeded.url,
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


# --- the command line -----------------------------------------------------------------


def test_export_png_writes_the_slide(seeded, tmp_path, capsys):
    out = tmp_path / "slide.png"
    code = main(
        [
            "export-png",
            "--db",
            seeded.url,
            "--date",
            "2024-11-25",
            "--out",
            str(out),
            "--layer",
            KURSK,
            "--size",
            "480x270",
            "--scale",
            "2",
        ]
    )
    assert code == 0 and f"wrote {out} (960x540 px" in capsys.readouterr().out
    assert Image.open(out).size == (960, 540)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["slide.png"]
    umask = os.umask(0)
    os.umask(umask)
    assert out.stat().st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize(
    "argv, message",
    [
        (["export-png", "--date", "2024-02-30", "--out", "{dir}/a.png"], "date expected like 2024-11-25"),
        (
            ["export-png", "--date", "2024-11-25", "--out", "{dir}/a.png", "--extent", "1,2,3"],
            "WEST,SOUTH,EAST,NORTH",
        ),
        (["export-png", "--date", "2024-11-25", "--out", "{dir}/a.png", "--scale", "3"], "invalid choice: 3"),
        (
            ["export-animation", "--from", "2024-08-06", "--to", "2024-8-20", "--out", "{dir}/a.gif"],
            "date expected like 2024-11-25",
        ),
    ],
)
def test_export_option_errors_exit_2_and_write_nothing(seeded, tmp_path, capsys, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        main([*(a.format(dir=tmp_path) for a in argv), "--db", seeded.url])
    assert exit_info.value.code == 2 and message in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["export-png", "--date", "2024-11-25", "--out", "{dir}/a.png", "--layer", "Nope"],
            "no layer named 'Nope'",
        ),
        (["export-png", "--date", "2023-11-25", "--out", "{dir}/a.png"], "Choose a later date"),
        (["export-png", "--date", "2024-11-25", "--out", "{dir}/a.jpg"], "ending in .png"),
        (["export-png", "--date", "2024-11-25", "--out", "{dir}/missing/a.png"], "does not exist"),
        (["export-png", "--date", "2024-11-25", "--out", "{dir}"], "ending in .png"),
        (["export-png", "--date", "2024-11-25", "--out", "{dir}/a.png", "--size", "huge"], "WIDTHxHEIGHT"),
        (
            ["export-png", "--date", "2024-11-25", "--out", "{dir}/a.png", "--extent", "36,51,35,52"],
            "west < east",
        ),
        (
            [
                "export-animation",
                "--from",
                "2023-01-01",
                "--to",
                "2025-03-31",
                "--step",
                "daily",
                "--out",
                "{dir}/a.gif",
            ],
            "choose --step weekly",
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
def test_export_errors_exit_2_with_a_message_and_write_nothing(seeded, tmp_path, capsys, argv, message):
    code = main([*(a.format(dir=tmp_path) for a in argv), "--db", seeded.url])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_no_partial_file(seeded, tmp_path, capsys, monkeypatch):
    out = tmp_path / "slide.png"
    out.write_bytes(b"the previous slide")

    def refuse(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    code = main(
        ["export-png", "--db", seeded.url, "--date", "2024-11-25", "--out", str(out), "--size", "480x270"]
    )
    assert code == 2 and "No space left on device" in capsys.readouterr().err
    assert (
        sorted(p.name for p in tmp_path.iterdir()) == ["slide.png"]
        and out.read_bytes() == b"the previous slide"
    )
