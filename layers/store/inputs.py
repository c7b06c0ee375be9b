"""What the store refuses to write: text over its limit, control characters, NUL, non-finite numbers.

Checked by every write of :class:`~layers.store.Store` before it takes the write lock,
so the command line, the app and the embedded data's seeding all get the same answer on
SQLite and on PostgreSQL. Without it the databases disagree: PostgreSQL refuses a name
longer than its column or a NUL character with a driver traceback, where SQLite keeps
both; and SQLite stores a NaN as NULL, which its NOT NULL constraint then refuses.

The limits are those of the data contract (``schema.LAYER_FIELDS``, ``FIGURE_FIELDS``,
``MILESTONE_FIELDS``, ``FILE_NAME_MAX_CHARS``, ``ACTOR_MAX_CHARS``). Feature properties
are checked for NUL and lone surrogates only: their lengths are the upload validator's
(``problems.MAX_STRING_CHARS``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence

import geopandas as gpd
import pandas as pd

from .. import schema
from ..credits import Credit
from ..errors import InvalidInputError
from ..text import UNSTORABLE
from .rows import NewSnapshot, is_missing

__all__ = [
    "check_actor",
    "check_figure_rows",
    "check_milestones",
    "check_snapshots",
    "credit_problems",
    "layer_problems",
    "preview",
    "storable",
    "text_problem",
]

#: Problems listed in one message before the rest are counted.
_SHOWN = 20

# C0 controls and DEL, and the C1 controls; tab, line feed and carriage return are
# allowed where a field may hold several lines.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROL_BUT_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_ISO3 = re.compile("[A-Z]{3}")


def text_problem(value: object, max_chars: int | None = None, *, one_line: bool = False) -> str | None:
    """Why ``value`` cannot be stored as text, as the end of a sentence, or None when it can.

    Parameters
    ----------
    value : object
        The value to store; anything but a string is refused.
    max_chars : int, optional
        The most characters allowed.
    one_line : bool
        Refuse tab, line feed and carriage return too (names and titles); otherwise
        only the other control characters are refused.
    """
    if not isinstance(value, str):
        return f"is {type(value).__name__} {value!r}, not text; give it as text"
    if max_chars is not None and len(value) > max_chars:
        return f"is {len(value):,} characters long; the limit is {max_chars:,}: shorten it"
    unstorable = UNSTORABLE.search(value)
    if unstorable is not None:
        return _character_problem(value, unstorable.start())
    control = (_CONTROL if one_line else _CONTROL_BUT_LINES).search(value)
    if control is not None:
        return _character_problem(value, control.start())
    return None


def storable(text: str) -> str:
    """``text`` with every NUL and lone surrogate replaced by U+FFFD: for records of what was refused."""
    return UNSTORABLE.sub("\ufffd", text)


def check_snapshots(snapshots: Sequence[NewSnapshot]) -> None:
    """Refuse snapshots whose layer name, kind, description, file name or feature properties cannot be stored.

    Raises
    ------
    InvalidInputError
        Naming every problem: the layer, the date, the feature, the field, and the fix.
    """
    problems: list[str] = []
    fields = {f.name: f for f in schema.LAYER_FIELDS}
    for snapshot in snapshots:
        name = snapshot.layer
        problems += _field_problems("layer name", name, fields["name"])
        label = f"layer {preview(name)}" if isinstance(name, str) else "layer"
        if snapshot.kind not in schema.LAYER_KINDS:
            problems.append(f"{label}: kind {snapshot.kind!r} is not one of {', '.join(schema.LAYER_KINDS)}.")
        problems += _field_problems(f"{label}: description", snapshot.description, fields["description"])
        if snapshot.credit is not None:
            problems += credit_problems(label, snapshot.credit)
        problem = text_problem(snapshot.file_name, schema.FILE_NAME_MAX_CHARS, one_line=True)
        if problem:
            problems.append(f"{label}: file name {preview(snapshot.file_name)} {problem} (rename the file).")
        where = f"{label} as of {snapshot.as_of}"
        problems += (f"{where}, {problem}" for problem in _feature_problems(snapshot.features))
    _raise(problems)


def layer_problems(name: object, kind: object, description: object) -> list[str]:
    """What a new layer's name, kind and description hold that the store cannot keep."""
    fields = {f.name: f for f in schema.LAYER_FIELDS}
    problems = _field_problems("layer name", name, fields["name"])
    if kind not in schema.LAYER_KINDS:
        problems.append(f"layer kind {kind!r} is not one of {', '.join(schema.LAYER_KINDS)}.")
    problems += _field_problems("layer description", description, fields["description"])
    return problems


def credit_problems(label: str, credit: Credit) -> list[str]:
    """What a layer's source, licence and attribution hold that the store cannot keep."""
    fields = {f.name: f for f in schema.LAYER_FIELDS}
    problems: list[str] = []
    for name in ("source", "licence", "attribution"):
        problems += _field_problems(f"{label}: {name}", getattr(credit, name), fields[name])
    return problems


