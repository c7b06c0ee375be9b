"""The front-line map. Run with ``streamlit run app.py``.

Routing only: the page configuration, the store this run reads, the sidebar every page
shares (layers, events, sign-in), and one page per journey with ``st.navigation``:

- the reader's map (``/``), side by side (``/compare``), presentation (``/present``);
- the editor (``/editor``), listed only for a signed-in editor.

Links made before the app had pages keep working: ``?mode=present`` and
``?mode=compare&left=…&right=…`` open those pages with their other parameters. The
pages are in ``views/pages/``; geometry, dates and storage in the ``layers`` library.
Errors a user can act on (``layers.errors.FrontlineError``) are shown in one place
(``views.widgets.user_errors``); anything else is a bug.
"""

from __future__ import annotations

from functools import partial

import streamlit as st

from layers import links
from views import analytics, routes, signin, widgets
from views.appdata import Data
from views.pages import compare, editor, present, reader


def main() -> None:
    params = widgets.query_params()
    st.set_page_config(
        page_title="Front-line map",
        page_icon="🗺",
        layout="wide",
        # Collapsed: the map is the page (readers open the sidebar for layers and links).
        initial_sidebar_state="collapsed",
    )
    with widgets.user_errors():
        route(Data.current(), params)


def route(data: Data, params: links.Params) -> None:
    """The shared sidebar, then the page the address asks for.

    A link with parts this store cannot show (or hostile ones: 100 KB values, markup,
    ``NaN``, repeated keys) is reopened once, on the same page, without them, before any
    widget bound to the URL reads it: every part then opens on its default, and the
    notices say what was dropped.
    """
    # The timeline spans every territory layer, shown or not, so hiding a layer never
    # moves the slider's range or invalidates a date in a shared link.
    dates = data.timeline_dates(data.layer_names("territory"))
    if not dates:
        # A store the user named is not seeded with the demo: say how to fill it.
        widgets.empty_store_ui(data.store.display_url)
        return
    link, first_run = widgets.checked_link(data, analytics.TABS)
    legacy = routes.for_mode(links.mode(params))
    if legacy is not None:
        # Before any widget binds a parameter: the link's own parameters go along whole.
        routes.go(legacy, links.without(link.params, "mode"))
    signed_in = signin.current_editor()
    # The pages read the sidebar's selection when they run, after the sidebar is drawn;
    # the navigation comes first so that a bad link is reopened on its own page.
    pages = {
        routes.READER: routes.page(routes.READER, lambda: reader.page(data, selection, dates), default=True),
        routes.COMPARE: routes.page(routes.COMPARE, lambda: compare.page(data, selection, dates)),
        routes.PRESENT: routes.page(routes.PRESENT, lambda: present.page(data, selection, dates)),
    }
    if signed_in is not None:
        pages[routes.EDITOR] = routes.page(routes.EDITOR, partial(editor.page, data, signed_in))
    current = st.navigation(list(pages.values()))
    if first_run and link.notices:
        st.switch_page(current, query_params=link.params)
    selection = widgets.sidebar_ui(data)
    widgets.notices_ui(link.notices)
    if signed_in is not None and signin.just_signed_in():
        routes.go(routes.EDITOR)
    with widgets.user_errors():
        current.run()
    signin.sign_in_ui()


if __name__ == "__main__":
    main()
