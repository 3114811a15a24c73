"""GitHub Actions annotations (escaping, severity, order) and the step-summary path."""

from __future__ import annotations

from pathlib import Path

from readiness.render import github
from render_samples import sample_report


def test_message_and_property_escaping_follow_the_toolkit_rules() -> None:
    """`%`, CR and LF are encoded in messages; properties also encode `:` and `,`."""
    assert github.escape_data("50% done\r\nnext: a, b") == "50%25 done%0D%0Anext: a, b"
    assert github.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    line = github.command("error", "line1\nline2 %", title="t: x, y", file="", line="3")
    assert line == "::error title=t%3A x%2C y,line=3::line1%0Aline2 %25"
    assert github.command("warning", "plain") == "::warning::plain"


def test_an_injected_command_stays_inside_one_annotation() -> None:
    """A message carrying a newline and `::` cannot start a second workflow command."""
    line = github.command("warning", "oops\n::add-mask::secret")
    assert "\n" not in line
    assert line == "::warning::oops%0A::add-mask::secret"


def test_blocking_failures_are_errors_and_conditions_warnings(tmp_path: Path) -> None:
    """FAIL of a blocking criterion -> error at its gate file and line; WARN and WAIVED ->
    warnings; PASS, N/A and shadow criteria are silent; errors come first."""
    lines = github.annotations(sample_report(tmp_path))
    criteria = [ln for ln in lines if " release " not in ln]
    assert criteria == [
        "::error file=gates/tests.yaml,line=11,title=readiness%3A tests.no-errors FAIL"
        "::observed 1, threshold == 0",
        "::warning file=gates/tests.yaml,line=6,title=readiness%3A tests.pass-rate WARN"
        "::observed 97.561%25, threshold >= 99%25 (warn >= 90%25)",
        "::warning file=gates/security.yaml,line=6,title=readiness%3A security.no-high WAIVED"
        "::observed 1, threshold == 0; waiver applied: A. Chen (security) until 2026-12-20: "
        "shell=True on a constant command; fixed in 2026.12.1",
    ]
    kinds = [ln.split(" ", 1)[0].split("::")[1] for ln in lines]
    assert kinds == sorted(kinds)  # every error before the first warning


def test_governance_blockers_and_conditions_are_annotated_too(tmp_path: Path) -> None:
    """A missing sign-off and an unproven risk are errors; an approval with conditions and an
    accepted risk are warnings."""
    lines = github.annotations(sample_report(tmp_path))
    assert (
        "::error title=readiness%3A release blocker::sign-off: no sign-off from the required "
        "role 'compliance'"
    ) in lines
    assert any(
        ln.startswith("::error title=readiness%3A release blocker::risk R-07") for ln in lines
    )
    assert (
        "::warning title=readiness%3A release condition::sign-off: A. Chen (security) approved "
        "with conditions: B602 fixed in 2026.12.1"
    ) in lines


def test_release_blockers_without_a_criterion_are_errors_too(tmp_path: Path) -> None:
    """An expired waiver blocks the release on its own: it gets an error annotation."""
    report = sample_report(tmp_path, waiver_expires="2025-11-30")
    lines = github.annotations(report, path_prefix="release/")
    assert (
        "::error title=readiness%3A release blocker::waiver for security.no-high expired on "
        "2025-11-30 (approved by A. Chen (security))"
    ) in lines
    waived = [ln for ln in lines if "security.no-high FAIL" in ln]
    assert waived
    assert waived[0].startswith("::error file=release/gates/security.yaml,line=6,")
    assert "waiver expired" in waived[0]


def test_missing_evidence_is_an_error_with_the_reason(tmp_path: Path) -> None:
    """A MISSING criterion's annotation says why the evidence is missing."""
    report = sample_report(tmp_path, remove=("build/sast.sarif",))
    lines = [ln for ln in github.annotations(report) if "security.no-critical" in ln]
    assert len(lines) == 1
    assert lines[0].startswith("::error ")
    assert "MISSING::threshold == 0; no evidence file matches build/sast.sarif" in lines[0]


def test_summary_path_only_inside_github_actions(tmp_path: Path) -> None:
    """The summary file is used only when GITHUB_ACTIONS is true and the path is set."""
    summary = str(tmp_path / "summary.md")
    assert github.summary_path({"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": summary}) == (
        tmp_path / "summary.md"
    )
    assert github.summary_path({"GITHUB_STEP_SUMMARY": summary}) is None
    assert github.summary_path({"GITHUB_ACTIONS": "false", "GITHUB_STEP_SUMMARY": summary}) is None
    assert github.summary_path({"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": " "}) is None
    assert github.summary_path({"GITHUB_ACTIONS": "true"}) is None
