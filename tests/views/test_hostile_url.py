"""Hostile links under AppTest: every parameter the app reads, given a 100 KB value, NUL,
markup, ``NaN``, ``1e999``, ``-inf`` or twice, opens each page on its defaults with a
notice naming the parameter, never an exception, and the address is left without them.
The parsing itself is tested value by value in tests/test_links.py; what a browser does
with such a link in tests/browser/test_hostile_url.py."""

from __future__ import annotations

import datetime as dt

import pytest

from layers import links, mapview
from tests.conftest import seeded_app
from tests.views.conftest import reader_settings, rendered_texts, unescaped_markup

D = dt.date.fromisoformat
LATEST = "2025-03-31"
BIG = "9" * 100_000
HOSTILE = {
    "NUL": "2024-11-25\x00",
    "script": "<script>alert(1)</script>",
    "image": "![b](http://127.0.0.1:8765/x.png)",
    "NaN": "NaN",
    "1e999": "1e999",
    "-inf": "-inf",
    "twice": ["2024-11-25", "2024-12-20"],
}
#: The pages, as a link opens them (``mode`` is tested on its own: it picks the page).
PAGES = {"reader": {}, "present": {"mode": "present"}, "compare": {"mode": "compare"}}
CHECKED = [key for key in links.PARAMETERS if key != "mode"]
#: Streamlit ignores a query string over 512 K characters whole, so 100 KB values are
#: given to four parameters at a time.
BIG_GROUPS = [CHECKED[i : i + 4] for i in range(0, len(CHECKED), 4)]


@pytest.fixture(scope="module")
def store_url(tmp_path_factory) -> str:
    """One store for the module: these tests only read it (seeding again is a no-op)."""
    return f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'app.db'}"


@pytest.fixture
def app(store_url, monkeypatch):
    return seeded_app(store_url, monkeypatch)


def notices(at) -> list[str]:
    return [w.value for w in at.warning if w.value.startswith("The link's")]


def on_defaults(at, page: str) -> None:
    """The page ``page`` is open on its default date and view."""
    if page == "reader":
        settings = reader_settings(at)
        assert settings["date"] == LATEST
        assert settings["view"] == {"center": list(mapview.HOME_CENTER), "zoom": mapview.HOME_ZOOM}
        assert at.select_slider(key="window").value == 7 and at.multiselect(key="layers").value
    elif page == "present":
        assert at.select_slider(key="date").value == D(LATEST)
        assert any(m.value == "# 31 March 2025" for m in at.markdown)
    else:
        left, right = at.selectbox(key="left"), at.selectbox(key="right")
        assert (left.value, right.value) == (D(left.options[0]), D(right.options[-1]))


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_every_parameter_hostile_at_once_opens_the_page_on_its_defaults(app, page, value):
    app.query_params.update(dict.fromkeys(CHECKED, value) | PAGES[page])
    at = app.run()
    opened_on_defaults_with_notices(at, page, CHECKED, value)


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("keys", BIG_GROUPS, ids=["+".join(keys) for keys in BIG_GROUPS])
def test_100_kb_values_open_the_page_on_its_defaults(app, page, keys):
    app.query_params.update(dict.fromkeys(keys, BIG) | PAGES[page])
    at = app.run()
    opened_on_defaults_with_notices(at, page, keys, BIG)


def test_a_query_string_over_streamlits_limit_is_ignored_whole(app):
    app.query_params.update(dict.fromkeys(CHECKED, BIG))
    at = app.run()
    assert not at.exception and notices(at) == []
    on_defaults(at, "reader")


def opened_on_defaults_with_notices(at, page: str, keys: list[str], value: str | list[str]) -> None:
    """``page`` is open on its defaults, with one notice per parameter in ``keys`` (each
    short, its value escaped), and the address no longer has ``value``."""
    assert not at.exception, [e.message for e in at.exception]
    shown = notices(at)
    for key in keys:
        subject = "layer" if key == "layers" else key.replace("_", "\\_")
        assert sum(n.startswith(f"The link's {subject}") for n in shown) == 1, (key, shown)
    assert all(len(n) < 400 for n in shown), "a long value is cut in its notice"
    assert unescaped_markup(rendered_texts(at)) == []
    on_defaults(at, page)
    kept = {key: at.query_params[key] for key in keys if key in at.query_params}
    assert not any(v == value or (isinstance(value, str) and value in v) for v in kept.values()), (
        "the address is opened again without the bad parts"
    )


@pytest.mark.parametrize("value", ["<script>alert(1)</script>", "NaN", ["present", "compare"]])
def test_a_hostile_mode_opens_the_reader(app, value):
    app.query_params["mode"] = value
    at = app.run()
    assert not at.exception
    assert [n for n in notices(at) if n.startswith("The link's mode")], notices(at)
    on_defaults(at, "reader")


def test_a_good_link_is_not_reopened(app):
    app.query_params.update({"date": "2024-11-25", "window": "14", "change": "30 days before"})
    at = app.run()
    assert not at.exception and notices(at) == []
    assert reader_settings(at)["date"] == "2024-11-25" and at.select_slider(key="window").value == 14
    assert at.selectbox(key="change").value == "30 days before"


def test_a_bad_part_drops_only_itself(app):
    app.query_params.update({"date": "2024-11-25", "window": "<b>14</b>", "change": ["7 days before"] * 2})
    at = app.run()
    assert not at.exception
    assert reader_settings(at)["date"] == "2024-11-25", "the good part is kept"
    assert at.select_slider(key="window").value == 7 and at.selectbox(key="change").value == "none"
    assert len(notices(at)) == 2
