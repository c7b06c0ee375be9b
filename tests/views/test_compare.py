"""Side by side under AppTest: two labelled dates, the change between them."""

from __future__ import annotations

import datetime as dt

from tests.views.conftest import reader_settings

D = dt.date.fromisoformat


def test_side_by_side_shows_two_labelled_dates_and_the_change_between_them(app):
    app.query_params.update({"mode": "compare", "left": "2024-08-27", "right": "2025-03-31"})
    at = app.run()
    assert not at.exception
    assert (at.selectbox(key="left").value, at.selectbox(key="right").value) == (
        D("2024-08-27"),
        D("2025-03-31"),
    )
    [component] = at.get("component_instance")
    assert "27 Aug 2024" in component.proto.json_args and "31 Mar 2025" in component.proto.json_args
    assert any(h.value == "Change from 27 Aug 2024 to 31 Mar 2025" for h in at.subheader)
    table = next(df.value for df in at.dataframe if "net km²" in df.value.columns)
    assert (
        table.loc[(table["side"] == "Ukraine") & (table["where"] == "inside Russia"), "net km²"].item() < -300
    )


def test_the_reader_opens_side_by_side_and_comes_back_to_its_date(app):
    app.query_params.update({"date": "2024-11-25"})
    at = app.run()
    at.button(key="compare").click().run()
    assert not at.exception
    left, right = at.selectbox(key="left"), at.selectbox(key="right")
    assert (left.value, right.value) == (D(left.options[0]), D(right.options[-1])), "first and last snapshot"
    at.button(key="compare_exit").click().run()
    assert not at.exception
    assert reader_settings(at)["date"] == "2024-11-25"


def test_the_largest_disagreements_with_deepstatemaps_own_figures_are_listed_by_km2_and_percent(
    db_url, monkeypatch
):
    import pandas as pd
    import pyproj
    import shapely

    from layers.figures import check_figures
    from layers.ingest import seed_default_data
    from layers.store import Store
    from tests.conftest import seeded_app, snapshot

    store = Store(db_url)
    seed_default_data(store)
    # A box of about 937 km² near Sumy, inside Ukraine, and DeepStateMap's figures for it:
    # about 1,000 km² off on the second day (the largest in km²), 100 % off on the first (in %).
    box = shapely.box(34.6, 50.8, 35.2, 51.0)
    box_km2 = abs(pyproj.Geod(ellps="WGS84").geometry_area_perimeter(box)[0]) / 1e6
    figures = check_figures(
        pd.DataFrame(
            [
                {
                    "date": date,
                    "scope": "Liberated (DeepStateMap's own figure)",
                    "layer": "Synced",
                    "held_by": "UA",
                    "status": "held",
                    "within": "UKR",
                    "value_km2": value,
                    "kind": "mapped",
                    "source": "DeepStateMap",
                    "note": "DeepStateMap history snapshot 1",
                }
                for date, value in (("2024-08-12", "470"), ("2024-08-13", "1940"))
            ]
        ),
        "test",
    )
    store.write(
        [
            snapshot("Synced", day, [(box, "UA", "held", "DeepStateMap")])
            for day in ("2024-08-12", "2024-08-13")
        ],
        figures,
        actor="test",
    )
    store.close()
    app = seeded_app(db_url, monkeypatch)
    app.query_params.update({"mode": "compare", "left": "2024-08-27", "right": "2025-03-31"})
    at = app.run()
    assert not at.exception
    assert any(h.value == "Largest disagreements with DeepStateMap's own figures" for h in at.subheader)
    # The tab by km² comes first, then the tab by %.
    by_km2, by_pct = (df.value for df in at.dataframe if "map − figure km²" in df.value.columns)
    assert by_km2.iloc[0]["date"] == "2024-08-13" and by_km2.iloc[0]["layer"] == "Synced"
    assert by_km2.iloc[0]["DeepStateMap km²"] == "1,940"
    assert by_km2.iloc[0]["map km²"] == f"{box_km2:,.0f}"
    assert by_km2.iloc[0]["map − figure km²"] == f"{box_km2 - 1940:+,.0f}"
    assert by_pct.iloc[0]["date"] == "2024-08-12"
    assert by_pct.iloc[0]["difference"] == f"{100 * (box_km2 - 470) / 470:+.1f} %"
    assert len(by_km2) == 3, "the two synced days and the embedded data's DeepStateMap figure"
