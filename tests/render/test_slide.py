"""One slide as a Figure or a PNG: sizes, footer, extent, plain text, repeatability, export-png.

Most tests draw the embedded data ("Kursk incursion", 21 snapshots from 2024-08-06 to
2025-03-31, with reported figures; the ``embedded_data_store`` fixture). Sizes are small
wherever the size itself is not what is tested.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from pathlib import Path

import numpy as np
import pytest
import shapely
from PIL import Image

from layers import render
from layers.__main__ import main
from layers.areas import BORDERS_SOURCE, METHOD
from layers.credits import Credit
from layers.errors import InvalidInputError, UnknownLayerError
from layers.render import slide
from layers.render.canvas import drawing_defaults
from layers.render.data import FrameReader, key_plan
from layers.render.layout import CREDIT_LINES, SOURCE_LINES
from layers.render.projection import basemap_for, view_for
from layers.store import Store
from tests.conftest import snapshot

KURSK = "Kursk incursion"
GOLDEN = Path(__file__).resolve().parent.parent / "data" / "golden" / "kursk-2024-11-25-480x270.png"
SMALL = (480, 270)


def _texts(fig) -> list[str]:
    """Every text drawn on the figure, wrapped lines joined again."""
    return [t.get_text().replace("\n", " ") for t in fig.findobj(lambda a: hasattr(a, "get_parse_math"))]


def _png_pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))


# --- sizes ---------------------------------------------------------------------------


@pytest.mark.parametrize("name, pixels", sorted(render.SIZES.items()))
def test_presets_give_their_pixel_size(embedded_data_store, name, pixels):
    fig = render.build_figure(embedded_data_store, [KURSK], dt.date(2024, 11, 25), size=name)
    assert fig.canvas.get_width_height(physical=True) == pixels


def test_slide_png_has_the_preset_size(embedded_data_store):
    png = render.render_png(embedded_data_store, [KURSK], dt.date(2024, 12, 20), size="16:9")
    assert _png_pixels(png).shape == (1080, 1920, 3)


def test_scale_2_doubles_the_pixels_with_the_same_layout(embedded_data_store):
    day = dt.date(2024, 11, 25)
    one = render.build_figure(embedded_data_store, [KURSK], day, size=SMALL, scale=1)
    two = render.build_figure(embedded_data_store, [KURSK], day, size=SMALL, scale=2)
    png = render.render_png(embedded_data_store, [KURSK], day, size=SMALL, scale=2)
    assert Image.open(io.BytesIO(png)).size == (960, 540)
    assert np.allclose(one.axes[0].get_position().bounds, two.axes[0].get_position().bounds)
    assert _texts(one) == _texts(two)


@pytest.mark.parametrize("scale", [0, 3, 1.5])
def test_other_scales_are_refused(embedded_data_store, scale):
    with pytest.raises(InvalidInputError, match="use 1 or 2"):
        render.render_png(embedded_data_store, [KURSK], dt.date(2024, 11, 25), size=SMALL, scale=scale)


# --- the footer -----------------------------------------------------------------------


def test_sources_and_method_are_in_the_footer(embedded_data_store):
    fig = render.build_figure(embedded_data_store, [KURSK], dt.date(2024, 11, 25), size="16:9")
    footer = next(t for t in fig.texts if t.get_gid() == "footer").get_text().replace("\n", " ")
    assert "Sources: Reuters, 24 Nov 2024 (senior Ukrainian military source" in footer
    assert "ISW Russian Offensive Campaign Assessment, 25 Nov 2024" in footer
    assert METHOD in footer and BORDERS_SOURCE in footer


def test_an_illustrative_layer_is_labelled_first_in_the_footer(embedded_data_store):
    fig = render.build_figure(embedded_data_store, [KURSK], dt.date(2024, 11, 25), size="16:9")
    footer = next(t for t in fig.texts if t.get_gid() == "footer").get_text().replace("\n", " ")
    assert footer.startswith(f"Illustrative layer: {KURSK} \u2014 hand-drawn, not a source. Sources: ")


def test_a_layer_not_marked_illustrative_has_no_label(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'plain.db'}")
    store.write(
        [snapshot("Surveyed", "2024-09-01", [(shapely.box(35.1, 51.0, 35.3, 51.2), "UA", "held", "ISW")])],
        actor="t",
    )
    fig = render.build_figure(store, ["Surveyed"], dt.date(2024, 9, 1), size=SMALL)
    footer = next(t for t in fig.texts if t.get_gid() == "footer").get_text()
    assert footer.startswith("Sources: ISW") and "Illustrative" not in footer


def _credited_store(tmp_path, *layers: str, licence: str = "CC BY-NC-SA 4.0") -> Store:
    store = Store(f"sqlite:///{tmp_path / 'credited.db'}")
    box = shapely.box(35.1, 51.0, 35.3, 51.2)
    for layer in layers:
        store.create_layer(
            layer, "territory", credit=Credit("DeepStateMap", licence, "DeepStateMap"), actor="t"
        )
        store.write([snapshot(layer, "2024-09-01", [(box, "UA", "held", "ISW")])], actor="t")
    return store


def _footer(fig) -> str:
    return next(t for t in fig.texts if t.get_gid() == "footer").get_text()


@pytest.mark.parametrize("size", [SMALL, "16:9"])
def test_a_slide_prints_the_layers_credit_and_that_its_licence_is_non_commercial(tmp_path, size):
    store = _credited_store(tmp_path, "Occupied Ukraine")
    fig = render.build_figure(store, ["Occupied Ukraine"], dt.date(2024, 9, 1), size=size)
    footer = _footer(fig).replace("\n", " ")
    assert "data DeepStateMap · CC BY-NC-SA 4.0, non-commercial use only" in footer
    assert footer.index("Sources: ISW") < footer.index("DeepStateMap") < footer.index(METHOD[:20])


def test_the_png_names_the_credit_in_its_copyright_text(tmp_path):
    store = _credited_store(tmp_path, "Occupied Ukraine")
    png = render.render_png(store, ["Occupied Ukraine"], dt.date(2024, 9, 1), size=SMALL)
    assert Image.open(io.BytesIO(png)).text["Copyright"] == (
        "Occupied Ukraine: data DeepStateMap · CC BY-NC-SA 4.0, non-commercial use only"
    )


def test_a_layer_without_a_credit_says_its_licence_is_not_stated(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'plain.db'}")
    store.write(
        [snapshot("Surveyed", "2024-09-01", [(shapely.box(35.1, 51.0, 35.3, 51.2), "UA", "held", "ISW")])],
        actor="t",
    )
    fig = render.build_figure(store, ["Surveyed"], dt.date(2024, 9, 1), size="16:9")
    assert "Surveyed: source not stated · licence not stated" in _footer(fig)


def test_many_credited_layers_keep_the_non_commercial_statement(tmp_path):
    layers = [f"Layer with a rather long name number {i}" for i in range(5)]
    store = _credited_store(tmp_path, *layers)
    fig = render.build_figure(store, layers, dt.date(2024, 9, 1), size="16:9")
    lines = _footer(fig).split("\n")
    credits = [line for line in lines if "DeepStateMap" in line or "Non-commercial" in line]
    assert 1 <= len(credits) <= CREDIT_LINES + SOURCE_LINES - 1
    assert credits[0].startswith("Non-commercial use only: CC BY-NC-SA 4.0.")
    assert "(5 layers)" in " ".join(credits)


def test_a_hostile_credit_is_drawn_as_plain_text(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'hostile.db'}")
    hostile = "$\\frac{1}{0}$ <img src=x onerror=window.__xss=1>"
    store.create_layer("H", "territory", credit=Credit(hostile, "CC BY 4.0", ""), actor="t")
    store.write(
        [snapshot("H", "2024-09-01", [(shapely.box(35.1, 51.0, 35.3, 51.2), "UA", "held", "")])], actor="t"
    )
    fig = render.build_figure(store, ["H"], dt.date(2024, 9, 1), size="16:9")
    footer = next(t for t in fig.texts if t.get_gid() == "footer")
    drawn = footer.get_text().replace("\n", " ")
    assert "data $\\frac{1}{0}$ <img src=x onerror=window.__xss=1> · CC BY 4.0" in drawn
    assert footer.get_parse_math() is False


def test_a_time_lapse_credits_every_frame_alike(tmp_path):
    store = _credited_store(tmp_path, "Occupied Ukraine")
    reader = FrameReader(store, ["Occupied Ukraine"])
    early, late = reader.frame(dt.date(2024, 1, 1)), reader.frame(dt.date(2024, 9, 1))
    assert (
        early.credits
        == late.credits
        == (("Occupied Ukraine", Credit("DeepStateMap", "CC BY-NC-SA 4.0", "DeepStateMap")),)
    )


def test_every_frame_of_a_time_lapse_labels_the_illustrative_layer(embedded_data_store):
    reader = FrameReader(embedded_data_store, [KURSK])
    for day in (dt.date(2024, 8, 10), dt.date(2025, 3, 1)):
        assert reader.frame(day).illustrative == (KURSK,)
    assert reader.frame(dt.date(2024, 1, 1)).illustrative == (), "no snapshot shown, nothing to label"


def test_long_source_lists_are_cut_with_their_count(tmp_path):
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


def test_a_snapshot_without_sources_says_so(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'quiet.db'}")
    store.write(
        [snapshot("Quiet", "2024-09-01", [(shapely.box(35.1, 51.0, 35.3, 51.2), "UA", "held", None)])],
        actor="test",
    )
    fig = render.build_figure(store, ["Quiet"], dt.date(2024, 9, 1), size=SMALL)
    footer = next(t for t in fig.texts if t.get_gid() == "footer").get_text()
    assert footer.startswith("Sources: none given\n")


# --- the extent ---------------------------------------------------------------------------


def test_extent_given_is_shown_whole(embedded_data_store):
    extent = (34.5, 50.8, 35.9, 51.6)
    fig = render.build_figure(embedded_data_store, [KURSK], dt.date(2024, 11, 25), size=SMALL, extent=extent)
    (ax,) = fig.axes
    view = render.view_for(extent, 1.0, pad=False)
    corners = view.project([shapely.Point(x, y) for x in extent[::2] for y in extent[1::2]])
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    assert all(x0 <= p.x <= x1 and y0 <= p.y <= y1 for p in corners)


@pytest.mark.parametrize("extent", [(36, 50, 35, 51), (34, 51, 35, 50), (0, 0, 1, 90)])
def test_bad_extents_are_explained(embedded_data_store, extent):
    with pytest.raises(InvalidInputError, match="west,south,east,north"):
        render.render_png(embedded_data_store, [KURSK], dt.date(2024, 11, 25), size=SMALL, extent=extent)


# --- what may not be drawn ------------------------------------------------------------------


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
    day, title = dt.date(2024, 9, 3), "Title with $\\beta$"
    fig = render.build_figure(store, None, day, size="16:9", title=title)
    texts = fig.findobj(lambda a: hasattr(a, "get_parse_math"))
    assert all(not t.get_parse_math() and not t.get_usetex() for t in texts)
    joined = " ".join(t.get_text() for t in texts)
    assert "$\\alpha$ <script>alert(1)</script> $\\undefinedcommand{" in joined
    assert "Title with $\\beta$" in joined
    assert "Layer $x^2$" in " ".join(_texts(render.build_figure(store, None, day, size="16:9")))
    # mathtext would raise on the unbalanced command; drawn as text, it renders.
    assert render.render_png(store, None, day, size="16:9", title=title)[:8] == b"\x89PNG\r\n\x1a\n"


def test_before_the_first_snapshot_there_is_nothing_to_draw(embedded_data_store):
    with pytest.raises(InvalidInputError, match="the first is 'Kursk incursion' on 2024-08-06"):
        render.render_png(embedded_data_store, [KURSK], dt.date(2024, 1, 1), size=SMALL)


def test_unknown_and_events_layers_are_refused(embedded_data_store):
    with pytest.raises(UnknownLayerError, match="no layer named 'Nope'"):
        render.render_png(embedded_data_store, ["Nope"], dt.date(2024, 11, 25), size=SMALL)
    with pytest.raises(InvalidInputError, match="holds events, not territory"):
        render.render_png(embedded_data_store, ["Strikes and reports"], dt.date(2024, 11, 25), size=SMALL)


def test_a_key_too_long_for_the_image_shrinks_then_names_the_fix(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'crowded.db'}")
    box = shapely.box(35.1, 51.0, 35.3, 51.2)
    layers = [f"Layer {n}" for n in range(8)]
    store.write([snapshot(name, "2024-09-01", [(box, "UA", "held", "s")]) for name in layers], actor="test")
    day = dt.date(2024, 9, 1)

    def type_scale(count: int) -> float:
        fig = render.build_figure(store, layers[:count], day, size=SMALL)
        unit = min(fig.canvas.get_width_height()) / 1080
        area = next(t for t in fig.texts if t.get_gid() == "area")
        # The km² are 50 px at unit 1 and type scale 1, drawn at 72 points per 100 px.
        return area.get_fontsize() / (50 * unit * 0.72)

    assert type_scale(3) == pytest.approx(1.0)
    # Five layers fit after three steps of 10 % smaller type.
    assert type_scale(5) == pytest.approx(0.9**3)
    with pytest.raises(InvalidInputError, match="choose a larger --size or fewer layers"):
        render.render_png(store, layers, day, size=SMALL)


def test_frame_figure_draws_the_frame_it_is_given(embedded_data_store):
    day = dt.date(2024, 11, 25)
    with drawing_defaults():
        frame = FrameReader(embedded_data_store, [KURSK]).frame(day)
        view = view_for((34.9, 50.95, 35.6, 51.45), 1.5, pad=True)
        fig = slide.frame_figure(frame, view, basemap_for(view), SMALL, 1, "My title", key_plan([frame]))
    (ax,) = fig.axes
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    west, south, east, north = view.bounds_m
    # The map's box may only grow to the axes' shape (to within a metre), never crop the view.
    assert x0 <= west + 1 and x1 >= east - 1 and y0 <= south + 1 and y1 >= north - 1
    texts = _texts(fig)
    assert "My title" in texts and "25 November 2024" in texts


# --- repeatability ------------------------------------------------------------------


def test_same_data_gives_byte_identical_png(embedded_data_store):
    first = render.render_png(embedded_data_store, None, dt.date(2024, 11, 25), size=SMALL)
    second = render.render_png(embedded_data_store, None, dt.date(2024, 11, 25), size=SMALL)
    assert first == second
    assert "Software" not in Image.open(io.BytesIO(first)).info


def test_matches_the_golden_image(embedded_data_store):
    """Regenerate after an intended change:

    FRONTLINE_UPDATE_GOLDEN=1 pytest tests/render/test_slide.py -k golden
    """
    png = render.render_png(embedded_data_store, [KURSK], dt.date(2024, 11, 25), size=SMALL)
    if os.environ.get("FRONTLINE_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_bytes(png)
        pytest.skip(f"wrote {GOLDEN}")
    expected = np.asarray(Image.open(GOLDEN).convert("RGB")).astype(int)
    actual = _png_pixels(png).astype(int)
    assert actual.shape == expected.shape
    difference = np.abs(actual - expected).max(axis=2)
    # Tolerates anti-aliasing and hinting differences, not a moved or recoloured element.
    assert (difference > 40).mean() < 0.005 and difference.mean() < 1.5


# --- the command line -----------------------------------------------------------------


def test_export_png_writes_the_slide(embedded_data_store, tmp_path, capsys):
    out = tmp_path / "slide.png"
    code = main(
        [
            "export-png",
            "--db",
            embedded_data_store.url,
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
    ],
)
def test_export_png_option_errors_exit_2_and_write_nothing(
    embedded_data_store, tmp_path, capsys, argv, message
):
    with pytest.raises(SystemExit) as exit_info:
        main([*(a.format(dir=tmp_path) for a in argv), "--db", embedded_data_store.url])
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
    ],
)
def test_export_png_errors_exit_2_with_a_message_and_write_nothing(
    embedded_data_store, tmp_path, capsys, argv, message
):
    code = main([*(a.format(dir=tmp_path) for a in argv), "--db", embedded_data_store.url])
    err = capsys.readouterr().err
    assert code == 2 and message in err and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_leaves_no_partial_file(embedded_data_store, tmp_path, capsys, monkeypatch):
    out = tmp_path / "slide.png"
    out.write_bytes(b"the previous slide")

    def refuse(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    code = main(
        [
            "export-png",
            "--db",
            embedded_data_store.url,
            "--date",
            "2024-11-25",
            "--out",
            str(out),
            "--size",
            "480x270",
        ]
    )
    assert code == 2 and "No space left on device" in capsys.readouterr().err
    assert (
        sorted(p.name for p in tmp_path.iterdir()) == ["slide.png"]
        and out.read_bytes() == b"the previous slide"
    )
