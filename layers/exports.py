"""Files a reader takes away: CSV of areas and comparisons, GeoJSON of a snapshot.

Every export names its area method and the border outline it was clipped with, in a
column (CSV) or in ``metadata`` (GeoJSON), so a figure copied into an article or a
slide still says how it was computed. The same functions serve the app's download
buttons and the command line, so both give byte-identical files.

Every CSV the project writes goes through :func:`csv_text` (or :func:`csv_cell`, for a
writer of rows): a text cell that a spreadsheet would run as a formula (it starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return; OWASP's "CSV injection") is
written with a ``'`` in front, so it shows as the text it is. Numbers are never
changed: a negative area stays a negative number.

An illustrative layer (drawn by the project, not a source: :func:`layers.alttext.is_illustrative`)
says so in every export: an ``illustrative`` column (``true``/``false``) in the CSVs
with a layer column, and ``illustrative: true`` with a ``note`` in a GeoJSON's ``metadata``.

Every export states its layers' credit (:mod:`layers.credits`): a ``credit`` column in
the CSVs with a layer column (the row's layer's :func:`~layers.credits.credit_line`,
"non-commercial use only" when its licence says so; why a column and not comment lines or
a file beside it: :mod:`layers.attribution`), and ``credit`` in a GeoJSON's ``metadata``
(:meth:`Credit.as_dict <layers.credits.Credit.as_dict>` with the ``line``). A layer
without a credit says "licence not stated".
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from typing import Protocol

import numpy as np
import pandas as pd

from .alttext import ILLUSTRATIVE_NOTE, illustrative_label, is_illustrative
from .areas import BORDERS_SOURCE, METHOD
from .attribution import credit_column
from .categories import label_features
from .credits import Credit, credit_line
from .figures import COMPARISON_COLUMNS
from .snapshots import Snapshot

__all__ = [
    "AREA_SERIES_COLUMNS",
    "FORMULA_PREFIXES",
    "area_series_csv",
    "comparison_csv",
    "csv_cell",
    "csv_text",
    "geojson_credit",
    "illustrative_column",
    "illustrative_layers",
    "snapshot_geojson",
    "table_csv",
]

#: Columns of :func:`area_series_csv`.
AREA_SERIES_COLUMNS = [
    "date",
    "layer",
    "held_by",
    "status",
    "within",
    "area_km2",
    "method",
    "borders",
    "illustrative",
    "credit",
]

#: First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class _Described(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...


def illustrative_layers(layers: Iterable[_Described]) -> frozenset[str]:
    """The names of the illustrative layers among ``layers`` (``Store.layers()``)."""
    return frozenset(layer.name for layer in layers if is_illustrative(layer.description))


def illustrative_column(names: pd.Series, illustrative: Collection[str]) -> pd.Series:
    """``true`` where the layer named is illustrative, else ``false``: a CSV column."""
    return names.map(lambda name: "true" if name in illustrative else "false")


def csv_cell(value: object) -> object:
    """``value`` as it goes into a CSV cell: text a spreadsheet would run as a formula gets a ``'`` in front.

    Only text is changed; numbers, dates and missing values are returned as they are.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_text(table: pd.DataFrame) -> str:
    """``table`` as CSV (no index, ``\\n`` line ends), every text cell passed through :func:`csv_cell`."""
    safe = table.copy()
    for column in range(safe.shape[1]):
        values = safe.iloc[:, column]
        if pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values):
            safe.isetitem(column, values.map(csv_cell).to_numpy())
    return safe.to_csv(index=False, lineterminator="\n")


def area_series_csv(
    series: pd.DataFrame, illustrative: Collection[str] = (), credits: Mapping[str, Credit] | None = None
) -> str:
    """``Store.area_series()`` rows as CSV, one row per date x layer x side x status x border.

    ``within`` is empty for the unclipped area, else the ISO3 code of the border;
    ``illustrative`` is ``true`` for the layers named in ``illustrative``; ``credit`` is the
    layer's credit line from ``credits`` (``Store.credits()``; "licence not stated" where none).
    """
    table = pd.DataFrame(
        {
            "date": series["as_of"].map(lambda d: d.isoformat()),
            "layer": series["layer"],
            "held_by": series["held_by"],
            "status": series["status"],
            "within": series["within"],
            "area_km2": _rounded(series["area_km2"], 3),
            "method": series.get("method", METHOD),
            "borders": BORDERS_SOURCE,
            "illustrative": illustrative_column(series["layer"], illustrative),
            "credit": credit_column(series["layer"], credits or {}),
        },
        columns=AREA_SERIES_COLUMNS,
    )
    return csv_text(table)


