"""Reported figures and their comparison with the areas computed from the geometry.

A reported figure says what it measures in words (``scope``) and, for comparison,
which computed series matches it: ``layer``, ``held_by``, ``status`` and ``within``
(the border the computed area is clipped to), and a ``measure`` (``schema.MEASURES``):
the area at its date, the peak so far, or the net change over its calendar month or
year. The computed value for a figure dated D uses the layer's latest snapshot on or
before D (and, for a change, on or before the end of the previous month or year). A
figure with no matching series is listed with the reason instead of being compared
with the wrong thing.

Shares are given against ``UKRAINE_OFFICIAL_KM2``, the denominator DeepStateMap states
its percentages against, never against our own outline's area (which the app shows
beside it, so the difference between the two denominators is visible).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd

from . import schema
from .areas import load_borders
from .errors import InvalidInputError
from .snapshots import latest_on_or_before
from .store.inputs import text_problem

__all__ = [
    "COMPARISON_COLUMNS",
    "UKRAINE_OFFICIAL_KM2",
    "UKRAINE_OFFICIAL_SOURCE",
    "check_figures",
    "compare",
    "computed_at",
    "disagreement_line",
    "disagreement_table",
    "largest_disagreements",
    "monthly_change",
    "nearest",
    "period_start",
    "read_reported_figures",
]

#: Ukraine's official area in km², Crimea included (State Statistics Service of Ukraine):
#: the denominator of DeepStateMap's percentages.
UKRAINE_OFFICIAL_KM2 = 603_628.0
UKRAINE_OFFICIAL_SOURCE = (
    "Ukraine's official area, 603,628 km² incl. Crimea (the denominator DeepStateMap uses)"
)

#: Columns of :func:`compare`.
COMPARISON_COLUMNS = [
    "date",
    "scope",
    "measure",
    "kind",
    "source",
    "reported_km2",
    "computed_km2",
    "computed_as_of",
    "computed_from",
    "difference_km2",
    "difference_pct",
    "layer",
    "held_by",
    "status",
    "within",
    "note",
    "comparison",
]


def read_reported_figures(path: Path, defaults: Mapping[str, object] | None = None) -> pd.DataFrame:
    """Read a reported-figures CSV (columns per ``schema.FIGURE_FIELDS``), checking every row.

    ``defaults`` fills the scope fields (``layer, held_by, status, within, measure``) of
    rows that leave them empty; a row's own value wins.

    Raises
    ------
    InvalidInputError
        Naming each bad row, field and fix.
    """
    try:
        figures = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise InvalidInputError(
            f"{path.name}: cannot read it as CSV ({error}); save it as UTF-8 CSV with a header row."
        ) from None
    return check_figures(figures, path.name, defaults, first_line=2)


def check_figures(
    figures: pd.DataFrame, name: str, defaults: Mapping[str, object] | None = None, first_line: int = 1
) -> pd.DataFrame:
    """Check reported figures (strings, as read from a CSV or typed in the app) and convert them.

    Parameters
    ----------
    figures : DataFrame
        One row per figure, columns per ``schema.FIGURE_FIELDS`` (optional ones may be absent).
    name : str
        What to call the input in messages (a file name, "new figure").
    defaults : dict, optional
        Values for empty scope fields (``layer, held_by, status, within, measure``).
    first_line : int
        Line number of the first row in messages (2 for a CSV with a header); 0 names
        the input alone, for a single figure typed in the app.

    Returns
    -------
    DataFrame
        Every ``FIGURE_FIELDS`` column; ``date`` as ``datetime.date``, ``value_km2`` as float,
        ``measure`` defaulted to "at date", ``within`` upper-cased.

    Raises
    ------
    InvalidInputError
        Naming each bad row, field and fix; nothing is returned then.
    """
    expected = ", ".join(f.name for f in schema.FIGURE_FIELDS)
    missing = [f.name for f in schema.FIGURE_FIELDS if f.required and f.name not in figures.columns]
    if missing:
        raise InvalidInputError(f"{name}: missing column(s) {', '.join(missing)}; expected {expected}.")
    unknown = [c for c in figures.columns if c not in {f.name for f in schema.FIGURE_FIELDS}]
    if unknown:
        raise InvalidInputError(
            f"{name}: unknown column(s) {', '.join(map(repr, unknown))}; expected {expected}."
        )
    figures = figures.copy()
    for field in schema.FIGURE_FIELDS:
        if field.name not in figures.columns:
            figures[field.name] = ""
        figures[field.name] = figures[field.name].fillna("").astype(str).str.strip()
    for key, value in (defaults or {}).items():
        if value:
            figures.loc[figures[key] == "", key] = str(value)
    figures["within"] = figures["within"].str.upper()
    figures.loc[figures["measure"] == "", "measure"] = "at date"
    known_borders = set(load_borders().index)
    problems = []
    for number, row in enumerate(figures.to_dict("records"), start=first_line):
        where = f"{name} line {number}" if first_line else name
        for field in schema.FIGURE_FIELDS:
            value = row[field.name]
            if field.required and not value:
                problems.append(f"{where}: {field.name} is empty; give {field.help}.")
            elif value and field.allowed and value not in field.allowed:
                problems.append(f"{where}: {field.name} {value!r} is not one of {', '.join(field.allowed)}.")
            elif value and field.max_chars is not None:
                problem = text_problem(value, field.max_chars, one_line=field.one_line)
                if problem:
                    problems.append(f"{where}: {field.name} {_cut(value)!r} {problem}.")
        try:
            dt.date.fromisoformat(row["date"])
        except ValueError:
            if row["date"]:
                problems.append(f"{where}: date expected like 2024-11-25, got {row['date']!r}.")
        if row["value_km2"]:
            problems += _value_problems(where, row["value_km2"], row["measure"])
        if row["layer"]:
            for key in ("held_by", "status"):
                if not row[key]:
                    problems.append(
                        f"{where}: {key} is empty; a figure compared with layer {row['layer']!r} "
                        f"needs {key} ({_allowed(key)})."
                    )
        if row["within"] and row["within"] not in known_borders:
            problems.append(
                f"{where}: within {row['within']!r} is not a bundled border; use an ISO 3166-1 alpha-3 "
                "code such as RUS or UKR, or leave it empty for the unclipped area."
            )
    if problems:
        raise InvalidInputError("\n".join(problems))
    figures["date"] = figures["date"].map(dt.date.fromisoformat)
    figures["value_km2"] = figures["value_km2"].str.replace(",", "").astype(float)
    return figures[[f.name for f in schema.FIGURE_FIELDS]]


def _value_problems(where: str, text: str, measure: str) -> list[str]:
    """Why a figure's ``value_km2`` (as typed) is not a usable number of km², as a list of at most one."""
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        return [f"{where}: value_km2 expected a number of km², got {text!r}."]
    if not math.isfinite(value):
        return [f"{where}: value_km2 is {text!r}; give a finite number of km², such as 1268."]
    if abs(value) > schema.MAX_AREA_KM2:
        return [
            f"{where}: value_km2 {text!r} is more than {schema.MAX_AREA_KM2:,.0f} km² (Russia, the largest "
            "country, is 17.1 million km²); check the value and its unit (km², not m² or hectares)."
        ]
    if value < 0 and measure in ("at date", "peak to date"):
        return [
            f"{where}: value_km2 {text!r} is negative, but an area {measure} cannot be; give it as a "
            "positive number, or set measure to 'net change in month' or 'net change in year' for a loss."
        ]
    return []


