"""The FIRMS confidence rule and titles."""

import pytest

from layers import schema
from layers.firms import confidence_from_firms, firms_title


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("high", "confirmed"),
        ("h", "confirmed"),
        (" Nominal ", "claimed"),
        ("n", "claimed"),
        ("low", "disputed"),
        ("l", "disputed"),
        ("100", "confirmed"),
        ("80", "confirmed"),
        ("79", "claimed"),
        ("30", "claimed"),
        ("29.9", "disputed"),
        ("0", "disputed"),
    ],
)
def test_firms_confidence_maps_to_ours_by_firms_own_classes(value, expected):
    assert confidence_from_firms(value) == expected
    assert expected in schema.CONFIDENCES


@pytest.mark.parametrize("value", ["", "medium", "101", "-1", "nan", "inf", "=1+1"])
def test_a_value_outside_firms_vocabulary_has_no_confidence(value):
    assert confidence_from_firms(value) is None


def test_a_title_says_what_was_seen():
    assert firms_title(4.26, "VIIRS", "N20", "N") == "Fire detection · FRP 4.3 MW · VIIRS N20 · night"
    assert firms_title(None, "", "Terra", "D") == "Fire detection · Terra · day"
    assert firms_title(float("nan"), "", "", "?") == "Fire detection"
