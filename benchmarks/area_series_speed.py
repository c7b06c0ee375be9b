"""Row 2 of ``benchmarks.run``: the area series of a layer over all its dates, read from the store."""

from __future__ import annotations

import time

from benchmarks.browser import median, progress
from benchmarks.plan import Plan
from benchmarks.table import Report, Row, verdict

__all__ = ["measure_area_series"]


def measure_area_series(report: Report, url: str, layer: str, plan: Plan) -> None:
    from layers.store import Store

    progress(f"area series, {plan.area_repeats} runs")
    times, rows, dates = [], 0, 0
    for _ in range(plan.area_repeats):
        store = Store(url)
        try:
            started = time.perf_counter()
            series = store.area_series(layer)
            times.append(time.perf_counter() - started)
        finally:
            store.close()
        rows, dates = len(series), series["as_of"].nunique()
    report.add(
        Row(
            f"area series, all {dates} dates: `Store(url).area_series(layer)`",
            f"{median(times) * 1000:.0f} ms",
            "≤ 0.5 s",
            f"{rows} rows; min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms of {len(times)}",
            verdict(median(times) <= 0.5),
        ),
        "area_series",
        {"seconds": times, "rows": rows, "dates": dates},
    )
