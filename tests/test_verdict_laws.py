"""Property tests of the verdict's laws (hypothesis): fail closed, order-free, shadow-free."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import Project, make_standard
from readiness.definition import Project as LoadedProject
from readiness.definition import load_project
from readiness.evaluation import CriterionResult, Evaluation
from readiness.verdict import Verdict, judge

STATUSES = ["PASS", "WARN", "FAIL", "WAIVED", "MISSING", "ERROR", "N/A"]
RANK = {Verdict.GO: 0, Verdict.CONDITIONAL_GO: 1, Verdict.NO_GO: 2}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> LoadedProject:
    root = tmp_path_factory.mktemp("laws")
    make_standard(Project(root))
    return load_project(Path(root) / "definitions" / "demo.yaml")


def result(i: int, status: str, mode: str) -> CriterionResult:
    return CriterionResult(
        key=f"tests.c{i}",
        gate="tests",
        id=f"c{i}",
        title=f"c{i}",
        metric="unit-tests.tests",
        mode=mode,
        stage="internal",
        status=status,  # type: ignore[arg-type]
        observed="1",
        threshold=">= 1",
    )


results_st = st.lists(
    st.tuples(st.sampled_from(STATUSES), st.sampled_from(["blocking", "advisory", "shadow"])),
    max_size=12,
).map(lambda xs: [result(i, s, m) for i, (s, m) in enumerate(xs)])


def verdict(project: LoadedProject, results: list[CriterionResult]) -> Verdict:
    return judge(project, Evaluation("internal", results)).verdict


@settings(max_examples=200, deadline=None)
@given(results=results_st, status=st.sampled_from(["FAIL", "MISSING", "ERROR"]))
def test_a_failing_blocking_criterion_always_blocks(
    loaded: LoadedProject, results: list[CriterionResult], status: str
) -> None:
    """Adding a FAIL/MISSING/ERROR blocking criterion gives NO-GO, whatever else there is."""
    assert verdict(loaded, [*results, result(99, status, "blocking")]) is Verdict.NO_GO


@settings(max_examples=200, deadline=None)
@given(results=results_st, data=st.data())
def test_order_never_changes_the_verdict(
    loaded: LoadedProject, results: list[CriterionResult], data: st.DataObject
) -> None:
    """Any permutation of the criteria gives the same verdict."""
    shuffled = data.draw(st.permutations(results))
    assert verdict(loaded, results) is verdict(loaded, list(shuffled))


@settings(max_examples=200, deadline=None)
@given(results=results_st)
def test_missing_or_error_never_yields_go(
    loaded: LoadedProject, results: list[CriterionResult]
) -> None:
    """Any counted MISSING or ERROR (blocking or advisory) rules out a plain GO."""
    if any(r.status in ("MISSING", "ERROR") and r.mode != "shadow" for r in results):
        assert verdict(loaded, results) is not Verdict.GO


@settings(max_examples=200, deadline=None)
@given(results=results_st, status=st.sampled_from(STATUSES))
def test_shadow_criteria_never_change_the_verdict(
    loaded: LoadedProject, results: list[CriterionResult], status: str
) -> None:
    """A shadow criterion is reported but cannot move the verdict either way."""
    base = [*results, result(50, "PASS", "blocking")]
    assert verdict(loaded, base) is verdict(loaded, [*base, result(99, status, "shadow")])


@settings(max_examples=200, deadline=None)
@given(results=results_st, status=st.sampled_from(STATUSES))
def test_worse_evidence_never_improves_the_verdict(
    loaded: LoadedProject, results: list[CriterionResult], status: str
) -> None:
    """Replacing a PASS by any other status never makes the verdict better."""
    before = verdict(loaded, [*results, result(99, "PASS", "blocking")])
    after = verdict(loaded, [*results, result(99, status, "blocking")])
    assert RANK[after] >= RANK[before] or status == "N/A"


@settings(max_examples=100, deadline=None)
@given(results=results_st)
def test_nothing_evaluated_is_never_go(
    loaded: LoadedProject, results: list[CriterionResult]
) -> None:
    """With only shadow or not-applicable criteria, the verdict is NO-GO."""
    if not any(r.counts for r in results):
        assert verdict(loaded, results) is Verdict.NO_GO
