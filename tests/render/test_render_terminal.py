"""The terminal summary's layout: what comes first, and what each criterion row names."""

from __future__ import annotations

from pathlib import Path

from helpers import Project, junit_xml, make_standard
from readiness.pipeline import Clock, build_report, load
from readiness.render import terminal
from readiness.report import Report

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


def test_the_verdict_is_the_first_and_the_last_line(tmp_path: Path) -> None:
    """A CI log shows the verdict at its top and again at its end, in words."""
    from render_samples import sample_report

    lines = terminal.render(sample_report(tmp_path)).rstrip("\n").split("\n")
    assert lines[0] == "NO-GO: 3 blocker(s), 5 condition(s), 10 criteria evaluated"
    assert lines[1].startswith("options-launch 2026.12.0 is not ready for internal testing (")
    assert lines[-1] == (
        "NO-GO: options-launch 2026.12.0 is not ready for internal testing: 3 blocker(s), "
        "5 condition(s)"
    )
    assert not [ln for ln in lines[2:-1] if ln.startswith(("NO-GO", "GO", "CONDITIONAL"))]


def test_no_line_is_wider_than_100_columns_and_nothing_is_cut(tmp_path: Path) -> None:
    """Long blockers, messages and names wrap under their indentation: every line fits 100
    columns and every word of the long lines is still there, in order."""
    from render_samples import sample_report

    report = sample_report(tmp_path)
    text = terminal.render(report)
    assert max(len(line) for line in text.split("\n")) <= terminal.WIDTH
    words = " ".join(text.split())
    for reason in report.verdict.blockers + report.verdict.conditions:
        assert f"- {reason.text}" in words, reason.text
    wrapped = [ln for ln in text.split("\n") if ln.startswith("    ") and ln[4] != " "]
    assert wrapped  # some blocker or condition did need a second line


def test_warnings_have_their_own_section(tmp_path: Path) -> None:
    """Evidence warnings are listed together under "Warnings (N):", not among the gates."""
    from dataclasses import replace

    from render_samples import sample_report

    report = sample_report(tmp_path)
    ev = report.evidence["matching-load"]
    report.evidence["matching-load"] = replace(ev, warnings=("stats CSV is stale", "no HDR"))
    text = terminal.render(report)
    gates = text.split("\nGates:\n", 1)[1].split("\n\n", 1)[0]
    assert "warning" not in gates.lower()
    section = text.split("\nWarnings (2):\n", 1)[1].split("\n\n", 1)[0]
    assert section.split("\n") == [
        "  - matching-load: stats CSV is stale",
        "  - matching-load: no HDR",
    ]


def test_criteria_on_several_files_say_how_many_and_every_file_is_listed(tmp_path: Path) -> None:
    """A criterion measured on five files says so and points to the Evidence section, which
    lists all five with their sha256: no file is dropped silently."""
    from render_samples import sample_report

    text = terminal.render(sample_report(tmp_path, shards=4))
    rows = _criteria_rows(text)
    at = rows.index(next(r for r in rows if "tests.no-errors" in r))
    assert rows[at + 1] == "          evidence: 5 files of check unit-tests (listed under Evidence)"
    evidence = text.split("\nEvidence:\n", 1)[1].split("\n\n", 1)[0].split("\n")
    start = evidence.index("  unit-tests: 5 file(s)")
    files = evidence[start + 1 : start + 6]
    assert [f.split()[0] for f in files] == [
        "build/junit/results.xml",
        *(f"build/junit/shard-{i}.xml" for i in range(4)),
    ]
    assert all(" sha256:" in f for f in files)
