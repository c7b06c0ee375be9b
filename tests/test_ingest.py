"""Dates from file names, and the embedded default data against the contract and the brief."""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from pathlib import Path

import pandas as pd
import pyproj
import pytest
import shapely

from layers import checking, ingest
from layers.errors import InvalidInputError, ValidationFailed
from layers.presets import DEEPSTATE
from layers.store import Store
from layers.store.rows import snapshot_area_rows
from tests.conftest import shared_data

D = dt.date.fromisoformat
DATA = Path(__file__).resolve().parent / "data"


@pytest.mark.parametrize(
    "name, expected",
    [
        ("deepstatemap_data_20241125.geojson", D("2024-11-25")),
        ("2024-11-25.geojson", D("2024-11-25")),
        ("kursk 2025-03-13 final.json", D("2025-03-13")),
        ("/some/dir/2023/notes-20240230-20240301.geojson", D("2024-03-01")),
        ("no-date.geojson", None),
        ("v123456789.geojson", None),
    ],
)
def test_date_from_name(name, expected):
    assert ingest.date_from_name(name) == expected


@pytest.fixture(scope="module")
def default():
    return ingest.default_data()


def test_kursk_layer_has_at_least_15_snapshots_in_range_each_citing_sources(default):
    snapshots, _, _ = default
    kursk = [s for s in snapshots if s.layer == "Kursk incursion"]
    dates = [s.as_of for s in kursk]
    assert len(kursk) >= 15
    assert min(dates) == D("2024-08-06") and max(dates) <= D("2025-03-31") and max(dates) >= D("2025-03-13")
    for snapshot in kursk:
        assert set(snapshot.features["held_by"]) <= {"UA", "RU"}
        assert (snapshot.features["source"].str.len() > 10).all(), f"{snapshot.as_of} cites no source"
        assert snapshot.features.geometry.is_valid.all()


def test_required_events_are_present(default):
    snapshots, _, _ = default
    events = next(s for s in snapshots if s.kind == "events").features
    text = (events["title"] + " " + events.get("weapon", "").fillna("")).str.lower()
    on = events["occurred_on"]
    assert ((on == "2024-11-19") & text.str.contains("atacms")).any()
    storm_shadow = events[(on == "2024-11-20") & text.str.contains("storm shadow")]
    assert len(storm_shadow) == 1 and len(storm_shadow["claims"].iloc[0]) >= 3
    korean = events[(events["kind"] == "troop_presence") & text.str.contains("korea")]
    assert len(korean) >= 1 and set(korean["confidence"]) <= {"claimed", "disputed"}
    assert len(events) >= 8


def test_reported_figures_and_milestones(default):
    _, figures, milestones = default
    assert {1376.0, 800.0} <= set(figures["value_km2"])
    assert (figures["layer"] == "Kursk incursion").all() and (figures["within"] == "RUS").all()
    assert D("2025-01-20") in set(milestones["date"])


def test_seeding_is_all_or_nothing(tmp_path):
    geodata = tmp_path / "geodata"
    geodata.mkdir()
    for path in ingest.GEODATA.iterdir():
        if path.is_file():
            (geodata / path.name).write_bytes(path.read_bytes())
    (geodata / "layers").mkdir()
    layer_file = ingest.GEODATA / "layers" / "kursk-incursion.geojson"
    (geodata / "layers" / layer_file.name).write_bytes(layer_file.read_bytes())
    (geodata / "milestones.csv").write_text(
        "date,title,source\n20/01/2025,Inauguration,AP\n", encoding="utf-8"
    )
    store = Store(f"sqlite:///{tmp_path / 'seed.db'}")
    with pytest.raises(InvalidInputError, match="line 2: date expected"):
        ingest.seed_default_data(store, geodata)
    assert store.is_empty()
    (geodata / "milestones.csv").write_bytes((ingest.GEODATA / "milestones.csv").read_bytes())
    (geodata / "events.geojson").write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", '
        '"geometry": {"type": "Point", "coordinates": [35, 51]}, "properties": {"kind": "strike"}}]}',
        encoding="utf-8",
    )
    with pytest.raises(ValidationFailed, match="occurred_on: is missing"):
        ingest.seed_default_data(store, geodata)
    assert store.is_empty()


