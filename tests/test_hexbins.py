"""Hexagonal bins (``layers.hexbins``): each point in the hexagon of the nearest centre."""

from __future__ import annotations

import math

import numpy as np
import pytest

from layers import hexbins


def test_hexagon_bins_hold_each_point_in_its_nearest_centre():
    rng = np.random.default_rng(7)
    x, y = rng.uniform(-50_000, 50_000, 5000), rng.uniform(-30_000, 30_000, 5000)
    width = 5000.0
    cx, cy, counts = hexbins.hex_bins(x, y, width)
    assert counts.sum() == 5000
    # Independently: each point's nearest centre among every centre of the grid near it.
    radius = width / math.sqrt(3)
    q, r = np.meshgrid(np.arange(-30, 31), np.arange(-30, 31))
    gx = (radius * math.sqrt(3) * (q + r / 2)).ravel()
    gy = (radius * 1.5 * r).ravel()
    nearest = np.argmin((x[:, None] - gx) ** 2 + (y[:, None] - gy) ** 2, axis=1)
    cells, expected = np.unique(nearest, return_counts=True)
    reference = dict(zip(zip(np.round(gx[cells]), np.round(gy[cells]), strict=True), expected, strict=True))
    found = dict(zip(zip(np.round(cx), np.round(cy), strict=True), counts, strict=True))
    assert found == reference
    corners = hexbins.hexagon(width)
    assert np.ptp(corners[:, 0]) == pytest.approx(width), "width across the flats"


def test_no_points_no_bins():
    cx, cy, counts = hexbins.hex_bins(np.empty(0), np.empty(0), 1000.0)
    assert len(cx) == len(cy) == len(counts) == 0
