"""Reading a CSV of point events (one row an event) and checking every row against the data contract.

Rows are untrusted: each cell is parsed, never evaluated, and every problem is reported
with its line as a spreadsheet counts it (the header is line 1), the column and the fix,
at most :data:`layers.problems.MAX_LISTED` per kind of problem and a count of the rest.
A :class:`CsvMapping` says which column holds what; :data:`FIRMS` reads NASA FIRMS
active-fire files (see :mod:`layers.firms` for its confidence rule).

Limits, checked before the rows are parsed: at most :data:`MAX_CSV_MB` MB per file (the
size is read from the file system first, then at most that many bytes are read) and
:data:`MAX_CSV_ROWS` rows. The import holds every event of the layer in memory a few
times over (rows, the GeoDataFrame, the stored JSON), about 2.7 KB an event above
Python's ~200 MB: 250,000 rows into a new store peaked at 880 MB (18 s), which a 2 GB
machine running the app can still afford; a FIRMS VIIRS row is about 95 bytes, so 50 MB
holds them with room for wider files. A year of FIRMS detections over the front is about
120,000 rows.

Swapped columns: a file whose latitudes are outside ±90° while its longitudes would be
valid latitudes, or whose points lie outside :data:`REGION` while swapped nine in ten lie
inside, is refused with the fix "swap --lat and --lon" (``--no-swap-check`` accepts such
points as they are).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import shapely

from . import schema
from .csvmapping import (
    CSV_PRESETS,
    DEFAULT_CONFIDENCE,
    FIRMS,
    ID_MAX_CHARS,
    SOURCE_MAX_CHARS,
    CsvMapping,
    parse_time,
)
from .dates import date_problem
from .firms import FIRMS_KEPT, confidence_from_firms, firms_title
from .problems import Collector, Report
from .store.inputs import text_problem

__all__ = [
    "CSV_PRESETS",
    "DEFAULT_CONFIDENCE",
    "FIRMS",
    "ID_MAX_CHARS",
    "MAX_CSV_MB",
    "MAX_CSV_ROWS",
    "REGION",
    "SOURCE_MAX_CHARS",
    "CsvEvents",
    "CsvMapping",
    "parse_time",
    "read_bounded",
    "read_events_csv",
    "in_region",
    "swapped_columns",
]

MAX_CSV_MB = 50
MAX_CSV_ROWS = 250_000
#: The region the map is about, ``(west, south, east, north)`` in degrees: Ukraine, Crimea
#: and the Russian regions along the front and the border. Only the swap check uses it.
REGION = (22.0, 43.0, 50.0, 57.0)
#: Share of points that must lie outside :data:`REGION`, and inside it once swapped, for
#: the file to count as swapped: nine in ten, so a few stray rows do not trigger it.
SWAP_SHARE = 0.9

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass
class CsvEvents:
    """The events of one CSV, checked: its report, and its events unless a row failed.

    ``events`` holds each event once (duplicates within the file are left out and
    reported as notes); ``lines`` gives the line of each event in the file.
    """

    report: Report
    events: gpd.GeoDataFrame | None = None
    lines: list[int] = field(default_factory=list)
    duplicates: int = 0
    rows: int = 0


def read_bounded(path: Path) -> tuple[bytes | None, str | None]:
    """A file's bytes, or None and why not: too big (checked before reading), unreadable."""
    limit = MAX_CSV_MB * 1024 * 1024
    try:
        size = os.stat(path).st_size
        if size > limit:
            return None, _too_big(size)
        with open(path, "rb") as stream:
            raw = stream.read(limit + 1)
    except OSError as error:
        return None, f"cannot read the file ({error.strerror}); check the path."
    if len(raw) > limit:
        return None, _too_big(len(raw))
    return raw, None


def _too_big(size: int) -> str:
    return (
        f"the file is {size / 1024 / 1024:,.0f} MB or more; the limit is {MAX_CSV_MB} MB per file "
        f"(and {MAX_CSV_ROWS:,} rows). Split it into smaller files, e.g. one per month."
    )


