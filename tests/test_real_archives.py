"""Our areas against real published figures, on the real DeepStateMap archives (``reports/real_archives.py``).

One store is built for the module (both archives imported through the command line,
the shared figures added with ``reports/figure_scopes.csv``): nearly all of its time is
the import of the 769-day archive (how long: ``benchmarks/README.md``). Without the reference data
in ``../shared/data`` every test here skips with the reason (fails under ``CI=true``,
like the other tests on the shared data).

Bounds against published figures document the agreement measured when they were set
(the values are in the comments); none of our own computed values is hard-coded.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest

from layers.figures import period_start
from layers.store import Store
from reports import real_archives
from reports.real_archives import KURSK, OCCUPIED
from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"


def _need_data() -> None:
    """Skip with the reason when the reference data is absent; under CI=true, fail (CI has it)."""
    reason = real_archives.missing_data(DATA)
    if reason:
        if IN_CI:
            pytest.fail(f"needs the real archives: {reason}; under CI=true they must be present")
        pytest.skip(f"needs the real archives: {reason}")


def _file_date(path: Path) -> dt.date:
    digits = "".join(c for c in path.stem if c.isdigit())
    return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Both archives imported into one temporary SQLite store, the shared figures added and compared."""
    _need_data()
    url = f"sqlite:///{tmp_path_factory.mktemp('real-archives') / 'store.db'}"
    imported = real_archives.import_archives(url, DATA)
    real_archives.add_shared_figures(url, DATA)
    compared = real_archives.comparison(url, DATA)
    print(
        "\n"
        + "\n".join(
            f"import {d.layer}: {d.files} files in {d.seconds:.1f} s (CPU {d.cpu_seconds:.1f} s)"
            for d in imported
        )
    )
    return SimpleNamespace(
        url=url, imported=imported, compared=compared, shared=real_archives.shared_figures(DATA)
    )


@pytest.fixture(scope="module")
def context(built):
    return real_archives.context(built.url, built.compared)


def _figure(compared: pd.DataFrame, scope_start: str, date: str, measure: str = "at date") -> pd.Series:
    rows = compared[
        compared["scope"].str.startswith(scope_start)
        & (compared["date"] == dt.date.fromisoformat(date))
        & (compared["measure"] == measure)
    ]
    assert len(rows) == 1, f"expected one {scope_start!r} figure of {date} ({measure}), found {len(rows)}"
    return rows.iloc[0]


# --- the report is complete --------------------------------------------------------------


def test_script_exits_2_with_a_reason_without_the_data(tmp_path, capsys):
    assert real_archives.main(["--data", str(tmp_path / "absent")]) == 2
    assert "absent" in capsys.readouterr().err


def test_every_shared_scope_and_kind_is_mapped():
    _need_data()
    table, notes = real_archives.mapped_figures(
        real_archives.shared_figures(DATA), real_archives.read_scopes()
    )
    assert notes == []
    assert (table["layer"] != "").all() and (table["measure"] != "").all()


def test_every_shared_figure_is_in_the_comparison(built):
    assert len(built.compared) == len(built.shared)
    key = lambda date, scope, value, source: (str(date), scope, float(value), source)  # noqa: E731
    assert sorted(
        key(*r) for r in built.compared[["date", "scope", "reported_km2", "source"]].itertuples(index=False)
    ) == sorted(
        key(*r) for r in built.shared[["date", "scope", "value_km2", "source"]].itertuples(index=False)
    )
    assert set(built.compared["layer"]) <= {OCCUPIED, KURSK}
    table = real_archives.report_table(built.compared)
    assert len(real_archives.markdown(table).splitlines()) == 2 + len(built.shared)


