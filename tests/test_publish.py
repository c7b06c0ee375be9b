"""The static site: hashed, compressed files; republishing writes only what changed and the manifest last."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import brotli
import pytest
import shapely

from layers import publish as publish_mod
from layers.errors import InvalidInputError
from layers.mapview import pack as pack_mod
from layers.publish import publish
from layers.store import Store
from tests.conftest import snapshot


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture
def store(tmp_path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'site.db'}")
    store.write(
        [
            snapshot(
                "Test", "2024-08-10", [(shapely.box(35.1, 51.0, 35.3, 51.25), "UA", "held", "<b>source</b>")]
            ),
            snapshot("Test", "2024-08-20", [(shapely.box(35.0, 50.95, 35.45, 51.35), "UA", "held", "B")]),
        ],
        actor="test",
    )
    yield store
    store.close()


def test_every_data_and_asset_file_is_named_by_its_content(store, tmp_path):
    out = tmp_path / "site"
    result = publish(store, out, title="Test <script>")
    files = _files(out)
    manifest = json.loads(files["manifest.json"])
    assert manifest["format"] == 1 and manifest["reader"]["pack"] == "data/"
    index_name = manifest["reader"]["pack_index"]
    index = json.loads(gzip.decompress(files[f"data/{index_name}"]))
    assert (
        index_name
        == f"index.{hashlib.sha256(gzip.decompress(files[f'data/{index_name}'])).hexdigest()[:12]}.json.gz"
    )
    chunk_names = [
        c["file"] for layer in index["layers"] for chunks in layer["chunks"].values() for c in chunks
    ]
    assert chunk_names and all(f"data/{name}" in files for name in chunk_names)
    for name in chunk_names:
        stem, digest, _ = name.rsplit(".", 2)[0], name.split(".")[1], None
        assert hashlib.sha256(gzip.decompress(files[f"data/{name}"])).hexdigest()[:12] == digest, stem
    assets = manifest["reader"]["static"]
    assert assets.startswith("assets/") and f"{assets}/js/frontline/reader.js" in files
    assert Path("static/js/frontline/reader.js").read_bytes() == files[f"{assets}/js/frontline/reader.js"], (
        "one source of JavaScript: the app's files, copied"
    )
    for name, data in files.items():
        # The manifest is small, changes each publish and must swap as one file: not compressed.
        if name.endswith((".js", ".css", ".geojson", ".html", ".json")) and name != "manifest.json":
            assert (
                gzip.decompress(files[f"{name}.gz"]) == data
                and brotli.decompress(files[f"{name}.br"]) == data
            )
    page = files["index.html"].decode()
    assert "Test &lt;script&gt;" in page and "<script>" not in page.replace('<script type="module">', "")
    assert f'from "./{assets}/js/frontline/site.js"' in page and "embed" in files["embed.html"].decode()
    assert sorted(result.written) == sorted(files)


def test_publishing_twice_gives_the_same_bytes_and_rewrites_only_pages_and_manifest(store, tmp_path):
    out = tmp_path / "site"
    publish(store, out)
    first = _files(out)
    again = publish(store, out)
    assert _files(out) == first
    assert sorted(again.written) == sorted(
        f"{page}{suffix}" for page in ("embed.html", "index.html") for suffix in ("", ".gz", ".br")
    ) + ["manifest.json"]
    assert len(again.kept) == len(first) - 7  # the two pages, their .gz and .br, and the manifest


def test_a_new_snapshot_adds_files_and_keeps_every_old_one(store, tmp_path):
    out = tmp_path / "site"
    publish(store, out)
    before = _files(out)
    store.write(
        [snapshot("Test", "2024-09-01", [(shapely.box(35.0, 50.9, 35.5, 51.4), "UA", "held", "C")])],
        actor="test",
    )
    result = publish(store, out)
    after = _files(out)
    assert all(
        after[name] == data
        for name, data in before.items()
        if name not in ("manifest.json",) and not name.startswith(("index.html", "embed.html"))
    ), "an old manifest's files stay, unchanged, for readers who loaded it"
    new = [name for name in result.written if name.startswith("data/")]
    assert any(name.startswith("data/index.") for name in new) and len(new) < len(
        [n for n in after if n.startswith("data/")]
    ), "chunks whose snapshots did not change are not rewritten"
    assert (
        json.loads(after["manifest.json"])["reader"]["pack_index"]
        != json.loads(before["manifest.json"])["reader"]["pack_index"]
    )


def test_the_manifest_is_written_last_and_a_failed_publish_leaves_the_old_site(store, tmp_path, monkeypatch):
    out = tmp_path / "site"
    publish(store, out)
    before = _files(out)
    order: list[str] = []
    real = publish_mod._replace  # noqa: SLF001

    def recording(path, data):
        order.append(path.name)
        real(path, data)

    monkeypatch.setattr(publish_mod, "_replace", recording)
    store.write(
        [snapshot("Test", "2024-09-02", [(shapely.box(35.0, 50.9, 35.6, 51.4), "UA", "held", "D")])],
        actor="t",
    )
    publish(store, out)
    assert order[-1] == "manifest.json" and order.count("manifest.json") == 1

    def broken(*args, **kwargs):
        raise OSError("disk full")

    published = _files(out)
    store.write(
        [snapshot("Test", "2024-09-03", [(shapely.box(35.0, 50.9, 35.7, 51.4), "UA", "held", "E")])],
        actor="t",
    )
    monkeypatch.setattr(pack_mod, "build", broken)
    with pytest.raises(OSError):
        publish(store, out)
    assert _files(out) == published, "a failed publish changes nothing"
    assert before.keys() <= published.keys()


def test_unknown_layers_and_long_titles_are_refused(store, tmp_path):
    with pytest.raises(InvalidInputError, match="no territory layer 'Nope'"):
        publish(store, tmp_path / "a", layers=["Nope"])
    with pytest.raises(InvalidInputError, match="no events layer"):
        publish(store, tmp_path / "b", events="Nope")
    with pytest.raises(InvalidInputError, match="limit is 200"):
        publish(store, tmp_path / "c", title="T" * 201)