def check_figure_rows(rows: Iterable[Mapping[str, object]]) -> None:
    """Refuse reported figures (rows as ``rows.figure_rows`` gives them) that the store cannot keep.

    Raises
    ------
    InvalidInputError
        Naming every figure (by its position and date), the field, and the fix.
    """
    problems: list[str] = []
    for number, row in enumerate(rows, start=1):
        where = f"reported figure {number} (dated {row.get('date')})"
        for field in schema.FIGURE_FIELDS:
            value = row.get(field.name)
            if field.kind == "number":
                problems += _number_problems(f"{where}: {field.name}", value, schema.MAX_AREA_KM2)
            elif field.kind == "text" and field.allowed is not None:
                if value and value not in field.allowed:
                    problems.append(
                        f"{where}: {field.name} {preview(value)} is not one of {', '.join(field.allowed)}."
                    )
            elif field.name == "within":
                if value and not (isinstance(value, str) and _ISO3.fullmatch(value)):
                    problems.append(
                        f"{where}: within {preview(value)} is not an ISO 3166-1 alpha-3 code such as RUS; "
                        "leave it empty for the unclipped area."
                    )
            elif field.kind == "text":
                problems += _field_problems(f"{where}: {field.name}", value, field)
    _raise(problems)


def check_milestones(milestones: pd.DataFrame) -> None:
    """Refuse milestones whose title or source cannot be stored.

    Raises
    ------
    InvalidInputError
        Naming every milestone (by its position and date), the field, and the fix.
    """
    problems: list[str] = []
    for number, row in enumerate(milestones.to_dict("records"), start=1):
        where = f"milestone {number} (dated {row.get('date')})"
        for field in schema.MILESTONE_FIELDS:
            if field.kind == "text":
                problems += _field_problems(f"{where}: {field.name}", row.get(field.name), field)
    _raise(problems)


def check_actor(actor: object) -> None:
    """Refuse a writer's name (an editor's, ``cli``, ``seed``) that cannot be stored.

    Raises
    ------
    InvalidInputError
        Saying what is wrong with the name.
    """
    problem = text_problem(actor, schema.ACTOR_MAX_CHARS, one_line=True)
    if problem is None and isinstance(actor, str) and not actor.strip():
        problem = "is empty: say who is writing"
    if problem:
        _raise([f"the writer's name {preview(actor)} {problem}."])


def _field_problems(label: str, value: object, field: schema.Field) -> list[str]:
    """The problem of one text field of a layer, figure or milestone, as a list of at most one."""
    if is_missing(value) or value == "":
        return [f"{label} is empty; give {field.help}."] if field.required else []
    problem = text_problem(value, field.max_chars, one_line=field.one_line)
    if problem is None and field.required and isinstance(value, str) and not value.strip():
        problem = f"is blank; give {field.help}"
    return [f"{label} {preview(value)} {problem}."] if problem else []


def _number_problems(label: str, value: object, largest: float) -> list[str]:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return [f"{label} {value!r} is not a number."]
    if not math.isfinite(number):
        return [f"{label} is {value!r}; give a finite number of km²."]
    if abs(number) > largest:
        return [f"{label} is {number:,.0f} km², more than the limit of {largest:,.0f} km²; check the value."]
    return []


def _feature_problems(features: gpd.GeoDataFrame) -> Iterator[str]:
    """NUL and lone surrogates in the property names and text values of features, by feature and field."""
    geometry = features.geometry.name
    for column in features.columns:
        if column == geometry:
            continue
        in_name = UNSTORABLE.search(column) if isinstance(column, str) else None
        if in_name is not None:
            yield f"property name {preview(column)} {_character_problem(column, in_name.start())}."
            continue
        values = pd.DataFrame.__getitem__(features, column)
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        for index, value in enumerate(values.tolist()):
            for text in _strings(value):
                found = UNSTORABLE.search(text)
                if found is not None:
                    problem = _character_problem(text, found.start())
                    yield f"feature {index}, property {column!r}: {preview(text)} {problem}."
                    break


def _strings(value: object) -> Iterator[str]:
    """Every string in a property value: itself, or inside its lists and objects (keys too)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _strings(item)


def _character_problem(text: str, position: int) -> str:
    character = text[position]
    code = f"U+{ord(character):04X}"
    if character == "\x00":
        return (
            f"contains a NUL character ({code}) at position {position + 1}, which cannot be stored: remove it"
        )
    if "\ud800" <= character <= "\udfff":
        return (
            f"contains {code} at position {position + 1}, half of a UTF-16 surrogate pair and not a "
            "character: the text was decoded wrongly; save it as UTF-8 and try again"
        )
    return f"contains the control character {code} at position {position + 1}: remove it"


def preview(value: object) -> str:
    """``value`` for a message: quoted, escaped, and cut to 40 characters."""
    if not isinstance(value, str):
        return repr(value)
    return repr(value if len(value) <= 40 else f"{value[:40]}…")


def _raise(problems: list[str]) -> None:
    if not problems:
        return
    shown = problems[:_SHOWN]
    if len(problems) > _SHOWN:
        shown.append(f"… and {len(problems) - _SHOWN:,} more.")
    raise InvalidInputError("\n".join([*shown, "Nothing was written."]))
