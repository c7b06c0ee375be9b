"""Importing CSV files of events into an events layer: check every file, then add the new events.

An events layer's current version holds its whole list of events
(:func:`layers.events.all_events`). An import writes one new version: the current events
plus those of the files whose ``id`` the layer does not hold yet, so daily FIRMS files
accumulate and importing the same file again adds nothing. The new version is dated the
later of the layer's last version and the latest event, so it is always the current one,
even for a file of events older than the last version.

All or nothing: when any row of any file fails, nothing is written
(:func:`plan_csv_import` returns the reports, :func:`write_csv_import` refuses them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import pandas as pd

from . import schema
from .credits import Credit
from .errors import InvalidInputError
from .eventcsv import CsvEvents, CsvMapping, read_bounded, read_events_csv
from .events import all_events
from .ingest import name_problem, sha256
from .problems import Problem, Report
from .store import NewSnapshot, Store
from .store.inputs import preview, text_problem

__all__ = ["MAX_ALREADY_LISTED", "CsvImportPlan", "EventsWritten", "plan_csv_import", "write_csv_import"]

#: Lines of events already in the layer listed before the rest are only counted.
MAX_ALREADY_LISTED = 20


@dataclass
class CsvImportPlan:
    """Every CSV of an import, checked, and their events (each once) if all passed."""

    layer: str
    files: list[CsvEvents] = field(default_factory=list)
    events: gpd.GeoDataFrame | None = None
    #: ``(file name, line)`` of each event in ``events``.
    origins: list[tuple[str, int]] = field(default_factory=list)
    #: Rows left out as the same event as an earlier row, within a file or across files.
    duplicates: int = 0
    digest: str = ""
    file_names: list[str] = field(default_factory=list)

    @property
    def reports(self) -> list[Report]:
        return [found.report for found in self.files]

    @property
    def ok(self) -> bool:
        return bool(self.files) and all(report.ok for report in self.reports)

    @property
    def failed(self) -> list[Report]:
        return [report for report in self.reports if not report.ok]


@dataclass(frozen=True)
class EventsWritten:
    """What an import of events did: the events added, those already in the layer, the result."""

    added: int
    already: int
    total: int
    version_id: int | None
    as_of: dt.date | None
    #: ``file line N`` of some events already in the layer (at most :data:`MAX_ALREADY_LISTED`).
    already_lines: list[str]


def plan_csv_import(
    paths: Sequence[Path],
    layer: str,
    mapping: CsvMapping,
    *,
    any_date: bool = False,
    swap_check: bool = True,
) -> CsvImportPlan:
    """Check every CSV of an import; writes nothing.

    Raises
    ------
    InvalidInputError
        For a bad layer name or mapping, before any file is read.
    """
    if not layer or not layer.strip():
        raise InvalidInputError("--layer is empty; give the name of the layer to import into.")
    name_field = schema.LAYER.field_named("name")
    problem = text_problem(layer.strip(), name_field.max_chars if name_field else None, one_line=True)
    if problem:
        raise InvalidInputError(f"layer name {preview(layer)} {problem}. Nothing was written.")
    mapping.check()
    plan = CsvImportPlan(layer=layer.strip())
    digests = []
    for path in paths:
        problem = name_problem(str(path))
        if problem:
            raise InvalidInputError(problem)
        raw, why = read_bounded(Path(path))
        if raw is None:
            report = Report(Path(path).name)
            report.problems.append(Problem("error", "File", "", why or "cannot be read.", "read"))
            plan.files.append(CsvEvents(report))
            continue
        digests.append(sha256(raw))
        plan.file_names.append(Path(path).name)
        plan.files.append(
            read_events_csv(raw, Path(path).name, mapping, any_date=any_date, swap_check=swap_check)
        )
    if plan.ok:
        _combine(plan)
        plan.digest = digests[0] if len(digests) == 1 else sha256("\n".join(digests).encode())
    return plan


def _combine(plan: CsvImportPlan) -> None:
    """The events of every file, each id once (the first file's row wins)."""
    frames: list[gpd.GeoDataFrame] = []
    seen: set[str] = set()
    for found in plan.files:
        plan.duplicates += found.duplicates
        if found.events is None or not len(found.events):
            continue
        fresh = ~found.events["id"].isin(seen)
        plan.duplicates += int((~fresh).sum())
        frames.append(found.events[fresh.to_numpy()])
        plan.origins += [
            (found.report.name, line) for line, keep in zip(found.lines, fresh, strict=True) if keep
        ]
        seen.update(found.events["id"])
    if frames:
        plan.events = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs="EPSG:4326")
    else:
        plan.events = gpd.GeoDataFrame({"id": []}, geometry=[], crs="EPSG:4326")


