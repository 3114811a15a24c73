"""Stages, sign-offs, the risk register and "to reach the next stage", end to end via the CLI."""

from __future__ import annotations

import json
import os
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from helpers import Project, flat, invoke, junit_xml

DEF = "definitions/demo.yaml"
EPOCH = {"SOURCE_DATE_EPOCH": "1795000000"}  # 2026-11-18T09:46:40Z


def gov_project(project: Project, definition_extra: str = "", signoffs: str = "") -> Project:
    """A project with tests, a drill check, a sign-offs check and a stage-table criterion."""
    project.write(
        "gates/tests.yaml",
        """
        schema: 1
        id: tests
        criteria:
          - id: pass-rate
            metric: unit-tests.pass_rate
            pass: {mvp: ">= 90%", internal: ">= 95%", public: ">= 99%", launch: "== 100%"}
          - id: duration
            metric: unit-tests.duration
            pass: {mvp: "<= 600 s", public: "<= 0.5 s"}
        """,
    )
    project.write(
        "gates/drills.yaml",
        """
        schema: 1
        id: drills
        criteria:
          - {id: freeze, metric: drill.pass_rate, pass: "== 100%"}
        """,
    )
    project.write(
        "checks/unit-tests.yaml",
        "schema: 1\nid: unit-tests\nkind: junit\nevidence: build/unit.xml\n",
    )
    project.write(
        "checks/drill.yaml", "schema: 1\nid: drill\nkind: junit\nevidence: build/drill.xml\n"
    )
    project.write(
        "checks/signoffs.yaml", "schema: 1\nid: signoffs\nkind: signoffs\nevidence: signoffs.yaml\n"
    )
    project.write(
        DEF,
        textwrap.dedent("""
            schema: 1
            release: demo
            version: 2.0.0
            stage: internal
            checks: [unit-tests, drill, signoffs]
            gates: [tests, drills]
            signoffs: {check: signoffs, required: [qa, security]}
            """)
        + definition_extra,
    )
    project.write(
        "signoffs.yaml",
        signoffs
        or """
        signoffs:
          - {role: qa, name: M. Duarte, decision: approve, date: 2026-11-17, version: 2.0.0}
          - {role: security, name: A. Chen, decision: approve, date: 2026-11-17, version: 2.0.0}
        """,
    )
    for name, text in (
        ("build/unit.xml", junit_xml(passed=97, failed=3)),
        ("build/drill.xml", junit_xml(passed=5)),
    ):
        f = project.write(name, text)
        old = 1794800000  # evidence produced before the sign-offs
        os.utime(f, (old, old))
    return project


def evaluate(project: Project, *args: str) -> tuple[int, str, dict[str, Any]]:
    r = invoke(["evaluate", DEF, "--json", "out.json", *args], project.root, EPOCH)
    assert r.code in (0, 1), r.err
    return r.code, r.out, json.loads((project.root / "out.json").read_text())


def test_stage_thresholds_and_next_stage_gaps(project: Project) -> None:
    """97% passes at internal (>= 95%) and the report says it would fail public by 2 points."""
    gov_project(project)
    code, out, data = evaluate(project)
    assert code == 0, out
    crit = {c["criterion"]: c for c in data["criteria"]}
    assert crit["tests.pass-rate"]["threshold"] == ">= 95%"
    assert crit["tests.pass-rate"]["next_stage"] == {
        "stage": "public",
        "threshold": ">= 99%",
        "status": "FAIL",
        "gap": "2%",
    }
    assert "To reach public testing:" in out
    assert "tests.pass-rate: 97% would not meet >= 99% at public (gap 2%)" in out


def test_stage_override_on_the_command_line(project: Project) -> None:
    """--stage public uses public's thresholds: the same evidence is now a NO-GO."""
    gov_project(project)
    code, out, data = evaluate(project, "--stage", "public")
    assert code == 1
    assert data["release"]["stage"] == "public"
    assert "FAIL    tests.pass-rate: 97% (threshold >= 99%)" in out


def test_all_signed_is_go_and_shown(project: Project) -> None:
    """Every required role approved this version after the evidence: GO, sign-offs listed."""
    gov_project(project)
    code, out, data = evaluate(project)
    assert code == 0
    assert "approved      qa" in out
    roles = {s["role"]: s["status"] for s in data["signoffs"]}
    assert roles == {"qa": "approved", "security": "approved"}


