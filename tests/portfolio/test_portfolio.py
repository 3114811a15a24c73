"""`readiness portfolio` and `requires` end to end: real definitions, real JUnit evidence, the
real SQLite store; the CLI in-process, and once (`--run`) as the installed console script."""

from __future__ import annotations

import json

from helpers import Project, invoke, junit_xml, run_cli
from portfolio_helpers import ENV, TODAY_EPOCH, add_release

DAY = 86400


def _json(p: Project, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict]:  # type: ignore[type-arg]
    r = invoke(["portfolio", str(p.root), "--format", "json", *args], p.root, env or ENV)
    assert r.code in (0, 1), r.err
    return r.code, json.loads(r.out)


def _row(data: dict, name: str) -> dict:  # type: ignore[type-arg]
    return next(r for r in data["releases"] if r["release"] == name)


def test_a_dependency_evaluated_in_the_same_run_meets_the_requirement(project: Project) -> None:
    """The required release is evaluated first in the run, and its GO at the stage meets it."""
    add_release(project, "limits", stage="public")
    add_release(project, "wallet", extra="requires: [{release: limits, stage: public}]\n")
    code, data = _json(project, "--no-record")
    assert [r["release"] for r in data["releases"]] == ["limits", "wallet"]
    (req,) = _row(data, "wallet")["requires"]
    assert req["met"] is True
    assert req["found"]["source"] == "this run"
    assert _row(data, "wallet")["verdict"] == "GO"
    assert code == 0


def test_an_unmet_requirement_blocks_naming_what_was_required_and_found(project: Project) -> None:
    """A dependency at an earlier stage, NO-GO, blocks with stage, verdict, date and blockers."""
    add_release(project, "matching", version="2026.12.0", failed=1)
    add_release(project, "options", extra="requires: [{release: matching, stage: public}]\n")
    code, data = _json(project, "--no-record")
    row = _row(data, "options")
    assert row["verdict"] == "NO-GO"
    (blocker,) = row["blockers_by_owner"]["matching"]
    assert blocker["kind"] == "dependency"
    assert blocker["text"] == (
        "needs matching at public testing: latest is 2026.12.0 at internal testing, NO-GO on "
        "2026-11-27, 1 blocker (this run)"
    )
    assert code == 1


def test_an_older_version_does_not_meet_a_version_specifier(project: Project) -> None:
    """GO at the right stage but version 2.0.9 does not meet >=2.1; 2.1.0 would."""
    add_release(project, "limits", version="2.0.9")
    add_release(
        project, "wallet", extra='requires: [{release: limits, version: ">=2.1", stage: mvp}]\n'
    )
    _, data = _json(project, "--no-record")
    (req,) = _row(data, "wallet")["requires"]
    assert req["met"] is False
    assert "needs limits >=2.1 at MVP: latest is 2.0.9 at internal testing, GO" in req["text"]
    assert "version 2.0.9 does not match >=2.1" in req["text"]
    (project.root / "definitions/limits.yaml").write_text(
        (project.root / "definitions/limits.yaml").read_text().replace("2.0.9", "2.1.0")
    )
    _, data = _json(project, "--no-record")
    assert _row(data, "wallet")["requires"][0]["met"] is True


def test_a_cycle_is_a_located_definition_error(project: Project) -> None:
    """a -> b -> a: exit 2, one line naming the file, the line and the whole cycle."""
    add_release(project, "a", extra="requires: [{release: b, stage: mvp}]\n")
    add_release(project, "b", extra="requires: [{release: a, stage: mvp}]\n")
    r = invoke(["portfolio"], project.root, ENV)
    assert r.code == 2
    assert r.err == (
        "readiness: error: definitions/b.yaml:11 requires[a].release: a cycle of "
        "requirements: a -> b -> a\n"
    )
    assert "Traceback" not in r.err


def test_an_unknown_release_is_a_located_definition_error(project: Project) -> None:
    """A requirement naming no release of the portfolio: exit 2 at its line, known ones listed."""
    add_release(project, "wallet", extra="requires:\n  - {release: limitz, stage: public}\n")
    add_release(project, "limits")
    r = invoke(["portfolio"], project.root, ENV)
    assert r.code == 2
    assert (
        "definitions/wallet.yaml:12 requires[limitz].release: no release 'limitz' in the "
        "portfolio (releases: limits, wallet)" in r.err
    ), r.err


