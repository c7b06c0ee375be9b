"""Properties: size limits, a file's own properties mapped to the contract, and the contract itself.

The data contract is :mod:`layers.schema`: which fields a record of each kind has,
which are required, and what values they take. A :class:`layers.presets.PropertyMapping`
may first turn a file's own properties (e.g. DeepStateMap's names) into those fields.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

from shapely.geometry.base import BaseGeometry

from .. import schema
from ..dates import date_problem
from ..problems import MAX_PROPERTIES, MAX_PROPERTY_DEPTH, MAX_PROPERTY_ITEMS, MAX_STRING_CHARS, Collector
from ..text import UNSTORABLE, printable

if TYPE_CHECKING:
    from ..presets import PropertyMapping


def value_problem(value: object, depth: int = 0) -> str | None:
    """Why a property key or value is too big to keep, or None.

    Parameters
    ----------
    value : object
        A key or value as parsed from JSON; lists and objects are looked into.
    depth : int
        How deep ``value`` already is inside a property (0 for the property itself).
    """
    if isinstance(value, float) and not math.isfinite(value):
        return (
            "is a number too large for a 64-bit float (e.g. 1e400); write a smaller number, or the value "
            "as text."
        )
    if isinstance(value, str):
        unstorable = UNSTORABLE.search(value)
        if unstorable and unstorable.group() == "\x00":
            return (
                f"holds a NUL character (\\u0000) at character {unstorable.start() + 1}; no store keeps it "
                "(PostgreSQL refuses it). Remove it in the tool that wrote the file."
            )
        if unstorable:
            return (
                f"holds an invalid Unicode escape at character {unstorable.start() + 1} (a lone surrogate, "
                f"\\u{ord(unstorable.group()):04x}, which is half of a pair and no character); fix the text "
                "in the tool that wrote the file, or re-save it as UTF-8."
            )
        if len(value) > MAX_STRING_CHARS:
            return (
                f"is {len(value):,} characters long; the limit is {MAX_STRING_CHARS:,} per value. "
                "Shorten it or leave it out."
            )
        return None
    if isinstance(value, (list, dict)):
        if len(value) > MAX_PROPERTY_ITEMS:
            return (
                f"holds {len(value):,} items in one list or object; the limit is {MAX_PROPERTY_ITEMS:,}. "
                "Keep what the map needs as plain text or numbers."
            )
        if depth >= MAX_PROPERTY_DEPTH:
            return (
                f"nests lists or objects more than {MAX_PROPERTY_DEPTH} levels deep; flatten it into plain "
                "text or numbers."
            )
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            problem = (value_problem(key, depth + 1) if isinstance(key, str) else None) or value_problem(
                item, depth + 1
            )
            if problem:
                return problem
    return None


def is_iso_date(value: object) -> bool:
    """Whether a value is a date written ``YYYY-MM-DD``."""
    try:
        dt.date.fromisoformat(str(value))
        return len(str(value)) == 10
    except ValueError:
        return False


def _implausible(value: object) -> str | None:
    """Why an ISO date is implausible (:mod:`layers.dates`), or None."""
    return date_problem(dt.date.fromisoformat(str(value)))


def is_claims(value: object) -> bool:
    """Whether a value is a list of claims: objects giving each of ``schema.CLAIM_FIELDS`` as text."""
    return isinstance(value, list) and all(
        isinstance(c, dict)
        and all(isinstance(c.get(f.name), str) and c.get(f.name) for f in schema.CLAIM_FIELDS)
        for c in value
    )


class PropertyChecker:
    """Checks the properties of one file, feature by feature, and keeps what the report sums up.

    Parameters
    ----------
    kind : schema.RecordKind
        The contract the properties must meet.
    defaults : dict
        Values for fields a feature lacks; a feature's own value wins.
    mapping : PropertyMapping or None
        How the file's own properties become the contract fields, if they are not
        written in it.
    collect : Collector
        Where problems are added.
    any_date : bool
        Accept dates outside :mod:`layers.dates`' plausible range.
    """

    def __init__(
        self,
        kind: schema.RecordKind,
        defaults: dict[str, Any],
        mapping: PropertyMapping | None,
        collect: Collector,
        any_date: bool = False,
    ) -> None:
        self.kind = kind
        self.any_date = any_date
        self.defaults = defaults
        self.mapping = mapping
        self.collect = collect
        self.dropped: dict[str, list[int]] = defaultdict(list)
        self.active_keys: Counter[str] = Counter()
        self.unmapped_keys: set[str] = set()

    def dropped_by_mapping(self, index: int, geometry_type: str | None, properties: dict[str, Any]) -> bool:
        """Whether the mapping leaves the feature out (counted for a note, not reported on its own)."""
        if self.mapping is None:
            return False
        reason = self.mapping.drop_reason(geometry_type, properties)
        if reason is None:
            return False
        self.dropped[reason].append(index)
        return True

    def within_limits(self, properties: dict[str, Any], where: str) -> bool:
        """Caps on keys, string length and nesting, so that nothing unbounded is stored."""
        ok = True
        if len(properties) > MAX_PROPERTIES:
            self.collect.error(
                where,
                "properties",
                f"has {len(properties):,} properties; the limit is {MAX_PROPERTIES}. Remove the columns the "
                "map does not need before exporting.",
                "too-many-properties",
            )
            ok = False
        for key, value in properties.items():
            problem = value_problem(key, 0) or value_problem(value, 0)
            if problem:
                self.collect.error(where, printable(key), problem, "property-size")
                ok = False
        return ok

    def record(
        self, properties: dict[str, Any], drawn: BaseGeometry | None, where: str
    ) -> dict[str, Any] | None:
        """The feature's record under the contract, or None after reporting why it has none.

        Parameters
        ----------
        properties : dict
            The feature's own properties, within :meth:`within_limits`.
        drawn : shapely geometry or None
            The geometry as drawn, for a mapping that reads where the feature lies.
        where : str
            How messages name the feature.
        """
        unresolved: set[str] = set()
        if self.mapping is not None:
            self.unmapped_keys.update(k for k in properties if self.kind.field_named(k) is None)
            properties, mapping_problems, unresolved = self.mapping.apply(properties, drawn)
            for name, message in mapping_problems:
                self.collect.error(where, name, message, f"mapping:{name}")
        return self._contract(properties, where, skip_missing=unresolved)

    def _contract(
        self, properties: dict[str, Any], where: str, skip_missing: Collection[str] = frozenset()
    ) -> dict[str, Any] | None:
        cleaned = {}
        for key, value in properties.items():
            if key in schema.ACTIVE_KEYS:
                self.active_keys[key] += 1
                continue
            cleaned[key] = value
        for name, value in self.defaults.items():
            if value is not None and cleaned.get(name) in (None, ""):
                cleaned[name] = value
        ok = True
        for spec in self.kind.fields:
            value = cleaned.get(spec.name)
            if value in (None, ""):
                if spec.required and spec.name not in skip_missing:
                    self.collect.error(
                        where, spec.name, f"is missing; give {spec.help}.", f"missing:{spec.name}"
                    )
                    ok = False
                elif spec.required:
                    ok = False
                continue
            if spec.allowed is not None and (not isinstance(value, str) or value not in spec.allowed):
                self.collect.error(
                    where,
                    spec.name,
                    f"{str(value)[:60]!r} is not allowed; use one of {', '.join(spec.allowed)}.",
                    f"allowed:{spec.name}",
                )
                ok = False
            elif spec.kind == "date" and not is_iso_date(value):
                self.collect.error(
                    where,
                    spec.name,
                    f"valid date expected like 2024-05-01, got {str(value)[:40]!r}.",
                    f"date:{spec.name}",
                )
                ok = False
            elif spec.kind == "date" and not self.any_date and (implausible := _implausible(value)):
                self.collect.error(where, spec.name, implausible, f"implausible-date:{spec.name}")
                ok = False
            elif spec.kind == "list" and not is_claims(value):
                self.collect.error(
                    where,
                    spec.name,
                    "must be a list of objects with 'source' and 'claim' text.",
                    f"claims:{spec.name}",
                )
                ok = False
        return cleaned if ok else None

    def report_mapping(self, total: int, kept: int) -> None:
        """Notes on what the mapping dropped or left out, and an error if it dropped everything.

        Parameters
        ----------
        total : int
            Features in the file.
        kept : int
            Features that passed every check so far.
        """
        if self.mapping is None:
            return
        collect = self.collect
        for reason, indices in self.dropped.items():
            collect.info(
                "File",
                "",
                f"{len(indices)} feature(s) dropped by the {self.mapping.name}: {reason}.",
                f"dropped:{reason}",
            )
        if self.dropped and total and not kept and not collect.report.errors:
            collect.error(
                "File",
                "features",
                f"holds no {self.kind.name} once the {self.mapping.name} has dropped what it does not "
                "import.",
                "nothing-left",
            )
        if self.unmapped_keys:
            shown = ", ".join(sorted(self.unmapped_keys)[:8]) + (
                ", ..." if len(self.unmapped_keys) > 8 else ""
            )
            collect.info(
                "File",
                "properties",
                f"the {self.mapping.name} keeps only the contract fields; the file's other properties "
                f"({shown}) were not imported.",
                "unmapped",
            )

    def report_active_keys(self) -> None:
        """One warning naming the styling and popup keys dropped, with their counts."""
        if self.active_keys:
            keys = ", ".join(f"{key} ({count} feature(s))" for key, count in sorted(self.active_keys.items()))
            self.collect.warning(
                "File",
                "properties",
                f"styling/popup keys that maps would act on were dropped: {keys}.",
                "active-keys",
            )


__all__ = ["PropertyChecker", "is_claims", "is_iso_date", "value_problem"]