@pytest.mark.parametrize(
    ("record", "expected"),
    [
        (
            "{role: security, name: A. Chen, decision: reject, date: 2026-11-17, version: 2.0.0,"
            " comment: open CVE}",
            "A. Chen (security) rejected the release: open CVE",
        ),
        (
            "{role: security, name: A. Chen, decision: approve, date: 2026-11-17, version: 1.9.0}",
            "A. Chen (security) signed version 1.9.0, not 2.0.0",
        ),
        (
            "{role: auditor, name: Z. Z, decision: approve, date: 2026-11-17, version: 2.0.0}",
            "no sign-off from the required role 'security'",
        ),
    ],
)
def test_rejected_other_version_or_missing_signoff_blocks(
    project: Project, record: str, expected: str
) -> None:
    """A rejection, a sign-off for another version, or a missing role: NO-GO with the reason."""
    gov_project(
        project,
        signoffs=f"""
        signoffs:
          - {{role: qa, name: M. Duarte, decision: approve, date: 2026-11-17, version: 2.0.0}}
          - {record}
        """,
    )
    code, out, _ = evaluate(project)
    assert code == 1
    assert expected in out


def test_conditional_signoff_is_conditional_go(project: Project) -> None:
    """approve-with-conditions: CONDITIONAL GO quoting the conditions."""
    gov_project(
        project,
        signoffs="""
        - {role: qa, name: M. Duarte, decision: approve, date: 2026-11-17, version: 2.0.0}
        - {role: security, name: A. Chen, decision: approve-with-conditions, date: 2026-11-17,
           version: 2.0.0, comment: rotate the API keys in week one}
        """,
    )
    code, out, data = evaluate(project)
    assert code == 0
    assert data["verdict"] == "CONDITIONAL GO"
    assert "approved with conditions: rotate the API keys in week one" in out


def test_signoff_older_than_evidence_is_stale(project: Project) -> None:
    """A sign-off dated before the evidence was produced is reported as stale."""
    gov_project(project)
    newer = 1795000000 - 60
    os.utime(project.root / "build/unit.xml", (newer, newer))
    _code, out, data = evaluate(project)
    assert data["verdict"] == "CONDITIONAL GO"
    assert "M. Duarte (qa) signed on 2026-11-17, before the evidence it relies on" in out
    assert all(s["stale"] for s in data["signoffs"])


def test_malformed_signoff_file_blocks(project: Project) -> None:
    """A misspelled decision is never read as an approval."""
    gov_project(
        project,
        signoffs="""
        - {role: qa, name: M. Duarte, decison: approve, date: 2026-11-17, version: 2.0.0}
        """,
    )
    code, out, _ = evaluate(project)
    assert code == 1
    assert "sign-offs: cannot be read" in out
    assert "decison" in out


RISKS = """
risks:
  - id: R-07
    title: Rebate exploitation
    impact: high
    likelihood: medium
    response: freeze the rebate strategy
    verified-by: drills.freeze
"""


def test_high_risk_with_passing_drill_is_verified(project: Project) -> None:
    """A high-impact risk whose drill passes is verified and does not block."""
    gov_project(project, RISKS)
    code, out, data = evaluate(project)
    assert code == 0
    assert data["risks"][0]["status"] == "verified"
    assert "response: freeze the rebate strategy" in out


def test_high_risk_with_failing_drill_blocks(project: Project) -> None:
    """A failing drill leaves the response plan unproven: NO-GO naming the risk."""
    gov_project(project, RISKS)
    project.write("build/drill.xml", junit_xml(passed=4, failed=1))
    code, out, _ = evaluate(project)
    assert code == 1
    assert "risk R-07 (high impact): Rebate exploitation: its response plan is not proven" in out


def test_high_risk_without_verification_blocks(project: Project) -> None:
    """A high-impact risk with no verifying criterion blocks."""
    gov_project(project, RISKS.replace("    verified-by: drills.freeze\n", ""))
    code, out, _ = evaluate(project)
    assert code == 1
    assert "no verifying criterion" in out


@pytest.mark.parametrize(
    ("expires", "verdict"), [("2026-11-18", "CONDITIONAL GO"), ("2026-11-17", "NO-GO")]
)
def test_accepted_risk_until_it_expires(project: Project, expires: str, verdict: str) -> None:
    """An acceptance is a condition through its expiry day; expired, the risk blocks again."""
    accepted = (
        RISKS.replace("    verified-by: drills.freeze\n", "")
        + f"""\
    accepted:
      reason: wallet stays on the audited path
      approver: {{name: L. Moreau, role: cro}}
      expires: {expires}
"""
    )
    gov_project(project, accepted)
    _, out, data = evaluate(project)
    assert data["verdict"] == verdict, out
    if verdict == "NO-GO":
        assert "its acceptance expired on 2026-11-17" in out


