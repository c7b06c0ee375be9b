"""Inserting versions: a batch writes the rows writing one by one gives; which writes are batched."""

from __future__ import annotations

import dataclasses
import datetime as dt

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from sqlalchemy import func, select, text

from layers.credits import Credit
from layers.store import NewSnapshot, Store, tables, versions
from tests.conftest import box_snapshot


def test_a_batch_writes_what_one_snapshot_at_a_time_writes(store_url, tmp_path):
    """Store.write writes many snapshots with a few multi-row statements; the rows must be
    those that writing them one by one gives (ids, parents, heads, features, areas, audit)."""
    first = [box_snapshot("a", "2024-08-10"), box_snapshot("b", "2024-08-11", east=35.3)]
    batch = [
        box_snapshot("a", "2024-08-10"),  # identical: not written again
        box_snapshot("c", "2024-08-11", east=35.4),  # replaces b
        box_snapshot("d", "2024-08-12", east=35.5),
        box_snapshot("e", "2024-08-13", east=35.6, layer="Other"),  # a new layer
    ]

    def dump(store: Store) -> dict:
        queries = {
            "layer": "select id, name, kind, description from layer order by id",
            "version": "select id, layer_id, as_of, parent_version_id, sha256, n_features, schema_version, "
            "created_by, file_name, action from layer_version order by id",
            "head": "select layer_id, as_of, version_id from head order by layer_id, as_of",
            "feature": "select version_id, idx, properties from feature order by version_id, idx",
            "area": "select version_id, held_by, status, within, area_km2, method from area "
            "order by version_id, held_by, status, within",
            "audit": "select id, actor, action, layer_id, as_of, version_id, replaced_version_id, sha256, "
            "detail from audit order by id",
        }
        with store.engine.connect() as connection:
            # Dates as text: SQLite gives them back so, PostgreSQL as dates.
            found = {
                name: [
                    tuple(v.isoformat() if isinstance(v, dt.date) else v for v in row)
                    for row in connection.execute(text(query))
                ]
                for name, query in queries.items()
            }
        found["geometry"] = [
            shapely.to_wkb(store.features(v).geometry.values).tolist() for (v, *_) in found["version"]
        ]
        return found

    def write(store: Store, one_by_one: bool) -> tuple[list[int], dict]:
        try:
            store.write(first, actor="test")
            ids = (
                [store.write([s], actor="cli")[0] for s in batch]
                if one_by_one
                else store.write(batch, actor="cli")
            )
            return ids, dump(store)
        finally:
            store.close()

    # The one-by-one reference is written to SQLite; the batch to the store under test.
    reference = write(Store(f"sqlite:///{tmp_path / 'one-by-one.db'}"), one_by_one=True)
    assert write(Store(store_url), one_by_one=False) == reference
    ids, rows = reference
    assert ids == [1, 3, 4, 5], "the identical snapshot keeps its version"
    assert [row[3] for row in rows["version"]] == [None, None, 2, None, None]
    assert rows["head"][:3] == [(1, "2024-08-10", 1), (1, "2024-08-11", 3), (1, "2024-08-12", 4)]


@pytest.mark.parametrize(
    "snapshots, expected",
    [
        ([box_snapshot("a", "2024-08-10"), box_snapshot("b", "2024-08-11")], True),
        ([box_snapshot("a", "2024-08-10"), box_snapshot("b", "2024-08-10", layer="Other")], True),
        ([box_snapshot("a", "2024-08-10")], False),
        ([box_snapshot("a", "2024-08-10"), box_snapshot("b", "2024-08-10", east=35.2)], False),
        (
            [
                box_snapshot("a", "2024-08-10"),
                dataclasses.replace(box_snapshot("b"), as_of=pd.Timestamp("2024-08-11")),
            ],
            False,
        ),
    ],
    ids=["two dates", "two layers", "one snapshot", "one key twice", "a Timestamp for a date"],
)
def test_batchable_wants_several_distinct_keys_of_plain_dates(snapshots, expected):
    assert versions.batchable(snapshots) is expected


