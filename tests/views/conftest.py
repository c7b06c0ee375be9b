"""Fixtures for the app under ``streamlit.testing.v1.AppTest``: a seeded store and the app
on it, and ways to find the map component in what a run produced."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.conftest import seeded_app


@pytest.fixture
def db_url(tmp_path) -> str:
    """A new SQLite store's URL (seeded by ``app``)."""
    return f"sqlite:///{tmp_path / 'app.db'}"


@pytest.fixture
def app(db_url, monkeypatch):
    """``app.py`` on a store seeded with the embedded data, as it is once the map is drawn."""
    return seeded_app(db_url, monkeypatch)


def map_path(node: Any, path: tuple = ()) -> tuple | None:
    """Index path of the map component in the element tree (its position on the page)."""
    for index, child in getattr(node, "children", {}).items():
        if getattr(child, "type", None) == "component_instance":
            return (*path, index)
        found = map_path(child, (*path, index))
        if found:
            return found
    return None


def map_args(at: Any) -> dict:
    """The map component's arguments in a run, with its element id as ``_id``."""
    components = list(at.get("component_instance"))
    assert len(components) == 1, "exactly one map component"
    return json.loads(components[0].proto.json_args) | {"_id": components[0].proto.id}


def reader_settings(at: Any) -> dict:
    """The reader's map component's settings in a run (``views.readermap.show``)."""
    components = list(at.get("bidi_component"))
    assert len(components) == 1, "exactly one map component"
    assert components[0].proto.component_name == "frontline.reader_map"
    return json.loads(components[0].proto.json)


#: Protos whose options Streamlit renders as Markdown (st.radio, st.select_slider,
#: st.segmented_control and st.pills); st.selectbox and st.multiselect show theirs as text.
_MARKDOWN_OPTIONS = {"Radio", "Slider", "ButtonGroup"}
#: Protos whose ``body`` is not Markdown (code is shown as text; a dataframe has none).
_TEXT_BODIES = {"Code"}


def rendered_texts(at: Any) -> list[str]:
    """Every string of a run that the browser renders as Markdown or HTML: bodies of
    markdown, captions, headings, alerts and ``st.html``; labels and tooltips of widgets,
    metrics, tabs, expanders and popovers; options of the widgets that render them."""
    texts: list[str] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            name = proto.DESCRIPTOR.name
            fields = proto.DESCRIPTOR.fields_by_name
            for field in ("body", "label", "help", "placeholder"):
                if field in fields and not (field == "body" and name in _TEXT_BODIES):
                    texts.append(str(getattr(proto, field)))
            for block in ("popover", "expandable"):
                if block in fields and proto.HasField(block):
                    texts.append(getattr(proto, block).label)
            if name in _MARKDOWN_OPTIONS:
                texts.extend(getattr(option, "content", option) for option in proto.options)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at.main)
    walk(at.sidebar)
    return [text for text in texts if text]


#: What a hostile string becomes when it is rendered instead of shown: an image or a link
#: (fetched or followed), HTML, or LaTeX.
_MARKUP = ("![", "](", "<img", "<script", "$x")


def unescaped_markup(texts: list[str]) -> list[str]:
    """The texts in which markup survives once every backslash-escaped character is taken
    out (what ``layers.text.escape_markdown`` leaves is text)."""
    return [text for text in texts if any(mark in re.sub(r"\\.", "", text) for mark in _MARKUP)]


def markup_names(beacon: str) -> dict[str, str]:
    """A layer name, a source and a figure scope that are markup: an image fetched from
    ``beacon`` (a URL the test watches), HTML that runs script, and LaTeX."""
    return {
        "layer": f"![b]({beacon}/x.png)",
        "source": "<img src=x onerror=alert(1)> $x^2$",
        "scope": f"![s]({beacon}/s.png) $x^2$ scope",
    }


def seed_markup_store(url: str, beacon: str) -> dict[str, str]:
    """The embedded data plus a territory layer named like an image (``markup_names``),
    one snapshot on 2024-08-12 whose features' source and note are HTML and LaTeX, and a
    reported figure of that layer with such a scope, source and note. Returns the names."""
    import pandas as pd
    import shapely

    from layers.figures import check_figures
    from layers.ingest import seed_default_data
    from layers.store import Store
    from tests.conftest import snapshot

    names = markup_names(beacon)
    store = Store(url)
    seed_default_data(store)
    box = shapely.box(34.3, 51.45, 34.6, 51.6)
    figures = check_figures(
        pd.DataFrame(
            [
                {
                    "date": "2024-08-12",
                    "scope": names["scope"],
                    "layer": names["layer"],
                    "held_by": "UA",
                    "status": "held",
                    "value_km2": "100",
                    "kind": "press estimate",
                    "source": names["source"],
                    "note": names["source"],
                }
            ]
        ),
        "markup figure",
    )
    store.write(
        [snapshot(names["layer"], "2024-08-12", [(box, "UA", "held", names["source"])])],
        figures,
        actor="test",
    )
    store.close()
    return names
