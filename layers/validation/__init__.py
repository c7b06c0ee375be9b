"""Raw bytes -> a report of every problem, each with the feature, the field and the fix.

The same checks run behind ``python -m layers validate``, the import and the seeding
of the embedded data. The stages follow the order in which a hostile file is defused:
:func:`layers.formats.decode` handles the container, the encoding and the JSON (each
bounded); this package then checks the GeoJSON structure on the raw JSON (before shapely
touches it, because shapely silently closes rings and turns ``"30.5"`` into a number),
the plausibility of the coordinates, the topology with GEOS, and finally the data
contract of :mod:`layers.schema`, after an optional property mapping
(:class:`layers.presets.PropertyMapping`) has turned a file's own properties into it.

Validation collects every problem instead of stopping at the first; a file with any
error is not written anywhere. Problems of one rule are listed for the first
:data:`MAX_LISTED` features and then counted, so a file with 4,000 broken features
yields a readable report.

Modules, by job: :mod:`.checker` (:func:`validate`, the order of the checks),
:mod:`.structure` (the document), :mod:`.coordinates` (raw positions),
:mod:`.geometry` (types, rings, validity), :mod:`.repair` (invalid polygons),
:mod:`.properties` (limits, mapping, contract) and :mod:`.frame` (the result). The
problems, the report and the limits live in :mod:`layers.problems`, which
:mod:`layers.formats` shares.
"""

from ..problems import (
    MAX_FEATURE_VERTICES,
    MAX_FEATURES,
    MAX_FILE_MB,
    MAX_LISTED,
    MAX_PROPERTIES,
    MAX_PROPERTY_DEPTH,
    MAX_STRING_CHARS,
    MAX_VERTICES,
    Problem,
    Repair,
    Report,
)
from .checker import validate

__all__ = [
    "MAX_FEATURES",
    "MAX_FEATURE_VERTICES",
    "MAX_FILE_MB",
    "MAX_LISTED",
    "MAX_PROPERTIES",
    "MAX_PROPERTY_DEPTH",
    "MAX_STRING_CHARS",
    "MAX_VERTICES",
    "Problem",
    "Repair",
    "Report",
    "validate",
]
