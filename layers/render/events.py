"""Events on slides and time-lapses: a symbol each when few, hexagonal density when many.

An events layer's events of the window ending at a frame's date (:func:`layers.events.window`)
are projected into the view and counted inside it. At most ``SYMBOLS_AT_MOST`` in view
(in every frame of a time-lapse): one symbol per event, coloured by kind as on the map
(``style.EVENT_COLOURS``), its fill by confidence, with a white halo, above the territory.
More: density, counted in hexagons of a round size (``HEX_SIZES_KM``, about
``HEXES_ACROSS`` across the map) on a grid anchored at the view's centre, and drawn with
a sequential ramp (``DENSITY_RAMP``, light to dark, so it reads in greyscale too), partly
transparent, under the territory's outlines drawn again, so the front line stays on top.

A time-lapse decides once for all its frames: one way of drawing, one hexagon size and
one colour scale (its top is the fullest hexagon of any frame), so frames compare.
Counting and binning are numpy over arrays; each way draws one matplotlib collection per
kind (symbols) or one in all (density), never an artist per event.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.colors import LinearSegmentedColormap, LogNorm, Normalize, to_rgba

from .. import style
from ..alttext import EventFacts, counted_kind, event_facts, event_kind_plural, is_illustrative
from ..credits import Credit
from ..errors import InvalidInputError, UnknownLayerError
from ..events import all_events, events_between, window
from ..hexbins import hex_bins, hexagon
from ..store import Store
from .data import plain_text
from .projection import View

__all__ = [
    "CONFIDENCE_FILL",
    "DENSITY_ALPHA",
    "DENSITY_RAMP",
    "HEXES_ACROSS",
    "HEX_SIZES_KM",
    "KIND_MARKERS",
    "MAX_WINDOW_DAYS",
    "SINGLE_ALPHA",
    "SOURCE_CHARS",
    "SYMBOLS_AT_MOST",
    "Density",
    "EventsReader",
    "EventsShown",
    "density_norm",
    "draw_events",
    "kind_words",
    "plan",
    "ramp",
    "source_words",
    "window_words",
]

#: Up to this many events in view, each is a symbol; more, and density is drawn.
SYMBOLS_AT_MOST = 150
#: Hexagon sizes (km across the flats) to choose from: round figures a legend can name.
HEX_SIZES_KM = (1, 2, 5, 10, 20, 50, 100, 200)
#: About this many hexagons across the map: fine enough to follow a front, coarse enough that
#: a week of detections piles up into readable counts rather than speckle.
HEXES_ACROSS = 24
#: Light yellow to dark purple (a cut of matplotlib's magma): lightness falls with the count,
#: so it reads in greyscale, and its dark end is neither side's blue nor red.
DENSITY_RAMP = ("#fcf4b6", "#fcc27a", "#f8815f", "#dd4968", "#a3307e", "#6a1c81", "#2d1160")
#: Density hexagons let the territory show through; a hexagon of one event is drawn lighter.
DENSITY_ALPHA = 0.72
SINGLE_ALPHA = 0.4
#: Matplotlib markers by kind, the shapes of the map's symbols (``style.EVENT_SYMBOLS``).
KIND_MARKERS = {"strike": "*", "troop_presence": "^", "other": "o", "fire_detection": "o"}
#: Face opacity by confidence: confirmed solid, claimed light, disputed hollow (white).
CONFIDENCE_FILL = {"confirmed": 1.0, "claimed": 0.35, "disputed": 0.0}
#: The longest window a slide counts events over.
MAX_WINDOW_DAYS = 366
#: A source's name is cut to this many characters in the key.
SOURCE_CHARS = 40


@dataclass(frozen=True)
class Density:
    """One hexagon grid and colour scale, shared by every frame of a slide or time-lapse."""

    hex_km: float
    #: The fullest hexagon over every frame: the top of the colour scale.
    most: int


@dataclass(frozen=True)
class EventsShown:
    """The events one frame shows: those of the window inside the view, in the view's metres."""

    layer: str
    start: dt.date
    end: dt.date
    x: np.ndarray
    y: np.ndarray
    kinds: np.ndarray
    confidences: np.ndarray
    #: ``(kind, count)``, most first (then by kind).
    counts: tuple[tuple[str, int], ...]
    #: ``(source, count)``, each source cut to ``SOURCE_CHARS``, most first.
    sources: tuple[tuple[str, int], ...]
    illustrative: bool
    #: Events of the window outside the view: not drawn, not counted above, said in the key.
    outside: int = 0
    #: None: a symbol per event; else the grid and scale of the density drawn.
    density: Density | None = None
    #: The events layer's source, licence and attribution (printed in the footer).
    credit: Credit = Credit()

    @property
    def total(self) -> int:
        return len(self.x)

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def facts(self) -> EventFacts:
        """What the alt text says of these events (:func:`layers.alttext.alt_text`)."""
        return event_facts(self.layer, self.start, self.end, self.kinds, self.illustrative)


