"""Permalinks without Streamlit: what a link asks for, what is wrong with it, how a view is written."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from layers import links, mapview
from layers.events import Choices

DATES = [dt.date(2024, 8, 6) + dt.timedelta(days=n) for n in range(10)]
LAYERS = {"Kursk incursion", "Occupied Ukraine"}


def test_parse_view_keeps_what_is_valid():
    assert links.parse_view("51.3,35.4", "12") == ((51.3, 35.4), 12, [])
    center, zoom, problems = links.parse_view("95,35", "12")
    assert (center, zoom) == (mapview.HOME_CENTER, 12) and len(problems) == 1
    center, zoom, problems = links.parse_view("51.3,35.4", "3")
    assert (center, zoom) == ((51.3, 35.4), mapview.HOME_ZOOM)
    assert problems == [f"zoom '3' is not a whole number from {mapview.MIN_ZOOM} to {mapview.MAX_ZOOM}"]


def test_parse_view_without_a_view_is_the_home_view():
    assert links.parse_view(None, None) == (mapview.HOME_CENTER, mapview.HOME_ZOOM, [])


@pytest.mark.parametrize("center", ["north", "51.3", "51.3,35.4,2", "nan,35", "51.3,181"])
def test_a_bad_centre_is_named(center):
    _, _, problems = links.parse_view(center, None)
    assert problems == [f"center {center!r} is not “latitude,longitude” in degrees"]


def test_a_good_link_has_no_notice():
    params = {"date": ["2024-08-10"], "layers": ["Kursk incursion"], "center": ["51.3,35.4"], "zoom": ["11"]}
    assert links.link_notices(params, LAYERS, DATES) == []


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"date": ["1999-01-01"]}, "date 1999-01-01 is outside the timeline (2024-08-06 to 2024-08-15)"),
        ({"date": ["yesterday"]}, "date 'yesterday' is not a date like 2024-11-25"),
        ({"layers": ["Nope"]}, "layer 'Nope' (not in this store)"),
        ({"layers": ["Nope", "Kursk incursion", "Gone"]}, "layers 'Nope', 'Gone' (not in this store)"),
        ({"mode": ["karaoke"]}, "mode 'karaoke' is not one this app has (present, compare)"),
        ({"zoom": ["40"]}, "zoom '40' is not a whole number from 4 to 15"),
    ],
)
def test_each_bad_part_of_a_link_gets_one_notice(params, expected):
    assert links.link_notices(params, LAYERS, DATES) == [expected]


def test_every_bad_part_is_reported_together():
    params = {"date": ["x"], "layers": ["Nope"], "mode": ["x"], "center": ["x"], "zoom": ["x"]}
    assert len(links.link_notices(params, LAYERS, DATES)) == 5


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"mode": ["present"]}, "present"),
        ({"mode": ["compare"]}, "compare"),
        ({"mode": ["karaoke"]}, ""),
        ({}, ""),
        ({"mode": []}, ""),
    ],
)
def test_mode_is_one_the_app_has_or_none(params, expected):
    assert links.mode(params) == expected


def test_share_link_sorts_quotes_and_drops_the_embed_flag():
    params = {
        "zoom": ["11"],
        "center": ["51.3000,35.4000"],
        "layers": ["Kursk incursion", "A&B"],
        "embed": ["true"],
    }
    link = links.share_link("http://host:8501/present?old=1", params)
    assert link.startswith("http://host:8501/present?center=51.3000%2C35.4000&layers=Kursk%20incursion&")
    assert "embed" not in link and "old" not in link
    assert parse_qs(urlsplit(link).query) == {
        "center": ["51.3000,35.4000"],
        "layers": ["Kursk incursion", "A&B"],
        "zoom": ["11"],
    }
    assert links.share_link("http://host/", {}) == "http://host/"


def test_without_drops_only_the_keys_named():
    assert links.without({"mode": ["present"], "date": ["2024-08-10"]}, "mode") == {"date": ["2024-08-10"]}


def test_reported_view_is_written_as_a_link_writes_it():
    returned = {
        "center": {"lat": 51.123456, "lng": 35.987654},
        "zoom": 10.0,
        "bounds": {"_southWest": {"lat": 50.9, "lng": 35.1}, "_northEast": {"lat": 51.4, "lng": 36.2}},
    }
    view = links.reported_view(returned)
    assert view == links.ReportedView("51.1235,35.9877", "10", (35.1, 50.9, 36.2, 51.4))
    assert links.parse_view(view.center, view.zoom)[2] == [], "a reported view is a valid link"


def test_reported_view_without_a_view_or_bounds():
    assert links.reported_view(None) is None
    assert links.reported_view({"center": None, "zoom": 9}) is None
    view = links.reported_view({"center": {"lat": 51, "lng": 35}, "zoom": 9, "bounds": {}})
    assert view is not None and view.bounds is None


# --- the address is hostile input -------------------------------------------------------

#: What a link may carry instead of a value: none of it may raise, reach a page unescaped
#: or make a notice as long as itself.
HOSTILE = {
    "100 KB": "9" * 100_000,
    "NUL": "2024-08-10\x00",
    "script": "<script>alert(1)</script>",
    "NaN": "NaN",
    "1e999": "1e999",
    "-inf": "-inf",
    "image": "![b](http://127.0.0.1:8765/x.png)",
    "empty": "",
}
OFFER = links.Offer(
    LAYERS,
    DATES,
    event_layers={"Strikes"},
    stops=DATES[::3],
    tabs=("Area over time", "Downloads"),
    event_choices=Choices(["fire_detection", "strike"], ["claimed", "confirmed"], ["NASA FIRMS (satellite)"]),
)
#: One valid value of every parameter the app reads, against ``OFFER``.
VALID = {
    "date": "2024-08-10",
    "layers": "Kursk incursion",
    "center": "51.3,35.4",
    "zoom": "11",
    "mode": "present",
    "events": "Strikes",
    "window": "14",
    "change": "30 days before",
    "since": "2024-08-07",
    "left": "2024-08-06",
    "right": "2024-08-12",
    "chart_layer": "Occupied Ukraine",
    "chart_within": "inside Russia",
    "analysis": "Downloads",
    "event_kind": "fire_detection",
    "event_confidence": "claimed",
    "event_source": "NASA FIRMS (satellite)",
    "event_view": "density",
}


def test_every_parameter_has_a_valid_form_that_passes():
    assert set(VALID) == set(links.PARAMETERS)
    params = {key: [value] for key, value in VALID.items()} | {"embed": ["true"]}
    link = links.read_link(params, OFFER)
    assert link.notices == [] and link.params == params


#: Every parameter with every hostile value, except the two where an empty value is valid:
#: an empty mode is the full app, empty layers hide every layer (tested elsewhere).
CASES = [
    pytest.param(key, value, id=f"{name}-{key}")
    for name, value in HOSTILE.items()
    for key in links.PARAMETERS
    if not (key in ("mode", "layers") and value == "")
]


@pytest.mark.parametrize("key,value", CASES)
def test_a_hostile_value_is_dropped_with_a_short_notice_naming_the_parameter(key, value):
    link = links.read_link({key: [value], "embed": ["true"]}, OFFER)
    assert link.params == {"embed": ["true"]}, "the bad part dropped, the others kept"
    [notice] = link.notices
    assert notice.startswith("layer " if key == "layers" else f"{key} ")
    if key in links.MULTI_VALUED and key != "layers":
        assert notice.startswith(f"{key} {links.shown_value(value)[:40]}")
    assert "(not in this store)" in notice if key == "layers" else links.PARAMETERS[key] in notice
    assert len(notice) < 2 * links.SHOWN_CHARS + len(links.PARAMETERS[key]) + 40
    assert "\x00" not in notice and "\n" not in notice


@pytest.mark.parametrize("key", [key for key in links.PARAMETERS if key not in links.MULTI_VALUED])
def test_a_parameter_given_twice_is_dropped_even_when_both_are_valid(key):
    """Streamlit's bound widgets disagree on repeats (a selectbox takes the last value, a
    select slider none), so the link's part falls back to the default whatever they are."""
    link = links.read_link({key: [VALID[key], VALID[key]]}, OFFER)
    assert link.params == {}
    assert link.notices == [f"{key} is given 2 times (a link gives it once: {links.PARAMETERS[key]})"]


