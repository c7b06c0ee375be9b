"""The GeoJSON document: its type, its features, the legacy ``crs`` member and ``bbox`` members.

These checks read the raw JSON (a dict from :func:`layers.formats.decode`), before any
geometry is built, so that each message can name the member and the fix.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..problems import Collector

#: Every geometry type of RFC 7946 §1.4, for telling a wrong type from a misspelt one.
GEOMETRY_TYPES = (
    "Point",
    "MultiPoint",
    "LineString",
    "MultiLineString",
    "Polygon",
    "MultiPolygon",
    "GeometryCollection",
)

#: The JSON pointer prefix of :func:`features_of` for a bare geometry: it has no pointer of its own.
BARE = "/bare"

#: Legacy ``crs`` names that mean WGS84 longitude/latitude, which GeoJSON is anyway.
_WGS84_NAMES = {
    "urn:ogc:def:crs:ogc:1.3:crs84",
    "urn:ogc:def:crs:ogc::crs84",
    "ogc:crs84",
    "crs84",
    "urn:ogc:def:crs:epsg::4326",
    "urn:ogc:def:crs:epsg:4326",
    "epsg:4326",
    "http://www.opengis.net/def/crs/ogc/1.3/crs84",
    "http://www.opengis.net/def/crs/epsg/0/4326",
}


def check_crs_member(document: dict[str, Any], collect: Collector) -> None:
    """The ``crs`` member of GeoJSON 2008 was removed by RFC 7946 (appendix B.1).

    GDAL still honours it, so a file declaring EPSG:3857 reads as metres elsewhere
    and as degrees here; rather than guess, anything but WGS84 is refused.
    """
    if "crs" not in document:
        return
    crs = document["crs"]
    name = (
        crs.get("properties", {}).get("name")
        if isinstance(crs, dict) and isinstance(crs.get("properties"), dict)
        else None
    )
    if crs is None or (isinstance(name, str) and name.strip().lower() in _WGS84_NAMES):
        collect.info(
            "File",
            "crs",
            "the legacy 'crs' member names WGS84 longitude/latitude, which GeoJSON always uses "
            "(RFC 7946 §4); it was ignored.",
            "crs-ignored",
        )
        return
    shown = str(name)[:80] if name is not None else "a form the app does not read"
    collect.error(
        "File",
        "crs",
        f"the legacy 'crs' member declares {shown}; GeoJSON coordinates must be WGS84 longitude/latitude "
        "(RFC 7946 §4). Re-export as EPSG:4326 (e.g. QGIS Export with CRS EPSG:4326, or ogr2ogr "
        "-t_srs EPSG:4326 -lco RFC7946=YES) and remove the 'crs' member.",
        "crs-other",
    )


def type_name_hint(value: object, expected: Sequence[str]) -> str:
    """How to fix a wrong ``type`` value, noticing type names written in the wrong case; or ``""``."""
    if isinstance(value, str):
        for name in expected:
            if value.lower() == name.lower():
                return (
                    f"expected {name!r} but got {value[:40]!r}: type names are case-sensitive "
                    "(RFC 7946 §1.4)."
                )
    return ""


def features_of(document: object, collect: Collector) -> tuple[list[Any], str]:
    """The features of a document and the JSON pointer prefix of feature ``{}``.

    Parameters
    ----------
    document : object
        The decoded upload: a FeatureCollection, a Feature or a bare geometry.
    collect : Collector
        Where a document that is none of these is reported.

    Returns
    -------
    features : list
        The raw features (a bare geometry becomes one feature without properties); empty
        when the document holds none or is not GeoJSON.
    pointer : str
        ``"/features/{}"`` for a FeatureCollection, ``""`` for a Feature, :data:`BARE`
        for a bare geometry.
    """
    if not isinstance(document, dict):
        collect.error(
            "File", "", "must hold a JSON object: a FeatureCollection, a Feature or a geometry.", "not-object"
        )
        return [], ""
    kind = document.get("type")
    if kind == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list):
            collect.error(
                "File", "features", "a FeatureCollection needs a 'features' array.", "no-features-array"
            )
            return [], ""
        return features, "/features/{}"
    if kind == "Feature":
        return [document], ""
    if kind in GEOMETRY_TYPES:
        collect.info(
            "File",
            "",
            f"is a bare {kind} geometry, not a FeatureCollection; it was read as one feature.",
            "bare-geometry",
        )
        return [{"type": "Feature", "geometry": document, "properties": {}}], BARE
    if "type" not in document:
        collect.error(
            "File", "type", "has no 'type' member; expected a FeatureCollection (RFC 7946 §3.3).", "no-type"
        )
        return [], ""
    hint = type_name_hint(kind, ("FeatureCollection", "Feature", *GEOMETRY_TYPES))
    collect.error(
        "File",
        "type",
        hint or f"expected 'FeatureCollection', 'Feature' or a geometry type, got {str(kind)[:40]!r}.",
        "document-type",
    )
    return [], ""


def geometry_pointer(prefix: str, index: int) -> str:
    """The JSON pointer of feature ``index``'s geometry, from the prefix :func:`features_of` gave."""
    if prefix == BARE:
        return ""
    return prefix.format(index) + "/geometry"


