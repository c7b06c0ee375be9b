"""The pure parts of ``benchmarks.timeline``: the arithmetic on what the page recorded
(``timeline_page``), the cells and rows of its table, and its exit statuses. No browser."""

from __future__ import annotations

import gzip
import json

import pytest

from benchmarks import timeline
from benchmarks.timeline import CellFailed, row
from benchmarks.timeline_page import (
    change_latency,
    level0_bytes,
    play_summary,
    read_index,
    visible_fraction,
)

DAYS = ["2024-07-08", "2024-07-09", "2024-07-10", "2024-07-11", "2024-07-12"]


# --- key press to changed map ----------------------------------------------------------


def test_latency_is_from_the_first_key_to_the_first_change_to_the_expected_date():
    timing = change_latency(
        keys=[[100.0, "ArrowRight"], [130.0, "ArrowRight"]],
        drawn=[[112.5, "2024-07-09"], [140.0, "2024-07-10"]],
        frames=[[120.0, "2024-07-09"], [150.0, "2024-07-10"]],
        expected="2024-07-09",
    )

    assert timing.ms == pytest.approx(12.5)
    assert timing.frame_ms == pytest.approx(20.0)
    assert timing.other_changes == []


def test_dates_drawn_on_the_way_are_kept():
    timing = change_latency(
        [[0.0, "ArrowRight"]], [[5.0, "2024-07-08"], [9.0, "2024-07-09"]], [], "2024-07-09"
    )

    assert timing.ms == pytest.approx(9.0)
    assert timing.other_changes == ["2024-07-08"]
    assert timing.frame_ms is None  # no frame recorded after the change


def test_a_frame_before_the_change_is_not_its_frame():
    timing = change_latency([[0.0, "k"]], [[10.0, "2024-07-09"]], [[4.0, "2024-07-09"]], "2024-07-09")

    assert timing.frame_ms is None


def test_a_step_without_a_key_or_without_the_date_says_so():
    with pytest.raises(ValueError, match="no keydown"):
        change_latency([], [[1.0, "2024-07-09"]], [], "2024-07-09")
    with pytest.raises(ValueError, match=r"never showed 2024-07-10; it showed \['2024-07-09'\]"):
        change_latency([[0.0, "k"]], [[1.0, "2024-07-09"]], [], "2024-07-10")


# --- Play ----------------------------------------------------------------------------


def test_play_day_after_day_at_ten_a_second():
    drawn = [[1000.0 + 100 * index, day] for index, day in enumerate(DAYS)]

    summary = play_summary(drawn, DAYS)

    assert summary.consecutive and summary.gaps == []
    assert summary.steps == 5 and summary.seconds == pytest.approx(0.4)
    assert summary.rate == pytest.approx(10.0)
    assert (summary.first, summary.last) == (DAYS[0], DAYS[-1])


def test_play_that_skips_a_day_goes_back_or_leaves_the_timeline_is_not_consecutive():
    drawn = [[0.0, DAYS[0]], [100.0, DAYS[2]], [200.0, DAYS[1]], [300.0, "2030-01-01"]]

    summary = play_summary(drawn, DAYS)

    assert not summary.consecutive
    assert summary.gaps == [
        "2024-07-08 → 2024-07-10 (skipped 1)",
        "2024-07-10 → 2024-07-09 (backwards)",
        "2024-07-09 → 2030-01-01 (not a day of the timeline)",
    ]


def test_play_that_drew_nothing_has_no_rate():
    summary = play_summary([], DAYS)

    assert summary.steps == 0 and summary.rate == 0.0 and summary.first is None


# --- the map's share of the screen ---------------------------------------------------


@pytest.mark.parametrize(
    ("rect", "share"),
    [
        ([0, 0, 100, 50], 0.5),  # all of it visible
        ([0, 75, 100, 50], 0.25),  # its lower half below the fold
        ([-50, 0, 100, 100], 0.5),  # half of it left of the screen
        ([0, 200, 100, 100], 0.0),  # wholly below the fold
        ([-10, -10, 500, 500], 1.0),  # larger than the screen
    ],
)
def test_visible_fraction(rect, share):
    assert visible_fraction(rect, [100, 100]) == pytest.approx(share)


# --- the pack's index ----------------------------------------------------------------


INDEX = {
    "format": 1,
    "days": ["2024-07-08", "2026-08-22"],
    "levels": [{"level": 0, "max_zoom": 6}, {"level": 1, "max_zoom": 9}],
    "layers": [
        {
            "name": "A",
            "chunks": {
                "0": [{"first": 0, "last": 99, "file": "a0.json.gz", "bytes": 1000}],
                "1": [{"first": 0, "last": 99, "file": "a1.json.gz", "bytes": 50_000}],
            },
        },
        {"name": "B", "chunks": {"0": [{"first": 0, "last": 9, "file": "b0.json.gz", "bytes": 234}]}},
        {"name": "C", "chunks": {"1": [{"first": 0, "last": 9, "file": "c1.json.gz", "bytes": 9}]}},
    ],
}


