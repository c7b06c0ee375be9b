"""``benchmarks.run --profile``: the server under cProfile over a cold first visit and
slider steps, its top functions printed."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from benchmarks.browser import ROOT, Server, fresh_page, progress
from benchmarks.stepping import Stepper, changing_step, open_for_steps

__all__ = ["profile_runs"]


def profile_runs(
    browser,
    db_url: str,
    folder: Path,
    days: list,
    dates: list,
    layer_days: list[list],
    out: Path,
    steps: int = 20,
) -> dict:
    """Profile the server (cProfile) over a cold first visit and ``steps`` slider steps.

    The top functions of each are printed to stderr. Statistics go to ``out`` (fragment
    runs: the slider steps) and ``<out>.full`` (the first, cold, full run). Profiling slows
    Python down: the times are for comparing parts only.
    """
    import io
    import pstats

    for stale in (out, Path(f"{out}.full")):
        stale.unlink(missing_ok=True)
    server = Server(db_url, folder, name="profile", profile=out)
    try:
        with fresh_page(browser) as page:
            progress("profiling the server: a cold first visit")
            frame = open_for_steps(page, server.url, f"?date={dates[0].isoformat()}")
            stepper = Stepper(days, layer_days)
            for _ in range(3):
                changing_step(page, frame, stepper)
            progress(f"profiling the server: {steps} slider steps")
            for _ in range(steps):
                changing_step(page, frame, stepper)
    finally:
        server.stop()
    result = {"pstats": str(out), "steps": steps}
    for name, path in (
        ("first full run (cold)", Path(f"{out}.full")),
        (f"{steps} slider steps (fragment runs)", out),
    ):
        stats = pstats.Stats(str(path))
        text = io.StringIO()
        stats.stream = text
        stats.sort_stats("cumulative").print_stats(
            rf"{re.escape(str(ROOT))}|streamlit_folium|folium/|branca|jinja2|xyzservices|vega|altair", 30
        )
        print(f"\n--- profile: {name} ---\n{text.getvalue()}", file=sys.stderr, flush=True)
        result[name] = [
            {
                "function": f"{file}:{line}({function})",
                "calls": calls,
                "own_s": own,
                "cumulative_s": cumulative,
            }
            for (file, line, function), (_, calls, own, cumulative, _) in sorted(
                stats.stats.items(), key=lambda item: -item[1][3]
            )[:80]
        ]
    return result
