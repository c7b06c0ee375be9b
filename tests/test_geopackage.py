"""GeoPackages inspected with SQLite, read-only and under limits, before GDAL reads them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from layers import geopackage
from layers.geopackage import GeoPackageRefused, inspect
from tests.hostile.corpus import BLOBS, RECURSIVE, geopackage_case, replace_with_view


def _made(tmp_path: Path, rows: int = 3, edit=lambda connection: None) -> Path:
    return geopackage_case("zones.gpkg", rows, edit)(tmp_path)


def test_a_plain_geopackage_gives_its_feature_table_and_row_count(tmp_path):
    path = _made(tmp_path, rows=7)
    before = path.read_bytes()
    assert inspect(path) == geopackage.FeatureTable("zones", 7)
    assert path.read_bytes() == before, "opened read-only"


@pytest.mark.parametrize("select", [RECURSIVE, BLOBS])
def test_views_are_refused_before_any_is_run(tmp_path, select):
    with pytest.raises(GeoPackageRefused, match="holds SQL views"):
        inspect(_made(tmp_path, edit=replace_with_view(select)))


def test_gdal_and_geopackage_triggers_pass_and_others_are_refused(tmp_path):
    path = _made(tmp_path)
    connection = sqlite3.connect(path)
    names = [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")]
    connection.execute("CREATE TRIGGER zones_touch AFTER UPDATE ON zones BEGIN SELECT 1; END")
    connection.commit()
    connection.close()
    assert names, "GDAL writes its own triggers, which must pass"
    with pytest.raises(GeoPackageRefused, match="'zones_touch'"):
        inspect(path)


def test_a_feature_count_that_disagrees_with_the_table_is_refused(tmp_path):
    def lie(connection):
        connection.execute("UPDATE gpkg_ogr_contents SET feature_count = 1")

    with pytest.raises(GeoPackageRefused, match="says it holds 1 feature.*table holds 150"):
        inspect(_made(tmp_path, rows=150, edit=lie))


def test_too_many_rows_are_refused_whatever_the_file_says(tmp_path, monkeypatch):
    monkeypatch.setattr(geopackage, "MAX_FEATURES", 5)
    with pytest.raises(GeoPackageRefused, match="holds 6 features in layer 'zones'; the limit is 5"):
        inspect(_made(tmp_path, rows=6))


def test_a_slow_statement_is_interrupted(tmp_path, monkeypatch):
    """The progress handler stops any statement past the deadline (here 0 s): a schema of
    5,000 tables takes more than the handler's 10,000 steps to list."""

    def many_tables(connection):
        connection.commit()
        connection.executescript(
            "BEGIN;" + "".join(f"CREATE TABLE extra_{number} (x);" for number in range(5000)) + "COMMIT;"
        )

    path = _made(tmp_path, edit=many_tables)
    assert inspect(path).name == "zones", "within the time it passes"
    monkeypatch.setattr(geopackage, "MAX_SECONDS", 0.0)
    with pytest.raises(GeoPackageRefused, match="took more than 0 s to inspect"):
        inspect(path)


def test_no_geopackage_tables_or_several_layers_are_refused(tmp_path):
    def two_layers(connection):
        connection.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
            "SELECT 'more', 'features', 'more', srs_id FROM gpkg_contents"
        )

    with pytest.raises(GeoPackageRefused, match="holds 2 layers with geometry"):
        inspect(_made(tmp_path, edit=two_layers))
    plain = tmp_path / "plain.sqlite"
    sqlite3.connect(plain).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(GeoPackageRefused, match="no gpkg_contents"):
        inspect(plain)
