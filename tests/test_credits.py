"""A layer's credit as one line: known licences, non-commercial terms recognised, nothing guessed."""

import pytest

from layers.credits import (
    DEEPSTATE,
    FIRMS,
    LICENCES,
    NOT_STATED,
    Credit,
    credit_line,
    credits_text,
    is_non_commercial,
)


@pytest.mark.parametrize(
    ("licence", "expected"),
    [
        ("CC BY-NC-SA 4.0", True),
        ("CC BY-NC 4.0", True),
        ("cc by-nc-nd 3.0", True),
        ("Non-commercial use only, by permission", True),
        ("noncommercial", True),
        ("NC", True),
        ("CC BY 4.0", False),
        ("CC BY-SA 4.0", False),
        ("ODbL 1.0", False),
        ("Free to use with acknowledgement", False),
        ("", False),
        # Words that merely contain the letters are not the NC element.
        ("Syncope licence", False),
        ("CC BY-NCX", False),
    ],
)
def test_non_commercial_licences_are_recognised(licence, expected):
    assert is_non_commercial(licence) is expected


def test_the_line_names_the_layer_the_credit_the_licence_and_non_commercial_use():
    assert credit_line("Occupied Ukraine", DEEPSTATE) == (
        "Occupied Ukraine: data DeepStateMap · CC BY-NC-SA 4.0, non-commercial use only"
    )
    assert credit_line("Fires", FIRMS) == "Fires: data NASA FIRMS · Free to use with acknowledgement"


def test_a_layer_without_a_credit_says_so_rather_than_guess():
    assert credit_line("Mine", None) == f"Mine: source not stated · {NOT_STATED}"
    assert credit_line("Mine", Credit(source="Our desk")) == f"Mine: data Our desk · {NOT_STATED}"
    assert Credit().is_empty and not Credit(licence="CC0 1.0").is_empty


def test_export_metadata_links_known_licences_only():
    assert DEEPSTATE.as_dict() == {
        "source": "DeepStateMap",
        "licence": "CC BY-NC-SA 4.0",
        "licence_url": LICENCES["CC BY-NC-SA 4.0"],
        "attribution": "DeepStateMap",
        "non_commercial": True,
    }
    assert Credit(licence="javascript:alert(1)").as_dict()["licence_url"] == ""
    assert all(url.startswith("https://") for url in LICENCES.values() if url)


def test_lines_are_listed_once_each_in_order():
    lines = credits_text([("A", DEEPSTATE), ("B", None), ("A", DEEPSTATE)])
    assert lines == [credit_line("A", DEEPSTATE), credit_line("B", None)]
