"""Row 6 of ``benchmarks.run``: the data the browser receives over the WebSocket per slider
step, the map at country zoom."""

from __future__ import annotations

from dataclasses import asdict

from benchmarks.browser import FrameMeter, Server, fresh_page, median, progress
from benchmarks.plan import Plan
from benchmarks.stepping import Stepper, changing_step, open_for_steps
from benchmarks.table import Report, Row, ms, verdict

__all__ = ["COUNTRY_VIEW", "measure_frames"]

COUNTRY_VIEW = "center=48.5,35.0&zoom=6"


def measure_frames(
    report: Report, browser, server: Server, days: list, dates: list, layer_days: list[list], plan: Plan
) -> None:
    """Row 6: WebSocket bytes received per step, the map at country zoom."""
    with fresh_page(browser) as page:
        meter = FrameMeter(page)
        frame = open_for_steps(page, server.url, f"?date={dates[0].isoformat()}&{COUNTRY_VIEW}")
        zoom = frame.evaluate("() => window.map.getZoom()")
        stepper = Stepper(days, layer_days)
        for _ in range(3):
            changing_step(page, frame, stepper, meter=meter, settle_ms=300)
        progress(f"WebSocket frames: {plan.ws_steps} steps at zoom {zoom}")
        steps = [
            changing_step(page, frame, stepper, server=server, meter=meter, settle_ms=300)
            for _ in range(plan.ws_steps)
        ]
        kept = frame.evaluate("() => window.__probe") == "same iframe"
    kb = [s.bytes_received / 1000 for s in steps]
    data_ms = [s.map_data_ms for s in steps if s.map_data_ms is not None]
    server_ms = [s.server_ms for s in steps if s.server_ms is not None]
    kinds = {kind for s in steps for kind in (s.bytes_by_kind or {})}
    by_kind = sorted(
        ((median([(s.bytes_by_kind or {}).get(kind, 0) / 1000 for s in steps]), kind) for kind in kinds),
        reverse=True,
    )
    contents = ", ".join(f"{kind.removeprefix('delta:')} {kb_:.0f} KB" for kb_, kind in by_kind[:4])
    report.add(
        Row(
            f"data received per slider step at country zoom (`?{COUNTRY_VIEW}`), {len(steps)} steps",
            f"{median(kb):.0f} KB (max {max(kb):.0f} KB){'' if kept else '; iframe REMOUNTED'}",
            "≤ 60 KB",
            f"zoom {zoom}; per step: {contents}; "
            f"key → rerun request sent {ms([s.sent_ms for s in steps if s.sent_ms is not None])}, "
            f"→ map's delta in {ms(data_ms)}, → map redrawn {ms([s.map_ms for s in steps])}; "
            f"server's run {ms(server_ms)}"
            if data_ms and server_ms
            else f"zoom {zoom}; {contents}",
            verdict(median(kb) <= 60),
        ),
        "frames",
        {
            "zoom": zoom,
            "iframe_kept": kept,
            "median_kb_by_kind": {kind: kb_ for kb_, kind in by_kind},
            "steps": [asdict(s) for s in steps],
        },
    )
