"""Our computed areas beside real published figures, on the real DeepStateMap archives.

Run from the repository root::

    python -m reports.real_archives [--db URL] [--markdown]
    python -m reports.real_archives --synced --db URL [--figures FILE.csv] [--markdown]

It needs the reference data in ``../shared/data`` (see that folder's README); without it
it exits with status 2 and says so. Steps, all through the command line's own code run
in-process (``layers.__main__.main``):

1. a store: a temporary SQLite file, or ``--db URL`` (re-running on the same store is
   harmless: identical snapshots and figures are not written twice);
2. ``import`` the 769 daily files of ``deepstate-occupied-daily`` into layer
   "Occupied Ukraine (DeepStateMap)" (every file one RU-held polygon) and the 263 raw
   files of ``deepstate-kursk`` into "Kursk (DeepStateMap)" with ``--preset deepstate``
   (Liberated -> UA held, Unknown status -> contested, Occupied -> RU held). Every Kursk
   polygon is valid as drawn (shapely finds none invalid), so ``--repair`` is not needed;
3. ``figures add``: every row of ``reported-figures.csv``, joined on ``scope`` (and on
   ``kind`` where the file's kind is not one of ours, e.g. "official claim (peak)") with
   ``reports/figure_scopes.csv``, which says which computed series each figure is set
   beside. No figure is dropped: one whose scope is not mapped is added without a layer
   and listed with the tool's "no computed series" reason;
4. ``figures compare``, keeping the rows of the two DeepStateMap layers (and any
   unmapped shared figure), never the embedded demo layer's;
5. context that helps explain the disagreements.

From a synced store (``--synced``)
----------------------------------
Anyone without ``../shared/data`` reproduces the comparison from the public sources: sync
the two layers into a store, then run the report on it with ``--synced``, which reads the
layers already there instead of importing files::

    python -m layers sync deepstate-archive --db URL --layer "Occupied Ukraine (DeepStateMap)" --to 2026-08-22
    python -m layers sync deepstate-history --db URL --layer "Kursk (DeepStateMap)" \
        --from 2024-08-01 --to 2025-04-30
    python -m reports.real_archives --synced --db URL --figures reported-figures.csv --markdown

The figures file is any CSV of reported figures with the columns ``date, scope, km2``
(or ``value_km2``), ``kind, source, note``, the columns of the team's
``reported-figures.csv``; every figure of the table in ``docs/real-archives.md`` is
listed there with its date, scope, kind, source and value, so the file can be written
from it. DeepStateMap's history API returns the whole map, not the Kursk cut of the
shared archive: the Ukrainian-held area within Russia is the same ground, so the Kursk
rows agree (a test checks that the table from a synced store equals the one from the
files); the layer's unclipped totals are the whole country's.

Which border (``within``) each figure is compared within
--------------------------------------------------------
- Ukrainian-held area in Kursk region: ``RUS``. DeepStateMap draws one "Liberated"
  status for ground held inside Russia and for liberated ground in Ukraine's Sumy region
  (the Kursk archive keeps both); only Russia's border tells them apart.
- Total occupied area, monthly and yearly gains: unclipped (``within`` empty).
  DeepStateMap computes its figures from its own polygon, which includes Crimea and is
  not clipped to anybody's border. Our bundled borders assign Crimea to Ukraine, so
  clipping to ``UKR`` keeps Crimea, but Natural Earth's 1:10m border and coastline
  differ from DeepStateMap's drawing: on 2026-01-01 the unclipped area is 116,219 km²
  (+0.05 % from DeepStateMap's 116,165 km²), the UKR-clipped one 114,372 km² (-1.5 %);
  about 1,010 km² of the polygon lie on the Russian side of Natural Earth's border line
  (slivers along the whole border, none wider than a few km) and about 830 km² outside
  both countries (the coast). The unclipped area is what matches the published method;
  the script prints both.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a file rather than with -m
    sys.path.insert(0, str(ROOT))

from layers import change  # noqa: E402
from layers.__main__ import main as layers_main  # noqa: E402
from layers.figures import period_start  # noqa: E402
from layers.schema import FIGURE_FIELDS, FIGURE_KINDS  # noqa: E402
from layers.series import area_rows  # noqa: E402
from layers.store import Store  # noqa: E402
from reports.real_archives_text import (  # noqa: E402
    attribution,
    context_lines,
    markdown,
    report_table,
)

DATA = ROOT.parent / "shared" / "data"
SCOPES = Path(__file__).resolve().parent / "figure_scopes.csv"
OCCUPIED = "Occupied Ukraine (DeepStateMap)"
KURSK = "Kursk (DeepStateMap)"
LAYERS = (OCCUPIED, KURSK)
OCCUPIED_FOLDER = "deepstate-occupied-daily"
KURSK_FOLDER = "deepstate-kursk"
FIGURES_FILE = "reported-figures.csv"
#: The date of DeepStateMap's published total that the context section breaks down.
TOTAL_DATE = dt.date(2026, 1, 1)
CHANGE_MEASURES = ("net change in month", "net change in year")


class ReportError(Exception):
    """A problem the user can act on (missing data, a failed import); printed without a traceback."""


def missing_data(data: Path = DATA, *, synced: bool = False, figures: Path | None = None) -> str | None:
    """Why the report cannot run on ``data`` (a sentence), or None when everything is there.

    With ``synced`` the archives come from the store, so only the figures file is needed
    (``figures``, default ``data/reported-figures.csv``).
    """
    if synced or figures is not None:
        path = figures or data / FIGURES_FILE
        if not path.is_file():
            return (
                f"the figures file {path} is absent; give a CSV of reported figures with --figures "
                "(columns date, scope, km2, kind, source, note; see docs/real-archives.md)."
            )
        if synced:
            return None
    if not data.is_dir():
        return (
            f"the reference data folder {data} is absent on this machine; "
            "the report needs the real DeepStateMap archives kept there."
        )
    for name in (OCCUPIED_FOLDER, KURSK_FOLDER):
        if not any((data / name).glob("*.geojson")):
            return f"{data / name} is missing or holds no .geojson file; the {name} archive is needed."
    if not (data / FIGURES_FILE).is_file():
        return f"{data / FIGURES_FILE} is missing; it holds the published figures to compare with."
    return None


def run_cli(argv: list[str]) -> tuple[int, str, str]:
    """The command line run in-process: ``(exit code, stdout, stderr)``."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = layers_main([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def _checked(argv: list[str]) -> tuple[str, str]:
    try:
        code, out, err = run_cli(argv)
    except Exception as error:  # e.g. a database error the command line does not catch
        raise ReportError(
            f"python -m layers {argv[0]} raised {type(error).__name__}: {str(error).splitlines()[0]}"
        ) from error
    if code != 0:
        raise ReportError(
            (
                f"python -m layers {argv[0]} {argv[1] if len(argv) > 1 else ''} "
                f"failed (exit {code}):\n{out}{err}"
            ).rstrip()
        )
    return out, err


