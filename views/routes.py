"""The app's pages by address, and moving between them with the view carried along.

A page is identified by its URL path (``/present``, ``/compare``, ...): Streamlit keys a
page by that path, so any page can send the reader to another one here without holding
the page objects ``app.py`` registered on this run.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NoReturn

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from layers import links

from .widgets import query_params

__all__ = ["COMPARE", "EDITOR", "PRESENT", "READER", "Route", "for_mode", "go", "page"]


@dataclass(frozen=True)
class Route:
    """A page's address, title and icon; ``mode`` is what older links said with ``?mode=``."""

    url_path: str
    title: str
    icon: str
    mode: str = ""


READER = Route("map", "Map", ":material/map:")
COMPARE = Route("compare", "Side by side", ":material/compare:", mode="compare")
PRESENT = Route("present", "Presentation", ":material/slideshow:", mode="present")
EDITOR = Route("editor", "Editor", ":material/edit_note:")


def page(route: Route, run: Callable[[], None], *, default: bool = False) -> StreamlitPage:
    """The Streamlit page for ``route``, running ``run``."""
    return st.Page(run, title=route.title, icon=route.icon, url_path=route.url_path, default=default)


def go(route: Route, params: Mapping[str, Sequence[str]] | None = None) -> NoReturn:
    """Open ``route``'s page with ``params`` as its query parameters.

    ``params`` must not name a parameter bound to a widget of this run (Streamlit refuses
    to set those); by default they are the map's view (``links.VIEW_PARAMS``). The
    widgets bound to the URL (date, layers, ...) need no carrying: Streamlit keeps a
    keyed widget's value across pages, and the widget writes it back into the URL.
    """
    if params is None:
        current = query_params()
        params = {key: current[key] for key in links.VIEW_PARAMS if key in current}
    st.switch_page(
        page(route, lambda: None), query_params={key: list(values) for key, values in params.items()}
    )
    raise AssertionError("st.switch_page returns only by rerunning the script")  # pragma: no cover


def for_mode(mode: str) -> Route | None:
    """The page an older link's ``?mode=`` asks for (``links.mode``), or None."""
    return next((route for route in (COMPARE, PRESENT) if mode and route.mode == mode), None)