def test_level0_bytes_sums_every_layers_country_zoom_chunks_only():
    assert level0_bytes(INDEX) == (1234, ["a0.json.gz", "b0.json.gz"])


def test_level0_bytes_are_unknown_when_a_chunk_does_not_list_them():
    index = {"layers": [{"chunks": {"0": [{"file": "a.json.gz", "bytes": 5}, {"file": "b.json.gz"}]}}]}

    assert level0_bytes(index) == (None, ["a.json.gz", "b.json.gz"])


def test_the_index_is_read_whether_gzipped_once_or_again_in_transit():
    raw = gzip.compress(json.dumps(INDEX).encode())

    assert read_index(raw) == INDEX
    assert read_index(gzip.compress(raw)) == INDEX


# --- the table's cells and rows --------------------------------------------------------


STEPS = {"median_ms": 12.4, "p95_ms": 41.0, "frame_median_ms": 19.0, "map_kept": True}


def test_a_row_puts_before_and_after_side_by_side_and_judges_after():
    results = {"before": {"steps_wide": {**STEPS, "median_ms": 399.0, "frame_median_ms": None}}}
    results["after"] = {"steps_wide": STEPS}

    compared, met = row("key_to_map_1920", results)

    assert met is True and compared.verdict == "met"
    assert compared.before == "399 ms, p95 41 ms"
    assert compared.after == "12 ms, p95 41 ms; next frame 19 ms"
    assert compared.target == "median ≤ 30 ms, p95 ≤ 60 ms"


def test_a_slow_or_remounted_map_does_not_meet_the_target():
    slow = row("key_to_map_1920", {"after": {"steps_wide": {**STEPS, "p95_ms": 61.0}}})
    remounted = row("key_to_map_1920", {"after": {"steps_wide": {**STEPS, "map_kept": False}}})

    assert slow[1] is False and slow[0].verdict == "**not met**"
    assert remounted[1] is False and remounted[0].after.endswith("map REMOUNTED")


def test_a_failed_measurement_fills_its_cell_and_fails_the_row():
    compared, met = row("messages", {"after": {"messages": CellFailed(TimeoutError("no map\nmore"))}})

    assert met is False and compared.verdict == "error"
    assert compared.after == "failed: TimeoutError: no map"
    assert compared.before == "not measured (--only after)"


def test_rows_the_old_reader_had_nothing_for_say_why():
    compared, met = row("play", {"before": {}, "after": {}})

    assert compared.before == "n/a: Play was 1 step/s on the server"
    assert compared.after == "not measured" and met is None and compared.verdict == "—"


def test_the_wide_screen_share_is_for_information_only():
    compared, met = row("coverage_1920", {"after": {"visits_wide": {"coverage": 0.1}}})

    assert compared.after == "10 %" and met is None and compared.verdict == "—"


def test_play_names_the_first_gap():
    summary = {"steps": 3, "seconds": 0.2, "rate": 10.0, "consecutive": False, "first": "a", "last": "c"}
    summary["gaps"] = ["a → c (skipped 1)", "c → d (skipped 2)"]

    compared, met = row("play", {"after": {"play": summary}})

    assert compared.after == "3 dates in 0.2 s: 10.0 steps/s, 2 gaps: a → c (skipped 1) (a → c)"
    assert met is False


def test_steps_missed_or_taken_by_the_server_are_shown_and_a_missed_one_fails_the_row():
    moved = row("key_to_map_1366", {"after": {"steps_laptop": {**STEPS, "moved": ["a → b"], "missed": []}}})
    missed = row("key_to_map_1366", {"after": {"steps_laptop": {**STEPS, "moved": [], "missed": ["x"]}}})

    assert moved[0].after.endswith("the map moved by itself 1×, missed 0 steps") and moved[1] is True
    assert missed[1] is False


def test_the_pack_row_says_where_its_figure_comes_from():
    pack = {"level0_bytes": 2_345_000, "level0_files": 12, "level0_served": 2_345_000, "index_bytes": 10_800}

    unlisted, met = row("pack", {"before": {}, "after": {"pack": {**pack, "level0_listed": None}}})
    listed, _ = row("pack", {"after": {"pack": {**pack, "level0_listed": 2_345_000}}})

    assert unlisted.after == "2.35 MB in 12 level-0 files (sizes as served; index 11 KB)" and met is True
    assert listed.after.startswith("2.35 MB in 12 level-0 files (as listed; served 2.35 MB")
    assert unlisted.before == "n/a: no pack (each step's territory came over the WebSocket)"


# --- exit statuses -------------------------------------------------------------------


def test_without_the_archive_nothing_is_measured(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(timeline, "ARCHIVE", tmp_path / "missing")

    assert timeline.main([]) == 2
    assert "archive is not at" in capsys.readouterr().err


def test_an_unknown_revision_is_refused(tmp_path, monkeypatch, capsys):
    (tmp_path / "2024-07-08.geojson").write_text("{}")
    monkeypatch.setattr(timeline, "ARCHIVE", tmp_path)

    assert timeline.main(["--before", "no-such-revision"]) == 2
    assert "no commit 'no-such-revision'" in capsys.readouterr().err
