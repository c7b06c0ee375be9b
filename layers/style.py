"""The vocabulary and the colours: what a side, a status, an event kind, a border and a
snapshot's age are called, and how each is drawn.

Defined once here and used by the app, the map, the charts, the slides and the CSV
labels, so that all of them say and draw the same thing. Names come from the data
contract (``schema``). Kept apart from the data binding (``mapview``): held ground is
filled in the side's colour; contested ground is grey with a dashed edge; claimed
ground is only outlined, dashed, in the claiming side's colour.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import TypedDict

from . import schema

__all__ = [
    "BASEMAP",
    "BASEMAP_DARK",
    "BasemapColours",
    "BORDER_LABELS",
    "CONFIDENCE_BORDERS",
    "CONTESTED_COLOUR",
    "DARK_COLOURS",
    "EVENT_COLOURS",
    "EVENT_DENSITY_STEPS",
    "EVENT_KIND_LABELS",
    "EVENT_SYMBOLS",
    "MILESTONE_COLOUR",
    "SELECTED_DATE_COLOUR",
    "SIDE_COLOURS",
    "SIDE_NAMES",
    "SNAPSHOT_COLOUR",
    "UNKNOWN_SIDE_COLOUR",
    "age_words",
    "event_icon_html",
    "event_kind_label",
    "legend_entries",
    "long_date",
    "series_label",
    "side_colour",
    "side_name",
    "territory_style",
    "zone_label",
]


def side_name(side: str) -> str:
    """A side's name for a reader, from the data contract ("UA" -> "Ukraine"); unknown codes as given."""
    return schema.SIDES.get(side, side).partition(" (")[0]


#: Each side's name for a reader, by its code in the contract.
SIDE_NAMES = {code: side_name(code) for code in schema.SIDES}


def zone_label(held_by: str, status: str, *, name_contested_side: bool = True) -> str:
    """What a zone is, in words: "Held by Ukraine", "Contested (Ukraine side)",
    "Claimed by Russia, unconfirmed". ``name_contested_side=False``: "Contested (grey
    zone)", for a key where one side's grey zone needs no side."""
    name = side_name(held_by)
    if status == "held":
        return f"Held by {name}"
    if status == "contested":
        return f"Contested ({name} side)" if name_contested_side else "Contested (grey zone)"
    if status == "claimed":
        return f"Claimed by {name}, unconfirmed"
    return f"{status} ({name})"


def series_label(held_by: str, status: str) -> str:
    """A side and status as a table row or chart series: "Ukraine, held"."""
    return f"{side_name(held_by)}, {status}"


#: What each kind of event is called on the map, its legend and in tooltips.
EVENT_KIND_LABELS = {
    "strike": "Strike",
    "troop_presence": "Troop presence",
    "fire_detection": "Fire detection",
    "other": "Other event",
}


def event_kind_label(kind: str) -> str:
    """An event kind's label; any kind outside the contract is an "Other event"."""
    return EVENT_KIND_LABELS.get(kind, EVENT_KIND_LABELS["other"])


#: Where an area is measured: unclipped (``schema.ANYWHERE``) or inside a country's border.
BORDER_LABELS = {schema.ANYWHERE: "total (unclipped)", "RUS": "inside Russia", "UKR": "inside Ukraine"}


def age_words(days: int) -> str:
    """How old the snapshot shown is against the date asked for: "that day", "1 day
    earlier", "31 days earlier"."""
    if days == 0:
        return "that day"
    return "1 day earlier" if days == 1 else f"{days} days earlier"


def long_date(day: dt.date) -> str:
    """``6 August 2024``: no leading zero, English month names whatever the locale."""
    if calendar.month_name[1] != "January":
        return day.isoformat()
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


SIDE_COLOURS = {"UA": "#1f5fbf", "RU": "#c62828"}
UNKNOWN_SIDE_COLOUR = "#6b6b6b"
CONTESTED_COLOUR = "#7a7a7a"

EVENT_SYMBOLS = {"strike": "✷", "troop_presence": "▲", "fire_detection": "◆", "other": "●"}
EVENT_COLOURS = {
    "strike": "#d35400",
    "troop_presence": "#6a1b9a",
    "fire_detection": "#e0a100",
    "other": "#37474f",
}
#: The density drawing of dense events on the maps: lower bounds of events in a hexagon
#: and their colours, from the slides' ramp (``render.events.DENSITY_RAMP``, light yellow
#: to dark purple: lightness falls with the count). Fixed classes, so that dates compare.
#: ``static/js/frontline/events.js`` holds the same steps (a test checks).
EVENT_DENSITY_STEPS = ((1, "#fcf4b6"), (3, "#fcc27a"), (10, "#f8815f"), (30, "#a3307e"), (100, "#2d1160"))
CONFIDENCE_BORDERS = {"confirmed": "solid", "claimed": "dashed", "disputed": "dotted"}
#: The timeline strip's marks and the charts' selected-date rule.
SNAPSHOT_COLOUR = "#1f5fbf"
MILESTONE_COLOUR = "#6a1b9a"
SELECTED_DATE_COLOUR = "#c62828"