def comparison_csv(
    comparison: pd.DataFrame, illustrative: Collection[str] = (), credits: Mapping[str, Credit] | None = None
) -> str:
    """``figures.compare()`` as CSV, with the method and border outline on every row,
    whether the layer compared with is illustrative (one of ``illustrative``) and its
    credit line (from ``credits``)."""
    table = comparison[COMPARISON_COLUMNS].copy()
    for column in ("reported_km2", "computed_km2", "difference_km2"):
        table[column] = _rounded(table[column], 3)
    table["difference_pct"] = _rounded(table["difference_pct"], 2)
    table["method"] = METHOD
    table["borders"] = BORDERS_SOURCE
    table["illustrative"] = illustrative_column(table["layer"], illustrative)
    table["credit"] = credit_column(table["layer"], credits or {})
    return csv_text(table)


def table_csv(table: pd.DataFrame, credits: Mapping[str, Credit] | None = None) -> str:
    """Any table of km² as CSV with the method and outline columns appended, numbers to 3
    decimals; with ``credits`` and a ``layer`` column, the ``credit`` column last."""
    table = table.assign(method=METHOD, borders=BORDERS_SOURCE)
    if credits is not None and "layer" in table:
        table["credit"] = credit_column(table["layer"], credits)
    for column in table.select_dtypes("number").columns:
        table[column] = _rounded(table[column], 3)
    return csv_text(table)


def _rounded(values: pd.Series, digits: int) -> pd.Series:
    """``values`` rounded to ``digits`` decimals, without the overflow to inf of ``Series.round``.

    pandas rounds by multiplying by 10**digits first, so 1e308 km² became inf; a value
    of 1e15 or more has no decimals worth keeping in a float anyway.
    """
    if not pd.api.types.is_float_dtype(values):
        return values.round(digits)
    with np.errstate(over="ignore", invalid="ignore"):
        rounded = values.round(digits)
    return rounded.where(values.abs() < 1e15, values)


def geojson_credit(layer: str, credit: Credit | None) -> dict[str, object]:
    """A GeoJSON's ``metadata.credit``: :meth:`Credit.as_dict <layers.credits.Credit.as_dict>`
    and the ``line`` the map and slides print."""
    return {**(credit or Credit()).as_dict(), "line": credit_line(layer, credit)}


def snapshot_geojson(snapshot: Snapshot, illustrative: bool = False, credit: Credit | None = None) -> str:
    """One snapshot's features as a GeoJSON FeatureCollection with provenance in ``metadata``;
    an ``illustrative`` layer's says so (``illustrative: true`` and a ``note``); ``credit``
    is the layer's (:func:`geojson_credit`; "licence not stated" when None)."""
    features = snapshot.features
    # A feature's category (DeepStateMap's own) keeps its code, with its label beside it.
    collection = label_features(json.loads(features.to_json(drop_id=True, na="drop")))
    collection["metadata"] = {
        "layer": snapshot.layer,
        "snapshot": snapshot.as_of.isoformat(),
        "requested": snapshot.requested.isoformat(),
        "version_id": snapshot.version_id,
        "area_method": METHOD,
        "borders": BORDERS_SOURCE,
        "illustrative": illustrative,
        "credit": geojson_credit(snapshot.layer, credit),
    }
    if snapshot.provenance is not None:
        # Where the synced file came from: URL, time fetched, SHA-256, ETag, Last-Modified.
        collection["metadata"]["provenance"] = dict(snapshot.provenance)
    if illustrative:
        collection["metadata"]["note"] = f"{illustrative_label(snapshot.layer)}: {ILLUSTRATIVE_NOTE}."
    return json.dumps(collection, ensure_ascii=False)
