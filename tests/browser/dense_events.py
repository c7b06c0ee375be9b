"""A store with thousands of events for the map's browser tests (``seed_dense_events``).

The events are spread over ``DAYS`` days ending on the embedded Kursk layer's last
snapshot, around the Kursk salient, with every kind and confidence, and sources and
titles that try to inject markup (``HOSTILE_EVENT_SOURCE``): the map must draw them
as thousands of points and show those strings as text.
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np

from layers import schema
from layers.ingest import seed_default_data, sha256
from layers.store import NewSnapshot, Store
from layers.validation import validate

__all__ = [
    "DENSE_LAST",
    "DENSE_LAYER",
    "DAYS",
    "HOSTILE_EVENT_SOURCE",
    "HOSTILE_EVENT_TITLE",
    "dense_events",
    "seed_dense_events",
]

DENSE_LAYER = "Dense events <b>test</b>"
DENSE_LAST = dt.date(2025, 3, 31)
DAYS = 10
HOSTILE_EVENT_SOURCE = '<img src=x onerror="window.__xss=11">Source & "quotes"'
HOSTILE_EVENT_TITLE = "<script>window.__xss=12</script>Title"
#: Where the events fall: the Kursk salient and the border around it (lon, lat).
BOX = (34.6, 50.9, 36.0, 51.6)


def dense_events(count: int, seed: int = 16) -> dict:
    """A GeoJSON FeatureCollection of ``count`` events (``schema.EVENT``)."""
    rng = np.random.default_rng(seed)
    kinds = sorted(schema.EVENT_KINDS)
    confidences = sorted(schema.CONFIDENCES)
    sources = ["Source A", "Source B", HOSTILE_EVENT_SOURCE]
    lon = rng.uniform(BOX[0], BOX[2], count)
    lat = rng.uniform(BOX[1], BOX[3], count)
    features = []
    for i in range(count):
        day = DENSE_LAST - dt.timedelta(days=int(i % DAYS))
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(lon[i], 5), round(lat[i], 5)]},
                "properties": {
                    "id": f"dense-{i}",
                    "kind": kinds[i % len(kinds)],
                    "occurred_on": day.isoformat(),
                    "title": HOSTILE_EVENT_TITLE if i % 7 == 0 else f"Event {i}",
                    "source": sources[i % len(sources)],
                    "confidence": confidences[i % len(confidences)],
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def seed_dense_events(url: str, count: int = 3000) -> None:
    """The embedded data plus ``DENSE_LAYER``: ``count`` events through validation."""
    store = Store(url)
    seed_default_data(store)
    raw = json.dumps(dense_events(count)).encode()
    report = validate(raw, schema.EVENT, name="dense-events.geojson")
    assert report.ok, report.summary()
    store.write(
        [
            NewSnapshot(
                DENSE_LAYER,
                DENSE_LAST,
                report.features,
                sha256(raw),
                kind="events",
                description="Generated events for the map's tests",
                file_name="dense-events.geojson",
            )
        ],
        actor="test",
    )
