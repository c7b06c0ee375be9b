"""Problems found in an upload, the report that collects them, and the limits on what is read.

Both stages of checking an upload write :class:`Problem` s and obey these limits:
:mod:`layers.formats` (the container, the encoding and the JSON) and
:mod:`layers.validation` (the GeoJSON structure, the coordinates, the geometry and the
data contract, after decoding). Living here, on their own, they let the validator import
the decoder without the decoder importing the validator.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import geopandas as gpd

#: Limits, chosen for hand-drawn and DeepStateMap-sized files (a full raw DeepStateMap
#: snapshot is ~600 KB with ~20k vertices). Documented in the README.
MAX_FILE_MB = 20
MAX_FEATURES = 20_000
MAX_VERTICES = 2_000_000
#: One feature may hold at most this many positions: GEOS validity checks and the
#: JSON parse of a single huge ring are where memory explodes (notes §2.3).
MAX_FEATURE_VERTICES = 200_000
#: Property limits: what a tooltip can show, far above any real export.
MAX_PROPERTIES = 100
MAX_STRING_CHARS = 10_000
MAX_PROPERTY_DEPTH = 4
#: Items in one list or object inside a property (its nested keys, or a list's values).
MAX_PROPERTY_ITEMS = 1_000
#: Problems of one rule listed before the rest are only counted.
MAX_LISTED = 20

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Problem:
    """One problem: where it is, which field, and what to do.

    Parameters
    ----------
    severity : str
        ``error`` (blocks the import), ``warning`` (imported, but look at it) or
        ``info`` (an automatic fix or a note, e.g. rings re-oriented).
    where : str
        ``"Feature 3 (id 'terr-17')"`` or ``"File"``.
    field : str
        The property or GeoJSON member concerned, or ``""``.
    message : str
        What is wrong and how to fix it, in words an editor can act on.
    rule : str
        A short name of the check, for grouping and counting; not shown.
    """

    severity: str
    where: str
    field: str
    message: str
    rule: str = ""

    def __str__(self) -> str:
        return (
            f"{self.where}: {self.field}: {self.message}" if self.field else f"{self.where}: {self.message}"
        )


@dataclass(frozen=True)
class Repair:
    """An invalid geometry repaired with the caller's consent (``repair=True``).

    Parameters
    ----------
    feature : int
        Index of the feature in the file (as in the messages).
    reason : str
        GEOS's reason the geometry was invalid, e.g. ``Self-intersection[35.1 51.1]``.
    area_before_km2, area_after_km2 : float
        Geodesic area as drawn (as :func:`layers.areas.area_km2` reads it) and after the
        repair (``shapely.make_valid(method="structure")``, polygonal parts only).
    """

    feature: int
    reason: str
    area_before_km2: float
    area_after_km2: float


@dataclass
class Report:
    """Every problem found in one file, the repairs made, and the features when there is no error."""

    name: str
    problems: list[Problem] = field(default_factory=list)
    features: gpd.GeoDataFrame | None = None
    repairs: list[Repair] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        """Problems that block the import (severity ``error``)."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems imported anyway but worth a look (severity ``warning``)."""
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def notes(self) -> list[Problem]:
        """Automatic fixes and information (severity ``info``)."""
        return [p for p in self.problems if p.severity == "info"]

    @property
    def ok(self) -> bool:
        """Whether the file has no error, so that it may be written."""
        return not self.errors

    def summary(self) -> str:
        """A head line with the counts, then one line per problem, as the command line prints it."""
        head = f"{self.name}: {len(self.errors)} error(s), {len(self.warnings)} warning(s)"
        if self.notes:
            head += f", {len(self.notes)} note(s)"
        return "\n".join([head, *(f"  {p.severity}: {p}" for p in self.problems)])


class Collector:
    """Adds problems to a report, listing at most :data:`MAX_LISTED` per rule and counting the rest.

    Parameters
    ----------
    report : Report
        The report the problems are appended to, in the order they are found.
    """

    def __init__(self, report: Report) -> None:
        self.report = report
        self.counts: Counter[str] = Counter()
        self.first: dict[str, Problem] = {}

    def add(self, severity: str, where: str, field: str, message: str, rule: str) -> None:
        """Count a problem of ``rule``, and list it unless :data:`MAX_LISTED` of its rule already are."""
        self.counts[rule] += 1
        problem = Problem(severity, where, field, message, rule)
        self.first.setdefault(rule, problem)
        if self.counts[rule] <= MAX_LISTED:
            self.report.problems.append(problem)

    def error(self, where: str, field: str, message: str, rule: str | None = None) -> None:
        """Add an error; its rule defaults to one per field."""
        self.add("error", where, field, message, rule or f"error:{field}")

    def warning(self, where: str, field: str, message: str, rule: str | None = None) -> None:
        """Add a warning; its rule defaults to one per field."""
        self.add("warning", where, field, message, rule or f"warning:{field}")

    def info(self, where: str, field: str, message: str, rule: str | None = None) -> None:
        """Add a note; its rule defaults to one per field."""
        self.add("info", where, field, message, rule or f"info:{field}")

    def finish(self) -> None:
        """Append one line per rule that had more problems than were listed."""
        for rule, count in self.counts.items():
            if count > MAX_LISTED:
                first = self.first[rule]
                self.report.problems.append(
                    Problem(
                        first.severity,
                        "File",
                        first.field,
                        f"{count - MAX_LISTED} more feature(s) have this problem ({count} in all; "
                        f"the first {MAX_LISTED} are listed above).",
                        rule + ":more",
                    )
                )


__all__ = [
    "MAX_FEATURES",
    "MAX_FEATURE_VERTICES",
    "MAX_FILE_MB",
    "MAX_LISTED",
    "MAX_PROPERTIES",
    "MAX_PROPERTY_DEPTH",
    "MAX_PROPERTY_ITEMS",
    "MAX_STRING_CHARS",
    "MAX_VERTICES",
    "SEVERITIES",
    "Collector",
    "Problem",
    "Repair",
    "Report",
]