def test_unmatched_figures_stay_with_the_tools_reason(built):
    """A figure is unmatched exactly when its date or baseline precedes its layer's first snapshot."""
    first = {
        OCCUPIED: min(map(_file_date, (DATA / real_archives.OCCUPIED_FOLDER).glob("*.geojson"))),
        KURSK: min(
            dt.date.fromisoformat(p.stem) for p in (DATA / real_archives.KURSK_FOLDER).glob("*.geojson")
        ),
    }
    too_early = built.compared.apply(
        lambda r: (
            r["layer"] not in first
            or (period_start(r["date"], r["measure"]) or r["date"]) < first[r["layer"]]
        ),
        axis=1,
    )
    unmatched = built.compared[built.compared["comparison"] != "compared"]
    assert list(unmatched.index) == list(built.compared.index[too_early])
    assert len(unmatched) >= 1  # ISW's 2024 yearly gain: its baseline, 2023-12-31, is before 2024-07-08
    assert unmatched["comparison"].str.startswith("no computed series: ").all()
    assert unmatched["computed_km2"].isna().all()
    table = real_archives.report_table(built.compared)
    assert table.loc[unmatched.index, "snapshots used"].str.startswith("no computed series").all()


# --- the stored series -------------------------------------------------------------------


def test_one_stored_date_per_archive_file(built):
    files = sorted((DATA / real_archives.OCCUPIED_FOLDER).glob("*.geojson"))
    store = Store(built.url)
    try:
        heads = store.heads(OCCUPIED)
        series = store.area_series(OCCUPIED)
    finally:
        store.close()
    assert sorted(heads["as_of"]) == sorted(map(_file_date, files))
    assert len(heads) == len(files)
    assert sorted(set(series["as_of"])) == sorted(map(_file_date, files))


def test_kursk_border_split_adds_up(built):
    """UA-held ground within RUS plus within UKR is the unclipped area, on every date."""
    store = Store(built.url)
    try:
        series = store.area_series(KURSK)
    finally:
        store.close()
    held = (
        series[(series["held_by"] == "UA") & (series["status"] == "held")]
        .pivot_table(index="as_of", columns="within", values="area_km2", aggfunc="sum")
        .fillna(0.0)
    )
    assert len(held) > 200
    assert (held["RUS"] > 0).any() and (held["UKR"] > 0).any()
    assert (held["RUS"] + held["UKR"]).to_numpy() == pytest.approx(held[""].to_numpy(), rel=1e-3)


# --- two routes, one answer ------------------------------------------------------------------


def test_monthly_change_agrees_with_the_month_comparisons(built):
    code, out, err = real_archives.run_cli(["change", "--db", built.url, "--layer", OCCUPIED, "--monthly"])
    assert code == 0, err
    monthly = {(row["month"], row["held_by"]): row for row in csv.DictReader(io.StringIO(out))}
    months = built.compared[
        (built.compared["measure"] == "net change in month") & (built.compared["comparison"] == "compared")
    ]
    assert len(months) >= 1
    for figure in months.itertuples():
        row = monthly[(figure.date.replace(day=1).isoformat(), figure.held_by)]
        assert float(row["change_km2"]) == pytest.approx(figure.computed_km2, abs=1e-3), (
            figure.date
        )  # CSV rounds to 0.001
        assert (row["from_as_of"], row["to_as_of"]) == (
            figure.computed_from.isoformat(),
            figure.computed_as_of.isoformat(),
        )


def test_gained_minus_lost_is_the_change_of_area(built, context):
    """Net change from the gained and lost polygons (layers.change) equals the difference of areas."""
    changes = built.compared[
        built.compared["measure"].isin(real_archives.CHANGE_MEASURES)
        & (built.compared["comparison"] == "compared")
    ]
    assert len(context.changes) == len(changes) >= 1
    for row, figure in zip(context.changes.itertuples(), changes.itertuples(), strict=True):
        assert (row.from_snapshot, row.to_snapshot) == (figure.computed_from, figure.computed_as_of)
        assert row.net_km2 == pytest.approx(figure.computed_km2, rel=1e-3)
        assert row.gained_km2 >= row.net_km2


