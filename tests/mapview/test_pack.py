"""The timeline pack: every snapshot of every layer at every level of detail, rings shared,
areas from the store, strings as data; built once per revision, one process at a time."""

from __future__ import annotations

import datetime as dt
import fcntl
import gzip
import json
import threading

import numpy as np
import pytest
import shapely
import shapely.geometry

from layers import mapview, schema, style
from layers.mapview import pack
from tests.mapview.conftest import decode_ring, decoded, zones_snapshot

D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def built(embedded_data_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("pack") / "p"
    pack.build(embedded_data_store, out)
    return embedded_data_store, out, pack.read_json(out / "index.json.gz")


def test_the_index_lists_every_layer_snapshot_and_chunk_file_and_all_are_written(built):
    store, out, index = built
    assert index["format"] == pack.FORMAT
    territory = [info for info in store.layers() if info.kind == "territory"]
    assert [layer["name"] for layer in index["layers"]] == [info.name for info in territory]
    for layer, info in zip(index["layers"], territory, strict=True):
        assert layer["dates"] == [d.isoformat() for d in store.heads(info.name)["as_of"]]
        assert set(layer["chunks"]) == {str(d.level) for d in mapview.DETAILS}
        for chunks in layer["chunks"].values():
            covered = [i for c in chunks for i in range(c["first"], c["last"] + 1)]
            assert covered == list(range(len(layer["dates"])))
            assert all((out / c["file"]).exists() for c in chunks)
    assert (out / "ready").exists()
    assert index["days"] == [index["layers"][0]["dates"][0], index["layers"][0]["dates"][-1]]


def test_each_snapshot_decodes_to_the_display_geometry_of_its_level(built):
    store, out, index = built
    layer = index["layers"][0]
    heads = store.heads(layer["name"])
    position = len(layer["dates"]) // 2
    for detail in mapview.DETAILS:
        entry = next(c for c in layer["chunks"][str(detail.level)] if c["first"] <= position <= c["last"])
        chunk = pack.read_json(out / entry["file"])
        zones = chunk["snapshots"][position - chunk["first"]]
        features = store.features(int(heads["version_id"].iloc[position]))
        # Every zone's area as the browser will draw it matches the display geometry's.
        drawn = sum(
            shapely.Polygon(
                decode_ring(chunk["rings"][polygon[0]], detail.decimals),
                [decode_ring(chunk["rings"][r], detail.decimals) for r in polygon[1:]],
            ).area
            for zone in zones
            for polygon in zone[3]
        )
        # ... as what the folium map is sent for the same snapshot and level.
        sent = decoded(mapview.territory_geojson(zones_snapshot(features), detail, encoded=True))
        expected = sum(shapely.geometry.shape(f["geometry"]).area for f in sent["features"])
        assert drawn == pytest.approx(expected, rel=1e-9), detail
        assert {z[0] for z in zones} == {
            f"{s}|{t}" for s, t in zip(features["held_by"], features["status"], strict=True)
        }
        # Contested first, claimed last: the order the map draws them in.
        order = [z[0].split("|")[1] for z in zones]
        assert order == sorted(order, key={"contested": 0, "held": 1, "claimed": 2}.get)


def test_rings_shared_by_snapshots_of_a_chunk_are_stored_once(built):
    _, out, index = built
    for chunks in index["layers"][0]["chunks"].values():
        for entry in chunks:
            chunk = pack.read_json(out / entry["file"])
            assert len(set(chunk["rings"])) == len(chunk["rings"])
            used = {r for snapshot in chunk["snapshots"] for zone in snapshot for p in zone[3] for r in p}
            assert used == set(range(len(chunk["rings"])))


def test_areas_are_the_stored_ones_with_their_method(built):
    store, _, index = built
    layer = index["layers"][0]
    series = store.area_series(layer["name"])
    areas = layer["areas"]
    assert areas["method"] and "geodesic" in areas["method"].lower()
    for row in series.head(12).to_dict("records"):
        position = layer["dates"].index(row["as_of"].isoformat())
        key = f"{row['held_by']}|{row['status']}|{row['within']}"
        assert areas["rows"][position][areas["keys"].index(key)] == pytest.approx(row["area_km2"], abs=0.05)


def test_styles_labels_events_and_milestones_travel_as_plain_data(built):
    store, _, index = built
    assert set(index["styles"]) >= {f"{side}|{status}" for side in schema.SIDES for status in schema.STATUSES}
    assert index["styles"]["UA|held"]["label"] == style.zone_label("UA", "held")
    events = index["events"][0]
    assert len(events["columns"]["date"]) == len(events["columns"]["title"]) > 0
    assert events["columns"]["date"] == sorted(events["columns"]["date"])
    assert len(index["milestones"]) == len(store.milestones())


def test_strings_from_the_data_stay_strings_and_are_not_escaped(embedded_data_store, tmp_path):
    """The browser sets them with textContent: escaping here would show '&lt;' to readers."""
    store = embedded_data_store
    layer = store.heads("Kursk incursion")
    features = store.features(int(layer["version_id"].iloc[-1]))
    payload = '<img src=x onerror="window.__xss=1">'
    features.loc[features.index[0], "note"] = payload
    zones = pack._snapshot_zones(features, mapview.FULL_DETAIL, {})  # noqa: SLF001 - the unit under test
    assert payload in [z[2] for z in zones]


@pytest.mark.parametrize(
    ("gaps", "expected"),
    [([], pack.MIN_STALE_DAYS), ([1] * 10, pack.MIN_STALE_DAYS), ([12, 12, 14], 36), ([30, 1, 30], 90)],
)
def test_stale_threshold_is_three_median_spacings_and_at_least_a_week(gaps, expected):
    dates = [D("2024-01-01")]
    for gap in gaps:
        dates.append(dates[-1] + dt.timedelta(days=gap))
    assert pack.stale_days(dates) == expected


def test_the_latest_chunks_of_the_default_zoom_come_first():
    days = [D("2024-01-01") + dt.timedelta(days=i) for i in range(130)]
    layers = [pack._Layer("a", days, list(range(130)), [""] * 130)]  # noqa: SLF001
    plan = pack._plan(layers)  # noqa: SLF001
    default = mapview.detail_for_zoom(mapview.HOME_ZOOM).level
    assert plan[0][1] == default and plan[0][2] == 2, (
        "the chunk with the latest snapshots, at the default zoom"
    )
    assert len(plan) == 3 * len(mapview.DETAILS)


def test_files_are_gzip_json_written_atomically(built):
    _, out, _ = built
    for path in out.glob("*.json.gz"):
        json.loads(gzip.decompress(path.read_bytes()))
    assert not list(out.glob(".*")), "no temporary file is left behind"


def test_ensure_builds_once_and_leaves_a_pack_being_built_by_another_process(embedded_data_store, tmp_path):
    revision = embedded_data_store.revision()
    out = pack.ensure(embedded_data_store, tmp_path, revision, wait=True)
    assert (out / "ready").exists() and out.name == pack.pack_key(revision)
    # Another process holds the lock of a second revision: this one builds nothing.
    other = "another revision"
    with open(tmp_path / f".{pack.pack_key(other)}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        folder = pack.ensure(embedded_data_store, tmp_path, other, wait=True)
    assert not (folder / "index.json.gz").exists()
    # In the background: the same call twice starts one build, in a child process.
    third = "a third revision"
    pack.ensure(embedded_data_store, tmp_path, third)
    pack.ensure(embedded_data_store, tmp_path, third)
    builders = [t for t in threading.enumerate() if t.name == f"pack-{pack.pack_key(third)}"]
    assert len(builders) == 1
    builders[0].join(120)
    assert (tmp_path / pack.pack_key(third) / "ready").exists()


def test_a_failed_background_build_is_reported(tmp_path):
    from layers.store import Store

    errors: list[BaseException] = []
    missing = Store(f"sqlite:///{tmp_path / 'empty.db'}")
    missing.url = "postgresql://nobody@127.0.0.1:1/none"  # the child cannot open it
    pack.ensure(missing, tmp_path, "broken", on_error=errors.append)
    for thread in threading.enumerate():
        if thread.name == f"pack-{pack.pack_key('broken')}":
            thread.join(120)
    assert errors and "exited with status 1" in str(errors[0])
    assert not (tmp_path / pack.pack_key("broken") / "ready").exists()


def test_the_browser_decoder_fixture_matches_python():
    """tests/js/days.test.mjs decodes this string; it must be what Python writes."""
    coordinates = np.array([[-120.2, 38.5], [-120.95, 40.7], [-126.453, 43.252]])
    assert mapview.encode_ring(coordinates, 5) == "~ps|U_p~iFnnqC_ulLvxq`@_mqN"


def test_two_builds_of_a_revision_are_byte_for_byte_the_same(built, tmp_path):
    """Several machines build their own copy of a pack: a cache or CDN in front of them
    must get the same bytes for the same URL."""
    store, out, _ = built
    again = pack.build(store, tmp_path / "again")
    for path in sorted(out.glob("*.json.gz")):
        assert (again / path.name).read_bytes() == path.read_bytes(), path.name


def test_a_layer_with_categories_names_its_held_ground_per_snapshot(tmp_path):
    """``held_names``: None for a snapshot without categories, DeepStateMap's words for one with."""
    from layers.store import Store
    from tests.conftest import box_snapshot

    store = Store(f"sqlite:///{tmp_path / 'c.db'}")
    plain = box_snapshot("x", as_of="2024-08-10")
    named = box_snapshot("y", as_of="2024-08-11", east=35.2)
    named = named.__class__(**{**named.__dict__, "features": named.features.assign(category=["liberated"])})
    store.write([plain, named, box_snapshot("z", layer="Other")], actor="cli")
    pack.build(store, tmp_path / "p")
    index = pack.read_json(tmp_path / "p" / "index.json.gz")
    layers = {layer["name"]: layer for layer in index["layers"]}
    assert layers["Test"]["held_names"] == [None, {"UA": "retaken (DeepStateMap 'liberated')"}]
    assert "held_names" not in layers["Other"], "a layer without categories is packed as before"
