"""The vocabulary and the colours: one name for each side, status, event kind, border and age."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from layers import schema, style


def test_side_names_come_from_the_contract():
    assert style.SIDE_NAMES == {"UA": "Ukraine", "RU": "Russia"}
    assert set(style.SIDE_NAMES) == set(schema.SIDES)
    assert style.side_name("XX") == "XX", "an unknown code is shown as given"


@pytest.mark.parametrize(
    "held_by, status, expected",
    [
        ("UA", "held", "Held by Ukraine"),
        ("RU", "contested", "Contested (Russia side)"),
        ("RU", "claimed", "Claimed by Russia, unconfirmed"),
        ("UA", "other", "other (Ukraine)"),
    ],
)
def test_zone_labels(held_by, status, expected):
    assert style.zone_label(held_by, status) == expected


def test_a_key_with_one_grey_zone_names_no_side():
    assert style.zone_label("UA", "contested", name_contested_side=False) == "Contested (grey zone)"


def test_series_labels():
    assert style.series_label("UA", "held") == "Ukraine, held"


@pytest.mark.parametrize("days, words", [(0, "that day"), (1, "1 day earlier"), (31, "31 days earlier")])
def test_age_words(days, words):
    assert style.age_words(days) == words


def test_long_dates_have_no_leading_zero():
    assert style.long_date(dt.date(2024, 8, 6)) == "6 August 2024"


def test_every_event_kind_and_border_has_a_label():
    assert set(style.EVENT_KIND_LABELS) == set(schema.EVENT_KINDS)
    assert style.event_kind_label("unheard of") == "Other event"
    assert set(style.BORDER_LABELS) == {schema.ANYWHERE, "RUS", "UKR"}


def test_statuses_are_drawn_apart():
    held, contested, claimed = (style.territory_style("UA", s) for s in ("held", "contested", "claimed"))
    assert held["fillColor"] == style.SIDE_COLOURS["UA"] and "dashArray" not in held
    assert contested["fillColor"] == style.CONTESTED_COLOUR and contested["dashArray"]
    assert claimed["color"] == style.SIDE_COLOURS["UA"] and claimed["fillOpacity"] < held["fillOpacity"]
    assert style.side_colour("XX") == style.UNKNOWN_SIDE_COLOUR


def test_event_symbols_take_only_contract_values():
    html = style.event_icon_html("<script>", "confirmed")
    assert "<script>" not in html and "frontline-event-other" in html
    assert "dotted" in style.event_icon_html("strike", "disputed")


def test_the_legend_uses_the_vocabulary():
    labels = [label for _, label in style.legend_entries()]
    assert {"Held by Ukraine", "Held by Russia", "Contested (grey zone)"} <= set(labels)
    assert set(style.EVENT_KIND_LABELS.values()) <= set(labels)
    for swatch, _ in style.legend_entries():
        assert not re.search(r"<script|on\w+=", swatch)


def test_the_maps_density_steps_are_the_slides_colours_in_both_languages():
    import re

    from layers.render.events import DENSITY_RAMP
    from tests.conftest import ROOT

    source = (ROOT / "static" / "js" / "frontline" / "events.js").read_text(encoding="utf-8")
    block = source[source.index("export const DENSITY_STEPS") :].split("];", 1)[0]
    steps = tuple((int(n), colour) for n, colour in re.findall(r'\[(\d+), "(#[0-9a-f]{6})"\]', block))
    assert steps == style.EVENT_DENSITY_STEPS
    assert all(colour in DENSITY_RAMP for _, colour in steps)
    assert [n for n, _ in steps] == sorted(n for n, _ in steps)
