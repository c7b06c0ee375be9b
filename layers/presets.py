"""Property mappings: how a file's own properties become ``held_by``, ``status``, ``source`` and ``note``.

Files from other mapping projects do not speak the data contract: a DeepStateMap
export says "Звільнено /// Liberated /// geoJSON.status.dismissed" where the contract
says ``held_by=UA, status=held``. A :class:`PropertyMapping` says which property to
read and what each of its values means; :func:`layers.validation.validate` applies it
before the contract checks, so a value the mapping does not know is an error that
names the value, never a silent guess. :func:`distinct_values` lists what a file holds,
for a mapping step in the editor's upload form. :data:`PRESETS` holds the built-in
mappings (``python -m layers import --preset deepstate``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from . import schema
from .areas import country_border
from .errors import InvalidInputError

#: A ``held_by`` value meaning "the side contesting ground across the other's border":
#: Ukraine for ground that lies mostly inside Russia, Russia for ground anywhere else.
BY_BORDER = "by border"

#: Whitespace a copy-paste from a web map brings along: non-breaking and zero-width spaces.
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\u200b\ufeff]+")


def normalise(value: object) -> str:
    """A property value as comparable text: every run of (non-breaking) whitespace one space, trimmed."""
    return _SPACES.sub(" ", str(value)).strip()


@dataclass(frozen=True)
class PropertyMapping:
    """How a file's own properties map to the data contract.

    Parameters
    ----------
    name : str
        How messages name the mapping, e.g. ``"deepstate preset"``.
    held_by_property : str, optional
        Property whose value gives ``held_by``.
    held_by_values : mapping of str to str
        Key (see ``key_pattern``) -> side (``UA``, ``RU``) or :data:`BY_BORDER`.
    status_property : str, optional
        Property whose value gives ``status``.
    status_values : mapping of str to str
        Key -> status (``held``, ``contested``, ``claimed``).
    category_property : str, optional
        Property whose value gives the optional ``category`` (``schema.CATEGORIES``):
        the mapping project's own category, kept beside the side and status.
    category_values : mapping of str to str
        Key -> category. A key it lacks leaves the feature without a category (the
        field is optional); the side and status still need theirs.
    source : str, optional
        Fixed ``source`` for every feature (e.g. ``"DeepStateMap"``) ...
    source_property : str, optional
        ... or the property that gives it; the fixed text wins when both are set.
    note_property : str, optional
        Property whose (normalised) value becomes ``note``.
    key_pattern : str, optional
        Regular expression finding the key in a normalised value; the last match
        counts (group 1 if the pattern has a group). Without it the whole normalised
        value is the key.
    note_pattern : str, optional
        Regular expression whose first match (group 1) is the note; without it the
        whole normalised value.
    drop_values : mapping of str to str
        Keys (of ``status_property``, else ``held_by_property``) whose features are
        not imported -> why, shown with the count in an info note.
    drop_geometry_types : mapping of str to str
        Geometry types that are not imported -> why (e.g. a map's unit markers in a
        territory import).
    kind : str
        The layer kind the mapping is for (``territory`` or ``events``).

    Raises
    ------
    InvalidInputError
        When a value map names a side or status that the contract does not have.
    """

    name: str = "mapping"
    held_by_property: str | None = None
    held_by_values: Mapping[str, str] = field(default_factory=dict)
    status_property: str | None = None
    status_values: Mapping[str, str] = field(default_factory=dict)
    category_property: str | None = None
    category_values: Mapping[str, str] = field(default_factory=dict)
    source: str | None = None
    source_property: str | None = None
    note_property: str | None = None
    key_pattern: str | None = None
    note_pattern: str | None = None
    drop_values: Mapping[str, str] = field(default_factory=dict)
    drop_geometry_types: Mapping[str, str] = field(default_factory=dict)
    kind: str = "territory"

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickle with plain dicts: the presets' read-only mappings do not pickle, and a
        mapping travels to the child process that checks an upload (:mod:`layers.sandbox`)."""
        values = {
            name: dict(value) if isinstance(value, Mapping) else value
            for name, value in ((f.name, getattr(self, f.name)) for f in fields(self))
        }
        return (_rebuilt, (values,))

    def __post_init__(self) -> None:
        bad_sides = sorted(
            {v for v in self.held_by_values.values() if v not in schema.SIDES and v != BY_BORDER}
        )
        bad_statuses = sorted({v for v in self.status_values.values() if v not in schema.STATUSES})
        bad_categories = sorted({v for v in self.category_values.values() if v not in schema.CATEGORIES})
        if bad_categories:
            raise InvalidInputError(
                f"{self.name}: category values {', '.join(map(repr, bad_categories))} are not categories; "
                f"use {', '.join(schema.CATEGORIES)}."
            )
        if bad_sides:
            raise InvalidInputError(
                f"{self.name}: held_by values {', '.join(map(repr, bad_sides))} are not sides; "
                f"use {', '.join(schema.SIDES)}."
            )
        if bad_statuses:
            raise InvalidInputError(
                f"{self.name}: status values {', '.join(map(repr, bad_statuses))} are not statuses; "
                f"use {', '.join(schema.STATUSES)}."
            )
        if self.kind not in schema.LAYER_KINDS:
            raise InvalidInputError(
                f"{self.name}: kind {self.kind!r} is not a layer kind; use {', '.join(schema.LAYER_KINDS)}."
            )

    def key(self, value: object) -> str | None:
        """The key a raw property value stands for, or None when it holds no key."""
        text = normalise(value)
        if self.key_pattern is None:
            return text or None
        matches = list(re.finditer(self.key_pattern, text))
        if not matches:
            return None
        last = matches[-1]
        return last.group(1) if last.re.groups else last.group(0)

    def _note(self, value: object) -> str | None:
        text = normalise(value)
        if self.note_pattern is None:
            return text or None
        match = re.search(self.note_pattern, text)
        if match is None:
            return None
        return (match.group(1) if match.re.groups else match.group(0)).strip() or None

    def _drop_property(self) -> str | None:
        return self.status_property or self.held_by_property

    def kind_problem(self, kind: schema.RecordKind) -> str | None:
        """Why this mapping cannot be used for a layer of ``kind``, or None."""
        wanted = "territory" if kind == schema.TERRITORY else "events"
        if wanted != self.kind:
            return (
                f"the {self.name} maps {self.kind} files, not {wanted}; use --kind {self.kind} or leave the "
                "preset out."
            )
        return None

    def drop_reason(self, geometry_type: str | None, properties: Mapping[str, Any]) -> str | None:
        """Why a feature is not imported at all (it is counted, not reported), or None."""
        if isinstance(geometry_type, str) and geometry_type in self.drop_geometry_types:
            return self.drop_geometry_types[geometry_type]
        name = self._drop_property()
        if name is not None and self.drop_values and properties.get(name) is not None:
            key = self.key(properties[name])
            if key is not None and key in self.drop_values:
                return self.drop_values[key]
        return None

    def apply(
        self, properties: Mapping[str, Any], geometry: BaseGeometry | None = None
    ) -> tuple[dict[str, Any], list[tuple[str, str]], set[str]]:
        """Map one feature's properties to the contract fields.

        Parameters
        ----------
        properties : dict
            The feature's own properties.
        geometry : shapely geometry, optional
            The feature's geometry as drawn, for :data:`BY_BORDER`.

        Returns
        -------
        mapped : dict
            ``held_by``, ``status``, ``source``, ``note`` and ``category`` as far as they could be
            mapped (the file's other properties are not kept), plus ``id`` if present.
        problems : list of (field, message)
            One per source property that is missing or holds a value the mapping does
            not know, naming the value and the fix.
        unresolved : set of str
            Contract fields left unset because of a problem above or an unusable
            geometry (whose own error says why), so the contract check does not
            report them a second time.
        """
        mapped: dict[str, Any] = {}
        unresolved: set[str] = set()
        failed: dict[str, list[str]] = {}
        if "id" in properties:
            mapped["id"] = properties["id"]
        for target, source_name, values in (
            ("held_by", self.held_by_property, self.held_by_values),
            ("status", self.status_property, self.status_values),
        ):
            if source_name is None:
                continue
            raw = properties.get(source_name)
            key = None if raw is None else self.key(raw)
            if key is None or key not in values:
                failed.setdefault(source_name, []).append(target)
                unresolved.add(target)
                continue
            value = values[key]
            if value == BY_BORDER:
                if geometry is None:
                    unresolved.add(target)
                    continue
                value = side_by_border(geometry)
            mapped[target] = value
        problems = [
            (name, self._unmapped(properties.get(name), " and ".join(targets)))
            for name, targets in failed.items()
        ]
        source = self.source or (
            normalise(properties[self.source_property])
            if self.source_property and properties.get(self.source_property) is not None
            else None
        )
        if source:
            mapped["source"] = source
        if self.category_property and properties.get(self.category_property) is not None:
            category = self.category_values.get(self.key(properties[self.category_property]) or "")
            if category is not None:
                mapped["category"] = category
        if self.note_property and properties.get(self.note_property) is not None:
            note = self._note(properties[self.note_property])
            if note:
                mapped["note"] = note
        return mapped, problems, unresolved

    def _unmapped(self, raw: object, targets: str) -> str:
        """Why a source value gives no contract value, naming the value and the fix."""
        if raw is None or normalise(raw) == "":
            return f"is missing; the {self.name} reads {targets} from it. Give it, or remove the feature."
        key = self.key(raw)
        known = sorted(set(self.held_by_values) | set(self.status_values))
        shown = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
        fix = "Map the value (for a preset: add it in layers/presets.py) or remove the feature."
        if key is None:
            return (
                f"{normalise(raw)[:80]!r} holds no key the {self.name} recognises, so {targets} cannot "
                f"be set; it knows {shown}. {fix}"
            )
        shown_raw = "" if key == normalise(raw) else f" (in {normalise(raw)[:80]!r})"
        return (
            f"{key!r}{shown_raw} is not a value the {self.name} knows, so {targets} cannot be set; "
            f"it knows {shown}. {fix}"
        )


