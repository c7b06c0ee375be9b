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

And one address (:func:`published_url`):

- ``FRONTLINE_PUBLISHED_URL`` (unset): where the static site written by
  ``python -m layers publish --out DIR`` is served, e.g. ``https://maps.example.org/kursk/``.
  The reader's Embed control builds its iframe snippet and its link to the published page
  on it; unset, the snippet shows a placeholder and says how to publish.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import InvalidInputError

__all__ = ["PUBLISHED_URL_MAX_CHARS", "TIMELAPSE_POLICIES", "Limits", "limits", "published_url"]

TIMELAPSE_POLICIES = ("editors", "all", "none")
#: The longest ``FRONTLINE_PUBLISHED_URL`` taken: every snippet repeats it.
PUBLISHED_URL_MAX_CHARS = 500


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


_URL_EXAMPLE = "e.g. https://maps.example.org/kursk/"


def published_url() -> str | None:
    """The published site's address from ``FRONTLINE_PUBLISHED_URL``, ending in ``/``, or
    None when it is not set.

    Raises
    ------
    InvalidInputError
        When it is not an http(s) address of a folder: another scheme, no host, a user
        name or password (every snippet would carry it), a query or fragment, a page
        (``.html``), spaces or control characters, or over ``PUBLISHED_URL_MAX_CHARS``.
    """
    text = os.environ.get("FRONTLINE_PUBLISHED_URL", "").strip()
    if not text:
        return None
    name = "FRONTLINE_PUBLISHED_URL"
    if len(text) > PUBLISHED_URL_MAX_CHARS:
        raise InvalidInputError(
            f"{name} is {len(text):,} characters long; the limit is {PUBLISHED_URL_MAX_CHARS}: "
            "give the published site's folder, " + _URL_EXAMPLE + "."
        )
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018 (a malformed port raises here)
    except ValueError:
        parts = None
    if parts is not None and "@" in parts.netloc:
        # Checked first, and the value not quoted: the message would show the password.
        raise InvalidInputError(
            f"{name}: leave the user name and password out of the address (every embed snippet would "
            f"show them); {_URL_EXAMPLE}."
        )
    shown = repr(text[:80])
    if parts is None:
        raise InvalidInputError(f"{name}={shown} is not an address; {_URL_EXAMPLE}.")
    if re.search(r"[\s\x00-\x1f\x7f\"'<>\\`]", text):
        raise InvalidInputError(
            f"{name}={shown}: an address has no spaces, quotes or control characters; {_URL_EXAMPLE}."
        )
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InvalidInputError(
            f"{name}={shown}: give an http:// or https:// address with a host; {_URL_EXAMPLE}."
        )
    if parts.query or parts.fragment or "?" in text or "#" in text:
        raise InvalidInputError(
            f"{name}={shown}: give the site's folder without ?query or #fragment; {_URL_EXAMPLE}."
        )
    if parts.path.lower().endswith((".html", ".htm")):
        raise InvalidInputError(
            f"{name}={shown}: give the folder that holds index.html and embed.html, not a page; "
            f"{_URL_EXAMPLE}."
        )
    return text.rstrip("/") + "/"
