"""What is stored, as plain rows and values: a new snapshot, its properties and areas, reported figures.

Also the dates and version ids callers pass, made plain Python values, so that the
reads and the writes compare and store them alike.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, SupportsInt, TypedDict

import geopandas as gpd
import pandas as pd

from .. import schema
from ..areas import ANYWHERE, METHOD, area_rows
from ..credits import Credit
from ..errors import InvalidInputError

__all__ = [
    "AreaRow",
    "NewSnapshot",
    "as_date",
    "as_version_id",
    "computed_area_rows",
    "feature_properties",
    "figure_key",
    "figure_rows",
    "is_missing",
    "snapshot_area_rows",
    "utc_now",
]


class AreaRow(TypedDict):
    """One stored area of a snapshot: a side and status, the border it is clipped to, its km²."""

    held_by: str
    status: str
    within: str
    area_km2: float
    method: str


@dataclass(frozen=True)
class NewSnapshot:
    """A snapshot about to be written: the full state of one layer as of a date."""

    layer: str
    as_of: dt.date
    features: gpd.GeoDataFrame
    sha256: str
    kind: str = "territory"
    description: str = ""
    file_name: str = ""
    #: The area rows, when already computed from ``features`` (an import's worker
    #: processes do it beside validation); None: computed when written.
    areas: tuple[AreaRow, ...] | None = None
    #: Where the file came from, for a snapshot fetched by a sync (:mod:`layers.sync`):
    #: ``url``, ``fetched_at`` (ISO 8601, UTC), ``sha256`` of the bytes, ``etag`` and
    #: ``last_modified`` as the server sent them. Kept in the version's audit row, written
    #: in the same transaction. None for an upload.
    provenance: Mapping[str, str | None] | None = None
    #: The layer's source, licence and attribution, recorded when the write creates the
    #: layer or the layer has none yet (a sync names its archive's terms); an existing
    #: credit is never overwritten by a snapshot (``Store.set_credit`` changes it).
    credit: Credit | None = None


def computed_area_rows(features: gpd.GeoDataFrame, kind: str = "territory") -> list[AreaRow]:
    """The area rows stored with a snapshot: per side and status, unclipped and within RUS and UKR."""
    if kind != "territory" or not len(features):
        return []
    return [
        {"held_by": held_by, "status": status, "within": within, "area_km2": km2, "method": METHOD}
        for held_by, status, within, km2 in area_rows(features, within=(ANYWHERE, "RUS", "UKR"))
    ]


def snapshot_area_rows(snapshot: NewSnapshot) -> list[AreaRow]:
    """The area rows written with ``snapshot``: its own ``areas`` if given, else measured now.

    Measuring is the costly part of a write, so the store calls this only for the
    snapshots it is about to write.
    """
    if snapshot.areas is not None:
        return [AreaRow(**row) for row in snapshot.areas]
    return computed_area_rows(snapshot.features, snapshot.kind)


def feature_properties(features: gpd.GeoDataFrame) -> list[dict[str, object]]:
    """Each feature's properties, missing values left out.

    What ``to_dict("records")`` gives without the missing values, at a fraction of its
    cost (see ``benchmarks/README.md``).
    """
    geometry = features.geometry.name
    columns = [c for c in features.columns if c != geometry]
    if not columns:
        return [{} for _ in range(len(features))]
    if not features.columns.is_unique:
        records = features[columns].to_dict("records")
        return [{k: v for k, v in record.items() if not is_missing(v)} for record in records]
    # Column by column as plain Python values; GeoDataFrame.__getitem__ would check each for geometry.
    values = [pd.DataFrame.__getitem__(features, column).tolist() for column in columns]
    return [
        {k: v for k, v in zip(columns, row, strict=True) if not is_missing(v)}
        for row in zip(*values, strict=True)
    ]


def figure_rows(figures: pd.DataFrame, actor: str) -> list[dict[str, object]]:
    """The ``reported_figure`` rows of checked figures: empty text fields as ``""``, the measure defaulted."""
    now = utc_now()
    rows = []
    for record in figures.to_dict("records"):
        row = {f.name: record.get(f.name) for f in schema.FIGURE_FIELDS}
        for name in ("layer", "held_by", "status", "within", "note"):
            row[name] = "" if is_missing(row[name]) else str(row[name])
        row["measure"] = (
            "at date" if is_missing(row["measure"]) or not row["measure"] else str(row["measure"])
        )
        rows.append(dict(row, added_by=actor, added_at=now))
    return rows


def figure_key(row: Mapping[str, Any]) -> tuple[object, ...]:
    """A figure's identity for duplicate detection: every field, values normalised.

    ``row`` is a figure as :func:`figure_rows` gives it or as read back from the table.
    """
    return tuple(
        round(float(row[f.name]), 6)
        if f.name == "value_km2"
        else as_date(row[f.name])
        if f.name == "date"
        else str(row[f.name] or "")
        for f in schema.FIGURE_FIELDS
    )


def as_date(value: dt.date | str) -> dt.date:
    """A snapshot date from a date, a datetime or Timestamp, or ``YYYY-MM-DD``.

    Raises
    ------
    InvalidInputError
        When ``value`` is none of these.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInputError(f"snapshot date expected like 2024-11-25, got {value!r}.") from None


def as_version_id(value: SupportsInt | str | None) -> int | None:
    """A version id as a plain int (pandas and numpy hand out their own integer types); None if missing.

    Raises
    ------
    InvalidInputError
        When ``value`` is not a whole number.
    """
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInputError(
            f"version id expected as a whole number, got {value!r}; take it from the layer's history."
        ) from None


def is_missing(value: object) -> bool:
    """Whether a property value is absent: None or a float NaN (what pandas fills gaps with)."""
    return value is None or (isinstance(value, float) and pd.isna(value))


def utc_now() -> dt.datetime:
    """The time now, in UTC: what every ``created_at``, ``added_at`` and audit ``at`` holds."""
    return dt.datetime.now(dt.UTC)