def test_seeding_twice_writes_once(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'seed.db'}")
    written = ingest.seed_default_data(store)
    assert written >= 16
    assert ingest.seed_default_data(store) == 0
    assert len(store.heads("Kursk incursion")) == written - 1


# --- editors' imports ------------------------------------------------------------


def territory_file(box=(35.0, 51.0, 35.2, 51.2), **properties) -> bytes:
    props = {"held_by": "UA", "status": "held", "source": "test"} | properties
    geometry = json.loads(shapely.to_geojson(shapely.box(*box)))
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "geometry": geometry, "properties": props}],
        }
    ).encode()


def test_snapshot_dates_from_names_or_as_of():
    assert ingest.snapshot_dates(["a-2024-11-25.geojson", "b-20241126.json"]) == [
        D("2024-11-25"),
        D("2024-11-26"),
    ]
    assert ingest.snapshot_dates(["undated.geojson"], D("2024-11-25")) == [D("2024-11-25")]


@pytest.mark.parametrize(
    "names, as_of, message",
    [
        (
            ["a-2024-11-25.geojson", "undated.geojson"],
            None,
            "no date in the file name of undated.geojson; pass --as-of YYYY-MM-DD",
        ),
        (
            ["a-2024-11-25.geojson", "b-20241125.json"],
            None,
            "a-2024-11-25.geojson and b-20241125.json both give the date 2024-11-25",
        ),
        (
            ["a.geojson", "b.geojson"],
            D("2024-11-25"),
            "--as-of gives every file the same date, and 2 files were given",
        ),
    ],
)
def test_snapshot_dates_refuse_what_would_lose_a_snapshot(names, as_of, message):
    with pytest.raises(InvalidInputError, match=re.escape(message)):
        ingest.snapshot_dates(names, as_of)


def test_import_writes_every_file_in_one_transaction_with_name_and_hash(store, monkeypatch):
    uploads = [
        ingest.Upload(f"kursk-2024-11-{day}.geojson", territory_file((35.0, 51.0, 35.0 + day / 100, 51.2)))
        for day in (25, 26, 27)
    ]
    ticks = []
    plan = ingest.plan_import(uploads, "Kursk test", progress=lambda done, total: ticks.append((done, total)))
    assert plan.ok and ticks == [(1, 3), (2, 3), (3, 3)] and plan.n_features == 3
    calls = []
    real_write = store.write
    monkeypatch.setattr(
        store, "write", lambda *args, **kwargs: calls.append(kwargs) or real_write(*args, **kwargs)
    )
    written = ingest.write_import(store, plan, actor="cli")
    assert len(calls) == 1 and calls[0]["actor"] == "cli" and calls[0]["action"] == "import"
    assert len(written.version_ids) == 3 and written.unchanged == []
    history = store.history("Kursk test").sort_values("as_of")
    assert history["file_name"].tolist() == [u.name for u in uploads]
    assert history["sha256"].tolist() == [ingest.sha256(u.raw) for u in uploads]
    assert list(history["as_of"]) == [D("2024-11-25"), D("2024-11-26"), D("2024-11-27")]
    again = ingest.write_import(store, ingest.plan_import(uploads[:1], "Kursk test"), actor="cli")
    assert again.unchanged == [uploads[0].name] and again.version_ids == [written.version_ids[0]]


def test_import_writes_figures_with_its_snapshots_all_or_nothing(store):
    from layers.figures import check_figures

    row = {"date": "2024-11-25", "scope": "s", "layer": "Figures", "held_by": "UA", "status": "held"}
    figures = check_figures(
        pd.DataFrame([{**row, "value_km2": "12", "kind": "mapped", "source": "DeepStateMap"}]), "t"
    )
    plan = ingest.plan_import([ingest.Upload("a-2024-11-25.geojson", territory_file())], "Figures")
    ingest.write_import(store, plan, actor="sync", figures=figures)
    assert store.reported_figures()["value_km2"].tolist() == [12.0]
    assert len(store.history("Figures")) == 1
    refused = figures.assign(note="\x00")
    plan = ingest.plan_import([ingest.Upload("a-2024-11-26.geojson", territory_file())], "Figures")
    with pytest.raises(InvalidInputError):
        ingest.write_import(store, plan, actor="sync", figures=refused)
    assert len(store.history("Figures")) == 1, "a refused figure keeps its snapshot out too"


