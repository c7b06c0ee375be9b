"""What a frame shows, read from the store and the bundled basemap: snapshots, key, figures, sources.

A :class:`Frame` is everything one image shows for one date; a :class:`FrameReader`
reads the store once (heads, areas, reported figures) and each stored version's features
at most once, so the frames of a time-lapse cost one read each. Nothing here draws.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import schema, style
from ..alttext import is_illustrative
from ..areas import ANYWHERE
from ..credits import Credit
from ..errors import InvalidInputError
from ..figures import compare, nearest
from ..ingest import read_places
from ..snapshots import Snapshot, SnapshotRef, latest_on_or_before
from ..store import Store

__all__ = [
    "BASEMAP_DIR",
    "STATUS_ORDER",
    "Callout",
    "Frame",
    "FrameReader",
    "KeyPlan",
    "ReportedLine",
    "countries",
    "country_names",
    "key_plan",
    "ordered_keys",
    "places",
    "plain_text",
    "require_some_snapshot",
    "snapshot_sources",
]

BASEMAP_DIR = Path(__file__).resolve().parent.parent.parent / "static" / "basemap"
#: Drawing and key order of the statuses: held under contested under claimed.
STATUS_ORDER = {"held": 0, "contested": 1, "claimed": 2}
_SIDE_ORDER = {side: i for i, side in enumerate(schema.SIDES)}

#: Per layer, the rows of the key: ``(held_by, status, has_detail)``.
KeyPlan = dict[str, tuple[tuple[str, str, bool], ...]]


@dataclass(frozen=True)
class Callout:
    """The km² of one side and status of one layer, as drawn in the key."""

    layer: str
    held_by: str
    status: str
    area_km2: float
    #: ``(country name, km²)`` of the part outside the side's own country, e.g. ``("Russia", 519.1)``.
    inside: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class ReportedLine:
    """A reported figure near the date, with the map's figure for the same scope."""

    date: dt.date
    scope: str
    measure: str
    kind: str
    source: str
    reported_km2: float
    #: The map's figure and the snapshot it comes from: both None when there is nothing to compare.
    computed_km2: float | None
    computed_as_of: dt.date | None
    difference_pct: float | None


@dataclass(frozen=True)
class Frame:
    """Everything one image shows for one date, read from the store."""

    as_of: dt.date
    layers: tuple[str, ...]
    snapshots: tuple[Snapshot, ...]
    #: Layers with no snapshot on or before the date.
    missing: tuple[str, ...]
    callouts: tuple[Callout, ...]
    reported: tuple[ReportedLine, ...]
    sources: tuple[str, ...]
    #: Layers shown that are illustrative (drawn, not a source: ``alttext.is_illustrative``).
    illustrative: tuple[str, ...] = ()
    #: ``(layer, credit)`` of every layer asked for, shown or not (the footer is the same on
    #: every frame of a time-lapse); an empty :class:`~layers.credits.Credit` where none is recorded.
    credits: tuple[tuple[str, Credit], ...] = ()


def plain_text(value: object) -> str:
    """A data string on one line: control characters and runs of white space become one space."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return " ".join(re.sub(r"[\x00-\x1f\x7f]", " ", str(value)).split())


@lru_cache(maxsize=1)
def countries() -> gpd.GeoDataFrame:
    """The bundled basemap's countries: ``iso3``, ``name``, ``fill`` and the outline in lon/lat."""
    return gpd.read_file(BASEMAP_DIR / "countries.geojson")


@lru_cache(maxsize=1)
def places() -> pd.DataFrame:
    """The gazetteer's settlements marked for a label, with ``lon`` and ``lat`` as floats."""
    rows = read_places()
    rows = rows[rows["label"].astype(str) == "1"].copy()
    rows["lon"], rows["lat"] = rows["lon"].astype(float), rows["lat"].astype(float)
    return rows


