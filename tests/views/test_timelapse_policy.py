"""Who gets the time-lapse under the map (FRONTLINE_TIMELAPSE), the hourly allowance of
readers, and the frame cap in the app; slides stay open to every reader."""

from __future__ import annotations

import datetime as dt

import pytest

from layers import auth
from layers.text import escape_markdown

D = dt.date.fromisoformat
HASH = auth.hash_password("correct horse battery")
SLIDE = "Slide of 25 November 2024 (PNG)"


def open_tab(app, *, editor: bool = False):
    app.query_params.update({"date": "2024-11-25", "analysis": "Slide and time-lapse"})
    app.secrets["editors"] = {"password_hash": HASH}
    if editor:
        # As views.signin leaves the session after a password sign-in.
        app.session_state["_editor"] = auth.Editor("alice", "password")
        app.session_state["_editor_hash"] = HASH
    at = app.run()
    assert not at.exception
    return at


def has_controls(at) -> bool:
    return "lapse_render" in {b.key for b in at.button}


def slide_offered(at) -> bool:
    return SLIDE in {b.proto.label for b in at.get("download_button")}


def test_by_default_a_reader_gets_the_slide_and_an_explanation_not_the_time_lapse(app, monkeypatch):
    monkeypatch.delenv("FRONTLINE_TIMELAPSE", raising=False)
    at = open_tab(app)
    assert slide_offered(at) and not has_controls(at)
    assert not [d for d in at.date_input if d.key in ("lapse_from", "lapse_to")]
    assert any("signed-in editors only" in i.value for i in at.info)


def test_by_default_a_signed_in_editor_gets_the_time_lapse(app, monkeypatch):
    monkeypatch.delenv("FRONTLINE_TIMELAPSE", raising=False)
    at = open_tab(app, editor=True)
    assert slide_offered(at) and has_controls(at)
    assert not any("editors only" in i.value for i in at.info)


def test_none_turns_it_off_for_editors_too(app, monkeypatch):
    monkeypatch.setenv("FRONTLINE_TIMELAPSE", "none")
    at = open_tab(app, editor=True)
    assert slide_offered(at) and not has_controls(at)
    assert any("turned off on this server" in i.value for i in at.info)


def test_all_lets_a_reader_render_until_the_hourly_allowance_is_spent(app, monkeypatch):
    monkeypatch.setenv("FRONTLINE_TIMELAPSE", "all")
    monkeypatch.setenv("FRONTLINE_TIMELAPSE_PER_HOUR", "1")
    at = open_tab(app)
    assert has_controls(at)
    at.date_input(key="lapse_from").set_value(D("2024-11-01"))
    at.date_input(key="lapse_to").set_value(D("2024-11-25"))
    at.selectbox(key="lapse_format").select("gif")
    at.run()
    at.button(key="lapse_render").click().run()
    assert not at.exception and not at.error
    labels = [b.proto.label for b in at.get("download_button")]
    assert any(label.startswith("Time-lapse 2024-11-01 to 2024-11-25 (GIF") for label in labels), labels
    at.run()
    assert not has_controls(at), "one an hour, and it was spent"
    (started,) = at.session_state["_lapse_started"]
    again = (started + dt.timedelta(hours=1)).strftime("%H:%M")
    assert any(f"you can draw another at {again} UTC" in i.value for i in at.info)
    assert slide_offered(at), "slides are not limited"
    labels = [b.proto.label for b in at.get("download_button")]
    assert any(label.startswith("Time-lapse 2024-11-01") for label in labels), "the one drawn stays"


def test_an_editor_is_not_held_to_the_readers_allowance(app, monkeypatch):
    monkeypatch.setenv("FRONTLINE_TIMELAPSE", "all")
    monkeypatch.setenv("FRONTLINE_TIMELAPSE_PER_HOUR", "1")
    app.session_state["_lapse_started"] = [dt.datetime.now(dt.UTC)]
    at = open_tab(app, editor=True)
    assert has_controls(at)


@pytest.mark.parametrize("editor", [False, True])
def test_too_many_frames_are_explained_and_cost_nothing(app, monkeypatch, editor):
    monkeypatch.setenv("FRONTLINE_TIMELAPSE", "all" if not editor else "editors")
    monkeypatch.setenv("FRONTLINE_RENDER_MAX_FRAMES", "10")
    at = open_tab(app, editor=editor)
    at.date_input(key="lapse_from").set_value(D("2024-10-01"))
    at.date_input(key="lapse_to").set_value(D("2024-11-25"))
    at.selectbox(key="lapse_step").select("daily")
    at.run()
    at.button(key="lapse_render").click().run()
    assert not at.exception
    (error,) = [e.value for e in at.error]
    assert error.startswith(escape_markdown("56 frames (a daily step from 2024-10-01 to 2024-11-25)"))
    assert escape_markdown("more than the limit of 10 frames") in error
    assert escape_markdown("a weekly step gives 9") in error
    assert "_lapse_started" not in at.session_state, "a refused render is not counted"
    assert not any(b.proto.label.startswith("Time-lapse") for b in at.get("download_button"))
