"""Problems, the report that holds them, and the collector that lists 20 of a kind and counts the rest."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest

from layers.problems import MAX_LISTED, SEVERITIES, Collector, Problem, Report
from layers.validation import validate
from tests.conftest import feature_collection, geojson_feature


def test_a_problem_reads_where_field_message():
    assert str(Problem("error", "Feature 3 (id 't-1')", "status", "is missing.")) == (
        "Feature 3 (id 't-1'): status: is missing."
    )
    assert str(Problem("info", "File", "", "was read.")) == "File: was read."


def test_report_sorts_problems_by_severity_and_is_ok_without_errors():
    report = Report("a.geojson")
    collect = Collector(report)
    collect.warning("File", "bbox", "ignored.")
    collect.info("File", "crs", "ignored.")
    assert report.ok and [p.rule for p in report.problems] == ["warning:bbox", "info:crs"]
    collect.error("Feature 0", "status", "is missing.")
    assert not report.ok
    assert [len(report.errors), len(report.warnings), len(report.notes)] == [1, 1, 1]
    assert {p.severity for p in report.problems} == set(SEVERITIES)


def test_summary_has_a_head_line_then_one_line_per_problem_in_order():
    report = Report("a.geojson")
    collect = Collector(report)
    collect.error("Feature 0", "status", "is missing.")
    collect.warning("File", "bbox", "ignored.")
    assert report.summary() == (
        "a.geojson: 1 error(s), 1 warning(s)\n"
        "  error: Feature 0: status: is missing.\n"
        "  warning: File: bbox: ignored."
    )
    collect.info("File", "", "read as one feature.")
    assert report.summary().splitlines()[0] == "a.geojson: 1 error(s), 1 warning(s), 1 note(s)"


def test_collector_lists_the_first_of_a_rule_and_counts_the_rest_in_one_line():
    report = Report("x")
    collect = Collector(report)
    for index in range(MAX_LISTED + 5):
        collect.error(f"Feature {index}", "status", "is missing.")
    collect.error("Feature 0", "held_by", "is missing.")
    collect.finish()
    assert [p.where for p in report.problems[:MAX_LISTED]] == [f"Feature {i}" for i in range(MAX_LISTED)]
    assert report.problems[MAX_LISTED].field == "held_by"
    more = report.problems[-1]
    assert (more.severity, more.where, more.field, more.rule) == (
        "error",
        "File",
        "status",
        "error:status:more",
    )
    assert more.message == (
        f"5 more feature(s) have this problem ({MAX_LISTED + 5} in all; the first {MAX_LISTED} are listed "
        "above)."
    )


def test_collector_adds_no_count_line_when_everything_is_listed():
    report = Report("x")
    collect = Collector(report)
    for index in range(MAX_LISTED):
        collect.warning(f"Feature {index}", "bbox", "ignored.", "bbox")
    collect.finish()
    assert len(report.problems) == MAX_LISTED and report.problems[-1].where == f"Feature {MAX_LISTED - 1}"


def test_errors_of_one_rule_are_listed_for_20_features_then_counted():
    report = validate(
        feature_collection(*[geojson_feature(status="won")] * 45, *[geojson_feature(held_by="XX")] * 3)
    )
    status = [p for p in report.problems if p.field == "status"]
    assert len(status) == MAX_LISTED + 1
    assert status[-1].where == "File" and status[-1].message.startswith(
        "25 more feature(s) have this problem (45 in all; the first 20 are listed above)"
    )
    assert len([p for p in report.problems if p.field == "held_by"]) == 3


def test_problems_are_frozen():
    problem = Problem("error", "File", "", "x")
    with pytest.raises(FrozenInstanceError, match="cannot assign to field 'message'"):
        problem.message = "y"
