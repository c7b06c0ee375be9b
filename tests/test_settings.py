"""The one place for operating limits: defaults, environment overrides, and bad values named."""

from __future__ import annotations

import pytest

from layers.errors import InvalidInputError
from layers.settings import Limits, limits, published_url

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


@pytest.fixture
def no_published_url(monkeypatch):
    monkeypatch.delenv("FRONTLINE_PUBLISHED_URL", raising=False)


def test_the_published_url_is_unset_by_default(no_published_url):
    assert published_url() is None


@pytest.mark.parametrize(
    "value,expected",
    [
        ("https://maps.example.org/kursk", "https://maps.example.org/kursk/"),
        ("  http://localhost:8000/ ", "http://localhost:8000/"),
        ("https://maps.example.org", "https://maps.example.org/"),
    ],
)
def test_the_published_url_is_a_folder_ending_in_a_slash(monkeypatch, value, expected):
    monkeypatch.setenv("FRONTLINE_PUBLISHED_URL", value)
    assert published_url() == expected


@pytest.mark.parametrize(
    "value,fix",
    [
        ("ftp://maps.example.org/", "http:// or https://"),
        ("javascript:alert(1)", "http:// or https://"),
        ("maps.example.org/kursk", "http:// or https://"),
        ("https:///kursk", "with a host"),
        ("https://maps.example.org/kursk/index.html", "not a page"),
        ("https://maps.example.org/?date=2024-11-25", "without \\?query"),
        ("https://maps.example.org/#top", "#fragment"),
        ('https://maps.example.org/"><script>', "no spaces, quotes"),
        ("https://maps.example.org/a b", "no spaces, quotes"),
        ("https://maps.example.org:99999/", "not an address"),
        ("https://" + "a" * 600 + ".org/", "the limit is 500"),
    ],
)
def test_a_bad_published_url_is_named_with_the_fix(monkeypatch, value, fix):
    monkeypatch.setenv("FRONTLINE_PUBLISHED_URL", value)
    with pytest.raises(InvalidInputError, match=f"FRONTLINE_PUBLISHED_URL.*{fix}"):
        published_url()


def test_credentials_in_the_published_url_are_refused_without_repeating_them(monkeypatch):
    monkeypatch.setenv("FRONTLINE_PUBLISHED_URL", "https://editor:s3cret@maps.example.org/")
    with pytest.raises(InvalidInputError, match="user name and password") as caught:
        published_url()
    assert "s3cret" not in str(caught.value)
