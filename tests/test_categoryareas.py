"""Areas per category: against the area machinery, on a real DeepStateMap export, and from the CLI."""

from __future__ import annotations

import csv
import io
import json

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from layers import categoryareas
from layers.__main__ import main
from layers.areas import area_table
from layers.categories import CATEGORY_LABELS, GEOJSON_LABEL
from layers.store import Store
from tests.conftest import shared_data

LIBERATED = "retaken (DeepStateMap 'liberated')"


def deepstate_store(tmp_path) -> str:
    """A SQLite store holding the full raw export of 2025-03-12, imported with the deepstate preset."""
    path = shared_data("deepstate-raw-full", "2025-03-12.geojson")
    url = f"sqlite:///{tmp_path / 'deepstate.db'}"
    assert main(["import", "--db", url, "--layer", "DeepStateMap", "--preset", "deepstate", str(path)]) == 0
    return url


@pytest.fixture(scope="module")
def real(tmp_path_factory):
    url = deepstate_store(tmp_path_factory.mktemp("categories"))
    store = Store(url)
    yield store
    store.close()


def _features() -> gpd.GeoDataFrame:
    """UA held ground of two categories across the RU-UA border near Sudzha, and a grey zone."""
    return gpd.GeoDataFrame(
        {
            "held_by": ["UA", "UA", "RU"],
            "status": ["held", "held", "contested"],
            "category": ["liberated", "occupied_to_24_02_2022", "unspecified"],
        },
        geometry=[
            shapely.box(35.0, 50.9, 35.3, 51.3),
            shapely.box(35.3, 50.9, 35.6, 51.3),
            shapely.box(35.6, 50.9, 35.7, 51.3),
        ],
        crs="EPSG:4326",
    )


def test_categories_of_a_side_and_status_sum_to_its_area():
    features = _features()
    table = categoryareas.category_table(features)
    assert set(table["category"]) == {"liberated", "occupied_to_24_02_2022", "unspecified"}
    areas = area_table(features, within=categoryareas.WITHIN)
    summed = table.groupby(["held_by", "status", "within"])["area_km2"].sum()
    for row in areas.to_dict("records"):
        key = (row["held_by"], row["status"], row["within"])
        # Measured apart or dissolved, the shared edge is densified alike to within 1e-5.
        assert summed[key] == pytest.approx(row["area_km2"], rel=1e-5)


def test_features_without_categories_have_no_category_areas():
    plain = _features().drop(columns="category")
    assert categoryareas.category_table(plain).empty
    assert categoryareas.category_areas(plain).empty
    assert categoryareas.by_category(categoryareas.category_areas(plain)).empty


def test_category_areas_are_remembered_by_content():
    features = _features()
    first = categoryareas.category_areas(features)
    changed = features.assign(category=["liberated", "liberated", "unspecified"])
    again = categoryareas.category_areas(features.copy())
    pd.testing.assert_frame_equal(first, again)
    assert set(categoryareas.category_areas(changed)["category"]) == {"liberated", "unspecified"}


def test_by_category_sums_a_category_over_sides():
    features = _features().assign(category=["unspecified", "liberated", "unspecified"])
    table = categoryareas.category_table(features)
    summed = categoryareas.by_category(table)
    assert list(summed["category"].unique()) == ["liberated", "unspecified"]
    grey = summed[(summed["category"] == "unspecified") & (summed["within"] == "")]["area_km2"].item()
    parts = table[(table["category"] == "unspecified") & (table["within"] == "")]["area_km2"]
    assert len(parts) == 2 and grey == pytest.approx(parts.sum())


# --- a real DeepStateMap export -------------------------------------------------------


def test_real_export_keeps_categories_in_the_store_and_the_geojson_export(real, capsys):
    [version] = real.heads("DeepStateMap")["version_id"]
    stored = real.features(int(version))
    assert set(stored["category"]) == set(CATEGORY_LABELS)
    liberated = stored[stored["category"] == "liberated"]
    assert set(liberated["held_by"]) == {"UA"} and set(liberated["status"]) == {"held"}
    assert main(["snapshot", "--db", real.url, "--layer", "DeepStateMap", "--date", "2025-03-12"]) == 0
    exported = json.loads(capsys.readouterr().out)
    properties = [f["properties"] for f in exported["features"]]
    assert {p["category"] for p in properties} == set(CATEGORY_LABELS)
    assert all(p[GEOJSON_LABEL] == CATEGORY_LABELS[p["category"]] for p in properties)
    assert {p[GEOJSON_LABEL] for p in properties if p["category"] == "liberated"} == {LIBERATED}


