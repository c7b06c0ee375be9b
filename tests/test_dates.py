"""Plausible snapshot and event dates: 1900-01-01 to a week after today."""

from __future__ import annotations

import datetime as dt

import pytest

from layers.dates import EARLIEST, LEAD_DAYS, date_problem, latest

TODAY = dt.date(2026, 12, 3)


def test_the_range_runs_from_1900_to_a_week_after_today():
    assert latest(TODAY) == dt.date(2026, 12, 10) and LEAD_DAYS == 7
    for fine in (EARLIEST, dt.date(2022, 2, 24), TODAY, latest(TODAY)):
        assert date_problem(fine, TODAY) is None


@pytest.mark.parametrize(
    "date,words",
    [
        (dt.date(1, 1, 1), "before 1900-01-01"),
        (dt.date(1899, 12, 31), "before 1900-01-01"),
        (dt.date(2026, 12, 11), "more than 7 days in the future (after 2026-12-10)"),
        (dt.date(9999, 12, 31), "more than 7 days in the future"),
    ],
)
def test_an_implausible_date_says_why_and_how_to_pass_it_anyway(date, words):
    problem = date_problem(date, TODAY)
    assert problem is not None and words in problem and "--any-date" in problem


def test_today_is_the_default():
    assert date_problem(dt.date.today()) is None
    assert date_problem(dt.date.today() + dt.timedelta(days=LEAD_DAYS + 1)) is not None
