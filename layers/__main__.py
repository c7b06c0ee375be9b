"""Command line: ``python -m layers validate|import|areas|figures|change|snapshot ...``.

``validate``, ``import`` and ``areas`` follow the contract in ../shared/BRIEF.md
(``areas`` keeps exactly the contract's columns on stdout and prints its method on
stderr); ``figures``, ``change`` and ``snapshot`` are this project's additions, and their
CSV and GeoJSON carry the area method and border outline in a column or ``metadata``.
``export-png`` (in the contract) and ``export-animation`` draw slides and time-lapses
with :mod:`layers.render` and write their file whole or not at all.

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
import os
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from . import schema
from .areas import ANYWHERE, BORDERS_SOURCE, METHOD, area_table, country_border
from .change import between as change_between
from .change import summary as change_summary
from .change import to_geojson as change_geojson
from .errors import FrontlineError, InvalidInputError
from .exports import comparison_csv, snapshot_geojson, table_csv
from .figures import compare, monthly_change, read_reported_figures
from .ingest import plan_import, read_uploads, seed_default_data, write_import
from .presets import PRESETS
from .snapshots import latest_on_or_before, snapshot_at
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

    check = commands.add_parser(
        "validate",
        help="check files (GeoJSON, gzipped GeoJSON, KML, GeoPackage) against the data contract; writes nothing",
    )
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    _content_options(check)

    load = commands.add_parser(
        "import", help="validate files and write each as a snapshot of a layer, all or nothing"
    )
    load.add_argument("files", nargs="+", type=Path, metavar="FILE")
    load.add_argument(
        "--db", default=None, help="SQLAlchemy URL (default: $FRONTLINE_DB, else the embedded SQLite file)"
    )
    load.add_argument("--layer", required=True, help="layer to import into (created if new)")
    load.add_argument(
        "--as-of", type=_date, help="snapshot date for a single file (default: the date in each file name)"
    )
    _content_options(load)

    areas = commands.add_parser("areas", help="print areas per date, layer, side and status")
    areas.add_argument(
        "--db", default=None, help="SQLAlchemy URL (default: $FRONTLINE_DB, else the embedded SQLite file)"
    )
    areas.add_argument("--layer", help="only this layer")
    areas.add_argument(
        "--date", type=_date, help="only the snapshot shown on this date (latest on or before it)"
    )
    areas.add_argument("--within", help="ISO 3166-1 alpha-3 code: clip to that country's border (e.g. RUS)")
    areas.add_argument("--format", choices=["csv", "json"], default="csv")

    figures = commands.add_parser(
        "figures", help="add reported figures from a CSV, or compare every reported figure with the map"
    )
    figure_commands = figures.add_subparsers(dest="figures_command", required=True)
    add = figure_commands.add_parser(
        "add", help="check a CSV of reported figures and add the new ones (all or nothing)"
    )
    add.add_argument("file", type=Path, metavar="FILE.csv")
    _db_option(add)
    add.add_argument("--layer", help="layer to compare with, for rows that leave it empty")
    add.add_argument("--held-by", choices=sorted(schema.SIDES), help="side, for rows that leave it empty")
    add.add_argument("--status", choices=sorted(schema.STATUSES), help="status, for rows that leave it empty")
    add.add_argument(
        "--within", help="ISO3 border the computed area is clipped to, for rows that leave it empty"
    )
    add.add_argument(
        "--measure",
        choices=list(schema.MEASURES),
        help="what the figures measure, for rows that leave it empty",
    )
    compare = figure_commands.add_parser(
        "compare", help="every reported figure beside the computed value for its scope and date"
    )
    _db_option(compare)
    compare.add_argument("--layer", help="only figures compared with this layer")
    compare.add_argument("--format", choices=["csv", "json"], default="csv")

    change = commands.add_parser(
        "change", help="ground gained and lost per side between two dates, or the net change per month"
    )
    _db_option(change)
    change.add_argument("--layer", required=True)
    change.add_argument("--from", dest="since", type=_date, help="start date (the snapshot shown on it)")
    change.add_argument(
        "--to", dest="until", type=_date, help="end date (default: the layer's last snapshot)"
    )
    change.add_argument(
        "--monthly", action="store_true", help="net change of held area per calendar month instead"
    )
    change.add_argument(
        "--within", default="", help="with --monthly: ISO3 border to clip to (default: unclipped)"
    )
    change.add_argument(
        "--format",
        choices=["csv", "geojson"],
        default="csv",
        help="csv: km² gained, lost and net; geojson: the polygons",
    )

    snap = commands.add_parser("snapshot", help="the snapshot of a layer shown on a date, as GeoJSON")
    _db_option(snap)
    snap.add_argument("--layer", required=True)
    snap.add_argument(
        "--date", type=_date, required=True, help="the snapshot shown on this date (latest on or before it)"
    )

    png = commands.add_parser(
        "export-png",
        help="the map on a date as a slide-ready PNG (title, date, key with km², scale bar, sources)",
    )
    _db_option(png)
    png.add_argument(
        "--date",
        type=_date,
        required=True,
        help="each layer shows its latest snapshot on or before this date",
    )
    png.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="FILE.png",
        help="where to write the PNG (replaced whole, or left untouched on error)",
    )
    _picture_options(png)

    animation = commands.add_parser(
        "export-animation", help="a time-lapse of a date range as an animated GIF or an H.264 MP4"
    )
    _db_option(animation)
    animation.add_argument(
        "--from", dest="since", type=_date, required=True, metavar="YYYY-MM-DD", help="first frame's date"
    )
    animation.add_argument(
        "--to", dest="until", type=_date, required=True, metavar="YYYY-MM-DD", help="last frame's date"
    )
    animation.add_argument(
        "--out",
        type=Path,
        required=True,
        metavar="FILE.gif|FILE.mp4",
        help="where to write it; the suffix picks the format",
    )
    animation.add_argument(
        "--step",
        choices=["daily", "weekly", "snapshot"],
        default="weekly",
        help="a frame every day, every 7 days (and the last day), or on each snapshot date (default: weekly)",
    )
    animation.add_argument("--fps", type=float, default=2.0, help="frames a second (default: 2)")
    _picture_options(animation)
    return top


def _extent(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 4:
        raise argparse.ArgumentTypeError(
            f"extent expected as WEST,SOUTH,EAST,NORTH in degrees, e.g. 34.6,50.9,35.8,51.5; got {text!r}"
        )
    return values


def _picture_options(command: argparse.ArgumentParser) -> None:
    """What an exported picture shows and at what size, shared by export-png and export-animation."""
    command.add_argument(
        "--layer",
        action="append",
        help="territory layer to draw; repeat for several (default: every territory layer)",
    )
    command.add_argument(
        "--size",
        default="16:9",
        help="16:9 (1920x1080), 4:3 (1600x1200), square (1080x1080) or WIDTHxHEIGHT in pixels (default: 16:9)",
    )
    command.add_argument(
        "--scale",
        type=int,
        choices=[1, 2],
        default=1,
        help="2 doubles the pixels with the same layout (default: 1)",
    )
    command.add_argument("--title", help="title on the image (default: the layer names)")
    command.add_argument(
        "--extent",
        type=_extent,
        metavar="W,S,E,N",
        help="area shown, in degrees (default: the snapshots shown, padded)",
    )


def _db_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--db", default=None, help="SQLAlchemy URL (default: $FRONTLINE_DB, else the embedded SQLite file)"
    )


def _content_options(command: argparse.ArgumentParser) -> None:
    """Options saying what files hold and how to read them, shared by validate and import."""
    command.add_argument(
        "--kind",
        choices=["territory", "events"],
        default="territory",
        help="what the files hold (default: territory)",
    )
    command.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        help="map a known source's own properties to the contract (deepstate: raw DeepStateMap exports)",
    )
    command.add_argument("--held-by", choices=sorted(schema.SIDES), help="held_by for features that lack it")
    command.add_argument("--status", choices=sorted(schema.STATUSES), help="status for features that lack it")
    command.add_argument("--source", help="source for features that lack it (e.g. DeepStateMap)")
    command.add_argument(
        "--repair",
        action="store_true",
        help="repair invalid polygons (each repair and its area change is reported)",
    )


def _defaults(args) -> dict:
    return {"held_by": args.held_by, "status": args.status, "source": args.source}


def _report_lines(report, name: str) -> str:
    """A report for the terminal: the summary when it failed, else 'ok' and its warnings and notes."""
    if not report.ok:
        return report.summary()
    return "\n".join(
        [f"{name}: ok, {len(report.features)} feature(s)", *(f"  {p.severity}: {p}" for p in report.problems)]
    )


def run_validate(args) -> int:
    kind = schema.TERRITORY if args.kind == "territory" else schema.EVENT
    mapping = PRESETS[args.preset] if args.preset else None
    failed = 0
    for path, upload in zip(args.files, read_uploads(args.files)):
        report = validate(
            upload.raw, kind, name=str(path), defaults=_defaults(args), mapping=mapping, repair=args.repair
        )
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
        print(
            f"error: {len(plan.failed)} of {len(plan.reports)} file(s) failed validation; nothing was written.",
            file=sys.stderr,
        )
        return 1
    for report in plan.reports:
        for problem in report.warnings:
            print(f"{report.name}: warning: {problem}", file=sys.stderr)
    store = Store(args.db or default_url())
    try:
        # The app seeds an empty store on first run; seeding here keeps the embedded
        # layers in a store that the command line happened to create.
        seed_default_data(store)
        print(
            f"writing {len(plan.snapshots)} snapshot(s) to layer {plan.layer!r} in one transaction...",
            file=sys.stderr,
            flush=True,
        )
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
        + (
            f" {len(written.unchanged)} file(s) were identical to the current version and were not written again."
            if written.unchanged
            else ""
        )
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
        {
            "date": r.as_of.isoformat(),
            "layer": r.layer,
            "held_by": r.held_by,
            "status": r.status,
            "within": r.within,
            "area_km2": round(r.area_km2, 3),
        }
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


def _open(args) -> Store:
    store = Store(args.db or default_url())
    seed_default_data(store)
    return store


def run_figures(args) -> int:
    store = _open(args)
    if args.figures_command == "add":
        defaults = {
            "layer": args.layer,
            "held_by": args.held_by,
            "status": args.status,
            "within": args.within,
            "measure": args.measure,
        }
        checked = read_reported_figures(args.file, defaults)
        added = store.add_figures(checked, actor="cli", origin=args.file.name)
        print(
            f"{args.file.name}: added {added} reported figure(s); {len(checked) - added} were already stored."
        )
        unmatched = compare(checked, store.area_series())
        for row in unmatched[unmatched["comparison"] != "compared"].itertuples():
            print(
                f"{args.file.name}: note: the figure of {row.date} ({row.scope}, {row.reported_km2:,.0f} km²) has {row.comparison}.",
                file=sys.stderr,
            )
        return 0
    table = compare(store.reported_figures(), store.area_series())
    if args.layer:
        table = table[table["layer"] == args.layer]
    if args.format == "json":
        dated = table.assign(
            **{
                c: table[c].map(lambda d: d.isoformat() if d is not None and not pd.isna(d) else None)
                for c in ("date", "computed_as_of", "computed_from")
            }
        )
        records = json.loads(dated.to_json(orient="records"))
        json.dump(
            {"method": METHOD, "borders": BORDERS_SOURCE, "rows": records},
            sys.stdout,
            ensure_ascii=False,
            indent=1,
        )
        print()
    else:
        sys.stdout.write(comparison_csv(table))
    return 0


def run_change(args) -> int:
    store = _open(args)
    heads = store.heads(args.layer)  # names the known layers if there is no such layer
    if args.monthly:
        code = args.within.strip().upper()
        if code:
            country_border(code)
        series = store.area_series(args.layer)
        if code not in set(series["within"]):
            series = computed_series(store, args.layer, code)
        table = monthly_change(series, args.layer, code)
        table = table.assign(layer=args.layer, within=code)
        sys.stdout.write(
            table_csv(
                table[
                    ["month", "layer", "held_by", "within", "from_as_of", "to_as_of", "change_km2", "partial"]
                ]
            )
        )
        return 0
    if args.since is None:
        raise InvalidInputError("change: give --from YYYY-MM-DD (and optionally --to), or --monthly.")
    until = args.until or heads["as_of"].max()
    found = change_between(store, args.layer, args.since, until)
    if args.format == "geojson":
        print(change_geojson(found))
    else:
        table = change_summary(found).assign(
            layer=args.layer, from_snapshot=found.since.as_of, to_snapshot=found.until.as_of
        )
        sys.stdout.write(
            table_csv(
                table[
                    [
                        "layer",
                        "from_snapshot",
                        "to_snapshot",
                        "held_by",
                        "within",
                        "gained_km2",
                        "lost_km2",
                        "net_km2",
                    ]
                ]
            )
        )
    return 0


def run_snapshot(args) -> int:
    store = _open(args)
    found = snapshot_at(store, args.layer, args.date)
    if found is None:
        first = store.heads(args.layer)["as_of"].min()
        raise InvalidInputError(
            f"snapshot: layer {args.layer!r} has no snapshot on or before {args.date}; its first is {first}."
        )
    print(snapshot_geojson(found))
    return 0


def _output_path(path: Path, suffixes: tuple[str, ...]) -> Path:
    """``--out`` checked before any work: a known suffix, in an existing directory, not a directory itself."""
    if path.suffix.lower() not in suffixes:
        raise InvalidInputError(f"--out {str(path)!r}: give a file name ending in {' or '.join(suffixes)}.")
    if path.is_dir():
        raise InvalidInputError(
            f"--out {str(path)!r} is a directory; give a file name such as {path / ('map' + suffixes[0])}."
        )
    if not path.parent.is_dir():
        raise InvalidInputError(
            f"--out {str(path)!r}: the directory {str(path.parent)!r} does not exist; create it or choose another path."
        )
    return path


def _write_whole(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all: a temporary file beside it, then a rename."""
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        # mkstemp makes the file private (0600); a slide gets the mode any new file would.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except OSError as error:
        if temporary is not None and os.path.exists(temporary):
            os.remove(temporary)
        raise InvalidInputError(
            f"cannot write {str(path)!r}: {error.strerror or error}; choose another --out."
        ) from None