def archive_files(data: Path = DATA) -> dict[str, list[Path]]:
    """The files of each archive by layer, sorted (their dates are in their names)."""
    return {
        OCCUPIED: sorted((data / OCCUPIED_FOLDER).glob("*.geojson")),
        KURSK: sorted((data / KURSK_FOLDER).glob("*.geojson")),
    }


@dataclass
class Imported:
    """What one archive import did: seconds, file count and the command's own summary line."""

    layer: str
    files: int
    seconds: float  #: wall clock
    cpu_seconds: float  #: this process's CPU time (steadier than wall clock on a busy machine)
    summary: str


def import_archives(url: str, data: Path = DATA, progress=None) -> list[Imported]:
    """Import both archives with ``python -m layers import`` (in-process), timing each."""
    files = archive_files(data)
    options = {
        OCCUPIED: ["--held-by", "RU", "--status", "held", "--source", "DeepStateMap"],
        KURSK: ["--preset", "deepstate"],
    }
    done = []
    for layer in LAYERS:
        if progress:
            progress(f"importing {len(files[layer])} files into {layer!r}...")
        started, cpu = time.perf_counter(), time.process_time()
        out, _ = _checked(["import", "--db", url, "--layer", layer, *options[layer], *files[layer]])
        done.append(
            Imported(
                layer,
                len(files[layer]),
                time.perf_counter() - started,
                time.process_time() - cpu,
                out.strip(),
            )
        )
    return done