def feature_where(index: int, feature: object) -> str:
    """How messages name a feature: ``"Feature 3"``, with its id when it has one."""
    identifier = feature.get("id") if isinstance(feature, dict) else None
    if identifier is None and isinstance(feature, dict) and isinstance(feature.get("properties"), dict):
        identifier = feature["properties"].get("id")
    if isinstance(identifier, (dict, list)):
        identifier = None
    return f"Feature {index}" + (f" (id {str(identifier)[:60]!r})" if identifier is not None else "")


def feature_object(feature: object, where: str, collect: Collector) -> dict[str, Any] | None:
    """The feature as a JSON object, or None after reporting that it is no Feature.

    A Feature's ``id`` that is neither text nor a number is reported too, but the
    feature is still checked.
    """
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        hint = type_name_hint(feature.get("type"), ("Feature",)) if isinstance(feature, dict) else ""
        collect.error(where, "type", hint or "must be a GeoJSON Feature object.", "feature-type")
        return None
    if "id" in feature and not (
        isinstance(feature["id"], (str, int, float)) and not isinstance(feature["id"], bool)
    ):
        collect.error(
            where,
            "id",
            "must be a string or a number (RFC 7946 §3.2); remove it or write it as text.",
            "feature-id",
        )
    return feature


def properties_object(feature: dict[str, Any], where: str, collect: Collector) -> dict[str, Any] | None:
    """A Feature's properties (``{}`` for null), or None after reporting that they are no object."""
    properties = feature.get("properties")
    if properties is None:
        return {}
    if not isinstance(properties, dict):
        collect.error(where, "properties", "must be a JSON object (or null).", "properties-type")
        return None
    return properties


def value_text(value: object) -> str:
    """A raw JSON value as a message shows it: ``the text '35.2'``, ``the JSON value null``."""
    if isinstance(value, str):
        return f"the text {value[:40]!r}"
    if isinstance(value, bool) or value is None:
        return f"the JSON value {str(value).lower() if value is not None else 'null'}"
    return f"the value {str(value)[:40]}"


def check_bboxes(document: object, features: Sequence[object], collect: Collector) -> None:
    """``bbox`` members are not used, but a malformed one is named (RFC 7946 §5)."""
    holders = [("File", document)] + [
        (f"Feature {i}", f) for i, f in enumerate(features) if isinstance(f, dict)
    ]
    for where, holder in holders:
        bbox = holder.get("bbox") if isinstance(holder, dict) else None
        if bbox is None:
            continue
        numbers = isinstance(bbox, list) and all(type(v) in (int, float) for v in bbox)
        if not numbers or len(bbox) not in (4, 6):
            collect.warning(
                where,
                "bbox",
                f"must contain 4 or 6 numbers (RFC 7946 §5), got {value_text(bbox)}; it was ignored. "
                "Remove it or let your tool compute it.",
                "bbox",
            )


__all__ = [
    "BARE",
    "GEOMETRY_TYPES",
    "check_bboxes",
    "check_crs_member",
    "feature_object",
    "feature_where",
    "features_of",
    "geometry_pointer",
    "properties_object",
    "type_name_hint",
    "value_text",
]