def test_real_export_areas_per_category_are_positive_and_add_up(real):
    [version] = real.heads("DeepStateMap")["version_id"]
    table = categoryareas.version_category_areas(real, int(version))
    summed = categoryareas.by_category(table)
    in_ukraine = dict(zip(*summed[summed["within"] == "UKR"][["category", "area_km2"]].T.values, strict=True))
    assert set(in_ukraine) == set(CATEGORY_LABELS)
    assert all(km2 > 0 for km2 in in_ukraine.values())
    # DeepStateMap's own order of magnitude on 2025-03-12: ~43,000 km² occupied before 24 Feb 2022.
    assert 40_000 < in_ukraine["occupied_to_24_02_2022"] < 47_000
    stored = real.area_series("DeepStateMap")
    ru_held = stored.query("held_by == 'RU' and status == 'held' and within == 'UKR'")["area_km2"].item()
    occupied = in_ukraine["occupied_to_24_02_2022"] + in_ukraine["occupied_after_24_02_2022"]
    assert occupied == pytest.approx(ru_held, rel=1e-4)
    ua_held = stored.query("held_by == 'UA' and status == 'held' and within == ''")["area_km2"].item()
    liberated = summed.query("category == 'liberated' and within == ''")["area_km2"].item()
    assert liberated == pytest.approx(ua_held, rel=1e-9)


def test_areas_by_category_cli_prints_each_category_in_ukraine(real, capsys):
    argv = ["areas", "--db", real.url, "--by-category", "--within", "UKR", "--date", "2025-03-20"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == categoryareas.CATEGORY_ROW
    assert [row["category"] for row in rows] == list(CATEGORY_LABELS)
    assert {row["within"] for row in rows} == {"UKR"} and {row["date"] for row in rows} == {"2025-03-12"}
    assert rows[0]["label"] == LIBERATED and float(rows[0]["area_km2"]) > 0
    assert "# method:" in err
    assert main(["areas", "--db", real.url, "--by-category", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert {row["within"] for row in document["rows"]} == {"", "RUS", "UKR"}


def test_areas_by_category_of_a_layer_without_categories_prints_none(two_snapshot_store, capsys):
    assert main(["areas", "--db", two_snapshot_store.url, "--by-category"]) == 0
    out, err = capsys.readouterr()
    assert out.strip() == ",".join(categoryareas.CATEGORY_ROW)
    assert "no snapshot shown has categories" in err
    # ... and the areas without --by-category are as before.
    assert main(["areas", "--db", two_snapshot_store.url]) == 0
    assert capsys.readouterr().out.startswith("date,layer,held_by,status,within,area_km2")


def test_the_published_pack_carries_categories_and_their_labels_as_data(real, tmp_path):
    from layers.mapview import pack

    out = tmp_path / "p"
    pack.build(real, out)
    index = pack.read_json(out / "index.json.gz")
    assert index["category_labels"] == dict(CATEGORY_LABELS)
    chunk_file = index["layers"][0]["chunks"]["0"][0]["file"]
    [zones] = pack.read_json(out / chunk_file)["snapshots"]
    assert {zone[4] for zone in zones} == set(CATEGORY_LABELS)


def test_a_pack_of_a_layer_without_categories_is_as_before(two_snapshot_store, tmp_path):
    from layers.mapview import pack

    out = tmp_path / "p"
    pack.build(two_snapshot_store, out)
    index = pack.read_json(out / "index.json.gz")
    chunk_file = index["layers"][0]["chunks"]["0"][0]["file"]
    for zones in pack.read_json(out / chunk_file)["snapshots"]:
        assert all(len(zone) == 4 for zone in zones)
