"""One render at a time per process, first come first served, and who may start a time-lapse.

matplotlib's settings are process-wide and a render takes a core and up to a few hundred
MB, so slides and time-lapses share one :class:`RenderQueue`: each waiter is told how
many renders are ahead of it, and that number only goes down. Who may render a
time-lapse in the app follows ``layers.settings.limits().timelapse``
(:func:`timelapse_refusal`); slides are open to everyone.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

__all__ = ["RenderQueue", "next_allowed", "timelapse_refusal"]


class RenderQueue:
    """A first-in, first-out turn for renders; one runs at a time.

    Parameters
    ----------
    poll_s : float
        How often a waiter looks again (it is also woken when a render ends).
    """

    def __init__(self, poll_s: float = 0.5):
        self.poll_s = poll_s
        self._changed = threading.Condition()
        self._waiting: deque[object] = deque()
        self._running: object | None = None

    def __len__(self) -> int:
        """Renders running or waiting."""
        with self._changed:
            return len(self._waiting) + (self._running is not None)

    def _ahead(self, ticket: object) -> int:
        return self._waiting.index(ticket) + (self._running is not None)

    @contextmanager
    def turn(self, on_wait: Callable[[int], None] | None = None) -> Iterator[None]:
        """Wait for this render's turn, then hold it for the ``with`` block.

        ``on_wait(ahead)`` is called, outside the queue's lock, each time the number of
        renders ahead changes while waiting (first with the number on arrival; never
        with 0). An exception from it, or from the block, gives the turn up.
        """
        ticket = object()
        with self._changed:
            self._waiting.append(ticket)
        try:
            told = None
            while True:
                with self._changed:
                    ahead = self._ahead(ticket)
                    if ahead == 0:
                        self._waiting.popleft()
                        self._running = ticket
                        break
                    if ahead == told:
                        self._changed.wait(self.poll_s)
                        continue
                told = ahead
                if on_wait is not None:
                    on_wait(ahead)
            yield
        finally:
            with self._changed:
                if self._running is ticket:
                    self._running = None
                elif ticket in self._waiting:
                    self._waiting.remove(ticket)
                self._changed.notify_all()


def next_allowed(started: Sequence[dt.datetime], per_hour: int, now: dt.datetime) -> dt.datetime | None:
    """When the next render is allowed if ``per_hour`` may start in any hour, or None if now.

    ``started`` are the times earlier renders started (any order).
    """
    recent = sorted(t for t in started if now - t < dt.timedelta(hours=1))
    if len(recent) < per_hour:
        return None
    return recent[len(recent) - per_hour] + dt.timedelta(hours=1)


def timelapse_refusal(policy: str, is_editor: bool) -> str | None:
    """Why this user may not render a time-lapse under ``policy``, or None if they may.

    ``editors``: signed-in editors only; ``all``: everyone (the app limits each reader to
    ``limits().timelapse_per_hour``, with :func:`next_allowed`); ``none``: no one in the
    app, editors included. The command line is never limited by the policy.
    """
    if policy == "all" or (policy == "editors" and is_editor):
        return None
    if policy == "editors":
        return (
            "Time-lapses are drawn on this server for signed-in editors only: each one can take "
            "minutes of the server's time. Download a slide of any date instead, or ask an editor."
        )
    return (
        "Time-lapses are turned off on this server. Slides of any date are still available; "
        "the command line draws time-lapses: `python -m layers export-animation --help`."
    )
