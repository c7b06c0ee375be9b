"""The reader's Embed control: the iframe snippet, a static image with its ``<img>``
snippet, the alt text and the published page's address, for the date, layers and view on
screen.

The snippets are built by :mod:`layers.embedding`, the alt text by :mod:`layers.alttext`;
here they are only shown, in ``st.code`` (text, never markup), in a dialog opened by a
button beside the permalink (a popover at the sidebar's foot had no room for them). The
image is the slide renderer's (:func:`layers.render.render_png`), drawn when the button is
pressed, in turn in the process's one render queue (``analytics.render_queue``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import streamlit as st

from layers import embedding, links
from layers import events as events_mod
from layers.alttext import EventFacts, LayerFacts, alt_text, event_facts
from layers.attribution import layer_credits
from layers.credits import credits_text
from layers.errors import InvalidInputError
from layers.settings import published_url
from layers.text import escape_markdown

from .analytics import render_queue
from .appdata import Data
from .widgets import Selection, slug

__all__ = ["OPEN_KEY", "embed_ui", "embed_view", "image_png", "map_alt_text"]

#: Whether the Embed dialog is open (until the reader dismisses it): its content runs only then.
OPEN_KEY = "embed_open"


def _dismissed() -> None:
    st.session_state[OPEN_KEY] = False


@st.dialog("Embed this map", width="large", on_dismiss=_dismissed)
def _dialog(data: Data, selection: Selection, as_of: dt.date) -> None:
    _embed_panel(data, selection, as_of)


def embed_view(selection: Selection, as_of: dt.date) -> embedding.EmbedView:
    """The view on screen: the date, the visible layers, and the map's centre and zoom from
    the address when the map has reported them (checked: a bad pair is left to the site)."""
    center, zoom = st.query_params.get("center"), st.query_params.get("zoom")
    if center is None or zoom is None:
        return embedding.EmbedView(as_of, tuple(selection.visible))
    view_center, view_zoom, problems = links.parse_view(center, zoom)
    if problems:
        return embedding.EmbedView(as_of, tuple(selection.visible))
    return embedding.EmbedView(as_of, tuple(selection.visible), view_center, view_zoom)


def map_alt_text(
    data: Data,
    layers: Sequence[str],
    as_of: dt.date,
    events: str | None = None,
    window_days: int = events_mod.DEFAULT_WINDOW_DAYS,
) -> str:
    """:func:`layers.alttext.alt_text` of ``layers`` on ``as_of``, and of the events of the
    ``events`` layer over the window shown, from the cached reads."""
    infos = {info.name: info for info in data.layer_infos()}
    facts = [
        LayerFacts(
            name, tuple(data.snapshot_dates(name)), infos[name].description, _held_names(data, name, as_of)
        )
        for name in layers
        if name in infos
    ]
    return alt_text(data.area_series(), facts, as_of, events=_event_facts(data, events, as_of, window_days))


def _held_names(data: Data, layer: str, as_of: dt.date) -> tuple[tuple[str, str], ...]:
    """What each side's held ground is called on the snapshot shown, for a layer with
    DeepStateMap's categories ("retaken (DeepStateMap 'liberated')"); empty otherwise."""
    ref = data.snapshot_ref(layer, as_of)
    if ref is None:
        return ()
    names = data.category_table(ref).names
    return tuple(
        (side, words) for (side, status), words in sorted(names.items()) if status == "held" and words
    )


def _event_facts(data: Data, layer: str | None, as_of: dt.date, window_days: int) -> EventFacts | None:
    if not layer or layer not in data.layer_names("events"):
        return None
    start, end = events_mod.window(as_of, window_days)
    first, last = data.events_window(layer, start, end)
    kinds = data.all_events(layer)["kind"].iloc[first:last] if last > first else []
    return event_facts(layer, start, end, kinds, layer in data.illustrative_layers())


def _published_base() -> tuple[str | None, str | None]:
    """``FRONTLINE_PUBLISHED_URL``, and what is wrong with it when it is set but not usable."""
    try:
        return published_url(), None
    except InvalidInputError as error:
        return None, str(error)


def embed_ui(data: Data, selection: Selection, as_of: dt.date) -> None:
    """The Embed button (in the sidebar, under the link to this view) and, once pressed,
    its dialog: large enough for the snippets, open until the reader dismisses it."""
    if st.button(
        "Embed this map",
        icon=":material/code:",
        key="embed_button",
        help="An iframe snippet, a static image and its alt text, for an article",
    ):
        st.session_state[OPEN_KEY] = True
    if st.session_state.get(OPEN_KEY):
        _dialog(data, selection, as_of)


