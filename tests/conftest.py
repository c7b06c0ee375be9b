"""Shared fixtures: tiny stores built in code, and where the real reference data lives."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

from layers.store import NewSnapshot, Store

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def territory(features: list[tuple]) -> gpd.GeoDataFrame:
    """GeoDataFrame from ``(geometry, held_by, status, source)`` tuples."""
    return gpd.GeoDataFrame(
        {"held_by": [f[1] for f in features], "status": [f[2] for f in features], "source": [f[3] for f in features]},
        geometry=[f[0] for f in features],
        crs="EPSG:4326",
    )


def snapshot(layer: str, as_of: str, features: list[tuple], kind: str = "territory") -> NewSnapshot:
    return NewSnapshot(layer=layer, as_of=dt.date.fromisoformat(as_of), features=territory(features), sha256="0" * 64, kind=kind)


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'test.db'}")


@pytest.fixture
def two_snapshot_store(store) -> Store:
    """A layer 'Test' with snapshots on 2024-08-10 and 2024-08-20 across the RU-UA border near Sudzha."""
    small = shapely.box(35.10, 51.00, 35.30, 51.25)
    large = shapely.box(35.00, 50.95, 35.45, 51.35)
    store.write(
        [
            snapshot("Test", "2024-08-10", [(small, "UA", "held", "test source A")]),
            snapshot("Test", "2024-08-20", [(large, "UA", "held", "test source B"), (shapely.box(35.45, 51.0, 35.55, 51.3), "UA", "contested", "test")]),
        ],
        actor="test",
    )
    return store
