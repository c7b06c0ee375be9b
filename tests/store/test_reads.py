"""Reading the store, on SQLite and PostGIS: layers, heads, history, features, areas, figures, milestones."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pyproj
import pytest
import shapely

from layers.errors import UnknownLayerError
from layers.store import LayerInfo, NewSnapshot, reads
from tests.conftest import box_snapshot, snapshot, territory

AUG10 = dt.date(2024, 8, 10)
KEY = ("Test", AUG10)
HISTORY_COLUMNS = [
    "version_id",
    "as_of",
    "action",
    "created_by",
    "created_at",
    "file_name",
    "sha256",
    "n_features",
    "replaced_version_id",
    "is_head",
    "fetched_from",
]


def geodesic_km2(geometry) -> float:
    """Karney's area with pyproj directly, independent of layers.areas."""
    oriented = shapely.orient_polygons(geometry, exterior_cw=False)
    return abs(pyproj.Geod(ellps="WGS84").geometry_area_perimeter(oriented)[0]) / 1e6


def test_round_trip_keeps_geometry_and_properties(two_snapshot_store):
    heads = two_snapshot_store.heads("Test")
    features = two_snapshot_store.features(int(heads["version_id"].iloc[0]))
    assert features.crs == "EPSG:4326"
    assert features.geometry.iloc[0].equals(shapely.box(35.10, 51.00, 35.30, 51.25))
    assert features["source"].iloc[0] == "test source A"


def test_missing_properties_stay_missing_and_text_keeps_its_characters(store):
    frame = territory([(shapely.box(35, 51, 35.1, 51.1), "UA", "held", "Суджа ✓")])
    frame["note"] = [None]
    store.write([NewSnapshot("Props", AUG10, frame, "a" * 64)], actor="t")
    features = store.features(store.head_version("Props", AUG10))
    assert features["source"].tolist() == ["Суджа ✓"]
    assert "note" not in features.columns, "a missing value is not stored as null"


def test_a_version_without_features_reads_as_an_empty_frame(store):
    empty = territory([])
    [version] = store.write([NewSnapshot("Empty", AUG10, empty, "b" * 64)], actor="t")
    features = store.features(version)
    assert len(features) == 0 and features.crs == "EPSG:4326"


def test_areas_are_stored_at_import_for_each_border(two_snapshot_store):
    series = two_snapshot_store.area_series("Test")
    assert set(series["within"]) == {"", "RUS", "UKR"}
    assert (series["method"].str.contains("geodesic")).all()
    first = series[
        (series.as_of == dt.date(2024, 8, 10)) & (series.held_by == "UA") & (series.status == "held")
    ]
    total = first[first.within == ""]["area_km2"].item()
    assert first[first.within == "RUS"]["area_km2"].item() + first[first.within == "UKR"][
        "area_km2"
    ].item() == pytest.approx(total, rel=1e-3)
    assert total == pytest.approx(geodesic_km2(shapely.box(35.10, 51.00, 35.30, 51.25)), rel=1e-4)


def test_area_series_covers_every_layer_unless_one_is_named(two_snapshot_store):
    store = two_snapshot_store
    store.write([box_snapshot("s", layer="Other")], actor="t")
    everything = store.area_series()
    assert list(everything.columns) == ["as_of", "layer", "held_by", "status", "within", "area_km2", "method"]
    assert set(everything["layer"]) == {"Test", "Other"}
    assert set(store.area_series("Other")["layer"]) == {"Other"}
    assert everything[["as_of", "layer"]].apply(tuple, axis=1).is_monotonic_increasing


def test_layers_lists_each_with_its_span(two_snapshot_store):
    store = two_snapshot_store
    store.write([snapshot("Events", "2024-09-01", [], kind="events")], actor="t")
    assert store.layers() == [
        LayerInfo("Events", "events", "", 1, dt.date(2024, 9, 1), dt.date(2024, 9, 1)),
        LayerInfo("Test", "territory", "", 2, dt.date(2024, 8, 10), dt.date(2024, 8, 20)),
    ]


def test_is_empty_until_the_first_write(store):
    assert store.is_empty()
    store.write([box_snapshot("s")], actor="t")
    assert not store.is_empty()


def test_revision_changes_with_every_write(two_snapshot_store):
    before = two_snapshot_store.revision()
    two_snapshot_store.write(
        [snapshot("Test", "2024-09-01", [(shapely.box(35, 51, 35.1, 51.1), "UA", "held", "s")])], actor="t"
    )
    assert two_snapshot_store.revision() != before


def test_unknown_layer_lists_known_ones(two_snapshot_store):
    with pytest.raises(UnknownLayerError, match="'Test'"):
        two_snapshot_store.heads("Nope")


def test_an_empty_store_says_it_has_no_layer_yet(store):
    with pytest.raises(UnknownLayerError, match=r"^no layer named 'Nope' in .*; layers: none yet\.$"):
        store.area_series("Nope")


