"""The plausibility guard: is a new snapshot an implausible change from the layer's previous one?

Before a territory snapshot is committed (the editor's upload page, ``python -m layers
import``), it is compared with the snapshot it would follow (the layer's latest on or
before its date; the previous file of the same import when there is one). A change is
*unusual*, and needs an explicit confirmation (a checkbox in the app,
``--accept-large-change`` on the command line), when:

- the total area (every feature, geodesic km²) grows or shrinks ``AREA_RATIO`` times or
  more (a country-wide map loaded into a regional layer: 203 km² → 154,949 km²);
- the bounding boxes barely overlap: their intersection is less than ``MIN_BOX_OVERLAP``
  of the smaller one (a file of another region, or swapped coordinates; a box inside the
  other overlaps wholly, and its size is the next rule's business);
- the bounding box grows or shrinks ``BOX_GROWTH`` times or more in area.

What is noted beside them, and shown by the editor's preview on its own, but needs no
confirmation alone: a snapshot dated before the layer's latest (a backfill: readers of
the dates up to the next snapshot see it; filling a gap in the past is ordinary editing),
and a side or a status that appears or vanishes (real archives do it from one day to the
next: the DeepStateMap Kursk archive maps a small Russian-held pocket on 17 August 2024
and none on the 18th).
The first snapshot of a layer has nothing to compare with and is never unusual. Nothing
here writes; the callers write only after the confirmation. The syncs
(:mod:`layers.sync`) are not guarded: they write a public archive's own days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import geopandas as gpd
import shapely

from . import schema
from .areas.measure import geodesic_area_km2
from .snapshots import snapshot_at
from .store import NewSnapshot, Store
from .store.rows import AreaRow

__all__ = [
    "ACCEPT_OPTION",
    "MAX_EXPLAINED",
    "AREA_RATIO",
    "BOX_GROWTH",
    "MIN_BOX_OVERLAP",
    "Check",
    "Checked",
    "check_change",
    "check_import",
    "refusal",
    "total_km2",
]

AREA_RATIO = 5.0
MIN_BOX_OVERLAP = 0.1
BOX_GROWTH = 10.0
#: The command line's confirmation.
ACCEPT_OPTION = "--accept-large-change"


@dataclass(frozen=True)
class Check:
    """What is unusual about a change (each needs the confirmation) and what is only noted."""

    unusual: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def needs_confirmation(self) -> bool:
        return bool(self.unusual)

    def explanation(self, against: str) -> str:
        """The unusual points, one per line, after a heading naming ``against``."""
        lines = [f"This snapshot is an unusual change from {against}:"]
        lines += [f"- {point}" for point in self.unusual]
        lines += [f"- also: {point}" for point in self.notes]
        return "\n".join(lines)


def _km2(value: float) -> str:
    return f"{value:,.1f} km²"


def _sides(features: gpd.GeoDataFrame) -> set[str]:
    return set(features["held_by"].dropna().astype(str)) if "held_by" in features else set()


def _statuses(features: gpd.GeoDataFrame) -> set[str]:
    return set(features["status"].dropna().astype(str)) if "status" in features else set()


def _names(codes: set[str], words: dict[str, str]) -> str:
    return ", ".join(words.get(code, code).split(" (")[0] for code in sorted(codes))


def total_km2(features: gpd.GeoDataFrame, areas: Sequence[AreaRow] | None = None) -> float:
    """The ground a snapshot maps, km²: its stored areas' (each side and status dissolved,
    unclipped) when given, else the geodesic area of every feature."""
    if areas:
        return float(sum(row["area_km2"] for row in areas if row["within"] == schema.ANYWHERE))
    return float(geodesic_area_km2(features.geometry.values).sum()) if len(features) else 0.0


def check_change(
    previous: gpd.GeoDataFrame | None,
    previous_as_of: dt.date | None,
    new: gpd.GeoDataFrame,
    new_as_of: dt.date,
    latest_as_of: dt.date | None = None,
    totals: tuple[float | None, float | None] = (None, None),
) -> Check:
    """Compare ``new`` (dated ``new_as_of``) with ``previous`` (the snapshot it follows).

    The notes (sides and statuses that appear or vanish) matter only beside something
    unusual; a caller shows them with it.

    ``latest_as_of``: the layer's latest snapshot date, for the backfill rule (None: a
    new layer). ``totals``: the two snapshots' km² when known (``total_km2``). Returns
    what is unusual (module docstring) and what is only noted.
    """
    unusual: list[str] = []
    notes: list[str] = []
    if latest_as_of is not None and new_as_of < latest_as_of:
        notes.append(
            f"it is dated {new_as_of}, before the layer's latest snapshot ({latest_as_of}): a backfill, "
            f"shown to readers of {new_as_of} until the next snapshot after it"
        )
    if previous is None or not len(previous) or not len(new):
        return Check(unusual, notes)
    before = totals[0] if totals[0] is not None else total_km2(previous)
    after = totals[1] if totals[1] is not None else total_km2(new)
    if before > 0 and after > 0:
        ratio = after / before
        if ratio >= AREA_RATIO or ratio <= 1 / AREA_RATIO:
            unusual.append(
                f"the total area goes from {_km2(before)} to {_km2(after)} "
                f"({ratio:,.1f} times; unusual from {AREA_RATIO:g} times or 1/{AREA_RATIO:g})"
            )
    old_box = shapely.box(*previous.total_bounds)
    new_box = shapely.box(*new.total_bounds)
    smaller = min(old_box.area, new_box.area)
    overlap = shapely.intersection(old_box, new_box).area / smaller if smaller > 0 else 1.0
    if overlap < MIN_BOX_OVERLAP:
        unusual.append(
            f"its extent barely overlaps the previous one ({overlap:.0%} of the smaller bounding box; "
            f"unusual under {MIN_BOX_OVERLAP:.0%}): check the file and its coordinates"
        )
    if old_box.area > 0 and new_box.area > 0:
        growth = new_box.area / old_box.area
        if growth >= BOX_GROWTH or growth <= 1 / BOX_GROWTH:
            west, south, east, north = new.total_bounds
            unusual.append(
                f"its bounding box is {growth:,.1f} times the previous one's "
                f"(now {south:.2f}–{north:.2f}°N, {west:.2f}–{east:.2f}°E; unusual from {BOX_GROWTH:g} times)"
            )
    old_sides, new_sides = _sides(previous), _sides(new)
    if new_sides - old_sides:
        notes.append(
            "ground held by a side the layer did not show appears: "
            + _names(new_sides - old_sides, schema.SIDES)
        )
    if old_sides - new_sides:
        notes.append(f"every zone of a side vanishes: {_names(old_sides - new_sides, schema.SIDES)}")
    old_statuses, new_statuses = _statuses(previous), _statuses(new)
    if new_statuses - old_statuses:
        notes.append(f"new status: {', '.join(sorted(new_statuses - old_statuses))}")
    if old_statuses - new_statuses:
        notes.append(f"status no longer mapped: {', '.join(sorted(old_statuses - new_statuses))}")
    return Check(unusual, notes)


@dataclass(frozen=True)
class Checked:
    """One snapshot of an import, what it was compared with, and what is unusual."""

    snapshot: NewSnapshot
    against: str
    check: Check


def check_import(store: Store, layer: str, snapshots: Sequence[NewSnapshot]) -> list[Checked]:
    """Each territory snapshot of an import, in date order, against the one it follows: the
    layer's stored snapshot on or before its date for the first, the import's previous one
    after that. Only the snapshots that need a confirmation are returned."""
    known = layer in {info.name for info in store.layers()}
    heads = store.heads(layer) if known else None
    latest = max(heads["as_of"]) if heads is not None and len(heads) else None
    current = {}
    if known:
        history = store.history(layer)
        heads_only = history[history["is_head"]]
        current = dict(zip(heads_only["as_of"], heads_only["sha256"], strict=True))
    found: list[Checked] = []
    previous: tuple[gpd.GeoDataFrame, dt.date, float | None, str] | None = None
    for snapshot in sorted(snapshots, key=lambda s: s.as_of):
        if snapshot.kind != "territory" or current.get(snapshot.as_of) == snapshot.sha256:
            continue  # events, or a file identical to the stored one: nothing will be written
        if previous is None:
            stored = snapshot_at(store, layer, snapshot.as_of) if known else None
            if stored is not None:
                previous = (stored.features, stored.as_of, None, f"the stored snapshot of {stored.as_of}")
        before, before_as_of, before_km2, against = previous if previous else (None, None, None, "nothing")
        after_km2 = total_km2(snapshot.features, snapshot.areas)
        check = check_change(
            before, before_as_of, snapshot.features, snapshot.as_of, latest, (before_km2, after_km2)
        )
        if check.needs_confirmation:
            found.append(Checked(snapshot, against, check))
        previous = (
            snapshot.features,
            snapshot.as_of,
            after_km2,
            f"the snapshot of {snapshot.as_of} in this import",
        )
    return found


#: How many unusual snapshots a refusal explains before it counts the rest.
MAX_EXPLAINED = 5


def refusal(checked: Sequence[Checked]) -> str:
    """The command line's refusal: each unusual snapshot explained (at most
    ``MAX_EXPLAINED``), then what to do."""
    parts = [
        f"{c.snapshot.file_name or c.snapshot.as_of}: {c.check.explanation(c.against)}"
        for c in checked[:MAX_EXPLAINED]
    ]
    if len(checked) > MAX_EXPLAINED:
        parts.append(f"… and {len(checked) - MAX_EXPLAINED:,} more snapshot(s) like these.")
    parts.append(
        f"error: {len(checked):,} snapshot(s) are unusual changes for their layer; nothing was written. "
        f"Check the files and the layer (--layer), then give {ACCEPT_OPTION} to import them anyway."
    )
    return "\n".join(parts)
