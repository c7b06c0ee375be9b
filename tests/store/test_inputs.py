"""The store's own checks of what it writes: one rule per kind of text, the same on every database.

Their effect on both stores is tested in tests/test_text_limits.py; here, the rules.
"""

from __future__ import annotations

import pandas as pd
import pytest

from layers import schema
from layers.errors import InvalidInputError
from layers.store import inputs


@pytest.mark.parametrize(
    "value, one_line, problem",
    [
        ("Kursk", True, None),
        ("Курськ — Суджа", True, None),
        ("a\tb\nc\r\n", False, None),
        ("a\tb", True, "contains the control character U+0009 at position 2: remove it"),
        ("a\x0bb", False, "contains the control character U+000B at position 2: remove it"),
        ("a\x7f", False, "contains the control character U+007F at position 2: remove it"),
        ("\x00", False, "contains a NUL character (U+0000) at position 1, which cannot be stored: remove it"),
        ("x\udfff", False, "contains U+DFFF at position 2, half of a UTF-16 surrogate pair"),
        (42, True, "is int 42, not text; give it as text"),
        (None, True, "is NoneType None, not text; give it as text"),
    ],
)
def test_text_problem_names_the_character_and_where_it_is(value, one_line, problem):
    found = inputs.text_problem(value, one_line=one_line)
    assert found == problem or (problem is not None and found is not None and found.startswith(problem))


def test_the_limit_is_counted_in_characters_and_the_length_comes_before_the_characters():
    assert inputs.text_problem("é" * 100, 100) is None  # 200 bytes in UTF-8
    assert inputs.text_problem("\x00" * 101, 100) == "is 101 characters long; the limit is 100: shorten it"


def test_storable_replaces_only_what_no_database_keeps():
    assert inputs.storable("a\x00b\ud800c\x07\n") == "a\ufffdb\ufffdc\x07\n"


def test_a_long_list_of_problems_is_cut_and_counted():
    milestones = pd.DataFrame([{"date": "2024-08-06", "title": "t" * 300, "source": "s"}] * 25)
    with pytest.raises(InvalidInputError) as error:
        inputs.check_milestones(milestones)
    lines = str(error.value).splitlines()
    assert len(lines) == 22 and lines[-2] == "… and 5 more." and lines[-1] == "Nothing was written."


def test_figure_rows_with_unknown_values_are_refused_like_the_check_refuses_them():
    row = {f.name: "" for f in schema.FIGURE_FIELDS} | {
        "date": "2024-08-20",
        "scope": "s",
        "value_km2": 5.0,
        "kind": "rumour",
        "source": "x",
        "within": "russia",
        "measure": "at date",
    }
    with pytest.raises(InvalidInputError) as error:
        inputs.check_figure_rows([row])
    assert "reported figure 1 (dated 2024-08-20): kind 'rumour' is not one of official claim" in str(
        error.value
    )
    assert "within 'russia' is not an ISO 3166-1 alpha-3 code" in str(error.value)


@pytest.mark.parametrize("actor", ["", " ", "a" * 101, "ed\nitor", 7])
def test_a_writer_needs_a_plain_name(actor):
    with pytest.raises(InvalidInputError, match="^the writer's name "):
        inputs.check_actor(actor)