def _cut(text: str) -> str:
    return text if len(text) <= 40 else f"{text[:40]}…"


def _allowed(name: str) -> str:
    """The allowed values of a figure's field, listed for a message."""
    field = schema.FIGURE.field_named(name)
    return ", ".join(field.allowed or ()) if field is not None else ""


def period_start(as_of: dt.date, measure: str) -> dt.date | None:
    """The baseline date of a change measure: the last day before the figure's month or year."""
    if measure == "net change in month":
        return as_of.replace(day=1) - dt.timedelta(days=1)
    if measure == "net change in year":
        return as_of.replace(month=1, day=1) - dt.timedelta(days=1)
    return None


def computed_at(
    series: pd.DataFrame,
    layer: str,
    held_by: str,
    status: str,
    within: str,
    as_of: dt.date,
    measure: str = "at date",
) -> tuple[float, dt.date, dt.date | None] | None:
    """Computed value for one scope: ``(km², snapshot date, baseline snapshot date)`` or None.

    ``series`` is ``Store.area_series()``. With ``measure="at date"`` the snapshot is
    the latest on or before ``as_of``; with ``"peak to date"`` it is the one with the
    largest area among all snapshots on or before ``as_of``. The change measures subtract
    the area of the latest snapshot on or before the end of the previous month or year
    (``period_start``); None when the layer has no snapshot that early. A snapshot with
    no feature of that side and status counts as 0 km² (the side holds nothing there),
    not as missing. The baseline date is None for measures that are not changes.
    """
    layer_rows = series[series["layer"] == layer]
    dates = sorted(set(layer_rows["as_of"]))
    index = latest_on_or_before(dates, as_of)
    if index is None:
        return None
    match = layer_rows[
        (layer_rows["held_by"] == held_by)
        & (layer_rows["status"] == status)
        & (layer_rows["within"] == within)
    ]
    by_date = match.groupby("as_of")["area_km2"].sum().reindex(dates[: index + 1], fill_value=0.0)
    start = period_start(as_of, measure)
    if start is not None:
        base = latest_on_or_before(dates, start)
        if base is None:
            return None
        return (float(by_date.loc[dates[index]] - by_date.loc[dates[base]]), dates[index], dates[base])
    # The index holds the snapshot dates; pandas types idxmax's label only as Hashable.
    snapshot_date = cast(dt.date, by_date.idxmax()) if measure == "peak to date" else dates[index]
    return (float(by_date.loc[snapshot_date]), snapshot_date, None)


