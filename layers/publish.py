"""Publish the reader as static files that any web server or CDN can serve.

``python -m layers publish --out DIR`` writes a self-contained site: ``index.html`` (the
reader, with its title, method and sources, and each layer's credit and licence under it),
``embed.html`` (the map alone, for
iframes), ``manifest.json``, and under ``data/`` and ``assets/`` files whose names carry
a hash of their content, so that they can be cached forever:

``data/index.<hash>.json.gz`` and ``data/<chunk>.<hash>.json.gz``
    The timeline pack (:mod:`layers.mapview.pack`): the index (dates, km² per side,
    status and border of every snapshot, events, milestones) and the chunks of rings per
    layer and level of detail. The index names its chunks by their hashed names.
``data/areas.<hash>.csv``
    The area series: km² per side, status and border of every published snapshot
    (``date, layer, held_by, status, within, area_km2``, as ``python -m layers areas``).
``data/figures.<hash>.json`` and ``data/figures.<hash>.csv``
    The reported figures of the published layers, each beside the computed area for the
    same scope and date (:func:`layers.figures.compare`); the page shows those nearest
    the date on screen.
``data/events.<hash>.geojson``
    The published events layer's events (also in the pack's index, which the map draws).
``assets/<hash>/``
    The reader's ES modules (``js/frontline``, the same files the app serves: one source),
    Leaflet and the offline basemap; the folder's name is the hash of everything in it.
    Each compressible file has a ``.gz`` and a ``.br`` beside it (``gzip_static`` in nginx;
    object storage serves them with ``Content-Encoding``, see ``docs/deployment.md``).

``--from`` and ``--to`` limit the site to a span of days: each layer keeps its snapshots
dated in it and the one shown on the first day (its latest on or before it); events,
milestones and reported figures dated in the span.

Publishing again writes only files that are not there yet (a chunk whose snapshots did
not change keeps its name and is not rewritten, nor even built again: the manifest maps
each chunk's source, :func:`layers.mapview.pack.chunk_source`, to its file), then the two HTML pages, then
``manifest.json`` last (small, and not compressed, so that it swaps as one file), each
replaced atomically: a reader loading the site meanwhile
sees the old manifest and the old files, which stay, or the new ones, never half of
each. A publish that fails leaves the previous site serving. Publishing the same store
twice gives the same bytes (no clock in any file).

Each published layer's credit (:mod:`layers.credits`) is in the manifest
(``about.credits``, and the reader's ``credits``, which the map's attribution prints as
text, in the embed too) and under the full page, escaped (:func:`layers.attribution.credits_html`);
the areas CSV has a ``credit`` column.

Strings from the data travel as JSON and reach the page through ``textContent``; the
title is HTML-escaped where it is written into the pages.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import html
import io
import json
import math
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import brotli
import pandas as pd

from .alttext import LayerFacts, alt_text, is_illustrative
from .areas import BORDERS_SOURCE, METHOD
from .attribution import credit_records, credits_html, layer_credits
from .credits import Credit, credit_line
from .errors import InvalidInputError
from .exports import geojson_credit
from .figures import COMPARISON_COLUMNS, UKRAINE_OFFICIAL_SOURCE, compare
from .mapview import pack as pack_mod
from .mapview.reader import reader_settings
from .store import LayerInfo, Store

__all__ = ["ASSET_FOLDERS", "COMPRESSIBLE", "FORMAT", "Published", "publish"]

#: The manifest's format; the site's ``site.js`` reads this one.
FORMAT = 1
STATIC = Path(__file__).resolve().parent.parent / "static"
#: What the reader needs from ``static/`` (the app's packs and Leaflet.Sync are not).
ASSET_FOLDERS = ("js/frontline", "vendor/leaflet", "basemap")
#: Suffixes that get ``.gz`` and ``.br`` siblings (``.json.gz`` files are compressed already).
COMPRESSIBLE = (".html", ".js", ".css", ".json", ".geojson", ".svg")
HASH_CHARS = 12
#: Columns of ``data/areas.<hash>.csv`` (those of ``python -m layers areas``).
AREA_COLUMNS = ("date", "layer", "held_by", "status", "within", "area_km2", "credit")


@dataclass
class Published:
    """What a publish did: the files it wrote (relative to the site) and those it kept."""

    out: Path
    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    manifest: dict[str, Any] = field(default_factory=dict)


def _variants(name: str, data: bytes) -> list[tuple[str, bytes]]:
    """A file and, when it is compressible, its ``.gz`` and ``.br`` siblings (deterministic bytes)."""
    if not name.endswith(COMPRESSIBLE):
        return [(name, data)]
    return [
        (name, data),
        (f"{name}.gz", gzip.compress(data, 9, mtime=0)),
        (f"{name}.br", brotli.compress(data, quality=11)),
    ]


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:HASH_CHARS]


def _replace(path: Path, data: bytes) -> None:
    """Write ``path`` whole or not at all (a temporary file in the same folder, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


class _Site:
    """The files of one publish, written only when not there yet."""

    def __init__(self, out: Path, result: Published):
        self.out = out
        self.result = result

    def put(self, name: str, data: bytes, *, compress: bool = True) -> None:
        """A content-addressed file (and its compressed siblings), unless it is there already."""
        for variant, content in _variants(name, data) if compress else [(name, data)]:
            path = self.out / variant
            if path.is_file() and path.stat().st_size == len(content) and path.read_bytes() == content:
                self.result.kept.append(variant)
                continue
            _replace(path, content)
            self.result.written.append(variant)


def _assets(site: _Site) -> str:
    """Copy the reader's static files under ``assets/<hash of them all>/``; that folder."""
    files = sorted(
        (path.relative_to(STATIC).as_posix(), path.read_bytes())
        for folder in ASSET_FOLDERS
        for path in (STATIC / folder).rglob("*")
        if path.is_file() and not path.name.startswith(".") and path.name != "streamlit.js"
    )
    whole = hashlib.sha256()
    for name, data in files:
        whole.update(name.encode() + b"\0" + _digest(data).encode() + b"\n")
    folder = f"assets/{whole.hexdigest()[:HASH_CHARS]}"
    for name, data in files:
        site.put(f"{folder}/{name}", data)
    return folder


def _previous_chunks(out: Path) -> dict[str, str]:
    """The chunks of the site already in ``out``: their source (``chunk_source``) to their file."""
    try:
        manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
        chunks = manifest.get("chunks", {}) if manifest.get("format") == FORMAT else {}
    except (OSError, ValueError, AttributeError):
        return {}
    if not isinstance(chunks, dict):
        return {}
    return {
        str(source): str(name)
        for source, name in chunks.items()
        if isinstance(name, str) and "/" not in name and (out / "data" / name).is_file()
    }


def _pack(site: _Site, store: Store, build_folder: Path, selection: pack_mod.Selection) -> _Pack:
    """Build the timeline pack and publish it with hashed names (chunks the site has
    already are not built again)."""
    previous = _previous_chunks(site.out)
    pack_mod.build(store, build_folder, selection=selection, skip=previous.__contains__)
    index = pack_mod.read_json(build_folder / "index.json.gz")
    sources: dict[str, str] = json.loads((build_folder / "sources.json").read_text())
    renamed: dict[str, str] = {}
    chunks: dict[str, str] = {}
    for chunk, source in sorted(sources.items()):
        path = build_folder / chunk
        if source in previous and not path.exists():
            name = previous[source]
            site.result.kept.append(f"data/{name}")
        else:
            data = path.read_bytes()
            name = f"{chunk.removesuffix('.json.gz')}.{_digest(gzip.decompress(data))}.json.gz"
            site.put(f"data/{name}", data, compress=False)
        renamed[chunk] = name
        chunks[source] = name
    for layer in index["layers"]:
        for entries in layer["chunks"].values():
            for entry in entries:
                entry["file"] = renamed[entry["file"]]
    text = json.dumps(index, ensure_ascii=False, separators=(",", ":")).encode()
    name = f"index.{_digest(text)}.json.gz"
    site.put(f"data/{name}", gzip.compress(text, 6, mtime=0), compress=False)
    return _Pack(name, index, chunks)


@dataclass
class _Pack:
    index_name: str
    index: dict[str, Any]
    chunks: dict[str, str]


def _layer_sources(site: _Site, pack: _Pack) -> list[dict[str, Any]]:
    """Each published layer's span and the sources its zones name, with the days each is
    named (read from the coarsest level's chunks, which hold every snapshot)."""
    layers = []
    for layer in pack.index["layers"]:
        dates = layer["dates"]
        named: dict[str, list[str]] = {}
        coarsest = min(layer["chunks"], key=int) if layer["chunks"] else None
        for entry in layer["chunks"].get(coarsest, []) if coarsest is not None else []:
            chunk = json.loads(gzip.decompress((site.out / "data" / entry["file"]).read_bytes()))
            for offset, zones in enumerate(chunk["snapshots"]):
                day = dates[entry["first"] + offset]
                for zone in zones:
                    span = named.setdefault(zone[1] or "", [day, day])
                    span[0], span[1] = min(span[0], day), max(span[1], day)
        layers.append(
            {
                "name": layer["name"],
                "snapshots": len(dates),
                "first": dates[0] if dates else None,
                "last": dates[-1] if dates else None,
                "method": layer["areas"]["method"],
                "sources": [
                    {"source": source, "first": first, "last": last}
                    for source, (first, last) in sorted(named.items(), key=lambda item: (item[1][0], item[0]))
                    if source
                ],
            }
        )
    return layers


def _csv(rows: list[dict[str, Any]], columns: Sequence[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode()


def _plain(value: Any) -> Any:
    """A value as JSON can hold it: dates as ISO text, NaN and NaT as null, floats to 0.1."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 1)
    return value


def _data_files(
    site: _Site, store: Store, pack: _Pack, selection: pack_mod.Selection, credits: dict[str, Credit]
) -> dict[str, str]:
    """The area series, the figures comparison and the events as files; their names.
    ``credits``: each layer's credit, in the areas' ``credit`` column and the events'
    ``metadata.credit``."""
    names = [layer["name"] for layer in pack.index["layers"]]
    kept = {(layer["name"], day) for layer in pack.index["layers"] for day in layer["dates"]}
    series = store.area_series()
    series = series[
        [(name, day.isoformat()) in kept for name, day in zip(series["layer"], series["as_of"], strict=True)]
    ]
    areas = [
        {
            "date": day.isoformat(),
            "layer": layer,
            "held_by": side,
            "status": status,
            "within": within,
            "area_km2": f"{km2:.3f}",
            "credit": credit_line(layer, credits.get(layer)),
        }
        for day, layer, side, status, within, km2 in zip(
            series["as_of"],
            series["layer"],
            series["held_by"],
            series["status"],
            series["within"],
            series["area_km2"],
            strict=True,
        )
    ]
    figures = store.reported_figures()
    if len(figures):
        wanted = [
            name in names and selection.holds(day)
            for name, day in zip(figures["layer"], figures["date"], strict=True)
        ]
        figures = figures[wanted]
    table = compare(figures, series) if len(figures) else pd.DataFrame(columns=COMPARISON_COLUMNS)
    table = table.sort_values(["date", "scope"], kind="stable")
    records = [{str(key): _plain(value) for key, value in row.items()} for row in table.to_dict("records")]
    files = {
        "areas": ("areas.{}.csv", _csv(areas, AREA_COLUMNS)),
        "figures": (
            "figures.{}.json",
            json.dumps(
                {"columns": COMPARISON_COLUMNS, "rows": records}, ensure_ascii=False, indent=0
            ).encode(),
        ),
        "figures_csv": ("figures.{}.csv", _csv(records, COMPARISON_COLUMNS)),
    }
    for events in pack.index["events"]:
        columns = events["columns"]
        features = [
            {
                "type": "Feature",
                "geometry": None
                if lon is None or lat is None
                else {"type": "Point", "coordinates": [lon, lat]},
                "properties": {key: columns[key][i] for key in columns if key not in ("lon", "lat")},
            }
            for i, (lon, lat) in enumerate(zip(columns["lon"], columns["lat"], strict=True))
        ]
        credit = geojson_credit(events["name"], credits.get(events["name"]))
        collection = {"type": "FeatureCollection", "name": events["name"], "metadata": {"credit": credit}}
        collection["features"] = features
        files["events"] = ("events.{}.geojson", json.dumps(collection, ensure_ascii=False).encode())
    written = {}
    for key, (pattern, data) in files.items():
        name = f"data/{pattern.format(_digest(data))}"
        site.put(name, data)
        written[key] = name
    return written


_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{title}</title>
<meta name="description" content="{summary}">
<meta property="og:type" content="website">
<meta property="og:title" content="{title}">
<meta property="og:description" content="{summary}">
{preload}<link rel="stylesheet" href="{assets}/vendor/leaflet/leaflet.css">
<link rel="stylesheet" href="{assets}/js/frontline/reader.css">
<link rel="stylesheet" href="{assets}/js/frontline/site.css">
</head>
<body class="{kind}">
{header}<div class="frontline-layout">
<main id="reader" class="frontline-site" aria-label="Map of {title}"></main>
{aside}</div>
<noscript><p class="frontline-noscript">This map draws itself with JavaScript. Its data:
<a href="{areas}">km² per snapshot (CSV)</a>,
<a href="{figures}">reported figures against the map (CSV)</a>.</p></noscript>
{footer}<script type="module">
import {{ start }} from "./{assets}/js/frontline/site.js";
start(document.getElementById("reader"), "manifest.json");
</script>
</body>
</html>
"""


_ASIDE = '<aside id="panel" class="frontline-panel" aria-label="Figures, method and sources"></aside>\n'


_IMPORT = re.compile(r'^import\b[^"\n]*"\./([a-z]+\.js)";', re.MULTILINE)


def _modules(entry: str = "site.js") -> list[str]:
    """``entry`` and every module it imports, transitively (``static/js/frontline``)."""
    found = [entry]
    for name in found:
        for imported in _IMPORT.findall((STATIC / "js/frontline" / name).read_text(encoding="utf-8")):
            if imported not in found:
                found.append(imported)
    return found


def _preload(assets: str, index: str) -> str:
    """Links that start every request the first map needs at once, instead of each after
    the file that asks for it (six round trips in a row otherwise; ``benchmarks/README.md``)."""
    lines = [f'<link rel="modulepreload" href="{assets}/js/frontline/{name}">' for name in _modules()]
    lines.append(f'<link rel="modulepreload" href="{assets}/vendor/leaflet/leaflet.js">')
    lines.append('<link rel="preload" href="manifest.json" as="fetch" crossorigin>')
    lines.append(f'<link rel="preload" href="data/{index}" as="fetch" crossorigin>')
    lines.append(f'<link rel="preload" href="{assets}/basemap/countries.geojson" as="fetch" crossorigin>')
    return "".join(f"{line}\n" for line in lines)


def _pages(
    title: str, assets: str, data: dict[str, str], summary: str, index: str, credits: str
) -> dict[str, bytes]:
    """``index.html`` and ``embed.html``: the reader, and on the full page a panel that
    ``site.js`` fills from the manifest (figures, method, sources, downloads) and under it
    ``credits`` (:func:`~layers.attribution.credits_html`). ``summary`` (the last day's alt
    text) is the pages' description for search engines and link cards."""
    safe = html.escape(title, quote=True)
    common = {
        "title": safe,
        "summary": html.escape(summary, quote=True),
        "assets": assets,
        "preload": _preload(assets, index),
        "areas": data["areas"],
        "figures": data["figures_csv"],
    }
    return {
        "index.html": _PAGE.format(
            **common,
            kind="frontline-page",
            header=f'<header class="frontline-title"><h1>{safe}</h1></header>\n',
            aside=_ASIDE,
            footer=f'<footer class="frontline-credits">{credits}</footer>\n' if credits else "",
        ).encode(),
        "embed.html": _PAGE.format(
            **common,
            kind="frontline-embed",
            header="",
            aside="",
            footer='<footer class="frontline-credit"></footer>\n',
        ).encode(),
    }


def _summary(store: Store, pack: _Pack, infos: Sequence[LayerInfo]) -> str:
    """The alt text of the site's last day (:mod:`layers.alttext`)."""
    descriptions = {info.name: info.description for info in infos}
    layers = [
        LayerFacts(
            layer["name"],
            tuple(map(dt.date.fromisoformat, layer["dates"])),
            descriptions.get(layer["name"], ""),
            # The last day shows each layer's last snapshot: named as its categories say.
            tuple(sorted(((layer.get("held_names") or [None])[-1] or {}).items())),
        )
        for layer in pack.index["layers"]
        if layer["dates"]
    ]
    last = max(day for layer in layers for day in layer.snapshot_dates)
    return alt_text(store.area_series(), layers, last)


def _check(
    store: Store, layers: Sequence[str], events: str | None, start: dt.date | None, end: dt.date | None
) -> None:
    infos = store.layers()
    territory = [info.name for info in infos if info.kind == "territory"]
    event_layers = [info.name for info in infos if info.kind == "events"]
    unknown = [name for name in layers if name not in territory]
    if unknown:
        raise InvalidInputError(
            f"no territory layer {', '.join(map(repr, unknown))} in this store; layers: "
            f"{', '.join(map(repr, territory)) or 'none'}."
        )
    if events is not None and events not in event_layers:
        raise InvalidInputError(
            f"no events layer {events!r} in this store; events layers: "
            f"{', '.join(map(repr, event_layers)) or 'none'}."
        )
    if not territory:
        raise InvalidInputError("the store holds no territory layer to publish; import one first.")
    if start is not None and end is not None and start > end:
        raise InvalidInputError(f"--from {start} is after --to {end}: swap them.")
    if end is not None:
        names = list(layers) or territory
        if not any(len(heads) and heads["as_of"].min() <= end for heads in map(store.heads, names)):
            raise InvalidInputError(
                f"no published layer has a snapshot on or before --to {end}: choose a later date."
            )


def publish(
    store: Store,
    out: Path,
    *,
    layers: Sequence[str] = (),
    events: str | None = None,
    title: str | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Published:
    """Write (or update) the static site of ``store`` in ``out``.

    Parameters
    ----------
    layers : sequence of str
        Territory layers published (default: every territory layer).
    events : str, optional
        Events layer published (default: the first events layer, if any).
    title : str, optional
        The pages' title (default: the layers' names).
    start, end : date, optional
        The first and last day published (``--from``, ``--to``; see the module's docstring).

    Raises
    ------
    InvalidInputError
        For a layer or events layer the store does not hold, a title over 200 characters,
        ``start`` after ``end``, or a span in which no layer has a snapshot.
    """
    _check(store, layers, events, start, end)
    infos = store.layers()
    shown = list(layers) or [info.name for info in infos if info.kind == "territory"]
    if events is None:
        events = next((info.name for info in infos if info.kind == "events"), None)
    title = (title or " and ".join(shown)).strip()
    if len(title) > 200:
        raise InvalidInputError(f"--title is {len(title):,} characters long; the limit is 200: shorten it.")
    selection = pack_mod.Selection(tuple(shown), (events,) if events else (), start, end)
    credits = layer_credits(infos, [*shown, *([events] if events else [])])
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    result = Published(out)
    site = _Site(out, result)
    with tempfile.TemporaryDirectory(prefix=".publish-", dir=out) as building:
        pack = _pack(site, store, Path(building) / "pack", selection)
    data = _data_files(site, store, pack, selection, dict(credits))
    assets = _assets(site)
    settings = reader_settings(
        static=assets,
        pack="data/",
        date=None,
        layers=shown,
        events=events,
        window_days=7,
        view=None,
        tiles=False,
        illustrative=[info.name for info in infos if is_illustrative(info.description)],
        credits=credit_records(credits),
    )
    settings["pack_index"] = pack.index_name
    descriptions = {info.name: info.description for info in infos}
    about = {
        "method": METHOD,
        "borders": BORDERS_SOURCE,
        "shares": UKRAINE_OFFICIAL_SOURCE,
        "layers": [
            {
                **layer,
                "description": descriptions.get(layer["name"], ""),
                "illustrative": LayerFacts(
                    layer["name"], (), descriptions.get(layer["name"], "")
                ).illustrative,
            }
            for layer in _layer_sources(site, pack)
        ],
        "events": [
            {
                "name": layer["name"],
                "count": len(layer["columns"]["date"]),
                "sources": sorted({s for s in layer["columns"]["source"] if s}),
            }
            for layer in pack.index["events"]
        ],
        "milestones": sorted({m["source"] for m in pack.index["milestones"] if m["source"]}),
        "credits": credit_records(credits),
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
    }
    manifest = {
        "format": FORMAT,
        "title": title,
        "revision": store.revision(),
        "reader": settings,
        "data": data,
        "about": about,
        "chunks": dict(sorted(pack.chunks.items())),
    }
    summary = _summary(store, pack, infos)
    for page, content in _pages(title, assets, data, summary, pack.index_name, credits_html(credits)).items():
        # Siblings first: a server with gzip_static then never pairs a new .gz with an old page.
        for name, variant in reversed(_variants(page, content)):
            _replace(out / name, variant)
            result.written.append(name)
    text = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
    # Last: until this rename the previous manifest, and every file it names, keeps serving.
    _replace(out / "manifest.json", text)
    result.written.append("manifest.json")
    result.manifest = manifest
    return result
