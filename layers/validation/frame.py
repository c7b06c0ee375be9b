"""The features of a valid file as a GeoDataFrame, built without the constructor's overhead."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
from shapely.geometry.base import BaseGeometry

from ..caching import remember

_WGS84: pyproj.CRS | None = None
#: Recent property tables by their records (as JSON), for :func:`features_frame`: a daily
#: archive repeats the same properties file after file.
_TEMPLATES: dict[str, gpd.GeoDataFrame] = {}
_MAX_TEMPLATES = 16
_SCALARS = frozenset({str, int, float, bool, type(None)})


def features_frame(records: list[dict[str, Any]], geometries: Sequence[BaseGeometry]) -> gpd.GeoDataFrame:
    """``gpd.GeoDataFrame(records, geometry=geometries, crs="EPSG:4326")``, built at a fraction of its cost.

    The constructor spends most of its time checking and re-setting the geometry and its
    CRS; the frame is the same when the column is added as a GeometryArray that carries the
    CRS. Records seen in a recent file give a copy of that file's table (pandas copies on
    write, so the copies are independent) with the new geometries.

    Parameters
    ----------
    records : list of dict
        One record of properties per feature.
    geometries : sequence of shapely geometries
        One geometry per record, in longitude/latitude.

    Returns
    -------
    gpd.GeoDataFrame
        The records' columns and a ``geometry`` column, in EPSG:4326.
    """
    global _WGS84
    if not records or any("geometry" in record for record in records):
        return gpd.GeoDataFrame(records, geometry=geometries, crs="EPSG:4326")
    if _WGS84 is None:
        _WGS84 = pyproj.CRS.from_user_input("EPSG:4326")
    geometry = gpd.array.from_shapely(np.array(geometries, dtype=object), crs=_WGS84)
    key = None
    # Only plain values: a copy shares the template's objects, and a list or dict could be changed in place.
    if all(type(value) in _SCALARS for record in records for value in record.values()):
        key = json.dumps(records, ensure_ascii=False, allow_nan=True)  # tells 1, 1.0 and true apart
    template = _TEMPLATES.get(key) if key is not None else None
    if template is not None:
        frame = template.copy(deep=False)
        frame["geometry"] = geometry
        return frame
    frame = pd.DataFrame(records)
    frame["geometry"] = geometry
    frame = gpd.GeoDataFrame(frame, geometry="geometry")
    if key is not None:
        remember(_TEMPLATES, key, frame.copy(deep=False), _MAX_TEMPLATES)
    return frame


__all__ = ["features_frame"]
