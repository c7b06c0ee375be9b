"""Run untrusted work (decoding, parsing and validating an upload) in a child process with a
wall-clock and a memory budget, and turn an overrun into a message instead of a dead server.

Every check of :mod:`layers.formats` and :mod:`layers.validation` is bounded by its own
limits; this is the backstop for what those limits cannot foresee (a reader library that
loops, a structure that amplifies in memory). The budgets come from
:func:`layers.settings.limits` (30 s and 1 GB by default).

How the budget is enforced:

- **Memory**: the child sets ``RLIMIT_AS`` so that it can map at most the budget minus
  what it already has resident: a forked child starts with its parent's mappings
  (``VmSize``) and resident pages (``VmRSS``), so the limit is
  ``VmSize + budget - VmRSS`` (at least 16 MB more than it has), which keeps its
  peak resident memory at about the budget. An allocation past it fails
  (``MemoryError`` in Python, a failed ``malloc`` in a C library), and the child
  reports it; if a library aborts instead, the child's death by that signal is
  reported the same way. Linux only (where ``resource`` exists); elsewhere
  only the time budget applies. The cap counts new mappings, so a child forked from a
  process that freed much of its heap may reuse that freed memory beyond the budget; the
  command line forks from a fresh process and the server from the fork server, both small.
- **Time**: the parent waits at most the budget for the child's answer, then kills it
  (``SIGKILL``): no C loop in GDAL or SQLite can hold the process.
- **Start method**: ``fork`` from a single-threaded process (the command line), the
  ``forkserver`` from a threaded one (the Streamlit server, whose other threads a fork
  would not carry and whose locks it could copy held). Under the fork server the
  function and its arguments are pickled, so they must be importable module-level
  names.

Several items can run in parallel (:func:`run_each`, used by imports of many files):
each has its own child, budget and deadline, and results come back in order.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from .errors import FrontlineError
from .settings import limits

try:
    import resource
except ImportError:  # pragma: no cover - not on Linux
    resource = None  # type: ignore[assignment]

__all__ = ["Budget", "BudgetExceeded", "run_bounded", "run_each"]

T = TypeVar("T")

#: Modules the fork server imports once, so that each child it forks starts warm.
_PRELOAD = ["layers.validation", "layers.ingest"]


@dataclass(frozen=True)
class Budget:
    """Wall-clock seconds and memory (MB) one child may use."""

    seconds: float
    memory_mb: int

    @classmethod
    def from_settings(cls) -> Budget:
        """The parse budget of :func:`layers.settings.limits` (``FRONTLINE_PARSE_*``)."""
        settings = limits()
        return cls(settings.parse_seconds, settings.parse_memory_mb)


class BudgetExceeded(FrontlineError):
    """The work overran its budget and was stopped; the message names the limit and the fix.

    ``limit`` is ``"time"`` or ``"memory"``.
    """

    def __init__(self, message: str, limit: str) -> None:
        super().__init__(message)
        self.limit = limit


def _status_kb(field: str) -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _limit_memory(memory_mb: int) -> None:
    """In the child: cap the address space so that the resident peak stays near the budget."""
    if resource is None:
        return
    mapped, resident = _status_kb("VmSize") * 1024, _status_kb("VmRSS") * 1024
    if not mapped:
        return
    cap = mapped + max(memory_mb * 1024 * 1024 - resident, 16 * 1024 * 1024)
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _is_memory_error(error: BaseException) -> bool:
    """MemoryError, or a library's own (pyarrow's ArrowMemoryError, numpy's _ArrayMemoryError)."""
    return isinstance(error, MemoryError) or "MemoryError" in type(error).__name__


def _child(
    connection: multiprocessing.connection.Connection,
    function: Callable[..., Any],
    batch: list[tuple[int, tuple[Any, ...]]],
    memory_mb: int,
) -> None:
    """In the child: each item of the batch in turn, its answer sent as soon as it is ready.

    The parent restarts an item's clock at each answer, so every item has the whole
    budget. After a memory error the child stops: what the failed allocation left
    behind cannot be trusted.
    """
    try:
        _limit_memory(memory_mb)
        for index, arguments in batch:
            try:
                result = function(*arguments)
            except BaseException as error:  # noqa: BLE001 - everything is reported to the parent
                if _is_memory_error(error):
                    del error  # free what the work held before answering
                    connection.send(("memory", index, None))
                    return
                try:
                    connection.send(("error", index, error))
                except Exception:  # noqa: BLE001 - the exception itself may not pickle
                    connection.send(("crash", index, "".join(traceback.format_exception(error))))
                return
            connection.send(("ok", index, result))
            del result
    finally:
        connection.close()


def _context() -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(_PRELOAD)
        return context
    return multiprocessing.get_context("spawn")  # pragma: no cover - not on Linux


@dataclass
class _Running:
    """A child at work: the items it has not answered yet, and when the current one runs out."""

    process: multiprocessing.process.BaseProcess
    connection: multiprocessing.connection.Connection
    pending: list[int]
    deadline: float


