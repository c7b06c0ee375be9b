"""The reader's settings: what ``static/js/frontline/reader.js`` is given to draw a timeline.

One function builds them for the app's component (``views/readermap.py``) and for the
published site (:mod:`layers.publish`), so that both readers draw alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import style
from .basemap import ATTRIBUTION, ONLINE_TILES
from .display import HOME_CENTER, HOME_ZOOM, MAX_ZOOM, MIN_ZOOM, change_style

__all__ = ["reader_settings"]


def reader_settings(
    *,
    static: str,
    pack: str,
    date: str | None,
    layers: Sequence[str],
    events: str | None,
    window_days: int,
    view: dict[str, Any] | None,
    change: dict[str, Any] | None = None,
    tiles: bool = True,
    illustrative: Sequence[str] = (),
    event_filter: dict[str, Any] | None = None,
    event_view: str = "auto",
    credits: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The reader's settings (JSON).

    Parameters
    ----------
    static : str
        URL of the folder holding ``js/frontline``, ``vendor/leaflet`` and ``basemap``.
    pack : str
        URL of the timeline pack's folder, ending with ``/``.
    date : str or None
        The day to open on (``YYYY-MM-DD``); None: the last.
    layers, events, window_days
        Visible territory layers, the events layer (or None) and the events' window.
    view : dict or None
        ``{"center": [lat, lon], "zoom": z}`` to open on; None: the home view.
    change : dict, optional
        The change drawn over the territory (``{"date", "features"}``).
    tiles : bool
        Whether online tiles are offered in the layer switcher (an option, never needed).
    illustrative : sequence of str
        Layers drawn by the project, not a source (``alttext.is_illustrative``): the
        header labels each one shown.
    event_filter : dict, optional
        ``{"kinds", "confidences", "sources"}``: the events shown (an empty list: every one).
    event_view : str
        How events are drawn (``events.DRAW_MODES``; ``static/js/frontline/events.js``).
    credits : sequence of dict
        The shown layers' credits (:func:`layers.attribution.credit_records`): the map's
        attribution prints each line as text beside the basemap's (``credits.js``).
    """
    return {
        "static": static,
        "pack": pack,
        "date": date,
        "layers": list(layers),
        "illustrative": list(illustrative),
        "events": events,
        "window_days": window_days,
        "event_filter": dict(event_filter or {}),
        "event_view": event_view,
        "view": view,
        "home": {"center": list(HOME_CENTER), "zoom": HOME_ZOOM},
        "min_zoom": MIN_ZOOM,
        "max_zoom": MAX_ZOOM,
        "event_colours": style.EVENT_COLOURS,
        "strip_colours": {
            "snapshots": style.SNAPSHOT_COLOUR,
            "milestones": style.MILESTONE_COLOUR,
            "events": style.EVENT_COLOURS["strike"],
        },
        "basemap": dict(style.BASEMAP),
        "dark": {"basemap": dict(style.BASEMAP_DARK), "colours": dict(style.DARK_COLOURS)},
        "tiles": {name: list(spec) for name, spec in ONLINE_TILES.items()} if tiles else {},
        "attribution": ATTRIBUTION,
        "credits": [dict(record) for record in credits],
        "change": change or {"date": date, "features": []},
        "change_styles": {
            f"{side}|{kind}": change_style(side, kind)
            for side in (*style.SIDE_COLOURS, "?")
            for kind in ("gained", "lost")
        },
    }
