"""layers.renderqueue: renders run one at a time in arrival order, each waiter told how many
are ahead; the hourly allowance and who may render a time-lapse."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest

from layers.renderqueue import RenderQueue, next_allowed, timelapse_refusal


def wait_until(condition, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_waiters_are_told_how_many_are_ahead_and_run_in_arrival_order():
    queue = RenderQueue(poll_s=0.01)
    ran: list[str] = []
    told: dict[str, list[int]] = {"b": [], "c": []}
    release = {name: threading.Event() for name in "abc"}

    def render(name: str) -> None:
        with queue.turn(lambda ahead: told[name].append(ahead) if name in told else None):
            ran.append(name)
            release[name].wait(5)

    threads = {}
    for count, name in enumerate("abc", start=1):
        threads[name] = threading.Thread(target=render, args=(name,))
        threads[name].start()
        wait_until(lambda count=count: len(queue) == count)
    wait_until(lambda: told["c"] == [2])
    assert ran == ["a"] and told["b"] == [1]
    release["a"].set()
    wait_until(lambda: ran == ["a", "b"])
    wait_until(lambda: told["c"] == [2, 1])
    release["b"].set()
    release["c"].set()
    for thread in threads.values():
        thread.join(5)
    assert ran == ["a", "b", "c"] and told == {"b": [1], "c": [2, 1]}
    assert len(queue) == 0


def test_a_waiter_that_gives_up_leaves_the_queue():
    queue = RenderQueue(poll_s=0.01)
    hold = threading.Event()

    def first() -> None:
        with queue.turn():
            hold.wait(5)

    def quitter(ahead: int) -> None:
        raise KeyboardInterrupt("the reader left")

    thread = threading.Thread(target=first)
    thread.start()
    wait_until(lambda: len(queue) == 1)
    with pytest.raises(KeyboardInterrupt), queue.turn(quitter):
        pass
    assert len(queue) == 1, "only the running render is left"
    hold.set()
    thread.join(5)
    with queue.turn(lambda ahead: pytest.fail("nobody is ahead")):
        assert len(queue) == 1


def test_a_failed_render_frees_its_turn():
    queue = RenderQueue(poll_s=0.01)
    with pytest.raises(ValueError), queue.turn():
        raise ValueError("drawing failed")
    assert len(queue) == 0


NOW = dt.datetime(2024, 11, 25, 12, 0, tzinfo=dt.UTC)


def test_the_hourly_allowance_names_when_the_next_render_may_start():
    minutes = [NOW - dt.timedelta(minutes=m) for m in (50, 20, 5)]
    assert next_allowed(minutes[1:], 3, NOW) is None
    assert next_allowed(minutes, 3, NOW) == NOW + dt.timedelta(minutes=10), "an hour after the oldest of 3"
    assert next_allowed(minutes, 2, NOW) == NOW + dt.timedelta(minutes=40)
    assert next_allowed([NOW - dt.timedelta(minutes=61), *minutes[1:]], 3, NOW) is None, "older than an hour"


@pytest.mark.parametrize(
    "policy, is_editor, refused",
    [
        ("editors", False, "signed-in editors only"),
        ("editors", True, None),
        ("all", False, None),
        ("none", True, "turned off on this server"),
        ("none", False, "turned off on this server"),
    ],
)
def test_who_may_render_a_time_lapse(policy, is_editor, refused):
    refusal = timelapse_refusal(policy, is_editor)
    assert (refusal is None) if refused is None else (refused in refusal)
