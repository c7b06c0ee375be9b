"""The data contract: every property name and allowed value, with help text.

Validation, styling, the store, the docs and the tests refer to the names here
rather than repeating strings. Bump ``SCHEMA_VERSION`` on any incompatible change;
stored versions record the schema version they were written with.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "ACTIVE_KEYS",
    "ALL_KINDS",
    "ANYWHERE",
    "CLAIM_FIELDS",
    "CONFIDENCES",
    "EVENT",
    "EVENT_FIELDS",
    "EVENT_KINDS",
    "FIGURE",
    "FIGURE_FIELDS",
    "FIGURE_KINDS",
    "LAYER_KINDS",
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
    """

    name: str
    help: str
    required: bool = False
    allowed: dict[str, str] | None = None
    kind: str = "text"


SIDES = {
    "UA": "Ukraine (armed forces of Ukraine)",
    "RU": "Russia (armed forces of the Russian Federation and forces under its command)",
}

STATUSES = {
    "held": "assessed control by the side in held_by",
    "contested": "grey zone: fighting, infiltration or unknown control",
    "claimed": "a side claims control; not confirmed by the layer's source",
}

EVENT_KINDS = {
    "strike": "a missile, drone, air or artillery strike",
    "troop_presence": "reported presence of a unit or foreign contingent",
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
    "events": "dated point events (strikes, troop presence, other)",
}

TERRITORY_FIELDS = (
    Field("held_by", "the side that holds, contests or claims the area", True, SIDES),
    Field("status", "held, contested or claimed", True, STATUSES),
    Field("source", "who says so: outlet, official or mapping project", True),
    Field("note", "free text shown in the tooltip"),
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

FIGURE_FIELDS = (
    Field("date", "date the figure refers to, YYYY-MM-DD", True, kind="date"),
    Field("scope", "what the figure measures, in words", True),
    Field("layer", "layer whose geometry the figure is compared with"),
    Field("held_by", "side of the computed series it is compared with", allowed=SIDES),
    Field("status", "status of the computed series it is compared with", allowed=STATUSES),
    Field("within", "ISO 3166-1 alpha-3 border the computed area is clipped to"),
    Field("measure", "which computed value it is set beside (default: at date)", allowed=MEASURES),
    Field("value_km2", "the reported area in square kilometres", True, kind="number"),
    Field("kind", "what sort of figure it is", True, FIGURE_KINDS),
    Field("source", "who published it", True),
    Field("note", "quote or context"),
)

MILESTONE_FIELDS = (
    Field("date", "date of the milestone, YYYY-MM-DD", True, kind="date"),
    Field("title", "what happens on that date", True),
    Field("source", "who reported it", True),
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

ALL_KINDS = (TERRITORY, EVENT, FIGURE, MILESTONE)
