"""Dated point events (strikes, troop presence, other) and the window the map shows.

An events layer is stored like any other layer: each version holds the whole list of
events, each feature with its own ``occurred_on``. The map shows the events of the
window ending at the selected date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from .store import Store

__all__ = [
    "DEFAULT_WINDOW_DAYS",
    "DRAW_MODES",
    "MAX_SOURCE_CHOICES",
    "Choices",
    "all_events",
    "choices",
    "events_between",
    "only",
    "window",
]

DEFAULT_WINDOW_DAYS = 7
#: How the map draws events (``static/js/frontline/events.js``): "auto" draws each event as
#: a symbol when zoomed in or when few are in view, clusters otherwise.
DRAW_MODES = {
    "auto": "symbols when zoomed in or few, clusters otherwise",
    "clusters": "clusters split by kind",
    "density": "density (events per hexagon)",
    "symbols": "one symbol per event",
}
#: The sources a reader may filter by: the most frequent ones (a CSV may name thousands).
MAX_SOURCE_CHOICES = 200


def all_events(store: Store, layer: str) -> gpd.GeoDataFrame:
    """Every event of the current version of an events layer, ``occurred_on`` as dates."""
    heads = store.heads(layer)
    if heads.empty:
        return gpd.GeoDataFrame({"occurred_on": []}, geometry=[], crs="EPSG:4326")
    events = store.features(int(heads["version_id"].iloc[-1]))
    events["occurred_on"] = pd.to_datetime(events["occurred_on"]).dt.date
    return events.sort_values("occurred_on", kind="stable").reset_index(drop=True)


def events_between(events: gpd.GeoDataFrame, start: dt.date, end: dt.date) -> gpd.GeoDataFrame:
    """Events with ``start <= occurred_on <= end``."""
    mask = (events["occurred_on"] >= start) & (events["occurred_on"] <= end)
    return events[mask]


def only(
    events: gpd.GeoDataFrame,
    kinds: Sequence[str] = (),
    confidences: Sequence[str] = (),
    sources: Sequence[str] = (),
) -> gpd.GeoDataFrame:
    """The events with one of ``kinds``, ``confidences`` and ``sources`` (an empty list
    lets every value through): the reader's event filters."""
    for column, wanted in (("kind", kinds), ("confidence", confidences), ("source", sources)):
        if wanted and column in events:
            events = events[events[column].astype(str).isin(list(wanted))]
    return events


def window(as_of: dt.date, days: int = DEFAULT_WINDOW_DAYS) -> tuple[dt.date, dt.date]:
    """The ``days``-day window ending on ``as_of``, both ends included."""
    return as_of - dt.timedelta(days=max(days, 1) - 1), as_of


@dataclass(frozen=True)
class Choices:
    """The values an events layer holds, to filter it by: kinds and confidences sorted,
    sources most frequent first (at most ``MAX_SOURCE_CHOICES``)."""

    kinds: list[str]
    confidences: list[str]
    sources: list[str]


def choices(events: gpd.GeoDataFrame) -> Choices:
    """What ``events`` can be filtered by (``Choices``); empty strings are left out."""

    def present(column: str) -> pd.Series:
        if column not in events or not len(events):
            return pd.Series([], dtype=str)
        values = events[column].dropna().astype(str)
        return values[values != ""]

    sources = present("source").value_counts(sort=False)
    ranked = sorted(sources.items(), key=lambda item: (-item[1], item[0]))
    return Choices(
        kinds=sorted(set(present("kind"))),
        confidences=sorted(set(present("confidence"))),
        sources=[str(name) for name, _ in ranked[:MAX_SOURCE_CHOICES]],
    )
