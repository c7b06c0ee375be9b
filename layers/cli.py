"""The command line's options and what it writes around its output: the argument
parser of ``python -m layers``, progress lines on stderr, and files written whole.

The commands themselves are in ``layers.__main__``; every option is documented in the
README's command table and in ``--help``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TextIO

from . import schema
from .errors import InvalidInputError
from .events import DEFAULT_WINDOW_DAYS
from .layercommands import add_layer_command
from .presets import PRESETS

__all__ = [
    "MAX_TITLE_CHARS",
    "Progress",
    "date_argument",
    "extent_argument",
    "output_path",
    "parser",
    "title_argument",
    "window_argument",
    "write_whole",
]

#: Longest ``--title``: the panel shows two lines (about 70 characters at 16:9); a longer
#: title would be drawn cut to what fits with "…", so the command line refuses it instead.
MAX_TITLE_CHARS = 300


def date_argument(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"date expected like 2024-11-25, got {text!r}") from None


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="python -m layers", description="Front-line map data tools.")
    commands = top.add_subparsers(dest="command", required=True)

    check = commands.add_parser(
        "validate",
        help="check files (GeoJSON, gzipped GeoJSON, KML, GeoPackage) against the data contract; "
        "writes nothing",
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
    load.add_argument(
        "--layer",
        required=True,
        help="layer to import into; created if new (state its licence first with `layer create`, or after "
        "with `layer set-credit`)",
    )
    load.add_argument(
        "--as-of",
        type=date_argument,
        help="snapshot date for a single file (default: the date in each file name)",
    )
    load.add_argument(
        "--accept-large-change",
        action="store_true",
        help="import snapshots the plausibility guard finds unusual (area ×5, a distant extent, a side "
        "appearing or vanishing, a backfill); without it they are refused and nothing is written",
    )
    _content_options(load)

    areas = commands.add_parser("areas", help="print areas per date, layer, side and status")
    areas.add_argument(
        "--db", default=None, help="SQLAlchemy URL (default: $FRONTLINE_DB, else the embedded SQLite file)"
    )
    areas.add_argument("--layer", help="only this layer")
    areas.add_argument(
        "--date", type=date_argument, help="only the snapshot shown on this date (latest on or before it)"
    )
    areas.add_argument("--within", help="ISO 3166-1 alpha-3 code: clip to that country's border (e.g. RUS)")
    areas.add_argument("--format", choices=["csv", "json"], default="csv")
    areas.add_argument(
        "--by-category",
        action="store_true",
        help="km² per DeepStateMap category (liberated, occupied before/after 24 Feb 2022, unspecified), "
        "as its own figures state them, for layers imported with --preset deepstate",
    )

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
    change.add_argument(
        "--from", dest="since", type=date_argument, help="start date (the snapshot shown on it)"
    )
    change.add_argument(
        "--to", dest="until", type=date_argument, help="end date (default: the layer's last snapshot)"
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
        "--date",
        type=date_argument,
        required=True,
        help="the snapshot shown on this date (latest on or before it)",
    )

    png = commands.add_parser(
        "export-png",
        help="the map on a date as a slide-ready PNG (title, date, key with km², scale bar, sources)",
    )
    _db_option(png)
    png.add_argument(
        "--date",
        type=date_argument,
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
        "--from",
        dest="since",
        type=date_argument,
        required=True,
        metavar="YYYY-MM-DD",
        help="first frame's date",
    )
    animation.add_argument(
        "--to",
        dest="until",
        type=date_argument,
        required=True,
        metavar="YYYY-MM-DD",
        help="last frame's date",
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

    site = commands.add_parser(
        "publish",
        help="write the reader as a static site (index.html, embed.html, hashed data and assets) "
        "that any web server or CDN serves; only what changed is rewritten",
    )
    site.add_argument("--out", type=Path, required=True, metavar="DIR", help="the site's folder")
    _db_option(site)
    site.add_argument(
        "--layer",
        action="append",
        default=[],
        help="territory layer shown; repeat for several (default: all)",
    )
    site.add_argument("--events", help="events layer shown (default: the first)")
    site.add_argument(
        "--from",
        dest="since",
        type=date_argument,
        help="first day published (each layer keeps the snapshot shown on it); default: the first",
    )
    site.add_argument("--to", dest="until", type=date_argument, help="last day published; default: the last")
    site.add_argument("--title", help="the pages' title, at most 200 characters (default: the layers' names)")
    _sync_commands(commands)
    _events_command(commands)
    add_layer_command(commands)
    demo = commands.add_parser(
        "seed-demo",
        help="write the illustrative demo layers (hand-drawn, not a source) into an empty store; "
        "only the embedded default store gets them unasked",
    )
    _db_option(demo)
    return top


def _sync_commands(commands: argparse._SubParsersAction) -> None:
    sync = commands.add_parser("sync", help="keep a layer in step with a public archive")
    sources = sync.add_subparsers(dest="sync_source", required=True)
    archive = sources.add_parser(
        "deepstate-archive",
        help="fetch the days a layer lacks from the daily archive of cyterat/deepstate-map-data",
    )
    archive.add_argument("--layer", required=True, help="layer to sync (created if new)")
    _db_option(archive)
    archive.add_argument(
        "--base-url",
        default=None,
        help="the archive's address; files are BASE/data/deepstatemap_data_YYYYMMDD.geojson "
        "(default: the repository's raw files on raw.githubusercontent.com)",
    )
    archive.add_argument(
        "--from", dest="first", type=date_argument, default=None, help="first day (default: 2024-07-08)"
    )
    archive.add_argument(
        "--to", dest="last", type=date_argument, default=None, help="last day (default: today, UTC)"
    )
    _politeness_options(archive)
    archive.add_argument(
        "--recheck",
        action="store_true",
        help="also ask whether days already stored in the span changed upstream (conditional "
        "requests: an unchanged file is not downloaded again; a changed one becomes a new version)",
    )
    history = sources.add_parser(
        "deepstate-history",
        help="store the last snapshot of each day from DeepStateMap's history API, with its own areas "
        "as reported figures",
    )
    history.add_argument("--layer", required=True, help="layer to sync (created if new)")
    _db_option(history)
    history.add_argument(
        "--base-url",
        default=None,
        help="the site whose BASE/api/history/public lists the snapshots (default: https://deepstatemap.live/)",
    )
    history.add_argument(
        "--from", dest="first", type=date_argument, default=None, help="first day (default: the first listed)"
    )
    history.add_argument(
        "--to",
        dest="last",
        type=date_argument,
        default=None,
        help="last day (default: yesterday, UTC: the last day whose last snapshot is known)",
    )
    _politeness_options(history)


def _events_command(commands: argparse._SubParsersAction) -> None:
    listing = commands.add_parser(
        "events",
        help="the events of an events layer as CSV or GeoJSON, or per day the events near the front line",
    )
    _db_option(listing)
    listing.add_argument("--layer", required=True, help="the events layer")
    listing.add_argument(
        "--from", dest="since", type=date_argument, help="first day, included (default: the first)"
    )
    listing.add_argument(
        "--to", dest="until", type=date_argument, help="last day, included (default: the last)"
    )
    listing.add_argument("--kind", choices=sorted(schema.EVENT_KINDS), help="only events of this kind")
    listing.add_argument("--format", choices=["csv", "geojson"], default="csv")
    listing.add_argument(
        "--near-front",
        type=float,
        metavar="KM",
        help="instead of the events, per day the events within KM of the front line, per side (CSV)",
    )
    listing.add_argument(
        "--front-layer",
        help="with --near-front: the territory layer whose front is used (default: the only one, else the "
        "one whose snapshots cover most of the events' days)",
    )


def _politeness_options(command: argparse.ArgumentParser) -> None:
    command.add_argument("--delay", type=float, default=0.5, help="seconds between requests (default: 0.5)")
    command.add_argument(
        "--timeout", type=float, default=30.0, help="seconds before a request times out (default: 30)"
    )
    command.add_argument(
        "--retries", type=int, default=5, help="retries per file on transient faults (default: 5)"
    )


def extent_argument(text: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        values = ()
    if len(values) != 4:
        raise argparse.ArgumentTypeError(
            f"extent expected as WEST,SOUTH,EAST,NORTH in degrees, e.g. 34.6,50.9,35.8,51.5; got {text!r}"
        )
    return values


def window_argument(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        days = 0
    if not 1 <= days <= 366:
        raise argparse.ArgumentTypeError(f"window expected as 1 to 366 days, got {text!r}")
    return days


def title_argument(text: str) -> str:
    if len(text) > MAX_TITLE_CHARS:
        raise argparse.ArgumentTypeError(
            f"title of {len(text):,} characters: give at most {MAX_TITLE_CHARS}; the image shows two lines "
            "(about 70 characters at 16:9) and cuts a longer title with '…'"
        )
    return text


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
        help="16:9 (1920x1080), 4:3 (1600x1200), square (1080x1080) or WIDTHxHEIGHT in pixels "
        "(default: 16:9)",
    )
    command.add_argument(
        "--scale",
        type=int,
        choices=[1, 2],
        default=1,
        help="2 doubles the pixels with the same layout (default: 1)",
    )
    command.add_argument(
        "--title",
        type=title_argument,
        help=f"title on the image, at most {MAX_TITLE_CHARS} characters; two lines are shown, "
        "a longer title ends in '…' (default: the layer names)",
    )
    command.add_argument(
        "--extent",
        type=extent_argument,
        metavar="W,S,E,N",
        help="area shown, in degrees (default: the snapshots shown, padded)",
    )
    command.add_argument(
        "--events",
        metavar="NAME",
        help="events layer drawn: its events of the window ending at the date (of each frame), "
        "a symbol each when at most 150 are in view, else their density in hexagons (default: none)",
    )
    command.add_argument(
        "--window",
        type=window_argument,
        default=DEFAULT_WINDOW_DAYS,
        metavar="DAYS",
        help=f"days of events shown, ending at the date, 1 to 366 (default: {DEFAULT_WINDOW_DAYS})",
    )


def _db_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--db", default=None, help="SQLAlchemy URL (default: $FRONTLINE_DB, else the embedded SQLite file)"
    )


def _content_options(command: argparse.ArgumentParser) -> None:
    """Options saying what files hold and how to read them, shared by validate and import."""
    from .csvmapping import CSV_PRESETS

    command.add_argument(
        "--kind",
        choices=["territory", "events"],
        default="territory",
        help="what the files hold, hence the layer's kind (default: territory); a CSV holds events",
    )
    command.add_argument(
        "--preset",
        choices=sorted([*PRESETS, *CSV_PRESETS]),
        help="map a known source's own properties to the contract (deepstate: raw DeepStateMap exports; "
        "firms: NASA FIRMS active-fire CSV, with --kind events)",
    )
    command.add_argument("--held-by", choices=sorted(schema.SIDES), help="held_by for features that lack it")
    command.add_argument("--status", choices=sorted(schema.STATUSES), help="status for features that lack it")
    command.add_argument("--source", help="source for features that lack it (e.g. DeepStateMap)")
    command.add_argument(
        "--repair",
        action="store_true",
        help="repair invalid polygons (each repair and its area change is reported)",
    )
    command.add_argument(
        "--any-date",
        action="store_true",
        help="accept snapshot and event dates before 1900-01-01 or more than 7 days after today "
        "(refused by default as typos)",
    )
    _csv_options(command)


def _csv_options(command: argparse.ArgumentParser) -> None:
    """Which column of a CSV of events holds what (``--kind events`` with a .csv file).

    ``--kind`` already names the layer kind (territory|events), so the event kind of a
    CSV's rows is ``--event-kind VALUE`` or ``--kind-col COLUMN``.
    """
    csv_group = command.add_argument_group("CSV of events (--kind events FILE.csv)")
    for option, default, what in (
        ("--lat", "latitude", "latitude in decimal degrees"),
        ("--lon", "longitude", "longitude in decimal degrees"),
        ("--date", "date", "date, YYYY-MM-DD"),
    ):
        csv_group.add_argument(option, metavar="COL", help=f"column of the {what} (default: {default})")
    csv_group.add_argument("--time", metavar="COL", help="column of the time of day (UTC), kept as HH:MM")
    csv_group.add_argument(
        "--event-kind",
        metavar="KIND",
        choices=list(schema.EVENT_KINDS),
        help=f"the event kind of every row: {', '.join(schema.EVENT_KINDS)}",
    )
    csv_group.add_argument("--kind-col", metavar="COL", help="column of each row's event kind")
    csv_group.add_argument(
        "--source-col", metavar="COL", help="column of each row's source (or --source TEXT)"
    )
    csv_group.add_argument(
        "--confidence-col",
        metavar="COL",
        help="column of each row's confidence: confirmed, claimed, disputed (default: every row claimed)",
    )
    csv_group.add_argument("--id-col", metavar="COL", help="column of each event's id (default: derived)")
    csv_group.add_argument("--title-col", metavar="COL", help="column of each event's title")
    csv_group.add_argument(
        "--no-swap-check",
        action="store_true",
        help="accept points that look like swapped latitude and longitude",
    )


class Progress:
    """A progress line on stderr: rewritten in place on a terminal, else printed now and then."""

    def __init__(self, verb: str, stream: TextIO | None = None, every_seconds: float = 5.0):
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


def output_path(path: Path, suffixes: tuple[str, ...]) -> Path:
    """``--out`` checked before any work: a known suffix, in an existing directory, not a directory itself."""
    if path.suffix.lower() not in suffixes:
        raise InvalidInputError(f"--out {str(path)!r}: give a file name ending in {' or '.join(suffixes)}.")
    if path.is_dir():
        raise InvalidInputError(
            f"--out {str(path)!r} is a directory; give a file name such as {path / ('map' + suffixes[0])}."
        )
    if not path.parent.is_dir():
        raise InvalidInputError(
            f"--out {str(path)!r}: the directory {str(path.parent)!r} does not exist; "
            "create it or choose another path."
        )
    return path


def write_whole(path: Path, data: bytes) -> None:
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
