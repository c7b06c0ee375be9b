"""Areas per category (DeepStateMap's own categories, ``schema.CATEGORIES``), comparable with its figures.

DeepStateMap states its areas per category (``occupied_to_24_02_2022``,
``occupied_after_24_02_2022``, ``liberated``, ``unspecified``) as shares of Ukraine;
``layers.sync.history`` stores them as reported figures. These are the map's own km²
for the same categories, measured exactly as the stored areas are
(:func:`layers.areas.area_rows`: the features of one side and status dissolved, geodesic
km², unclipped and within ``RUS`` and ``UKR``), one category's features at a time.

Decision: computed on demand from a version's stored features, not stored in a table of
their own. Versions are append-only, so a version's category areas never change and are
kept in a small cache keyed by the features' content (their WKB and properties), which
a store rebuilt at the same path cannot make stale. Nothing in the store's schema
changes: stores and versions made before categories existed keep working unchanged and
simply have no category rows, and an import costs no more. The price is the measuring
on first use (about a second per DeepStateMap snapshot), which the reader pays once per
snapshot and process, and ``python -m layers areas --by-category`` once per snapshot it
prints (``--date`` and ``--layer`` narrow it).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import sys
from collections.abc import Sequence
from typing import Any, TypeAlias

import geopandas as gpd
import pandas as pd
import shapely

from .areas import ANYWHERE, METHOD, area_rows, country_border
from .caching import remember
from .categories import CATEGORY_LABELS, CATEGORY_ORDER
from .exports import csv_cell
from .snapshots import latest_on_or_before
from .store import Store

__all__ = [
    "CATEGORY_AREA_COLUMNS",
    "CATEGORY_ROW",
    "WITHIN",
    "by_category",
    "category_area_rows",
    "category_areas",
    "category_summary",
    "category_table",
    "print_category_areas",
    "version_category_areas",
]

#: The borders measured, as for the stored areas: unclipped, Russia, Ukraine.
WITHIN = (ANYWHERE, "RUS", "UKR")

#: Columns of :func:`category_table`.
CATEGORY_AREA_COLUMNS = ["held_by", "status", "category", "within", "area_km2"]

#: Columns ``python -m layers areas --by-category`` prints.
CATEGORY_ROW = ["date", "layer", "category", "label", "within", "area_km2", "method"]

#: ``(held_by, status, category, within, area_km2)``.
CategoryAreaRow: TypeAlias = tuple[str, str, str, str, float]

_RECENT: dict[str, tuple[CategoryAreaRow, ...]] = {}
_MAX_RECENT = 64


def category_area_rows(features: gpd.GeoDataFrame, within: Sequence[str] = WITHIN) -> list[CategoryAreaRow]:
    """km² per side, status and category, unclipped and within each border of ``within``.

    Features without a category of the contract are left out; without categories the
    list is empty. The rows of one side and status sum, over its categories, to that
    side and status's area wherever its categories do not overlap.
    """
    if "category" not in features.columns or not len(features):
        return []
    codes = pd.DataFrame.__getitem__(features, "category")
    rows: list[CategoryAreaRow] = []
    for category in sorted(set(codes.dropna()) & set(CATEGORY_LABELS), key=CATEGORY_ORDER.__getitem__):
        subset = features[(codes == category).to_numpy()]
        rows.extend(
            (held_by, status, category, code, km2)
            for held_by, status, code, km2 in area_rows(subset, within=within)
        )
    return rows


def category_table(features: gpd.GeoDataFrame, within: Sequence[str] = WITHIN) -> pd.DataFrame:
    """:func:`category_area_rows` as a DataFrame (:data:`CATEGORY_AREA_COLUMNS`)."""
    return pd.DataFrame(category_area_rows(features, within), columns=CATEGORY_AREA_COLUMNS)


def _digest(features: gpd.GeoDataFrame) -> str:
    """What the category areas depend on: geometries and side, status and category, hashed."""
    digest = hashlib.sha256()
    for name in ("held_by", "status", "category"):
        values = pd.DataFrame.__getitem__(features, name).tolist() if name in features.columns else []
        digest.update(json.dumps([None if pd.isna(v) else str(v) for v in values]).encode())
    for wkb in shapely.to_wkb(features.geometry.values):
        digest.update(b"" if wkb is None else wkb)
        digest.update(b"\0")
    return digest.hexdigest()


def category_areas(features: gpd.GeoDataFrame) -> pd.DataFrame:
    """:func:`category_table` of ``features`` within :data:`WITHIN`, remembered by their content."""
    if "category" not in features.columns or not len(features):
        return pd.DataFrame(columns=CATEGORY_AREA_COLUMNS)
    key = _digest(features)
    rows = _RECENT.get(key)
    if rows is None:
        rows = tuple(category_area_rows(features))
        remember(_RECENT, key, rows, _MAX_RECENT)
    return pd.DataFrame(list(rows), columns=CATEGORY_AREA_COLUMNS)


def version_category_areas(store: Store, version_id: int) -> pd.DataFrame:
    """:func:`category_areas` of a stored version (empty for a version without categories)."""
    return category_areas(store.features(version_id))


def by_category(table: pd.DataFrame) -> pd.DataFrame:
    """Rows of :func:`category_table` summed over sides and statuses: ``category, within, area_km2``.

    A category may span sides (DeepStateMap's grey zone is recorded as contested by
    either side, by border); its parts do not overlap, so they add up.
    """
    if table.empty:
        return pd.DataFrame(columns=["category", "within", "area_km2"])
    summed = table.groupby(["category", "within"], as_index=False, sort=False)["area_km2"].sum()
    order = summed["category"].map(CATEGORY_ORDER)
    return summed.assign(_order=order).sort_values(["_order", "within"]).drop(columns="_order")


def category_summary(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`by_category` as a table to show: a row per category, named by its label
    (``category``), a column of km² per border (``""``, ``RUS``, ``UKR``); empty without
    categories."""
    summed = by_category(table)
    if summed.empty:
        return pd.DataFrame(columns=["category"])
    wide = summed.pivot(index="category", columns="within", values="area_km2").fillna(0.0)
    wide = wide.loc[sorted(wide.index, key=CATEGORY_ORDER.__getitem__)]
    wide.index = [CATEGORY_LABELS[code] for code in wide.index]
    wide.columns = [str(c) for c in wide.columns]
    return wide.rename_axis("category").reset_index()


