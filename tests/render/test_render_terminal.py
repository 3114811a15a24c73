"""The terminal summary's layout: what comes first, and what each criterion row names."""

from __future__ import annotations

from pathlib import Path

from helpers import Project, junit_xml, make_standard
from readiness.pipeline import Clock, build_report, load
from readiness.render import terminal
from readiness.render.model import Report

GATE = """
schema: 1
id: tests
title: Automated tests
criteria:
  - id: no-errors
    metric: unit-tests.errors
    pass: "== 0"
  - id: few-skips
    metric: unit-tests.skipped
    pass: "== 0"
    mode: advisory
  - id: pass-rate
    metric: unit-tests.pass_rate
    pass: ">= 50%"
  - id: all-pass
    metric: unit-tests.failed
    pass: "== 0"
    mode: shadow
"""


def _report(root: Path) -> Report:
    project = make_standard(Project(root))
    project.write("gates/tests.yaml", GATE)
    project.write("build/junit/results.xml", junit_xml(passed=8, failed=1, skipped=1))
    definition = root / "definitions/demo.yaml"
    clock = Clock()
    return build_report(
        load(definition, root), definition, stage=None, evidence_dir=None, clock=clock, strict=False
    )


def _criteria_rows(text: str) -> list[str]:
    section = text.split("\nCriteria:\n", 1)[1].split("\n\n", 1)[0]
    return section.split("\n")


def test_every_failing_criterion_comes_first_advisory_ones_too(tmp_path: Path) -> None:
    """An advisory or shadow FAIL is listed before any PASS, however the criteria are ordered
    in the gate; blocking rows lead among equals."""
    rows = [
        r.split()[:2] for r in _criteria_rows(terminal.render(_report(tmp_path))) if r[2] != " "
    ]
    assert rows == [
        ["FAIL", "tests.few-skips"],
        ["FAIL", "tests.all-pass"],
        ["PASS", "tests.no-errors:"],
        ["PASS", "tests.pass-rate:"],
    ]


def test_pass_rows_name_their_evidence_file_too(tmp_path: Path) -> None:
    """A PASS row says which file (and sha256) it was measured on, as a FAIL row does."""
    rows = _criteria_rows(terminal.render(_report(tmp_path)))
    at = rows.index(next(r for r in rows if "PASS    tests.no-errors" in r))
    assert rows[at + 1].strip().startswith("evidence build/junit/results.xml sha256:")