def write_csv_import(
    store: Store, plan: CsvImportPlan, *, actor: str, credit: Credit | None = None
) -> EventsWritten:
    """Add the plan's new events to the layer in one new version; nothing when none is new.

    ``credit`` (e.g. the firms preset's) is recorded if the layer has none yet.

    Raises
    ------
    InvalidInputError
        When the plan failed, or the layer exists and holds territory.
    """
    if not plan.ok or plan.events is None:
        raise InvalidInputError(f"{len(plan.failed)} file(s) failed validation; nothing was written.")
    kinds = {info.name: info.kind for info in store.layers()}
    existing_kind = kinds.get(plan.layer)
    if existing_kind is not None and existing_kind != "events":
        raise InvalidInputError(
            f"layer {plan.layer!r} is a {existing_kind} layer; these files are events. "
            "Import them into an events layer (--layer a new or events layer's name). Nothing was written."
        )
    current = all_events(store, plan.layer) if existing_kind else None
    heads = store.heads(plan.layer) if existing_kind else pd.DataFrame({"as_of": [], "version_id": []})
    known = set(current["id"].astype(str)) if current is not None and "id" in current else set()
    new = plan.events
    fresh = ~new["id"].isin(known).to_numpy()
    already_lines = [
        f"{name} line {line}" for (name, line), keep in zip(plan.origins, fresh, strict=True) if not keep
    ][:MAX_ALREADY_LISTED]
    added = new[fresh]
    already = len(new) - len(added)
    total = len(known) + len(added)
    if not len(added):
        return EventsWritten(
            0, already, len(current) if current is not None else 0, None, None, already_lines
        )
    merged = _merged(current, added)
    latest_event = dt.date.fromisoformat(max(merged["occurred_on"]))
    as_of = max([latest_event, *(dt.date.fromisoformat(str(day)) for day in heads["as_of"])])
    expected = {(plan.layer, as_of): _head_at(heads, as_of)}
    snapshot = NewSnapshot(
        layer=plan.layer,
        as_of=as_of,
        features=merged,
        sha256=plan.digest,
        kind="events",
        file_name=", ".join(plan.file_names)[: schema.FILE_NAME_MAX_CHARS],
        credit=credit,
    )
    [version_id] = store.write([snapshot], actor=actor, action="import", expected_heads=expected)
    return EventsWritten(len(added), already, total, version_id, as_of, already_lines)


def _merged(current: gpd.GeoDataFrame | None, added: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The layer's events then the new ones, ``occurred_on`` as ``YYYY-MM-DD`` text as stored."""
    if current is None or not len(current):
        return added.reset_index(drop=True)
    before = current.assign(occurred_on=[day.isoformat() for day in current["occurred_on"]])
    merged = pd.concat([before, added.to_crs(before.crs)], ignore_index=True)
    return gpd.GeoDataFrame(merged, geometry=before.geometry.name, crs="EPSG:4326")


def _head_at(heads: pd.DataFrame, as_of: dt.date) -> int | None:
    found = heads.loc[[dt.date.fromisoformat(str(day)) == as_of for day in heads["as_of"]], "version_id"]
    return int(found.iloc[0]) if len(found) else None