def country_names() -> dict[str, str]:
    """Country name by ISO 3166 alpha-3 code, as the basemap spells it."""
    table = countries()
    return dict(zip(table["iso3"], table["name"], strict=True))


def ordered_keys(pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Distinct ``(held_by, status)`` pairs in key order: by status, then side, then name."""
    return tuple(
        sorted(set(pairs), key=lambda k: (STATUS_ORDER.get(k[1], 9), _SIDE_ORDER.get(k[0], 99), k[0]))
    )


def key_plan(frames: Sequence[Frame]) -> KeyPlan:
    """Per layer, the rows of the key: ``(held_by, status, has_detail)`` over all ``frames``.

    An animation's key has the same rows on every frame (a row with nothing that day
    reads 0 km²), so the panel never jumps.
    """
    plan = {}
    for layer in frames[0].layers:
        callouts = [c for frame in frames for c in frame.callouts if c.layer == layer]
        detailed = {(c.held_by, c.status) for c in callouts if c.inside}
        plan[layer] = tuple(
            (h, st, (h, st) in detailed) for h, st in ordered_keys((c.held_by, c.status) for c in callouts)
        )
    return plan


def snapshot_sources(snapshots: Sequence[Snapshot]) -> tuple[str, ...]:
    """The snapshots' ``source`` values, split at ';' and without repeats, in order of appearance."""
    seen: dict[str, str] = {}
    for snapshot in snapshots:
        if "source" not in snapshot.features:
            continue
        for value in snapshot.features["source"]:
            for part in plain_text(value).split(";"):
                part = part.strip()
                if part:
                    seen.setdefault(part.casefold(), part)
    return tuple(seen.values())


