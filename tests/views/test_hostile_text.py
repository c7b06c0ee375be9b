"""Stored text is never rendered: a layer named ``![b](http://…/x.png)``, a source
``<img src=x onerror=…>`` and LaTeX ``$x^2$`` reach every label, caption, button and
notice of every page and tab escaped, as text. A browser fetching nothing is checked in
tests/browser/test_hostile_url.py."""

from __future__ import annotations

import pytest

from layers.text import escape_markdown
from tests.conftest import seeded_app
from tests.views.conftest import rendered_texts, seed_markup_store, unescaped_markup
from views.analytics import TABS

BEACON = "http://127.0.0.1:8765"


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> tuple[str, dict[str, str]]:
    url = f"sqlite:///{tmp_path_factory.mktemp('markup') / 'app.db'}"
    return url, seed_markup_store(url, BEACON)


@pytest.fixture
def app(store, monkeypatch):
    return seeded_app(store[0], monkeypatch)


def test_the_markup_store_is_listed(app, store):
    """The fixture's layer is there to be shown, so the tests below can fail."""
    at = app.run()
    assert store[1]["layer"] in at.multiselect(key="layers").value


@pytest.mark.parametrize("tab", TABS)
def test_every_tab_of_the_reader_shows_stored_markup_as_text(app, store, tab):
    app.query_params.update({"date": "2024-08-12", "analysis": tab})
    at = app.run(timeout=120)
    assert not at.exception, [e.message for e in at.exception]
    texts = rendered_texts(at)
    assert unescaped_markup(texts) == []
    escaped = escape_markdown(store[1]["layer"])
    assert any(escaped in text for text in texts), "the layer's name is shown, escaped"
    if tab == "Downloads":
        labels = [b.proto.label for b in at.get("download_button")]
        assert f"Snapshot of {escaped}, 2024-08-12 (GeoJSON)" in labels


def test_the_areas_panel_shows_the_figure_scope_as_text(app, store):
    app.query_params["date"] = "2024-08-12"
    at = app.run()
    captions = [c.value for c in at.caption]
    assert any(escape_markdown(store[1]["scope"]) in c for c in captions), captions
    assert unescaped_markup(rendered_texts(at)) == []


@pytest.mark.parametrize("mode", ["present", "compare"])
def test_presentation_and_side_by_side_show_stored_markup_as_text(app, store, mode):
    app.query_params.update({"mode": mode, "date": "2024-08-12", "left": "2024-08-12"})
    at = app.run()
    assert not at.exception, [e.message for e in at.exception]
    texts = rendered_texts(at)
    assert unescaped_markup(texts) == []
    if mode == "present":
        assert any(escape_markdown(store[1]["source"]) in text for text in texts), "the figure's source"
