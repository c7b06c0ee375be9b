"""Dates from file names, and the embedded default data against the contract and the brief."""

from __future__ import annotations

import datetime as dt

import pytest

from layers import ingest
from layers.errors import InvalidInputError, ValidationFailed
from layers.store import Store

D = dt.date.fromisoformat


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
    (geodata / "milestones.csv").write_text("date,title,source\n20/01/2025,Inauguration,AP\n", encoding="utf-8")
    store = Store(f"sqlite:///{tmp_path / 'seed.db'}")
    with pytest.raises(InvalidInputError, match="line 2: date expected"):
        ingest.seed_default_data(store, geodata)
    assert store.is_empty()
    (geodata / "milestones.csv").write_bytes((ingest.GEODATA / "milestones.csv").read_bytes())
    (geodata / "events.geojson").write_text('{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [35, 51]}, "properties": {"kind": "strike"}}]}', encoding="utf-8")
    with pytest.raises(ValidationFailed, match="occurred_on: is missing"):
        ingest.seed_default_data(store, geodata)
    assert store.is_empty()


def test_seeding_twice_writes_once(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'seed.db'}")
    written = ingest.seed_default_data(store)
    assert written >= 16
    assert ingest.seed_default_data(store) == 0
    assert len(store.heads("Kursk incursion")) == written - 1
