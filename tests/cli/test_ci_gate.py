"""The gate in CI: under --strict a CONDITIONAL GO fails the job and the gate's JUnit says so;
under GitHub Actions an invalid definition annotates each problem's file and line."""

from __future__ import annotations

import re
from pathlib import Path

import junitparser
import pytest
import yaml

from helpers import REPO, Project, invoke, run_cli

DEF = "definitions/demo.yaml"


def conditional_project(project: Project) -> None:
    """A project whose only blemish is an advisory criterion that fails: CONDITIONAL GO."""
    project.write(
        "checks/unit-tests.yaml",
        "schema: 1\nid: unit-tests\nkind: junit\nevidence: build/junit.xml\n",
    )
    project.write("build/junit.xml", '<testsuite><testcase classname="c" name="t"/></testsuite>\n')
    project.write(
        "gates/tests.yaml",
        """
        schema: 1
        id: tests
        criteria:
          - {id: ran, metric: unit-tests.tests, pass: ">= 1"}
          - {id: big, metric: unit-tests.tests, pass: ">= 5", mode: advisory}
        """,
    )
    project.write(
        DEF,
        "schema: 1\nrelease: demo\nversion: '1'\nstage: mvp\n"
        "checks: [unit-tests]\ngates: [tests]\n",
    )


def _verdict_case(path: Path) -> junitparser.TestCase:
    xml = junitparser.JUnitXml.fromfile(str(path))
    suite = next(s for s in xml if s.name == "readiness.verdict")
    return next(iter(suite))


@pytest.mark.parametrize(("strict", "code"), [(False, 0), (True, 1)])
def test_junit_verdict_fails_when_strict_fails_the_job(
    project: Project, strict: bool, code: int
) -> None:
    """CONDITIONAL GO: the verdict test case passes without --strict (exit 0) and fails with
    it (exit 1, failures="1"), naming the conditions; the criteria cases are the same."""
    conditional_project(project)
    args = ["evaluate", DEF, "--report-dir", "out", "--format", "junit"]
    result = invoke([*args, "--strict"] if strict else args, project.root)
    assert result.code == code, result.err
    assert "CONDITIONAL GO" in result.out
    case = _verdict_case(project.root / "out" / "readiness-junit.xml")
    if strict:
        (failure,) = case.result
        assert isinstance(failure, junitparser.Failure)
        assert failure.message == "CONDITIONAL GO fails under --strict: 1 condition(s)"
        assert "condition: " in (failure.text or "")
    else:
        assert case.result == []
    xml = junitparser.JUnitXml.fromfile(str(project.root / "out" / "readiness-junit.xml"))
    suite = next(s for s in xml if s.name == "readiness.verdict")
    assert (suite.tests, suite.failures) == (1, int(strict))


def test_invalid_definition_annotates_file_and_line_under_github_actions(
    project: Project,
) -> None:
    """Exit 2 under GITHUB_ACTIONS: one `::error file=...,line=...` per problem on stdout
    (escaped as workflow commands need), besides the located lines on stderr."""
    conditional_project(project)
    project.write(
        "gates/tests.yaml",
        """
        schema: 1
        id: tests
        criteria:
          - {id: ran, metric: unit-tests.tests, pass: ">= 1 pct"}
          - {id: big, metric: unit-tests.tests, pass: ">= 5", mode: sometimes}
        """,
    )
    env = {"GITHUB_ACTIONS": "true", "READINESS_PATH_PREFIX": "release/"}
    result = run_cli(["evaluate", DEF], project.root, env)
    assert result.code == 2
    annotations = result.out.splitlines()
    assert len(annotations) == 2, result.out
    assert annotations[0].startswith(
        "::error file=release/gates/tests.yaml,line=4,title=readiness%3A invalid definition::"
        "criteria[ran].pass: unknown unit"
    )
    assert annotations[1].startswith("::error file=release/gates/tests.yaml,line=5,")
    assert "gates/tests.yaml:4 criteria[ran].pass" in result.err


def test_no_annotation_outside_github_actions(project: Project) -> None:
    """Without GITHUB_ACTIONS, an invalid definition prints nothing on stdout."""
    conditional_project(project)
    project.write("gates/tests.yaml", "schema: 1\nid: tests\ncriteria: nope\n")
    result = run_cli(["evaluate", DEF], project.root, {"GITHUB_ACTIONS": ""})
    assert result.code == 2
    assert result.out == ""
    assert "gates/tests.yaml:3" in result.err


def _workflows() -> list[dict[str, object]]:
    text = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    blocks = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", text, re.S)]
    return [b for b in blocks if isinstance(b, dict) and "jobs" in b]


def test_documented_pipeline_produces_every_checks_evidence() -> None:
    """docs/ci.md's GitHub workflow produces the evidence of each check of the example release
    (a command writing its evidence path, or `readiness run --only` the check), keeps the
    sign-offs in the repository, and gates after every producing job."""
    (workflow,) = _workflows()
    jobs = workflow["jobs"]
    assert isinstance(jobs, dict)
    runs = " ".join(
        str(step.get("run", "")) for job in jobs.values() for step in job.get("steps", [])
    )
    definition = yaml.safe_load((REPO / "definitions" / "2026.12-options-launch.yaml").read_text())
    for check in definition["checks"]:
        spec = yaml.safe_load((REPO / "checks" / f"{check}.yaml").read_text())
        if spec["kind"] == "signoffs":
            assert (REPO / spec["evidence"]).is_file()
            continue
        evidence = spec["evidence"].split("[")[0].rstrip("*")
        assert f"--only {check}" in runs or evidence in runs, check
    gate = jobs["gate"]
    assert set(gate["needs"]) == set(jobs) - {"gate"}
    assert any(step.get("uses") == "./" for step in gate["steps"])


def test_no_invented_release_tags_in_the_docs() -> None:
    """The docs name no tag that does not exist (`@v1`, `rev: v0.1.0`) nor an OWNER
    placeholder: the action is `uses: ./` or pinned to a commit SHA."""
    for rel in ("README.md", "docs/ci.md", ".pre-commit-hooks.yaml", "action.yml"):
        text = (REPO / rel).read_text(encoding="utf-8")
        for bad in ("OWNER/", "@v1", "v0.1.0"):
            assert bad not in text, f"{rel}: {bad}"