def _embed_panel(data: Data, selection: Selection, as_of: dt.date) -> None:
    view = embed_view(selection, as_of)
    base, problem = _published_base()
    aspect = st.segmented_control(
        "Shape", list(embedding.ASPECT_RATIOS), default=embedding.DEFAULT_ASPECT, key="embed_aspect"
    )
    aspect = aspect or embedding.DEFAULT_ASPECT
    alt = map_alt_text(data, view.layers, as_of, selection.events_layer, selection.window_days)

    st.markdown("**Interactive map** (iframe)")
    if problem is not None:
        st.error(escape_markdown(problem))
    if base is None:
        st.info(
            "No published site is set, so the snippet points at a placeholder "
            f"(`{embedding.PLACEHOLDER_URL}`). Publish the reader with `python -m layers publish --out DIR`, "
            "serve DIR, set `FRONTLINE_PUBLISHED_URL` to its address and restart the app; "
            "or replace the placeholder by hand.",
            icon=":material/public_off:",
        )
    st.code(
        embedding.iframe_snippet(base or embedding.PLACEHOLDER_URL, view, alt=alt, aspect=aspect),
        language="html",
        wrap_lines=True,
    )
    left_out = embedding.unlinkable(view.layers)
    if left_out:
        st.caption(
            f"{len(left_out)} layer name(s) with a comma cannot be named in a published page's address; "
            "the page opens on its own layers instead."
        )

    st.markdown("**Alt text**")
    st.code(alt, language=None, wrap_lines=True)
    st.caption("Written from the stored areas; it is also the iframe's and the image's fallback text.")

    st.markdown("**Credits** (the map and the image show them; cite them beside the map too)")
    events = [selection.events_layer] if selection.events_layer else []
    credits = credits_text(layer_credits(data.layer_infos(), [*view.layers, *events]))
    st.code("\n".join(credits), language=None, wrap_lines=True)

    st.markdown("**Static image** (for print, newsletters, pages without frames)")
    _image_ui(data, view, aspect, alt, base, selection)

    if base is not None:
        st.markdown("**The published page**")
        page = embedding.page_url(base, "index.html", view)
        st.code(page, language=None, wrap_lines=True)
        st.link_button("Open the published page", page, icon=":material/open_in_new:")


def image_png(
    data: Data,
    layers: Sequence[str],
    as_of: dt.date,
    size: tuple[int, int],
    extent: Sequence[float] | None,
    events: str | None = None,
    window_days: int = events_mod.DEFAULT_WINDOW_DAYS,
) -> bytes:
    """The slide renderer's PNG of ``layers`` on ``as_of``, with the ``events`` layer's
    window, drawn in turn in the process's render queue (one render at a time, as slides
    and time-lapses are)."""
    from layers import render

    with render_queue().turn():
        return render.render_png(
            data.store, layers, as_of, size=size, extent=extent, events=events, window_days=window_days
        )


def _image_ui(
    data: Data, view: embedding.EmbedView, aspect: str, alt: str, base: str | None, selection: Selection
) -> None:
    """The PNG of the view, drawn by the slide renderer in turn, and its ``<img>`` snippet."""
    # matplotlib: imported when the image is first asked for, not at start (benchmarks/README.md).
    from layers import render

    territory = set(data.layer_names("territory"))
    layers = [name for name in view.layers if name in territory]
    bounds = st.session_state.get("_bounds")
    extent = render.screen_extent(bounds) if bounds else None
    size = embedding.IMAGE_SIZES[aspect]
    file_name = f"{slug('-'.join(layers) or 'map')}-{view.as_of}.png"

    st.download_button(
        f"Image of {view.as_of:%d %B %Y} ({size[0]}×{size[1]} PNG)",
        lambda: image_png(
            data, layers, view.as_of, size, extent, selection.events_layer, selection.window_days
        ),
        file_name=file_name,
        mime="image/png",
        on_click="ignore",
        key="embed_png",
        disabled=not layers,
        help="The slide renderer's map of this view: title, key with km², scale bar, sources",
    )
    if not layers:
        st.caption("Show a territory layer to draw an image.")
        return
    link = embedding.page_url(base, "index.html", view) if base else None
    st.code(
        embedding.image_snippet(file_name, alt=alt, aspect=aspect, link=link),
        language="html",
        wrap_lines=True,
    )
    st.caption("Upload the image beside your article, keeping its name or changing `src`.")
