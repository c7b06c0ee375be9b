"""The bounded child processes of layers.sandbox: answers, order, time and memory overruns."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time

import pytest

from layers import sandbox
from layers.errors import InvalidInputError
from layers.sandbox import Budget, BudgetExceeded, run_bounded, run_each


def _sleep_then(seconds: float, value: int) -> int:
    time.sleep(seconds)
    return value


def _allocate(megabytes: int) -> int:
    block = bytearray(megabytes * 1024 * 1024)
    return len(block)


def _refuse(message: str) -> None:
    raise InvalidInputError(message)


def _pid() -> int:
    return os.getpid()


class _Unpicklable(Exception):
    def __reduce__(self):
        raise TypeError("cannot pickle")


def _raise_unpicklable() -> None:
    raise _Unpicklable("deep inside")


def test_the_work_runs_in_another_process_and_its_answer_comes_back():
    assert run_bounded(_pid) != os.getpid()
    assert run_bounded(_sleep_then, 0, 7) == 7


def test_a_child_that_runs_too_long_is_killed_and_the_message_names_the_limit():
    started = time.monotonic()
    with pytest.raises(BudgetExceeded) as caught:
        run_bounded(_sleep_then, 60, 1, budget=Budget(2.0, 1024), what="checking it")
    assert time.monotonic() - started < 30, "killed at the deadline, not after the work's 60 s"
    assert caught.value.limit == "time"
    assert "checking it took longer than the 2 s allowed" in str(caught.value)
    assert "FRONTLINE_PARSE_SECONDS" in str(caught.value)


def test_a_child_that_allocates_past_its_budget_is_stopped_with_a_message():
    with pytest.raises(BudgetExceeded) as caught:
        run_bounded(_allocate, 2048, budget=Budget(30, 256))
    assert caught.value.limit == "memory"
    assert "256 MB of memory allowed" in str(caught.value)
    # Within the budget the same work succeeds.
    assert run_bounded(_allocate, 64, budget=Budget(30, 512)) == 64 * 1024 * 1024


def test_the_functions_own_errors_are_raised_here_and_unpicklable_ones_as_runtime_errors():
    with pytest.raises(InvalidInputError, match="bad file"):
        run_bounded(_refuse, "bad file")
    with pytest.raises(RuntimeError, match="deep inside"):
        run_bounded(_raise_unpicklable)


@pytest.mark.parametrize("workers,batch", [(1, 1), (2, 1), (2, 3), (3, 8)])
def test_results_come_in_order_and_an_overrun_takes_one_items_place(workers, batch):
    # Budgets are generous for a loaded machine: only the item that sleeps 60 s overruns.
    items = [(0.3 if value % 3 == 0 else 0.0, value) for value in range(10)]
    items[4] = (60, 4)  # this one overruns; the rest of its batch goes to a new child
    results = list(
        run_each(
            _sleep_then,
            items,
            budget=Budget(8.0, 1024),
            workers=workers,
            batch=batch,
            overrun=lambda index, error: -index if error.limit == "time" else None,
        )
    )
    assert results == [0, 1, 2, 3, -4, 5, 6, 7, 8, 9]


def test_without_an_overrun_handler_the_first_overrun_is_raised_and_children_are_stopped():
    started = time.monotonic()
    with pytest.raises(BudgetExceeded):
        list(run_each(_sleep_then, [(0, 1), (60, 2), (60, 3)], budget=Budget(3.0, 1024), workers=3))
    assert time.monotonic() - started < 40, "stopped at the first deadline, not after 60 s"
    assert not [child for child in multiprocessing.active_children() if child.is_alive()]


def test_a_threaded_caller_uses_the_fork_server_not_fork():
    release = threading.Event()
    thread = threading.Thread(target=release.wait)
    thread.start()
    try:
        assert sandbox._context().get_start_method() == "forkserver"  # noqa: SLF001
        assert run_bounded(_sleep_then, 0, 3) == 3
    finally:
        release.set()
        thread.join()


def test_the_budget_comes_from_the_settings(monkeypatch):
    monkeypatch.setenv("FRONTLINE_PARSE_SECONDS", "2.5")
    monkeypatch.setenv("FRONTLINE_PARSE_MEMORY_MB", "700")
    assert Budget.from_settings() == Budget(2.5, 700)
    monkeypatch.setenv("FRONTLINE_PARSE_MEMORY_MB", "lots")
    with pytest.raises(InvalidInputError, match="FRONTLINE_PARSE_MEMORY_MB='lots'"):
        Budget.from_settings()
