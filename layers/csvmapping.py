"""Which column of a CSV of events holds what (:class:`CsvMapping`), the CSV presets, times of day.

``--kind`` already names the layer kind on the command line (territory|events), so a
CSV's event kind is ``--event-kind VALUE`` or ``--kind-col COLUMN``; see
:mod:`layers.eventcommands`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import schema
from .errors import InvalidInputError
from .firms import FIRMS_SOURCE
from .store.inputs import text_problem

__all__ = [
    "CSV_PRESETS",
    "DEFAULT_CONFIDENCE",
    "FIRMS",
    "ID_MAX_CHARS",
    "SOURCE_MAX_CHARS",
    "CsvMapping",
    "parse_time",
]

#: A source cell, as a reported figure's or a milestone's ``source``: one line, 500 characters.
SOURCE_MAX_CHARS = 500
#: An ``id`` or ``title`` cell, and any other text kept: one line, 200 characters.
ID_MAX_CHARS = 200
#: The confidence of events from a file with no confidence column: one source's word.
DEFAULT_CONFIDENCE = "claimed"

_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_DIGITS = re.compile(r"\d{1,4}")


@dataclass(frozen=True)
class CsvMapping:
    """Which column of a CSV holds what.

    Parameters
    ----------
    name : str
        How messages name the mapping (``"firms preset"``, ``"CSV"``).
    lat, lon, date : str
        Columns of the latitude and longitude (decimal degrees, WGS 84) and the date
        (``YYYY-MM-DD``).
    time : str, optional
        Column of the time of day (UTC), kept under its own name as ``HH:MM[:SS]``.
    id_column : str, optional
        Column of each event's id; without it the id is derived from the source, date,
        time, place (and FIRMS satellite), so importing the same file again adds nothing.
    kind, kind_column : str, optional
        The event kind of every row, or the column that gives it (one of ``schema.EVENT_KINDS``).
    source, source_column : str, optional
        The source of every row, or the column that gives it.
    confidence_column : str, optional
        Column of the confidence (``schema.CONFIDENCES``; FIRMS values under :data:`FIRMS`);
        without it every event is :data:`DEFAULT_CONFIDENCE`.
    title_column : str, optional
        Column of each event's title; without it a title is made from the kind and source.
    firms : bool
        Read FIRMS' own columns: confidence rule, kept properties, titles.
    """

    name: str = "CSV"
    lat: str = "latitude"
    lon: str = "longitude"
    date: str = "date"
    time: str | None = None
    id_column: str | None = None
    kind: str | None = None
    kind_column: str | None = None
    source: str | None = None
    source_column: str | None = None
    confidence_column: str | None = None
    title_column: str | None = None
    firms: bool = False

    def check(self) -> None:
        """Refuse a mapping that cannot give every required field.

        Raises
        ------
        InvalidInputError
            Naming the options to give.
        """
        if self.kind is not None and self.kind_column is not None:
            raise InvalidInputError("give either --event-kind or --kind-col, not both.")
        if self.kind is None and self.kind_column is None:
            raise InvalidInputError(
                "what kind of events does the file hold? Give --event-kind "
                f"({', '.join(schema.EVENT_KINDS)}) or --kind-col COLUMN."
            )
        if self.kind is not None and self.kind not in schema.EVENT_KINDS:
            raise InvalidInputError(
                f"--event-kind {self.kind!r} is not an event kind; "
                f"use one of {', '.join(schema.EVENT_KINDS)}."
            )
        if self.source is not None and self.source_column is not None and not self.firms:
            raise InvalidInputError("give either --source or --source-col, not both.")
        if self.source is None and self.source_column is None:
            raise InvalidInputError("who reported the events? Give --source TEXT or --source-col COLUMN.")
        if self.source is not None:
            problem = text_problem(self.source.strip(), SOURCE_MAX_CHARS, one_line=True)
            if problem or not self.source.strip():
                raise InvalidInputError(f"--source {problem or 'is empty'}.")

    def required(self) -> list[tuple[str, str]]:
        """The columns the file must have, each with the option that names it."""
        named = [
            (self.lat, "--lat"),
            (self.lon, "--lon"),
            (self.date, "--date"),
            (self.time, "--time"),
            (self.id_column, "--id-col"),
            (self.kind_column, "--kind-col"),
            (self.source_column, "--source-col"),
            (self.confidence_column, "--confidence-col"),
            (self.title_column, "--title-col"),
        ]
        return [(column, option) for column, option in named if column is not None]


#: NASA FIRMS active-fire CSV (VIIRS or MODIS), as downloaded from firms.modaps.eosdis.nasa.gov.
FIRMS = CsvMapping(
    name="firms preset",
    lat="latitude",
    lon="longitude",
    date="acq_date",
    time="acq_time",
    kind="fire_detection",
    source=FIRMS_SOURCE,
    confidence_column="confidence",
    firms=True,
)

#: CSV presets by the name given to ``--preset``.
CSV_PRESETS = {"firms": FIRMS}


def parse_time(text: str) -> str | None:
    """A time of day as ``HH:MM`` or ``HH:MM:SS``, or None when ``text`` is not one.

    Accepts ``HH:MM[:SS]`` and FIRMS' digits ``HHMM``; FIRMS MODIS files sometimes drop
    leading zeros, so ``HMM``, ``MM`` and ``M`` are read as the digits padded to four
    (``130`` is 01:30, ``5`` is 00:05).
    """
    value = text.strip()
    match = _CLOCK.fullmatch(value)
    if match:
        hours, minutes, seconds = int(match[1]), int(match[2]), match[3]
    elif _DIGITS.fullmatch(value):
        padded = value.zfill(4)
        hours, minutes, seconds = int(padded[:2]), int(padded[2:]), None
    else:
        return None
    if hours > 23 or minutes > 59 or (seconds is not None and int(seconds) > 59):
        return None
    return f"{hours:02d}:{minutes:02d}" + (f":{seconds}" if seconds is not None else "")