def test_a_requirement_met_by_the_stores_latest_evaluation_in_a_single_evaluate(
    project: Project,
) -> None:
    """`evaluate` of a release with `requires` reads the store: unmet (nothing recorded) is a
    dependency blocker; after the portfolio recorded its dependency at GO, it is met."""
    add_release(project, "limits", stage="public")
    add_release(project, "wallet", extra="requires: [{release: limits, stage: public}]\n")
    r = invoke(["evaluate", "definitions/wallet.yaml"], project.root, ENV)
    assert r.code == 1
    assert "needs limits at public testing: no evaluation of it is recorded" in r.out
    (project.root / "definitions/wallet.yaml").rename(project.root / "wallet.yaml.off")
    assert invoke(["portfolio"], project.root, ENV).code == 0  # records limits
    (project.root / "wallet.yaml.off").rename(project.root / "definitions/wallet.yaml")
    r = invoke(["evaluate", "definitions/wallet.yaml"], project.root, ENV)
    assert r.code == 0, r.out
    assert "needs limits" not in r.out


def test_exit_codes_on_track_late_and_invalid(project: Project) -> None:
    """0 when all are on track and not NO-GO; 1 when one is late although GO; 2 when invalid."""
    add_release(project, "a", extra="milestones: {public: 2026-12-20}\n")
    assert invoke(["portfolio", "--no-record"], project.root, ENV).code == 0
    add_release(project, "b", extra="milestones: {public: 2026-11-26}\n")
    r = invoke(["portfolio", "--no-record"], project.root, ENV)
    assert r.code == 1
    assert "public testing 2026-11-26: late, 1 day overdue" in r.out
    add_release(project, "c", extra="milestones: {public: 2026-11-26, internal: 2026-12-01}\n")
    r = invoke(["portfolio", "--no-record"], project.root, ENV)
    assert r.code == 2
    assert "milestones: the public testing milestone (2026-11-26) is before the internal" in r.err


def test_a_late_dependency_moves_the_milestone_of_the_release_needing_it(
    project: Project,
) -> None:
    """The dependency is late by 7 days and not where it must be: the release needing it is at
    risk although its own date is far, and says which date moves and to when."""
    add_release(project, "limits", extra="milestones: {public: 2026-11-20}\n")
    add_release(
        project,
        "wallet",
        extra="requires: [{release: limits, stage: public}]\nmilestones: {public: 2027-06-01}\n",
    )
    _, data = _json(project, "--no-record")
    ms = _row(data, "wallet")["milestone"]
    assert ms["state"] == "at risk"
    assert ms["slips"] == [{"release": "limits", "stage": "public", "days": 7, "via": ""}]
    assert ms["expected"] == "2027-06-08"
    assert "moves with limits (public testing 7 days late)" in ms["text"]


def test_since_reports_changes_against_earlier_evaluations_in_the_store(project: Project) -> None:
    """Evaluations recorded ten days ago; now a test fails, a risk is added and a milestone date
    passed: the weekly report names the verdict change, the new blocker, the regressed
    criterion, the new risk and the slipped milestone; the other release did not change."""
    add_release(project, "stable")
    risk = """
risks:
  - {id: R-1, title: Outage, impact: low, likelihood: low, response: restart}
"""
    add_release(project, "moving", extra="milestones: {public: 2026-11-25}\n" + risk)
    earlier = {"SOURCE_DATE_EPOCH": str(TODAY_EPOCH - 10 * DAY)}
    assert invoke(["portfolio"], project.root, earlier).code == 0
    project.write("build/moving.xml", junit_xml(passed=10, failed=2))
    text = (project.root / "definitions/moving.yaml").read_text()
    text += "  - {id: R-2, title: Data loss, impact: medium, likelihood: low, response: restore}\n"
    (project.root / "definitions/moving.yaml").write_text(text)
    _, data = _json(project, "--since", "7d")
    since = data["since"]
    assert since["date"] == "2026-11-20"
    assert since["compared"] == 2
    kinds = {(c["release"], c["kind"]): c["text"] for c in since["changes"]}
    assert "stable" not in {c["release"] for c in since["changes"]}
    assert kinds[("moving", "verdict")] == "GO (1.0.0) → NO-GO (1.0.0)"
    assert kinds[("moving", "new blocker")].startswith("release.pass-rate: FAIL")
    assert kinds[("moving", "regressed")].startswith("release.pass-rate: PASS → FAIL")
    assert kinds[("moving", "risk added")] == "R-2 (medium): Data loss"
    assert kinds[("moving", "milestone slipped")] == (
        "public testing (2026-11-25): on track on 2026-11-20, now late"
    )
    r = invoke(["portfolio", "--since", "2026-11-10", "--no-record"], project.root, ENV)
    assert "stable: new release: first evaluated since 2026-11-10" in r.out