def monthly_change(series: pd.DataFrame, layer: str, within: str = "", status: str = "held") -> pd.DataFrame:
    """Net change of each side's area per calendar month, from month-end to month-end.

    The area at a month's end is that of the latest snapshot on or before its last day;
    the first month of a layer is left out (no baseline), and a month whose end is after
    the last snapshot ends at the last snapshot instead ("partial").

    Returns
    -------
    DataFrame
        Columns ``month`` (first day), ``held_by``, ``from_as_of``, ``to_as_of``,
        ``change_km2``, ``partial``.
    """
    columns = ["month", "held_by", "from_as_of", "to_as_of", "change_km2", "partial"]
    layer_rows = series[
        (series["layer"] == layer) & (series["within"] == within) & (series["status"] == status)
    ]
    dates = sorted(set(series.loc[series["layer"] == layer, "as_of"]))
    if len(dates) < 2:
        return pd.DataFrame(columns=columns)
    table = (
        layer_rows.pivot_table(index="as_of", columns="held_by", values="area_km2", aggfunc="sum")
        .reindex(dates)
        .fillna(0.0)
    )
    rows = []
    month = dates[0].replace(day=1)
    while month <= dates[-1]:
        following = (month + dt.timedelta(days=32)).replace(day=1)
        start, end = (
            latest_on_or_before(dates, month - dt.timedelta(days=1)),
            latest_on_or_before(dates, following - dt.timedelta(days=1)),
        )
        if start is not None and end is not None and end > start:
            for side in table.columns:
                change = table[side].iloc[end] - table[side].iloc[start]
                rows.append(
                    (
                        month,
                        side,
                        dates[start],
                        dates[end],
                        float(change),
                        following - dt.timedelta(days=1) > dates[-1],
                    )
                )
        month = following
    return pd.DataFrame(rows, columns=columns)


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
        computed, computed_as_of, computed_from, comparison = np.nan, None, None, "compared"
        measure = figure.get("measure") or "at date"
        if not figure.get("layer"):
            comparison = "no computed series: the figure names no layer"
        elif figure["layer"] not in layers:
            comparison = f"no computed series: layer {figure['layer']!r} is not loaded"
        else:
            found = computed_at(
                series,
                figure["layer"],
                figure["held_by"],
                figure["status"],
                figure["within"],
                figure["date"],
                measure,
            )
            start = period_start(figure["date"], measure)
            if found is None and start is not None:
                comparison = (
                    f"no computed series: the layer has no snapshot on or before {start}, "
                    "the start of the period"
                )
            elif found is None:
                comparison = "no computed series: the layer has no snapshot on or before this date"
            else:
                computed, computed_as_of, computed_from = found
        difference = computed - figure["value_km2"]
        rows.append(
            {
                "date": figure["date"],
                "scope": figure["scope"],
                "measure": measure,
                "kind": figure["kind"],
                "source": figure["source"],
                "reported_km2": figure["value_km2"],
                "computed_km2": computed,
                "computed_as_of": computed_as_of,
                "computed_from": computed_from,
                "difference_km2": difference,
                "difference_pct": 100 * difference / figure["value_km2"] if figure["value_km2"] else np.nan,
                **{key: figure.get(key) or "" for key in ("layer", "held_by", "status", "within")},
                "note": figure.get("note", ""),
                "comparison": comparison,
            }
        )
    return pd.DataFrame(rows, columns=COMPARISON_COLUMNS)