def _start(
    context: multiprocessing.context.BaseContext,
    function: Callable[..., Any],
    items: Sequence[tuple[Any, ...]],
    batch: list[int],
    budget: Budget,
) -> _Running:
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(  # type: ignore[attr-defined]
        target=_child,
        args=(sender, function, [(index, items[index]) for index in batch], budget.memory_mb),
        daemon=True,
    )
    process.start()
    sender.close()
    return _Running(process, receiver, list(batch), time.monotonic() + budget.seconds)


def _overrun(limit: str, budget: Budget, what: str) -> BudgetExceeded:
    if limit == "time":
        return BudgetExceeded(
            f"{what} took longer than the {budget.seconds:g} s allowed and was stopped. The file is too "
            "complex to check in time: split it, simplify its geometry, or ask the operator to raise "
            "FRONTLINE_PARSE_SECONDS.",
            "time",
        )
    return BudgetExceeded(
        f"{what} needed more than the {budget.memory_mb:,} MB of memory allowed and was stopped. The file "
        "holds more than it appears to (deeply repeated structures, huge values): split it, simplify it, "
        "or ask the operator to raise FRONTLINE_PARSE_MEMORY_MB.",
        "memory",
    )


def _stop(running: _Running) -> None:
    if running.process.is_alive():
        running.process.kill()
    running.process.join()
    running.connection.close()


def run_bounded(
    function: Callable[..., T], *arguments: Any, budget: Budget | None = None, what: str = "Checking the file"
) -> T:
    """``function(*arguments)`` in a child process under ``budget`` (default: the settings').

    Exceptions the function raises are raised here (they must pickle; others become a
    ``RuntimeError`` with the child's traceback).

    Raises
    ------
    BudgetExceeded
        When the child overran its time or memory, naming the limit; ``what`` starts
        the message (e.g. ``"checking it"``).
    """
    return next(iter(run_each(function, [arguments], budget=budget, workers=1, what=lambda _: what)))


def run_each(
    function: Callable[..., T],
    items: Sequence[tuple[Any, ...]],
    *,
    budget: Budget | None = None,
    workers: int = 1,
    batch: int = 1,
    what: Callable[[int], str] = lambda index: f"checking file {index + 1}",
    overrun: Callable[[int, BudgetExceeded], T] | None = None,
) -> Iterator[T]:
    """``function(*item)`` for each item in bounded children, at most ``workers`` at once.

    Each child takes up to ``batch`` items (a fork costs ~30-60 ms with the libraries
    loaded, a small file's check less) and answers each as it is done; every item has
    the whole time budget, and the memory budget is the child's. Results are yielded
    in the order of ``items``. An item that overruns gives ``overrun(index, error)`` in
    its place when that is given, and the rest of its batch goes to a new child;
    otherwise, as for any exception, the children still running are stopped and the
    error is raised.
    """
    budget = budget or Budget.from_settings()
    size = max(1, batch)
    context = _context()
    batches = [list(range(start, min(start + size, len(items)))) for start in range(0, len(items), size)]
    batches.reverse()
    running: list[_Running] = []
    done: dict[int, Any] = {}
    following = 0

    def failed(child: _Running, error: BudgetExceeded) -> None:
        index = child.pending.pop(0)
        if overrun is None:
            raise error
        done[index] = overrun(index, error)
        if child.pending:
            batches.append(child.pending)

    try:
        while following < len(items):
            if following in done:
                yield done.pop(following)
                following += 1
                continue
            while batches and len(running) < max(1, workers):
                running.append(_start(context, function, items, batches.pop(), budget))
            timeout = max(0.0, min(child.deadline for child in running) - time.monotonic())
            ready = multiprocessing.connection.wait([child.connection for child in running], timeout)
            for child in list(running):
                if child.connection in ready:
                    try:
                        status, index, value = child.connection.recv()
                    except (EOFError, OSError):
                        running.remove(child)
                        _stop(child)
                        if child.pending:
                            code = child.process.exitcode
                            if code is None or code >= 0:
                                raise RuntimeError(
                                    f"{what(child.pending[0])}: its child process ended with status {code} "
                                    "before answering"
                                ) from None
                            # Killed by a signal (an abort in a C library on a failed
                            # allocation, the kernel's OOM killer): most likely memory.
                            error = _overrun("memory", budget, what(child.pending[0]))
                            failed(child, BudgetExceeded(f"{error} (It ended by signal {-code}.)", "memory"))
                        continue
                    child.deadline = time.monotonic() + budget.seconds
                    if status == "ok":
                        child.pending.remove(index)
                        done[index] = value
                        continue
                    running.remove(child)
                    _stop(child)
                    if status == "memory":
                        failed(child, _overrun("memory", budget, what(index)))
                    elif status == "error":
                        raise value
                    else:
                        raise RuntimeError(f"{what(index)} failed in its child process:\n{value}")
                elif time.monotonic() >= child.deadline:
                    running.remove(child)
                    _stop(child)
                    failed(child, _overrun("time", budget, what(child.pending[0])))
    finally:
        for child in running:
            _stop(child)