def shared_figures(data: Path = DATA, path: Path | None = None) -> pd.DataFrame:
    """``reported-figures.csv`` (or the file at ``path``) as strings, in file order."""
    return pd.read_csv(path or data / FIGURES_FILE, dtype=str, keep_default_na=False)


def check_synced(url: str) -> list[str]:
    """The layers of a synced store the report reads, each with its span (for the progress lines).

    Raises
    ------
    ReportError
        If either layer is missing or empty, naming the sync command that fills it.
    """
    commands = {
        OCCUPIED: f'python -m layers sync deepstate-archive --db URL --layer "{OCCUPIED}" --to 2026-08-22',
        KURSK: f'python -m layers sync deepstate-history --db URL --layer "{KURSK}" '
        "--from 2024-08-01 --to 2025-04-30",
    }
    store = Store(url)
    try:
        found = {info.name: info for info in store.layers()}
    finally:
        store.close()
    lines, problems = [], []
    for layer in LAYERS:
        info = found.get(layer)
        if info is None or not info.n_snapshots:
            problems.append(f"the store has no layer {layer!r}; fill it with: {commands[layer]}")
        else:
            lines.append(f"{layer!r}: {info.n_snapshots} snapshot(s), {info.first} to {info.last} (synced)")
    if problems:
        raise ReportError("\n".join(problems))
    return lines


