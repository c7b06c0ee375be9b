"""Command line: ``python -m layers validate|import|areas ...`` (contract in ../shared/BRIEF.md).

Errors a user can act on (:class:`layers.errors.FrontlineError`) are caught here, in
one place, and printed without a traceback. Exit status: 0 on success, 1 when a file
fails validation (every problem is listed and nothing is written), 2 for any other
user error (a missing file, a bad option, no date for a snapshot).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
import time
from pathlib import Path

import pandas as pd

from . import schema
from .areas import ANYWHERE, METHOD, area_table, country_border
from .errors import FrontlineError
from .ingest import plan_import, read_uploads, seed_default_data, write_import
from .presets import PRESETS
from .snapshots import latest_on_or_before
from .store import Store, default_url
from .validation import validate

AREA_ROW = ["date", "layer", "held_by", "status", "within", "area_km2"]


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"date expected like 2024-11-25, got {text!r}") from None


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m layers", description="Front-line map data tools.")
    commands = top.add_subparsers(dest="command", required=True)

    check = commands.add_parser("validate", help="check files (GeoJSON, gzipped GeoJSON, KML, GeoPackage) against the data contract; writes nothing")
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    _content_options(check)

    load = commands.add_parser("import", help="validate files and write each as a snapshot of a layer, all or nothing")
    load.add_argument("files", nargs="+", type=Path, metavar="FILE")
    load.add_argument("--db", default=None, help="SQLAlchemy URL (default: $FRONTLINE_DB, else the embedded SQLite file)")
    load.add_argument("--layer", required=True, help="layer to import into (created if new)")
    load.add_argument("--as-of", type=_date, help="snapshot date for a single file (default: the date in each file name)")
    _content_options(load)

    areas = commands.add_parser("areas", help="print areas per date, layer, side and status")
    areas.add_argument("--db", default=None, help="SQLAlchemy URL (default: $FRONTLINE_DB, else the embedded SQLite file)")
    areas.add_argument("--layer", help="only this layer")
    areas.add_argument("--date", type=_date, help="only the snapshot shown on this date (latest on or before it)")
    areas.add_argument("--within", help="ISO 3166-1 alpha-3 code: clip to that country's border (e.g. RUS)")
    areas.add_argument("--format", choices=["csv", "json"], default="csv")
    return top


def _content_options(command: argparse.ArgumentParser) -> None:
    """Options saying what files hold and how to read them, shared by validate and import."""
    command.add_argument("--kind", choices=["territory", "events"], default="territory", help="what the files hold (default: territory)")
    command.add_argument("--preset", choices=sorted(PRESETS), help="map a known source's own properties to the contract (deepstate: raw DeepStateMap exports)")
    command.add_argument("--held-by", choices=sorted(schema.SIDES), help="held_by for features that lack it")
    command.add_argument("--status", choices=sorted(schema.STATUSES), help="status for features that lack it")
    command.add_argument("--source", help="source for features that lack it (e.g. DeepStateMap)")
    command.add_argument("--repair", action="store_true", help="repair invalid polygons (each repair and its area change is reported)")


def _defaults(args) -> dict:
    return {"held_by": args.held_by, "status": args.status, "source": args.source}


def _report_lines(report, name: str) -> str:
    """A report for the terminal: the summary when it failed, else 'ok' and its warnings and notes."""
    if not report.ok:
        return report.summary()
    return "\n".join([f"{name}: ok, {len(report.features)} feature(s)", *(f"  {p.severity}: {p}" for p in report.problems)])


def run_validate(args) -> int:
    kind = schema.TERRITORY if args.kind == "territory" else schema.EVENT
    mapping = PRESETS[args.preset] if args.preset else None
    failed = 0
    for path, upload in zip(args.files, read_uploads(args.files)):
        report = validate(upload.raw, kind, name=str(path), defaults=_defaults(args), mapping=mapping, repair=args.repair)
        print(_report_lines(report, str(path)))
        failed += not report.ok
    return 1 if failed else 0


class Progress:
    """A progress line on stderr: rewritten in place on a terminal, else printed now and then."""

    def __init__(self, verb: str, stream=None, every_seconds: float = 5.0):
        self.verb = verb
        self.stream = stream or sys.stderr
        self.every_seconds = every_seconds
        self.last = 0.0
        self.interactive = hasattr(self.stream, "isatty") and self.stream.isatty()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self.interactive:
            end = "\n" if done == total else ""
            print(f"\r{self.verb} {done}/{total}", end=end, file=self.stream, flush=True)
        elif done == total or now - self.last >= self.every_seconds:
            print(f"{self.verb} {done}/{total}", file=self.stream, flush=True)
            self.last = now


def run_import(args) -> int:
    started = time.monotonic()
    uploads = read_uploads(args.files)
    plan = plan_import(
        uploads,
        args.layer,
        as_of=args.as_of,
        kind=args.kind,
        defaults=_defaults(args),
        mapping=PRESETS[args.preset] if args.preset else None,
        repair=args.repair,
        progress=Progress("validated"),
    )
    validated = time.monotonic()
    if not plan.ok:
        for report in plan.failed:
            print(report.summary())
        print(f"error: {len(plan.failed)} of {len(plan.reports)} file(s) failed validation; nothing was written.", file=sys.stderr)
        return 1
    for report in plan.reports:
        for problem in report.warnings:
            print(f"{report.name}: warning: {problem}", file=sys.stderr)
    store = Store(args.db or default_url())
    try:
        # The app seeds an empty store on first run; seeding here keeps the embedded
        # layers in a store that the command line happened to create.
        seed_default_data(store)
        print(f"writing {len(plan.snapshots)} snapshot(s) to layer {plan.layer!r} in one transaction...", file=sys.stderr, flush=True)
        written = write_import(store, plan, actor="cli", action="import")
    finally:
        store.close()
    finished = time.monotonic()
    dates = sorted(snapshot.as_of for snapshot in plan.snapshots)
    span = f"{dates[0]}" if len(dates) == 1 else f"{dates[0]} to {dates[-1]}"
    repairs = sum(len(report.repairs) for report in plan.reports)
    written_count = len(plan.snapshots) - len(written.unchanged)
    print(
        f"layer {plan.layer!r}: wrote {written_count} snapshot(s) ({span}) with {plan.n_features} feature(s)"
        + (f", {repairs} geometry repair(s)" if repairs else "")
        + f" in {finished - started:.1f} s (validation {validated - started:.1f} s, writing {finished - validated:.1f} s)."
        + (f" {len(written.unchanged)} file(s) were identical to the current version and were not written again." if written.unchanged else "")
    )
    return 0


def area_rows(store: Store, layer: str | None, as_of: dt.date | None, within: str | None) -> list[dict]:
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
        {"date": r.as_of.isoformat(), "layer": r.layer, "held_by": r.held_by, "status": r.status, "within": r.within, "area_km2": round(r.area_km2, 3)}
        for r in series.itertuples()
    ]


def computed_series(store: Store, layer: str | None, code: str) -> pd.DataFrame:
    """Areas clipped to a border that was not precomputed at import, from the geometry."""
    frames = [pd.DataFrame(columns=["as_of", "layer", "held_by", "status", "within", "area_km2"])]
    names = [layer] if layer else [info.name for info in store.layers() if info.kind == "territory"]
    for name in names:
        for head in store.heads(name).itertuples():
            table = area_table(store.features(head.version_id), within=(code,))
            frames.append(table.assign(as_of=head.as_of, layer=name))
    return pd.concat(frames, ignore_index=True)


def run_areas(args) -> int:
    store = Store(args.db or default_url())
    seed_default_data(store)
    rows = area_rows(store, args.layer, args.date, args.within)
    if args.format == "json":
        json.dump({"method": METHOD, "rows": rows}, sys.stdout, ensure_ascii=False, indent=1)
        print()
    else:
        writer = csv.DictWriter(sys.stdout, fieldnames=AREA_ROW, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        print(f"# method: {METHOD}", file=sys.stderr)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return {"validate": run_validate, "import": run_import, "areas": run_areas}[args.command](args)
    except FrontlineError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
