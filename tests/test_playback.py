"""Stepping through the timeline: Play's next day and a briefer's previous and next snapshot."""

from __future__ import annotations

import datetime as dt

import pytest

from layers import playback

D = dt.date.fromisoformat
DAYS = [D("2024-08-06") + dt.timedelta(days=n) for n in range(30)]
STOPS = [D("2024-08-06"), D("2024-08-10"), D("2024-08-20")]


def test_play_goes_day_by_day_and_stops_after_the_last():
    assert playback.next_day(DAYS, DAYS[0]) == DAYS[1]
    assert playback.next_day(DAYS, DAYS[-2]) == DAYS[-1]
    assert playback.next_day(DAYS, DAYS[-1]) is None


def test_play_starts_from_the_first_day_when_the_date_is_not_on_the_timeline():
    assert playback.next_day(DAYS, None) == DAYS[0]
    assert playback.next_day(DAYS, D("1999-01-01")) == DAYS[0]


@pytest.mark.parametrize(
    "current, direction, expected",
    [
        ("2024-08-15", 1, "2024-08-20"),  # between two snapshots: the next one
        ("2024-08-15", -1, "2024-08-10"),  # and the previous one
        ("2024-08-10", 1, "2024-08-20"),  # on a snapshot: the one after it
        ("2024-08-10", -1, "2024-08-06"),
        ("2024-08-20", 1, "2024-09-04"),  # past the last snapshot: the timeline's last day
        ("2024-08-06", -1, "2024-08-06"),  # before the first: the timeline's first day
    ],
)
def test_a_briefer_steps_from_snapshot_to_snapshot(current, direction, expected):
    assert playback.step_snapshot(STOPS, DAYS, D(current), direction) == D(expected)


def test_stepping_agrees_with_a_plain_search_on_every_day():
    for day in DAYS:
        earlier = [stop for stop in STOPS if stop < day]
        later = [stop for stop in STOPS if stop > day]
        assert playback.step_snapshot(STOPS, DAYS, day, -1) == (earlier[-1] if earlier else DAYS[0])
        assert playback.step_snapshot(STOPS, DAYS, day, 1) == (later[0] if later else DAYS[-1])
