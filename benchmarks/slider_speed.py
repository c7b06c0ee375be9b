"""Rows 4 and 5 of ``benchmarks.run``: a slider step to the redrawn map, and the browser's
JavaScript heap over many steps."""

from __future__ import annotations

from dataclasses import asdict

from benchmarks.browser import Server, Step, fresh_page, median, percentile, progress
from benchmarks.plan import Plan
from benchmarks.stepping import Stepper, changing_step, open_for_steps
from benchmarks.table import Report, Row, ms, verdict

__all__ = ["measure_steps"]


def measure_steps(
    report: Report, browser, server: Server, days: list, dates: list, layer_days: list[list], plan: Plan
) -> None:
    """Rows 4 and 5: one session, ``warm_up`` steps, heap after GC, ``steps`` timed steps,
    heap after GC."""
    from tests.browser.conftest import js_heap_mb

    with fresh_page(browser) as page:
        frame = open_for_steps(page, server.url, f"?date={dates[0].isoformat()}")
        stepper = Stepper(days, layer_days)
        progress(f"slider: {plan.warm_up} warm-up steps")
        for _ in range(plan.warm_up):
            changing_step(page, frame, stepper)
        heap_start = js_heap_mb(page)
        steps: list[Step] = []
        progress(f"slider: {plan.steps} timed steps (ArrowRight, one snapshot each)")
        for index in range(plan.steps):
            steps.append(changing_step(page, frame, stepper, server=server))
            if (index + 1) % 25 == 0:
                progress(
                    f"  {index + 1} steps, median so far {ms([s.map_ms for s in steps])} to the redrawn map"
                )
        heap_end = js_heap_mb(page)
        probe = frame.evaluate("() => window.__probe")
        groups = frame.evaluate("() => (window.feature_group || []).length")
    map_ms = [s.map_ms for s in steps]
    done_ms = [s.done_ms for s in steps]
    server_ms = [s.server_ms for s in steps if s.server_ms is not None]
    kept = probe == "same iframe"
    report.add(
        Row(
            f"slider step to redrawn map, {len(steps)} steps each to the next snapshot",
            f"{median(map_ms):.0f} ms, p90 {percentile(map_ms, 0.9):.0f} ms; "
            f"iframe {'kept' if kept else 'REMOUNTED'}",
            "≤ 120 ms median, no remount",
            f"server's fragment run {ms(server_ms) if server_ms else 'n/a'}; "
            f"key → run finished {ms(done_ms)}; runs a step: {median([s.runs for s in steps]):.0f}",
            verdict(median(map_ms) <= 120 and kept),
        ),
        "slider_step",
        {"steps": [asdict(s) for s in steps], "iframe_kept": kept, "feature_groups_at_end": groups},
    )
    growth = heap_end - heap_start
    report.add(
        Row(
            f"browser JS heap growth over {len(steps)} steps (after GC via CDP)",
            f"{growth:+.1f} MB",
            "≤ 10 MB",
            f"{heap_start:.1f} MB after {plan.warm_up} warm-up steps → {heap_end:.1f} MB",
            verdict(growth <= 10),
        ),
        "heap",
        {"start_mb": heap_start, "end_mb": heap_end, "growth_mb": growth, "steps": len(steps)},
    )
