"""Stepping through the timeline: Play, one day at a time, and a briefer's previous and
next snapshot.

The slider runs over every day (``snapshots.timeline``) so that the window of recent
events moves between two territory snapshots; presentation mode steps from snapshot to
snapshot instead, since only those change the map.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Sequence

__all__ = ["next_day", "step_snapshot"]


def next_day(dates: Sequence[dt.date], current: dt.date | None) -> dt.date | None:
    """The day Play shows after ``current``: the next one in ``dates``, the first when
    ``current`` is not among them, None once the last day has been shown."""
    index = dates.index(current) if current in dates else -1
    return dates[index + 1] if index + 1 < len(dates) else None


def step_snapshot(
    stops: Sequence[dt.date], dates: Sequence[dt.date], current: dt.date, direction: int
) -> dt.date:
    """The snapshot date before (``direction < 0``) or after ``current``.

    Parameters
    ----------
    stops : sequence of datetime.date
        The snapshot dates of the layers shown, sorted.
    dates : sequence of datetime.date
        The timeline's days, sorted: past the first or last stop, the step lands on its
        first or last day.
    current : datetime.date
        The date shown now (need not be a stop).
    direction : int
        Negative for the previous snapshot, else the next.
    """
    if direction < 0:
        position = bisect.bisect_left(stops, current)
        return stops[position - 1] if position > 0 else dates[0]
    position = bisect.bisect_right(stops, current)
    return stops[position] if position < len(stops) else dates[-1]
