"""The data contract: every property name and allowed value, with help text.

Validation, styling, the store, the docs and the tests refer to the names here
rather than repeating strings. Bump ``SCHEMA_VERSION`` on any incompatible change;
stored versions record the schema version they were written with.

Text the store keeps in its own columns has a limit in characters, the same on SQLite
and PostgreSQL, checked by every write (``layers.store.inputs``): a layer's ``name``
100, ``description`` 2,000, ``source`` and ``licence`` 200 and ``attribution`` 300; a
reported figure's ``scope`` 200, ``layer`` 100, ``source`` 500 and ``note`` 2,000; a
milestone's ``title`` 200 and ``source`` 500; a file name 300 (``FILE_NAME_MAX_CHARS``) and a
writer's name 100 (``ACTOR_MAX_CHARS``).
Fields marked ``one_line`` (names, scopes, titles, sources) refuse every control
character; the others allow tab, line feed and carriage return. NUL and lone
surrogates are refused everywhere, feature properties included. A reported figure's
``value_km2`` must be finite and at most ``MAX_AREA_KM2`` either way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "ACTIVE_KEYS",
    "ACTOR_MAX_CHARS",
    "ALL_KINDS",
    "ANYWHERE",
    "CATEGORIES",
    "CLAIM_FIELDS",
    "CONFIDENCES",
    "EVENT",
    "EVENT_FIELDS",
    "EVENT_KINDS",
    "FIGURE",
    "FIGURE_FIELDS",
    "FIGURE_KINDS",
    "FILE_NAME_MAX_CHARS",
    "LAYER",
    "LAYER_FIELDS",
    "LAYER_KINDS",
    "MAX_AREA_KM2",
    "MEASURES",
    "MILESTONE",
    "MILESTONE_FIELDS",
    "SCHEMA_VERSION",
    "SIDES",
    "STATUSES",
    "TERRITORY",
    "TERRITORY_FIELDS",
    "Field",
    "RecordKind",
]

SCHEMA_VERSION = 1

#: ``within`` of an area that is not clipped to any border (elsewhere an ISO3 code).
ANYWHERE = ""

#: Longest file name, in characters, recorded with a version (most file systems allow 255 bytes).
FILE_NAME_MAX_CHARS = 300

#: Longest name of whoever writes (an editor's name, ``cli``, ``seed``), in characters.
ACTOR_MAX_CHARS = 100

#: Largest reported figure, in km², either way: more than Russia (17.1 million km²), the
#: largest country, with room to spare; anything larger is a typo or a unit mistake.
MAX_AREA_KM2 = 20_000_000.0


@dataclass(frozen=True)
class Field:
    """One property of a record kind.

    Parameters
    ----------
    name : str
        Property name as it appears in files and in the store.
    help : str
        One line for editors: what the field holds.
    required : bool
        Whether a record without it is rejected.
    allowed : dict, optional
        Allowed values mapped to their one-line meaning; ``None`` means free text.
    kind : str
        ``text``, ``date``, ``number`` or ``list``.
    max_chars : int, optional
        The most characters the store keeps, for text stored in a column of its own;
        None where another check bounds the value (allowed values, the upload
        validator's limit on feature properties).
    one_line : bool
        Whether the text is a single line: tab, line feed and carriage return are then
        refused like the other control characters.
    """

    name: str
    help: str
    required: bool = False
    allowed: dict[str, str] | None = None
    kind: str = "text"
    max_chars: int | None = None
    one_line: bool = False


SIDES = {
    "UA": "Ukraine (armed forces of Ukraine)",
    "RU": "Russia (armed forces of the Russian Federation and forces under its command)",
}

STATUSES = {
    "held": "assessed control by the side in held_by",
    "contested": "grey zone: fighting, infiltration or unknown control",
    "claimed": "a side claims control; not confirmed by the layer's source",
}

#: A mapping project's own category of a territory feature, kept beside ``held_by`` and
#: ``status`` (optional): DeepStateMap's codes, as its own area figures use them. Its
#: "liberated" is ground retaken since 24 February 2022, not all ground Ukraine holds.
CATEGORIES = {
    "liberated": "DeepStateMap 'liberated': ground retaken by Ukraine since 24 February 2022",
    "occupied_to_24_02_2022": (
        "occupied before 24 February 2022: Crimea, parts of Donetsk and Luhansk regions, Tuzla Island"
    ),
    "occupied_after_24_02_2022": "occupied by Russia after 24 February 2022",
    "unspecified": "DeepStateMap 'unknown status': the grey zone",
}

EVENT_KINDS = {
    "strike": "a missile, drone, air or artillery strike",
    "troop_presence": "reported presence of a unit or foreign contingent",
    "fire_detection": (
        "a satellite thermal anomaly (e.g. NASA FIRMS): a fire or heat source, not necessarily a strike"
    ),
    "other": "any other dated event with a place",
}

CONFIDENCES = {
    "confirmed": "confirmed by independent sources or by both sides",
    "claimed": "claimed by one side or source, not independently confirmed",
    "disputed": "sources contradict each other",
}

FIGURE_KINDS = {
    "official claim": "a figure stated by a government or military official",
    "mapped": "a figure published by a mapping project from its own map",
    "assessed": "a figure from an analytical assessment (e.g. ISW)",
    "press estimate": "a figure estimated or relayed by the press",
}

LAYER_KINDS = {
    "territory": "dated snapshots of held, contested and claimed territory",
    "events": "dated point events (strikes, troop presence, fire detections, other)",
}

TERRITORY_FIELDS = (
    Field("held_by", "the side that holds, contests or claims the area", True, SIDES),
    Field("status", "held, contested or claimed", True, STATUSES),
    Field("source", "who says so: outlet, official or mapping project", True),
    Field("note", "free text shown in the tooltip"),
    Field(
        "category",
        "the mapping project's own category (DeepStateMap's codes), named in tooltips, keys and areas",
        allowed=CATEGORIES,
    ),
)

EVENT_FIELDS = (
    Field("id", "stable identifier of the event, unique within its layer", True),
    Field("kind", "what happened", True, EVENT_KINDS),
    Field("occurred_on", "date of the event, YYYY-MM-DD", True, kind="date"),
    Field("title", "one-line description shown in the tooltip", True),
    Field("weapon", "weapon or system used, if known"),
    Field("target", "what was hit or where the unit was reported"),
    Field("place", "settlement or district name"),
    Field("source", "who reported it", True),
    Field("confidence", "how sure the sources are", True, CONFIDENCES),
    Field(
        "claims",
        "where sources disagree: a list of {source, claim} objects, one per source",
        kind="list",
    ),
)

CLAIM_FIELDS = (
    Field("source", "who makes the claim", True),
    Field("claim", "what that source says, in one line", True),
)

#: What a reported figure measures, hence which computed value it is set beside.
MEASURES = {
    "at date": "the area of the snapshot shown on the figure's date",
    "peak to date": "the largest area of any snapshot on or before the figure's date",
    "net change in month": "area at the figure's date minus area at the end of the previous calendar month",
    "net change in year": "area at the figure's date minus area at the end of the previous calendar year",
}

LAYER_FIELDS = (
    Field(
        "name",
        "what the layer is called in the sidebar, the key and every export",
        True,
        max_chars=100,
        one_line=True,
    ),
    Field("kind", "what the layer holds", True, LAYER_KINDS),
    Field("description", "what the layer shows and where its data comes from", max_chars=2_000),
    Field("source", "who made the data (e.g. DeepStateMap, NASA FIRMS)", max_chars=200, one_line=True),
    Field(
        "licence",
        "the terms of reuse, e.g. CC BY-NC-SA 4.0; a non-commercial licence is stated on every export",
        max_chars=200,
        one_line=True,
    ),
    Field(
        "attribution",
        "the credit the source asks for, printed on the map and exports",
        max_chars=300,
        one_line=True,
    ),
)

FIGURE_FIELDS = (
    Field("date", "date the figure refers to, YYYY-MM-DD", True, kind="date"),
    Field("scope", "what the figure measures, in words", True, max_chars=200, one_line=True),
    Field("layer", "layer whose geometry the figure is compared with", max_chars=100, one_line=True),
    Field("held_by", "side of the computed series it is compared with", allowed=SIDES),
    Field("status", "status of the computed series it is compared with", allowed=STATUSES),
    Field("within", "ISO 3166-1 alpha-3 border the computed area is clipped to"),
    Field("measure", "which computed value it is set beside (default: at date)", allowed=MEASURES),
    Field("value_km2", "the reported area in square kilometres", True, kind="number"),
    Field("kind", "what sort of figure it is", True, FIGURE_KINDS),
    Field("source", "who published it", True, max_chars=500, one_line=True),
    Field("note", "quote or context", max_chars=2_000),
)

MILESTONE_FIELDS = (
    Field("date", "date of the milestone, YYYY-MM-DD", True, kind="date"),
    Field("title", "what happens on that date", True, max_chars=200, one_line=True),
    Field("source", "who reported it", True, max_chars=500, one_line=True),
)

#: Property keys that folium or Leaflet plugins would act on if present; never kept.
ACTIVE_KEYS = frozenset({"style", "popup", "tooltip", "icon", "iconstyle", "times", "highlight"})


@dataclass(frozen=True)
class RecordKind:
    """A kind of record with its fields, for validation and documentation."""

    name: str
    fields: tuple[Field, ...]
    geometry_types: tuple[str, ...] = field(default_factory=tuple)

    def field_named(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


TERRITORY = RecordKind("territory feature", TERRITORY_FIELDS, ("Polygon", "MultiPolygon"))
EVENT = RecordKind("event", EVENT_FIELDS, ("Point",))
FIGURE = RecordKind("reported figure", FIGURE_FIELDS)
MILESTONE = RecordKind("milestone", MILESTONE_FIELDS)
LAYER = RecordKind("layer", LAYER_FIELDS)

ALL_KINDS = (TERRITORY, EVENT, FIGURE, MILESTONE, LAYER)
