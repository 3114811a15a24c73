"""Threshold expressions, units and per-stage tables."""

from __future__ import annotations

import math

import pytest

from readiness.criteria import parse, parse_stage_thresholds
from readiness.errors import DefinitionError


@pytest.mark.parametrize(
    ("expr", "value", "unit", "holds"),
    [
        ("<= 5 ms", 5.0, "ms", True),
        ("< 5 ms", 5.0, "ms", False),
        (">= 99.5%", 99.5, "%", True),
        ("> 99.5%", 99.5, "%", False),
        ("== 0", 0.0, "count", True),
        ("!= 0", 0.0, "count", False),
        ("<= 5 ms", 0.004, "s", True),
        ("<= 5 ms", 0.006, "s", False),
        (">= 800 /s", 812.0, "/s", True),
        ("<= 250 us", 0.2, "ms", True),
    ],
)
def test_thresholds_inclusive_and_exclusive(
    expr: str, value: float, unit: str, holds: bool
) -> None:
    """`<`/`>` are exclusive, `<=`/`>=` inclusive; time units convert."""
    assert parse(expr).holds(value, unit) is holds


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_values_never_hold(value: float) -> None:
    """A NaN or infinite observation fails every comparison, `!=` included."""
    for expr in ("<= 5 ms", ">= 0 ms", "!= 1 ms"):
        assert parse(expr).holds(value, "ms") is False


def test_cross_dimension_comparison_is_a_definition_error() -> None:
    """ms against /s is never silently compared."""
    with pytest.raises(DefinitionError, match="cannot compare"):
        parse("<= 5 ms").holds(10.0, "/s")


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        (">= 99 pct", 'unknown unit "pct"'),
        ("about 5", "is not a threshold"),
        ("== +10%", "relative threshold needs"),
        (5, "expected a threshold"),
        ("<= inf ms", "is not a threshold"),
    ],
)
def test_bad_expressions(expr: object, message: str) -> None:
    """Malformed thresholds say what was expected."""
    with pytest.raises(DefinitionError, match=message):
        parse(expr)


def test_stage_table_inherits_from_earlier_stage() -> None:
    """A stage missing from the table takes the nearest earlier stage's threshold."""
    table = parse_stage_thresholds({"mvp": "<= 50 ms", "public": "<= 10 ms"})
    assert str(table.for_stage("mvp")) == "<= 50 ms"
    assert str(table.for_stage("internal")) == "<= 50 ms"
    assert str(table.for_stage("public")) == "<= 10 ms"
    assert str(table.for_stage("launch")) == "<= 10 ms"


def test_stage_table_before_first_stage_is_not_applicable() -> None:
    """A criterion that starts at public testing has no threshold at MVP."""
    table = parse_stage_thresholds({"public": "<= 10 ms"})
    assert table.for_stage("mvp") is None
    assert table.for_stage("internal") is None


def test_stage_table_mixing_dimensions_is_refused() -> None:
    """One criterion cannot be ms at one stage and /s at another."""
    with pytest.raises(DefinitionError, match="mix units"):
        parse_stage_thresholds({"mvp": "<= 50 ms", "launch": ">= 10 /s"})
