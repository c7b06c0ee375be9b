"""Small caches stay small."""

from __future__ import annotations

from layers.caching import remember


def test_the_oldest_entries_go_first_and_the_size_stays_bounded():
    cache: dict[int, str] = {}
    for key in range(10):
        remember(cache, key, str(key), limit=3)
        assert len(cache) <= 3
    assert cache == {7: "7", 8: "8", 9: "9"}


def test_a_key_stored_again_takes_its_new_value():
    cache = {1: "a"}
    remember(cache, 1, "b", limit=5)
    assert cache == {1: "b"}
