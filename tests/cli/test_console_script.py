"""Smoke tests of the installed `readiness` console script, spawned as a user or a CI step runs
it: the entry point, its exit-code mapping and its streams. Everything else about the CLI runs
in-process (helpers.invoke), which exercises the same `readiness.cli.main`."""

from __future__ import annotations

from helpers import Project, junit_xml, run_cli

DEF = "definitions/demo.yaml"


def test_evaluate_go_exits_0(standard: Project) -> None:
    """All criteria pass: the console script prints GO and exits 0."""
    standard.write("build/junit/a.xml", junit_xml(passed=50))
    r = run_cli(["evaluate", DEF], standard.root)
    assert r.code == 0, r.out + r.err
    assert "GO: 0 blocker(s), 0 condition(s), 2 criteria evaluated" in r.out
    assert r.err == ""


def test_evaluate_no_go_exits_1(standard: Project) -> None:
    """A failing blocking criterion: the console script prints NO-GO and exits 1."""
    standard.write("build/junit/a.xml", junit_xml(passed=70, failed=30))
    r = run_cli(["evaluate", DEF], standard.root)
    assert r.code == 1, r.out + r.err
    assert "FAIL    tests.pass-rate: 70% (threshold >= 98%)" in r.out


def test_invalid_definition_exits_2_without_traceback(standard: Project) -> None:
    """An invalid gate: exit 2 (never 1, which a CI would read as NO-GO), one located line."""
    standard.write("gates/tests.yaml", "schema: 1\nid: tests\ncriteria: [{id: x}]\n")
    r = run_cli(["evaluate", DEF], standard.root)
    assert r.code == 2, r.out + r.err
    assert r.err.startswith("readiness: error: "), r.err
    assert "gates/tests.yaml" in r.err
    assert "Traceback" not in r.err


def test_unknown_command_exits_2(standard: Project) -> None:
    """Click's own usage error is mapped to exit 2 by the entry point (click alone exits 2 via
    its standalone mode, which `main` turns off)."""
    r = run_cli(["frobnicate"], standard.root)
    assert r.code == 2, r.out + r.err
    assert "frobnicate" in r.err
