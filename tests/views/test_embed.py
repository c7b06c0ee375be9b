"""The reader's Embed control under AppTest: the snippet for the date, layers and view on
screen, the alt text from the store's areas, the published page, hostile names kept as
text, and the image drawn by the slide renderer in the render queue."""

from __future__ import annotations

import datetime as dt
import io
from contextlib import contextmanager
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
import shapely
from PIL import Image

from layers.embedding import PLACEHOLDER_URL
from layers.store import Store
from tests.conftest import snapshot
from tests.views.conftest import rendered_texts, unescaped_markup
from views import embed
from views.appdata import Data

BASE = "https://maps.example.org/kursk/"
HOSTILE = '"><script>alert(1)</script>'


@pytest.fixture(autouse=True)
def unpublished(monkeypatch):
    monkeypatch.delenv("FRONTLINE_PUBLISHED_URL", raising=False)


def open_embed(app, **params):
    app.query_params.update({"date": "2024-11-25", "center": "51.2500,35.3000", "zoom": "10", **params})
    app.session_state[embed.OPEN_KEY] = True
    at = app.run()
    assert not at.exception, at.exception
    return at


def codes(at) -> list[str]:
    return [element.value for element in at.get("code")]


def snippet(at) -> str:
    found = [code for code in codes(at) if "<iframe" in code]
    assert len(found) == 1, codes(at)
    return found[0]


