"""Invalid polygons: GEOS's reason, what a repair would change, and the repair, only with consent.

A repair (``shapely.make_valid`` with the "structure" method) can change the ground a
feature covers, so it is never silent: without consent the error gives the area before
and after; with it the repair is listed in the report and warned about. Rings that can
be read two ways are never repaired, because the two readings cover different ground.
"""

from __future__ import annotations

import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from ..areas import area_km2
from ..problems import Collector, Repair


def _km2(value: float) -> str:
    return f"{value:,.2f}"


def _area_km2(geometry: BaseGeometry | None) -> float:
    return float(area_km2([geometry])[0]) if geometry is not None else 0.0


def polygonal(geometry: BaseGeometry | None) -> Polygon | MultiPolygon | None:
    """The polygons of a geometry as one Polygon/MultiPolygon, or None when there are none."""
    if geometry is None or geometry.is_empty:
        return None
    if isinstance(geometry, (Polygon, MultiPolygon)):
        return geometry
    polygons = [p for p in shapely.get_parts(geometry) if isinstance(p, (Polygon, MultiPolygon))]
    if not polygons:
        return None
    parts = [q for p in polygons for q in shapely.get_parts(p)]
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def readings_km2(shape: Polygon | MultiPolygon) -> tuple[float, float]:
    """km² of an invalid polygon read two ways.

    Returns
    -------
    as_areas : float
        GEOS's reading: every ring kept as drawn (``make_valid`` with the "linework" method).
    as_holes : float
        Shells filled even-odd, with every inner ring cut out as a hole.
    """
    every_ring = polygonal(shapely.make_valid(shape, method="linework"))
    polygons = shapely.get_parts(shape)
    shells = [shapely.make_valid(Polygon(p.exterior)) for p in polygons]
    holes = [shapely.make_valid(Polygon(h)) for p in polygons for h in p.interiors]
    filled = shells[0] if shells else Polygon()
    for shell in shells[1:]:
        filled = shapely.symmetric_difference(filled, shell)
    as_holes = polygonal(shapely.difference(filled, shapely.union_all(holes)) if holes else filled)
    return _area_km2(every_ring), _area_km2(as_holes)


def repair_invalid(
    shape: Polygon | MultiPolygon,
    index: int,
    where: str,
    consent: bool,
    collect: Collector,
    repairs: list[Repair],
) -> Polygon | MultiPolygon | None:
    """An invalid polygon repaired, or None after reporting why it was not.

    Parameters
    ----------
    shape : Polygon or MultiPolygon
        The geometry as drawn; invalid.
    index : int
        The feature's index in the file, for :class:`layers.problems.Repair`.
    where : str
        How messages name the feature.
    consent : bool
        Whether the caller allowed repairs (``--repair``).
    collect : Collector
        Where the error, or the warning about a repair, is added.
    repairs : list of Repair
        The report's repairs, to which a repair made is appended.

    Returns
    -------
    Polygon or MultiPolygon or None
        The repaired polygons (the polygonal parts of ``make_valid``'s result), or None
        when there was no consent, the repair would leave no area or is ambiguous.
    """
    reason = shapely.is_valid_reason(shape)
    repaired = polygonal(shapely.make_valid(shape, method="structure", keep_collapsed=False))
    before = _area_km2(shape)
    after = _area_km2(repaired)
    as_areas, as_holes = readings_km2(shape)
    if abs(as_areas - as_holes) > 1e-6 * max(as_areas, as_holes, 1e-9):
        # Rings that can be read two ways (a "hole" outside its shell): the readings
        # cover different ground, so no repair is offered, even with consent; the
        # editor must say which was meant. Other repairs show the area before and after.
        collect.error(
            where,
            "geometry",
            f"is invalid: {reason}, and repairing it is ambiguous: with every ring as an area it covers "
            f"{_km2(as_areas)} km², with inner rings as holes {_km2(as_holes)} km². Fix it in the source "
            "file so it says which is meant.",
            "ambiguous",
        )
        return None
    if repaired is None or after == 0:
        collect.error(
            where,
            "geometry",
            f"is invalid: {reason}, and a repair would leave no area. Fix it in your editor "
            "(QGIS: Vector ▸ Geometry Tools ▸ Check Validity).",
            "invalid",
        )
        return None
    if not consent:
        collect.error(
            where,
            "geometry",
            f"is invalid: {reason}. Fix it in your editor (QGIS: Vector ▸ Geometry Tools ▸ Check Validity), "
            f"or the app can repair it with your consent (--repair): area would change from {_km2(before)} "
            f"to {_km2(after)} km².",
            "invalid",
        )
        return None
    repairs.append(Repair(index, reason, before, after))
    collect.warning(
        where,
        "geometry",
        f"was invalid ({reason}) and was repaired with your consent: area changed from {_km2(before)} "
        f"to {_km2(after)} km².",
        "repaired",
    )
    return repaired


__all__ = ["polygonal", "readings_km2", "repair_invalid"]
