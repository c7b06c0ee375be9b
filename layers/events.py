"""Dated point events (strikes, troop presence, other) and the window the map shows.

An events layer is stored like any other layer: each version holds the whole list of
events, each feature with its own ``occurred_on``. The map shows the events of the
window ending at the selected date.
"""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd

from .store import Store

__all__ = ["DEFAULT_WINDOW_DAYS", "all_events", "events_between", "window"]

DEFAULT_WINDOW_DAYS = 7


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


def window(as_of: dt.date, days: int = DEFAULT_WINDOW_DAYS) -> tuple[dt.date, dt.date]:
    """The ``days``-day window ending on ``as_of``, both ends included."""
    return as_of - dt.timedelta(days=max(days, 1) - 1), as_of