def in_region(lat: float, lon: float, region: tuple[float, ...] = REGION) -> bool:
    """Whether ``(lat, lon)`` lies in ``region`` (west, south, east, north)."""
    west, south, east, north = region
    return south <= lat <= north and west <= lon <= east


def swapped_columns(points: list[tuple[float, float]], region: tuple[float, ...] = REGION) -> bool:
    """Whether ``(lat, lon)`` points look swapped: nine in ten outside ``region``, and nine in ten
    inside it with latitude and longitude exchanged."""
    if not points:
        return False
    outside = sum(not in_region(lat, lon, region) for lat, lon in points)
    swapped_in = sum(in_region(lon, lat, region) for lat, lon in points)
    return outside >= SWAP_SHARE * len(points) and swapped_in >= SWAP_SHARE * len(points)


def read_events_csv(
    raw: bytes,
    name: str,
    mapping: CsvMapping,
    *,
    any_date: bool = False,
    swap_check: bool = True,
    today: dt.date | None = None,
) -> CsvEvents:
    """Check every row of a CSV of events and build its events.

    Parameters
    ----------
    raw : bytes
        The file (UTF-8, an optional byte-order mark); at most :data:`MAX_CSV_MB` MB.
    name : str
        The file's name, for the report.
    mapping : CsvMapping
        Which column holds what.
    any_date : bool
        Accept dates outside :mod:`layers.dates`' plausible range.
    swap_check : bool
        Refuse files whose latitude and longitude look swapped (see :func:`swapped_columns`).
    today : datetime.date, optional
        Today, for the plausible range (tests).

    Returns
    -------
    CsvEvents
        ``events`` is None when any row failed; every problem is in ``report``.
    """
    report = Report(name)
    found = CsvEvents(report)
    collect = Collector(report)
    if len(raw) > MAX_CSV_MB * 1024 * 1024:
        collect.error("File", "", _too_big(len(raw)), "size")
        return found
    # surrogateescape: a byte that is not UTF-8 survives as a lone surrogate, which the
    # text checks name with its cell and line instead of failing the whole file here.
    text = raw.decode("utf-8-sig", errors="surrogateescape")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = _Rows(mapping, collect, any_date, today)
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            collect.error("File", "", "the file is empty; the first line must name the columns.", "empty")
            return found
        if not rows.start([cell.strip() for cell in header]):
            return found
        for line, cells in enumerate(reader, start=2):
            if not cells:
                continue
            if rows.count >= MAX_CSV_ROWS:
                collect.error(
                    "File",
                    "",
                    f"more than {MAX_CSV_ROWS:,} rows; the limit is {MAX_CSV_ROWS:,} per file. "
                    "Split it into smaller files, e.g. one per month.",
                    "rows",
                )
                break
            rows.add(line, cells)
    except csv.Error as error:
        collect.error(
            f"Line {reader.line_num}",
            "",
            f"the file cannot be read as CSV from here ({error}); check the quoting of this line.",
            "csv",
        )
    rows.finish(swap_check)
    collect.finish()
    found.rows, found.duplicates = rows.count, rows.duplicates
    if report.ok:
        found.events, found.lines = rows.frame(), rows.lines
    return found


