"""Geodesic areas, clipping to country borders, and area tables per side and status.

Areas are computed on the WGS84 ellipsoid with Karney's algorithm (GeographicLib, via
``pyproj.Geod``): the reference the product's figures are checked against. Never in
degrees, never in Web Mercator, which inflates areas about 2.5x at 51°N.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from .errors import InvalidInputError

METHOD = "geodesic area on the WGS84 ellipsoid (Karney's algorithm, pyproj.Geod)"
BORDERS_PATH = Path(__file__).resolve().parent.parent / "geodata" / "borders.geojson"
BORDERS_SOURCE = "Natural Earth 1:10m admin-0 (world-atlas 2.0.2), Crimea assigned to Ukraine"
#: Columns of an area table, in order.
AREA_COLUMNS = ["held_by", "status", "within", "area_km2"]
#: ``within`` value for an area that is not clipped to any border.
ANYWHERE = ""

_GEOD = pyproj.Geod(ellps="WGS84")


def area_km2(geoms) -> np.ndarray:
    """Geodesic area of each geometry in km².

    Parameters
    ----------
    geoms : array-like of shapely geometries in lon/lat (EPSG:4326)

    Returns
    -------
    numpy.ndarray of float
        Area in km²; 0 for empty and non-polygonal geometries.

    Notes
    -----
    ``Geod.geometry_area_perimeter`` returns a signed area and adds holes with their
    own sign, so polygons are repaired and oriented (shells counter-clockwise, holes
    clockwise) first; a self-intersecting ring would otherwise cancel itself out.
    """
    geoms = np.asarray(geoms, dtype=object)
    prepared = shapely.orient_polygons(shapely.make_valid(geoms), exterior_cw=False)
    areas = np.zeros(len(prepared))
    for i, geom in enumerate(prepared):
        if geom is None or geom.is_empty:
            continue
        polygonal = _polygonal_part(geom)
        if polygonal is not None:
            areas[i] = abs(_GEOD.geometry_area_perimeter(polygonal)[0]) / 1e6
    return areas


def _polygonal_part(geom):
    """The polygons of a geometry (make_valid can return collections), or None."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polygons = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polygons) if polygons else None


@lru_cache(maxsize=4)
def load_borders(path: Path = BORDERS_PATH) -> gpd.GeoDataFrame:
    """The bundled country borders, indexed by ISO 3166-1 alpha-3 code."""
    borders = gpd.read_file(path).set_index("iso3")
    borders["geometry"] = shapely.make_valid(borders.geometry.values)
    return borders


def country_border(iso3: str, borders: gpd.GeoDataFrame | None = None):
    """The border polygon of one country.

    Raises
    ------
    InvalidInputError
        If the bundled borders do not include that country.
    """
    borders = load_borders() if borders is None else borders
    code = iso3.strip().upper()
    if code not in borders.index:
        known = ", ".join(sorted(borders.index))
        raise InvalidInputError(
            f"--within {iso3!r}: no border for that ISO 3166-1 alpha-3 code; use one of {known}."
        )
    return borders.geometry.loc[code]


def clip_to_country(geoms, iso3: str, borders: gpd.GeoDataFrame | None = None) -> np.ndarray:
    """Each geometry intersected with a country's border."""
    border = country_border(iso3, borders)
    shapely.prepare(border)
    return shapely.intersection(shapely.make_valid(np.asarray(geoms, dtype=object)), border)


def area_table(features: gpd.GeoDataFrame, within=(ANYWHERE,), borders=None) -> pd.DataFrame:
    """Area per side and status, optionally clipped to country borders.

    Features of one side and status are dissolved first, so overlapping features
    are not counted twice.

    Parameters
    ----------
    features : GeoDataFrame
        Territory features with ``held_by`` and ``status`` columns, in EPSG:4326.
    within : sequence of str
        ISO3 codes to clip to; ``ANYWHERE`` ("") for the unclipped area.

    Returns
    -------
    DataFrame
        Columns ``held_by, status, within, area_km2``, one row per combination.
    """
    rows = []
    if len(features):
        groups = features.groupby(["held_by", "status"], sort=True)
        dissolved = [
            (held_by, status, shapely.union_all(shapely.make_valid(group.geometry.values)))
            for (held_by, status), group in groups
        ]
        geoms = np.array([geom for _, _, geom in dissolved], dtype=object)
        for code in within:
            clipped = geoms if code == ANYWHERE else clip_to_country(geoms, code, borders)
            for (held_by, status, _), area in zip(dissolved, area_km2(clipped)):
                rows.append((held_by, status, code, float(area)))
    return pd.DataFrame(rows, columns=AREA_COLUMNS)


