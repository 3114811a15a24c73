"""Waivers of security findings and criteria on real Bandit SARIF: expiry, roles, non-waivable
criteria, waivers matching nothing, two waivers for one finding, and CycloneDX VEX input."""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest

from helpers import VENV_BIN, Project, flat, invoke, untraced_environ

DEF = "definitions/demo.yaml"
TODAY = {"SOURCE_DATE_EPOCH": "1795000000"}  # 2026-11-18

VULNERABLE = """
import hashlib
import subprocess

import yaml


def run(cmd):
    return subprocess.call(cmd, shell=True)


def digest(data):
    return hashlib.md5(data).hexdigest()


def load(text):
    return yaml.load(text)
"""


@pytest.fixture(scope="module")
def bandit_sarif(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Real Bandit SARIF of a deliberately vulnerable file (B602 and B324 high, B506 medium)."""
    work = tmp_path_factory.mktemp("bandit")
    (work / "src").mkdir()
    (work / "src" / "vuln.py").write_text(VULNERABLE)
    out = work / "bandit.sarif"
    proc = subprocess.run(
        [str(VENV_BIN / "bandit"), "-q", "-f", "sarif", "-o", str(out), "src/vuln.py"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
        env=untraced_environ(),  # runs no readiness code
        check=False,
    )
    assert proc.returncode == 1, proc.stderr  # bandit exits 1 when it finds something
    return out


def make(project: Project, sarif: Path, waivers: str = "", *, waivable: bool = True) -> None:
    shutil.copy(sarif, project.root / "bandit.sarif")
    project.write("checks/sast.yaml", "schema: 1\nid: sast\nkind: sarif\nevidence: bandit.sarif\n")
    project.write(
        "gates/security.yaml",
        f"""
        schema: 1
        id: security
        waivable-by: [security]
        criteria:
          - id: no-high
            metric: sast.findings.high
            pass: "== 0"
            waivable: {str(waivable).lower()}
          - id: few-medium
            metric: sast.findings.medium
            pass: "<= 5"
        """,
    )
    base = textwrap.dedent("""
        schema: 1
        release: demo
        version: 1.0.0
        stage: public
        checks: [sast]
        gates: [security]
        """)
    project.write(DEF, base + textwrap.dedent(waivers))


def waiver(finding: str, *, role: str = "security", expires: str = "2026-11-18") -> str:
    return f"""
      - criterion: security.no-high
        finding: {finding}
        reason: constant command / non-cryptographic checksum
        approver: {{name: A. Chen, role: {role}}}
        expires: {expires}
    """


def evaluate(project: Project) -> tuple[int, str, dict[str, Any]]:
    r = invoke(["evaluate", DEF, "--json", "out.json"], project.root, TODAY)
    assert r.code in (0, 1), r.err
    return r.code, r.out, json.loads((project.root / "out.json").read_text())


def test_unwaived_high_findings_block_and_are_listed(project: Project, bandit_sarif: Path) -> None:
    """Two high findings: FAIL, NO-GO, and the report lists the findings behind the failure."""
    make(project, bandit_sarif)
    code, out, data = evaluate(project)
    assert code == 1
    assert "FAIL    security.no-high: 2 (threshold == 0)" in out
    rules = sorted(f["rule"] for f in data["findings_by_criterion"]["security.no-high"])
    assert rules == ["B324", "B602"]
    assert "Findings behind security.no-high (2):" in out
    assert "B602           src/vuln.py:9" in out


def test_waivers_for_each_finding_give_conditional_go(project: Project, bandit_sarif: Path) -> None:
    """Both findings waived (valid through today): WAIVED, CONDITIONAL GO, still listed."""
    make(project, bandit_sarif, "waivers:" + waiver("B602") + waiver("B324"))
    code, out, data = evaluate(project)
    assert code == 0, out
    assert data["verdict"] == "CONDITIONAL GO"
    assert "WAIVED  security.no-high" in out
    listed = data["findings_by_criterion"]["security.no-high"]
    assert all(f["waived_by"]["approver"] == "A. Chen" for f in listed)
    assert all(f["waived_by"]["expires"] == "2026-11-18" for f in listed)
    assert "[waived by A. Chen until 2026-11-18]" in out


def test_waiver_expired_yesterday_blocks(project: Project, bandit_sarif: Path) -> None:
    """Expiry is inclusive: a waiver that expired yesterday blocks even if others cover it."""
    make(project, bandit_sarif, "waivers:" + waiver("B602", expires="2026-11-17") + waiver("B324"))
    code, out, _ = evaluate(project)
    assert code == 1
    assert "waiver for security.no-high expired on 2026-11-17" in out
    assert "FAIL    security.no-high: 1" in out  # B602 is no longer waived


def test_waiver_by_a_role_not_allowed_blocks(project: Project, bandit_sarif: Path) -> None:
    """A gate waivable by security only: a QA approval blocks and waives nothing."""
    make(project, bandit_sarif, "waivers:" + waiver("B602", role="qa") + waiver("B324"))
    code, out, _ = evaluate(project)
    assert code == 1
    assert "approved by A. Chen (qa), a role not allowed to waive it" in out


def test_non_waivable_criterion_ignores_waivers(project: Project, bandit_sarif: Path) -> None:
    """A non-waivable criterion stays FAIL; the waivers are reported as ignored."""
    make(project, bandit_sarif, "waivers:" + waiver("B602") + waiver("B324"), waivable=False)
    code, out, _ = evaluate(project)
    assert code == 1
    assert "FAIL    security.no-high: 2" in out
    assert "ignored: the criterion is not waivable" in out


def test_waiver_matching_nothing_is_reported(project: Project, bandit_sarif: Path) -> None:
    """A waiver naming a rule that is not found is reported, and waives nothing."""
    make(project, bandit_sarif, "waivers:" + waiver("B999"))
    code, out, _ = evaluate(project)
    assert code == 1
    assert "waiver for security.no-high (B999) matches no finding" in out


def test_two_waivers_for_one_finding(project: Project, bandit_sarif: Path) -> None:
    """Rule and location both name B602: it is waived once, the other high finding remains."""
    make(project, bandit_sarif, "waivers:" + waiver("B602") + waiver("src/vuln.py:9"))
    code, out, data = evaluate(project)
    assert code == 1
    assert "FAIL    security.no-high: 1" in out
    assert "1 finding(s) waived; 1 of 2 left" in out
    uses = [c["waiver"] for c in data["criteria"] if c["criterion"] == "security.no-high"]
    assert uses[0]["state"] == "applied"


def test_vex_not_affected_waives_a_dependency_vulnerability(project: Project) -> None:
    """A CycloneDX VEX `not_affected` statement, given an approver and expiry, waives the CVE."""
    project.write(
        "audit.json",
        json.dumps(
            {
                "dependencies": [
                    {
                        "name": "jinja2",
                        "version": "3.1.2",
                        "vulns": [
                            {
                                "id": "GHSA-h5c8-rqwp-cp95",
                                "fix_versions": ["3.1.3"],
                                "aliases": ["CVE-2024-22195"],
                                "description": "xmlattr filter XSS",
                            }
                        ],
                    },
                    {"name": "click", "version": "8.1.7", "vulns": []},
                ],
                "fixes": [],
            }
        ),
    )
    project.write(
        "vex.json",
        json.dumps(
            {
                "bomFormat": "CycloneDX",
                "specVersion": "1.5",
                "version": 1,
                "vulnerabilities": [
                    {
                        "id": "CVE-2024-22195",
                        "analysis": {
                            "state": "not_affected",
                            "justification": "code_not_reachable",
                            "detail": "xmlattr is never used",
                        },
                    },
                    {"id": "CVE-2099-0001", "analysis": {"state": "exploitable"}},
                ],
            }
        ),
    )
    project.write(
        "checks/deps.yaml", "schema: 1\nid: deps\nkind: pip-audit\nevidence: audit.json\n"
    )
    project.write(
        "gates/security.yaml",
        """
        schema: 1
        id: security
        criteria:
          - {id: no-vulns, metric: deps.findings.total, pass: "== 0"}
        """,
    )
    project.write(
        DEF,
        """
        schema: 1
        release: demo
        version: 1.0.0
        stage: public
        checks: [deps]
        gates: [security]
        vex:
          - file: vex.json
            criterion: security.no-vulns
            approver: {name: A. Chen, role: security}
            expires: 2026-12-31
        """,
    )
    code, out, _data = evaluate(project)
    assert code == 0, out
    assert "WAIVED  security.no-vulns" in out
    assert "VEX not_affected: code_not_reachable - xmlattr is never used" in flat(out)
