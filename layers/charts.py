"""Vega-Lite specifications of the analytics charts, as plain dicts.

Plain dicts rather than Altair objects: the app redraws the area chart on every slider
step (to move the selected-date rule), and building an Altair chart spends most of a
step validating its schema (``benchmarks/README.md``). The data layers are built once
per store revision (the app caches them) and only the selected-date rule is added per
step.

Every string here comes from the store and reaches the browser as Vega-Lite data,
which Vega renders as text (tooltips and labels are not HTML), so nothing needs escaping.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd

from . import style

__all__ = [
    "AREA_MEASURES",
    "NEAR_FRONT_PLACES",
    "SELECTED",
    "STATUS_DASH",
    "Spec",
    "area_layers",
    "monthly_spec",
    "near_front_layers",
    "with_selected_date",
]

#: A Vega-Lite specification or a part of one, as plain JSON-like data.
Spec = dict[str, Any]

STATUS_DASH: dict[str, list[int]] = {"held": [], "contested": [4, 3], "claimed": [1, 3]}
#: Measures whose figures are areas at a date, so they can be plotted on the area chart.
AREA_MEASURES = ("at date", "peak to date")


def area_layers(series: pd.DataFrame, comparison: pd.DataFrame, layer: str, within: str) -> list[Spec]:
    """Lines of km² per side and status over time, and the reported figures as points.

    Parameters
    ----------
    series : DataFrame
        ``Store.area_series()`` rows.
    comparison : DataFrame
        ``figures.compare()`` rows; those of this layer and border whose measure is an
        area (not a change) are drawn as points at their date and reported value.
    layer, within
        Which layer, and which border the areas are clipped to (``""``: unclipped).
    """
    rows = series[(series["layer"] == layer) & (series["within"] == within)]
    dates = sorted(set(series.loc[series["layer"] == layer, "as_of"]))
    lines: list[Spec] = []
    kinds: dict[str, tuple[str, str]] = {}
    for (held_by, status), group in rows.groupby(["held_by", "status"], sort=True):
        # A snapshot without any feature of this side and status holds 0 km² of it.
        by_date = group.groupby("as_of")["area_km2"].sum().reindex(dates, fill_value=0.0)
        label = style.series_label(str(held_by), str(status))
        kinds[label] = (str(held_by), str(status))
        lines += [
            {"date": _iso(day), "km2": round(float(km2), 1), "series": label}
            for day, km2 in zip(dates, by_date.to_numpy(), strict=True)
        ]
    labels = sorted(kinds)
    colours = [style.side_colour(kinds[label][0]) for label in labels]
    dashes = [STATUS_DASH.get(kinds[label][1], []) for label in labels]
    x = {
        "field": "date",
        "type": "temporal",
        "axis": {"title": None, "format": "%b %Y", "tickCount": "month"},
    }
    y = {"field": "km2", "type": "quantitative", "axis": {"title": "km²"}}
    colour = {
        "field": "series",
        "type": "nominal",
        "scale": {"domain": labels, "range": colours},
        "legend": {"title": None, "orient": "top"},
    }
    layers: list[Spec] = [
        {
            "data": {"values": lines},
            "mark": {"type": "line", "interpolate": "step-after", "strokeWidth": 2},
            "encoding": {
                "x": x,
                "y": y,
                "color": colour,
                "strokeDash": {
                    "field": "series",
                    "type": "nominal",
                    "scale": {"domain": labels, "range": dashes},
                    "legend": None,
                },
                "tooltip": [
                    {"field": "date", "type": "temporal", "title": "snapshot"},
                    {"field": "series"},
                    {"field": "km2", "title": "km²", "format": ",.1f"},
                ],
            },
        }
    ]
    figures = (
        comparison[
            (comparison["layer"] == layer)
            & (comparison["within"] == within)
            & comparison["measure"].isin(AREA_MEASURES)
        ]
        if len(comparison)
        else comparison
    )
    points = [
        {
            "date": _iso(row["date"]),
            "km2": float(row["reported_km2"]),
            "map_km2": None if pd.isna(row["computed_km2"]) else round(float(row["computed_km2"]), 1),
            "kind": row["kind"],
            "source": row["source"],
            "note": row["note"],
            "measure": row["measure"],
            "scope": row["scope"],
        }
        for row in figures.to_dict("records")
    ]
    if points:
        layers.append(
            {
                "data": {"values": points},
                "mark": {"type": "point", "filled": True, "size": 80, "color": "#222222", "shape": "diamond"},
                "encoding": {
                    "x": x,
                    "y": y,
                    "shape": {
                        "field": "kind",
                        "type": "nominal",
                        "legend": {"title": "reported figure", "orient": "top"},
                    },
                    "tooltip": [
                        {"field": "date", "type": "temporal"},
                        {"field": "scope"},
                        {"field": "km2", "title": "reported km²", "format": ",.0f"},
                        {"field": "map_km2", "title": "map km²", "format": ",.0f"},
                        {"field": "measure"},
                        {"field": "kind"},
                        {"field": "source"},
                        {"field": "note"},
                    ],
                },
            }
        )
    return layers


#: Name of the dataset holding the selected date (see ``with_selected_date``).
SELECTED = "selected_date"


def with_selected_date(layers: Sequence[Spec], selected: dt.date) -> Spec:
    """A layered spec whose only per-date part is the named dataset ``SELECTED``.

    Streamlit sends named datasets apart from the spec; with the spec itself unchanged
    from one slider step to the next, the browser updates the chart's data in place
    instead of compiling and embedding a new Vega view, which cost most of a step
    (``benchmarks/README.md``).
    """
    rule = {
        "data": {"name": SELECTED},
        "mark": {"type": "rule", "color": style.SELECTED_DATE_COLOUR, "size": 2},
        "encoding": {"x": {"field": "date", "type": "temporal"}},
    }
    return {"layer": [*layers, rule], "datasets": {SELECTED: pd.DataFrame({"date": [selected.isoformat()]})}}


def monthly_spec(monthly: pd.DataFrame) -> Spec:
    """Bars of net change per month and side (``figures.monthly_change`` rows)."""
    values = [
        {
            "month": _iso(row["month"]),
            "side": style.side_name(row["held_by"]),
            "km2": round(float(row["change_km2"]), 1),
            "period": f"{row['from_as_of']} to {row['to_as_of']}"
            + (" (month not over)" if row["partial"] else ""),
        }
        for row in monthly.to_dict("records")
    ]
    codes = sorted(set(monthly["held_by"]))
    sides = [style.side_name(code) for code in codes]
    colours = [style.side_colour(code) for code in codes]
    # One layer rather than a single view: Streamlit moves a single view's inline data
    # out of the spec, layered data stays in it (and in the tests' reach).
    return {
        "layer": [
            {
                "data": {"values": values},
                "mark": {"type": "bar"},
                "encoding": {
                    "x": {
                        "field": "month",
                        "type": "temporal",
                        "timeUnit": "yearmonth",
                        "axis": {"title": None, "format": "%b %Y"},
                    },
                    "xOffset": {"field": "side"},
                    "y": {"field": "km2", "type": "quantitative", "axis": {"title": "net change, km²"}},
                    "color": {
                        "field": "side",
                        "type": "nominal",
                        "scale": {"domain": sides, "range": colours},
                        "legend": {"title": None, "orient": "top"},
                    },
                    "tooltip": [
                        {"field": "month", "type": "temporal", "timeUnit": "yearmonth", "title": "month"},
                        {"field": "side"},
                        {"field": "km2", "title": "net change km²", "format": ",.1f"},
                        {"field": "period", "title": "snapshots"},
                    ],
                },
            }
        ]
    }


#: The bars of :func:`near_front_layers`: where the events stand, their label and colour.
NEAR_FRONT_PLACES = {
    "UA": ("Ukrainian-held side", style.side_colour("UA")),
    "RU": ("Russian-held side", style.side_colour("RU")),
    "contested": ("contested", style.CONTESTED_COLOUR),
    "unmarked": ("unmarked", "#c8c8c8"),
}


def near_front_layers(daily: pd.DataFrame) -> list[Spec]:
    """Stacked bars of the events near the front per day and side (``nearfront.near_front`` rows).

    A day without a territory snapshot has no bar (not a zero); places never counted in
    ``daily`` are left out of the legend.
    """
    judged = daily[daily["near_front"].notna()]
    places = [p for p in NEAR_FRONT_PLACES if p in judged and int(judged[p].sum()) > 0] or ["UA", "RU"]
    values = [
        {"date": _iso(row["date"]), "place": NEAR_FRONT_PLACES[place][0], "events": int(row[place])}
        for row in judged.to_dict("records")
        for place in places
        if int(row[place])
    ]
    labels = [NEAR_FRONT_PLACES[p][0] for p in places]
    return [
        {
            "data": {"values": values},
            "mark": {"type": "bar"},
            "encoding": {
                "x": {
                    "field": "date",
                    "type": "temporal",
                    "timeUnit": "yearmonthdate",
                    "axis": {"title": None},
                },
                "y": {"field": "events", "type": "quantitative", "stack": True, "axis": {"title": "events"}},
                "color": {
                    "field": "place",
                    "type": "nominal",
                    "scale": {"domain": labels, "range": [NEAR_FRONT_PLACES[p][1] for p in places]},
                    "legend": {"title": None, "orient": "top"},
                },
                "tooltip": [
                    {"field": "date", "type": "temporal"},
                    {"field": "place"},
                    {"field": "events"},
                ],
            },
        }
    ]


def _iso(day: Any) -> str:
    """A date of a frame's cell as ``YYYY-MM-DD``."""
    return str(day.isoformat())
