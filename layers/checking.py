"""Checking uploads in bounded child processes (:mod:`layers.sandbox`): each file's report,
SHA-256 and areas for an import, and the editor's and ``validate``'s single checks.

Decoding, parsing and validating run under the parse budget of
:func:`layers.settings.limits`; an overrun becomes the file's one error, naming the limit.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from . import schema
from .errors import InvalidInputError
from .formats import swap_axes
from .presets import PropertyMapping, distinct_values, suggest_preset
from .problems import Problem
from .sandbox import BudgetExceeded, run_bounded, run_each
from .store import AreaRow, computed_area_rows
from .validation import Report, validate

__all__ = [
    "MAX_WORKERS",
    "PARALLEL_MIN_FILES",
    "WORKERS_VARIABLE",
    "Checked",
    "Job",
    "checked",
    "outline_bounded",
    "swapped_bounded",
    "validate_bounded",
    "worker_count",
]


#: An import of at least this many files is validated in worker processes when ``workers``
#: is not given (one per CPU, at most :data:`MAX_WORKERS`); below it, starting them costs more.
PARALLEL_MIN_FILES = 48
MAX_WORKERS = 4
#: Environment variable that sets the number of processes (1: check every file in this one).
WORKERS_VARIABLE = "FRONTLINE_IMPORT_WORKERS"


@dataclass(frozen=True)
class Job:
    """What every file of an import is checked with; workers inherit it when forked."""

    uploads: list[Any]  # layers.ingest.Upload: its name and raw bytes
    record_kind: schema.RecordKind
    kind: str
    defaults: dict[str, Any] | None
    mapping: PropertyMapping | None
    repair: bool
    any_date: bool = False


#: What checking one file gives: its report, its SHA-256, and its area rows if it passed.
Checked = tuple[Report, str, tuple[AreaRow, ...] | None]


def _check(job: Job, index: int) -> Checked:
    """One file, in a bounded child: its report, its SHA-256 and, when it passed, its area rows.

    Under ``fork`` the job is inherited, not copied; under the fork server (a threaded
    caller) it is pickled, which is why a server checks its one upload at a time.
    """
    upload = job.uploads[index]
    report = validate(
        upload.raw,
        job.record_kind,
        name=upload.name,
        defaults=job.defaults,
        mapping=job.mapping,
        repair=job.repair,
        any_date=job.any_date,
    )
    areas = tuple(computed_area_rows(report.features, job.kind)) if report.ok else None
    return report, hashlib.sha256(upload.raw).hexdigest(), areas


def worker_count(workers: int | None, files: int) -> int:
    """How many files of an import are checked at once (each in its own child process).

    ``workers`` if given (at least 1), else ``FRONTLINE_IMPORT_WORKERS`` if set, else one
    per CPU (at most :data:`MAX_WORKERS`) for an import of :data:`PARALLEL_MIN_FILES` files
    or more made from a single-threaded process (the command line; a server checks one
    file at a time), else 1.

    Raises
    ------
    InvalidInputError
        When ``FRONTLINE_IMPORT_WORKERS`` is not a whole number.
    """
    if workers is None and os.environ.get(WORKERS_VARIABLE, "").strip():
        try:
            workers = int(os.environ[WORKERS_VARIABLE])
        except ValueError:
            raise InvalidInputError(
                f"{WORKERS_VARIABLE}={os.environ[WORKERS_VARIABLE]!r}: give a whole number of processes, "
                "e.g. 1 or 2."
            ) from None
    if workers is not None:
        return max(1, int(workers))
    if files < PARALLEL_MIN_FILES or threading.active_count() > 1:
        return 1
    return max(
        1,
        min(
            MAX_WORKERS,
            len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1,
        ),
    )


def checked(job: Job, workers: int | None) -> Iterator[Checked]:
    """``(report, sha256, areas)`` of each file in order, each checked in its own child process
    under the parse budget (:mod:`layers.sandbox`), up to :func:`worker_count` at once.

    A file that overruns the budget gets a report with one error naming the limit, and
    the import goes on to list the other files' problems.
    """
    count = worker_count(workers, len(job.uploads))
    if job.kind == "territory" and threading.active_count() == 1:
        _warm_area_caches()
    results = run_each(
        _check,
        [(job, index) for index in range(len(job.uploads))],
        workers=count,
        # Each fork copies the page tables of a parent that holds every file: a few
        # large batches (8 per worker at most) cost less than one per 8 files.
        batch=max(_BATCH, -(-len(job.uploads) // (count * 8))),
        what=lambda index: "checking it",
        overrun=lambda index, error: (_overrun_report(job.uploads[index].name, error), "", None),
    )
    yield from results


#: Files a child checks in turn in a parallel import: a fork costs more than a small file's check.
_BATCH = 8


@functools.cache
def _warm_area_caches() -> None:
    """Load the country borders the area rows clip with, once, before children are forked.

    Each child inherits them; without this every child would read them again (1.4 s a
    file, where the check itself takes milliseconds).
    """
    square = [[35.0, 51.0], [35.01, 51.0], [35.01, 51.01], [35.0, 51.01], [35.0, 51.0]]
    document = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"held_by": "RU", "status": "held", "source": "warm-up"},
                "geometry": {"type": "Polygon", "coordinates": [square]},
            }
        ],
    }
    report = validate(json.dumps(document).encode(), schema.TERRITORY, name="warm-up")
    if report.ok:
        computed_area_rows(report.features, "territory")


def validate_bounded(
    raw: bytes,
    kind: schema.RecordKind,
    *,
    name: str,
    defaults: dict[str, Any] | None = None,
    mapping: PropertyMapping | None = None,
    repair: bool = False,
    any_date: bool = False,
) -> Report:
    """:func:`layers.validation.validate` in a child process under the parse budget.

    What the editor's upload and ``python -m layers validate`` call: an overrun becomes
    the report's one error, naming the limit, instead of a stalled or killed process.
    """
    try:
        return run_bounded(
            validate,
            raw,
            kind,
            name,
            defaults,
            mapping,
            repair,
            any_date,
            what="checking it",
        )
    except BudgetExceeded as error:
        return _overrun_report(name, error)


def _overrun_report(name: str, error: BudgetExceeded) -> Report:
    report = Report(name)
    report.problems.append(Problem("error", "File", "", str(error), f"budget-{error.limit}"))
    return report


def _outline(raw: bytes, name: str) -> tuple[str | None, dict[str, list[str]]]:
    from .formats import decode

    document, _ = decode(raw, name)
    if document is None:
        return None, {}
    return suggest_preset(document), distinct_values(document)


def outline_bounded(raw: bytes, name: str) -> tuple[str | None, dict[str, list[str]]]:
    """The preset a file looks made for, and its properties' distinct values, under the budget.

    For the editor's mapping choices; a file that overruns gives ``(None, {})`` here and
    its error from :func:`validate_bounded`.
    """
    try:
        return run_bounded(_outline, raw, name, what="reading it")
    except BudgetExceeded:
        return None, {}


def swapped_bounded(raw: bytes, name: str) -> bytes:
    """:func:`layers.formats.swap_axes` under the budget; an overrun gives the bytes unchanged."""
    try:
        return run_bounded(swap_axes, raw, name, what="swapping its axes")
    except BudgetExceeded:
        return raw
