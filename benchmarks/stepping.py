"""Moving the date slider in Chromium one snapshot at a time, for the rows of
``benchmarks.run`` that step it and for its server profile."""

from __future__ import annotations

from benchmarks.browser import Step, count_runs, slider_step

__all__ = ["Stepper", "changing_step", "open_for_steps", "press_and_wait_for_run"]


class Stepper:
    """Keys that move the date slider one day at a time: right to the end, then back.

    The slider has every day from the first snapshot to the last of all territory layers
    (``snapshots.timeline``); on a day without a snapshot of its own a layer shows the one
    before, so a step may leave the territory as it was. ``next()`` says whether it changes.
    """

    def __init__(self, days: list, snapshot_days: list[list], start: int = 0, low: int = 0):
        self.days, self.direction, self.position = days, 1, start
        #: The first position it steps to: it turns back there (0: the first day).
        self.low = low
        self._layers = [sorted(layer) for layer in snapshot_days]

    def shown(self, position: int) -> tuple:
        """Per layer, the snapshot the map shows on the day at ``position``."""
        import bisect

        day = self.days[position]
        return tuple(bisect.bisect_right(layer, day) for layer in self._layers)

    def next(self) -> tuple[str, bool]:
        """The key for the next step, and whether that step changes the territory shown."""
        if not self.low <= self.position + self.direction < len(self.days):
            self.direction = -self.direction
        before = self.shown(self.position)
        self.position += self.direction
        return ("ArrowRight" if self.direction > 0 else "ArrowLeft"), self.shown(self.position) != before


def press_and_wait_for_run(page, key: str) -> None:
    """A step that leaves the territory as it was: press, then wait for the run to finish."""
    runs = page.evaluate("() => window.__runs")
    page.keyboard.press(key)
    page.wait_for_function(f"() => window.__runs > {runs}", timeout=30_000)


def changing_step(page, frame, stepper: Stepper, **options) -> Step:
    """The next slider step that changes the territory, timed; steps that do not are taken untimed."""
    while True:
        key, changes = stepper.next()
        if changes:
            return slider_step(page, frame, key, **options)
        press_and_wait_for_run(page, key)


def open_for_steps(page, app_url: str, query: str):
    from tests.browser.conftest import date_slider, open_app

    frame = open_app(page, app_url, query)
    frame.evaluate("() => { window.__probe = 'same iframe'; }")
    count_runs(page)
    date_slider(page).focus()
    return frame
