"""The reader's settings, one builder for the app's component and the published site."""

from __future__ import annotations

import json

from layers import style
from layers.mapview import HOME_CENTER, HOME_ZOOM, ONLINE_TILES
from layers.mapview.reader import reader_settings


def _settings(**overrides):
    base = {
        "static": "assets/abc",
        "pack": "data/",
        "date": "2024-11-25",
        "layers": ("Kursk incursion",),
        "events": None,
        "window_days": 7,
        "view": None,
    }
    return reader_settings(**{**base, **overrides})


def test_the_settings_are_json_with_every_key_the_reader_reads():
    settings = _settings()
    assert json.loads(json.dumps(settings)) == settings
    assert settings["home"] == {"center": list(HOME_CENTER), "zoom": HOME_ZOOM}
    assert settings["layers"] == ["Kursk incursion"]
    assert settings["event_colours"] == style.EVENT_COLOURS
    assert settings["change"] == {"date": "2024-11-25", "features": []}
    assert {"UA|gained", "RU|lost", "?|gained"} <= settings["change_styles"].keys()


def test_online_tiles_are_an_option_the_site_can_leave_out():
    assert _settings()["tiles"].keys() == ONLINE_TILES.keys()
    assert _settings(tiles=False)["tiles"] == {}


def test_a_change_is_passed_on_as_given():
    change = {"date": "2024-11-25", "features": [{"type": "Feature"}]}
    assert _settings(change=change)["change"] is change