class _Rows:
    """The rows of one file as they are checked: the good ones in columns, the problems collected."""

    def __init__(self, mapping: CsvMapping, collect: Collector, any_date: bool, today: dt.date | None):
        self.mapping = mapping
        self.collect = collect
        self.any_date = any_date
        self.today = today
        self.count = 0
        self.duplicates = 0
        self.index: dict[str, int] = {}
        self.kept: dict[str, str] = {}
        self.columns: dict[str, list[object]] = {}
        self.lats: list[float] = []
        self.lons: list[float] = []
        self.lines: list[int] = []
        self.points: list[tuple[float, float]] = []
        self.width = 0
        self.by_id: dict[str, tuple[tuple[object, ...], int]] = {}
        self.by_key: dict[tuple[object, ...], int] = {}

    def start(self, header: list[str]) -> bool:
        """Read the header; False (with the problem reported) when a column is missing."""
        self.index = {}
        for position, column in enumerate(header):
            self.index.setdefault(column, position)
        missing = [(column, option) for column, option in self.mapping.required() if column not in self.index]
        if missing:
            has = ", ".join(printable_cell(column) for column in header[:40]) + (
                " ..." if len(header) > 40 else ""
            )
            if len(header) == 1 and (";" in header[0] or "\t" in header[0]):
                self.collect.error(
                    "File",
                    "",
                    "the header is one column holding ';' or tabs: the file is not comma-separated. "
                    "Save it as CSV with commas (in a spreadsheet: CSV UTF-8, comma-delimited).",
                    "separator",
                )
            for column, option in missing:
                self.collect.error(
                    "File",
                    column,
                    f"no column {column!r} ({option}) in the header; the file has the columns {has}. "
                    f"Name the right column with {option} COLUMN.",
                    "columns",
                )
            return False
        if self.mapping.firms:
            self.kept = {column: kept for column, kept in FIRMS_KEPT.items() if column in self.index}
        names = ["id", "kind", "occurred_on", "title", "source", "confidence"]
        if self.mapping.time:
            names.append(self.mapping.time)
        names += list(self.kept.values())
        self.columns = {name: [] for name in names}
        self.width = len(header)
        return True

    def cell(self, cells: list[str], column: str) -> str:
        return cells[self.index[column]].strip()

    def add(self, line: int, cells: list[str]) -> None:
        """Check one row; keep it if it passes and is not a duplicate."""
        self.count += 1
        where = f"Line {line}"
        if len(cells) != self.width:
            self.collect.error(
                where,
                "",
                f"has {len(cells)} cell(s); the header has {self.width}. Quote cells that hold a comma "
                '("like, this") or remove the extra cells.',
                "width",
            )
            return
        values = _RowValues(self, where, cells)
        if values.failed:
            return
        self.keep(line, values)

    def keep(self, line: int, values: _RowValues) -> None:
        key = values.key
        event_id = values.event_id
        earlier = self.by_id.get(event_id)
        if earlier is not None and earlier[0] != key:
            self.collect.error(
                f"Line {line}",
                self.mapping.id_column or "id",
                f"id {printable_cell(event_id)} is also on line {earlier[1]} for another event; "
                "give each event its own id.",
                "id",
            )
            return
        first = earlier[1] if earlier is not None else self.by_key.get(key)
        if first is not None:
            self.duplicates += 1
            self.collect.info(
                f"Line {line}",
                "",
                f"the same event as line {first} (same id, or same date, time and place); imported once.",
                "duplicate",
            )
            return
        self.by_id[event_id] = (key, line)
        self.by_key[key] = line
        self.lines.append(line)
        self.lats.append(values.lat)
        self.lons.append(values.lon)
        for name, value in values.properties.items():
            self.columns[name].append(value)

    def finish(self, swap_check: bool) -> None:
        """The file-wide check: latitude and longitude swapped; else a warning for each row
        that looks swapped on its own (outside the region, inside it exchanged): imported as
        given, since a few such rows may be real places, but named so that a mixed file is
        caught."""
        if swap_check and not swapped_columns(self.points):
            for line, lat, lon in zip(self.lines, self.lats, self.lons, strict=True):
                if not in_region(lat, lon) and in_region(lon, lat):
                    self.collect.warning(
                        f"Line {line}",
                        f"{self.mapping.lat}, {self.mapping.lon}",
                        f"{lat:g}°N {lon:g}°E lies outside the map's region, and inside it with latitude "
                        "and longitude exchanged; check that this row's two are not swapped.",
                        "swapped-row",
                    )
        if swap_check and swapped_columns(self.points):
            west, south, east, north = REGION
            self.collect.error(
                "File",
                f"{self.mapping.lat}, {self.mapping.lon}",
                f"latitude and longitude look swapped: nine in ten points lie outside the map's region "
                f"({south:g}-{north:g}°N, {west:g}-{east:g}°E) and inside it with the two exchanged. "
                f"Swap --lat and --lon (--lat {self.mapping.lon} --lon {self.mapping.lat}); if the points "
                "really lie there, pass --no-swap-check.",
                "swapped",
            )

    def frame(self) -> gpd.GeoDataFrame:
        points: list[shapely.Point] | object = shapely.points(self.lons, self.lats) if self.lats else []
        return gpd.GeoDataFrame(
            self.columns, geometry=gpd.GeoSeries(points, crs="EPSG:4326"), crs="EPSG:4326"
        )


