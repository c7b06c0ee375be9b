"""The reader's areas panel breaks a DeepStateMap layer down by its own categories; other layers as before."""

from __future__ import annotations

from layers.__main__ import main
from tests.conftest import seeded_app, shared_data

LIBERATED = "retaken (DeepStateMap 'liberated')"


def _category_tables(at) -> list:
    return [df.value for df in at.dataframe if "category" in df.value.columns]


def test_the_areas_panel_shows_the_per_category_breakdown(db_url, monkeypatch):
    path = shared_data("deepstate-raw-full", "2025-03-12.geojson")
    at = seeded_app(db_url, monkeypatch)
    argv = ["import", "--db", db_url, "--layer", "DeepStateMap", "--preset", "deepstate", str(path)]
    assert main(argv) == 0
    at.query_params["date"] = "2025-03-12"
    at.run()
    assert not at.exception
    [table] = _category_tables(at)
    assert table["category"].tolist() == [
        LIBERATED,
        "occupied before 24 Feb 2022",
        "occupied after 24 Feb 2022",
        "unknown status (DeepStateMap)",
    ]
    assert (table["in Ukraine km²"] > 0).all() and "% of Ukraine" in table
    # The side table names the categories each side and status flattens.
    [sides] = [df.value for df in at.dataframe if "DeepStateMap category" in df.value.columns]
    keys = zip(sides["side"], sides["status"], strict=True)
    named = dict(zip(keys, sides["DeepStateMap category"], strict=True))
    assert named[("Ukraine", "held")] == LIBERATED
    assert named[("Russia", "held")] == "occupied (DeepStateMap: before and after 24 Feb 2022)"
    assert any("By DeepStateMap's own category" in m.value for m in at.markdown)
    assert any("not all the ground Ukraine holds" in c.value for c in at.caption)


def test_a_layer_without_categories_has_no_breakdown(app):
    at = app.run()
    assert not at.exception
    assert at.dataframe and not _category_tables(at)
    assert not any("DeepStateMap category" in df.value.columns for df in at.dataframe)
    assert not any("DeepStateMap's own category" in m.value for m in at.markdown)


def test_the_embed_alt_text_says_retaken_not_held_by_ukraine(db_url, monkeypatch):
    import datetime as dt

    from layers.store import Store
    from views.appdata import Data
    from views.embed import map_alt_text

    path = shared_data("deepstate-raw-full", "2025-03-12.geojson")
    argv = ["import", "--db", db_url, "--layer", "DeepStateMap", "--preset", "deepstate", str(path)]
    assert main(argv) == 0
    data = Data(db_url, Store(db_url).revision())
    text = map_alt_text(data, ["DeepStateMap"], dt.date(2025, 3, 12))
    assert f"{LIBERATED}: 41,799 km² inside Ukraine" in text and "Ukraine held" not in text
    assert "occupied (DeepStateMap: before and after 24 Feb 2022): 110,694 km² inside Ukraine" in text
