"""Command line: ``python -m layers validate|areas ...`` (contract in ../shared/BRIEF.md).

Errors a user can act on (:class:`layers.errors.FrontlineError`) are caught here, in
one place, and printed without a traceback; the exit status is then non-zero.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import sys
from pathlib import Path

import pandas as pd

from . import schema
from .areas import ANYWHERE, METHOD, area_table, country_border
from .errors import FrontlineError, InvalidInputError
from .ingest import seed_default_data
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

    check = commands.add_parser("validate", help="check GeoJSON files against the data contract; writes nothing")
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    check.add_argument("--kind", choices=["territory", "events"], default="territory", help="what the files hold (default: territory)")
    check.add_argument("--held-by", choices=sorted(schema.SIDES), help="held_by for features that lack it")
    check.add_argument("--status", choices=sorted(schema.STATUSES), help="status for features that lack it")
    check.add_argument("--source", help="source for features that lack it (e.g. DeepStateMap)")

    areas = commands.add_parser("areas", help="print areas per date, layer, side and status")
    areas.add_argument("--db", default=None, help="SQLAlchemy URL (default: $FRONTLINE_DB, else the embedded SQLite file)")
    areas.add_argument("--layer", help="only this layer")
    areas.add_argument("--date", type=_date, help="only the snapshot shown on this date (latest on or before it)")
    areas.add_argument("--within", help="ISO 3166-1 alpha-3 code: clip to that country's border (e.g. RUS)")
    areas.add_argument("--format", choices=["csv", "json"], default="csv")
    return top


def run_validate(args) -> int:
    kind = schema.TERRITORY if args.kind == "territory" else schema.EVENT
    defaults = {"held_by": args.held_by, "status": args.status, "source": args.source}
    failed = 0
    for path in args.files:
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise InvalidInputError(f"{path}: cannot read the file ({exc.strerror}); check the path.") from None
        report = validate(raw, kind, name=str(path), defaults=defaults)
        print(report.summary() if report.problems else f"{path}: ok, {len(report.features)} feature(s)")
        failed += not report.ok
    return 1 if failed else 0


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
        return {"validate": run_validate, "areas": run_areas}[args.command](args)
    except FrontlineError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
