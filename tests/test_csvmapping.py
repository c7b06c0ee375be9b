"""CSV mappings: what they must say, the presets, and times of day."""

import pytest

from layers.csvmapping import FIRMS, CsvMapping, parse_time
from layers.errors import InvalidInputError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("00:13:00", "00:13:00"),
        ("23:59", "23:59"),
        ("0013", "00:13"),
        ("1305", "13:05"),
        ("130", "01:30"),
        ("45", "00:45"),
        ("5", "00:05"),
        (" 0940 ", "09:40"),
    ],
)
def test_times_are_read_in_firms_forms(text, expected):
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["", "2400", "1260", "25:00", "12:60", "12:00:61", "noon", "12345", "-5"])
def test_impossible_times_are_refused(text):
    assert parse_time(text) is None


def test_a_mapping_must_say_the_kind_and_source():
    with pytest.raises(InvalidInputError, match="--event-kind"):
        CsvMapping(source="x").check()
    with pytest.raises(InvalidInputError, match="not both"):
        CsvMapping(kind="strike", kind_column="k", source="x").check()
    with pytest.raises(InvalidInputError, match="--source TEXT or --source-col"):
        CsvMapping(kind="strike").check()
    with pytest.raises(InvalidInputError, match="not an event kind"):
        CsvMapping(kind="explosion", source="x").check()
    FIRMS.check()