def nearest(comparison: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The figures of each scope dated nearest to ``as_of`` (ties all kept), nearest scope first."""
    if comparison.empty:
        return comparison
    # Plain Python over a few dozen rows: much faster than the pandas form (map, groupby,
    # sort) on every slider step; figures in benchmarks/README.md.
    dates, scopes = comparison["date"].tolist(), comparison["scope"].tolist()
    distances = [abs((d - as_of).days) for d in dates]
    best: dict[str, int] = {}
    for scope, distance in zip(scopes, distances, strict=True):
        best[scope] = min(distance, best.get(scope, distance))
    keep = sorted(
        (
            i
            for i, (scope, distance) in enumerate(zip(scopes, distances, strict=True))
            if distance == best[scope]
        ),
        key=lambda i: (distances[i], dates[i]),
    )
    return comparison.iloc[keep]


def largest_disagreements(
    comparison: pd.DataFrame,
    source: str = "DeepStateMap",
    *,
    by: str = "absolute",
    limit: int = 10,
    layer: str | None = None,
) -> pd.DataFrame:
    """The compared figures a mapping project published from its own map, largest disagreement first.

    Parameters
    ----------
    comparison : DataFrame
        :func:`compare` rows.
    source : str
        The figures' ``source`` (kind "mapped" only).
    by : str
        ``"absolute"`` orders by |map − reported| km², ``"relative"`` by |difference %|
        (figures of 0 km² have no relative difference and are left out then).
    limit : int
        Most rows returned.
    layer : str, optional
        Only figures compared with this layer.

    Returns
    -------
    DataFrame
        ``COMPARISON_COLUMNS``. Of figures for the same layer, date and scope, only the one
        stored last counts: a day synced again from a later snapshot has its newer figure.
    """
    if by not in ("absolute", "relative"):
        raise ValueError(f"by must be 'absolute' or 'relative', not {by!r}")
    rows = comparison[
        (comparison["source"] == source)
        & (comparison["kind"] == "mapped")
        & (comparison["comparison"] == "compared")
    ]
    if layer is not None:
        rows = rows[rows["layer"] == layer]
    scope = ["layer", "date", "scope", "held_by", "status", "within", "measure"]
    rows = rows.drop_duplicates(scope, keep="last")
    size = (rows["difference_km2"] if by == "absolute" else rows["difference_pct"]).abs()
    order = size.dropna().sort_values(ascending=False, kind="stable").index[:limit]
    return rows.loc[order]


def _pct(value: float) -> str:
    return "n/a" if pd.isna(value) else f"{value:+.1f} %"


def disagreement_line(row: Mapping[Any, object], source: str = "DeepStateMap") -> str:
    """One disagreement as a line of text.

    For example ``2024-08-05 (scope): map 3,324 km² vs DeepStateMap 3,400 km² (-2.2 %)``.
    """
    computed = cast(float, row["computed_km2"])
    reported = cast(float, row["reported_km2"])
    return (
        f"{row['date']} ({row['scope']}): map {computed:,.0f} km² vs {source} {reported:,.0f} km² "
        f"({_pct(cast(float, row['difference_pct']))})"
    )


def disagreement_table(rows: pd.DataFrame, source: str = "DeepStateMap") -> pd.DataFrame:
    """:func:`largest_disagreements` rows as a table of readable text: km² with thousands
    separators, differences and percentages signed."""
    return pd.DataFrame(
        {
            "date": [d.isoformat() for d in rows["date"]],
            "layer": rows["layer"].tolist(),
            "what": rows["scope"].tolist(),
            "map km²": [f"{v:,.0f}" for v in rows["computed_km2"]],
            f"{source} km²": [f"{v:,.0f}" for v in rows["reported_km2"]],
            "map − figure km²": [f"{v:+,.0f}" for v in rows["difference_km2"]],
            "difference": [_pct(v) for v in rows["difference_pct"]],
            "snapshot used": [d.isoformat() for d in rows["computed_as_of"]],
        }
    )
