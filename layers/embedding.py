"""What an article pastes to show the map: the iframe snippet, the static image's snippet
and the published page's address, for one date, set of layers and view.

The published site (``python -m layers publish``, :mod:`layers.publish`) serves
``embed.html`` (the map alone) and ``index.html`` (the full reader); both read
``?date=YYYY-MM-DD&layers=A,B&center=lat,lon&zoom=z`` (``static/js/frontline/site.js``).
The snippet is a responsive box of a fixed shape (``ASPECT_RATIOS``) holding the iframe:

.. code-block:: html

    <div style="position:relative;width:100%;aspect-ratio:16/9">
      <div style="padding-top:56.25%"></div>
      <iframe src="https://maps.example.org/kursk/embed.html?date=…" title="Map: …"
        loading="lazy" allow="fullscreen" style="position:absolute;…">alt text</iframe>
    </div>

``aspect-ratio`` sizes the box; the empty block's percentage padding gives the same
height in browsers without it (padding is a share of the width). A portrait box is at
most ``PORTRAIT_MAX_WIDTH_PX`` wide, so that it does not fill a desktop screen several
times over. The iframe's content is the alt text (:mod:`layers.alttext`): what a reader
without frames gets.

Every value written into markup is escaped with ``html.escape(quote=True)`` and every
value in an address is percent-encoded, so a layer named ``"><script>`` stays text. The
site splits ``layers`` at commas, so a layer whose name has a comma cannot be named in
its address (:func:`unlinkable`): the published page then shows its default layers.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote

from .style import long_date

__all__ = [
    "ASPECT_RATIOS",
    "DEFAULT_ASPECT",
    "IMAGE_SIZES",
    "PLACEHOLDER_URL",
    "PORTRAIT_MAX_WIDTH_PX",
    "EmbedView",
    "iframe_snippet",
    "image_snippet",
    "map_title",
    "page_url",
    "unlinkable",
    "view_query",
]

#: The shapes offered, width to height; 9:16 is for articles read on phones.
ASPECT_RATIOS = {"16:9": (16, 9), "4:3": (4, 3), "1:1": (1, 1), "9:16": (9, 16)}
DEFAULT_ASPECT = "16:9"
#: The static image of each shape, in pixels (the slide renderer's sizes, and its portrait).
IMAGE_SIZES = {"16:9": (1920, 1080), "4:3": (1600, 1200), "1:1": (1080, 1080), "9:16": (1080, 1920)}
#: Widest a portrait box gets: 480 px wide is 853 px tall at 9:16.
PORTRAIT_MAX_WIDTH_PX = 480
#: The base a snippet shows while ``FRONTLINE_PUBLISHED_URL`` is not set: ``.example`` is
#: reserved (RFC 2606), so a snippet pasted unedited loads nothing from anyone.
PLACEHOLDER_URL = "https://your-published-site.example/"
#: A name is cut to this many characters in a title.
_TITLE_NAME_CHARS = 60


@dataclass(frozen=True)
class EmbedView:
    """The view to embed: the date, the visible territory layers, and the map's centre
    (latitude, longitude) and zoom when the map has reported them (None: the site's default)."""

    as_of: dt.date
    layers: tuple[str, ...]
    center: tuple[float, float] | None = None
    zoom: int | None = None


def unlinkable(layers: Sequence[str]) -> list[str]:
    """The layers a published page's address cannot name (a comma in the name)."""
    return [name for name in layers if "," in name]


def view_query(view: EmbedView) -> str:
    """``date=…&layers=…&center=…&zoom=…`` for the published pages, every value encoded.

    ``layers`` lists the view's layers (an empty value hides every layer); when every
    layer of a non-empty view is :func:`unlinkable`, it is left out and the page opens
    on its default layers. ``center`` and ``zoom`` come only together.
    """
    parts = [f"date={view.as_of.isoformat()}"]
    named = [name for name in view.layers if name not in unlinkable(view.layers)]
    if named or not view.layers:
        parts.append("layers=" + ",".join(quote(name, safe="") for name in named))
    if view.center is not None and view.zoom is not None:
        lat, lon = view.center
        parts.append(f"center={lat:.4f},{lon:.4f}")
        parts.append(f"zoom={int(view.zoom)}")
    return "&".join(parts)


def page_url(base_url: str, page: str, view: EmbedView) -> str:
    """The address of ``page`` (``"embed.html"`` or ``"index.html"``) of the site at
    ``base_url`` opening ``view``."""
    return f"{base_url.rstrip('/')}/{page}?{view_query(view)}"


def map_title(layers: Sequence[str], as_of: dt.date) -> str:
    """The iframe's title: "Map: Kursk incursion, 25 November 2024" (plain text)."""
    names = [" ".join(name.split()) for name in layers]
    cut = [name if len(name) <= _TITLE_NAME_CHARS else f"{name[: _TITLE_NAME_CHARS - 1]}…" for name in names]
    shown = ", ".join(cut[:-1]) + f" and {cut[-1]}" if len(cut) > 1 else "".join(cut)
    return f"Map: {shown}, {long_date(as_of)}" if shown else f"Map, {long_date(as_of)}"


def _ratio(aspect: str) -> tuple[int, int]:
    try:
        return ASPECT_RATIOS[aspect]
    except KeyError:
        raise ValueError(f"aspect {aspect!r}: use one of {', '.join(ASPECT_RATIOS)}") from None


def iframe_snippet(base_url: str, view: EmbedView, *, alt: str, aspect: str = DEFAULT_ASPECT) -> str:
    """The HTML an article pastes to embed ``view`` from the site at ``base_url``.

    Parameters
    ----------
    base_url : str
        The published site's folder (``FRONTLINE_PUBLISHED_URL``, or ``PLACEHOLDER_URL``).
    view : EmbedView
    alt : str
        The text alternative (:func:`layers.alttext.alt_text`), the iframe's fallback.
    aspect : str
        A key of ``ASPECT_RATIOS``.

    Returns
    -------
    str
        A ``div`` of that shape holding an ``iframe`` with ``title``, ``loading="lazy"``
        and ``allow="fullscreen"``; every value escaped.

    Raises
    ------
    ValueError
        For an aspect not in ``ASPECT_RATIOS`` (the app offers only those).
    """
    width, height = _ratio(aspect)
    padding = f"{100 * height / width:.4f}".rstrip("0").rstrip(".")
    box = f"position:relative;width:100%;aspect-ratio:{width}/{height}"
    if height > width:
        box += f";max-width:{PORTRAIT_MAX_WIDTH_PX}px;margin:0 auto"
    src = html.escape(page_url(base_url, "embed.html", view), quote=True)
    title = html.escape(map_title(view.layers, view.as_of), quote=True)
    frame = "position:absolute;top:0;left:0;width:100%;height:100%;border:0"
    return (
        f'<div style="{box}">\n'
        f'  <div style="padding-top:{padding}%"></div>\n'
        f'  <iframe src="{src}" title="{title}" loading="lazy" allow="fullscreen" style="{frame}">'
        f"{html.escape(alt, quote=True)}</iframe>\n"
        "</div>"
    )


def image_snippet(src: str, *, alt: str, aspect: str = DEFAULT_ASPECT, link: str | None = None) -> str:
    """The HTML for the static image: an ``img`` with ``alt``, its size, scaling down to
    its column, and, when ``link`` is given, a link to the published page around it."""
    _ratio(aspect)
    width, height = IMAGE_SIZES[aspect]
    image = (
        f'<img src="{html.escape(src, quote=True)}" alt="{html.escape(alt, quote=True)}" '
        f'width="{width}" height="{height}" loading="lazy" style="max-width:100%;height:auto">'
    )
    if link is None:
        return image
    return f'<a href="{html.escape(link, quote=True)}">{image}</a>'
