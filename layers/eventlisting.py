"""``python -m layers events``: an events layer's events as CSV or GeoJSON, or per day near the front.

The listing reads the layer's current version (:func:`layers.events.all_events`), keeps
the events from ``--from`` to ``--to`` (both included) of one ``--kind`` if asked, and
prints them sorted by date then id. The CSV has the contract's columns first
(:data:`LISTING_COLUMNS`), then every further property the layer's events carry (a FIRMS
import's ``frp``, ``satellite`` ...) in alphabetical order, and last the layer's
``credit`` line (also on stderr); every text cell is guarded against formula injection
(:func:`layers.exports.csv_cell`). The GeoJSON is a FeatureCollection whose ``metadata``
names the layer, the filters, the layer's ``credit`` (:func:`layers.exports.geojson_credit`),
the count and, for an illustrative layer, ``illustrative: true`` with a note.

With ``--near-front KM`` it prints instead one row per day of the events within KM of
the front line of a territory layer (:mod:`layers.nearfront`), with the method on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from . import schema
from .alttext import ILLUSTRATIVE_NOTE, illustrative_label, is_illustrative
from .credits import credit_line
from .errors import InvalidInputError
from .events import all_events, events_between
from .exports import csv_text, geojson_credit
from .ingest import seed_if_embedded
from .nearfront import COUNT_COLUMNS, default_front_layer, method_text, near_front
from .store import LayerInfo, Store, default_url

__all__ = [
    "LISTING_COLUMNS",
    "NEAR_FRONT_COLUMNS",
    "listing_csv",
    "listing_geojson",
    "run_events",
    "selected_events",
]

#: The listing's first columns, in this order; further properties follow alphabetically.
LISTING_COLUMNS = [
    "id",
    "occurred_on",
    "kind",
    "lat",
    "lon",
    "title",
    "source",
    "confidence",
    "place",
    "weapon",
    "target",
    "claims",
]

#: Columns of ``events --near-front``.
NEAR_FRONT_COLUMNS = ["date", "front_layer", "snapshot", "km", "near_front", *COUNT_COLUMNS, "events"]


def _layer(store: Store, name: str, kind: str, option: str) -> LayerInfo:
    """The layer called ``name``, which must be of ``kind``; else a message listing the right ones."""
    layers = store.layers()
    right = [layer.name for layer in layers if layer.kind == kind]
    listed = ", ".join(repr(n) for n in right) if right else f"none: the store has no {kind} layer"
    for layer in layers:
        if layer.name == name:
            if layer.kind != kind:
                raise InvalidInputError(
                    f"{option} {name!r} is {_a(layer.kind)} layer; give {_a(kind)} layer: {listed}."
                )
            return layer
    raise InvalidInputError(f"{option} {name!r}: no such {kind} layer; the store's {kind} layers: {listed}.")


def _a(kind: str) -> str:
    return f"an {kind}" if kind[:1] in ("a", "e", "i", "o", "u") else f"a {kind}"


def selected_events(
    events: gpd.GeoDataFrame, start: Any = None, end: Any = None, kind: str | None = None
) -> gpd.GeoDataFrame:
    """``events`` from ``start`` to ``end`` (both included, either open) of ``kind``, by date then id."""
    if start is not None or end is not None:
        events = events_between(
            events,
            start or min(events["occurred_on"], default=end),
            end or max(events["occurred_on"], default=start),
        )
    if kind is not None and "kind" in events:
        events = events[events["kind"] == kind]
    if events.empty:
        return events
    order = np.lexsort(
        (events["id"].astype(str).to_numpy(), pd.to_datetime(events["occurred_on"]).to_numpy())
    )
    return events.iloc[order].reset_index(drop=True)


def _columns(events: gpd.GeoDataFrame) -> list[str]:
    extra = sorted(c for c in events.columns if c not in LISTING_COLUMNS and c != events.geometry.name)
    return [*LISTING_COLUMNS, *extra]


def _table(events: gpd.GeoDataFrame) -> pd.DataFrame:
    columns = _columns(events)
    table = pd.DataFrame(index=range(len(events)))
    for column in columns:
        if column == "lat":
            table[column] = events.geometry.y.to_numpy() if len(events) else []
        elif column == "lon":
            table[column] = events.geometry.x.to_numpy() if len(events) else []
        elif column in events:
            values = events[column].reset_index(drop=True)
            if values.map(lambda v: isinstance(v, (list, dict))).any():
                values = values.map(
                    lambda v: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v
                )
            table[column] = values.to_numpy()
        else:
            table[column] = ""
    table["occurred_on"] = table["occurred_on"].astype(str)
    return table


def listing_csv(events: gpd.GeoDataFrame, credit: str | None = None) -> str:
    """Selected events as CSV: :data:`LISTING_COLUMNS`, then the further properties; text guarded.

    ``credit``: the layer's credit line (:func:`layers.credits.credit_line`), in a ``credit``
    column last on every row (it takes the place of a property so named); why a column:
    :mod:`layers.attribution`.
    """
    table = _table(events)
    if credit is not None:
        table = table.drop(columns="credit", errors="ignore").assign(credit=credit)
    return csv_text(table)


def listing_geojson(events: gpd.GeoDataFrame, metadata: dict[str, Any]) -> str:
    """Selected events as a FeatureCollection, ``metadata`` as given with the count added."""
    columns = [c for c in _columns(events) if c in events and c not in ("lat", "lon")]
    features = []
    records = (
        events[columns].assign(occurred_on=events["occurred_on"].astype(str)).to_dict("records")
        if len(events)
        else []
    )
    for record, point in zip(records, events.geometry.values, strict=True):
        properties = {key: value for key, value in record.items() if not _missing(value)}
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [point.x, point.y]},
                "properties": properties,
            }
        )
    return json.dumps(
        {"type": "FeatureCollection", "metadata": {**metadata, "count": len(features)}, "features": features},
        ensure_ascii=False,
    )


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def run_events(args: argparse.Namespace) -> int:
    """``python -m layers events``: the listing, or with ``--near-front`` the daily counts."""
    if args.since and args.until and args.since > args.until:
        raise InvalidInputError(
            f"--from {args.since} is after --to {args.until}; give --from on or before --to."
        )
    if args.near_front is not None and args.format != "csv":
        raise InvalidInputError("--near-front prints CSV only; leave out --format geojson.")
    store = Store(args.db or default_url())
    seed_if_embedded(store)
    layer = _layer(store, args.layer, "events", "--layer")
    events = selected_events(all_events(store, args.layer), args.since, args.until, args.kind)
    if args.near_front is not None:
        return _print_near_front(store, args, events)
    if args.front_layer is not None:
        raise InvalidInputError(
            "--front-layer goes with --near-front KM; add it, or leave out --front-layer."
        )
    illustrative = is_illustrative(layer.description)
    if args.format == "geojson":
        metadata: dict[str, Any] = {
            "layer": args.layer,
            "from": args.since and args.since.isoformat(),
            "to": args.until and args.until.isoformat(),
            "kind": args.kind,
            "credit": geojson_credit(args.layer, layer.credit),
        }
        if illustrative:
            metadata.update(illustrative=True, note=f"{illustrative_label(args.layer)}: {ILLUSTRATIVE_NOTE}")
        sys.stdout.write(listing_geojson(events, metadata) + "\n")
    else:
        line = credit_line(args.layer, layer.credit)
        sys.stdout.write(listing_csv(events, line))
        if illustrative:
            sys.stderr.write(f"# {illustrative_label(args.layer)}: {ILLUSTRATIVE_NOTE}.\n")
        sys.stderr.write(f"# credit: {line}\n")
    return 0


def _print_near_front(store: Store, args: argparse.Namespace, events: gpd.GeoDataFrame) -> int:
    if args.front_layer is None:
        front_layer = default_front_layer(store, sorted(set(events["occurred_on"])))
    else:
        front_layer = _layer(store, args.front_layer, "territory", "--front-layer").name
    daily = near_front(
        store, args.layer, front_layer, args.near_front, args.since, args.until, args.kind, events=events
    )
    daily.insert(1, "front_layer", front_layer)
    daily.insert(3, "km", args.near_front)
    daily["snapshot"] = daily["snapshot"].map(lambda d: "" if d is None else d.isoformat())
    daily["date"] = daily["date"].map(lambda d: d.isoformat())
    sys.stdout.write(csv_text(daily[NEAR_FRONT_COLUMNS]))
    sides = ", ".join(f"{code} = {name}" for code, name in schema.SIDES.items())
    sys.stderr.write(f"# method: {method_text(args.near_front)}\n# sides: {sides}\n")
    return 0
