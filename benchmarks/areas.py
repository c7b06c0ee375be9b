"""Time ``area_km2`` (equal-area projection plus edge term) against ``geodesic_area_km2`` (pyproj.Geod).

Run from the repository root::

    python benchmarks/areas.py [--limit N] [--repeat R] [FOLDER]

FOLDER defaults to ``../shared/data/deepstate-occupied-daily``; the first N files (50) are
used. Each snapshot is measured as the import measures it: its features dissolved into
one geometry (as ``area_table`` does), then three areas: unclipped, clipped to Russia and
clipped to Ukraine. Reading and clipping happen before the clock starts; both methods get
the same geometries, three per call as in ``area_table``. Each timing is the best of R
runs (5), the two methods taking turns, so that other load on the machine counts as little
as possible. Prints ms per snapshot for each method, the speed-up, and the largest
relative difference.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pyogrio
import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from layers.areas import area_km2, clip_to_country, geodesic_area_km2  # noqa: E402  (the repository root must be importable first)

DEFAULT_FOLDER = ROOT.parent / "shared" / "data" / "deepstate-occupied-daily"
WITHIN = ("", "RUS", "UKR")


def snapshot_geometries(files: list[Path]) -> list[np.ndarray]:
    """Per snapshot: the dissolved geometry, unclipped and clipped to each border."""
    batches = []
    for path in files:
        dissolved = shapely.union_all(shapely.make_valid(pyogrio.read_dataframe(path).geometry.values))
        geoms = np.array([dissolved], dtype=object)
        batches.append(
            np.concatenate([geoms if code == "" else clip_to_country(geoms, code) for code in WITHIN])
        )
    return batches


def seconds(function, batches: list[np.ndarray]) -> tuple[float, list[np.ndarray]]:
    """Seconds for one run over every batch, and the areas."""
    started = time.perf_counter()
    results = [function(batch) for batch in batches]
    return time.perf_counter() - started, results


def best_seconds(functions, batches: list[np.ndarray], repeat: int) -> list[tuple[float, list[np.ndarray]]]:
    """Per function, the fastest of ``repeat`` runs and its areas; runs alternate, so both
    see the same load."""
    best = [(float("inf"), [])] * len(functions)
    for _ in range(repeat):
        for i, function in enumerate(functions):
            best[i] = min(best[i], seconds(function, batches), key=lambda timed: timed[0])
    return best


def run(folder: Path, limit: int, repeat: int) -> None:
    files = sorted(folder.glob("*.geojson"))[:limit]
    if not files:
        print(f"No *.geojson in {folder}: nothing to time.")
        return
    batches = snapshot_geometries(files)
    vertices = np.mean([shapely.get_num_coordinates(batch[0]) for batch in batches])
    (old_seconds, old), (new_seconds, new) = best_seconds([geodesic_area_km2, area_km2], batches, repeat)
    old_areas, new_areas = np.concatenate(old), np.concatenate(new)
    measured = old_areas > 0
    relative = np.abs(new_areas[measured] - old_areas[measured]) / old_areas[measured]
    per_border = np.abs(new_areas - old_areas).reshape(-1, len(WITHIN)) / np.where(
        old_areas > 0, old_areas, np.nan
    ).reshape(-1, len(WITHIN))
    count = len(files)
    print(
        f"{count} snapshots from {folder} ({vertices:,.0f} vertices each on average), "
        f"3 areas each (unclipped, RUS, UKR); best of {repeat}"
    )
    print(f"  old, geodesic_area_km2 (pyproj.Geod): {old_seconds / count * 1e3:7.2f} ms per snapshot")
    print(f"  new, area_km2 (EPSG:6933 + edge term): {new_seconds / count * 1e3:7.2f} ms per snapshot")
    print(f"  speed-up: {old_seconds / new_seconds:.1f}x")
    print(f"  max relative difference: {relative.max():.1e} over {measured.sum()} non-zero areas")
    for code, worst in zip(WITHIN, np.nanmax(per_border, axis=0), strict=True):
        print(f"    {code or 'unclipped':9s} {worst:.1e}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--limit", type=int, default=50, help="number of files, in name order (default 50)")
    parser.add_argument(
        "--repeat", type=int, default=5, help="runs per method; the fastest counts (default 5)"
    )
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"Skipped: {args.folder} is absent (the shared DeepStateMap archive is not on this machine).")
        return 0
    run(args.folder, args.limit, args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
