"""Hostile uploads in the editor (AppTest): each is named in a message, nothing is written,
and the page keeps working; the check runs in a bounded child (the fork server)."""

from __future__ import annotations

import pytest

from layers.store import Store
from tests.conftest import seeded_app
from tests.hostile.corpus import RECURSIVE, geojson, geopackage_case, multi_member_gzip, replace_with_view

from .test_editor import HASH, sign_in


@pytest.fixture
def app(db_url, monkeypatch):
    at = seeded_app(db_url, monkeypatch)
    at.secrets["editors"] = {"password_hash": HASH}
    return at


def _versions(db_url: str) -> int:
    store = Store(db_url)
    return sum(len(store.history(info.name)) for info in store.layers())


@pytest.mark.parametrize(
    "name,make,words",
    [
        ("kursk-2024-11-25.geojson.gz", lambda folder: multi_member_gzip(2), "gzip members"),
        (
            "kursk-2024-11-25.gpkg",
            lambda folder: geopackage_case("k.gpkg", 2, replace_with_view(RECURSIVE))(folder).read_bytes(),
            "holds SQL views",
        ),
        (
            "kursk-2024-11-25.geojson",
            lambda folder: geojson({"held_by": "UA", "status": "held", "source": "a\x00"}),
            "NUL",
        ),
    ],
    ids=["multi-member-gzip", "gpkg-recursive-view", "nul"],
)
def test_a_hostile_upload_is_named_and_nothing_is_written(app, db_url, tmp_path, name, make, words):
    at = sign_in(app)
    before = _versions(db_url)
    at.selectbox(key="edit_layer").select("Kursk incursion")
    at.get("file_uploader")[0].set_value((name, make(tmp_path), "application/octet-stream"))
    at.run(timeout=120)
    assert not at.exception, [e.message for e in at.exception]
    shown = " ".join(
        [
            *(e.value for e in [*at.error, *at.markdown, *at.warning]),
            *(frame.value.to_string() for frame in at.dataframe),
        ]
    )
    assert words in shown, shown
    assert not [b for b in at.button if b.key == "commit"], "no commit offered"
    assert _versions(db_url) == before


def test_an_implausible_or_ambiguous_name_leaves_the_date_to_the_editor(app):
    at = sign_in(app)
    at.selectbox(key="edit_layer").select("Kursk incursion")
    at.get("file_uploader")[0].set_value(("kursk-9999-12-31.geojson", geojson(), "application/geo+json"))
    at.run(timeout=120)
    assert not at.exception
    date_inputs = [d for d in at.date_input if d.key and d.key.startswith("as_of_")]
    assert date_inputs and date_inputs[0].value is None
    assert any("No usable date in the file name" in e.value for e in at.error)
