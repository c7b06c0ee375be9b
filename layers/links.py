"""Permalinks: what a link's query parameters ask for, and what this store cannot show.

The address bar is the link: ``?date=2024-11-25``, ``layers=`` (once per visible layer),
``center=51.2500,35.3000`` and ``zoom=10`` reopen the same view; the other choices (events,
change, chart, tab) travel the same way. The mode is the page (``/present``,
``/compare?left=…&right=…``); links made before the app had pages say ``?mode=present``
or ``?mode=compare`` and still open the same page (``mode``). A link that asks for what
this store cannot show opens on the default for that part, with a notice saying what was
wrong (``read_link``), never an error.

The address is untrusted input: any parameter may be 100 KB long, hold NUL or markup,
``NaN`` or ``1e999``, or be given more than once. Each parameter has one form
(``PARAMETERS``); a value not in that form, or a parameter given more than once where a
link gives it once, is dropped with a notice that names the parameter, quotes the value
cut to ``SHOWN_CHARS`` and says what was expected. Query parameters reach these functions
as a mapping of each key to all of its values, so nothing here depends on Streamlit.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from .change import SINCE_CHOICES
from .events import DRAW_MODES, Choices
from .mapview import HOME_CENTER, HOME_ZOOM, MAX_ZOOM, MIN_ZOOM
from .style import BORDER_LABELS

__all__ = [
    "MODES",
    "MULTI_VALUED",
    "NO_EVENTS",
    "PARAMETERS",
    "SHOWN_CHARS",
    "VIEW_PARAMS",
    "WINDOW_CHOICES",
    "Link",
    "Offer",
    "Params",
    "ReportedView",
    "first",
    "link_notices",
    "mode",
    "parse_date",
    "parse_view",
    "read_link",
    "reported_view",
    "share_link",
    "shown_value",
    "without",
]

#: A link's query parameters: each key with all of its values, in order.
Params = Mapping[str, Sequence[str]]

#: URL parameters of the map's view; the other view state lives in widgets bound to the URL.
VIEW_PARAMS = ("center", "zoom")
#: The modes a link may ask for with ``?mode=`` (links from before the app had pages).
MODES = {"": "the full app", "present": "presentation mode", "compare": "two dates side by side"}
#: The events choice that shows none (``?events=(none)``).
NO_EVENTS = "(none)"
#: How many days of events the map may show, ending at the selected date (``?window=``).
WINDOW_CHOICES = (1, 3, 7, 14, 30)
#: Every parameter the app reads from the address and the form of its value; all but
#: ``layers`` are given at most once.
PARAMETERS = {
    "date": "a date like 2024-11-25",
    "layers": "a territory layer of this store, once per visible layer",
    "center": "“latitude,longitude” in degrees",
    "zoom": f"a whole number from {MIN_ZOOM} to {MAX_ZOOM}",
    "mode": "one this app has (present, compare)",
    "events": "an events layer of this store, or (none)",
    "window": f"one of {', '.join(map(str, WINDOW_CHOICES))} (days)",
    "change": f"one of {', '.join(SINCE_CHOICES)}",
    "since": "a date like 2024-11-25",
    "left": "a snapshot date of the layers shown, like 2024-11-25",
    "right": "a snapshot date of the layers shown, like 2024-11-25",
    "chart_layer": "a territory layer of this store",
    "chart_within": f"one of {', '.join(BORDER_LABELS.values())}",
    "analysis": "the name of a tab under the map",
    "event_kind": "a kind of event the events layer holds, once per kind",
    "event_confidence": "a confidence the events layer holds (confirmed, claimed, disputed), once per value",
    "event_source": "a source of the events layer, once per source",
    "event_view": f"one of {', '.join(DRAW_MODES)}",
}
#: Parameters a link may give once per value (the others: at most once).
MULTI_VALUED = ("layers", "event_kind", "event_confidence", "event_source")
#: How much of a bad value a notice quotes.
SHOWN_CHARS = 80


def first(params: Params, key: str) -> str | None:
    """The first value of ``key`` in ``params``, or None."""
    values = params.get(key) or ()
    return values[0] if values else None


def mode(params: Params) -> str:
    """The mode a link asks for (``"present"``, ``"compare"``), or ``""`` for none, one
    this app does not have, or more than one."""
    values = params.get("mode") or ()
    return values[0] if len(values) == 1 and values[0] in MODES else ""


def shown_value(value: str) -> str:
    """``value`` quoted for a notice: control characters (NUL, newlines) written as
    escapes, and cut to ``SHOWN_CHARS`` with its length when longer.

    The notice is still Markdown to escape where it is shown; this only keeps a 100 KB
    parameter from becoming a 100 KB notice.
    """
    if len(value) <= SHOWN_CHARS:
        return repr(value)
    return f"{value[:SHOWN_CHARS]!r}… ({len(value):,} characters)"


def parse_date(text: str | None) -> dt.date | None:
    """The date ``text`` names as ``YYYY-MM-DD`` (the only form a link writes), or None.

    Stricter than ``date.fromisoformat``, which also takes ``20241125`` and ``2024-W48-1``:
    the widgets bound to the URL match the option's text exactly.
    """
    if text is None or not _ISO_DATE.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def parse_view(center: str | None, zoom: str | None) -> tuple[tuple[float, float], int, list[str]]:
    """The map view a link asks for, or the default view, and what was wrong with the link.

    Parameters
    ----------
    center : str or None
        ``"lat,lon"`` in degrees (finite: ``nan`` and ``1e999`` are not).
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
            # Comparisons with nan are false, so nan fails these too.
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                raise ValueError
            view_center = (lat, lon)
        except ValueError:
            problems.append(f"center {shown_value(center)} is not {PARAMETERS['center']}")
    if zoom is not None:
        try:
            # int() refuses "1e999", "nan" and more than 4300 digits with ValueError.
            value = int(zoom)
            if not MIN_ZOOM <= value <= MAX_ZOOM:
                raise ValueError
            view_zoom = value
        except ValueError:
            problems.append(f"zoom {shown_value(zoom)} is not {PARAMETERS['zoom']}")
    return view_center, view_zoom, problems


