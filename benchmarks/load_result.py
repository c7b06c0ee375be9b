"""What a load test measured: every pause-update ("step") and error, their statistics,
and the report table."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from benchmarks.browser import median, percentile
from benchmarks.reader_session import Error, StepResult

__all__ = ["TARGET_P95_MS", "LoadResult"]

#: The target of issues 6 and 12 (readers on one process): the p95 of a step (a pause-update).
TARGET_P95_MS = 1000.0


@dataclass
class LoadResult:
    sessions: int
    steps_each: int  # pauses per session
    ramp_s: float
    think_s: float
    message_cache: bool
    store: str
    options: int  # days on the timeline
    warm_up_ms: float | None  # the scout session's first run (the process's first, with the app's imports)
    # Per session: connect → the run after the map said it was drawn finished (the panel shown).
    open_ms: list[float]
    open_phase_s: float  # first connection → every session's first run finished
    pause_phase_s: float
    steps: list[StepResult]  # every pause-update
    errors: list[Error]
    # The server's own script execution times (from the run timer): {"open": [...] full
    # runs before the pauses, "pause": [...] full runs while pausing, "fragment": [...]}.
    server_runs_ms: dict
    rss_mb: dict  # before, opened, end, closed
    server_cpu_s: dict  # during the open phase, while pausing (all threads, the main thread)
    driver_cpu_s: float
    load_average: dict  # before, max (1 min, sampled each second), after
    server_log_problems: list[str] = field(default_factory=list)
    pack_wait_s: float | None = None  # after the warm-up's first run, until the map's pack was complete
    warm_up_pause_ms: float | None = None  # the warm-up session's pause (the process's first)
    first_run_ms: list[float] = field(default_factory=list)  # per session: connect → first run (no panel)

    @property
    def rerun_ms(self) -> list[float]:
        return [s.rerun_ms for s in self.steps]

    def p(self, q: float, values: list[float] | None = None) -> float | None:
        values = self.rerun_ms if values is None else values
        return percentile(values, q) if values else None

    @property
    def met(self) -> bool:
        p95 = self.p(0.95)
        return (
            not self.errors
            and p95 is not None
            and p95 < TARGET_P95_MS
            and len(self.steps) == self.sessions * self.steps_each
        )

    def errors_by_kind(self) -> dict[str, int]:
        return dict(Counter(error.kind for error in self.errors).most_common())

    def summary(self) -> dict:
        def quantiles(values: list[float]) -> dict:
            if not values:
                return {}
            return {
                "p50": percentile(values, 0.5),
                "p90": percentile(values, 0.9),
                "p95": percentile(values, 0.95),
                "p99": percentile(values, 0.99),
                "max": max(values),
                "mean": sum(values) / len(values),
                "n": len(values),
            }

        before, opened = self.rss_mb.get("before"), self.rss_mb.get("opened")
        return {
            "sessions": self.sessions,
            "steps_each": self.steps_each,
            "steps_done": len(self.steps),
            "ramp_s": self.ramp_s,
            "think_s": self.think_s,
            "message_cache": self.message_cache,
            "store": self.store,
            "timeline_days": self.options,
            "errors": len(self.errors),
            "errors_by_kind": self.errors_by_kind(),
            "rerun_ms": quantiles(self.rerun_ms),
            "map_ms": quantiles([s.map_ms for s in self.steps if s.map_ms is not None]),
            "first_message_ms": quantiles([s.first_ms for s in self.steps if s.first_ms is not None]),
            "steps_with_map": sum(s.map_ms is not None for s in self.steps),
            "steps_map_changed": sum(bool(s.map_changed) for s in self.steps),
            "kb_per_step_median": median([s.bytes / 1000 for s in self.steps]) if self.steps else None,
            "messages_per_step_median": median([s.messages for s in self.steps]) if self.steps else None,
            "open_ms": quantiles(self.open_ms),
            "first_run_ms": quantiles(self.first_run_ms),
            "warm_up_ms": self.warm_up_ms,
            "pack_wait_s": self.pack_wait_s,
            "warm_up_pause_ms": self.warm_up_pause_ms,
            "open_phase_s": self.open_phase_s,
            "pause_phase_s": self.pause_phase_s,
            "steps_per_s": len(self.steps) / self.pause_phase_s if self.pause_phase_s else None,
            "server_pause_run_ms": quantiles(self.server_runs_ms.get("pause", [])),
            "server_open_run_ms": quantiles(self.server_runs_ms.get("open", [])),
            "server_fragment_run_ms": quantiles(self.server_runs_ms.get("fragment", [])),
            "server_cpu_s": self.server_cpu_s,
            "server_cpu_ms_per_step": self.server_cpu_s["pauses"] * 1000 / len(self.steps)
            if self.steps and self.server_cpu_s.get("pauses") is not None
            else None,
            "server_main_thread_cpu_ms_per_step": self.server_cpu_s["pauses_main_thread"]
            * 1000
            / len(self.steps)
            if self.steps and self.server_cpu_s.get("pauses_main_thread") is not None
            else None,
            "driver_cpu_s": self.driver_cpu_s,
            "rss_mb": self.rss_mb,
            "rss_mb_per_session": (opened - before) / self.sessions
            if before is not None and opened is not None
            else None,
            "load_average": self.load_average,
            "server_log_problems": self.server_log_problems[:20],
            "target": {"p95_ms_below": TARGET_P95_MS, "errors": 0, "met": self.met},
        }

    def markdown(self) -> str:
        s = self.summary()

        def q(values: dict, *keys: str) -> str:
            return ", ".join(f"{key} {values[key]:.0f}" for key in keys) + " ms" if values else "n/a"

        def mb(value: float | None) -> str:
            return f"{value:.0f} MB" if value is not None else "n/a"

        rss, load, cpu, main = (
            s["rss_mb"],
            s["load_average"],
            s["server_cpu_ms_per_step"],
            s["server_main_thread_cpu_ms_per_step"],
        )
        errors = f"{s['errors']}" + (
            f" ({', '.join(f'{kind}: {n}' for kind, n in s['errors_by_kind'].items())})"
            if s["errors"]
            else ""
        )
        opened = q(s["open_ms"], "p50", "p95", "max")
        if s["first_run_ms"]:
            opened += f" (the first run, without the panel: p50 {s['first_run_ms']['p50']:.0f} ms)"
        opened += f"; all open in {self.open_phase_s:.1f} s"
        if self.warm_up_ms:
            opened += f"; the warm-up session's (the process's first run) {self.warm_up_ms / 1000:.1f} s"
        if self.pack_wait_s is not None:
            opened += f", then {self.pack_wait_s:.0f} s until the map's pack was complete"
        if self.warm_up_pause_ms is not None:
            opened += f", its pause {self.warm_up_pause_ms:.0f} ms"
        throughput = (
            f"{s['steps_per_s']:.1f} pauses/s over {self.pause_phase_s:.0f} s" if s["steps_per_s"] else "n/a"
        )
        if cpu is not None:
            throughput += f"; server CPU {cpu:.0f} ms a pause" + (
                f" ({main:.0f} ms of it on the main thread: event loop, WebSockets)"
                if main is not None
                else ""
            )
        if s["kb_per_step_median"] is not None:
            throughput += (
                f"; {s['messages_per_step_median']:.0f} messages, "
                f"{s['kb_per_step_median']:.0f} KB received a pause (median)"
            )
        memory = (
            f"before {mb(rss.get('before'))}, all open {mb(rss.get('opened'))}, "
            f"end {mb(rss.get('end'))}, closed {mb(rss.get('closed'))}"
        )
        if s["rss_mb_per_session"] is not None:
            memory += f"; {s['rss_mb_per_session']:.1f} MB a session"
        rows = [
            (
                "sessions × pauses",
                f"{self.sessions} × {self.steps_each} ({s['steps_done']} pauses done), "
                f"opened within {self.ramp_s:g} s, "
                f"think time {self.think_s:g} s (± 50 %); {self.options} days on the timeline",
            ),
            ("errors", errors),
            (
                "pause-update latency (trigger sent → `script_finished`)",
                q(s["rerun_ms"], "p50", "p90", "p95", "p99", "max"),
            ),
            ("trigger sent → first message of the run", q(s["first_message_ms"], "p50", "p95", "max")),
            (
                "trigger sent → map (the `reader_map` element)",
                q(s["map_ms"], "p50", "p95", "max") + f"; {s['steps_with_map']} of {s['steps_done']} pauses "
                f"sent the map, {s['steps_map_changed']} a changed one",
            ),
            (
                "server's run of a pause (script execution, the run timer)",
                q(s["server_pause_run_ms"], "p50", "p95", "max"),
            ),
            ("opening per session (connect → first run → the map's `drawn` → panel shown)", opened),
            ("throughput", throughput),
            ("server RSS", memory),
            (
                "load average (1 min)",
                f"before {load['before']:.1f}, max {load['max']:.1f} during, after {load['after']:.1f}",
            ),
            ("target: 0 errors, p95 pause-update < 1 s", "met" if self.met else "**not met**"),
        ]
        return "\n".join(
            ["| what | measured |", "|---|---|", *(f"| {what} | {value} |" for what, value in rows)]
        )