class BasemapColours(TypedDict):
    """The offline basemap's colours: sea, land, a tint per focus country, borders, labels."""

    sea: str
    land: str
    land_focus: dict[str, str]
    border: str
    label: str


BASEMAP: BasemapColours = {
    "sea": "#dde8f0",
    "land": "#f4f2ec",
    "land_focus": {"UKR": "#fbf7e4", "RUS": "#efece6"},
    "border": "#8a8a8a",
    "label": "#333333",
}


#: The basemap of the reader's dark theme (the published site's ``?theme=dark``).
BASEMAP_DARK: BasemapColours = {
    "sea": "#16202a",
    "land": "#2c2f34",
    "land_focus": {"UKR": "#34332b", "RUS": "#303033"},
    "border": "#70757d",
    "label": "#c9ccd1",
}

#: Each colour above as the dark theme draws it: lighter, so that outlines keep at least
#: 3.9:1 against the dark land (WCAG's 3:1 for graphics; the light theme's are 4.8 to 5.7)
#: and fills read as they do on the light basemap.
DARK_COLOURS = {
    SIDE_COLOURS["UA"]: "#5b9bff",
    SIDE_COLOURS["RU"]: "#ff6b5e",
    CONTESTED_COLOUR: "#a3a3a3",
    UNKNOWN_SIDE_COLOUR: "#9a9a9a",
    EVENT_COLOURS["strike"]: "#ff8c42",
    EVENT_COLOURS["troop_presence"]: "#c792ea",
    EVENT_COLOURS["fire_detection"]: "#ffc940",
    EVENT_COLOURS["other"]: "#b0bec5",
    "#ffffff": "#111317",
}


def side_colour(side: str) -> str:
    """A side's colour; grey for a code outside the contract."""
    return SIDE_COLOURS.get(side, UNKNOWN_SIDE_COLOUR)


def territory_style(held_by: str, status: str) -> dict[str, str | float]:
    """Leaflet path options for a territory feature."""
    colour = side_colour(held_by)
    if status == "held":
        return {"color": colour, "weight": 1.5, "fillColor": colour, "fillOpacity": 0.38, "opacity": 0.9}
    if status == "contested":
        return {
            "color": CONTESTED_COLOUR,
            "weight": 1.2,
            "dashArray": "4 3",
            "fillColor": CONTESTED_COLOUR,
            "fillOpacity": 0.32,
            "opacity": 0.9,
        }
    return {
        "color": colour,
        "weight": 2.2,
        "dashArray": "7 5",
        "fillColor": colour,
        "fillOpacity": 0.04,
        "opacity": 1.0,
    }


def event_icon_html(kind: str, confidence: str) -> str:
    """Markup of an event's map symbol; built only from contract values, never from input text."""
    symbol = EVENT_SYMBOLS.get(kind, EVENT_SYMBOLS["other"])
    colour = EVENT_COLOURS.get(kind, EVENT_COLOURS["other"])
    border = CONFIDENCE_BORDERS.get(confidence, "solid")
    return (
        f'<div class="frontline-event frontline-event-{kind if kind in schema.EVENT_KINDS else "other"}" '
        f'style="background:{colour};border:2px {border} #fff;box-shadow:0 0 0 1px {colour};">{symbol}</div>'
    )


def legend_entries() -> list[tuple[str, str]]:
    """(swatch markup, label) pairs for the map legend, from the contract's values."""
    entries: list[tuple[str, str]] = []
    for side in ("UA", "RU"):
        s = territory_style(side, "held")
        entries.append(
            (
                f'<span class="sw" style="background:{s["fillColor"]};opacity:.75;'
                f'border:1px solid {s["color"]}"></span>',
                zone_label(side, "held"),
            )
        )
    s = territory_style("UA", "contested")
    entries.append(
        (
            f'<span class="sw" style="background:{s["fillColor"]};opacity:.6;'
            f'border:1px dashed {s["color"]}"></span>',
            zone_label("UA", "contested", name_contested_side=False),
        )
    )
    claimed = "".join(
        '<span class="sw" style="width:8px;border:2px dashed '
        f'{territory_style(side, "claimed")["color"]}"></span>'
        for side in ("UA", "RU")
    )
    entries.append((claimed, "Claimed, unconfirmed (outline)"))
    for kind in schema.EVENT_KINDS:
        entries.append((event_icon_html(kind, "confirmed"), event_kind_label(kind)))
    entries.append(
        ('<span class="conf">solid · dashed · dotted ring</span>', "confirmed · claimed · disputed")
    )
    return entries
