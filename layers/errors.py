"""Exceptions a user can act on.

Everything raised here carries a message written for the person who can fix the
problem. ``app.py`` and the command line catch :class:`FrontlineError` in one place
and show its message; any other exception is a bug.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # validation raises these errors: a runtime import would be circular
    from .validation import Report

__all__ = [
    "BadAnswerError",
    "ConflictError",
    "FrontlineError",
    "InvalidInputError",
    "NotAuthorisedError",
    "StoreError",
    "UnknownLayerError",
    "ValidationFailed",
]


class FrontlineError(Exception):
    """Base class: a problem the user can fix, with a message that says how."""


class InvalidInputError(FrontlineError):
    """An input file, option or value is wrong; the message names what and how to fix it."""


class ValidationFailed(InvalidInputError):
    """A file failed validation; ``report`` holds every problem found."""

    def __init__(self, report: Report) -> None:
        self.report = report
        super().__init__(report.summary())


class UnknownLayerError(FrontlineError):
    """A layer name that the store does not hold."""


class StoreError(FrontlineError):
    """The store cannot be opened or written; the message says why."""


class ConflictError(FrontlineError):
    """Someone else committed to the same layer and date since the editor's preview."""


class NotAuthorisedError(FrontlineError):
    """A write was attempted without the editor role."""


class BadAnswerError(FrontlineError):
    """A remote source answered with something unusable; the message names the URL and what was wrong."""
