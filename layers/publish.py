"""Publish the reader as static files that any web server or CDN can serve.

``python -m layers publish --out DIR`` writes a self-contained site: ``index.html`` (the
reader, with its title, method and sources), ``embed.html`` (the map alone, for
iframes), ``manifest.json``, and under ``data/`` and ``assets/`` files whose names carry
a hash of their content, so that they can be cached forever:

``data/index.<hash>.json.gz`` and ``data/<chunk>.<hash>.json.gz``
    The timeline pack (:mod:`layers.mapview.pack`): the index (dates, km² per side,
    status and border of every snapshot, events, milestones) and the chunks of rings per
    layer and level of detail. The index names its chunks by their hashed names.
``assets/<hash>/``
    The reader's ES modules (``js/frontline``, the same files the app serves: one source),
    Leaflet and the offline basemap; the folder's name is the hash of everything in it.
    Each compressible file has a ``.gz`` and a ``.br`` beside it (``gzip_static`` in nginx;
    object storage serves them with ``Content-Encoding``, see ``docs/deployment.md``).

Publishing again writes only files that are not there yet (a chunk whose snapshots did
not change keeps its name and is not rewritten), then the two HTML pages, then
``manifest.json`` last (small, and not compressed, so that it swaps as one file), each
replaced atomically: a reader loading the site meanwhile
sees the old manifest and the old files, which stay, or the new ones, never half of
each. A publish that fails leaves the previous site serving. Publishing the same store
twice gives the same bytes (no clock in any file).

Strings from the data travel as JSON and reach the page through ``textContent``; the
title is HTML-escaped where it is written into the pages.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import brotli

from .areas import BORDERS_SOURCE, METHOD
from .errors import InvalidInputError
from .mapview import pack as pack_mod
from .mapview.reader import reader_settings
from .store import Store

__all__ = ["ASSET_FOLDERS", "COMPRESSIBLE", "FORMAT", "Published", "publish"]

#: The manifest's format; the site's ``site.js`` reads this one.
FORMAT = 1
STATIC = Path(__file__).resolve().parent.parent / "static"
#: What the reader needs from ``static/`` (the app's packs and Leaflet.Sync are not).
ASSET_FOLDERS = ("js/frontline", "vendor/leaflet", "basemap")
#: Suffixes that get ``.gz`` and ``.br`` siblings (``.json.gz`` files are compressed already).
COMPRESSIBLE = (".html", ".js", ".css", ".json", ".geojson", ".svg")
HASH_CHARS = 12


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


def _pack(site: _Site, store: Store, build_folder: Path) -> str:
    """Build the timeline pack and publish it with hashed names; the index's name."""
    pack_mod.build(store, build_folder)
    index = pack_mod.read_json(build_folder / "index.json.gz")
    renamed: dict[str, str] = {}
    for path in sorted(build_folder.glob("*.json.gz")):
        if path.name == "index.json.gz":
            continue
        data = path.read_bytes()
        name = f"{path.name.removesuffix('.json.gz')}.{_digest(gzip.decompress(data))}.json.gz"
        site.put(f"data/{name}", data, compress=False)
        renamed[path.name] = name
    for layer in index["layers"]:
        for chunks in layer["chunks"].values():
            for chunk in chunks:
                chunk["file"] = renamed[chunk["file"]]
    text = json.dumps(index, ensure_ascii=False, separators=(",", ":")).encode()
    name = f"index.{_digest(text)}.json.gz"
    site.put(f"data/{name}", gzip.compress(text, 6, mtime=0), compress=False)
    return name


_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>{title}</title>
<link rel="modulepreload" href="{assets}/js/frontline/site.js">
<style>
html, body {{ margin: 0; height: 100%; font-family: system-ui, sans-serif; }}
body {{ display: flex; flex-direction: column; }}
.frontline-site {{ flex: 1; min-height: 320px; display: flex; flex-direction: column; }}
header, footer {{ padding: 0.4rem 0.8rem; }}
header h1 {{ font-size: 1.1rem; margin: 0; }}
footer {{ font-size: 0.8rem; color: #444; }}
</style>
</head>
<body class="{kind}">
{header}<main id="reader" class="frontline-site" aria-label="Map of {title}"></main>
{footer}<script type="module">
import {{ start }} from "./{assets}/js/frontline/site.js";
start(document.getElementById("reader"), "manifest.json");
</script>
</body>
</html>
"""


_EMBED_FOOTER = (
    '<footer><a href="index.html" target="_blank" rel="noopener">Full map, method and sources</a></footer>\n'
)


def _pages(title: str, assets: str, method: str) -> dict[str, bytes]:
    safe = html.escape(title, quote=True)
    footer = (
        f"<footer>Areas: {html.escape(method)} Borders: {html.escape(BORDERS_SOURCE)}. "
        "Each layer's source and date are on the map's key and strip.</footer>\n"
    )
    return {
        "index.html": _PAGE.format(
            title=safe,
            assets=assets,
            kind="frontline-page",
            header=f"<header><h1>{safe}</h1></header>\n",
            footer=footer,
        ).encode(),
        "embed.html": _PAGE.format(
            title=safe,
            assets=assets,
            kind="frontline-embed",
            header="",
            footer=_EMBED_FOOTER,
        ).encode(),
    }


def publish(
    store: Store,
    out: Path,
    *,
    layers: Sequence[str] = (),
    events: str | None = None,
    title: str | None = None,
) -> Published:
    """Write (or update) the static site of ``store`` in ``out``.

    Parameters
    ----------
    layers : sequence of str
        Territory layers shown when the page opens (default: every territory layer).
    events : str, optional
        Events layer shown (default: the first events layer, if any).
    title : str, optional
        The pages' title (default: the layers' names).

    Raises
    ------
    InvalidInputError
        For a layer or events layer the store does not hold, or a title over 200 characters.
    """
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
    shown = list(layers) or territory
    title = (title or " and ".join(shown)).strip()
    if len(title) > 200:
        raise InvalidInputError(f"--title is {len(title):,} characters long; the limit is 200: shorten it.")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    result = Published(out)
    site = _Site(out, result)
    with tempfile.TemporaryDirectory(prefix=".publish-", dir=out) as building:
        index = _pack(site, store, Path(building) / "pack")
    assets = _assets(site)
    settings = reader_settings(
        static=assets,
        pack="data/",
        date=None,
        layers=shown,
        events=events if events is not None else (event_layers[0] if event_layers else None),
        window_days=7,
        view=None,
        tiles=False,
    )
    settings["pack_index"] = index
    manifest = {"format": FORMAT, "title": title, "revision": store.revision(), "reader": settings}
    for page, data in _pages(title, assets, METHOD).items():
        # Siblings first: a server with gzip_static then never pairs a new .gz with an old page.
        for name, content in reversed(_variants(page, data)):
            _replace(out / name, content)
            result.written.append(name)
    text = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
    # Last: until this rename the previous manifest, and every file it names, keeps serving.
    _replace(out / "manifest.json", text)
    result.written.append("manifest.json")
    result.manifest = manifest
    return result
