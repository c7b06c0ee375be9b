"""The command line's ``validate`` and ``import`` of CSV files of events (``--kind events FILE.csv``).

GeoJSON, KML and GeoPackage files of events go through the same path as territory
(:func:`layers.ingest.plan_import`); a CSV is read row by row (:mod:`layers.eventcsv`)
and its new events added to the layer (:mod:`layers.eventimport`). ``--kind`` names the
layer kind on both paths, so a CSV's event kind is ``--event-kind VALUE`` or
``--kind-col COLUMN``.

Exit status as for territory: 1 when a row fails (every problem is listed; nothing is
written), 2 for a bad option, a missing file or a territory layer.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

from .credits import PRESET_CREDITS
from .errors import InvalidInputError
from .eventcsv import CSV_PRESETS, CsvMapping, read_bounded, read_events_csv
from .eventimport import plan_csv_import, write_csv_import
from .ingest import seed_if_embedded
from .layercommands import missing_credit_note
from .problems import Report
from .store import Store, default_url

__all__ = ["is_csv_command", "mapping_from", "run_csv_import", "run_csv_validate"]


def is_csv_command(args: argparse.Namespace) -> bool:
    """Whether ``validate``/``import`` got CSV files (or the firms preset): the CSV path.

    Raises
    ------
    InvalidInputError
        For a mix of CSV and other files, a CSV given as territory, or a CSV preset
        given other files.
    """
    csv_files = [Path(path).suffix.lower() == ".csv" for path in args.files]
    csv_preset = args.preset in CSV_PRESETS
    if not any(csv_files) and not csv_preset:
        return False
    if not all(csv_files):
        raise InvalidInputError(
            "give either CSV files of events or GeoJSON/KML/GeoPackage files, not both in one command"
            + (f"; the {args.preset} preset reads CSV files (FILE.csv)." if csv_preset else ".")
        )
    if args.preset is not None and not csv_preset:
        raise InvalidInputError(
            f"the {args.preset} preset reads GeoJSON files, not CSV; for a CSV of events leave it out "
            f"(or use {', '.join(CSV_PRESETS)})."
        )
    if args.kind != "events":
        raise InvalidInputError(
            "a CSV holds point events, not territory: add --kind events (and --event-kind or --kind-col)."
        )
    if getattr(args, "as_of", None) is not None:
        raise InvalidInputError(
            "--as-of does not apply to a CSV of events: each row has its own date, and the layer's new "
            "version is dated by its latest event. Leave --as-of out."
        )
    return True


def mapping_from(args: argparse.Namespace) -> CsvMapping:
    """The CSV mapping the options give: the preset's (or the defaults), each option given replacing it."""
    base = CSV_PRESETS[args.preset] if args.preset in CSV_PRESETS else CsvMapping()
    given = {
        "lat": args.lat,
        "lon": args.lon,
        "date": args.date,
        "time": args.time,
        "id_column": args.id_col,
        "kind": args.event_kind,
        "kind_column": args.kind_col,
        "source": args.source,
        "source_column": args.source_col,
        "confidence_column": args.confidence_col,
        "title_column": args.title_col,
    }
    changes = {name: value for name, value in given.items() if value is not None}
    if base.firms:
        # An option given replaces the preset's fixed value instead of clashing with it.
        if args.kind_col is not None:
            changes["kind"] = None
        if args.source_col is not None:
            changes["source"] = None
    mapping = dataclasses.replace(base, **changes)
    mapping.check()
    return mapping


def _print_failed(reports: list[Report]) -> None:
    for report in reports:
        print(report.summary())


def run_csv_validate(args: argparse.Namespace) -> int:
    mapping = mapping_from(args)
    failed = 0
    for path in args.files:
        raw, why = read_bounded(Path(path))
        if raw is None:
            print(f"{path}: 1 error(s), 0 warning(s)\n  error: File: {why}")
            failed += 1
            continue
        found = read_events_csv(
            raw, str(path), mapping, any_date=args.any_date, swap_check=not args.no_swap_check
        )
        if found.report.ok:
            count = 0 if found.events is None else len(found.events)
            print(f"{path}: ok, {count} event(s), {found.duplicates} duplicate row(s) left out")
            for problem in found.report.problems:
                print(f"  {problem.severity}: {problem}")
        else:
            print(found.report.summary())
            failed += 1
    return 1 if failed else 0


def run_csv_import(args: argparse.Namespace) -> int:
    started = time.monotonic()
    plan = plan_csv_import(
        args.files,
        args.layer,
        mapping_from(args),
        any_date=args.any_date,
        swap_check=not args.no_swap_check,
    )
    validated = time.monotonic()
    if not plan.ok:
        _print_failed(plan.failed)
        print(
            f"error: {len(plan.failed)} of {len(plan.files)} file(s) failed validation; nothing was written.",
            file=sys.stderr,
        )
        return 1
    for report in plan.reports:
        for problem in report.problems:
            print(f"{report.name}: {problem.severity}: {problem}", file=sys.stderr)
    store = Store(args.db or default_url())
    try:
        seed_if_embedded(store)
        written = write_csv_import(store, plan, actor="cli", credit=PRESET_CREDITS.get(args.preset or ""))
        note = missing_credit_note(store, plan.layer)
        if note:
            print(note, file=sys.stderr)
    finally:
        store.close()
    finished = time.monotonic()
    for line in written.already_lines:
        print(f"{line}: already in the layer; not imported again.", file=sys.stderr)
    if written.already > len(written.already_lines):
        print(
            f"... and {written.already - len(written.already_lines)} more row(s) already in the layer.",
            file=sys.stderr,
        )
    new = plan.events if plan.events is not None else None
    span = ""
    if new is not None and len(new):
        span = f" (events of {min(new['occurred_on'])} to {max(new['occurred_on'])})"
    print(
        f"layer {plan.layer!r}: added {written.added} event(s){span}; "
        f"{written.already} already in the layer; {plan.duplicates} duplicate row(s) in the file(s) "
        f"left out; the layer holds {written.total} event(s)"
        + (f" as of {written.as_of}" if written.as_of else "; nothing was written")
        + f". {finished - started:.1f} s (validation {validated - started:.1f} s, "
        f"writing {finished - validated:.1f} s)."
    )
    return 0