def _rows(store: Store, layer: str | None, as_of: dt.date | None, within: str | None) -> list[dict[str, Any]]:
    code = None
    if within:
        country_border(within)
        code = within.strip().upper()
    names = [layer] if layer else [info.name for info in store.layers() if info.kind == "territory"]
    rows: list[dict[str, Any]] = []
    for name in names:
        heads = store.heads(name)
        pairs = list(zip(heads["as_of"], heads["version_id"], strict=True))
        if as_of is not None:
            index = latest_on_or_before(list(heads["as_of"]), as_of)
            pairs = [] if index is None else [pairs[index]]
        for day, version in pairs:
            table = by_category(version_category_areas(store, int(version)))
            if code is not None:
                table = table[table["within"] == code]
            rows.extend(
                {
                    "date": day.isoformat(),
                    "layer": name,
                    "category": row["category"],
                    "label": CATEGORY_LABELS[row["category"]],
                    "within": row["within"],
                    "area_km2": round(float(row["area_km2"]), 3),
                    "method": METHOD,
                }
                for row in table.to_dict("records")
            )
    return rows


def print_category_areas(store: Store, args: argparse.Namespace) -> int:
    """``python -m layers areas --by-category``: km² per date, layer, category and border.

    Every border (unclipped ``""``, ``RUS``, ``UKR``) unless ``--within`` names one;
    ``within=UKR`` is what DeepStateMap's own figures state. Layers without categories
    print no rows, and stderr says so.
    """
    rows = _rows(store, args.layer, args.date, args.within)
    if args.format == "json":
        json.dump({"method": METHOD, "rows": rows}, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    else:
        writer = csv.DictWriter(sys.stdout, fieldnames=CATEGORY_ROW, lineterminator="\n")
        writer.writeheader()
        writer.writerows({key: csv_cell(value) for key, value in row.items()} for row in rows)
        sys.stderr.write(f"# method: {METHOD}\n")
    if not rows:
        sys.stderr.write(
            "# no snapshot shown has categories (import DeepStateMap exports with --preset deepstate)\n"
        )
    return 0
