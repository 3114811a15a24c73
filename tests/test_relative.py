"""Relative thresholds against a baseline, evaluated in-process on a real project: `<= +10%`,
`>= -5%`, `<= +2 s`; no baseline is never a silent pass; every result shows the baseline."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import Project, make_standard
from readiness.criteria import parse
from readiness.errors import DefinitionError
from readiness.evaluation import Baseline, CriterionResult, evaluate
from readiness.evidence.gather import gather
from readiness.metrics import MetricTable
from readiness.pipeline import load

GATE = """
schema: 1
id: tests
criteria:
  - id: duration
    metric: unit-tests.duration
    pass: "<= +10%"
  - id: count
    metric: unit-tests.tests
    pass: ">= -5%"
  - id: abs
    metric: unit-tests.duration
    pass: "<= +2 s"
    on-no-baseline: warn
"""


def _xml(cases: int, seconds: float) -> str:
    each = seconds / cases
    body = "".join(f'<testcase classname="t" name="c{i}" time="{each}"/>' for i in range(cases))
    return f'<testsuites><testsuite name="t">{body}</testsuite></testsuites>'


def _results(p: Project, baseline: Baseline | None) -> dict[str, CriterionResult]:
    project = load(p.root / "definitions/demo.yaml")
    evidence = gather(project, p.root, 1795000000.0)
    table = MetricTable.build(evidence)
    import datetime as dt

    ev = evaluate(project, evidence, table, "internal", dt.date(2026, 11, 18), baseline=baseline)
    return {r.key: r for r in ev.results}


@pytest.fixture
def project(tmp_path: Path) -> Project:
    p = make_standard(Project(tmp_path))
    p.write("gates/tests.yaml", GATE)
    return p


BASE = Baseline(
    7,
    "2026.11.2",
    "2026-11-10T08:00:00Z",
    {"tests.duration": (10.0, "s"), "tests.count": (200.0, "count"), "tests.abs": (10.0, "s")},
)


def test_within_the_allowed_change_passes_and_shows_the_delta(project: Project) -> None:
    """10.5 s against a 10 s baseline is within +10%; the result names the baseline and delta."""
    project.write("build/junit/r.xml", _xml(200, 10.5))
    r = _results(project, BASE)["tests.duration"]
    assert r.status == "PASS"
    assert r.pass_threshold == parse("<= 11 s")
    assert r.threshold == "<= +10% of 10 s = <= 11 s"
    assert r.baseline is not None
    assert r.baseline.id == 7
    assert r.baseline.text == "+0.5 s vs 2026.11.2"


def test_beyond_the_allowed_change_fails(project: Project) -> None:
    """12 s is more than 10% above 10 s; 180 tests are more than 5% below 200 (a shrunk suite)."""
    project.write("build/junit/r.xml", _xml(180, 12.0))
    results = _results(project, BASE)
    assert results["tests.duration"].status == "FAIL"
    assert results["tests.count"].status == "FAIL"
    assert results["tests.abs"].status == "PASS"  # +2 s allowed: 12 <= 12


def test_no_baseline_is_missing_unless_the_criterion_says_otherwise(project: Project) -> None:
    """No baseline: MISSING (blocks) by default, with what was looked for; on-no-baseline: warn
    makes it a WARN; the choice is in the message."""
    project.write("build/junit/r.xml", _xml(200, 10.0))
    none = Baseline(None, sought="GO or CONDITIONAL GO evaluation of demo at internal testing")
    results = _results(project, none)
    assert results["tests.duration"].status == "MISSING"
    assert "no GO or CONDITIONAL GO evaluation of demo" in results["tests.duration"].message
    assert "on-no-baseline: fail" in results["tests.duration"].message
    assert results["tests.abs"].status == "WARN"
    assert "on-no-baseline: warn" in results["tests.abs"].message
    assert _results(project, None)["tests.duration"].status == "MISSING"


def test_a_baseline_without_the_criterion_is_missing(project: Project) -> None:
    """A baseline that lacks the criterion's value (new criterion) is not a pass."""
    project.write("build/junit/r.xml", _xml(200, 10.0))
    partial = Baseline(3, "2026.11.1", "2026-11-01T00:00:00Z", {"tests.count": (200.0, "count")})
    r = _results(project, partial)["tests.duration"]
    assert r.status == "MISSING"
    assert "#3 (2026.11.1, 2026-11-01) has no value for tests.duration" in r.message


def test_absolute_criteria_show_their_baseline_delta_too(project: Project) -> None:
    """Every criterion the baseline knows carries its delta, relative or not."""
    project.write(
        "gates/tests.yaml",
        "schema: 1\nid: tests\ncriteria:\n  - {id: duration, metric: unit-tests.duration, "
        'pass: "<= 60 s"}\n',
    )
    project.write("build/junit/r.xml", _xml(10, 9.0))
    r = _results(project, BASE)["tests.duration"]
    assert r.status == "PASS"
    assert r.baseline is not None
    assert r.baseline.text == "-1 s vs 2026.11.2"


def test_a_relative_threshold_on_a_glob_is_a_definition_error(project: Project) -> None:
    """A glob names several metrics; a relative threshold compares one with its baseline."""
    project.write(
        "gates/tests.yaml",
        "schema: 1\nid: tests\ncriteria:\n  - {id: d, metric: 'unit-tests.extra[\"*\"]', "
        'pass: "<= +10%"}\n',
    )
    with pytest.raises(DefinitionError):
        load(project.root / "definitions/demo.yaml")