def test_total_breakdown_agrees_with_the_comparison(built, context):
    total = _figure(
        built.compared, "Russian-occupied territory of Ukraine (total)", context.total_date.isoformat()
    )
    assert context.total_unclipped == pytest.approx(
        total.computed_km2, abs=1e-3
    )  # `areas` rounds to 0.001 km²
    assert context.total_ukr + context.total_rus <= context.total_unclipped * (1 + 1e-6)


# --- against the published figures --------------------------------------------------------


def test_total_occupied_area_matches_deepstatemap(built, context):
    """Measured: 116,218.6 km² on 2026-01-01 vs 116,165 (+0.05 %); 114,993.3 on 2025-09-30
    vs 114,931 (+0.05 %).

    Clipped to our UKR border (Crimea included) the 2026-01-01 area is 114,371.9 km²
    (-1.5 %), which is why the total is compared unclipped.
    """
    for date in ("2026-01-01", "2025-09-30"):
        figure = _figure(built.compared, "Russian-occupied territory of Ukraine (total)", date)
        assert figure.within == ""
        assert abs(figure.difference_pct) < 0.25, figure
    published = _figure(
        built.compared, "Russian-occupied territory of Ukraine (total)", "2026-01-01"
    ).reported_km2
    assert context.total_ukr < published * 0.99


def test_2025_net_gain_matches_deepstatemaps_yearly_summary(built):
    """Measured: 4,330.9 km² from 2024-12-31 to 2025-12-31 vs 4,336 published (-0.12 %)."""
    figure = _figure(
        built.compared, "Russian gains in Ukraine during the year", "2025-12-31", "net change in year"
    )
    assert figure.comparison == "compared"
    assert abs(figure.difference_pct) < 1.0


def test_monthly_net_change_tracks_deepstatemaps_monthly_summaries(built):
    """Measured: -3.3 % (Aug 2024), -1.9 % (Nov 2024), -1.4 % (Jan 2025), -10.8 % (Mar 2025),
    +4.3 % (Aug 2025), +3.6 % (Sep 2025): our net change beside their summaries."""
    months = built.compared[built.compared["measure"] == "net change in month"]
    assert len(months) >= 1 and (months["comparison"] == "compared").all()
    assert (months["difference_pct"].abs() < 12).all(), months[
        ["date", "reported_km2", "computed_km2", "difference_pct"]
    ]


def test_kursk_mapped_peak_is_early_and_march_2025_is_far_below_it(built, context):
    """Measured: peak 907.5 km² on 2024-09-06 (August's largest 834.5 on 2024-08-23);
    121.0 km² on 2025-03-18."""
    peak_date, peak = context.kursk_peak
    assert peak_date < dt.date(2024, 11, 23)
    peak_figure = _figure(
        built.compared, "Ukrainian-held area in Kursk region (Russia)", "2024-11-23", "peak to date"
    )
    assert (peak_figure.computed_as_of, peak_figure.computed_km2) == (peak_date, pytest.approx(peak))
    august_date, august = context.kursk_august_peak
    assert (august_date.year, august_date.month) == (2024, 8)
    march = _figure(built.compared, "Ukrainian-held area in Kursk region (Russia)", "2025-03-18")
    assert march.computed_km2 < 0.2 * august


# --- in the app ------------------------------------------------------------------------------


