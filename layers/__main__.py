"""Command line: ``python -m layers validate|import|areas|figures|change|snapshot ...``.

``validate``, ``import`` and ``areas`` follow the contract in ../shared/BRIEF.md
(``areas`` keeps exactly the contract's columns on stdout and prints its method on
stderr); ``figures``, ``change`` and ``snapshot`` are this project's additions, and their
CSV and GeoJSON carry the area method and border outline in a column or ``metadata``.
``export-png`` (in the contract) and ``export-animation`` draw slides and time-lapses
with :mod:`layers.render` and write their file whole or not at all. ``seed-demo`` writes
the illustrative demo into an empty store: only the embedded default store (no
``FRONTLINE_DB``, no ``--db``) is seeded without being asked, so a store the user named
never gets the demo drawing on top of their real data.

The parser and the helpers around the output are in :mod:`layers.cli`; the area rows
``areas`` prints in :mod:`layers.series`. Errors a user can act on
(:class:`layers.errors.FrontlineError`) are caught here, in one place, and printed
without a traceback. Exit status: 0 on success, 1 when a file
fails validation (every problem is listed and nothing is written), 2 for any other
user error (a missing file, a bad option, no date for a snapshot), 141 when the reader
of the output closed it early (``python -m layers areas | head -1``), quietly.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import os
import sys
import time

import pandas as pd

from . import guard, schema
from .alttext import ILLUSTRATIVE_NOTE, illustrative_label
from .areas import BORDERS_SOURCE, METHOD, country_border
from .categoryareas import print_category_areas
from .change import between as change_between
from .change import summary as change_summary
from .change import to_geojson as change_geojson
from .checking import validate_bounded
from .cli import Progress, output_path, parser, write_whole
from .credits import PRESET_CREDITS, credits_text
from .errors import FrontlineError, InvalidInputError
from .eventlisting import run_events
from .exports import (
    comparison_csv,
    csv_cell,
    illustrative_column,
    illustrative_layers,
    snapshot_geojson,
    table_csv,
)
from .figures import compare, disagreement_line, largest_disagreements, monthly_change, read_reported_figures
from .ingest import (
    demo_layer_names,
    plan_import,
    read_uploads,
    seed_default_data,
    seed_if_embedded,
    write_import,
)
from .layercommands import missing_credit_note, run_layer
from .presets import PRESETS
from .series import area_rows, computed_series
from .snapshots import snapshot_at
from .store import Store, default_url
from .validation import Report

AREA_ROW = ["date", "layer", "held_by", "status", "within", "area_km2"]

#: Exit status when the reader of stdout closed it early: 128 + SIGPIPE, as a shell reports
#: for any program that SIGPIPE ended.
CLOSED_PIPE = 141


def _defaults(args: argparse.Namespace) -> dict[str, str | None]:
    return {"held_by": args.held_by, "status": args.status, "source": args.source}


def _report_lines(report: Report, name: str) -> str:
    """A report for the terminal: the summary when it failed, else 'ok' and its warnings and notes."""
    if not report.ok:
        return report.summary()
    count = 0 if report.features is None else len(report.features)
    return "\n".join([f"{name}: ok, {count} feature(s)", *(f"  {p.severity}: {p}" for p in report.problems)])


def run_validate(args: argparse.Namespace) -> int:
    from .eventcommands import is_csv_command, run_csv_validate

    if is_csv_command(args):
        return run_csv_validate(args)
    kind = schema.TERRITORY if args.kind == "territory" else schema.EVENT
    mapping = PRESETS[args.preset] if args.preset else None
    failed = 0
    for path, upload in zip(args.files, read_uploads(args.files), strict=True):
        report = validate_bounded(
            upload.raw,
            kind,
            name=str(path),
            defaults=_defaults(args),
            mapping=mapping,
            repair=args.repair,
            any_date=args.any_date,
        )
        print(_report_lines(report, str(path)))
        failed += not report.ok
    return 1 if failed else 0


def run_import(args: argparse.Namespace) -> int:
    from .eventcommands import is_csv_command, run_csv_import

    if is_csv_command(args):
        return run_csv_import(args)
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
        any_date=args.any_date,
    )
    validated = time.monotonic()
    if not plan.ok:
        for report in plan.failed:
            print(report.summary())
        print(
            f"error: {len(plan.failed)} of {len(plan.reports)} file(s) failed validation; "
            "nothing was written.",
            file=sys.stderr,
        )
        return 1
    for report in plan.reports:
        for problem in report.warnings:
            print(f"{report.name}: warning: {problem}", file=sys.stderr)
    store = Store(args.db or default_url())
    try:
        # The app seeds the embedded default store on first run; seeding it here too keeps
        # the demo in it when the command line happened to create it. A named store is
        # never seeded unasked.
        seed_if_embedded(store)
        unusual = [] if args.accept_large_change else guard.check_import(store, plan.layer, plan.snapshots)
        if unusual:
            print(guard.refusal(unusual), file=sys.stderr)
            return 2
        credit = PRESET_CREDITS.get(args.preset or "")
        if credit is not None:
            plan.snapshots = [dataclasses.replace(s, credit=credit) for s in plan.snapshots]
        print(
            f"writing {len(plan.snapshots)} snapshot(s) to layer {plan.layer!r} in one transaction...",
            file=sys.stderr,
            flush=True,
        )
        written = write_import(store, plan, actor="cli", action="import")
        note = missing_credit_note(store, plan.layer)
        if note:
            print(note, file=sys.stderr)
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
        + f" in {finished - started:.1f} s (validation {validated - started:.1f} s, "
        f"writing {finished - validated:.1f} s)."
        + (
            f" {len(written.unchanged)} file(s) were identical to the current version "
            "and were not written again."
            if written.unchanged
            else ""
        )
    )
    return 0


def run_areas(args: argparse.Namespace) -> int:
    store = Store(args.db or default_url())
    seed_if_embedded(store)
    if args.by_category:
        return print_category_areas(store, args)
    rows = area_rows(store, args.layer, args.date, args.within)
    # The contract fixes the CSV's columns: an illustrative layer is named beside them.
    drawn = sorted(illustrative_layers(store.layers()) & {row["layer"] for row in rows})
    # Nor the credits: each layer's line goes beside them (stderr), or into the JSON.
    credits = store.credits()
    lines = credits_text((name, credits.get(name)) for name in dict.fromkeys(row["layer"] for row in rows))
    if args.format == "json":
        out = {"method": METHOD, "illustrative": drawn, "credits": lines, "rows": rows}
        json.dump(out, sys.stdout, ensure_ascii=False, indent=1)
        print()
    else:
        writer = csv.DictWriter(sys.stdout, fieldnames=AREA_ROW, lineterminator="\n")
        writer.writeheader()
        writer.writerows({key: csv_cell(value) for key, value in row.items()} for row in rows)
        print(f"# method: {METHOD}", file=sys.stderr)
        for name in drawn:
            print(f"# {illustrative_label(name)}: {ILLUSTRATIVE_NOTE}.", file=sys.stderr)
        for line in lines:
            print(f"# credit: {line}", file=sys.stderr)
    return 0


def _open(args: argparse.Namespace) -> Store:
    store = Store(args.db or default_url())
    seed_if_embedded(store)
    return store


def run_seed_demo(args: argparse.Namespace) -> int:
    """Write the illustrative demo into an empty store; into any other, write nothing and say why."""
    store = Store(args.db or default_url())
    try:
        written = seed_default_data(store)
        demo = demo_layer_names()
        if written:
            print(
                f"{store.display_url}: wrote the illustrative demo: {written} snapshot(s) of the layers "
                + ", ".join(repr(name) for name in demo)
                + ", with their reported figures and milestones."
            )
            return 0
        names = [info.name for info in store.layers()]
    finally:
        store.close()
    if set(demo) <= set(names):
        print(f"{store.display_url}: the store already holds the illustrative demo; nothing was written.")
        return 0
    shown = ", ".join(repr(name) for name in names[:5]) + (
        f" and {len(names) - 5} more" if len(names) > 5 else ""
    )
    raise InvalidInputError(
        f"seed-demo: the store {store.display_url!r} already holds {len(names)} layer(s) ({shown}); "
        "the illustrative demo is written only into an empty store, so that it never sits on top of "
        "real data. Nothing was written. To try the demo, give a new store: "
        "--db sqlite:////path/to/demo.db."
    )


def run_figures(args: argparse.Namespace) -> int:
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
                f"{args.file.name}: note: the figure of {row.date} ({row.scope}, "
                f"{row.reported_km2:,.0f} km²) has {row.comparison}.",
                file=sys.stderr,
            )
        return 0
    table = compare(store.reported_figures(), store.area_series())
    if args.layer:
        table = table[table["layer"] == args.layer]
    drawn = illustrative_layers(store.layers())
    if args.format == "json":
        dated = table.assign(
            illustrative=illustrative_column(table["layer"], drawn) == "true",
            **{
                c: table[c].map(lambda d: d.isoformat() if d is not None and not pd.isna(d) else None)
                for c in ("date", "computed_as_of", "computed_from")
            },
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
        sys.stdout.write(comparison_csv(table, drawn, store.credits()))
    return 0


def run_change(args: argparse.Namespace) -> int:
    store = _open(args)
    heads = store.heads(args.layer)  # names the known layers if there is no such layer
    drawn = "true" if args.layer in illustrative_layers(store.layers()) else "false"
    if args.monthly:
        code = args.within.strip().upper()
        if code:
            country_border(code)
        series = store.area_series(args.layer)
        if code not in set(series["within"]):
            series = computed_series(store, args.layer, code)
        table = monthly_change(series, args.layer, code)
        table = table.assign(layer=args.layer, within=code, illustrative=drawn)
        sys.stdout.write(
            table_csv(
                table[
                    [
                        "month",
                        "layer",
                        "held_by",
                        "within",
                        "from_as_of",
                        "to_as_of",
                        "change_km2",
                        "partial",
                        "illustrative",
                    ]
                ],
                store.credits(),
            )
        )
        return 0
    if args.since is None:
        raise InvalidInputError("change: give --from YYYY-MM-DD (and optionally --to), or --monthly.")
    until = args.until or heads["as_of"].max()
    found = change_between(store, args.layer, args.since, until)
    if args.format == "geojson":
        print(change_geojson(found, drawn == "true"))
    else:
        table = change_summary(found).assign(
            layer=args.layer,
            from_snapshot=found.since.as_of,
            to_snapshot=found.until.as_of,
            illustrative=drawn,
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
                        "illustrative",
                    ]
                ],
                store.credits(),
            )
        )
    return 0


def run_snapshot(args: argparse.Namespace) -> int:
    store = _open(args)
    found = snapshot_at(store, args.layer, args.date)
    if found is None:
        first = store.heads(args.layer)["as_of"].min()
        raise InvalidInputError(
            f"snapshot: layer {args.layer!r} has no snapshot on or before {args.date}; its first is {first}."
        )
    print(
        snapshot_geojson(found, args.layer in illustrative_layers(store.layers()), store.credit(args.layer))
    )
    return 0


def run_export_png(args: argparse.Namespace) -> int:
    from .render import pixel_size, render_png

    out = output_path(args.out, (".png",))
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
            events=args.events,
            window_days=args.window,
        )
    finally:
        store.close()
    write_whole(out, png)
    print(
        f"wrote {out} ({width * args.scale}x{height * args.scale} px, {len(png):,} bytes) "
        f"in {time.monotonic() - started:.1f} s"
    )
    return 0


def run_export_animation(args: argparse.Namespace) -> int:
    from .render import pixel_size, render_animation

    out = output_path(args.out, (".gif", ".mp4"))
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
            events=args.events,
            window_days=args.window,
        )
    finally:
        store.close()
    write_whole(out, data)
    print(
        f"wrote {out} ({width * args.scale}x{height * args.scale} px, {len(data):,} bytes) "
        f"in {time.monotonic() - started:.1f} s"
    )
    return 0


def run_publish(args: argparse.Namespace) -> int:
    from .publish import publish

    started = time.monotonic()
    store = _open(args)
    try:
        result = publish(
            store,
            args.out,
            layers=args.layer,
            events=args.events,
            title=args.title,
            start=args.since,
            end=args.until,
        )
    finally:
        store.close()
    print(
        f"published {args.out}: {len(result.written)} file(s) written, {len(result.kept)} unchanged, "
        f"in {time.monotonic() - started:.1f} s"
    )
    return 0


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_sync(args: argparse.Namespace) -> int:
    from .sync import ARCHIVE_FIRST_DAY, DEFAULT_BASE_URL, SOURCE, Fetcher, sync_archive
    from .sync.status import recording

    if args.sync_source == "deepstate-history":
        return run_sync_history(args)
    fetcher = Fetcher(timeout_s=args.timeout, retries=args.retries, delay_s=args.delay, log=_log)
    store = _open(args)
    base_url = args.base_url or DEFAULT_BASE_URL
    try:
        with recording(store, args.layer, SOURCE, base_url) as run:
            result = sync_archive(
                store,
                args.layer,
                fetcher,
                base_url=base_url,
                first=args.first or ARCHIVE_FIRST_DAY,
                last=args.last,
                recheck=args.recheck,
                log=_log,
            )
            run.written, run.changed = len(result.written), len(result.changed)
            run.missing = [day.isoformat() for day in result.missing]
    finally:
        store.close()
    missing = ", ".join(run.missing)
    print(
        f"layer {args.layer!r}: {len(result.written)} day(s) stored, {result.already} already stored"
        + (f", {len(result.missing)} not in the archive ({missing})" if result.missing else "")
        + (
            f"; rechecked: {result.unchanged} unchanged, {len(result.changed)} changed upstream and stored "
            "as new versions"
            if args.recheck
            else ""
        )
        + f"; {fetcher.requests} request(s)."
    )
    return 0


def run_sync_history(args: argparse.Namespace) -> int:
    from .sync import HISTORY_BASE_URL, HISTORY_SOURCE, Fetcher, sync_history
    from .sync.status import recording

    fetcher = Fetcher(timeout_s=args.timeout, retries=args.retries, delay_s=args.delay, log=_log)
    store = _open(args)
    base_url = args.base_url or HISTORY_BASE_URL
    try:
        with recording(store, args.layer, HISTORY_SOURCE, base_url) as run:
            result = sync_history(
                store, args.layer, fetcher, base_url=base_url, first=args.first, last=args.last, log=_log
            )
            run.written = len(result.written)
            run.missing = [s.day.isoformat() for s in result.missing]
        table = compare(store.reported_figures(), store.area_series(args.layer))
    finally:
        store.close()
    missing = ", ".join(f"{s.day} ({s.id})" for s in result.missing)
    print(
        f"layer {args.layer!r}: {len(result.written)} day(s) stored with {result.figures} DeepStateMap "
        f"figure(s), {result.already} already stored"
        + (f", {len(result.missing)} without a map ({missing})" if result.missing else "")
        + (f", {len(result.without_areas)} without areas" if result.without_areas else "")
        + f"; {fetcher.requests} request(s)."
    )
    largest = largest_disagreements(table, layer=args.layer, limit=1)
    if len(largest):
        print(f"largest disagreement: {disagreement_line(largest.iloc[0].to_dict())}")
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
    commands.update(
        {
            "sync": run_sync,
            "export-png": run_export_png,
            "export-animation": run_export_animation,
            "publish": run_publish,
            "seed-demo": run_seed_demo,
            "events": run_events,
            "layer": run_layer,
        }
    )
    try:
        code = commands[args.command](args)
        # Flushed here, not at exit, so that a closed pipe is caught below.
        sys.stdout.flush()
        return code
    except FrontlineError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`... | head -1`). Python ignores SIGPIPE, so the write
        # raised instead; stdout now goes to /dev/null so the flush at exit cannot raise
        # again (the recipe of the Python docs' "Note on SIGPIPE").
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return CLOSED_PIPE


if __name__ == "__main__":
    sys.exit(main())
