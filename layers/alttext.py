"""Alt text for a map image or an embedded map, written from the stored areas.

An article that embeds the map, or its static image, needs a text alternative that says
what the map shows, not "map of Kursk". :func:`alt_text` writes it from the area series
(:meth:`Store.area_series`) of the layers shown, for one date: for each layer, the
latest snapshot on or before the date, the ground each side *held* on it (contested and
claimed ground are left out: the text is short), the peak of that side's held ground up
to the snapshot and how far below it the date is:

    Map of Kursk incursion on 25 November 2024: Ukraine held 519 km² inside Russia, 28 %
    less than its mapped peak of 719 km² (27 August 2024). Illustrative data.

The region is named from the series' borders: when at least ``WITHIN_SHARE`` of a side's
held ground, summed over every snapshot of the layer, lies inside one country's border (a
``within`` the layer's areas are clipped to), the text gives the clipped figures and says
"inside Russia"; otherwise the unclipped totals and no region. A snapshot older than the
date is named ("snapshot of …"), with "stale" once it is older than the reader's stale
threshold (:func:`layers.mapview.pack.stale_days`). A layer whose description begins with
"Illustrative" (how the embedded default data marks itself, ``geodata/manifest.json``)
says "Illustrative data". The text stays under ``MAX_CHARS``: peaks are dropped before
anything is cut.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from .mapview.pack import stale_days
from .schema import ANYWHERE, EVENT_KINDS
from .style import BORDER_LABELS, long_date, side_name

__all__ = [
    "EVENT_KIND_WORDS",
    "ILLUSTRATIVE_NOTE",
    "LAYER_NAME_CHARS",
    "MAX_CHARS",
    "WITHIN_SHARE",
    "EventFacts",
    "Holding",
    "LayerFacts",
    "alt_text",
    "counted_kind",
    "event_count_words",
    "event_facts",
    "event_kind_plural",
    "events_clause",
    "holdings",
    "illustrative_label",
    "is_illustrative",
]

#: Alt text is read aloud in full: screen-reader guidance keeps it to a short paragraph.
MAX_CHARS = 250
#: Share of a side's held ground that must lie inside one border for the text to name it.
WITHIN_SHARE = 0.9
#: A layer name is cut to this many characters in the text.
LAYER_NAME_CHARS = 60
#: What an illustrative layer is, in exports beside ``illustrative: true``.
ILLUSTRATIVE_NOTE = "hand-drawn by the project from public reporting: not survey data, not a source"


def is_illustrative(description: str) -> bool:
    """Whether a layer with this description is illustrative: drawn, not a source.

    The one rule for every place that says so (the alt text, the published site, the
    app's map, slides and exports): the description begins with "Illustrative", as the
    embedded demo's do (``geodata/manifest.json``).
    """
    return str(description or "").strip().lower().startswith("illustrative")


def illustrative_label(name: str) -> str:
    """The label an illustrative layer carries on the map and on slides."""
    return f"Illustrative layer: {name} \u2014 hand-drawn, not a source"


#: Each event kind counted in words, singular and plural; any other kind is an "other event".
EVENT_KIND_WORDS = {
    "strike": ("strike", "strikes"),
    "troop_presence": ("troop presence report", "troop presence reports"),
    "fire_detection": ("fire detection", "fire detections"),
    "other": ("other event", "other events"),
}


def counted_kind(kind: object) -> str:
    """The kind an event is counted and drawn as: its own if the contract or ``EVENT_KIND_WORDS``
    knows it, else ``"other"`` (as the map does)."""
    text = str(kind)
    return text if text in EVENT_KIND_WORDS or text in EVENT_KINDS else "other"


def event_kind_plural(kind: str) -> str:
    """``"strikes"``, ``"fire detections"``: how a count of this kind is named."""
    return EVENT_KIND_WORDS.get(kind, EVENT_KIND_WORDS["other"])[1]


def event_count_words(kind: str, count: int) -> str:
    """``"1 strike"``, ``"2,312 fire detections"``."""
    singular, plural = EVENT_KIND_WORDS.get(kind, EVENT_KIND_WORDS["other"])
    return f"{count:,} {singular if count == 1 else plural}"


@dataclass(frozen=True)
class EventFacts:
    """The events a picture shows: its layer, the window's days and the count of each kind."""

    layer: str
    start: dt.date
    end: dt.date
    #: ``(kind, count)``, in the order to name them.
    counts: tuple[tuple[str, int], ...]
    illustrative: bool = False


def event_facts(
    layer: str, start: dt.date, end: dt.date, kinds: Iterable[object], illustrative: bool = False
) -> EventFacts:
    """The facts of the events of ``kinds`` (one value per event), counted by kind, most first."""
    tally = Counter(counted_kind(kind) for kind in kinds)
    counts = tuple(sorted(tally.items(), key=lambda item: (-item[1], item[0])))
    return EventFacts(layer, start, end, counts, illustrative)


def events_clause(events: EventFacts, *, by_kind: bool = True) -> str:
    """``"Events of Strikes from 19 to 25 November 2024: 3 strikes, 1 other event."``"""
    days = (events.end - events.start).days + 1
    when = f"on {long_date(events.end)}" if days == 1 else f"in the {days} days to {long_date(events.end)}"
    total = sum(count for _, count in events.counts)
    if not total:
        return f"No events of {_name(LayerFacts(events.layer, ()))} {when}."
    what = (
        ", ".join(event_count_words(kind, count) for kind, count in events.counts)
        if by_kind
        else f"{total:,} events"
    )
    return f"Events of {_name(LayerFacts(events.layer, ()))} {when}: {what}."


@dataclass(frozen=True)
class LayerFacts:
    """What the text needs to know of a layer besides its areas.

    Attributes
    ----------
    name : str
    snapshot_dates : sequence of datetime.date
        Every snapshot date of the layer (an empty snapshot has no area rows, so the
        series alone cannot say which snapshot a date shows).
    description : str
        The layer's description; one beginning with "Illustrative" marks drawn data.
    held_names : tuple of (str, str)
        ``(side, words)``: what a side's held ground is called instead of "<side> held",
        for a layer with a mapping project's categories, e.g. ``("UA", "retaken
        (DeepStateMap 'liberated')")`` (``layers.categories``); DeepStateMap's
        "liberated" is not all the ground Ukraine holds.
    """

    name: str
    snapshot_dates: tuple[dt.date, ...]
    description: str = ""
    held_names: tuple[tuple[str, str], ...] = ()

    @property
    def illustrative(self) -> bool:
        return is_illustrative(self.description)

    def snapshot_on(self, as_of: dt.date) -> dt.date | None:
        """The latest snapshot date on or before ``as_of``, or None."""
        return max((day for day in self.snapshot_dates if day <= as_of), default=None)


@dataclass(frozen=True)
class Holding:
    """The ground one side held on one layer's snapshot, and its peak up to then.

    ``within`` is the border the figures are clipped to (``""``: unclipped);
    ``peak_on`` the first snapshot date with ``peak_km2``.
    """

    side: str
    within: str
    area_km2: float
    peak_km2: float
    peak_on: dt.date


def _held(series: pd.DataFrame, layer: str) -> pd.DataFrame:
    """km² held per snapshot date, side and border of ``layer``."""
    rows = series[(series["layer"] == layer) & (series["status"] == "held")]
    return rows.groupby(["as_of", "held_by", "within"], as_index=False).agg(area_km2=("area_km2", "sum"))


def _border(held: pd.DataFrame, side: str) -> str:
    """The border holding ``WITHIN_SHARE`` of ``side``'s held ground summed over every
    snapshot of the layer, else ``ANYWHERE``: one choice per layer, so that the text
    does not switch region from one date to the next."""
    mine = held[held["held_by"] == side]
    per_border = mine.groupby("within")["area_km2"].sum()
    total = float(per_border.get(ANYWHERE, per_border.sum()))
    clipped = per_border.drop(ANYWHERE, errors="ignore").sort_index()
    if not len(clipped) or not total > 0:
        return ANYWHERE
    border = str(clipped.idxmax())
    return border if float(clipped[border]) >= WITHIN_SHARE * total else ANYWHERE


def holdings(series: pd.DataFrame, layer: str, snapshot: dt.date) -> list[Holding]:
    """Each side's held ground on ``layer``'s snapshot of ``snapshot``, by side code.

    Parameters
    ----------
    series : DataFrame
        ``Store.area_series()`` (columns ``as_of, layer, held_by, status, within, area_km2``).
    layer : str
    snapshot : datetime.date
        A snapshot date of the layer.

    Returns
    -------
    list of Holding
        Sides holding more than 0 km² on that snapshot (unclipped), sorted by code. The
        figures are clipped to a border when ``WITHIN_SHARE`` of the side's held ground
        over all the layer's snapshots lies inside it.
    """
    held = _held(series, layer)
    out = []
    for side in sorted(held.loc[held["as_of"] == snapshot, "held_by"].unique()):
        within = _border(held, side)
        history = held[(held["held_by"] == side) & (held["within"] == within) & (held["as_of"] <= snapshot)]
        history = history.sort_values("as_of")
        today = history.loc[history["as_of"] == snapshot, "area_km2"]
        if not len(today) or not float(today.iloc[0]) > 0:
            continue
        best = history.loc[history["area_km2"].idxmax()]
        out.append(Holding(side, within, float(today.iloc[0]), float(best["area_km2"]), best["as_of"]))
    return out


def _km2(value: float) -> str:
    return f"{value:,.0f} km²" if value >= 10 else f"{value:,.1f} km²"


def _holding_words(holding: Holding, *, peak: bool, names: dict[str, str] | None = None) -> str:
    where = (
        ""
        if holding.within == ANYWHERE
        else f" {BORDER_LABELS.get(holding.within, f'inside {holding.within}')}"
    )
    named = (names or {}).get(holding.side)
    words = (
        f"{named}: {_km2(holding.area_km2)}{where}"
        if named
        else f"{side_name(holding.side)} held {_km2(holding.area_km2)}{where}"
    )
    if not peak:
        return words
    if holding.area_km2 >= holding.peak_km2:
        return f"{words}, its mapped peak so far"
    below = round(100 * (1 - holding.area_km2 / holding.peak_km2))
    highest = f"{_km2(holding.peak_km2)} ({long_date(holding.peak_on)})"
    if below == 0:
        return f"{words}, within 1 % of its mapped peak of {highest}"
    return f"{words}, {below} % less than its mapped peak of {highest}"


def _name(layer: LayerFacts) -> str:
    name = " ".join(layer.name.split())
    return name if len(name) <= LAYER_NAME_CHARS else f"{name[: LAYER_NAME_CHARS - 1]}…"


def _layer_clause(series: pd.DataFrame, layer: LayerFacts, as_of: dt.date, *, peak: bool) -> tuple[str, str]:
    """When the layer's snapshot is (``""`` for the date itself) and what it shows."""
    snapshot = layer.snapshot_on(as_of)
    if snapshot is None:
        return "", "no snapshot on or before this date"
    when = ""
    if snapshot != as_of:
        stale = (as_of - snapshot).days > stale_days(layer.snapshot_dates)
        when = f"snapshot of {long_date(snapshot)}{', stale' if stale else ''}"
    held = holdings(series, layer.name, snapshot)
    names = dict(layer.held_names)
    what = (
        "; ".join(_holding_words(holding, peak=peak, names=names) for holding in held)
        or "no held ground mapped"
    )
    return when, what


def _compose(
    series: pd.DataFrame,
    layers: Sequence[LayerFacts],
    as_of: dt.date,
    peaks: int,
    events: EventFacts | None = None,
    by_kind: bool = True,
) -> str:
    """The text with peaks for the first ``peaks`` layers, and the events shown."""
    date = long_date(as_of)
    clauses = [_layer_clause(series, layer, as_of, peak=i < peaks) for i, layer in enumerate(layers)]
    if not layers:
        return f"Map on {date}: no territory layer shown."
    if len(layers) == 1:
        when, what = clauses[0]
        text = f"Map of {_name(layers[0])} on {date}{f' ({when})' if when else ''}: {what}."
    else:
        parts = [
            f"{_name(layer)}{f' ({when})' if when else ''}: {what}"
            for layer, (when, what) in zip(layers, clauses, strict=True)
        ]
        text = f"Map on {date}. " + ". ".join(parts) + "."
    drawn = [_name(layer) for layer in layers if layer.illustrative]
    shown = len(layers)
    if events is not None:
        text += " " + events_clause(events, by_kind=by_kind)
        shown += 1
        if events.illustrative:
            drawn.append(_name(LayerFacts(events.layer, ())))
    if drawn and len(drawn) == shown:
        text += " Illustrative data."
    elif drawn:
        text += f" Illustrative data: {', '.join(drawn)}."
    return text


def alt_text(
    series: pd.DataFrame,
    layers: Sequence[LayerFacts],
    as_of: dt.date,
    max_chars: int = MAX_CHARS,
    events: EventFacts | None = None,
) -> str:
    """A text alternative for the map of ``layers`` on ``as_of``, from their areas.

    Parameters
    ----------
    series : DataFrame
        ``Store.area_series()`` (it may hold other layers too).
    layers : sequence of LayerFacts
        The territory layers shown, in the order shown.
    as_of : datetime.date
        The date on screen; each layer shows its latest snapshot on or before it.
    max_chars : int
        The longest text returned: peaks are left out, from the last layer back, until it
        fits, then the events' count by kind (their total stays); a text still too long is
        cut at a word and ends with "…".
    events : EventFacts, optional
        The events shown (a slide's window of an events layer): their count by kind and
        window follow the territory.

    Returns
    -------
    str
        Plain text (not escaped: escape it for where it goes), km² with thousands
        separators, e.g. "Map of Kursk incursion on 25 November 2024: Ukraine held 519 km²
        inside Russia, 28 % less than its mapped peak of 719 km² (27 August 2024)."
    """
    for by_kind in (True, False):
        for peaks in range(len(layers), -1, -1):
            text = _compose(series, layers, as_of, peaks, events, by_kind)
            if len(text) <= max_chars:
                return text
    cut = text[: max_chars - 1].rsplit(" ", 1)[0]
    return f"{cut}…"