@dataclass(frozen=True)
class Offer:
    """What this app and store can show, to check a link against.

    ``dates`` are the timeline's days in order; ``stops`` the snapshot dates side by side
    offers; ``tabs`` the tabs under the map. A part left None is not checked.
    """

    territory_layers: Collection[str]
    dates: Sequence[dt.date]
    event_layers: Collection[str] | None = None
    stops: Collection[dt.date] | None = None
    tabs: Collection[str] | None = None
    event_choices: Choices | None = None


@dataclass(frozen=True)
class Link:
    """A link, checked: ``params`` without what this store cannot show (and with the
    parameters the app does not read left as they were), and one phrase per part dropped."""

    params: dict[str, list[str]]
    notices: list[str]


def read_link(params: Params, offer: Offer) -> Link:
    """What a link asks for that this store can show, and a notice for the rest.

    Parameters
    ----------
    params : Params
        The link's query parameters, each key with all of its values.
    offer : Offer
        What the app and store can show.

    Returns
    -------
    Link
        The parameters to open the page with, and for each one dropped, a phrase naming
        the parameter, the value (``shown_value``) and the form expected
        (``PARAMETERS``). ``layers`` keeps the names this store has.
    """
    kept = without(params)
    notices = []
    for key, form in PARAMETERS.items():
        values = list(params.get(key) or ())
        if not values:
            continue
        if key == "layers":
            if values == [""]:
                continue  # ``?layers=``: the reader hid every layer (Streamlit writes it so).
            unknown = [name for name in values if name not in offer.territory_layers]
            if unknown:
                notices.append(_unknown_layers(unknown))
                kept[key] = [name for name in values if name in offer.territory_layers]
                if not kept[key]:
                    del kept[key]
            continue
        if key in MULTI_VALUED:
            allowed = _multi_allowed(key, offer)
            wrong = [value for value in values if allowed is not None and value not in allowed]
            if wrong:
                notices.append(_not_these(key, wrong, form))
                kept[key] = [value for value in values if value not in wrong]
                if not kept[key]:
                    del kept[key]
            continue
        if len(values) > 1:
            problem: str | None = f"{key} is given {len(values)} times (a link gives it once: {form})"
        else:
            problem = _problem(key, values[0], offer)
        if problem is not None:
            notices.append(problem)
            del kept[key]
    return Link(kept, notices)


def link_notices(params: Params, territory_layers: Collection[str], dates: Sequence[dt.date]) -> list[str]:
    """What a link asks for that this store cannot show, one phrase each (``read_link``
    with only the layers and the timeline known)."""
    return read_link(params, Offer(territory_layers, dates)).notices


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: How many unknown layer names a notice lists.
_SHOWN_LAYERS = 3


def _problem(key: str, value: str, offer: Offer) -> str | None:
    """What is wrong with ``value`` as the one value of parameter ``key``, or None."""
    bad = f"{key} {shown_value(value)} is not {PARAMETERS[key]}"
    if key in ("date", "since"):
        asked = parse_date(value)
        if asked is None:
            return bad
        if offer.dates and asked not in offer.dates:
            return f"{key} {asked} is outside the timeline ({offer.dates[0]} to {offer.dates[-1]})"
        return None
    if key in ("left", "right"):
        stop = parse_date(value)
        if stop is None or (offer.stops is not None and stop not in offer.stops):
            return bad
        return None
    if key == "center":
        return next(iter(parse_view(value, None)[2]), None)
    if key == "zoom":
        return next(iter(parse_view(None, value)[2]), None)
    allowed: Collection[str] | None = {
        "mode": MODES,
        "events": None if offer.event_layers is None else [NO_EVENTS, *offer.event_layers],
        "window": [str(days) for days in WINDOW_CHOICES],
        "change": SINCE_CHOICES,
        "chart_layer": offer.territory_layers,
        "chart_within": list(BORDER_LABELS.values()),
        "analysis": offer.tabs,
        "event_view": list(DRAW_MODES),
    }[key]
    return bad if allowed is not None and value not in allowed else None


def _multi_allowed(key: str, offer: Offer) -> Collection[str] | None:
    """The values a multi-valued parameter may take in this store; None: not checked."""
    choices = offer.event_choices
    if choices is None:
        return None
    return {"event_kind": choices.kinds, "event_confidence": choices.confidences}.get(key, choices.sources)


def _not_these(key: str, wrong: Sequence[str], form: str) -> str:
    shown = ", ".join(shown_value(value) for value in wrong[:_SHOWN_LAYERS])
    more = f" and {len(wrong) - _SHOWN_LAYERS:,} more" if len(wrong) > _SHOWN_LAYERS else ""
    return f"{key} {shown}{more} is not {form}"


def _unknown_layers(unknown: Sequence[str]) -> str:
    names = ", ".join(shown_value(name) for name in unknown[:_SHOWN_LAYERS])
    more = f" and {len(unknown) - _SHOWN_LAYERS:,} more" if len(unknown) > _SHOWN_LAYERS else ""
    return f"layer{'s' if len(unknown) > 1 else ''} {names}{more} (not in this store)"


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
