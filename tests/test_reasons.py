"""Blockers and conditions are typed values: what they are about, which one, the evidence behind
them, who must act; the line shown to people is unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import Project, junit_xml, make_standard
from readiness.pipeline import report_for
from readiness.reasons import Reason


@pytest.fixture(autouse=True)
def _clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795000000")


def _blockers(p: Project) -> list[Reason]:
    report = report_for(p.root / "definitions/demo.yaml", root=None, stage=None, evidence_dir=None)
    return report.verdict.blockers


def test_a_failing_criterion_blocks_with_its_key_gate_and_evidence(tmp_path: Path) -> None:
    """A FAIL is a `criterion` reason naming the criterion, its gate and the file with its hash."""
    p = make_standard(Project(tmp_path))
    p.write("build/junit/r.xml", junit_xml(passed=5, errors=1))
    (reason,) = [b for b in _blockers(p) if b.subject == "tests.no-errors"]
    assert reason.kind == "criterion"
    assert reason.owner == "tests"
    assert reason.evidence[0][0] == "build/junit/r.xml"
    assert len(reason.evidence[0][1]) == 64
    assert str(reason).startswith("tests.no-errors: FAIL - 1 vs == 0")


def test_broken_evidence_read_only_by_advisory_criteria_is_an_evidence_reason(
    tmp_path: Path,
) -> None:
    """Broken evidence that no blocking criterion reads blocks as an `evidence` reason."""
    p = make_standard(Project(tmp_path))
    gate = p.root / "gates/tests.yaml"
    gate.write_text(gate.read_text().replace('pass: "== 0"', 'pass: "== 0"\n    mode: advisory'))
    gate.write_text(gate.read_text().replace("warn: {mvp", "mode: advisory\n    warn: {mvp"))
    p.write("build/junit/r.xml", "<testsuites><testsuite>")
    kinds = {(b.kind, b.subject) for b in _blockers(p)}
    assert ("evidence", "unit-tests") in kinds