class Tags(HTMLParser):
    def __init__(self, markup: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def iframe_src(markup: str) -> str:
    return next(attrs["src"] for tag, attrs in Tags(markup).tags if tag == "iframe")


def test_the_embed_control_gives_the_snippet_of_the_date_and_view_on_screen(app, db_url):
    at = open_embed(app)
    src = iframe_src(snippet(at))
    assert src.startswith(f"{PLACEHOLDER_URL}embed.html?")
    assert parse_qs(urlsplit(src).query) == {
        "date": ["2024-11-25"],
        "layers": ["Kursk incursion"],
        "center": ["51.2500,35.3000"],
        "zoom": ["10"],
    }
    assert 'loading="lazy"' in snippet(at) and "aspect-ratio:16/9" in snippet(at)
    # Unset: the placeholder, and how to publish.
    infos = " ".join(info.value for info in at.info)
    assert "python -m layers publish --out DIR" in infos and "FRONTLINE_PUBLISHED_URL" in infos
    assert not list(at.get("link_button")), "no published page to open"


def test_the_alt_text_is_written_from_the_stores_areas(app, db_url):
    at = open_embed(app)
    series = Store(db_url).area_series()
    inside = series[
        (series["layer"] == "Kursk incursion")
        & (series["held_by"] == "UA")
        & (series["status"] == "held")
        & (series["within"] == "RUS")
    ].set_index("as_of")["area_km2"]
    held = f"{inside[dt.date(2024, 11, 25)]:,.0f} km²"
    peak = f"{inside[inside.index <= dt.date(2024, 11, 25)].max():,.0f} km²"
    (alt,) = [code for code in codes(at) if code.startswith("Map of ")]
    assert alt.startswith("Map of Kursk incursion on 25 November 2024: Ukraine held")
    assert f"held {held} inside Russia" in alt and f"mapped peak of {peak}" in alt
    assert "Illustrative data." in alt
    assert alt.replace('"', "&quot;").replace("'", "&#x27;") in snippet(at), "the iframe's fallback"
    (image,) = [code for code in codes(at) if code.startswith("<img")]
    assert 'alt="Map of Kursk incursion on 25 November 2024' in image
    assert "Image of 25 November 2024 (1920×1080 PNG)" in {b.proto.label for b in at.get("download_button")}


def test_the_chosen_shape_sizes_the_box_and_the_image(app):
    at = open_embed(app)
    at.segmented_control(key="embed_aspect").set_value("9:16").run()
    assert not at.exception
    assert "aspect-ratio:9/16" in snippet(at)
    assert "Image of 25 November 2024 (1080×1920 PNG)" in {b.proto.label for b in at.get("download_button")}


def test_with_a_published_site_the_snippet_and_the_page_link_use_it(app, monkeypatch):
    monkeypatch.setenv("FRONTLINE_PUBLISHED_URL", BASE.rstrip("/"))
    at = open_embed(app)
    assert iframe_src(snippet(at)).startswith(f"{BASE}embed.html?date=2024-11-25&")
    assert not at.info
    (button,) = at.get("link_button")
    assert button.proto.url.startswith(f"{BASE}index.html?date=2024-11-25&layers=Kursk%20incursion&")
    assert button.proto.url in codes(at)


def test_a_bad_published_url_is_named_and_the_placeholder_used(app, monkeypatch):
    monkeypatch.setenv("FRONTLINE_PUBLISHED_URL", "ftp://maps.example.org/")
    at = open_embed(app)
    assert any("FRONTLINE_PUBLISHED_URL" in error.value.replace("\\", "") for error in at.error)
    assert iframe_src(snippet(at)).startswith(PLACEHOLDER_URL)


def test_closed_the_control_computes_nothing_and_its_button_opens_it(app):
    app.query_params["date"] = "2024-11-25"
    at = app.run()
    assert not at.exception
    assert not [code for code in codes(at) if "<iframe" in code]
    at = at.button(key="embed_button").click().run()
    assert "date=2024-11-25" in snippet(at), "the button opens the dialog"
    assert at.session_state[embed.OPEN_KEY]


def test_a_hostile_layer_name_stays_inert_in_every_snippet(db_url, monkeypatch):
    from tests.conftest import seeded_app

    at = seeded_app(db_url, monkeypatch)
    store = Store(db_url)
    box = shapely.box(34.3, 51.45, 34.6, 51.6)
    store.write([snapshot(HOSTILE, "2024-08-12", [(box, "UA", "held", "test")])], actor="test")
    store.close()
    at = open_embed(at)
    markup = snippet(at)
    assert "<script" not in markup
    assert [tag for tag, _ in Tags(markup).tags] == ["div", "div", "iframe"]
    layers = parse_qs(urlsplit(iframe_src(markup)).query)["layers"][0].split(",")
    assert sorted(layers) == sorted(["Kursk incursion", HOSTILE])
    (image,) = [code for code in codes(at) if code.startswith("<img")]
    assert "<script" not in image and [tag for tag, _ in Tags(image).tags] == ["img"]
    assert not unescaped_markup(rendered_texts(at))


def test_the_image_is_the_slide_renderers_drawn_in_the_render_queue(db_url, monkeypatch):
    from layers.ingest import seed_default_data

    store = Store(db_url)
    seed_default_data(store)
    turns = []

    class Queue:
        @contextmanager
        def turn(self, on_wait=None):
            turns.append("in")
            yield
            turns.append("out")

    monkeypatch.setattr(embed, "render_queue", Queue)
    data = Data(db_url, store.revision())
    png = embed.image_png(data, ["Kursk incursion"], dt.date(2024, 11, 25), (1080, 1080), None)
    assert turns == ["in", "out"]
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.size == (1080, 1080)


def test_the_alt_text_counts_the_events_shown_over_their_window(db_url):
    from layers.ingest import seed_default_data

    store = Store(db_url)
    seed_default_data(store)
    data = Data(db_url, store.revision())
    as_of = dt.date(2024, 11, 25)
    alt = embed.map_alt_text(data, ["Kursk incursion"], as_of, "Strikes and reports", 7)
    assert "Events of Strikes and reports in the 7 days to 25 November 2024: 4 strikes." in alt
    assert alt.endswith("Illustrative data."), "both layers shown are illustrative"
    assert "Events of" not in embed.map_alt_text(data, ["Kursk incursion"], as_of, None, 7)


def test_the_embed_control_gives_the_layers_credits_to_cite(app, db_url):
    from layers.credits import DEEPSTATE

    Store(db_url).set_credit("Kursk incursion", DEEPSTATE, actor="t")
    at = open_embed(app)
    codes = [c.value for c in at.code]
    assert any(
        "Kursk incursion: data DeepStateMap · CC BY-NC-SA 4.0, non-commercial use only" in code
        for code in codes
    )
