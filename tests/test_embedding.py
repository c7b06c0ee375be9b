"""The embed snippets: the published page's address for a view, the iframe's shape and
attributes, and hostile names that stay text (parsed back with the standard HTML parser)."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from layers.embedding import (
    ASPECT_RATIOS,
    IMAGE_SIZES,
    PLACEHOLDER_URL,
    PORTRAIT_MAX_WIDTH_PX,
    EmbedView,
    iframe_snippet,
    image_snippet,
    map_title,
    page_url,
    view_query,
)

BASE = "https://maps.example.org/kursk/"
HOSTILE = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
VIEW = EmbedView(dt.date(2024, 11, 25), ("Kursk incursion",), (51.25, 35.3), 10)


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text, of a snippet."""

    def __init__(self, markup: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def query(url: str) -> dict[str, list[str]]:
    """The query of ``url`` as the site's ``URLSearchParams`` reads it."""
    return parse_qs(urlsplit(url).query, keep_blank_values=True)


def test_the_address_carries_date_layers_center_and_zoom():
    assert view_query(VIEW) == "date=2024-11-25&layers=Kursk%20incursion&center=51.2500,35.3000&zoom=10"
    assert page_url(BASE, "index.html", VIEW).startswith("https://maps.example.org/kursk/index.html?date=")
    assert page_url(BASE.rstrip("/"), "embed.html", VIEW).startswith(
        "https://maps.example.org/kursk/embed.html?"
    )


def test_a_view_the_map_has_not_reported_leaves_center_and_zoom_to_the_site():
    assert view_query(EmbedView(dt.date(2024, 8, 6), ("A", "B"))) == "date=2024-08-06&layers=A,B"


def test_hidden_layers_say_so_and_a_comma_in_a_name_cannot_be_linked():
    assert view_query(EmbedView(dt.date(2024, 8, 6), ())) == "date=2024-08-06&layers="
    assert view_query(EmbedView(dt.date(2024, 8, 6), ("A, B", "C"))) == "date=2024-08-06&layers=C"
    assert "layers" not in view_query(EmbedView(dt.date(2024, 8, 6), ("A, B",)))


def test_the_iframe_snippet_is_a_box_of_the_chosen_shape_holding_a_titled_lazy_iframe():
    snippet = iframe_snippet(BASE, VIEW, alt="Ukraine held 519 km² inside Russia.", aspect="4:3")
    parsed = Elements(snippet)
    assert [tag for tag, _ in parsed.tags] == ["div", "div", "iframe"]
    (_, box), (_, spacer), (_, frame) = parsed.tags
    assert "aspect-ratio:4/3" in box["style"] and "width:100%" in box["style"]
    assert spacer["style"] == "padding-top:75%"
    assert frame["title"] == "Map: Kursk incursion, 25 November 2024"
    assert frame["loading"] == "lazy" and frame["allow"] == "fullscreen"
    assert "position:absolute" in frame["style"] and "border:0" in frame["style"]
    assert frame["src"] == page_url(BASE, "embed.html", VIEW)
    assert "".join(parsed.text).strip() == "Ukraine held 519 km² inside Russia.", "alt text as fallback"


@pytest.mark.parametrize("aspect", list(ASPECT_RATIOS))
def test_every_shape_has_matching_ratio_and_padding(aspect):
    width, height = ASPECT_RATIOS[aspect]
    (_, box), (_, spacer), _ = Elements(iframe_snippet(BASE, VIEW, alt="x", aspect=aspect)).tags
    assert f"aspect-ratio:{width}/{height}" in box["style"]
    padding = float(spacer["style"].removeprefix("padding-top:").removesuffix("%"))
    assert padding == pytest.approx(100 * height / width, abs=1e-4)
    assert (f"max-width:{PORTRAIT_MAX_WIDTH_PX}px" in box["style"]) == (height > width)


def test_an_unknown_shape_is_refused():
    with pytest.raises(ValueError, match="16:9"):
        iframe_snippet(BASE, VIEW, alt="x", aspect="21:9")


def test_a_hostile_layer_name_stays_text_in_the_snippet_and_round_trips_in_the_address():
    view = EmbedView(dt.date(2024, 11, 25), (HOSTILE, "Kursk incursion"), (51.25, 35.3), 10)
    snippet = iframe_snippet(BASE, view, alt=f"Map of {HOSTILE}", aspect="16:9")
    parsed = Elements(snippet)
    assert [tag for tag, _ in parsed.tags] == ["div", "div", "iframe"], "no element from the name"
    assert "<script" not in snippet and "<img" not in snippet
    frame = parsed.tags[2][1]
    assert set(frame) == {"src", "title", "loading", "allow", "style"}, "no attribute from the name"
    assert frame["title"] == f"Map: {HOSTILE} and Kursk incursion, 25 November 2024"
    assert query(frame["src"])["layers"][0].split(",") == [HOSTILE, "Kursk incursion"]
    assert "".join(parsed.text).strip() == f"Map of {HOSTILE}"


def test_the_image_snippet_escapes_its_alt_text_and_links_to_the_published_page():
    link = page_url(BASE, "index.html", VIEW)
    snippet = image_snippet("kursk-2024-11-25.png", alt=HOSTILE, aspect="9:16", link=link)
    parsed = Elements(snippet)
    assert [tag for tag, _ in parsed.tags] == ["a", "img"]
    (_, anchor), (_, image) = parsed.tags
    assert anchor["href"] == link
    assert image["alt"] == HOSTILE and image["src"] == "kursk-2024-11-25.png"
    assert (int(image["width"]), int(image["height"])) == IMAGE_SIZES["9:16"]
    assert [tag for tag, _ in Elements(image_snippet("x.png", alt="a")).tags] == ["img"]


def test_the_title_names_every_layer_or_none():
    day = dt.date(2024, 8, 6)
    assert map_title([], day) == "Map, 6 August 2024"
    assert map_title(["A", "B", "C"], day) == "Map: A, B and C, 6 August 2024"
    assert len(map_title(["x" * 500], day)) < 100


def test_the_placeholder_is_a_reserved_name_that_loads_nothing():
    assert urlsplit(PLACEHOLDER_URL).hostname.endswith(".example")
