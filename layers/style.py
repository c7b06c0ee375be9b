"""Colours and symbols per side, status, event kind and confidence.

Kept apart from the data binding (``mapview``) so the map, the legend and the PNG
export draw the same thing. Held ground is filled in the side's colour; contested
ground is grey with a dashed edge; claimed ground is only outlined, dashed, in the
claiming side's colour.
"""

from __future__ import annotations

from . import schema

SIDE_COLOURS = {"UA": "#1f5fbf", "RU": "#c62828"}
UNKNOWN_SIDE_COLOUR = "#6b6b6b"
CONTESTED_COLOUR = "#7a7a7a"

EVENT_SYMBOLS = {"strike": "✷", "troop_presence": "▲", "other": "●"}
EVENT_COLOURS = {"strike": "#d35400", "troop_presence": "#6a1b9a", "other": "#37474f"}
CONFIDENCE_BORDERS = {"confirmed": "solid", "claimed": "dashed", "disputed": "dotted"}

BASEMAP = {
    "sea": "#dde8f0",
    "land": "#f4f2ec",
    "land_focus": {"UKR": "#fbf7e4", "RUS": "#efece6"},
    "border": "#8a8a8a",
    "label": "#333333",
}


def side_colour(side: str) -> str:
    return SIDE_COLOURS.get(side, UNKNOWN_SIDE_COLOUR)


def territory_style(held_by: str, status: str) -> dict:
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
    entries = []
    for side, name in (("UA", "Ukraine"), ("RU", "Russia")):
        s = territory_style(side, "held")
        entries.append(
            (
                f'<span class="sw" style="background:{s["fillColor"]};opacity:.75;border:1px solid {s["color"]}"></span>',
                f"Held by {name}",
            )
        )
    s = territory_style("UA", "contested")
    entries.append(
        (
            f'<span class="sw" style="background:{s["fillColor"]};opacity:.6;border:1px dashed {s["color"]}"></span>',
            "Contested / grey zone",
        )
    )
    claimed = "".join(
        f'<span class="sw" style="width:8px;border:2px dashed {territory_style(side, "claimed")["color"]}"></span>'
        for side in ("UA", "RU")
    )
    entries.append((claimed, "Claimed, unconfirmed (outline)"))
    for kind, label in (("strike", "Strike"), ("troop_presence", "Troop presence"), ("other", "Other event")):
        entries.append((event_icon_html(kind, "confirmed"), label))
    entries.append(
        ('<span class="conf">solid · dashed · dotted ring</span>', "confirmed · claimed · disputed")
    )
    return entries
