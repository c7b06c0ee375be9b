"""Fixtures for the app under ``streamlit.testing.v1.AppTest``: a seeded store and the app
on it, and ways to find the map component in what a run produced."""

from __future__ import annotations

import json
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
