"""The reader's timeline as static files that the browser draws from: a "pack".

The reader's map draws any date itself (``static/js/frontline/``): it is given a pack once
and needs no Python run per step. A pack is a folder of gzip-compressed JSON files, the
same for every reader of a store revision, served by the app's static file serving (and,
unchanged, by any web server or CDN):

``index.json.gz``
    The timeline: its first and last day, the levels of detail, and for every territory
    layer its snapshot dates, stale threshold, km² per side, status and border of every
    snapshot (from the stored areas: geodesic, full detail), and its chunks; every events
    layer's events; the milestones; the zone styles and labels.
``t<layer>-l<level>-c<chunk>.json.gz``
    ``CHUNK_SNAPSHOTS`` consecutive snapshots of one layer at one level of detail
    (``mapview.DETAILS``): each distinct ring once, encoded (``encoding.encode_ring``), and
    each snapshot's zones as indexes into them. Consecutive days share most rings.
``ready``
    Written last: every file listed in the index is there.

Strings from the data (sources, notes, titles) travel as plain JSON strings: the browser
puts them in the page with ``textContent``, never as markup.

Chunk files are written in the order a reader is likely to need them (the default zoom's
level first, latest first), so that a pack being built already serves the default view;
the browser retries a file that is not there yet. Building is idempotent (files already
there are kept), runs in a child process, and one process at a time builds a pack
(``ensure``: a lock file).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import gzip
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .. import events as events_mod
from .. import schema, style
from ..categories import CATEGORY_LABELS, category_label, held_names
from ..store import Store
from .display import DETAILS, HOME_ZOOM, Detail, detail_for_zoom, display_geometries
from .encoding import encode_ring

__all__ = [
    "CHUNK_SNAPSHOTS",
    "Selection",
    "FORMAT",
    "MIN_STALE_DAYS",
    "build",
    "chunk_file",
    "ensure",
    "main",
    "pack_key",
    "read_json",
    "stale_days",
]

#: The pack's layout; part of its folder's name, so a pack built by an older version is
#: built again, not reused (2: zones carry their category, layers their ``held_names``).
FORMAT = 2
#: Snapshots per chunk file: 64 daily snapshots of the 769-day archive are ~20 KB
#: compressed at full detail (``benchmarks/README.md``).
CHUNK_SNAPSHOTS = 64
#: A layer is stale on a date when its latest snapshot is older than three times its
#: median spacing, and never sooner than this.
MIN_STALE_DAYS = 7
#: Old packs are removed once a newer one is complete and they are this old (readers who
#: loaded one keep it that long).
KEEP_OLD_PACKS_S = 3600.0
#: A build taking longer than this is stopped (and tried again at a later page view).
BUILD_TIMEOUT_S = 1800
_ROOT = Path(__file__).resolve().parents[2]
_ORDER = {"contested": 0, "held": 1, "claimed": 2}


def pack_key(revision: str) -> str:
    """The folder name of a store revision's pack (``Store.revision``)."""
    return hashlib.sha256(f"{FORMAT}|{revision}".encode()).hexdigest()[:20]


def chunk_file(layer: int, level: int, chunk: int) -> str:
    return f"t{layer}-l{level}-c{chunk}.json.gz"


def stale_days(dates: Sequence[dt.date]) -> int:
    """Days after a snapshot when a layer counts as stale: three times the median spacing of
    its snapshots, and at least ``MIN_STALE_DAYS`` (a single snapshot: the minimum)."""
    ordered = sorted(dates)
    gaps = [(b - a).days for a, b in zip(ordered[:-1], ordered[1:], strict=True)]
    if not gaps:
        return MIN_STALE_DAYS
    return max(MIN_STALE_DAYS, int(round(3 * statistics.median(gaps))))


def _write(path: Path, value: Any) -> int:
    """``value`` as compact gzip JSON at ``path``, atomically; its size in bytes."""
    data = gzip.compress(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode(), 6, mtime=0)
    temp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    temp.write_bytes(data)
    os.replace(temp, path)
    return len(data)


