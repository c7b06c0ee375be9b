"""Small in-process caches that stay small: the oldest entry goes when one is full.

Used where a value is worth keeping between calls of one process but must not grow
without bound (area rows of recently measured features, validation's frame templates).
"""

from __future__ import annotations

from collections.abc import Hashable, MutableMapping
from typing import TypeVar

__all__ = ["remember"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def remember(cache: MutableMapping[K, V], key: K, value: V, limit: int) -> None:
    """Keep ``value`` in ``cache`` under ``key``, dropping the oldest entries first so that
    at most ``limit`` remain (thread-tolerant: another thread may empty it meanwhile)."""
    while len(cache) >= limit:
        try:
            cache.pop(next(iter(cache)), None)
        except (StopIteration, RuntimeError):  # emptied or changed by another thread meanwhile
            break
    cache[key] = value