def test_markdown_and_html_are_written_and_self_contained(project: Project) -> None:
    """--report-dir writes JSON, Markdown and HTML; the HTML loads nothing from the network."""
    add_release(project, "limits", failed=1)
    add_release(project, "wallet", extra="requires: [{release: limits, stage: internal}]\n")
    out = project.root / "out"
    r = invoke(["portfolio", "--report-dir", str(out), "--no-record"], project.root, ENV)
    assert r.code == 1
    md = (out / "portfolio.md").read_text()
    assert md.startswith("# Release portfolio — 2026-11-27\n")
    assert "| wallet | 1.0.0 | internal testing | **NO-GO** |" in md
    page = (out / "portfolio.html").read_text()
    assert "<svg" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in page
    assert json.loads((out / "portfolio.json").read_text())["format_version"] == 1


def test_run_runs_each_shared_check_once_then_evaluates(project: Project) -> None:
    """--run: a check shared by two releases runs once (one log line), and its fresh evidence
    is what both are judged on."""
    project.write(
        "checks/shared.yaml",
        """
        schema: 1
        id: shared
        kind: junit
        evidence: build/shared.xml
        collect:
          command: ["{python}", "-c", "import shutil; shutil.copy('template.xml', 'build')"]
        """,
    )
    project.write("template.xml", junit_xml(passed=3))
    (project.root / "checks/shared.yaml").write_text(
        (project.root / "checks/shared.yaml").read_text().replace("shared.xml", "template.xml")
    )
    for name in ("a", "b"):
        add_release(project, name, extra="")
        path = project.root / "definitions" / f"{name}.yaml"
        path.write_text(
            path.read_text().replace(f"checks: [{name}-tests]", f"checks: [{name}-tests, shared]")
        )
    r = run_cli(["portfolio", "--run", "--no-record"], project.root, ENV)
    assert r.code == 0, r.out + r.err
    assert r.err.count("shared: ok") == 1, r.err
    assert (project.root / "build/template.xml").is_file()


def test_the_terminal_counts_one_blocker_in_the_singular(project: Project) -> None:
    """`options (1 blocker)`, not `(1 blockers)`, above the blocker itself."""
    add_release(project, "matching", version="2026.12.0", failed=1)
    add_release(project, "options", extra="requires: [{release: matching, stage: public}]\n")
    r = invoke(["portfolio", "--no-record"], project.root, ENV)
    assert "  options (1 blocker)\n" in r.out, r.out
    assert "(1 blockers)" not in r.out


def test_a_dependency_blocker_says_what_to_do(project: Project) -> None:
    """The blocker of a required release not yet recorded names the release and the stage to
    get it to, in the table of what blocks the release (it said "-")."""
    add_release(project, "wallet", extra="requires: [{release: limits, stage: public}]\n")
    args = ["evaluate", "definitions/wallet.yaml", "--no-record", "--report-dir", "out"]
    r = invoke(args, project.root, ENV)
    assert r.code == 1, r.err
    markdown = (project.root / "out" / "report.md").read_text(encoding="utf-8")
    (row,) = [
        line
        for line in markdown.splitlines()
        if line.startswith("|") and "needs limits at public testing" in line
    ]
    assert row.rstrip("| ").endswith(
        "get limits to GO or CONDITIONAL GO at public testing, recorded in the store, then "
        "evaluate again"
    )