def test_import_writes_nothing_when_any_file_fails(store):
    uploads = [
        ingest.Upload("a-2024-11-25.geojson", territory_file()),
        ingest.Upload("b-2024-11-26.geojson", territory_file(status="won")),
    ]
    plan = ingest.plan_import(uploads, "Kursk test")
    assert not plan.ok and plan.snapshots == [] and [r.name for r in plan.failed] == ["b-2024-11-26.geojson"]
    with pytest.raises(ValidationFailed, match="status: 'won' is not allowed"):
        ingest.write_import(store, plan, actor="cli")
    assert store.is_empty()


def test_import_refuses_a_layer_of_another_kind(store):
    ingest.write_import(
        store,
        ingest.plan_import([ingest.Upload("a-2024-11-25.geojson", territory_file())], "Mixed"),
        actor="cli",
    )
    event = {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [35, 51]},
        "properties": {
            "id": "e1",
            "kind": "strike",
            "occurred_on": "2024-11-20",
            "title": "t",
            "source": "s",
            "confidence": "claimed",
        },
    }
    raw = json.dumps({"type": "FeatureCollection", "features": [event]}).encode()
    plan = ingest.plan_import([ingest.Upload("events-2024-11-26.geojson", raw)], "Mixed", kind="events")
    assert plan.ok
    with pytest.raises(InvalidInputError, match="layer 'Mixed' is a territory layer; these files are events"):
        ingest.write_import(store, plan, actor="cli")


def test_import_with_repair_keeps_repaired_features(store):
    raw = (DATA / "bowtie-2024-11-25.geojson").read_bytes()
    assert not ingest.plan_import([ingest.Upload("bowtie-2024-11-25.geojson", raw)], "Repairs").ok
    plan = ingest.plan_import([ingest.Upload("bowtie-2024-11-25.geojson", raw)], "Repairs", repair=True)
    assert plan.ok and len(plan.reports[0].repairs) == 1
    [version] = ingest.write_import(store, plan, actor="cli").version_ids
    assert store.features(version).geometry.is_valid.all()


def geodesic_km2(geometry) -> float:
    """Karney's area of an oriented geometry with pyproj directly, independent of layers.areas."""
    oriented = shapely.orient_polygons(geometry, exterior_cw=False)
    return abs(pyproj.Geod(ellps="WGS84").geometry_area_perimeter(oriented)[0]) / 1e6


def test_raw_deepstate_import_stores_areas_matching_pyproj_geod(tmp_path):
    path = shared_data("deepstate-raw-full", "2024-11-25.geojson")
    store = Store(f"sqlite:///{tmp_path / 'import.db'}")
    try:
        plan = ingest.plan_import(
            [ingest.Upload(path.name, path.read_bytes())], "DeepStateMap raw", mapping=DEEPSTATE
        )
        [version] = ingest.write_import(store, plan, actor="cli").version_ids
        stored = store.area_series("DeepStateMap raw")
        stored = stored[stored["within"] == ""].set_index(["held_by", "status"])["area_km2"]
        features = store.features(version)
    finally:
        store.close()
    assert set(stored.index) == {("UA", "held"), ("RU", "held"), ("UA", "contested"), ("RU", "contested")}
    # The same geometry, dissolved per side and status, measured with pyproj.Geod directly.
    for (held_by, status), group in features.groupby(["held_by", "status"]):
        expected = geodesic_km2(shapely.union_all(shapely.make_valid(group.geometry.values)))
        assert stored[(held_by, status)] == pytest.approx(expected, rel=1e-4), (held_by, status)
    # And held ground straight from the raw file, classified here by the key at the end of the name.
    document = json.loads(path.read_bytes())
    by_side = {"UA": [], "RU": []}
    for feature in document["features"]:
        key = feature["properties"]["name"].replace("\xa0", " ").split("///")[-1].strip().split(" ")[0]
        side = {
            "geoJSON.status.dismissed": "UA",
            "geoJSON.status.dismissed_at": "UA",
            "geoJSON.zmiinyi_island": "UA",
            "geoJSON.status.occupied": "RU",
            "geoJSON.territories.crimea": "RU",
            "geoJSON.territories.ordlo": "RU",
            "geoJSON.territories.tuzla": "RU",
        }.get(key)
        if side and feature["geometry"]["type"] == "Polygon":
            by_side[side].append(shapely.force_2d(shapely.from_geojson(json.dumps(feature["geometry"]))))
    for side, polygons in by_side.items():
        expected = geodesic_km2(shapely.union_all(shapely.make_valid(polygons)))
        assert stored[(side, "held")] == pytest.approx(expected, rel=1e-4), side


