"""Creating a layer before its first snapshot, with its credit; changing the credit; audited,
all or nothing, on SQLite and PostGIS."""

import dataclasses
import json

import pytest
from sqlalchemy import text

from layers.credits import DEEPSTATE, Credit
from layers.errors import InvalidInputError, UnknownLayerError
from layers.store import Store
from tests.conftest import box_snapshot


def test_a_created_layer_is_empty_credited_and_audited(store):
    store.create_layer("Occupied", "territory", description="raw map", credit=DEEPSTATE, actor="alice")
    [info] = store.layers()
    assert (info.name, info.kind, info.description, info.n_snapshots) == (
        "Occupied",
        "territory",
        "raw map",
        0,
    )
    assert info.credit == DEEPSTATE and store.credit("Occupied") == DEEPSTATE
    with store.engine.connect() as connection:
        actor, action, detail = connection.execute(
            text("select actor, action, detail from audit order by id desc limit 1")
        ).one()
    assert (actor, action) == ("alice", "create layer")
    assert json.loads(detail)["licence"] == "CC BY-NC-SA 4.0"
    # A first import then goes into it and keeps its credit.
    store.write([box_snapshot("x", layer="Occupied")], actor="cli")
    assert store.credit("Occupied") == DEEPSTATE and store.layers()[0].n_snapshots == 1


def test_a_taken_name_or_a_bad_field_writes_nothing(store):
    store.create_layer("Occupied", "territory", credit=DEEPSTATE, actor="alice")
    revision = store.revision()
    with pytest.raises(InvalidInputError, match="exists already"):
        store.create_layer("Occupied", "events", actor="alice")
    with pytest.raises(InvalidInputError, match="licence .* control characters|licence"):
        store.create_layer("Other", "territory", credit=Credit("a", "CC\nBY", "b"), actor="alice")
    with pytest.raises(InvalidInputError, match="kind"):
        store.create_layer("Other", "raster", actor="alice")
    with pytest.raises(InvalidInputError, match="attribution"):
        store.create_layer("Other", "territory", credit=Credit("a", "b", "x" * 301), actor="alice")
    assert store.revision() == revision and [info.name for info in store.layers()] == ["Occupied"]


def test_a_credit_is_replaced_and_each_change_audited(store):
    store.write([box_snapshot("x")], actor="cli")
    assert store.credit("Test") is None and store.layers()[0].credit == Credit()
    store.set_credit("Test", Credit("Desk", "CC BY 4.0", "Our desk"), actor="bob")
    store.set_credit("Test", Credit("Desk", "CC BY-NC 4.0", "Our desk"), actor="carol")
    assert store.credit("Test") == Credit("Desk", "CC BY-NC 4.0", "Our desk")
    with store.engine.connect() as connection:
        rows = connection.execute(
            text("select actor from audit where action = 'set credit' order by id")
        ).all()
    assert [row.actor for row in rows] == ["bob", "carol"]
    with pytest.raises(UnknownLayerError, match="layers: 'Test'"):
        store.set_credit("Nope", DEEPSTATE, actor="bob")


def test_categorised_reads_only_the_features_that_carry_a_category(store):
    plain = box_snapshot("x", as_of="2024-08-10")
    features = plain.features.assign(category=["liberated"])
    named = dataclasses.replace(box_snapshot("y", as_of="2024-08-11", east=35.2), features=features)
    ids = store.write([plain, named], actor="cli")
    found = store.categorised(ids)
    assert list(found) == [ids[1]]
    assert [row["category"] for row in found[ids[1]]] == ["liberated"]
    assert store.categorised([]) == {}


def test_a_store_made_before_credits_gains_the_table_on_opening_and_keeps_its_layers(store):
    store.write([box_snapshot("x")], actor="cli")
    with store.engine.begin() as connection:
        connection.execute(text("drop table layer_credit"))
    store.close()
    again = Store(store.url)
    [info] = again.layers()
    assert (info.name, info.n_snapshots, info.credit) == ("Test", 1, Credit())
    again.set_credit("Test", DEEPSTATE, actor="cli")
    assert again.credit("Test") == DEEPSTATE