def side_by_border(geometry: BaseGeometry) -> str:
    """The side contesting ground, from where the ground lies: see :data:`BY_BORDER`.

    Parameters
    ----------
    geometry : shapely geometry
        The ground, in longitude/latitude; repaired first if invalid.

    Returns
    -------
    str
        ``"UA"`` when more than half of it lies inside Russia's border, else ``"RU"``.

    Notes
    -----
    The halves are compared in square degrees: a feature spans a fraction of a degree
    of latitude, over which the scale of a degree hardly changes, so the comparison
    gives the same answer as a geodesic one.
    """
    geometry = shapely.make_valid(geometry) if not geometry.is_valid else geometry
    if geometry.area == 0:
        return "RU"
    russia = shapely.clip_by_rect(country_border("RUS"), *geometry.bounds)
    inside = shapely.intersection(geometry, russia).area
    return "UA" if inside * 2 > geometry.area else "RU"


def distinct_values(document: object, limit: int = 50) -> dict[str, list[str]]:
    """The distinct values of each property in a document, for a mapping form.

    Parameters
    ----------
    document : object
        A decoded upload (:func:`layers.formats.decode`): a FeatureCollection, a
        Feature or a geometry; anything else has no values.
    limit : int
        Most values listed per property, the most frequent first.

    Returns
    -------
    dict of str to list of str
        Property name -> its values, normalised as :class:`PropertyMapping` compares
        them (non-breaking spaces and line breaks as single spaces, trimmed).
        Properties holding lists or objects are left out.
    """
    if not isinstance(document, dict):
        return {}
    if document.get("type") == "FeatureCollection" and isinstance(document.get("features"), list):
        features = document["features"]
    elif document.get("type") == "Feature":
        features = [document]
    else:
        features = []
    counts: dict[str, Counter[str]] = {}
    for feature in features:
        properties = feature.get("properties") if isinstance(feature, dict) else None
        if not isinstance(properties, dict):
            continue
        for name, value in properties.items():
            if value is None or isinstance(value, (list, dict)):
                continue
            counts.setdefault(name, Counter())[normalise(value)] += 1
    return {name: [value for value, _ in counter.most_common(limit)] for name, counter in counts.items()}