def read_scopes(path: Path = SCOPES) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def mapped_figures(figures: pd.DataFrame, scopes: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The shared figures with their comparison scope, ready for ``figures add``.

    A row of ``scopes`` with a ``reported_kind`` applies to figures of that scope and kind
    (and replaces the kind with ``kind``); a row with an empty ``reported_kind`` applies to
    the scope's other figures, whose kind is kept. A figure whose scope is not mapped is
    kept with no layer (the comparison then says so), and named in the returned notes.

    Raises
    ------
    ReportError
        If a figure's kind is not one of ``schema.FIGURE_KINDS`` and no scope row maps it.
    """
    mapping = {(r["scope"], r["reported_kind"]): r for r in scopes.to_dict("records")}
    rows, notes, problems = [], [], []
    for number, figure in enumerate(figures.to_dict("records"), start=2):
        scope = mapping.get((figure["scope"], figure["kind"])) or mapping.get((figure["scope"], ""))
        row = {
            name: figure.get(name, "") for name in ("date", "scope", "value_km2", "kind", "source", "note")
        }
        if scope is None:
            notes.append(
                f"{FIGURES_FILE} line {number}: scope {figure['scope']!r} is not in {SCOPES.name}; "
                "it is compared with nothing."
            )
            row.update(layer="", held_by="", status="", within="", measure="")
        else:
            if scope["reported_kind"]:
                row["kind"] = scope["kind"]
            row.update({key: scope[key] for key in ("layer", "held_by", "status", "within", "measure")})
        if row["kind"] not in FIGURE_KINDS:
            problems.append(
                f"{FIGURES_FILE} line {number}: kind {row['kind']!r} "
                f"is not one of {', '.join(FIGURE_KINDS)}; "
                f"add a row to {SCOPES.name} with reported_kind {row['kind']!r} mapping it."
            )
        rows.append(row)
    if problems:
        raise ReportError("\n".join(problems))
    return pd.DataFrame(rows, columns=[f.name for f in FIGURE_FIELDS]), notes


def add_shared_figures(
    url: str, data: Path = DATA, scopes: Path = SCOPES, figures: Path | None = None
) -> tuple[str, list[str]]:
    """Write the mapped figures to a temporary CSV and ``figures add`` it; returns its output
    and the notes. ``figures``: another file than ``data/reported-figures.csv``."""
    table, notes = mapped_figures(shared_figures(data, figures), read_scopes(scopes))
    with tempfile.TemporaryDirectory(prefix="real-archives-") as folder:
        path = Path(folder) / "reported-figures-mapped.csv"
        table.to_csv(path, index=False, lineterminator="\n")
        out, err = _checked(["figures", "add", path, "--db", url])
    return (out + err).strip(), notes


def comparison(url: str, data: Path = DATA, figures: Path | None = None) -> pd.DataFrame:
    """``figures compare --format json``: the two layers' rows and any unmapped shared figure.

    Only the figures of the shared file's scopes: the demo layer's figures (and any other
    layer's) are left out, and so are the per-snapshot figures a history sync stores.
    Dates become ``datetime.date``; the rows are in the order of ``reported-figures.csv``'s
    scopes, then by date.
    """
    out, _ = _checked(["figures", "compare", "--db", url, "--format", "json"])
    table = pd.DataFrame(json.loads(out)["rows"])
    shared = shared_figures(data, figures)
    order = {scope: i for i, scope in enumerate(dict.fromkeys(shared["scope"]))}
    ours = table["scope"].isin(order) & (table["layer"].isin(LAYERS) | (table["layer"] == ""))
    table = table[ours].copy()
    for column in ("date", "computed_as_of", "computed_from"):
        table[column] = table[column].map(
            lambda v: dt.date.fromisoformat(v[:10]) if isinstance(v, str) and v else None
        )
    table["_order"] = table["scope"].map(order)
    return (
        table.sort_values(["_order", "date", "measure"], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )


# --- context -------------------------------------------------------------------------


@dataclass
class Context:
    total_date: dt.date
    total_unclipped: float
    total_ukr: float
    total_rus: float
    total_snapshot: str
    changes: pd.DataFrame  #: per change figure: period, reported, gained/lost/net (unclipped and UKR)
    kursk_peak: tuple[dt.date, float]
    kursk_august_peak: tuple[dt.date, float]
    kursk_at_figures: pd.DataFrame  #: per Kursk figure date: UA held and held + grey zone inside Russia
    timings: dict[str, str] = field(default_factory=dict)


def _held(rows: list[dict], side: str = "RU") -> float:
    return sum(r["area_km2"] for r in rows if r["held_by"] == side and r["status"] == "held")


def context(url: str, compared: pd.DataFrame) -> Context:
    """Figures that explain the comparison: the total's border split, gross vs net, the Kursk peak."""
    store = Store(url)
    try:
        unclipped = area_rows(store, OCCUPIED, TOTAL_DATE, None)
        within_ukr = area_rows(store, OCCUPIED, TOTAL_DATE, "UKR")
        within_rus = area_rows(store, OCCUPIED, TOTAL_DATE, "RUS")
        changes = []
        figures = compared[compared["measure"].isin(CHANGE_MEASURES) & (compared["comparison"] == "compared")]
        for figure in figures.itertuples():
            since = period_start(figure.date, figure.measure)
            found = change.between(store, figure.layer, since, figure.date)
            summary = change.summary(found).set_index(["held_by", "within"])
            row = {
                "date": figure.date,
                "measure": figure.measure,
                "source": figure.source,
                "reported_km2": figure.reported_km2,
                "from_snapshot": found.since.as_of,
                "to_snapshot": found.until.as_of,
            }
            for code, suffix in (("", ""), ("UKR", "_ukr")):
                values = (
                    summary.loc[("RU", code)]
                    if ("RU", code) in summary.index
                    else pd.Series({"gained_km2": 0.0, "lost_km2": 0.0, "net_km2": 0.0})
                )
                row.update(
                    {
                        f"gained_km2{suffix}": values["gained_km2"],
                        f"lost_km2{suffix}": values["lost_km2"],
                        f"net_km2{suffix}": values["net_km2"],
                    }
                )
            changes.append(row)
        series = store.area_series(KURSK)
    finally:
        store.close()
    inside = series[(series["held_by"] == "UA") & (series["within"] == "RUS")]
    held = inside[inside["status"] == "held"].groupby("as_of")["area_km2"].sum()
    grey = (
        inside[inside["status"] == "contested"]
        .groupby("as_of")["area_km2"]
        .sum()
        .reindex(held.index, fill_value=0.0)
    )
    august = held[[d.year == 2024 and d.month == 8 for d in held.index]]
    kursk_rows = []
    for figure in compared[(compared["layer"] == KURSK) & (compared["measure"] == "at date")].itertuples():
        shown = [d for d in held.index if d <= figure.date]
        if shown:
            kursk_rows.append(
                {
                    "date": figure.date,
                    "reported_km2": figure.reported_km2,
                    "kind": figure.kind,
                    "snapshot": shown[-1],
                    "held_km2": held[shown[-1]],
                    "held_and_grey_km2": held[shown[-1]] + grey[shown[-1]],
                }
            )
    return Context(
        total_date=TOTAL_DATE,
        total_unclipped=_held(unclipped),
        total_ukr=_held(within_ukr),
        total_rus=_held(within_rus),
        total_snapshot=unclipped[0]["date"] if unclipped else "",
        changes=pd.DataFrame(changes),
        kursk_peak=(held.idxmax(), float(held.max())),
        kursk_august_peak=(august.idxmax(), float(august.max())),
        kursk_at_figures=pd.DataFrame(kursk_rows),
    )


def main(argv: list[str] | None = None) -> int:
    options = argparse.ArgumentParser(
        prog="python -m reports.real_archives", description=__doc__.split("\n\n")[0]
    )
    options.add_argument(
        "--db",
        help="SQLAlchemy URL of the store to use (default: a temporary SQLite file, removed afterwards)",
    )
    options.add_argument(
        "--markdown", action="store_true", help="print Markdown (the README's table) instead of plain text"
    )
    options.add_argument(
        "--synced",
        action="store_true",
        help="read both layers from the store given with --db (filled by python -m layers sync) "
        "instead of importing the files of ../shared/data",
    )
    options.add_argument(
        "--figures",
        type=Path,
        default=None,
        help="CSV of reported figures to compare (default: ../shared/data/reported-figures.csv)",
    )
    options.add_argument("--data", type=Path, default=DATA, help=argparse.SUPPRESS)
    args = options.parse_args(argv)
    if args.synced and not args.db:
        options.error("--synced reads the store given with --db: give --db URL")

    reason = missing_data(args.data, synced=args.synced, figures=args.figures)
    if reason:
        print(f"real_archives: {reason}", file=sys.stderr)
        return 2

    def progress(text):
        print(text, file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="real-archives-") as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'store.db'}"
        try:
            started = time.perf_counter()
            if args.synced:
                imported = []
                for line in check_synced(url):
                    progress(line)
            else:
                imported = import_archives(url, args.data, progress)
                for done in imported:
                    progress(done.summary)
            step = time.perf_counter()
            added, notes = add_shared_figures(url, args.data, figures=args.figures)
            for line in [added, *notes]:
                progress(line)
            compared = comparison(url, args.data, args.figures)
            figures_seconds = time.perf_counter() - step
            step = time.perf_counter()
            ctx = context(url, compared)
            ctx.timings = {
                **{
                    f"import {d.layer} ({d.files} files)": f"{d.seconds:.1f} s (CPU {d.cpu_seconds:.1f} s)"
                    for d in imported
                },
                "figures add + compare": f"{figures_seconds:.1f} s",
                "context (areas, change)": f"{time.perf_counter() - step:.1f} s",
                "total": f"{time.perf_counter() - started:.1f} s",
            }
        except ReportError as error:
            print(f"real_archives: {error}", file=sys.stderr)
            return 2
    table = report_table(compared)
    if args.markdown:
        print(markdown(table))
    else:
        with pd.option_context("display.width", 250, "display.max_colwidth", 80):
            print(table.to_string(index=False))
    print("\n".join(context_lines(ctx, compared, args.markdown)))
    print()
    print(attribution())
    return 0


if __name__ == "__main__":
    sys.exit(main())