def plan_contents(plan: ingest.ImportPlan) -> list:
    """Everything a plan says about its files, comparable between two plans."""
    reports = [(r.name, [(p.severity, str(p)) for p in r.problems], r.repairs) for r in plan.reports]
    snapshots = [
        (
            s.layer,
            s.as_of,
            s.sha256,
            s.file_name,
            s.features.drop(columns="geometry").to_json(),
            shapely.to_wkb(s.features.geometry.values).tolist(),
            snapshot_area_rows(s),
        )
        for s in plan.snapshots
    ]
    return [reports, snapshots]


def test_an_import_checked_in_worker_processes_plans_the_same(monkeypatch):
    uploads = [
        ingest.Upload(f"kursk-2024-11-{day}.geojson", territory_file((35.0, 51.0, 35.0 + day / 100, 51.2)))
        for day in range(10, 29)
    ]
    uploads.append(
        ingest.Upload("bowtie-2024-11-29.geojson", (DATA / "bowtie-2024-11-25.geojson").read_bytes())
    )
    one = ingest.plan_import(uploads, "Kursk test", repair=True, workers=1)
    ticks = []
    several = ingest.plan_import(
        uploads, "Kursk test", repair=True, workers=2, progress=lambda done, total: ticks.append(done)
    )
    assert one.ok and several.ok and ticks == list(range(1, len(uploads) + 1))
    # Every file is checked and measured in its own bounded child process (layers.checking).
    assert all(s.areas is not None for s in [*one.snapshots, *several.snapshots])
    assert plan_contents(several) == plan_contents(one)
    failing = [*uploads[:3], ingest.Upload("b-2024-12-01.geojson", territory_file(status="won"))]
    assert plan_contents(ingest.plan_import(failing, "Kursk test", workers=2)) == plan_contents(
        ingest.plan_import(failing, "Kursk test", workers=1)
    )
    # The environment chooses when the caller does not; a server (threads) never forks.
    monkeypatch.setenv(ingest.WORKERS_VARIABLE, "3")
    assert ingest.worker_count(None, 5) == 3 and ingest.worker_count(1, 500) == 1
    monkeypatch.setenv(ingest.WORKERS_VARIABLE, "many")
    with pytest.raises(InvalidInputError, match="FRONTLINE_IMPORT_WORKERS"):
        ingest.worker_count(None, 5)
    monkeypatch.delenv(ingest.WORKERS_VARIABLE)
    assert ingest.worker_count(None, ingest.PARALLEL_MIN_FILES - 1) == 1


def test_a_large_import_uses_one_worker_per_cpu_but_never_forks_a_threaded_process(monkeypatch):
    monkeypatch.delenv(ingest.WORKERS_VARIABLE, raising=False)
    # The command line's process has one thread; the test runner's may have more (left by
    # other tests' servers and pools), so the single-threaded cases say so explicitly.
    with monkeypatch.context() as single:
        single.setattr(checking.threading, "active_count", lambda: 1)
        single.setattr(checking.os, "sched_getaffinity", lambda pid: {0, 1, 2, 3, 4, 5, 6, 7}, raising=False)
        assert ingest.worker_count(None, ingest.PARALLEL_MIN_FILES) == ingest.MAX_WORKERS
        single.setattr(checking.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
        assert ingest.worker_count(None, ingest.PARALLEL_MIN_FILES) == 2
    assert ingest.worker_count(0, 10) == 1, "at least one process"
    release = threading.Event()
    server_thread = threading.Thread(target=release.wait)
    server_thread.start()
    try:
        assert ingest.worker_count(None, 10_000) == 1, "a fork would not carry the other thread along"
        assert ingest.worker_count(3, 10_000) == 3, "unless the caller asks"
    finally:
        release.set()
        server_thread.join()
