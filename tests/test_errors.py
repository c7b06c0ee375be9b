"""The errors a user can act on form one family, caught in one place by the app and the CLI."""

from __future__ import annotations

import inspect

import pytest

from layers import errors
from layers.validation import validate


def test_every_error_in_the_module_is_a_frontline_error():
    classes = [c for _, c in inspect.getmembers(errors, inspect.isclass) if c.__module__ == errors.__name__]
    assert len(classes) == len(errors.__all__)
    assert all(issubclass(c, errors.FrontlineError) for c in classes)


def test_a_failed_validation_carries_its_report_and_says_what_to_fix():
    report = validate(b'{"type": "FeatureCollection", "features": [NaN]}', name="bad.geojson")
    error = errors.ValidationFailed(report)
    assert error.report is report and str(error) == report.summary()
    assert isinstance(error, errors.InvalidInputError)
    with pytest.raises(errors.FrontlineError, match="bad.geojson"):
        raise error