def test_the_apps_comparison_view_shows_the_same_figures(built, monkeypatch):
    """The reader's tab "Reported figures vs map", on the store with both archives: the
    2026-01-01 total, the 2025 net gain and the monthly gains beside DeepStateMap's figures."""
    from tests.conftest import seeded_app

    app = seeded_app(built.url, monkeypatch, timeout_s=180)
    app.query_params["chart_layer"] = OCCUPIED
    app.query_params["analysis"] = "Reported figures vs map"
    at = app.run()
    assert not at.exception, at.exception
    table = next(df.value for df in at.dataframe if "comparison" in df.value.columns)
    checked = 0
    for figure in built.compared.itertuples():
        if (
            figure.measure not in ("at date", "net change in month", "net change in year")
            or figure.layer != OCCUPIED
        ):
            continue
        rows = table[
            (table["date"] == figure.date)
            & (table["measure"] == figure.measure)
            & (table["layer"] == OCCUPIED)
        ]
        assert len(rows) == 1, figure
        assert rows["reported km²"].item() == round(figure.reported_km2)
        if figure.comparison == "compared":
            assert rows["map km²"].item() == round(figure.computed_km2)
            assert rows["difference %"].item() == round(figure.difference_pct, 1)
        else:
            assert rows["comparison"].item() == figure.comparison
        checked += 1
    assert checked == 10  # the 2026-01-01 and 2025-09-30 totals, the two yearly and six monthly figures


def _without_timings(text: str) -> str:
    return text.split("Timings on this machine")[0]


def test_the_table_from_a_synced_store_equals_the_one_from_the_files(tmp_path, capsys):
    """The README's table reproduced without ../shared/data: layers synced, figures from a file.

    On a span of each archive (33 days of the daily one around August 2024's monthly
    figure, 19 Kursk days around August's figures), the report from the files and the
    report with ``--synced`` on a store filled by ``sync deepstate-archive`` and ``sync
    deepstate-history`` (local fakes of both sources) print the same.
    """
    _need_data()
    from layers.__main__ import main as layers_main
    from tests.sync.test_archive import Archive

    first, last = dt.date(2024, 7, 30), dt.date(2024, 8, 31)
    kursk = [DATA / "deepstate-kursk" / f"2024-08-{day:02}.geojson" for day in range(10, 29)]
    data = tmp_path / "data"
    (data / "deepstate-occupied-daily").mkdir(parents=True)
    (data / "deepstate-kursk").mkdir()
    for n in range((last - first).days + 1):
        name = f"deepstatemap_data_{first + dt.timedelta(days=n):%Y%m%d}.geojson"
        if (DATA / "deepstate-occupied-daily" / name).exists():  # a few days are missing upstream
            (data / "deepstate-occupied-daily" / name).symlink_to(DATA / "deepstate-occupied-daily" / name)
    for path in kursk:
        (data / "deepstate-kursk" / path.name).symlink_to(path)
    figures = tmp_path / "figures.csv"
    figures.write_bytes((DATA / "reported-figures.csv").read_bytes())
    (data / "reported-figures.csv").symlink_to(figures)

    assert real_archives.main(["--data", str(data), "--markdown"]) == 0
    from_files = capsys.readouterr().out

    url = f"sqlite:///{tmp_path / 'synced.db'}"
    assert real_archives.main(["--synced", "--db", url, "--figures", str(figures)]) == 2
    assert "sync deepstate-archive" in capsys.readouterr().err, "an empty store names the sync to run"
    archive = Archive()
    try:
        argv = ["sync", "deepstate-archive", "--db", url, "--layer", OCCUPIED, "--base-url", archive.url]
        assert layers_main([*argv, "--from", str(first), "--to", str(last), "--delay", "0"]) == 0
    finally:
        archive.close()
    assert (
        layers_main(["import", "--db", url, "--layer", KURSK, "--preset", "deepstate", *map(str, kursk)]) == 0
    )
    capsys.readouterr()
    empty = tmp_path / "no-data"
    argv = ["--synced", "--db", url, "--figures", str(figures), "--data", str(empty), "--markdown"]
    assert real_archives.main(argv) == 0
    from_sync = capsys.readouterr().out
    assert "| 2024-08-31 | Russian gains in Ukraine during the month" in from_sync
    assert "| 2024-08-22 | Ukrainian-held area in Kursk region" in from_sync
    assert _without_timings(from_sync) == _without_timings(from_files)
