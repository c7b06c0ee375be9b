"""Reported figures and their comparison with the areas computed from the geometry.

A reported figure says what it measures in words (``scope``) and, for comparison,
which computed series matches it: ``layer``, ``held_by``, ``status`` and ``within``
(the border the computed area is clipped to). The computed value for a figure dated D
is the area of the layer's latest snapshot on or before D. A figure with no matching
series is listed with the reason instead of being compared with the wrong thing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from . import schema
from .errors import InvalidInputError
from .snapshots import latest_on_or_before

COMPARISON_COLUMNS = [
    "date", "scope", "measure", "kind", "source", "reported_km2", "computed_km2", "computed_as_of",
    "difference_km2", "difference_pct", "note", "comparison",
]


def read_reported_figures(path: Path) -> pd.DataFrame:
    """Read a reported-figures CSV (columns per ``schema.FIGURE_FIELDS``), checking every row.

    Raises
    ------
    InvalidInputError
        Naming each bad row, field and fix.
    """
    figures = pd.read_csv(path, dtype=str, keep_default_na=False)
    problems = []
    missing = [f.name for f in schema.FIGURE_FIELDS if f.required and f.name not in figures.columns]
    if missing:
        raise InvalidInputError(f"{path.name}: missing column(s) {', '.join(missing)}; expected {', '.join(f.name for f in schema.FIGURE_FIELDS)}.")
    for number, row in enumerate(figures.to_dict("records"), start=2):
        for field in schema.FIGURE_FIELDS:
            value = row.get(field.name, "")
            if field.required and not value:
                problems.append(f"{path.name} line {number}: {field.name} is empty; give {field.help}.")
            elif value and field.allowed and value not in field.allowed:
                problems.append(f"{path.name} line {number}: {field.name} {value!r} is not one of {', '.join(field.allowed)}.")
        try:
            dt.date.fromisoformat(row["date"])
        except ValueError:
            problems.append(f"{path.name} line {number}: date expected like 2024-11-25, got {row['date']!r}.")
        try:
            float(row["value_km2"])
        except ValueError:
            problems.append(f"{path.name} line {number}: value_km2 expected a number, got {row['value_km2']!r}.")
    if problems:
        raise InvalidInputError("\n".join(problems))
    figures["date"] = figures["date"].map(dt.date.fromisoformat)
    figures["value_km2"] = figures["value_km2"].astype(float)
    return figures


def computed_at(series: pd.DataFrame, layer: str, held_by: str, status: str, within: str, as_of: dt.date, measure: str = "at date"):
    """Computed area for one scope: ``(area_km2, snapshot date)`` or None.

    ``series`` is ``Store.area_series()``. With ``measure="at date"`` the snapshot is
    the latest on or before ``as_of``; with ``"peak to date"`` it is the one with the
    largest area among all snapshots on or before ``as_of``. A snapshot with no feature
    of that side and status counts as 0 km² (the side holds nothing there), not as missing.
    """
    layer_rows = series[series["layer"] == layer]
    dates = sorted(set(layer_rows["as_of"]))
    index = latest_on_or_before(dates, as_of)
    if index is None:
        return None
    match = layer_rows[(layer_rows["held_by"] == held_by) & (layer_rows["status"] == status) & (layer_rows["within"] == within)]
    by_date = match.groupby("as_of")["area_km2"].sum().reindex(dates[: index + 1], fill_value=0.0)
    snapshot_date = by_date.idxmax() if measure == "peak to date" else dates[index]
    return (float(by_date.loc[snapshot_date]), snapshot_date)


def compare(figures: pd.DataFrame, series: pd.DataFrame) -> pd.DataFrame:
    """Each reported figure beside the computed area for the same scope and date.

    Returns
    -------
    DataFrame
        ``COMPARISON_COLUMNS``; ``difference_km2`` is computed minus reported and
        ``difference_pct`` is relative to the reported figure.
    """
    rows = []
    layers = set(series["layer"])
    for figure in figures.to_dict("records"):
        computed, computed_as_of, comparison = np.nan, None, "compared"
        if not figure.get("layer"):
            comparison = "no computed series: the figure names no layer"
        elif figure["layer"] not in layers:
            comparison = f"no computed series: layer {figure['layer']!r} is not loaded"
        else:
            found = computed_at(
                series, figure["layer"], figure["held_by"], figure["status"], figure["within"], figure["date"], figure.get("measure") or "at date"
            )
            if found is None:
                comparison = "no computed series: the layer has no snapshot on or before this date"
            else:
                computed, computed_as_of = found
        difference = computed - figure["value_km2"]
        rows.append(
            {
                "date": figure["date"],
                "scope": figure["scope"],
                "measure": figure.get("measure") or "at date",
                "kind": figure["kind"],
                "source": figure["source"],
                "reported_km2": figure["value_km2"],
                "computed_km2": computed,
                "computed_as_of": computed_as_of,
                "difference_km2": difference,
                "difference_pct": 100 * difference / figure["value_km2"] if figure["value_km2"] else np.nan,
                "note": figure.get("note", ""),
                "comparison": comparison,
            }
        )
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def nearest(comparison: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The figures of each scope dated nearest to ``as_of`` (ties all kept), nearest scope first."""
    if comparison.empty:
        return comparison
    distance = comparison["date"].map(lambda d: abs((d - as_of).days))
    best = distance.groupby(comparison["scope"]).transform("min")
    return comparison[distance == best].assign(_distance=distance).sort_values(["_distance", "date"], kind="stable").drop(columns="_distance")