class FrameReader:
    """Reads what frames need from the store once: heads, areas, figures, each version's features.

    Parameters
    ----------
    store : Store
    layers : list of str, or None
        Territory layers; None or empty: every territory layer in the store.

    Raises
    ------
    UnknownLayerError
        For a layer the store does not hold.
    InvalidInputError
        For a layer of events, or a store with no territory layer.
    """

    def __init__(self, store: Store, layers: Sequence[str] | None):
        self.store = store
        infos = store.layers()
        kinds = {info.name: info.kind for info in infos}
        self.drawn = frozenset(info.name for info in infos if is_illustrative(info.description))
        self.credits = {info.name: info.credit for info in infos}
        if layers is None or len(layers) == 0:
            layers = [name for name, kind in kinds.items() if kind == "territory"]
            if not layers:
                raise InvalidInputError(
                    f"no territory layer in {store.display_url}; import one first "
                    "(python -m layers import --layer NAME FILE...)."
                )
        self.layers = tuple(dict.fromkeys(layers))
        for layer in self.layers:
            if layer in kinds and kinds[layer] != "territory":
                territory = ", ".join(repr(n) for n, k in kinds.items() if k == "territory") or "none"
                raise InvalidInputError(
                    f"layer {layer!r} holds {kinds[layer]}, not territory; "
                    f"give a territory layer ({territory})."
                )
        # Names an unknown layer and lists the known ones (UnknownLayerError).
        self.heads = {layer: store.heads(layer) for layer in self.layers}
        series = store.area_series()
        self.series = series[series["layer"].isin(self.layers)]
        comparison = compare(store.reported_figures(), series)
        self.comparison = comparison[comparison["layer"].isin(self.layers)].reset_index(drop=True)
        self._features: dict[int, gpd.GeoDataFrame] = {}

    def snapshot_dates(self) -> list[dt.date]:
        """Every date on which one of the layers has a snapshot, in order."""
        return sorted({d for heads in self.heads.values() for d in heads["as_of"]})

    def refs(self, as_of: dt.date) -> list[SnapshotRef]:
        """The snapshot each layer shows on ``as_of``; a layer with none before it is left out."""
        refs = []
        for layer, heads in self.heads.items():
            index = latest_on_or_before(heads["as_of"], as_of)
            if index is not None:
                refs.append(
                    SnapshotRef(
                        layer, heads["as_of"].iloc[index], as_of, int(heads["version_id"].iloc[index])
                    )
                )
        return refs

    def features(self, version_id: int) -> gpd.GeoDataFrame:
        """The features of a stored version, read once."""
        if version_id not in self._features:
            self._features[version_id] = self.store.features(version_id)
        return self._features[version_id]

    def frame(self, as_of: dt.date) -> Frame:
        """What the image of ``as_of`` shows."""
        refs = self.refs(as_of)
        snapshots = tuple(
            Snapshot(r.layer, r.as_of, r.requested, r.version_id, self.features(r.version_id)) for r in refs
        )
        shown = {r.layer for r in refs}
        return Frame(
            as_of=as_of,
            layers=self.layers,
            snapshots=snapshots,
            missing=tuple(layer for layer in self.layers if layer not in shown),
            callouts=tuple(c for r in refs for c in self._callouts(r)),
            reported=self._reported(as_of),
            sources=snapshot_sources(snapshots),
            illustrative=tuple(r.layer for r in refs if r.layer in self.drawn),
            credits=tuple((layer, self.credits.get(layer, Credit())) for layer in self.layers),
        )

    def _callouts(self, ref: SnapshotRef) -> list[Callout]:
        rows = self.series[(self.series["layer"] == ref.layer) & (self.series["as_of"] == ref.as_of)]
        names = country_names()
        callouts = []
        for (side, zone), group in rows.groupby(["held_by", "status"], sort=False):
            held_by, status = str(side), str(zone)
            total = group.loc[group["within"] == ANYWHERE, "area_km2"].sum()
            inside = tuple(
                (names.get(code, code), float(area))
                for code, area in zip(group["within"], group["area_km2"], strict=True)
                if code != ANYWHERE and names.get(code, code) != style.side_name(held_by) and area >= 0.05
            )
            callouts.append(Callout(ref.layer, held_by, status, float(total), tuple(sorted(inside))))
        order = {key: i for i, key in enumerate(ordered_keys((c.held_by, c.status) for c in callouts))}
        return sorted(callouts, key=lambda c: order[(c.held_by, c.status)])

    def _reported(self, as_of: dt.date) -> tuple[ReportedLine, ...]:
        if self.comparison.empty:
            return ()
        lines = []
        closest = nearest(self.comparison, as_of)
        # Only the figures of the nearest date: another scope's figure from months before
        # or after would read as if it were about this day.
        closest = closest[closest["date"] == closest["date"].iloc[0]].head(2)
        for row in closest.to_dict("records"):
            compared = row["comparison"] == "compared"
            lines.append(
                ReportedLine(
                    date=row["date"],
                    scope=plain_text(row["scope"]),
                    measure=row["measure"],
                    kind=plain_text(row["kind"]),
                    source=plain_text(row["source"]),
                    reported_km2=float(row["reported_km2"]),
                    computed_km2=float(row["computed_km2"]) if compared else None,
                    computed_as_of=row["computed_as_of"] if compared else None,
                    difference_pct=float(row["difference_pct"])
                    if compared and pd.notna(row["difference_pct"])
                    else None,
                )
            )
        return tuple(lines)


def require_some_snapshot(reader: FrameReader, frames: Sequence[Frame]) -> None:
    """Nothing, if one of ``frames`` shows a snapshot.

    Raises
    ------
    InvalidInputError
        Naming each layer's first snapshot date, so the user can choose a later date.
    """
    if any(frame.snapshots for frame in frames):
        return
    firsts = ", ".join(
        f"{layer!r} on {heads['as_of'].min()}" for layer, heads in reader.heads.items() if len(heads)
    )
    last = frames[-1].as_of
    raise InvalidInputError(
        f"nothing to draw: no snapshot of {', '.join(map(repr, reader.layers))} on or before {last}"
        + (f"; the first is {firsts}. Choose a later date." if firsts else "; import a snapshot first.")
    )
