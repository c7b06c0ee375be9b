"""Permalinks without Streamlit: what a link asks for, what is wrong with it, how a view is written."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from layers import links, mapview

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
