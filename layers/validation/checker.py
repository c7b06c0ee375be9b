"""The entry point: raw bytes in, a :class:`layers.problems.Report` out, every check in its order.

The order follows how a hostile file is defused: decoding (:mod:`layers.formats`), the
document (:mod:`.structure`), then each feature, its geometry (:mod:`.geometry`, reading
coordinates with :mod:`.coordinates`) and its properties (:mod:`.properties`), and last
the lines about the whole file. Problems are listed in the order they are found, so this
order is the order of the report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from shapely.geometry.base import BaseGeometry

from .. import schema
from ..formats import decode
from ..presets import suggest_preset
from ..problems import MAX_FEATURES, Collector, Report
from .coordinates import check_area_of_interest
from .frame import features_frame
from .geometry import GeometryChecker
from .properties import PropertyChecker
from .structure import (
    check_bboxes,
    check_crs_member,
    feature_object,
    feature_where,
    features_of,
    geometry_pointer,
    properties_object,
)

if TYPE_CHECKING:
    from ..presets import PropertyMapping


def validate(
    raw: bytes,
    kind: schema.RecordKind = schema.TERRITORY,
    name: str = "upload",
    defaults: dict[str, Any] | None = None,
    mapping: PropertyMapping | None = None,
    repair: bool = False,
    any_date: bool = False,
) -> Report:
    """Check an uploaded file against the data contract.

    Parameters
    ----------
    raw : bytes
        The file's bytes: GeoJSON, gzipped GeoJSON, KML or GeoPackage
        (see :func:`layers.formats.decode`).
    kind : schema.RecordKind
        ``schema.TERRITORY`` or ``schema.EVENT``.
    name : str
        File name, used in messages only (never as a path).
    defaults : dict, optional
        Values for fields a feature lacks (e.g. ``{"held_by": "RU"}``); a feature's
        own value wins.
    mapping : layers.presets.PropertyMapping, optional
        How the file's own properties become the contract fields (e.g.
        ``presets.PRESETS["deepstate"]``); applied before the contract checks. Features
        the mapping drops (e.g. DeepStateMap's unit markers) are counted in a note.
    repair : bool
        Whether invalid polygons may be repaired (``shapely.make_valid`` with the
        "structure" method). Without it they are errors that say what a repair would
        change; with it they are kept, listed in ``report.repairs`` and warned about.

    any_date : bool
        Accept dates (an event's ``occurred_on``) outside :mod:`layers.dates`' plausible
        range, which are otherwise errors.

    Returns
    -------
    Report
        ``report.features`` is a GeoDataFrame (EPSG:4326, polygons oriented by the
        right-hand rule) when ``report.ok``.
    """
    report = Report(name)
    collect = Collector(report)
    document, problems = decode(raw, name)
    report.problems.extend(problems)
    if document is None:
        return report
    if isinstance(document, dict):
        check_crs_member(document, collect)
    features, pointer = features_of(document, collect)
    check_bboxes(document, features, collect)
    if len(features) > MAX_FEATURES:
        collect.error(
            "File",
            "features",
            f"holds {len(features):,} features; the limit is {MAX_FEATURES:,}. Split the file.",
            "file-features",
        )
        return report
    if not features and report.ok:
        collect.error("File", "features", "holds no feature.", "no-feature")
    if mapping is not None:
        mismatch = mapping.kind_problem(kind)
        if mismatch:
            collect.error("File", "", mismatch, "mapping-kind")
            return report
    geometries = GeometryChecker(kind, repair, collect, report.repairs)
    properties = PropertyChecker(kind, defaults or {}, mapping, collect, any_date)
    records: list[dict[str, Any]] = []
    shapes: list[BaseGeometry] = []
    for index, feature in enumerate(features):
        checked = _check_feature(index, feature, geometry_pointer(pointer, index), geometries, properties)
        if checked is not None:
            records.append(checked[0])
            shapes.append(checked[1])
    geometries.report_types_and_size()
    properties.report_mapping(len(features), len(records))
    geometries.report_elevation()
    properties.report_active_keys()
    geometries.report_cleanups()
    check_area_of_interest(shapes, collect)
    preset = suggest_preset(document) if mapping is None and not report.ok else None
    if preset:
        collect.info(
            "File",
            "",
            f"this looks like a file for the {preset!r} preset, whose properties map to the contract: "
            f"try --preset {preset}.",
            "preset-hint",
        )
    collect.finish()
    if report.ok:
        report.features = features_frame(records, shapes)
    return report


def _check_feature(
    index: int,
    feature: object,
    pointer: str,
    geometries: GeometryChecker,
    properties: PropertyChecker,
) -> tuple[dict[str, Any], BaseGeometry] | None:
    """One feature's record and geometry, or None when it has an error or is dropped.

    The property limits are checked before the geometry, and the contract after it:
    a mapping may need the geometry (a side decided by the border), and the messages
    keep this order.
    """
    collect = geometries.collect
    where = feature_where(index, feature)
    checked = feature_object(feature, where, collect)
    if checked is None:
        return None
    geometry = checked.get("geometry")
    geometry_type = geometry.get("type") if isinstance(geometry, dict) else None
    own = properties_object(checked, where, collect)
    if own is not None and properties.dropped_by_mapping(index, geometry_type, own):
        return None
    capped = own is not None and properties.within_limits(own, where)
    drawn, shape = geometries.check(geometry, index, where, pointer)
    if own is None or not capped:
        return None
    record = properties.record(own, drawn, where)
    if shape is None or record is None:
        return None
    return record, shape


__all__ = ["validate"]
