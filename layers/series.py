"""The area series as the command line reads it: the rows shown on a date, clipped to any
border, computed from the geometry where the store has not kept that border's areas."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from .areas import ANYWHERE, area_table, country_border
from .snapshots import latest_on_or_before
from .store import Store

__all__ = ["area_rows", "computed_series"]


def area_rows(
    store: Store, layer: str | None, as_of: dt.date | None, within: str | None
) -> list[dict[str, Any]]:
    """Rows ``date, layer, held_by, status, within, area_km2`` from the stored series."""
    code = ANYWHERE
    if within:
        country_border(within)
        code = within.strip().upper()
    series = store.area_series(layer)
    if code not in set(series["within"]):
        series = computed_series(store, layer, code)
    series = series[series["within"] == code]
    if as_of is not None:
        shown = [series.iloc[0:0]]
        for _, rows in series.groupby("layer"):
            dates = sorted(set(rows["as_of"]))
            index = latest_on_or_before(dates, as_of)
            if index is not None:
                shown.append(rows[rows["as_of"] == dates[index]])
        series = pd.concat(shown)
    return [
        {
            "date": row["as_of"].isoformat(),
            "layer": row["layer"],
            "held_by": row["held_by"],
            "status": row["status"],
            "within": row["within"],
            "area_km2": round(row["area_km2"], 3),
        }
        for row in series.to_dict("records")
    ]


def computed_series(store: Store, layer: str | None, code: str) -> pd.DataFrame:
    """Areas clipped to a border that was not precomputed at import, from the geometry."""
    frames = [pd.DataFrame(columns=["as_of", "layer", "held_by", "status", "within", "area_km2"])]
    names = [layer] if layer else [info.name for info in store.layers() if info.kind == "territory"]
    for name in names:
        heads = store.heads(name)
        for as_of, version in zip(heads["as_of"], heads["version_id"], strict=True):
            table = area_table(store.features(int(version)), within=(code,))
            frames.append(table.assign(as_of=as_of, layer=name))
    return pd.concat(frames, ignore_index=True)
