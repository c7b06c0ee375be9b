"""How much ``benchmarks.run`` measures: the full run and the quick smoke run."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FULL", "QUICK", "Plan"]


@dataclass(frozen=True)
class Plan:
    files: int | None  # None: all
    bare_reads: int  # bare pyogrio reads of all files (median)
    area_repeats: int
    cold_runs: int  # server (re)starts
    warm_per_server: int  # new sessions on an already running server
    warm_up: int  # slider steps before the heap baseline
    steps: int  # slider steps timed, and over which the heap is compared
    ws_steps: int  # slider steps whose WebSocket frames are summed
    reader_steps: int  # slider steps per concurrent session (with --readers)


FULL = Plan(
    files=None,
    bare_reads=3,
    area_repeats=5,
    cold_runs=3,
    warm_per_server=2,
    warm_up=10,
    steps=200,
    ws_steps=30,
    reader_steps=20,
)
QUICK = Plan(
    files=100,
    bare_reads=2,
    area_repeats=5,
    cold_runs=2,
    warm_per_server=1,
    warm_up=5,
    steps=30,
    ws_steps=10,
    reader_steps=5,
)