def suggest_preset(document: object) -> str | None:
    """The name of a preset whose keys the document's properties use, for a hint, or None."""
    if not isinstance(document, dict) or not isinstance(document.get("features"), list):
        return None
    for name, mapping in PRESETS.items():
        read = mapping.status_property or mapping.held_by_property
        known = set(mapping.status_values) | set(mapping.held_by_values)
        for feature in document["features"][:200]:
            properties = feature.get("properties") if isinstance(feature, dict) else None
            if (
                isinstance(properties, dict)
                and properties.get(read) is not None
                and mapping.key(properties[read]) in known
            ):
                return name
    return None


_DEEPSTATE_HELD = {
    "geoJSON.status.dismissed": "UA",  # "Звільнено /// Liberated"
    "geoJSON.status.dismissed_at": "UA",  # "Liberated 25.03": liberated on a date (2022)
    "geoJSON.zmiinyi_island": "UA",  # Snake Island, liberated
    "geoJSON.status.occupied": "RU",  # "Окуповано /// Occupied"
    "geoJSON.territories.crimea": "RU",  # occupied since 2014
    "geoJSON.territories.ordlo": "RU",  # "CADR and CALR", occupied parts of Donetsk and Luhansk since 2014
    "geoJSON.territories.tuzla": "RU",  # Tuzla Island in the Kerch Strait, Ukrainian, occupied
}
_DEEPSTATE_CONTESTED = ("geoJSON.status.unknown",)  # "Статус невідомий /// Unknown status": the grey zone
#: DeepStateMap's own categories, the types of its area figures (``layers.sync.history``).
_DEEPSTATE_CATEGORIES = {
    "geoJSON.status.dismissed": "liberated",
    "geoJSON.status.dismissed_at": "liberated",
    "geoJSON.zmiinyi_island": "liberated",
    "geoJSON.status.occupied": "occupied_after_24_02_2022",
    "geoJSON.territories.crimea": "occupied_to_24_02_2022",
    "geoJSON.territories.ordlo": "occupied_to_24_02_2022",
    "geoJSON.territories.tuzla": "occupied_to_24_02_2022",
    "geoJSON.status.unknown": "unspecified",
}
_OUTSIDE_UKRAINE = (
    "DeepStateMap territories outside Ukraine (occupied Transnistria, Abkhazia and Tskhinvali, and the map's "
    "commentary on Karelia, East Prussia and others), not this war's front line"
)
_DEEPSTATE_OUTSIDE = (
    "geoJSON.territories.abkhazia",
    "geoJSON.territories.estonia",
    "geoJSON.territories.ichkeria",
    "geoJSON.territories.karelia",
    "geoJSON.territories.kuril",
    "geoJSON.territories.latvia",
    "geoJSON.territories.pechorsky-district",
    "geoJSON.territories.petsamo",
    "geoJSON.territories.prussia",
    "geoJSON.territories.salla",
    "geoJSON.territories.transnistria",
    "geoJSON.territories.tskhinvali-district",
)
_MARKERS = "DeepStateMap markers (unit positions, attack directions, airfields, capitals), not territory"