def read_json(path: Path) -> Any:
    """A pack file's content (for tests and tools)."""
    return json.loads(gzip.decompress(path.read_bytes()))


@dataclass(frozen=True)
class Selection:
    """What a pack holds: the territory and events layers (None: every one) and the days
    from ``start`` to ``end``, both included (None: open); a layer keeps the snapshot shown
    on ``start`` (its latest on or before it) as well, so that the first day has a map.
    The app's packs hold everything; a published site (:mod:`layers.publish`) what its
    ``--layer``, ``--events``, ``--from`` and ``--to`` ask for."""

    layers: tuple[str, ...] | None = None
    events: tuple[str, ...] | None = None
    start: dt.date | None = None
    end: dt.date | None = None

    def holds(self, day: dt.date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class _Layer:
    name: str
    dates: list[dt.date]
    versions: list[int]
    sha256: list[str]


def _styles() -> dict[str, dict[str, Any]]:
    """Leaflet path options and the label of every side and status, by ``"SIDE|status"``."""
    out = {}
    for side in [*schema.SIDES, "?"]:
        for status in schema.STATUSES:
            out[f"{side}|{status}"] = {
                "style": style.territory_style(side, status),
                "label": style.zone_label(side, status),
                "side": side,
                "status": status,
            }
    return out


def _areas(store: Store, layer: _Layer) -> dict[str, Any]:
    """The layer's stored km² by ``"side|status|within"`` key, one row per snapshot."""
    if not layer.dates:
        return {"keys": [], "rows": [], "method": ""}
    frame = store.area_series(layer.name)
    frame = frame[frame["as_of"].isin(layer.dates)]
    keys = sorted(
        dict.fromkeys(
            f"{s}|{t}|{w}" for s, t, w in zip(frame["held_by"], frame["status"], frame["within"], strict=True)
        )
    )
    position = {key: i for i, key in enumerate(keys)}
    row_of = {d: i for i, d in enumerate(layer.dates)}
    rows: list[list[float | None]] = [[None] * len(keys) for _ in layer.dates]
    for as_of, side, status, within, km2 in zip(
        frame["as_of"], frame["held_by"], frame["status"], frame["within"], frame["area_km2"], strict=True
    ):
        rows[row_of[as_of]][position[f"{side}|{status}|{within}"]] = round(float(km2), 1)
    methods = sorted(set(frame["method"].astype(str)))
    return {"keys": keys, "rows": rows, "method": "; ".join(methods)}


def _held_names(store: Store, layer: _Layer) -> dict[str, Any]:
    """``held_names``: per snapshot, what each side's held ground is called when its features
    carry a mapping project's categories (``layers.categories.held_names``), else None; no
    key at all for a layer without categories."""
    found = store.categorised(layer.versions)
    if not found:
        return {}
    return {"held_names": [held_names(found[v]) or None if v in found else None for v in layer.versions]}


def _events(store: Store, name: str, selection: Selection) -> dict[str, Any]:
    """An events layer as columns (dates, coordinates, and the text its symbols show)."""
    frame = events_mod.all_events(store, name)
    if len(frame):
        frame = frame[[selection.holds(day) for day in frame["occurred_on"]]]
    points = frame.geometry.values if len(frame) else []
    columns: dict[str, list[Any]] = {
        "date": [d.isoformat() for d in frame["occurred_on"]],
        "lon": [round(float(p.x), 5) if p is not None and not p.is_empty else None for p in points],
        "lat": [round(float(p.y), 5) if p is not None and not p.is_empty else None for p in points],
    }
    for field in ("kind", "title", "confidence", "place", "source", "weapon", "target"):
        values = frame[field] if field in frame else pd.Series([None] * len(frame))
        columns[field] = [
            "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v) for v in values
        ]
    return {"name": name, "columns": columns}


def _milestones(store: Store, selection: Selection) -> list[dict[str, str]]:
    frame = store.milestones()
    return [
        {"date": pd.Timestamp(d).date().isoformat(), "title": str(t), "source": str(s)}
        for d, t, s in zip(frame["date"], frame["title"], frame["source"], strict=True)
        if selection.holds(pd.Timestamp(d).date())
    ]


def _chunks(count: int) -> list[tuple[int, int]]:
    """``[first, last]`` snapshot positions of each chunk of a layer with ``count`` snapshots."""
    return [(first, min(first + CHUNK_SNAPSHOTS, count) - 1) for first in range(0, count, CHUNK_SNAPSHOTS)]


def _index(
    store: Store, layers: list[_Layer], event_layers: list[str], selection: Selection
) -> dict[str, Any]:
    days = [d for layer in layers for d in layer.dates]
    return {
        "format": FORMAT,
        "days": [min(days).isoformat(), max(days).isoformat()] if days else [],
        "levels": [{"level": d.level, "max_zoom": d.max_zoom} for d in DETAILS],
        "styles": _styles(),
        # A zone's category (DeepStateMap's own) names it in the tooltip: labels as data.
        "category_labels": dict(CATEGORY_LABELS),
        "layers": [
            {
                "name": layer.name,
                "dates": [d.isoformat() for d in layer.dates],
                "stale_days": stale_days(layer.dates),
                "areas": _areas(store, layer),
                **_held_names(store, layer),
                "chunks": {
                    str(d.level): [
                        {"first": first, "last": last, "file": chunk_file(number, d.level, c)}
                        for c, (first, last) in enumerate(_chunks(len(layer.dates)))
                    ]
                    for d in DETAILS
                },
            }
            for number, layer in enumerate(layers)
        ],
        "events": [_events(store, name, selection) for name in event_layers],
        "milestones": _milestones(store, selection),
    }


def _snapshot_zones(features: gpd.GeoDataFrame, detail: Detail, rings: dict[str, int]) -> list[list[Any]]:
    """A snapshot's zones at ``detail``: ``[style key, source, note, polygons]``, each
    polygon a list of ring positions in ``rings`` (added to as new rings are met), outer
    ring first, then the zone's category (``schema.CATEGORIES``) if it has one.
    Contested zones first and claimed areas last, as the map draws them."""
    if not len(features):
        return []
    records = features.drop(columns=features.geometry.name).to_dict("records")
    ranks = sorted(range(len(records)), key=lambda i: _ORDER.get(records[i].get("status"), 3))
    geometries = np.asarray(features.geometry.values, dtype=object)[ranks]
    records = [records[i] for i in ranks]
    groups = ["claimed" if r.get("status") == "claimed" else "ground" for r in records]
    shapes = display_geometries(geometries, groups, detail)
    zones = []
    for record, shape in zip(records, shapes, strict=True):
        if shape is None or shape.is_empty:
            continue
        parts = getattr(shape, "geoms", [shape])
        polygons = []
        for part in parts:
            if part.geom_type != "Polygon" or part.is_empty:
                continue
            polygon = []
            for ring in (part.exterior, *part.interiors):
                text = encode_ring(np.asarray(ring.coords), detail.decimals)
                polygon.append(rings.setdefault(text, len(rings)))
            polygons.append(polygon)
        if polygons:
            side = str(record.get("held_by"))
            key = f"{side if side in schema.SIDES else '?'}|{record.get('status')}"
            zone = [key, str(record.get("source") or ""), str(record.get("note") or ""), polygons]
            category = record.get("category")
            zones.append([*zone, category] if category_label(category) is not None else zone)
    return zones


def _write_chunk(
    store: Store, out: Path, number: int, layer: _Layer, detail: Detail, chunk: int, span: tuple[int, int]
) -> None:
    path = out / chunk_file(number, detail.level, chunk)
    if path.exists():
        return
    rings: dict[str, int] = {}
    snapshots = [
        _snapshot_zones(store.features(layer.versions[i]), detail, rings) for i in range(span[0], span[1] + 1)
    ]
    _write(path, {"first": span[0], "p": detail.decimals, "rings": list(rings), "snapshots": snapshots})


def _plan(layers: list[_Layer]) -> list[tuple[int, int, int, tuple[int, int]]]:
    """Every chunk as ``(layer, level, chunk, span)``: the level of the default zoom first
    (latest chunks first), then the others, nearest to it first."""
    default = detail_for_zoom(HOME_ZOOM).level
    levels = sorted((d.level for d in DETAILS), key=lambda level: (abs(level - default), level))
    jobs = []
    for number, layer in enumerate(layers):
        for chunk, span in enumerate(_chunks(len(layer.dates))):
            for rank, level in enumerate(levels):
                jobs.append((rank, -chunk, number, level, chunk, span))
    return [
        (number, level, chunk, span) for _, _, number, level, chunk, span in sorted(jobs, key=lambda j: j[:3])
    ]


def _code_digest() -> str:
    """A digest of the code that draws a chunk: a chunk built by other code is not reused."""
    digest = hashlib.sha256(f"{FORMAT}|{CHUNK_SNAPSHOTS}".encode())
    for name in ("pack.py", "display.py", "encoding.py"):
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()


def chunk_source(store: Store, layer: _Layer, detail: Detail, span: tuple[int, int], code: str) -> str:
    """What a chunk is made from, as a digest: the store, the layer, the level of detail,
    each snapshot's version and imported file, and the code that draws it. Two chunks with
    the same source have the same bytes."""
    parts = [code, store.display_url, layer.name, str(detail.level), str(detail.decimals)]
    for i in range(span[0], span[1] + 1):
        parts.append(f"{layer.dates[i].isoformat()}:{layer.versions[i]}:{layer.sha256[i]}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _layers(store: Store, selection: Selection) -> list[_Layer]:
    layers = []
    for info in store.layers():
        if info.kind != "territory" or (selection.layers is not None and info.name not in selection.layers):
            continue
        heads = store.heads(info.name)
        files = store.history(info.name).set_index("version_id")["sha256"]
        # From the snapshot shown on the first day (the latest on or before it) on.
        earlier = [day for day in heads["as_of"] if selection.start is not None and day <= selection.start]
        shown_first = max(earlier) if earlier else None
        kept = [selection.holds(day) or day == shown_first for day in heads["as_of"]]
        heads = heads[kept] if len(heads) else heads
        versions = [int(v) for v in heads["version_id"]]
        layers.append(
            _Layer(info.name, list(heads["as_of"]), versions, [str(files.get(v, "")) for v in versions])
        )
    return layers


def build(
    store: Store,
    out: Path,
    *,
    progress: Callable[[str], None] | None = None,
    selection: Selection | None = None,
    skip: Callable[[str], bool] | None = None,
) -> Path:
    """Write the pack of ``store``'s current revision into ``out`` (created), files already
    there kept; ``ready`` last. Returns ``out``.

    ``selection`` limits the layers and days (default: all). With ``skip``, ``sources.json``
    maps every chunk file to its source (:func:`chunk_source`), and a chunk whose source
    ``skip`` accepts is not built (a publish that has it already, :mod:`layers.publish`).
    """
    selection = selection or Selection()
    out.mkdir(parents=True, exist_ok=True)
    layers = _layers(store, selection)
    event_layers = [
        info.name
        for info in store.layers()
        if info.kind == "events" and (selection.events is None or info.name in selection.events)
    ]
    if not (out / "index.json.gz").exists():
        _write(out / "index.json.gz", _index(store, layers, event_layers, selection))
    details = {d.level: d for d in DETAILS}
    jobs = _plan(layers)
    code = _code_digest() if skip else ""
    sources = {}
    for done, (number, level, chunk, span) in enumerate(jobs, 1):
        if skip is not None:
            source = chunk_source(store, layers[number], details[level], span, code)
            sources[chunk_file(number, level, chunk)] = source
            if skip(source):
                continue
        _write_chunk(store, out, number, layers[number], details[level], chunk, span)
        if progress:
            progress(f"pack: {done}/{len(jobs)} chunks")
    if skip is not None:
        (out / "sources.json").write_text(json.dumps(sources, indent=0, sort_keys=True))
    (out / "ready").write_text(f"{len(jobs)} chunks\n")
    return out


#: Packs this process is building (``ensure`` starts at most one build of each).
_running: dict[Path, threading.Thread] = {}
_guard = threading.Lock()


def _prune(root: Path, keep: Path) -> None:
    """Remove packs other than ``keep`` that are complete and older than ``KEEP_OLD_PACKS_S``."""
    now = time.time()
    for folder in root.iterdir():
        ready = folder / "ready"
        if (
            folder != keep
            and folder.is_dir()
            and ready.exists()
            and now - ready.stat().st_mtime > KEEP_OLD_PACKS_S
        ):
            shutil.rmtree(folder, ignore_errors=True)


def _build_locked(
    store: Store, root: Path, out: Path, lock_path: Path, on_error: Callable[[BaseException], None]
) -> None:
    """Build unless another process holds the pack's lock (it builds it, then)."""
    try:
        with open(lock_path, "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # another process builds it; the browser waits for its files
            build(store, out)
            _prune(root, out)
    except Exception as error:  # noqa: BLE001 - reported, and the next visit tries again
        on_error(error)


def _spawn(url: str, root: Path, revision: str, on_error: Callable[[BaseException], None]) -> None:
    """Build in a child process, at a lower priority than the app's readers, and wait for
    it (in this thread): a build is ~50 s of one core on a 769-day archive, which in the
    app's own process would hold its interpreter lock against every reader's run."""
    out = root / pack_key(revision)
    environment = dict(os.environ)
    environment["PYTHONPATH"] = os.pathsep.join(p for p in (str(_ROOT), environment.get("PYTHONPATH")) if p)
    try:
        result = subprocess.run(
            [sys.executable, "-m", "layers.mapview.pack", url, str(root), revision],
            env=environment,
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT_S,
            check=False,
        )
        if result.returncode != 0:
            on_error(
                RuntimeError(
                    f"the pack build exited with status {result.returncode}: {result.stderr[-2000:]}"
                )
            )
    except (OSError, subprocess.SubprocessError) as error:
        on_error(error)
    finally:
        with _guard:
            _running.pop(out, None)


def ensure(
    store: Store,
    root: Path,
    revision: str,
    *,
    wait: bool = False,
    on_error: Callable[[BaseException], None] = lambda error: None,
) -> Path:
    """The folder of ``revision``'s pack under ``root``; if it is not complete and no
    process builds it already, a build starts in a child process (``wait``: in this
    thread instead, and done on return). A build reads the store as it is then: a write
    in between gives a new revision, and so a new pack, at the next page view."""
    out = root / pack_key(revision)
    if (out / "ready").exists():
        return out
    out.mkdir(parents=True, exist_ok=True)
    if wait:
        _build_locked(store, root, out, root / f".{out.name}.lock", on_error)
        return out
    with _guard:
        if out in _running:
            return out
        thread = threading.Thread(
            target=_spawn, args=(store.url, root, revision, on_error), name=f"pack-{out.name}", daemon=True
        )
        _running[out] = thread
        thread.start()
    return out


def main(argv: Sequence[str]) -> int:
    """``python -m layers.mapview.pack STORE_URL ROOT REVISION``: what ``ensure`` runs."""
    with contextlib.suppress(OSError):
        os.nice(10)
    url, root, revision = argv
    out = Path(root) / pack_key(revision)
    out.mkdir(parents=True, exist_ok=True)
    errors: list[BaseException] = []
    _build_locked(Store(url), Path(root), out, Path(root) / f".{out.name}.lock", errors.append)
    for error in errors:
        sys.stderr.write(f"building the timeline pack in {out} failed: {error!r}\n")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