def _cut(text: str, most: int) -> str:
    return text if len(text) <= most else f"{text[: most - 1].rstrip()}…"


def _tally(values: Sequence[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(Counter(values).items(), key=lambda item: (-item[1], item[0])))


class EventsReader:
    """An events layer's events, read once, and what each frame's window shows of them.

    Raises
    ------
    UnknownLayerError
        For a name the store does not hold, listing its events layers.
    InvalidInputError
        For a layer that is not of events, or a window outside 1 to ``MAX_WINDOW_DAYS`` days.
    """

    def __init__(self, store: Store, layer: str, window_days: int):
        infos = {info.name: info for info in store.layers()}
        known = ", ".join(repr(n) for n, info in infos.items() if info.kind == "events") or "none"
        if layer not in infos:
            raise UnknownLayerError(
                f"no events layer named {plain_text(layer)[:80]!r} in {store.display_url}; "
                f"events layers: {known}."
            )
        if infos[layer].kind != "events":
            raise InvalidInputError(
                f"layer {layer!r} holds {infos[layer].kind}, not events; give an events layer ({known})."
            )
        if not 1 <= int(window_days) <= MAX_WINDOW_DAYS:
            raise InvalidInputError(
                f"window of {window_days} days: give 1 to {MAX_WINDOW_DAYS} days (--window DAYS)."
            )
        self.layer, self.window_days = layer, int(window_days)
        self.illustrative = is_illustrative(infos[layer].description)
        self.credit = infos[layer].credit
        self.events = all_events(store, layer)

    def shown(self, as_of: dt.date, view: View) -> EventsShown:
        """The events of the window ending on ``as_of`` that fall inside ``view``, as symbols."""
        start, end = window(as_of, self.window_days)
        events = events_between(self.events, start, end)
        events = events[events.geometry.notna() & ~events.geometry.is_empty]
        if len(events):
            points = view.project(events.geometry.values)
            x, y = shapely.get_x(points), shapely.get_y(points)
        else:
            x = y = np.empty(0)
        x0, y0, x1, y1 = view.bounds_m
        inside = np.isfinite(x) & np.isfinite(y) & (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
        events = events[inside]
        # A kind outside the contract is drawn and counted as "other", as on the map.
        kinds = np.asarray([counted_kind(k) for k in events.get("kind", [])], dtype=object)
        confidences = np.asarray([str(c) for c in events.get("confidence", [""] * len(events))], dtype=object)
        sources = [
            _cut(part.strip(), SOURCE_CHARS)
            for value in events.get("source", [])
            for part in plain_text(value).split(";")
            if part.strip()
        ]
        return EventsShown(
            layer=self.layer,
            start=start,
            end=end,
            x=x[inside],
            y=y[inside],
            kinds=kinds,
            confidences=confidences,
            counts=_tally(list(kinds)),
            sources=_tally(sources),
            illustrative=self.illustrative,
            outside=int((~inside).sum()),
            credit=self.credit,
        )


def _hex_km(view: View) -> float:
    width_km = (view.bounds_m[2] - view.bounds_m[0]) / 1000
    target = width_km / HEXES_ACROSS
    return float(min(HEX_SIZES_KM, key=lambda size: abs(math.log(size / target))))


def plan(frames: Sequence[EventsShown], view: View) -> list[EventsShown]:
    """``frames`` with one way of drawing for all: symbols if none holds more than
    ``SYMBOLS_AT_MOST`` events in view, else density on one grid and one colour scale."""
    if not frames or max(f.total for f in frames) <= SYMBOLS_AT_MOST:
        return list(frames)
    hex_km = _hex_km(view)
    most = max((int(hex_bins(f.x, f.y, hex_km * 1000)[2].max(initial=0)) for f in frames), default=1)
    density = Density(hex_km, max(most, 1))
    return [replace(f, density=density) for f in frames]


def density_norm(density: Density) -> Normalize:
    """Counts to the ramp: logarithmic (a few hot spots hold most events), from 1 to the fullest hexagon."""
    if density.most <= 1:
        return Normalize(0, 1)
    return LogNorm(1, density.most)


def ramp() -> LinearSegmentedColormap:
    """``DENSITY_RAMP`` as a colour map."""
    return LinearSegmentedColormap.from_list("event-density", list(DENSITY_RAMP))


def window_words(start: dt.date, end: dt.date) -> str:
    """``"11–17 Aug 2025"``, ``"28 Jul – 3 Aug 2025"`` or ``"17 Aug 2025"`` for one day."""
    if start == end:
        return f"{end.day} {end:%b %Y}"
    if start.year != end.year:
        return f"{start.day} {start:%b %Y} – {end.day} {end:%b %Y}"
    if start.month != end.month:
        return f"{start.day} {start:%b} – {end.day} {end:%b %Y}"
    return f"{start.day}–{end.day} {end:%b %Y}"


def source_words(sources: Sequence[tuple[str, int]], most: int = 2) -> str:
    """``"Source: NASA FIRMS"`` or ``"Sources: A (12), B (3) and 4 more"``: each name already cut."""
    if not sources:
        return "Source: none given"
    if len(sources) == 1:
        return f"Source: {sources[0][0]}"
    named = ", ".join(f"{name} ({count:,})" for name, count in sources[:most])
    rest = len(sources) - most
    return f"Sources: {named}" + (f" and {rest} more" if rest > 0 else "")


def _symbols(ax: Axes, shown: EventsShown, unit: float) -> None:
    size_px = 15 * unit
    halo = [patheffects.withStroke(linewidth=3.2 * unit, foreground="white")]
    for kind, _ in sorted(shown.counts, key=lambda item: item[0]):
        mask = shown.kinds == kind
        colour = style.EVENT_COLOURS.get(kind, style.EVENT_COLOURS["other"])
        fill = np.asarray([CONFIDENCE_FILL.get(c, 1.0) for c in shown.confidences[mask]])
        base = np.asarray(to_rgba(colour))
        # Claimed: the colour thinned towards white; disputed: white inside a coloured ring.
        faces = np.ones((len(fill), 4))
        faces[:, :3] = 1 - fill[:, None] * (1 - base[:3])
        marker = KIND_MARKERS.get(kind, "o")
        area = (size_px * (1.35 if marker == "*" else 1.0) * 0.72) ** 2
        ax.scatter(
            shown.x[mask],
            shown.y[mask],
            s=area,
            marker=marker,
            c=faces,
            edgecolors=colour,
            linewidths=1.4 * unit,
            zorder=16,
            path_effects=halo,
            gid=f"events-{kind if kind in style.EVENT_COLOURS else 'other'}",
        )


def _density(ax: Axes, shown: EventsShown, density: Density, unit: float) -> None:
    width_m = density.hex_km * 1000
    cx, cy, counts = hex_bins(shown.x, shown.y, width_m)
    if not len(counts):
        return
    colours = ramp()(density_norm(density)(counts))
    colours[:, 3] = np.where(counts <= 1, SINGLE_ALPHA, DENSITY_ALPHA)
    corners = hexagon(width_m)
    polygons = np.stack([cx, cy], axis=1)[:, None, :] + corners[None, :, :]
    ax.add_collection(
        PolyCollection(
            polygons,
            facecolors=colours,
            edgecolors=(1, 1, 1, 0.5),
            linewidths=0.4 * unit,
            zorder=13,
            gid="events-density",
        )
    )


def draw_events(ax: Axes, shown: EventsShown, unit: float) -> None:
    """The frame's events on the map's Axes: symbols (zorder 16, over borders) or density (13)."""
    if shown.density is None:
        _symbols(ax, shown, unit)
    else:
        _density(ax, shown, shown.density, unit)


def kind_words(counts: Sequence[tuple[str, int]]) -> str:
    """``"Strikes (23), other events (2)"``."""
    words = ", ".join(f"{event_kind_plural(kind)} ({count:,})" for kind, count in counts)
    return words[:1].upper() + words[1:]