def printable_cell(value: str) -> str:
    """A cell for a message: quoted, escaped, cut to 60 characters."""
    shown = value if len(value) <= 60 else value[:60] + "…"
    return repr(shown.encode("utf-8", "backslashreplace").decode("utf-8"))


class _RowValues:
    """One row's values, checked; ``failed`` when any cell was reported."""

    def __init__(self, rows: _Rows, where: str, cells: list[str]) -> None:
        self.rows = rows
        self.where = where
        self.cells = cells
        self.failed = False
        mapping = rows.mapping
        self.lat = self.coordinate(mapping.lat, 90.0, mapping.lon)
        self.lon = self.coordinate(mapping.lon, 180.0, None)
        if math.isfinite(self.lat) and math.isfinite(self.lon):
            rows.points.append((self.lat, self.lon))
        occurred_on = self.date()
        time = self.time()
        kind = self.choice(mapping.kind, mapping.kind_column, schema.EVENT_KINDS, "event kind", "--kind-col")
        source = self.text(mapping.source, mapping.source_column, SOURCE_MAX_CHARS, "source")
        confidence = self.confidence()
        kept = self.kept()
        extra = (kept.get("satellite", ""), kept.get("instrument", "")) if mapping.firms else ()
        self.key: tuple[object, ...] = (occurred_on, time, round(self.lat, 5), round(self.lon, 5), *extra)
        self.event_id = self.identity(source)
        if self.failed:
            return
        self.properties: dict[str, object] = {
            "id": self.event_id,
            "kind": kind,
            "occurred_on": occurred_on,
            "title": self.title(kind, source, kept),
            "source": source,
            "confidence": confidence,
        }
        if mapping.time:
            self.properties[mapping.time] = time
        self.properties.update({rows.kept[column]: value for column, value in kept.items()})

    def fail(self, column: str, message: str, rule: str | None = None) -> None:
        self.failed = True
        self.rows.collect.error(self.where, column, message, rule)

    def coordinate(self, column: str, limit: float, other: str | None) -> float:
        text = self.rows.cell(self.cells, column)
        try:
            value = float(text)
        except ValueError:
            self.fail(column, f"{printable_cell(text)} is not a number; give decimal degrees like 48.40647.")
            return math.nan
        if not math.isfinite(value):
            self.fail(
                column, f"{printable_cell(text)} is not a finite number; give decimal degrees like 48.40647."
            )
            return math.nan
        if abs(value) > limit:
            swapped = ""
            if other is not None:
                try:
                    longitude = self.rows.cell(self.cells, other)
                    if abs(float(longitude)) <= 90:
                        swapped = (
                            f" and the longitude {printable_cell(longitude)} would be a valid latitude: "
                            "the columns look swapped; swap --lat and --lon"
                        )
                except ValueError:
                    pass
            self.fail(
                column,
                f"{value:g} is outside -{limit:g}..{limit:g}{swapped}"
                + ("." if swapped else "; correct the row."),
                f"error:{column}:range",
            )
            return math.nan
        return value

    def date(self) -> str:
        column = self.rows.mapping.date
        text = self.rows.cell(self.cells, column)
        try:
            if not _DATE.fullmatch(text):
                raise ValueError(text)
            value = dt.date.fromisoformat(text)
        except ValueError:
            self.fail(column, f"valid date expected like 2025-08-18, got {printable_cell(text)}.")
            return ""
        problem = None if self.rows.any_date else date_problem(value, self.rows.today)
        if problem:
            self.fail(column, problem, f"error:{column}:range")
        return text

    def time(self) -> str:
        column = self.rows.mapping.time
        if column is None:
            return ""
        text = self.rows.cell(self.cells, column)
        value = parse_time(text)
        if value is None:
            self.fail(
                column,
                f"time of day expected like 00:13, 00:13:00 or 0013 (UTC), got {printable_cell(text)}.",
            )
            return ""
        return value

    def choice(
        self, fixed: str | None, column: str | None, allowed: dict[str, str], what: str, option: str
    ) -> str:
        if fixed is not None or column is None:
            return fixed or ""
        text = self.rows.cell(self.cells, column)
        if text not in allowed:
            self.fail(
                column,
                f"{printable_cell(text)} is not an {what}; use one of {', '.join(allowed)} "
                f"(the kinds are a closed list: correct the cell, or give another column with {option}).",
            )
        return text

    def text(self, fixed: str | None, column: str | None, limit: int, what: str) -> str:
        if fixed is not None:
            return fixed.strip()
        if column is None:
            return ""
        value = self.rows.cell(self.cells, column)
        if not value:
            self.fail(column, f"is empty; give the {what}.")
            return ""
        problem = text_problem(value, limit, one_line=True)
        if problem:
            self.fail(column, f"{printable_cell(value)} {problem}.")
        return value

    def confidence(self) -> str:
        mapping = self.rows.mapping
        column = mapping.confidence_column
        if column is None:
            return DEFAULT_CONFIDENCE
        text = self.rows.cell(self.cells, column)
        if mapping.firms:
            value = confidence_from_firms(text)
            if value is None:
                self.fail(
                    column,
                    f"{printable_cell(text)} is not a FIRMS confidence; expected low, nominal or high "
                    "(VIIRS) or a percentage 0-100 (MODIS).",
                )
            return value or ""
        value = text.lower()
        if value not in schema.CONFIDENCES:
            self.fail(
                column,
                f"{printable_cell(text)} is not a confidence; use one of {', '.join(schema.CONFIDENCES)}.",
            )
        return value

    def kept(self) -> dict[str, object]:
        kept: dict[str, object] = {}
        for column in self.rows.kept:
            text = self.rows.cell(self.cells, column)
            if column == "frp":
                try:
                    number = float(text)
                except ValueError:
                    number = math.nan
                if not math.isfinite(number):
                    self.fail(
                        column,
                        f"{printable_cell(text)} is not a number; FIRMS gives the FRP in MW, like 4.26.",
                    )
                kept[column] = number
                continue
            problem = text_problem(text, ID_MAX_CHARS, one_line=True)
            if problem:
                self.fail(column, f"{printable_cell(text)} {problem}.")
            kept[column] = text
        return kept

    def identity(self, source: str) -> str:
        column = self.rows.mapping.id_column
        if column is None:
            prefix = "firms" if self.rows.mapping.firms else "csv"
            text = "|".join(str(part) for part in (source, *self.key))
            return f"{prefix}-{hashlib.sha256(text.encode('utf-8', 'surrogateescape')).hexdigest()[:16]}"
        value = self.rows.cell(self.cells, column)
        if not value:
            self.fail(column, "is empty; give each event an id, or leave --id-col out to derive one.")
            return ""
        problem = text_problem(value, ID_MAX_CHARS, one_line=True)
        if problem:
            self.fail(column, f"{printable_cell(value)} {problem}.")
        return value

    def title(self, kind: str, source: str, kept: dict[str, object]) -> str:
        column = self.rows.mapping.title_column
        if column is not None:
            value = self.rows.cell(self.cells, column)
            problem = text_problem(value, ID_MAX_CHARS, one_line=True)
            if problem:
                self.fail(column, f"{printable_cell(value)} {problem}.")
            if value:
                return value
        if self.rows.mapping.firms:
            frp = kept.get("frp")
            return firms_title(
                frp if isinstance(frp, float) else None,
                str(kept.get("instrument", "")),
                str(kept.get("satellite", "")),
                str(kept.get("daynight", "")),
            )
        label = kind.replace("_", " ").capitalize()
        return f"{label} · {source[:60]}"