def test_unknown_verified_by_criterion_is_a_definition_error(project: Project) -> None:
    """A risk verified by a criterion that does not exist fails validation."""
    gov_project(project, RISKS.replace("drills.freeze", "drills.nope"))
    r = invoke(["validate", DEF], project.root)
    assert r.code == 2
    assert "risks[R-07].verified-by[drills.nope]: no criterion 'drills.nope'" in r.err


def test_signoff_command_appends_atomically(project: Project) -> None:
    """`readiness signoff` appends a record for this version and keeps the existing ones."""
    gov_project(project)
    before = (project.root / "signoffs.yaml").read_text()
    r = invoke(
        [
            "signoff",
            DEF,
            "--role",
            "security",
            "--name",
            "K. Osei",
            "--decision",
            "approve-with-conditions",
            "--comment",
            "monthly audit",
        ],
        project.root,
        EPOCH,
    )
    assert r.code == 0, r.err
    assert "(3 records)" in r.out
    text = (project.root / "signoffs.yaml").read_text()
    assert "M. Duarte" in text and "A. Chen" in text and "K. Osei" in text
    assert "version: 2.0.0" in text
    assert text != before
    r = invoke(
        ["signoff", DEF, "--role", "qa", "--name", "X", "--decision", "approve-with-conditions"],
        project.root,
    )
    assert r.code == 2
    assert "needs --comment" in r.err


def test_signoff_refuses_to_rewrite_a_broken_file(project: Project) -> None:
    """A sign-off file that does not parse is left untouched."""
    gov_project(project)
    bad = "signoffs: [ {role: qa\n"
    (project.root / "signoffs.yaml").write_text(bad)
    r = invoke(
        ["signoff", DEF, "--role", "qa", "--name", "X", "--decision", "approve"], project.root
    )
    assert r.code == 2
    assert "not modified" in r.err
    assert (project.root / "signoffs.yaml").read_text() == bad


def test_example_release_prints_stage_signoffs_and_risks(tmp_path: Path) -> None:
    """The bundled example, evaluated on its own evidence, prints stage, sign-offs and risks."""
    repo = Path(__file__).resolve().parents[1]
    r = invoke(["validate", "definitions/2026.12-options-launch.yaml"], repo)
    assert r.code == 0, r.err
    evidence = tmp_path / "build" / "evidence"
    evidence.mkdir(parents=True)
    (evidence / "sandbox-tests.xml").write_text(junit_xml(passed=60))
    (evidence / "kill-switch-drill.xml").write_text(junit_xml(passed=5))
    (tmp_path / "signoffs").mkdir()
    (tmp_path / "signoffs" / "2026.12-options-launch.yaml").write_bytes(
        (repo / "signoffs" / "2026.12-options-launch.yaml").read_bytes()
    )
    r = invoke(
        [
            "evaluate",
            "definitions/2026.12-options-launch.yaml",
            "--evidence-dir",
            str(tmp_path),
            "--no-record",  # the repository's own history store is the user's, not the tests'
        ],
        repo,
        {"SOURCE_DATE_EPOCH": str(int(time.time()))},
    )
    assert "for public testing" in r.out.split("\n", 2)[1]
    assert "Sign-offs:" in r.out
    assert "missing       compliance" in r.out
    assert "Risks:" in r.out
    assert "R-07" in r.out


def test_verified_risk_needs_no_acceptance(project: Project) -> None:
    """A verified risk that also has a valid acceptance is not a condition: the report says the
    acceptance is not needed, and the verdict is GO."""
    accepted = (
        RISKS
        + """\
    accepted:
      reason: wallet stays on the audited path
      approver: {name: L. Moreau, role: cro}
      expires: 2026-12-31
"""
    )
    gov_project(project, accepted)
    code, out, data = evaluate(project)
    assert code == 0, out
    assert data["verdict"] == "GO", out
    assert data["risks"][0]["status"] == "verified"
    assert "risk R-07 (high impact): Rebate exploitation: verified; acceptance not needed" in out


def test_accepted_risk_condition_says_its_verification_failed(project: Project) -> None:
    """An accepted risk whose drill fails is a condition that names the failing verification."""
    accepted = (
        RISKS
        + """\
    accepted:
      reason: wallet stays on the audited path
      approver: {name: L. Moreau, role: cro}
      expires: 2026-12-31
"""
    )
    gov_project(project, accepted)
    project.write("build/drill.xml", junit_xml(passed=4, failed=1))
    _, out, data = evaluate(project)
    assert data["verdict"] == "NO-GO", out  # the failing drill criterion itself blocks
    assert (
        "risk R-07 (high impact): Rebate exploitation: accepted until 2026-12-31 by L. Moreau "
        "(cro): wallet stays on the audited path (not verified: drills.freeze FAIL)" in flat(out)
    )
