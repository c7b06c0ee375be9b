"""Permalinks: what a link's query parameters ask for, and what this store cannot show.

The address bar is the link: ``?date=2024-11-25``, ``layers=`` (once per visible layer),
``center=51.2500,35.3000`` and ``zoom=10`` reopen the same view; the other choices (events,
change, chart, tab) travel the same way. The mode is the page (``/present``,
``/compare?left=…&right=…``); links made before the app had pages say ``?mode=present``
or ``?mode=compare`` and still open the same page (``mode``). A link that asks for what
this store cannot show opens on the default for that part, with a notice saying what was
wrong (``link_notices``), never an error.

Query parameters reach these functions as a mapping of each key to all of its values,
so nothing here depends on Streamlit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from .mapview import HOME_CENTER, HOME_ZOOM, MAX_ZOOM, MIN_ZOOM

__all__ = [
    "MODES",
    "VIEW_PARAMS",
    "Params",
    "ReportedView",
    "first",
    "link_notices",
    "mode",
    "parse_view",
    "reported_view",
    "share_link",
    "without",
]

#: A link's query parameters: each key with all of its values, in order.
Params = Mapping[str, Sequence[str]]

#: URL parameters of the map's view; the other view state lives in widgets bound to the URL.
VIEW_PARAMS = ("center", "zoom")
#: The modes a link may ask for with ``?mode=`` (links from before the app had pages).
MODES = {"": "the full app", "present": "presentation mode", "compare": "two dates side by side"}


def first(params: Params, key: str) -> str | None:
    """The first value of ``key`` in ``params``, or None."""
    values = params.get(key) or ()
    return values[0] if values else None


def mode(params: Params) -> str:
    """The mode a link asks for (``"present"``, ``"compare"``), or ``""`` for none or one
    this app does not have."""
    asked = first(params, "mode") or ""
    return asked if asked in MODES else ""


def parse_view(center: str | None, zoom: str | None) -> tuple[tuple[float, float], int, list[str]]:
    """The map view a link asks for, or the default view, and what was wrong with the link.

    Parameters
    ----------
    center : str or None
        ``"lat,lon"`` in degrees.
    zoom : str or None
        A whole number from ``MIN_ZOOM`` to ``MAX_ZOOM``.

    Returns
    -------
    tuple
        ``((lat, lon), zoom, problems)``: each part the link's if it is valid, else the
        map's home view, and one sentence per invalid part.
    """
    problems = []
    view_center, view_zoom = HOME_CENTER, HOME_ZOOM
    if center is not None:
        try:
            lat, lon = (float(part) for part in center.split(","))
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError
            view_center = (lat, lon)
        except ValueError:
            problems.append(f"center {center!r} is not “latitude,longitude” in degrees")
    if zoom is not None:
        try:
            value = int(zoom)
            if not MIN_ZOOM <= value <= MAX_ZOOM:
                raise ValueError
            view_zoom = value
        except ValueError:
            problems.append(f"zoom {zoom!r} is not a whole number from {MIN_ZOOM} to {MAX_ZOOM}")
    return view_center, view_zoom, problems


def link_notices(params: Params, territory_layers: Collection[str], dates: Sequence[dt.date]) -> list[str]:
    """What a link asks for that this store cannot show, one phrase each.

    Read once per session, before the widgets bound to the URL fall back to their
    defaults and drop what they cannot show.

    Parameters
    ----------
    params : Params
        The link's query parameters.
    territory_layers : collection of str
        The territory layers the store holds.
    dates : sequence of datetime.date
        The timeline's days, in order.
    """
    problems = []
    asked_date = first(params, "date")
    if asked_date is not None:
        try:
            asked = dt.date.fromisoformat(asked_date)
        except ValueError:
            problems.append(f"date {asked_date!r} is not a date like 2024-11-25")
        else:
            if asked not in dates:
                problems.append(f"date {asked} is outside the timeline ({dates[0]} to {dates[-1]})")
    unknown = [name for name in params.get("layers", ()) if name not in territory_layers]
    if unknown:
        names = ", ".join(repr(name) for name in unknown)
        problems.append(f"layer{'s' if len(unknown) > 1 else ''} {names} (not in this store)")
    asked_mode = first(params, "mode")
    if asked_mode is not None and asked_mode not in MODES:
        problems.append(f"mode {asked_mode!r} is not one this app has (present, compare)")
    _, _, view_problems = parse_view(first(params, "center"), first(params, "zoom"))
    return problems + view_problems


@dataclass(frozen=True)
class ReportedView:
    """The view a map reported, as a link writes it: ``center`` ``"lat,lon"`` to 4 decimals
    (about 10 m), a whole ``zoom``, and the bounds (west, south, east, north) when known."""

    center: str
    zoom: str
    bounds: tuple[float, float, float, float] | None


def reported_view(returned: Mapping[str, Any] | None) -> ReportedView | None:
    """The view in what the map component returned (Leaflet's ``center``, ``zoom`` and
    ``bounds``), or None when it has not reported one yet."""
    if not returned or not returned.get("center") or not returned.get("zoom"):
        return None
    bounds = None
    try:
        south_west, north_east = returned["bounds"]["_southWest"], returned["bounds"]["_northEast"]
        bounds = (
            float(south_west["lng"]),
            float(south_west["lat"]),
            float(north_east["lng"]),
            float(north_east["lat"]),
        )
    except (KeyError, TypeError, ValueError):
        pass
    center = f"{returned['center']['lat']:.4f},{returned['center']['lng']:.4f}"
    return ReportedView(center, str(int(returned["zoom"])), bounds)


def without(params: Params, *keys: str) -> dict[str, list[str]]:
    """``params`` without ``keys``, as a plain dict of lists."""
    return {key: list(values) for key, values in params.items() if key not in keys}


def share_link(base_url: str, params: Params) -> str:
    """The link to a view: ``base_url`` (any query it has is dropped) with ``params``,
    keys sorted and every value quoted; Streamlit's ``embed`` flag is left out."""
    base = base_url.split("?", 1)[0]
    query = "&".join(
        f"{quote(key)}={quote(value)}" for key in sorted(params) if key != "embed" for value in params[key]
    )
    return f"{base}?{query}" if query else base