def test_head_version_is_none_until_a_snapshot_exists(store):
    assert store.head_version("Test", AUG10) is None, "unknown layer"
    [version] = store.write([box_snapshot("s")], actor="alice")
    assert store.head_version("Test", AUG10) == version
    assert store.head_version("Test", "2024-08-10") == version
    assert store.head_version("Test", dt.date(2024, 8, 11)) is None


def test_current_version_is_what_the_head_points_at(two_snapshot_store):
    store = two_snapshot_store
    [newer] = store.write([box_snapshot("newer", east=35.2)], actor="bob")
    with store.engine.connect() as connection:
        layer_id = reads.find_layer(connection, "Test")
        current = reads.current_version(connection, layer_id, AUG10)
        assert reads.find_layer(connection, "Nope") is None
        assert reads.current_version(connection, None, AUG10) is None
        assert reads.require_layer(connection, "Test", store.display_url) == layer_id
    assert (current.id, current.sha256, current.created_by) == (
        newer,
        box_snapshot("newer", east=35.2).sha256,
        "bob",
    )


def test_history_lists_every_version_newest_first(two_snapshot_store):
    store = two_snapshot_store
    first = store.head_version(*KEY)
    aug20 = store.head_version("Test", "2024-08-20")
    [second] = store.write([box_snapshot("bob's", east=35.2)], actor="bob")

    history = store.history("Test")

    assert list(history.columns) == HISTORY_COLUMNS
    assert history["version_id"].tolist() == sorted([first, aug20, second], reverse=True)
    rows = history.set_index("version_id")
    assert rows.loc[second, ["as_of", "action", "created_by", "n_features", "is_head"]].tolist() == [
        AUG10,
        "import",
        "bob",
        1,
        True,
    ]
    assert rows.loc[second, "replaced_version_id"] == first
    assert not rows.loc[first, "is_head"] and pd.isna(rows.loc[first, "replaced_version_id"])
    assert rows.loc[aug20, "is_head"] and rows.loc[aug20, "n_features"] == 2
    assert rows.loc[second, "sha256"] == box_snapshot("bob's", east=35.2).sha256
    assert str(history["created_at"].dt.tz) == "UTC"
    now = pd.Timestamp.now(tz="UTC")
    assert ((now - history["created_at"]) < pd.Timedelta(minutes=5)).all(), history["created_at"]


def test_history_of_an_unknown_layer_names_the_known_ones(two_snapshot_store):
    with pytest.raises(UnknownLayerError, match="no layer named 'Nope'.*layers: 'Test'"):
        two_snapshot_store.history("Nope")


def test_figures_and_milestones_read_back_oldest_first(store):
    figures = pd.DataFrame(
        [
            {
                "date": dt.date(2024, 11, 30),
                "scope": "later",
                "value_km2": 730.0,
                "kind": "mapped",
                "source": "S",
            },
            {
                "date": dt.date(2024, 8, 31),
                "scope": "earlier",
                "value_km2": 363.0,
                "kind": "mapped",
                "source": "S",
            },
        ]
    )
    milestones = pd.DataFrame(
        [
            {"date": dt.date(2025, 1, 20), "title": "Inauguration", "source": "AP"},
            {"date": dt.date(2024, 8, 6), "title": "Incursion begins", "source": "Reuters"},
        ]
    )
    store.write(figures=figures, milestones=milestones, actor="seed")
    read = store.reported_figures()
    assert read["scope"].tolist() == ["earlier", "later"]
    assert read.loc[0, ["layer", "measure", "note"]].tolist() == ["", "at date", ""]
    assert store.milestones().values.tolist() == [
        [dt.date(2024, 8, 6), "Incursion begins", "Reuters"],
        [dt.date(2025, 1, 20), "Inauguration", "AP"],
    ]


def test_provenance_of_a_synced_version_and_none_for_an_upload(store):
    fetched = {
        "url": "http://127.0.0.1:1/data/x.geojson",
        "fetched_at": "2026-12-03T10:00:00+00:00",
        "sha256": "c" * 64,
        "etag": '"abc"',
        "last_modified": None,
    }
    frame = territory([(shapely.box(35, 51, 35.1, 51.1), "RU", "held", "s")])
    [uploaded] = store.write([NewSnapshot("Synced", AUG10, frame, "d" * 64)], actor="t")
    later = AUG10 + dt.timedelta(days=1)
    [synced] = store.write(
        [NewSnapshot("Synced", later, frame, "c" * 64, provenance=fetched)], actor="sync", action="sync"
    )
    assert store.provenance(uploaded) is None
    assert store.provenance(synced) == fetched
    history = store.history("Synced").set_index("version_id")
    assert (
        history.loc[synced, "fetched_from"] == fetched["url"] and history.loc[uploaded, "fetched_from"] == ""
    )
    table = store.synced("Synced")
    assert table["as_of"].tolist() == [later] and table["version_id"].tolist() == [synced]
    assert table["fetched_at"].iloc[0] == pd.Timestamp("2026-12-03T10:00:00Z")
    assert table["etag"].tolist() == ['"abc"'] and table["last_modified"].isna().all()
    with pytest.raises(UnknownLayerError):
        store.synced("Nope")
