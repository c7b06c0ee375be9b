"""The one place for operating limits: defaults, environment overrides, and bad values named."""

from __future__ import annotations

import pytest

from layers.errors import InvalidInputError
from layers.settings import Limits, limits

VARIABLES = (
    "FRONTLINE_PARSE_SECONDS",
    "FRONTLINE_PARSE_MEMORY_MB",
    "FRONTLINE_RENDER_MAX_FRAMES",
    "FRONTLINE_TIMELAPSE",
    "FRONTLINE_TIMELAPSE_PER_HOUR",
)


@pytest.fixture(autouse=True)
def clean(monkeypatch):
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_the_defaults_are_30_s_and_1_gb_for_a_parse_and_editors_only_for_time_lapses():
    assert limits() == Limits(30.0, 1024, 1000, "editors", 3)


def test_every_value_can_be_set_from_the_environment(monkeypatch):
    monkeypatch.setenv("FRONTLINE_PARSE_SECONDS", "12.5")
    monkeypatch.setenv("FRONTLINE_PARSE_MEMORY_MB", "2048")
    monkeypatch.setenv("FRONTLINE_RENDER_MAX_FRAMES", "400")
    monkeypatch.setenv("FRONTLINE_TIMELAPSE", "All")
    monkeypatch.setenv("FRONTLINE_TIMELAPSE_PER_HOUR", "5")
    assert limits() == Limits(12.5, 2048, 400, "all", 5)


@pytest.mark.parametrize(
    "name,value",
    [
        ("FRONTLINE_PARSE_SECONDS", "soon"),
        ("FRONTLINE_PARSE_SECONDS", "0"),
        ("FRONTLINE_PARSE_SECONDS", "nan"),
        ("FRONTLINE_PARSE_SECONDS", "inf"),
        ("FRONTLINE_PARSE_MEMORY_MB", "1.5"),
        ("FRONTLINE_PARSE_MEMORY_MB", "-1"),
        ("FRONTLINE_RENDER_MAX_FRAMES", "many"),
        ("FRONTLINE_TIMELAPSE", "readers"),
    ],
)
def test_a_bad_value_is_named_with_the_fix(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(InvalidInputError, match=name):
        limits()
