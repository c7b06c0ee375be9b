"""Layers and snapshots: which snapshot a map at a given date shows, and how old it is.

The map at date D shows, for each visible layer, its latest snapshot on or before D.
Before a layer's first snapshot there is nothing to show for it.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import geopandas as gpd

from .store import Store

__all__ = ["Snapshot", "SnapshotRef", "latest_on_or_before", "ref_at", "snapshot_at", "timeline"]


@dataclass(frozen=True)
class SnapshotRef:
    """Which snapshot a map of one layer at a requested date shows.

    Attributes
    ----------
    layer : str
    as_of : datetime.date
        The snapshot's own date.
    requested : datetime.date
        The date the map was asked for; ``as_of <= requested``.
    version_id : int
        The stored version shown.
    """

    layer: str
    as_of: dt.date
    requested: dt.date
    version_id: int

    @property
    def age_days(self) -> int:
        """Days between the snapshot and the requested date (0 = same day)."""
        return (self.requested - self.as_of).days


@dataclass(frozen=True)
class Snapshot(SnapshotRef):
    """The full state of one layer as of a date: a :class:`SnapshotRef` with its features.

    ``provenance`` says where a synced snapshot's file came from (``Store.provenance``);
    None for an upload.
    """

    features: gpd.GeoDataFrame = None
    provenance: Mapping[str, str | None] | None = None


def latest_on_or_before(dates: Iterable[dt.date], as_of: dt.date) -> int | None:
    """Index of the latest date in sorted ``dates`` that is on or before ``as_of``, or None."""
    position = bisect.bisect_right(list(dates), as_of)
    return position - 1 if position else None


def ref_at(store: Store, layer: str, as_of: dt.date) -> SnapshotRef | None:
    """Which snapshot of ``layer`` a map at ``as_of`` shows: the latest on or before it, or None."""
    heads = store.heads(layer)
    index = latest_on_or_before(heads["as_of"], as_of)
    if index is None:
        return None
    return SnapshotRef(layer, heads["as_of"].iloc[index], as_of, int(heads["version_id"].iloc[index]))


def snapshot_at(store: Store, layer: str, as_of: dt.date) -> Snapshot | None:
    """The latest snapshot of ``layer`` on or before ``as_of``, with its features.

    None before the first one.
    """
    ref = ref_at(store, layer, as_of)
    if ref is None:
        return None
    return Snapshot(
        ref.layer,
        ref.as_of,
        ref.requested,
        ref.version_id,
        store.features(ref.version_id),
        store.provenance(ref.version_id),
    )


def timeline(store: Store, layers: Iterable[str]) -> list[dt.date]:
    """Every day from the first to the last snapshot of the given layers, for the slider.

    Daily steps (not only snapshot dates) so that the window of recent events moves
    with the slider even between two territory snapshots.
    """
    dates = [d for layer in layers for d in store.heads(layer)["as_of"]]
    if not dates:
        return []
    first, last = min(dates), max(dates)
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
