"""Hexagonal bins of points in a plane (metres): the density drawing of dense events,
shared by slides and time-lapses (:mod:`layers.render.events`) and the presentation map
(:mod:`layers.mapview.groups`). NumPy only.

Pointy-top hexagons ``width_m`` across the flats, on a grid anchored at (0, 0): points are
binned to the nearest hexagon centre by cube rounding of axial coordinates.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["hex_bins", "hexagon"]


def hexagon(width_m: float) -> np.ndarray:
    """The corners of a pointy-top hexagon ``width_m`` across the flats, around (0, 0)."""
    radius = width_m / math.sqrt(3)
    angles = np.radians(np.arange(6) * 60 + 30)
    return np.column_stack([radius * np.cos(angles), radius * np.sin(angles)])


def hex_bins(x: np.ndarray, y: np.ndarray, width_m: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Centres ``(cx, cy)`` and counts of the pointy-top hexagons ``width_m`` across holding the points.

    The grid is anchored at (0, 0), the view's centre, so every frame of a view bins alike.
    """
    if not len(x):
        return np.empty(0), np.empty(0), np.empty(0, dtype=int)
    radius = width_m / math.sqrt(3)
    q = (math.sqrt(3) / 3 * x - y / 3) / radius
    r = (2 / 3 * y) / radius
    # Cube rounding: the nearest hexagon centre in axial coordinates.
    s = -q - r
    rq, rr, rs = np.round(q), np.round(r), np.round(s)
    dq, dr, ds = np.abs(rq - q), np.abs(rr - r), np.abs(rs - s)
    fix_q = (dq > dr) & (dq > ds)
    fix_r = ~fix_q & (dr > ds)
    rq = np.where(fix_q, -rr - rs, rq)
    rr = np.where(fix_r, -rq - rs, rr)
    cells, counts = np.unique(np.column_stack([rq, rr]).astype(np.int64), axis=0, return_counts=True)
    cx = radius * math.sqrt(3) * (cells[:, 0] + cells[:, 1] / 2)
    cy = radius * 1.5 * cells[:, 1]
    return cx, cy, counts
