"""The bundled country borders, and geometries clipped to one of them."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from ..errors import InvalidInputError
from .measure import Geometries

__all__ = ["BORDERS_PATH", "BORDERS_SOURCE", "clip_to_country", "country_border", "load_borders"]

BORDERS_PATH = Path(__file__).resolve().parents[2] / "geodata" / "borders.geojson"
BORDERS_SOURCE = "Natural Earth 1:10m admin-0 (world-atlas 2.0.2), Crimea assigned to Ukraine"


@lru_cache(maxsize=4)
def load_borders(path: Path = BORDERS_PATH) -> gpd.GeoDataFrame:
    """The bundled country borders, indexed by ISO 3166-1 alpha-3 code."""
    borders = gpd.read_file(path).set_index("iso3")
    borders["geometry"] = shapely.make_valid(borders.geometry.values)
    return borders


def country_border(iso3: str, borders: gpd.GeoDataFrame | None = None) -> BaseGeometry:
    """The border polygon of one country.

    Parameters
    ----------
    iso3 : str
        ISO 3166-1 alpha-3 code, any case, surrounding spaces ignored.
    borders : GeoDataFrame, optional
        Borders indexed by that code; the bundled ones (:func:`load_borders`) by default.

    Raises
    ------
    InvalidInputError
        If the borders do not include that country.
    """
    borders = load_borders() if borders is None else borders
    code = iso3.strip().upper()
    if code not in borders.index:
        known = ", ".join(sorted(borders.index))
        raise InvalidInputError(
            f"--within {iso3!r}: no border for that ISO 3166-1 alpha-3 code; use one of {known}."
        )
    return borders.geometry.loc[code]


def clip_to_country(geoms: Geometries, iso3: str, borders: gpd.GeoDataFrame | None = None) -> np.ndarray:
    """Each geometry, repaired, intersected with a country's border (:func:`country_border`)."""
    border = country_border(iso3, borders)
    shapely.prepare(border)
    return shapely.intersection(shapely.make_valid(np.asarray(geoms, dtype=object)), border)
