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

:func:`change_table` sets the area tables (:func:`layers.areas.area_table`) of two
snapshots side by side; :func:`gained_and_lost` gives the ground itself, as polygons.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from . import style
from .alttext import ILLUSTRATIVE_NOTE, illustrative_label
from .areas import BORDERS_SOURCE, METHOD, area_km2, area_table, clip_to_country, polygonal_part
from .errors import InvalidInputError
from .schema import ANYWHERE
from .snapshots import Snapshot, snapshot_at
from .store import Store

__all__ = [
    "CHANGE_BORDERS",
    "CHANGE_COLUMNS",
    "CATEGORY_COLUMN",
    "READABLE_COLUMNS",
    "SINCE_CHOICES",
    "POLYGON_COLUMNS",
    "SUMMARY_COLUMNS",
    "Change",
    "between",
    "change_table",
    "compute",
    "empty_polygons",
    "gained_and_lost",
    "readable_change",
    "since_date",
    "summary",
    "to_geojson",
]

#: Borders a change is summarised within, besides the unclipped total.
CHANGE_BORDERS = (ANYWHERE, "RUS", "UKR")
#: Columns of :func:`summary`.
SUMMARY_COLUMNS = ["held_by", "within", "gained_km2", "lost_km2", "net_km2"]
#: Columns of :func:`change_table`.
CHANGE_COLUMNS = ["held_by", "status", "within", "before_km2", "after_km2", "change_km2"]
#: Columns of :func:`gained_and_lost` and of ``Change.polygons``.
POLYGON_COLUMNS = ["held_by", "change", "area_km2", "geometry"]


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
        """The layer, both snapshots' dates and the status, for a heading."""
        return f"{self.layer}: {self.since.as_of} to {self.until.as_of} ({self.status})"


def empty_polygons() -> gpd.GeoDataFrame:
    """No gained or lost ground: the shape of ``Change.polygons`` with no rows."""
    return gpd.GeoDataFrame(columns=POLYGON_COLUMNS, geometry="geometry", crs="EPSG:4326")


def between(store: Store, layer: str, since: dt.date, until: dt.date, status: str = "held") -> Change:
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
            f"change: layer {layer!r} has no snapshot on or before {since}; its first is {first}. "
            "Pick a later start date."
        )
    after = snapshot_at(store, layer, until)
    assert after is not None  # the snapshot shown on ``since`` is on or before ``until`` too
    return compute(layer, before, after, status)


def compute(layer: str, before: Snapshot, after: Snapshot, status: str = "held") -> Change:
    """The change between two snapshots already in hand."""
    return Change(layer, before, after, status, gained_and_lost(before.features, after.features, status))


def summary(
    change: Change, within: Sequence[str] = CHANGE_BORDERS, borders: gpd.GeoDataFrame | None = None
) -> pd.DataFrame:
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


def to_geojson(change: Change, illustrative: bool = False) -> str:
    """The gained and lost polygons as a GeoJSON FeatureCollection, with method and
    provenance; an ``illustrative`` layer's ``metadata`` says so, with a ``note``."""
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
        "illustrative": illustrative,
    }
    if illustrative:
        collection["metadata"]["note"] = f"{illustrative_label(change.layer)}: {ILLUSTRATIVE_NOTE}."
    return json.dumps(collection, ensure_ascii=False)


def change_table(
    before: gpd.GeoDataFrame | None,
    after: gpd.GeoDataFrame,
    within: Sequence[str] = (ANYWHERE,),
    borders: gpd.GeoDataFrame | None = None,
) -> pd.DataFrame:
    """Area per side and status before and after, and the difference (after − before).

    Parameters
    ----------
    before : GeoDataFrame or None
        The earlier snapshot's features; None (or empty) for a layer's first snapshot:
        everything counts as new.
    after : GeoDataFrame
        The later snapshot's features.
    within, borders
        As for :func:`layers.areas.area_table`.

    Returns
    -------
    DataFrame
        ``CHANGE_COLUMNS``, sorted by border, side and status; 0 km² where a side and status
        is in only one of the two.
    """
    after_table = area_table(after, within, borders).rename(columns={"area_km2": "after_km2"})
    if before is None or not len(before):
        before_table = after_table.iloc[0:0].rename(columns={"after_km2": "before_km2"})
    else:
        before_table = area_table(before, within, borders).rename(columns={"area_km2": "before_km2"})
    table = before_table.merge(after_table, on=["held_by", "status", "within"], how="outer").fillna(
        {"before_km2": 0.0, "after_km2": 0.0}
    )
    table["change_km2"] = table["after_km2"] - table["before_km2"]
    return table.sort_values(["within", "held_by", "status"]).reset_index(drop=True)[CHANGE_COLUMNS]


