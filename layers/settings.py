"""Operating limits, in one place: what an upload, a render and a reader may cost a process.

Every value has a default chosen for a 2-core machine with a few GB of memory, and an
environment variable that overrides it (documented in the README's "Limits" section and
``docs/deployment.md``). Values are read when asked for, not at import, so a test or a
server can set the variable before the first use.

- ``FRONTLINE_PARSE_SECONDS`` (30) and ``FRONTLINE_PARSE_MEMORY_MB`` (1024): the wall-clock
  and memory budget of decoding, parsing and validating one uploaded file, which runs in
  a child process (:mod:`layers.sandbox`) that is killed when it overruns.
- ``FRONTLINE_RENDER_MAX_FRAMES`` (1000): the most frames a time-lapse may have.
- ``FRONTLINE_TIMELAPSE`` (``editors``): who may render a time-lapse in the app:
  ``editors`` (signed-in editors only), ``all`` (every reader, at most
  ``FRONTLINE_TIMELAPSE_PER_HOUR`` renders per session an hour, default 3) or ``none``.
  Slides stay available to every reader.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .errors import InvalidInputError

__all__ = ["TIMELAPSE_POLICIES", "Limits", "limits"]

TIMELAPSE_POLICIES = ("editors", "all", "none")


@dataclass(frozen=True)
class Limits:
    """The limits in force (see the module's docstring for each)."""

    parse_seconds: float = 30.0
    parse_memory_mb: int = 1024
    render_max_frames: int = 1000
    timelapse: str = "editors"
    timelapse_per_hour: int = 3


def _number(name: str, default: float, *, whole: bool) -> float:
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        raise InvalidInputError(
            f"{name}={text!r}: give a {'whole ' if whole else ''}number greater than 0, e.g. {default:g}."
        ) from None
    if not value > 0 or value != value or value == float("inf"):
        raise InvalidInputError(f"{name}={text!r}: give a number greater than 0, e.g. {default:g}.")
    return value


def limits() -> Limits:
    """The limits from the environment, else the defaults.

    Raises
    ------
    InvalidInputError
        When a variable is set to something that is not a positive number (or policy).
    """
    base = Limits()
    policy = os.environ.get("FRONTLINE_TIMELAPSE", "").strip().lower() or base.timelapse
    if policy not in TIMELAPSE_POLICIES:
        raise InvalidInputError(
            f"FRONTLINE_TIMELAPSE={policy!r}: use one of {', '.join(TIMELAPSE_POLICIES)}."
        )
    return Limits(
        parse_seconds=_number("FRONTLINE_PARSE_SECONDS", base.parse_seconds, whole=False),
        parse_memory_mb=int(_number("FRONTLINE_PARSE_MEMORY_MB", base.parse_memory_mb, whole=True)),
        render_max_frames=int(_number("FRONTLINE_RENDER_MAX_FRAMES", base.render_max_frames, whole=True)),
        timelapse=policy,
        timelapse_per_hour=int(_number("FRONTLINE_TIMELAPSE_PER_HOUR", base.timelapse_per_hour, whole=True)),
    )
