"""Change between two dates: ground gained and lost per side, in km², and as polygons.

This is how ISW and DeepStateMap report the war ("Russia gained 363 km² in August");
here it is computed from two snapshots of one layer and can be reproduced by anyone
with the same data. The "from" and "to" snapshots are the latest on or before each
requested date, as everywhere else in the product.

Gained and lost ground are computed for ``held`` status by default: a side gains
what it holds at the end and did not hold at the start. Net change is gained minus
lost, which equals the change of the side's held area. Each polygon is also clipped
to the bundled borders so that, for instance, Ukraine's ground lost inside Russia
(Kursk) is told apart from ground lost inside Ukraine.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from .areas import ANYWHERE, BORDERS_SOURCE, METHOD, area_km2, clip_to_country, gained_and_lost
from .errors import InvalidInputError
from .snapshots import Snapshot, snapshot_at

#: Borders a change is summarised within, besides the unclipped total.
CHANGE_BORDERS = (ANYWHERE, "RUS", "UKR")
SUMMARY_COLUMNS = ["held_by", "within", "gained_km2", "lost_km2", "net_km2"]


@dataclass(frozen=True)
class Change:
    """Gained and lost ground of one layer between two snapshots."""

    layer: str
    since: Snapshot
    until: Snapshot
    status: str
    polygons: gpd.GeoDataFrame  #: ``held_by, change, area_km2, geometry``

    @property
    def label(self) -> str:
        return f"{self.layer}: {self.since.as_of} to {self.until.as_of} ({self.status})"


def empty_polygons() -> gpd.GeoDataFrame:
    """No gained or lost ground: the shape of ``Change.polygons`` with no rows."""
    return gpd.GeoDataFrame(
        columns=["held_by", "change", "area_km2", "geometry"], geometry="geometry", crs="EPSG:4326"
    )


def between(store, layer: str, since: dt.date, until: dt.date, status: str = "held") -> Change:
    """The change of ``layer`` from the snapshot shown on ``since`` to the one shown on ``until``.

    Raises
    ------
    InvalidInputError
        If ``since`` is not before ``until`` or the layer has no snapshot on or before ``since``.
    """
    if since >= until:
        raise InvalidInputError(
            f"change: the start date {since} must be before the end date {until}; swap them."
        )
    before = snapshot_at(store, layer, since)
    if before is None:
        first = store.heads(layer)["as_of"].min()
        raise InvalidInputError(
            f"change: layer {layer!r} has no snapshot on or before {since}; its first is {first}. Pick a later start date."
        )
    after = snapshot_at(store, layer, until)
    return compute(layer, before, after, status)


def compute(layer: str, before: Snapshot, after: Snapshot, status: str = "held") -> Change:
    """The change between two snapshots already in hand."""
    return Change(layer, before, after, status, gained_and_lost(before.features, after.features, status))


def summary(change: Change, within=CHANGE_BORDERS, borders=None) -> pd.DataFrame:
    """km² gained, lost and net per side, unclipped and within each border.

    Returns
    -------
    DataFrame
        ``SUMMARY_COLUMNS``; a row per side and border, sides that neither gained nor
        lost anything included (zeros) when they hold ground in either snapshot.
    """
    sides = sorted(
        set(change.polygons["held_by"])
        | {
            s
            for snap in (change.since, change.until)
            for s in snap.features.loc[snap.features["status"] == change.status, "held_by"]
        }
    )
    rows = []
    for code in within:
        polygons = change.polygons
        if code == ANYWHERE:
            areas = polygons["area_km2"].to_numpy(dtype=float)
        else:
            areas = (
                area_km2(clip_to_country(polygons.geometry.values, code, borders))
                if len(polygons)
                else np.zeros(0)
            )
        for side in sides:
            mine = (polygons["held_by"] == side).to_numpy()
            gained = float(areas[mine & (polygons["change"] == "gained").to_numpy()].sum())
            lost = float(areas[mine & (polygons["change"] == "lost").to_numpy()].sum())
            rows.append((side, code, gained, lost, gained - lost))
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def to_geojson(change: Change) -> str:
    """The gained and lost polygons as a GeoJSON FeatureCollection, with method and provenance."""
    polygons = change.polygons.copy()
    polygons["layer"] = change.layer
    polygons["from_snapshot"] = change.since.as_of.isoformat()
    polygons["to_snapshot"] = change.until.as_of.isoformat()
    polygons["status"] = change.status
    polygons["area_km2"] = polygons["area_km2"].round(3)
    collection = json.loads(
        polygons[
            ["layer", "held_by", "status", "change", "area_km2", "from_snapshot", "to_snapshot", "geometry"]
        ].to_json(drop_id=True)
    )
    collection["metadata"] = {
        "layer": change.layer,
        "from_snapshot": change.since.as_of.isoformat(),
        "to_snapshot": change.until.as_of.isoformat(),
        "requested": [change.since.requested.isoformat(), change.until.requested.isoformat()],
        "status": change.status,
        "area_method": METHOD,
        "borders": BORDERS_SOURCE,
    }
    return json.dumps(collection, ensure_ascii=False)


#: The reader's "show change since" choices, in order. The labels are the values too,
#: because a widget bound to the URL writes its shown label there (``?change=7+days+before``).
SINCE_CHOICES = ("none", "7 days before", "30 days before", "end of last month", "a date")


def since_date(choice: str, until: dt.date, picked: dt.date | None = None) -> dt.date | None:
    """The start date of a change ending at ``until``, for one of ``SINCE_CHOICES``.

    ``picked`` is the reader's own date for ``"a date"``; None when no change is asked
    for or the picked date is missing.
    """
    if choice == "7 days before":
        return until - dt.timedelta(days=7)
    if choice == "30 days before":
        return until - dt.timedelta(days=30)
    if choice == "end of last month":
        return until.replace(day=1) - dt.timedelta(days=1)
    if choice == "a date":
        return picked
    return None
