"""Row 7 of ``benchmarks.run``: many readers on one server process, driven by the load
test's WebSocket sessions (``benchmarks/load.py``)."""

from __future__ import annotations

from dataclasses import asdict

from benchmarks.browser import Server, progress
from benchmarks.plan import Plan
from benchmarks.table import Report, Row, verdict

__all__ = ["measure_readers"]


def measure_readers(
    report: Report,
    browser,
    server: Server,
    days: list,
    dates: list,
    layer_days: list[list],
    plan: Plan,
    readers: int,
) -> None:
    """Row 7: ``readers`` sessions at once on the same server, each scrubbing ``reader_steps``
    steps, driven over Streamlit's WebSocket protocol by ``benchmarks/load.py`` (no browser:
    see its README section)."""
    from benchmarks.load_driver import drive

    progress(f"{readers} concurrent readers (WebSocket sessions), {plan.reader_steps} steps each")
    result = drive(server, readers, plan.reader_steps, report=progress)
    summary = result.summary()
    rerun, opened = summary["rerun_ms"], summary["open_ms"]
    errors = ", ".join(f"{kind}: {n}" for kind, n in summary["errors_by_kind"].items())
    per_session = summary["rss_mb_per_session"]
    report.add(
        Row(
            f"readers on one process: {readers} concurrent sessions "
            f"(Streamlit's WebSocket protocol, `benchmarks/load.py`), {plan.reader_steps} slider steps each",
            f"{readers} sessions, {summary['errors']} errors, p95 {rerun['p95']:.0f} ms"
            if rerun
            else f"no step completed; {summary['errors']} errors",
            "0 errors, p95 rerun < 1 s",
            (f"rerun median {rerun['p50']:.0f} ms, p99 {rerun['p99']:.0f} ms; " if rerun else "")
            + f"{summary['steps_done']} of {readers * plan.reader_steps} steps; "
            f"first full run median {opened['p50'] / 1000 if opened else float('nan'):.1f} s; "
            + (f"server RSS +{per_session:.1f} MB a session; " if per_session is not None else "")
            + f"{summary['steps_per_s'] or 0:.1f} steps/s"
            + (f"; errors: {errors}" if errors else ""),
            verdict(result.met),
        ),
        "readers",
        {
            "summary": summary,
            "steps": [asdict(s) for s in result.steps],
            "errors": [asdict(e) for e in result.errors],
            "open_ms": result.open_ms,
        },
    )
