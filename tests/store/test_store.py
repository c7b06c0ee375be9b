"""Opening a store: the default URL, creating the tables once, reopening, and messages without passwords."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from layers import schema
from layers.errors import StoreError
from layers.store import Store, default_url, tables
from tests.conftest import box_snapshot


def test_default_url_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("FRONTLINE_DB", f"sqlite:///{tmp_path / 'x.db'}")
    assert default_url().endswith("x.db")
    monkeypatch.delenv("FRONTLINE_DB")
    assert default_url().startswith("sqlite:///") and default_url().endswith("frontline.db")


def test_store_reopens_an_existing_store(store_url):
    first = Store(store_url)
    first.write([box_snapshot("s")], actor="t")
    first.close()
    again = Store(store_url)
    assert [i.name for i in again.layers()] == ["Test"]
    again.close()


def test_a_new_store_records_its_schema_version_once(store):
    store.create()  # a second process opening the same store runs it again
    with store.engine.connect() as connection:
        rows = connection.execute(select(tables.meta.c.key, tables.meta.c.value)).all()
    assert [tuple(row) for row in rows] == [("schema_version", str(schema.SCHEMA_VERSION))]


def test_a_closed_store_reconnects_when_used(two_snapshot_store):
    two_snapshot_store.close()
    assert not two_snapshot_store.is_empty()
    assert len(two_snapshot_store.heads("Test")) == 2


def test_the_folder_of_a_new_sqlite_file_is_created(tmp_path):
    path = tmp_path / "not" / "yet" / "there.db"
    store = Store(f"sqlite:///{path}")
    try:
        assert store.is_empty() and path.exists()
    finally:
        store.close()


def test_a_database_password_never_appears_in_messages():
    with pytest.raises(
        StoreError,
        match=r"cannot create the tables in 'postgresql://frontline:\*\*\*@127\.0\.0\.1:1/nowhere'.*"
        r"server is running",
    ) as info:
        Store("postgresql://frontline:s3cret-pw@127.0.0.1:1/nowhere")
    assert "s3cret-pw" not in str(info.value)


def test_a_url_of_no_known_database_says_how_to_set_one():
    with pytest.raises(
        StoreError,
        match=r"^cannot open the store 'nosuchdb://user:\*\*\*@host/db': .*Set FRONTLINE_DB to a valid "
        r"SQLAlchemy URL \(sqlite:////path/to/file\.db or postgresql://",
    ) as info:
        Store("nosuchdb://user:pw-123@host/db")
    assert "pw-123" not in str(info.value)
