"""The static site: hashed, compressed files; republishing writes only what changed and the manifest last."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import html
import io
import json
import re
from pathlib import Path

import brotli
import pytest
import shapely

from layers import events as events_mod
from layers import mapview
from layers import publish as publish_mod
from layers.alttext import LayerFacts, alt_text
from layers.areas import METHOD
from layers.credits import DEEPSTATE, LICENCES, Credit
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
    preloaded = re.findall(r'<link rel="(?:modulepreload|preload|stylesheet)" href="([^"]+)"', page)
    assert f"{assets}/js/frontline/pack.js" in preloaded and f"data/{index_name}" in preloaded
    assert all(href in files for href in preloaded), "every preloaded file is in the site"


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


@pytest.fixture
def seeded(tmp_path) -> Store:
    """The embedded data: a territory layer, an events layer, reported figures, milestones."""
    from layers.ingest import seed_default_data

    store = Store(f"sqlite:///{tmp_path / 'seeded.db'}")
    seed_default_data(store)
    yield store
    store.close()


def test_the_area_series_figures_and_events_are_files_that_match_the_store(seeded, tmp_path):
    from layers.figures import compare
    from layers.series import area_rows

    out = tmp_path / "site"
    manifest = publish(seeded, out).manifest
    data = manifest["data"]
    assert set(data) == {"areas", "figures", "figures_csv", "events"}
    areas = list(csv.DictReader(io.StringIO((out / data["areas"]).read_text())))
    for within in ("", "RUS"):
        expected = area_rows(seeded, "Kursk incursion", None, within)
        rows = [r for r in areas if r["within"] == within]
        assert [(r["date"], r["held_by"], r["status"], float(r["area_km2"])) for r in rows] == [
            (e["date"], e["held_by"], e["status"], pytest.approx(e["area_km2"], abs=5e-4)) for e in expected
        ]
    table = compare(seeded.reported_figures(), seeded.area_series())
    figures = json.loads((out / data["figures"]).read_text())["rows"]
    assert len(figures) == len(table) > 0
    by_key = {(r["date"], r["scope"], r["source"]): r for r in figures}
    for row in table.itertuples():
        shown = by_key[(row.date.isoformat(), row.scope, row.source)]
        assert shown["reported_km2"] == pytest.approx(row.reported_km2, abs=0.05)
        if row.comparison == "compared":
            assert shown["computed_km2"] == pytest.approx(row.computed_km2, abs=0.05)
            assert shown["computed_as_of"] == row.computed_as_of.isoformat()
    assert len(list(csv.DictReader(io.StringIO((out / data["figures_csv"]).read_text())))) == len(table)
    events = json.loads((out / data["events"]).read_text())
    assert len(events["features"]) == len(events_mod.all_events(seeded, "Strikes and reports")) > 0
    about = manifest["about"]
    assert [layer["name"] for layer in about["layers"]] == ["Kursk incursion"]
    assert about["layers"][0]["description"].startswith("Illustrative") and about["layers"][0]["illustrative"]
    assert about["layers"][0]["sources"] and about["method"] == METHOD
    heads = seeded.heads("Kursk incursion")["as_of"]
    facts = LayerFacts("Kursk incursion", tuple(heads), about["layers"][0]["description"])
    summary = html.escape(alt_text(seeded.area_series(), [facts], max(heads)), quote=True)
    page = (out / "index.html").read_text()
    assert f'<meta name="description" content="{summary}">' in page and "Illustrative data" in summary


def test_from_and_to_publish_a_span_with_the_snapshot_shown_on_its_first_day(seeded, tmp_path):
    days = [d.isoformat() for d in seeded.heads("Kursk incursion")["as_of"]]
    start, end = dt.date(2024, 9, 1), dt.date(2024, 12, 31)
    shown_first = max(d for d in days if d <= start.isoformat())
    manifest = publish(seeded, tmp_path / "site", start=start, end=end).manifest
    index = json.loads(
        gzip.decompress((tmp_path / "site" / "data" / manifest["reader"]["pack_index"]).read_bytes())
    )
    assert index["layers"][0]["dates"] == [d for d in days if shown_first <= d <= end.isoformat()]
    assert all(start.isoformat() <= d <= end.isoformat() for d in index["events"][0]["columns"]["date"])
    assert all(start.isoformat() <= m["date"] <= end.isoformat() for m in index["milestones"])
    areas = csv.DictReader(io.StringIO((tmp_path / "site" / manifest["data"]["areas"]).read_text()))
    assert {row["date"] for row in areas} == set(index["layers"][0]["dates"])
    figures = json.loads((tmp_path / "site" / manifest["data"]["figures"]).read_text())["rows"]
    assert figures and all(start.isoformat() <= f["date"] <= end.isoformat() for f in figures)
    with pytest.raises(InvalidInputError, match="after --to"):
        publish(seeded, tmp_path / "x", start=end, end=start)
    with pytest.raises(InvalidInputError, match="no published layer has a snapshot on or before --to"):
        publish(seeded, tmp_path / "y", end=dt.date(2000, 1, 1))
    assert not (tmp_path / "y").exists() and not (tmp_path / "x").exists()


def test_a_republish_builds_only_the_chunks_whose_snapshots_changed(store, tmp_path, monkeypatch):
    monkeypatch.setattr(pack_mod, "CHUNK_SNAPSHOTS", 1)
    built: list[str] = []
    real = pack_mod._write_chunk  # noqa: SLF001

    def counting(store, out, number, layer, detail, chunk, span):
        built.append(f"{layer.dates[span[0]]}/{detail.level}")
        real(store, out, number, layer, detail, chunk, span)

    monkeypatch.setattr(pack_mod, "_write_chunk", counting)
    out = tmp_path / "site"
    publish(store, out)
    levels = len(mapview.DETAILS)
    assert len(built) == 2 * levels
    built.clear()
    publish(store, out)
    assert built == [], "an unchanged store builds no chunk again"
    store.write(
        [snapshot("Test", "2024-09-01", [(shapely.box(35.0, 50.9, 35.5, 51.4), "UA", "held", "C")])],
        actor="test",
    )
    publish(store, out)
    assert sorted(built) == sorted(f"2024-09-01/{d.level}" for d in mapview.DETAILS)
    fresh = tmp_path / "fresh"
    publish(store, fresh)
    assert _files(fresh)["manifest.json"] == _files(out)["manifest.json"], (
        "a site updated chunk by chunk is the site a fresh publish writes"
    )


def test_only_the_layers_asked_for_are_in_the_files(store, tmp_path):
    store.write(
        [
            snapshot(
                "Private",
                "2024-08-15",
                [(shapely.box(36.0, 50.0, 36.2, 50.2), "RU", "held", "secret source")],
            )
        ],
        actor="test",
    )
    out = tmp_path / "site"
    manifest = publish(store, out, layers=["Test"]).manifest
    assert [layer["name"] for layer in manifest["about"]["layers"]] == ["Test"]
    everything = b"".join(
        gzip.decompress(data) if name.endswith(".json.gz") else data
        for name, data in _files(out).items()
        if not name.endswith((".gz", ".br")) or name.endswith(".json.gz")
    )
    assert b"Private" not in everything and b"secret source" not in everything
    assert "Private" in [
        layer["name"] for layer in publish(store, tmp_path / "all").manifest["about"]["layers"]
    ]


def test_the_page_the_manifest_and_the_map_carry_each_layers_credit_and_licence(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'credited.db'}")
    store.create_layer("Occupied Ukraine", "territory", credit=DEEPSTATE, actor="t")
    hostile = Credit("<img src=x onerror=window.__xss=1>", "Ask <b>us</b>", "")
    store.create_layer("Hostile", "territory", credit=hostile, actor="t")
    box = shapely.box(35.1, 51.0, 35.3, 51.25)
    store.write(
        [
            snapshot(name, "2024-08-10", [(box, "UA", "held", "S")])
            for name in ("Occupied Ukraine", "Hostile")
        ],
        actor="t",
    )
    out = tmp_path / "site"
    manifest = publish(store, out).manifest
    line = "Occupied Ukraine: data DeepStateMap · CC BY-NC-SA 4.0, non-commercial use only"
    credits = {c["layer"]: c for c in manifest["about"]["credits"]}
    assert credits["Occupied Ukraine"]["line"] == line and credits["Occupied Ukraine"]["non_commercial"]
    assert credits["Occupied Ukraine"]["licence_url"] == LICENCES["CC BY-NC-SA 4.0"]
    assert credits["Hostile"]["licence_url"] == "" and not credits["Hostile"]["non_commercial"]
    assert manifest["reader"]["credits"] == manifest["about"]["credits"]
    page = (out / "index.html").read_text()
    assert (
        'Occupied Ukraine: data DeepStateMap · <a rel="license" '
        'href="https://creativecommons.org/licenses/by-nc-sa/4.0/">CC BY-NC-SA 4.0</a>, '
        "non-commercial use only"
    ) in page
    assert "<img src=x" not in page and "<b>us</b>" not in page
    assert "Hostile: data &lt;img src=x onerror=window.__xss=1&gt; · Ask &lt;b&gt;us&lt;/b&gt;" in page
    areas = list(csv.DictReader(io.StringIO((out / manifest["data"]["areas"]).read_text())))
    assert {r["credit"] for r in areas if r["layer"] == "Occupied Ukraine"} == {line}


def test_the_published_events_carry_their_layers_credit(seeded, tmp_path):
    seeded.set_credit("Strikes and reports", Credit("Monitor", "CC BY 4.0", ""), actor="t")
    manifest = publish(seeded, tmp_path / "site").manifest
    events = json.loads((tmp_path / "site" / manifest["data"]["events"]).read_text())
    assert events["metadata"]["credit"]["line"] == "Strikes and reports: data Monitor · CC BY 4.0"
    assert events["metadata"]["credit"]["licence_url"] == LICENCES["CC BY 4.0"]
    lines = [c["line"] for c in manifest["about"]["credits"]]
    assert lines[-1] == "Strikes and reports: data Monitor · CC BY 4.0", "the events layer's credit last"


def test_the_pages_description_names_deepstatemaps_ground_as_it_does(tmp_path):
    """A layer with DeepStateMap's categories: the page's alt text says 'retaken', not 'Ukraine held'."""
    from tests.conftest import shared_data

    raw = shared_data("deepstate-raw-full", "2025-03-12.geojson")
    db = f"sqlite:///{tmp_path / 'dsm.db'}"
    from layers.__main__ import main

    assert main(["import", "--db", db, "--layer", "DSM", "--preset", "deepstate", str(raw)]) == 0
    publish(Store(db), tmp_path / "site")
    page = html.unescape((tmp_path / "site" / "index.html").read_text())
    description = re.search(r'<meta name="description" content="([^"]*)">', page).group(1)
    assert "retaken (DeepStateMap 'liberated')" in html.unescape(description), description
    assert "Ukraine held" not in description