def area_summary(series: pd.DataFrame, layer: str, as_of) -> pd.DataFrame:
    """One snapshot's stored areas as a table: a row per side and status, a column per border.

    Parameters
    ----------
    series : DataFrame
        ``Store.area_series()`` rows (``as_of, layer, held_by, status, within, area_km2``).
    layer, as_of
        The snapshot: its layer and its own date.

    Returns
    -------
    DataFrame
        Columns ``held_by, status`` and one per ``within`` value (``""`` = unclipped).
    """
    rows = series[(series["layer"] == layer) & (series["as_of"] == as_of)]
    borders = sorted(set(rows["within"]))
    table: dict[tuple, dict] = {}
    for row in rows.itertuples():
        table.setdefault((row.held_by, row.status), {})[row.within] = row.area_km2
    records = [{"held_by": side, "status": status, **{b: areas.get(b, 0.0) for b in borders}} for (side, status), areas in sorted(table.items())]
    return pd.DataFrame(records, columns=["held_by", "status", *borders])


#: Columns of a change table.
CHANGE_COLUMNS = ["held_by", "status", "within", "before_km2", "after_km2", "change_km2"]


def change_table(before: gpd.GeoDataFrame | None, after: gpd.GeoDataFrame, within=(ANYWHERE,), borders=None) -> pd.DataFrame:
    """Area per side and status before and after, and the difference (after − before).

    ``before`` is None for a layer's first snapshot: everything counts as new.
    """
    after_table = area_table(after, within, borders).rename(columns={"area_km2": "after_km2"})
    if before is None or not len(before):
        before_table = after_table.iloc[0:0].rename(columns={"after_km2": "before_km2"})
    else:
        before_table = area_table(before, within, borders).rename(columns={"area_km2": "before_km2"})
    table = before_table.merge(after_table, on=["held_by", "status", "within"], how="outer").fillna({"before_km2": 0.0, "after_km2": 0.0})
    table["change_km2"] = table["after_km2"] - table["before_km2"]
    return table.sort_values(["within", "held_by", "status"]).reset_index(drop=True)[CHANGE_COLUMNS]


def gained_and_lost(before: gpd.GeoDataFrame | None, after: gpd.GeoDataFrame, status: str = "held") -> gpd.GeoDataFrame:
    """Ground each side gained and lost between two snapshots, as polygons with their km².

    Returns
    -------
    GeoDataFrame
        Columns ``held_by, change`` ("gained" or "lost"), ``area_km2``, geometry; only
        non-empty changes.
    """
    rows = []
    sides = set(after.loc[after["status"] == status, "held_by"]) if len(after) else set()
    if before is not None and len(before):
        sides |= set(before.loc[before["status"] == status, "held_by"])
    for side in sorted(sides):
        new = _dissolved(after, side, status)
        old = _dissolved(before, side, status) if before is not None else None
        for change, geom in (("gained", _difference(new, old)), ("lost", _difference(old, new))):
            if geom is not None and not geom.is_empty and area_km2([geom])[0] > 0:
                rows.append({"held_by": side, "change": change, "area_km2": float(area_km2([geom])[0]), "geometry": geom})
    return gpd.GeoDataFrame(rows, columns=["held_by", "change", "area_km2", "geometry"], geometry="geometry", crs="EPSG:4326")


def _dissolved(features, side, status):
    if features is None or not len(features):
        return None
    chosen = features[(features["held_by"] == side) & (features["status"] == status)]
    return shapely.union_all(shapely.make_valid(chosen.geometry.values)) if len(chosen) else None


def _difference(a, b):
    if a is None:
        return None
    if b is None:
        return _polygonal_part(a)
    return _polygonal_part(shapely.difference(a, b))
