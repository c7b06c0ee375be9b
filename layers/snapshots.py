"""Layers and snapshots: which snapshot a map at a given date shows, and how old it is.

The map at date D shows, for each visible layer, its latest snapshot on or before D.
Before a layer's first snapshot there is nothing to show for it.
"""

from __future__ import annotations

import bisect
import datetime as dt
from dataclasses import dataclass

import geopandas as gpd

from .store import Store


@dataclass(frozen=True)
class Snapshot:
    """The full state of one layer as of a date.

    Attributes
    ----------
    layer : str
    as_of : datetime.date
        The snapshot's own date.
    requested : datetime.date
        The date the map was asked for; ``as_of <= requested``.
    version_id : int
        The stored version shown.
    features : GeoDataFrame
    """

    layer: str
    as_of: dt.date
    requested: dt.date
    version_id: int
    features: gpd.GeoDataFrame

    @property
    def age_days(self) -> int:
        """Days between the snapshot and the requested date (0 = same day)."""
        return (self.requested - self.as_of).days


def latest_on_or_before(dates, as_of: dt.date):
    """Index of the latest date in sorted ``dates`` that is on or before ``as_of``, or None."""
    position = bisect.bisect_right(list(dates), as_of)
    return position - 1 if position else None


def version_at(store: Store, layer: str, as_of: dt.date) -> tuple[dt.date, int] | None:
    """The snapshot date and version id a map of ``layer`` at ``as_of`` shows, or None."""
    heads = store.heads(layer)
    index = latest_on_or_before(heads["as_of"], as_of)
    if index is None:
        return None
    return heads["as_of"].iloc[index], int(heads["version_id"].iloc[index])


def snapshot_at(store: Store, layer: str, as_of: dt.date) -> Snapshot | None:
    """The latest snapshot of ``layer`` on or before ``as_of``; None before the first one."""
    found = version_at(store, layer, as_of)
    if found is None:
        return None
    snapshot_date, version_id = found
    return Snapshot(layer, snapshot_date, as_of, version_id, store.features(version_id))


def timeline(store: Store, layers) -> list[dt.date]:
    """Every day from the first to the last snapshot of the given layers, for the slider.

    Daily steps (not only snapshot dates) so that the window of recent events moves
    with the slider even between two territory snapshots.
    """
    dates = [d for layer in layers for d in store.heads(layer)["as_of"]]
    if not dates:
        return []
    first, last = min(dates), max(dates)
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