DEEPSTATE = PropertyMapping(
    name="deepstate preset",
    held_by_property="name",
    held_by_values=MappingProxyType({**_DEEPSTATE_HELD, **dict.fromkeys(_DEEPSTATE_CONTESTED, BY_BORDER)}),
    status_property="name",
    status_values=MappingProxyType(
        {**dict.fromkeys(_DEEPSTATE_HELD, "held"), **dict.fromkeys(_DEEPSTATE_CONTESTED, "contested")}
    ),
    category_property="name",
    category_values=MappingProxyType(_DEEPSTATE_CATEGORIES),
    source="DeepStateMap",
    note_property="name",
    # The key ends the bilingual name ("Звільнено /// Liberated /// geoJSON.status.dismissed");
    # a date suffix like "{{at:25.03}}" may follow it. The description holds HTML and
    # keys of its own ("geoJSON.description..."), so only the name is read.
    key_pattern=r"geoJSON\.[A-Za-z0-9_.\-]+",
    # The English label between the separators ("Liberated", "Occupied Crimea").
    note_pattern=r"///\s*(.+?)\s*///",
    drop_values=MappingProxyType(dict.fromkeys(_DEEPSTATE_OUTSIDE, _OUTSIDE_UKRAINE)),
    drop_geometry_types=MappingProxyType({"Point": _MARKERS, "MultiPoint": _MARKERS}),
    kind="territory",
)
"""Raw DeepStateMap exports (the JSON its site serves, as archived in ``shared/data``).

- ``geoJSON.status.dismissed`` (liberated), ``...dismissed_at`` (liberated on a date)
  and Snake Island: ``held_by=UA, status=held``.
- ``geoJSON.status.occupied`` and the territories occupied since 2014 (Crimea,
  ``ordlo`` = the occupied parts of Donetsk and Luhansk regions, Tuzla Island):
  ``held_by=RU, status=held``.
- ``geoJSON.status.unknown`` (the grey zone): ``status=contested`` with ``held_by`` by
  :data:`BY_BORDER`. The contract needs one side, and a grey zone is ground one side
  is pushing into: in this war, ground in Ukraine is contested by Russia, and ground
  in Russia (the Kursk incursion) by Ukraine. So a grey zone lying mostly inside
  Russia's border is recorded as ``UA`` contested, any other as ``RU`` contested.
  The rule is DeepStateMap-free: it reads only the geometry and the bundled border.
- Point features (units, attack directions, airfields) are not territory: dropped,
  with an info note giving the count. So are the territories DeepStateMap draws
  outside Ukraine (Transnistria, Abkhazia, Karelia, ...).
- ``category`` keeps DeepStateMap's own category (``schema.CATEGORIES``), which the
  side and status flatten: liberated ground and Snake Island ``liberated`` (retaken
  since 24 February 2022, not all ground Ukraine holds); Crimea, ``ordlo`` and Tuzla
  ``occupied_to_24_02_2022``; ``occupied`` ``occupied_after_24_02_2022``; the grey zone
  ``unspecified``. The app names such ground by category (:mod:`layers.categories`).
- ``source`` is ``DeepStateMap``; ``note`` is the English label of the name.
- Any other key is an error naming it: DeepStateMap adds keys now and then, and a
  guessed side would put wrong areas on the map.

Keys are found robustly: non-breaking spaces and line breaks inside the name are
normalised, and the last ``geoJSON.*`` key of the name counts.
"""


#: Built-in mappings by the name given to ``--preset``.
def _rebuilt(values: dict[str, Any]) -> PropertyMapping:
    """A pickled :class:`PropertyMapping` again (see its ``__reduce__``)."""
    return PropertyMapping(**values)


PRESETS: Mapping[str, PropertyMapping] = MappingProxyType({"deepstate": DEEPSTATE})

__all__ = [
    "BY_BORDER",
    "DEEPSTATE",
    "PRESETS",
    "PropertyMapping",
    "distinct_values",
    "normalise",
    "side_by_border",
    "suggest_preset",
]
