"""Plausible dates: a snapshot or an event between 1900-01-01 and a week after today.

One typo in a file name (``0001-01-01``, ``9999-12-31``) would otherwise stretch the
slider over eight thousand years. Dates outside the range are refused with the reason,
unless the editor says they are meant (``--any-date`` on the command line).
"""

from __future__ import annotations

import datetime as dt

__all__ = ["EARLIEST", "LEAD_DAYS", "date_problem", "latest"]

#: The earliest date accepted without ``--any-date``.
EARLIEST = dt.date(1900, 1, 1)
#: How far after today a date may be (time zones, a map dated for tomorrow's briefing).
LEAD_DAYS = 7


def latest(today: dt.date | None = None) -> dt.date:
    """The latest date accepted without ``--any-date``: :data:`LEAD_DAYS` after today."""
    return (today or dt.date.today()) + dt.timedelta(days=LEAD_DAYS)


def date_problem(value: dt.date, today: dt.date | None = None) -> str | None:
    """Why ``value`` is not a plausible snapshot or event date, or None."""
    if value < EARLIEST:
        return (
            f"{value.isoformat()} is before {EARLIEST.isoformat()}, which is surely a typo for a map of "
            "today's wars; correct the date, or pass --any-date if it is meant."
        )
    if value > latest(today):
        return (
            f"{value.isoformat()} is more than {LEAD_DAYS} days in the future (after "
            f"{latest(today).isoformat()}); correct the date, or pass --any-date if it is meant."
        )
    return None
