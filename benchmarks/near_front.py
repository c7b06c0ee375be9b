"""Count generated events near the front of the 769-day DeepStateMap archive, and list them.

Run from the repository root::

    python benchmarks/near_front.py [--events N] [--days D] [FOLDER]

FOLDER defaults to ``../shared/data/deepstate-occupied-daily``. The archive is imported
into a temporary SQLite store (``import --held-by RU --status held --source
DeepStateMap``, not timed), then N events (default 20,000) are generated over D days
(default 60, from 2025-07-01) within about 30 km of the outline of the snapshot of
2025-08-01 and imported as an events layer. Timed, in this process: ``near_front`` with
no front cached (each day's snapshot read and its front computed), the same again with
the fronts cached, and the CSV and GeoJSON listings of every event.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import shapely

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from layers import nearfront  # noqa: E402  (the repository root must be importable first)
from layers.__main__ import main  # noqa: E402
from layers.store import Store  # noqa: E402

DEFAULT_FOLDER = ROOT.parent / "shared" / "data" / "deepstate-occupied-daily"
TERRITORY = "Occupied Ukraine (DeepStateMap)"
EVENTS = "Generated events"
FIRST_DAY = dt.date(2025, 7, 1)


def generated_events(outline_file: Path, count: int, days: int) -> dict:
    """``count`` events within about 30 km of the outline in ``outline_file``, over ``days`` days."""
    random.seed(16)
    collection = json.loads(outline_file.read_text(encoding="utf-8"))
    ground = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in collection["features"]])
    outline = ground.boundary
    features = []
    for number in range(count):
        point = outline.interpolate(random.random(), normalized=True)
        day = FIRST_DAY + dt.timedelta(days=random.randrange(days))
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Point",
                    "coordinates": [
                        round(point.x + random.uniform(-0.3, 0.3), 5),
                        round(point.y + random.uniform(-0.2, 0.2), 5),
                    ],
                },
                "properties": {
                    "id": f"g{number}",
                    "kind": "strike",
                    "occurred_on": day.isoformat(),
                    "title": f"generated event {number}",
                    "source": "benchmark",
                    "confidence": "claimed",
                    "frp": round(random.uniform(0, 50), 1),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def timed(label: str, action) -> float:
    started = time.perf_counter()
    action()
    seconds = time.perf_counter() - started
    print(f"{label}: {seconds:.2f} s")
    return seconds


def main_benchmark() -> None:
    arguments = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    arguments.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    arguments.add_argument("--events", type=int, default=20_000)
    arguments.add_argument("--days", type=int, default=60)
    options = arguments.parse_args()
    files = sorted(options.folder.glob("*.geojson"))
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        print(f"importing {len(files)} snapshots ...")
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            main(
                ["import", "--db", url, "--layer", TERRITORY, "--held-by", "RU", "--status", "held"]
                + ["--source", "DeepStateMap", *map(str, files)]
            )
        outline_file = next(f for f in files if "20250801" in f.name)
        events_file = Path(folder) / "events.geojson"
        events_file.write_text(json.dumps(generated_events(outline_file, options.events, options.days)))
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            main(
                [
                    "import",
                    "--db",
                    url,
                    "--layer",
                    EVENTS,
                    "--kind",
                    "events",
                    "--as-of",
                    "2025-09-01",
                    str(events_file),
                ]
            )
        store = Store(url)
        counts = {}

        def count() -> None:
            counts["table"] = nearfront.near_front(store, EVENTS, TERRITORY, 10.0)

        timed(f"near_front, {options.events:,} events over {options.days} days, no front cached", count)
        timed("near_front again, fronts cached", count)
        table = counts["table"]
        print(
            f"  {int(table['near_front'].sum()):,} near of {int(table['events'].sum()):,}; "
            + ", ".join(f"{c} {int(table[c].sum()):,}" for c in nearfront.COUNT_COLUMNS)
        )
        for form in ("csv", "geojson"):

            def listing(form: str = form) -> None:
                with contextlib.redirect_stdout(io.StringIO()):
                    main(["events", "--db", url, "--layer", EVENTS, "--format", form])

            timed(f"events --format {form}, every event", listing)
        store.close()


if __name__ == "__main__":
    main_benchmark()
