"""Files a reader takes away: CSV of areas and comparisons, GeoJSON of a snapshot.

Every export names its area method and the border outline it was clipped with, in a
column (CSV) or in ``metadata`` (GeoJSON), so a figure copied into an article or a
slide still says how it was computed. The same functions serve the app's download
buttons and the command line, so both give byte-identical files.
"""

from __future__ import annotations

import json

import pandas as pd

from .areas import BORDERS_SOURCE, METHOD
from .figures import COMPARISON_COLUMNS
from .snapshots import Snapshot

__all__ = ["AREA_SERIES_COLUMNS", "area_series_csv", "comparison_csv", "snapshot_geojson", "table_csv"]

#: Columns of :func:`area_series_csv`.
AREA_SERIES_COLUMNS = ["date", "layer", "held_by", "status", "within", "area_km2", "method", "borders"]


def area_series_csv(series: pd.DataFrame) -> str:
    """``Store.area_series()`` rows as CSV, one row per date x layer x side x status x border.

    ``within`` is empty for the unclipped area, else the ISO3 code of the border.
    """
    table = pd.DataFrame(
        {
            "date": series["as_of"].map(lambda d: d.isoformat()),
            "layer": series["layer"],
            "held_by": series["held_by"],
            "status": series["status"],
            "within": series["within"],
            "area_km2": series["area_km2"].round(3),
            "method": series.get("method", METHOD),
            "borders": BORDERS_SOURCE,
        },
        columns=AREA_SERIES_COLUMNS,
    )
    return table.to_csv(index=False, lineterminator="\n")


def comparison_csv(comparison: pd.DataFrame) -> str:
    """``figures.compare()`` as CSV, with the method and border outline on every row."""
    table = comparison[COMPARISON_COLUMNS].copy()
    for column in ("reported_km2", "computed_km2", "difference_km2"):
        table[column] = table[column].round(3)
    table["difference_pct"] = table["difference_pct"].round(2)
    table["method"] = METHOD
    table["borders"] = BORDERS_SOURCE
    return table.to_csv(index=False, lineterminator="\n")


def table_csv(table: pd.DataFrame) -> str:
    """Any table of km² as CSV with the method and outline columns appended, numbers to 3 decimals."""
    return (
        table.assign(method=METHOD, borders=BORDERS_SOURCE).round(3).to_csv(index=False, lineterminator="\n")
    )


def snapshot_geojson(snapshot: Snapshot) -> str:
    """One snapshot's features as a GeoJSON FeatureCollection with provenance in ``metadata``."""
    features = snapshot.features
    collection = json.loads(features.to_json(drop_id=True, na="drop"))
    collection["metadata"] = {
        "layer": snapshot.layer,
        "snapshot": snapshot.as_of.isoformat(),
        "requested": snapshot.requested.isoformat(),
        "version_id": snapshot.version_id,
        "area_method": METHOD,
        "borders": BORDERS_SOURCE,
    }
    return json.dumps(collection, ensure_ascii=False)
