"""The tables on SQLite and PostGIS: append-only history, and geometry stored natively and exactly."""

from __future__ import annotations

import datetime as dt

import pytest
import shapely
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from layers.store import tables
from tests.conftest import snapshot

AUG10 = dt.date(2024, 8, 10)


@pytest.mark.parametrize(
    "statement", ["update feature set properties = '{}'", "delete from audit", "delete from layer_version"]
)
def test_history_tables_refuse_update_and_delete(two_snapshot_store, statement):
    with pytest.raises(DatabaseError, match="append-only"), two_snapshot_store.engine.begin() as connection:
        connection.execute(text(statement))


@pytest.mark.parametrize("table", tables.APPEND_ONLY)
def test_every_append_only_table_refuses_a_delete(two_snapshot_store, table):
    refused = pytest.raises(DatabaseError, match=f"{table} is append-only")
    with refused, two_snapshot_store.engine.begin() as connection:
        connection.execute(text(f"delete from {table}"))


def test_emptying_a_history_table_at_once_is_refused(two_snapshot_store):
    # PostgreSQL's TRUNCATE fires no row trigger; SQLite's equivalent is an unqualified DELETE.
    statement = "truncate feature" if two_snapshot_store.dialect == "postgresql" else "delete from feature"
    refused = pytest.raises(DatabaseError, match="feature is append-only")
    with refused, two_snapshot_store.engine.begin() as connection:
        connection.execute(text(statement))
    assert len(two_snapshot_store.features(two_snapshot_store.head_version("Test", AUG10))) == 1


def test_the_head_is_the_one_table_that_changes(two_snapshot_store):
    """Moving a head is an UPDATE; every other change to history is refused."""
    store = two_snapshot_store
    before = store.heads("Test")
    with store.engine.begin() as connection:
        assert connection.execute(text("update head set version_id = version_id")).rowcount == 2
    assert store.heads("Test").equals(before)


def test_geometry_is_stored_natively_on_each_database(two_snapshot_store):
    store = two_snapshot_store
    with store.engine.connect() as connection:
        if store.dialect == "postgresql":
            column = connection.execute(
                text(
                    "select format_type(atttypid, atttypmod) from pg_attribute "
                    "where attrelid = 'feature'::regclass and attname = 'geometry'"
                )
            ).scalar()
            assert column == "geometry(Geometry,4326)"
            indexes = (
                connection.execute(
                    text(
                        "select indexdef from pg_indexes "
                        "where tablename = 'feature' and schemaname = current_schema()"
                    )
                )
                .scalars()
                .all()
            )
            assert any("USING gist (geometry)" in index for index in indexes), indexes
            hits = connection.execute(
                text(
                    "select count(*) from feature "
                    "where ST_Intersects(geometry, ST_MakeEnvelope(35.5, 51.1, 35.52, 51.12, 4326))"
                )
            ).scalar()
            assert hits == 1, "only the contested strip east of 35.45 covers that point"
        else:
            kinds = connection.execute(text("select distinct typeof(geometry) from feature")).scalars().all()
            assert kinds == ["blob"]


def test_geometry_comes_back_bit_for_bit(store):
    """WKBGeometry's round trip: full-precision coordinates, holes and multi-parts, on both databases."""
    hole = shapely.box(35.123456789012345, 51.000000000000007, 35.2, 51.1)
    shell = shapely.Polygon(
        [(35.0, 50.9), (35.300000000000004, 50.9), (35.3, 51.2), (35.0, 51.2)],
        holes=[list(hole.exterior.coords)],
    )
    multi = shapely.MultiPolygon([shell, shapely.box(36.1, 51.0, 36.2, 51.1)])
    store.write([snapshot("Exact", "2024-08-10", [(multi, "UA", "held", "s")])], actor="test")
    with store.engine.connect() as connection:
        [stored] = connection.execute(select(tables.feature.c.geometry)).scalars().all()
    assert isinstance(stored, bytes)
    assert shapely.from_wkb(stored).equals_exact(multi, tolerance=0)
    assert shapely.to_wkb(shapely.from_wkb(stored)) == shapely.to_wkb(multi)
