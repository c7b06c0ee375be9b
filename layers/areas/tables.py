"""Area tables: km² per side and status, unclipped and within country borders.

Features of one side and status are dissolved first, so overlapping features are not
counted twice. A group that is one valid polygon is its own dissolve: its areas, clipped
or not, are summed over its boundary (:mod:`.clipping`) without an overlay.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Sequence
from typing import TypeAlias

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from ..caching import remember
from ..schema import ANYWHERE
from .borders import clip_to_country, country_border
from .clipping import boundary_areas_km2
from .edges import border_outline
from .measure import area_km2, repaired

__all__ = ["AREA_COLUMNS", "AreaRow", "area_rows", "area_summary", "area_table"]

#: Columns of an area table, in order.
AREA_COLUMNS = ["held_by", "status", "within", "area_km2"]

#: ``(held_by, status, within, area_km2)``: one row of :func:`area_table`.
AreaRow: TypeAlias = tuple[str, str, str, float]
#: ``held_by`` and ``status`` values and the geometries of a set of features.
_Columns: TypeAlias = tuple[list[Hashable], list[Hashable], np.ndarray]
#: What area rows depend on: borders, sides, statuses and geometries (WKB).
_RowsKey: TypeAlias = tuple[
    tuple[str, ...], tuple[Hashable, ...], tuple[Hashable, ...], tuple[bytes | None, ...]
]
#: ``(held_by, status, geometry, polygon)`` of one dissolved side and status; ``polygon`` is the
#: geometry again when it is one repaired Polygon or MultiPolygon (to be summed), else None.
_Group: TypeAlias = tuple[str, str, BaseGeometry, Polygon | MultiPolygon | None]

#: Area rows of recently measured features, by :func:`_rows_key`: a daily archive repeats a
#: day's map unchanged now and then (113 of DeepStateMap's 769 days), and its areas with it.
_RECENT_ROWS: dict[_RowsKey, tuple[AreaRow, ...]] = {}
_MAX_RECENT_ROWS = 32
#: Features measured together at most, for :func:`_rows_key` (the key holds their WKB).
_MAX_KEYED_FEATURES = 64
_MAX_KEYED_BYTES = 1 << 20
#: ISO3 codes already found in the bundled borders.
_KNOWN_CODES: set[str] = set()


def area_table(
    features: gpd.GeoDataFrame, within: Sequence[str] = (ANYWHERE,), borders: gpd.GeoDataFrame | None = None
) -> pd.DataFrame:
    """Area per side and status, optionally clipped to country borders.

    Features of one side and status are dissolved first, so overlapping features
    are not counted twice.

    Parameters
    ----------
    features : GeoDataFrame
        Territory features with ``held_by`` and ``status`` columns, in EPSG:4326.
    within : sequence of str
        ISO3 codes to clip to; ``ANYWHERE`` ("") for the unclipped area.
    borders : GeoDataFrame, optional
        Borders indexed by ISO3 code; the bundled ones by default.

    Returns
    -------
    DataFrame
        Columns ``held_by, status, within, area_km2``, one row per combination.

    Raises
    ------
    InvalidInputError
        If a code in ``within`` has no border.
    """
    return pd.DataFrame(area_rows(features, within, borders), columns=AREA_COLUMNS)


def area_rows(
    features: gpd.GeoDataFrame, within: Sequence[str] = (ANYWHERE,), borders: gpd.GeoDataFrame | None = None
) -> list[AreaRow]:
    """The rows of :func:`area_table` as ``(held_by, status, within, area_km2)`` tuples, without a DataFrame.

    With the bundled borders, the rows of recently measured features are remembered and
    given again (as a new list) for the same features.
    """
    rows: list[AreaRow] = []
    if not len(features):
        return rows
    for code in within:
        if code != ANYWHERE:
            _check_border(code, borders)  # an unknown code is refused before any work
    columns = _columns(features)
    key = _rows_key(columns, within) if borders is None else None
    if key is not None and key in _RECENT_ROWS:
        return list(_RECENT_ROWS[key])
    dissolved = _dissolve(features, columns)
    geoms = np.array([geom for _, _, geom, _ in dissolved], dtype=object)
    measured: dict[int, dict[str, float | None]] = {}
    codes = tuple(dict.fromkeys(code for code in within if code != ANYWHERE)) if borders is None else ()
    outline = border_outline(tuple(code.strip().upper() for code in codes)) if codes else None
    for i, (_, _, _, polygon) in enumerate(dissolved):
        if polygon is not None:
            oriented = shapely.orient_polygons(polygon, exterior_cw=False)
            measured[i] = boundary_areas_km2(oriented, outline, codes)
    for code in within:
        areas = np.array(
            [
                np.nan if measured.get(i, {}).get(code) is None else measured[i][code]
                for i in range(len(geoms))
            ]
        )
        rest = np.flatnonzero(np.isnan(areas))
        if rest.size:
            areas[rest] = area_km2(
                geoms[rest] if code == ANYWHERE else clip_to_country(geoms[rest], code, borders)
            )
        rows.extend(
            (held_by, status, code, float(area))
            for (held_by, status, _, _), area in zip(dissolved, areas, strict=True)
        )
    if key is not None:
        remember(_RECENT_ROWS, key, tuple(rows), _MAX_RECENT_ROWS)
    return rows


def area_summary(series: pd.DataFrame, layer: str, as_of: dt.date) -> pd.DataFrame:
    """One snapshot's stored areas as a table: a row per side and status, a column per border.

    Parameters
    ----------
    series : DataFrame
        ``Store.area_series()`` rows (``as_of, layer, held_by, status, within, area_km2``).
    layer, as_of
        The snapshot: its layer and its own date.

    Returns
    -------
    DataFrame
        Columns ``held_by, status`` and one per ``within`` value (``""`` = unclipped);
        0 where a side and status has no area within a border.
    """
    rows = series[(series["layer"] == layer) & (series["as_of"] == as_of)]
    borders = sorted(set(rows["within"]))
    table: dict[tuple[Hashable, Hashable], dict[Hashable, object]] = {}
    for row in rows.itertuples():
        table.setdefault((row.held_by, row.status), {})[row.within] = row.area_km2
    records = [
        {"held_by": side, "status": status, **{b: areas.get(b, 0.0) for b in borders}}
        for (side, status), areas in sorted(table.items())
    ]
    return pd.DataFrame(records, columns=["held_by", "status", *borders])


def _rows_key(columns: _Columns, within: Sequence[str]) -> _RowsKey | None:
    """What the area rows depend on: borders, sides, statuses and geometries (WKB); None if
    they are too many or too large to keep, or not all strings."""
    held_by, status, geoms = columns
    if len(geoms) > _MAX_KEYED_FEATURES or not all(isinstance(v, str) for v in (*held_by, *status)):
        return None
    geometry = shapely.to_wkb(geoms)
    if sum(len(wkb) for wkb in geometry if wkb is not None) > _MAX_KEYED_BYTES:
        return None
    return (tuple(within), tuple(held_by), tuple(status), tuple(geometry))


def _columns(features: gpd.GeoDataFrame) -> _Columns:
    """``held_by`` and ``status`` as lists and the geometries as an array.

    Plain DataFrame column access: GeoDataFrame.__getitem__ would check each column for geometry.
    """
    held_by = pd.DataFrame.__getitem__(features, "held_by").tolist()
    status = pd.DataFrame.__getitem__(features, "status").tolist()
    return held_by, status, np.asarray(features.geometry.values, dtype=object)


def _check_border(code: str, borders: gpd.GeoDataFrame | None) -> None:
    """Refuse an unknown ISO3 code with :func:`.country_border`'s message; the bundled borders
    are checked once per code."""
    if borders is not None or code.strip().upper() not in _KNOWN_CODES:
        country_border(code, borders)
        if borders is None:
            _KNOWN_CODES.add(code.strip().upper())


def _dissolve(features: gpd.GeoDataFrame, columns: _Columns) -> list[_Group]:
    """``(held_by, status, geometry, polygon)`` per side and status, sorted, as ``groupby`` would give them.

    ``geometry`` is the union of the group's repaired geometries; ``polygon`` is that
    geometry too when it is one repaired geometry that is a Polygon or MultiPolygon
    (``make_valid`` output is valid, and the union of one valid polygon is the polygon
    itself), else None. ``columns`` are the features' :func:`_columns`.
    """
    held_by, status, geoms = columns
    if not all(isinstance(v, str) for v in (*held_by, *status) if not _missing_key(v)):
        groups = features.groupby(["held_by", "status"], sort=True)
        return [
            (h, s, shapely.union_all(shapely.make_valid(group.geometry.values)), None)
            for (h, s), group in groups
        ]
    fixed = repaired(geoms)
    members: dict[tuple[str, str], list[int]] = {}
    for i, key in enumerate(zip(held_by, status, strict=True)):
        if not (_missing_key(key[0]) or _missing_key(key[1])):
            members.setdefault((str(key[0]), str(key[1])), []).append(i)
    polygonal = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)
    dissolved: list[_Group] = []
    for key in sorted(members):
        group = fixed[members[key]]
        if len(group) == 1 and shapely.get_type_id(group[0]) in polygonal and not shapely.is_empty(group[0]):
            dissolved.append((*key, group[0], group[0]))
        else:
            dissolved.append((*key, shapely.union_all(group), None))
    return dissolved


def _missing_key(value: object) -> bool:
    """A group key ``groupby`` drops: None or NaN."""
    return value is None or (isinstance(value, float) and value != value)
