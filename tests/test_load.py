"""The load test's driver (``benchmarks/load.py``) against a real ``streamlit run app.py``
on the embedded data: sessions over Streamlit's WebSocket protocol, no browser."""

from __future__ import annotations

import pytest

from benchmarks.browser import Server
from benchmarks.load import Session, drive


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # A fresh store: the app seeds its embedded data into it on the first run.
    folder = tmp_path_factory.mktemp("load")
    server = Server(f"sqlite:///{folder / 'load.db'}", folder, name="load")
    yield server
    server.stop()


def quiet(message: str) -> None:
    pass


def test_three_readers_scrub_without_errors(server):
    result = drive(server, sessions=3, steps=3, ramp=1.0, report=quiet)

    assert result.errors == []
    assert len(result.steps) == 9 and len(result.open_ms) == 3
    for session in range(3):
        steps = sorted((s for s in result.steps if s.session == session), key=lambda s: s.step)
        values = [s.value for s in steps]
        assert len(set(values)) == 3, values  # a new day every step
    for step in result.steps:
        assert step.shown  # the new day is in the page's text
        assert step.map_ms is not None and 0 < step.map_ms <= step.rerun_ms  # the map was sent during the run
        assert step.server_status == "fragment success"
    assert result.p(0.95) > 0 and len(result.server_runs_ms["fragment"]) >= 9
    summary = result.summary()
    assert summary["rerun_ms"]["n"] == 9 and summary["rss_mb"]["before"] > 0
    assert "| errors | 0 |" in result.markdown()


class BogusSlider(Session):
    """A reader whose second step sends a value the slider does not have."""

    def slider_value(self, step: int) -> str:
        value = super().slider_value(step)
        return "1999-01-01" if step == 1 else value


def test_a_bogus_slider_value_is_an_error(server):
    result = drive(server, sessions=1, steps=3, ramp=0.0, session_class=BogusSlider, report=quiet)

    assert [(e.kind, e.step) for e in result.errors] == [("wrong value", 1)]
    assert not result.met