def run_export_png(args) -> int:
    from .render import pixel_size, render_png

    out = _output_path(args.out, (".png",))
    width, height = pixel_size(args.size)
    started = time.monotonic()
    store = _open(args)
    try:
        png = render_png(
            store,
            args.layer,
            args.date,
            size=(width, height),
            scale=args.scale,
            extent=args.extent,
            title=args.title,
        )
    finally:
        store.close()
    _write_whole(out, png)
    print(
        f"wrote {out} ({width * args.scale}x{height * args.scale} px, {len(png):,} bytes) in {time.monotonic() - started:.1f} s"
    )
    return 0


def run_export_animation(args) -> int:
    from .render import pixel_size, render_animation

    out = _output_path(args.out, (".gif", ".mp4"))
    width, height = pixel_size(args.size)
    started = time.monotonic()
    store = _open(args)
    try:
        data = render_animation(
            store,
            args.layer,
            args.since,
            args.until,
            step=args.step,
            fmt=out.suffix.lower().lstrip("."),
            size=(width, height),
            scale=args.scale,
            fps=args.fps,
            extent=args.extent,
            title=args.title,
            progress=Progress("rendered frame"),
        )
    finally:
        store.close()
    _write_whole(out, data)
    print(
        f"wrote {out} ({width * args.scale}x{height * args.scale} px, {len(data):,} bytes) in {time.monotonic() - started:.1f} s"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    commands = {
        "validate": run_validate,
        "import": run_import,
        "areas": run_areas,
        "figures": run_figures,
        "change": run_change,
        "snapshot": run_snapshot,
    }
    commands.update({"export-png": run_export_png, "export-animation": run_export_animation})
    try:
        return commands[args.command](args)
    except FrontlineError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
