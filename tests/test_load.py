"""The load test's driver (``benchmarks/load.py``) against a real ``streamlit run app.py``
on the embedded data: sessions over Streamlit's WebSocket protocol, no browser, that open
the reader's page and pause on dates of its map."""

from __future__ import annotations

import datetime as dt

import pytest

from benchmarks.browser import Server
from benchmarks.load import Session, drive
from benchmarks.load_driver import pause_days
from benchmarks.protocol import component_state, trigger_id, trigger_state
from benchmarks.reader_session import figures_heading


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # A fresh store: the server seeds the embedded demo data into it before the app starts.
    folder = tmp_path_factory.mktemp("load")
    server = Server(f"sqlite:///{folder / 'load.db'}", folder, name="load")
    yield server
    server.stop()


def quiet(message: str) -> None:
    pass


def test_the_trigger_is_sent_as_streamlit_reads_it():
    component = "$$ID-0123456789abcdef0123456789abcdef-reader_map"
    # Streamlit 1.67's id for a component's triggers (bidi_component.main._make_trigger_id);
    # test_three_readers_pause_without_errors checks the real server reads it.
    assert trigger_id(component) == f"$$STREAMLIT_INTERNAL_KEY_{component}__events"
    state = trigger_state(component, "date", "2024-11-25")
    assert state.WhichOneof("value") == "json_trigger_value"
    # As the frontend's JSON.stringify writes it.
    assert state.json_trigger_value == '[{"event":"date","value":"2024-11-25"}]'
    state = component_state(component, {"drawn": True})
    assert state.id == component and state.WhichOneof("value") == "json_value"
    assert state.json_value == '{"drawn":true}'
    assert figures_heading("2024-11-25") == "Figures for 25 November 2024"


def test_pause_days_spread_over_the_timeline_and_always_move():
    days = [(dt.date(2024, 1, 1) + dt.timedelta(days=n)).isoformat() for n in range(100)]
    starts, plans = pause_days(days, sessions=10, pauses=5)
    assert len(set(starts)) == 10 and all(len(plan) == 5 for plan in plans)
    every = [day for plan in plans for day in plan]
    assert len(set(every)) == 50  # all different while sessions × pauses ≤ days
    assert min(every) < days[10] and max(every) > days[-10]  # over the whole timeline
    for start, plan in zip(starts, plans, strict=True):
        shown = [start, *plan]
        assert all(a != b for a, b in zip(shown, shown[1:], strict=False))  # a new day every pause
    # More pauses than days: they repeat, but never the day the session shows.
    starts, plans = pause_days(days[:3], sessions=4, pauses=4)
    for start, plan in zip(starts, plans, strict=True):
        shown = [start, *plan]
        assert all(a != b for a, b in zip(shown, shown[1:], strict=False))


def test_three_readers_pause_without_errors(server):
    result = drive(server, sessions=3, steps=3, ramp=1.0, think=0.2, report=quiet)

    assert result.errors == []
    assert len(result.steps) == 9 and len(result.open_ms) == 3
    assert result.warm_up_pause_ms and result.pack_wait_s is not None
    for session in range(3):
        steps = sorted((s for s in result.steps if s.session == session), key=lambda s: s.step)
        values = [s.value for s in steps]
        assert len(set(values)) == 3, values  # a new day every pause
    for step in result.steps:
        assert step.shown  # the panel's heading for the new day, and the map given it
        assert step.map_ms is not None and 0 < step.map_ms <= step.rerun_ms  # the map was sent during the run
        assert step.map_changed
        assert step.server_status == "success"  # the page's full run
    assert result.p(0.95) > 0 and len(result.server_runs_ms["pause"]) >= 9
    summary = result.summary()
    assert summary["rerun_ms"]["n"] == 9 and summary["rss_mb"]["before"] > 0
    assert "| errors | 0 |" in result.markdown()


class BogusDay(Session):
    """A reader whose second pause sends a day off the timeline (the page keeps its day)."""

    def pause_value(self, step: int) -> str:
        value = super().pause_value(step)
        return "1999-01-01" if step == 1 else value


class WrongTrigger(Session):
    """A map that names its trigger wrongly: the page never hears of the pause."""

    pause_event = "day"


def test_a_pause_the_page_does_not_follow_is_an_error(server):
    result = drive(server, sessions=1, steps=3, ramp=0.0, think=0.0, session_class=BogusDay, report=quiet)
    assert [(e.kind, e.step) for e in result.errors] == [("wrong date", 1)]
    assert not result.met

    result = drive(server, sessions=1, steps=2, ramp=0.0, think=0.0, session_class=WrongTrigger, report=quiet)
    assert [(e.kind, e.step) for e in result.errors] == [("wrong date", 0), ("wrong date", 1)]