def test_a_timestamp_date_is_written_one_by_one_as_a_plain_date(store):
    [version] = store.write(
        [dataclasses.replace(box_snapshot("s"), as_of=pd.Timestamp("2024-08-10"))], actor="t"
    )
    assert store.head_version("Test", dt.date(2024, 8, 10)) == version


def test_ensure_layer_creates_a_layer_once_and_keeps_its_first_description(store):
    with store.writing() as connection:
        first = versions.ensure_layer(connection, _bare("New", "events", "first words"), "cli")
        again = versions.ensure_layer(connection, _bare("New", "territory", "other words"), "cli")
        other = versions.ensure_layer(connection, _bare("Another", "territory", ""), "cli")
    assert first == again != other
    with store.engine.connect() as connection:
        rows = connection.execute(
            select(tables.layer.c.name, tables.layer.c.kind, tables.layer.c.description).order_by(
                tables.layer.c.id
            )
        ).all()
        heads = connection.execute(select(func.count()).select_from(tables.head)).scalar()
    assert [tuple(row) for row in rows] == [("New", "events", "first words"), ("Another", "territory", "")]
    assert heads == 0, "a layer alone has no snapshot"


def _bare(layer, kind, description, credit=None):
    """A snapshot with no features: all ``ensure_layer`` reads is its layer's fields."""
    return NewSnapshot(
        layer,
        dt.date(2024, 8, 20),
        gpd.GeoDataFrame(geometry=[], crs=4326),
        "0" * 64,
        kind,
        description,
        credit=credit,
    )


def test_ensure_layer_records_the_first_credit_given_and_never_overwrites_it(store):
    first = Credit("DeepStateMap", "CC BY-NC-SA 4.0", "DeepStateMap")
    with store.writing() as connection:
        versions.ensure_layer(connection, _bare("Plain", "territory", ""), "cli")
        versions.ensure_layer(connection, _bare("Credited", "territory", "", first), "cli")
        versions.ensure_layer(
            connection, _bare("Credited", "territory", "", Credit("Other", "CC0 1.0")), "cli"
        )
        # A layer made before credits (or without one) gains the first credit a write brings.
        versions.ensure_layer(connection, _bare("Plain", "territory", "", Credit("NASA FIRMS")), "cli")
    assert store.credits() == {"Credited": first, "Plain": Credit("NASA FIRMS")}


def test_a_copy_is_a_new_version_with_the_same_content(two_snapshot_store):
    store = two_snapshot_store
    aug20 = dt.date(2024, 8, 20)
    original = store.head_version("Test", aug20)
    areas_before = store.area_series("Test").pipe(lambda s: s[s.as_of == aug20]).reset_index(drop=True)
    with store.writing() as connection:
        target = connection.execute(
            select(tables.layer_version).where(tables.layer_version.c.id == original)
        ).one()
        current = connection.execute(
            select(tables.layer_version).where(tables.layer_version.c.id == original)
        ).one()
        copy = versions.copy_version(connection, target, "carol", current)
    assert copy != original and store.head_version("Test", aug20) == copy
    assert (
        shapely.to_wkb(store.features(copy).geometry.values).tolist()
        == shapely.to_wkb(store.features(original).geometry.values).tolist()
    )
    areas_after = store.area_series("Test").pipe(lambda s: s[s.as_of == aug20]).reset_index(drop=True)
    pd.testing.assert_frame_equal(areas_after, areas_before)
    assert len(areas_after) == 2 * 3, "both statuses, each unclipped and within RUS and UKR"
    history = store.history("Test").set_index("version_id")
    assert history.loc[copy, ["action", "created_by", "sha256", "replaced_version_id"]].tolist() == [
        "revert",
        "carol",
        history.loc[original, "sha256"],
        original,
    ]
