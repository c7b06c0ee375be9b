"""The SQLite store: round trips, append-only history, all-or-nothing writes, seeding once."""

from __future__ import annotations

import datetime as dt

import pytest
import shapely
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from layers.errors import UnknownLayerError
from layers.store import Store
from tests.conftest import snapshot


def test_round_trip_keeps_geometry_and_properties(two_snapshot_store):
    heads = two_snapshot_store.heads("Test")
    features = two_snapshot_store.features(int(heads["version_id"].iloc[0]))
    assert features.crs == "EPSG:4326"
    assert features.geometry.iloc[0].equals(shapely.box(35.10, 51.00, 35.30, 51.25))
    assert features["source"].iloc[0] == "test source A"


def test_areas_are_stored_at_import_for_each_border(two_snapshot_store):
    series = two_snapshot_store.area_series("Test")
    assert set(series["within"]) == {"", "RUS", "UKR"}
    assert (series["method"].str.contains("geodesic")).all()
    first = series[(series.as_of == dt.date(2024, 8, 10)) & (series.held_by == "UA") & (series.status == "held")]
    total = first[first.within == ""]["area_km2"].item()
    assert first[first.within == "RUS"]["area_km2"].item() + first[first.within == "UKR"]["area_km2"].item() == pytest.approx(total, rel=1e-3)


def test_reimporting_a_date_adds_a_version_and_keeps_the_old(two_snapshot_store):
    before = two_snapshot_store.heads("Test")
    two_snapshot_store.write([snapshot("Test", "2024-08-10", [(shapely.box(35, 51, 35.1, 51.1), "UA", "held", "fix")])], actor="editor")
    after = two_snapshot_store.heads("Test")
    assert len(after) == len(before)
    assert after["version_id"].iloc[0] != before["version_id"].iloc[0]
    old = two_snapshot_store.features(int(before["version_id"].iloc[0]))
    assert old["source"].iloc[0] == "test source A"
    with two_snapshot_store.engine.connect() as connection:
        audit = connection.execute(text("select action, replaced_version_id from audit order by id desc limit 1")).one()
    assert audit.replaced_version_id == before["version_id"].iloc[0]


@pytest.mark.parametrize("statement", ["update feature set properties = '{}'", "delete from audit", "delete from layer_version"])
def test_history_tables_refuse_update_and_delete(two_snapshot_store, statement):
    with pytest.raises(DatabaseError, match="append-only"):
        with two_snapshot_store.engine.begin() as connection:
            connection.execute(text(statement))


def test_a_failing_batch_writes_nothing(store):
    good = snapshot("Test", "2024-08-10", [(shapely.box(35, 51, 35.1, 51.1), "UA", "held", "s")])
    bad = snapshot("Test", "2024-08-11", [(shapely.box(35, 51, 35.1, 51.1), "UA", "held", "s")])
    object.__setattr__(bad, "as_of", None)  # NOT NULL violation inside the transaction
    with pytest.raises(Exception):
        store.write([good, bad], actor="test")
    assert store.is_empty()


def test_only_if_empty_writes_once(store):
    first = snapshot("Test", "2024-08-10", [(shapely.box(35, 51, 35.1, 51.1), "UA", "held", "s")])
    assert store.write([first], actor="seed", only_if_empty=True)
    assert store.write([first], actor="seed", only_if_empty=True) == []
    assert len(store.heads("Test")) == 1


def test_revision_changes_with_every_write(two_snapshot_store):
    before = two_snapshot_store.revision()
    two_snapshot_store.write([snapshot("Test", "2024-09-01", [(shapely.box(35, 51, 35.1, 51.1), "UA", "held", "s")])], actor="t")
    assert two_snapshot_store.revision() != before


def test_unknown_layer_lists_known_ones(two_snapshot_store):
    with pytest.raises(UnknownLayerError, match="'Test'"):
        two_snapshot_store.heads("Nope")


def test_default_url_follows_environment(monkeypatch, tmp_path):
    from layers.store import default_url

    monkeypatch.setenv("FRONTLINE_DB", f"sqlite:///{tmp_path / 'x.db'}")
    assert default_url().endswith("x.db")
    monkeypatch.delenv("FRONTLINE_DB")
    assert default_url().startswith("sqlite:///") and default_url().endswith("frontline.db")


def test_store_reopens_existing_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'again.db'}"
    Store(url).write([snapshot("Test", "2024-08-10", [(shapely.box(35, 51, 35.1, 51.1), "UA", "held", "s")])], actor="t")
    assert [i.name for i in Store(url).layers()] == ["Test"]