def test_repeated_layers_are_each_checked_and_a_long_list_is_cut():
    names = ["Kursk incursion", *(f"<b>{n}</b>" for n in range(1000))]
    link = links.read_link({"layers": names}, OFFER)
    assert link.params == {"layers": ["Kursk incursion"]}
    assert link.notices == ["layers '<b>0</b>', '<b>1</b>', '<b>2</b>' and 997 more (not in this store)"]


def test_a_long_value_is_quoted_cut_and_measured():
    assert links.shown_value("9" * 100_000) == f"'{'9' * links.SHOWN_CHARS}'… (100,000 characters)"
    assert links.shown_value("a\x00b") == "'a\\x00b'"
    assert links.shown_value("x" * links.SHOWN_CHARS) == repr("x" * links.SHOWN_CHARS)


@pytest.mark.parametrize(
    "text", ["20240810", "2024-W32-6", "2024-08-10\x00", " 2024-08-10", "٢٠٢٤-٠٨-١٠", "2024-02-30", "", None]
)
def test_parse_date_takes_only_the_form_a_link_writes(text):
    assert links.parse_date(text) is None


def test_parse_date_reads_the_form_a_link_writes():
    assert links.parse_date("2024-08-10") == dt.date(2024, 8, 10)


@pytest.mark.parametrize("center", ["nan,nan", "1e999,35", "51,-inf", "51.3,35.4\x00", "9" * 100_000])
def test_parse_view_refuses_what_is_not_finite_degrees(center):
    assert links.parse_view(center, "1e999")[:2] == (mapview.HOME_CENTER, mapview.HOME_ZOOM)


def test_no_layers_is_a_valid_link():
    assert links.read_link({"layers": [""]}, OFFER) == links.Link({"layers": [""]}, [])


def test_a_repeated_mode_is_no_mode():
    assert links.mode({"mode": ["present", "compare"]}) == ""


def test_event_filters_keep_the_values_this_layer_holds_and_name_the_rest():
    params = {"event_kind": ["strike", "<b>x</b>", "nothing"], "event_source": ["NASA FIRMS (satellite)"] * 2}
    link = links.read_link(params, OFFER)
    assert link.params == {"event_kind": ["strike"], "event_source": ["NASA FIRMS (satellite)"] * 2}
    [notice] = link.notices
    assert notice.startswith("event_kind '<b>x</b>', 'nothing' is not a kind of event")


def test_event_filters_are_not_checked_without_an_events_layer():
    offer = links.Offer(LAYERS, DATES)
    link = links.read_link({"event_source": ["anything"], "event_view": ["heat"]}, offer)
    assert link.params == {"event_source": ["anything"]}
    assert link.notices == ["event_view 'heat' is not one of auto, clusters, density, symbols"]