#: The preview's columns, in words (``readable_change``).
READABLE_COLUMNS = ["side", "status", "where", "change km²", "before km²", "after km²"]
#: The column :func:`readable_change` adds when the source's categories are given.
CATEGORY_COLUMN = "source's category"


def readable_change(
    table: pd.DataFrame, categories: Mapping[tuple[str, str], str] | None = None
) -> pd.DataFrame:
    """A ``change_table`` as the app's tables read: side and status in words, the border
    as "total (unclipped)" / "inside Russia", the largest change (either sign) first.

    ``categories`` maps ``(held_by, status)`` to what the source calls that ground (e.g.
    "retaken (DeepStateMap 'liberated')", :func:`layers.categories.group_label`); when
    given, a column ``source's category`` ends the table (after the figures, which must stay
    in view in a narrow column), so a DeepStateMap upload's
    "Ukraine, held" row is read as the retaken ground it is.
    """
    out = pd.DataFrame(
        {
            "side": [style.side_name(str(side)) for side in table["held_by"]],
            "status": [str(status) for status in table["status"]],
            "where": [style.BORDER_LABELS.get(str(w), str(w)) for w in table["within"]],
            "before km²": table["before_km2"].astype(float).to_numpy(),
            "after km²": table["after_km2"].astype(float).to_numpy(),
            "change km²": table["change_km2"].astype(float).to_numpy(),
        }
    )
    columns = list(READABLE_COLUMNS)
    if categories:
        pairs = zip(table["held_by"].astype(str), table["status"].astype(str), strict=True)
        out[CATEGORY_COLUMN] = [categories.get(pair, "") for pair in pairs]
        columns.append(CATEGORY_COLUMN)
    order = out["change km²"].abs().sort_values(ascending=False, kind="stable").index
    return out.loc[order].reset_index(drop=True)[columns]


def gained_and_lost(
    before: gpd.GeoDataFrame | None, after: gpd.GeoDataFrame, status: str = "held"
) -> gpd.GeoDataFrame:
    """Ground each side gained and lost between two snapshots, as polygons with their km².

    Parameters
    ----------
    before : GeoDataFrame or None
        The earlier snapshot's features; None for a layer's first snapshot (all is gained).
    after : GeoDataFrame
        The later snapshot's features.
    status : str
        The status compared (``held`` by default).

    Returns
    -------
    GeoDataFrame
        Columns ``held_by, change`` ("gained" or "lost"), ``area_km2``, geometry; only
        non-empty changes.
    """
    rows = []
    sides = set(after.loc[after["status"] == status, "held_by"]) if len(after) else set()
    if before is not None and len(before):
        sides |= set(before.loc[before["status"] == status, "held_by"])
    for side in sorted(sides):
        new = _dissolved(after, side, status)
        old = _dissolved(before, side, status) if before is not None else None
        for change, geom in (("gained", _difference(new, old)), ("lost", _difference(old, new))):
            if geom is not None and not geom.is_empty and area_km2([geom])[0] > 0:
                rows.append(
                    {
                        "held_by": side,
                        "change": change,
                        "area_km2": float(area_km2([geom])[0]),
                        "geometry": geom,
                    }
                )
    return gpd.GeoDataFrame(rows, columns=POLYGON_COLUMNS, geometry="geometry", crs="EPSG:4326")


def _dissolved(features: gpd.GeoDataFrame | None, side: str, status: str) -> BaseGeometry | None:
    """The union of one side's repaired features of one status, or None if it has none."""
    if features is None or not len(features):
        return None
    chosen = features[(features["held_by"] == side) & (features["status"] == status)]
    return shapely.union_all(shapely.make_valid(chosen.geometry.values)) if len(chosen) else None


def _difference(a: BaseGeometry | None, b: BaseGeometry | None) -> BaseGeometry | None:
    """The polygonal part of ``a`` minus ``b`` (None if ``a`` is)."""
    if a is None:
        return None
    if b is None:
        return polygonal_part(a)
    return polygonal_part(shapely.difference(a, b))


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
