"""The Markdown summary: content, escaping of untrusted text, and the byte cap it never exceeds."""

from __future__ import annotations

from pathlib import Path

import pytest

from readiness.render import markdown
from readiness.report import Report
from render_samples import sample_report


@pytest.fixture(scope="module")
def huge(tmp_path_factory: pytest.TempPathFactory) -> Report:
    """The sample project with 5,000 failing tests, read from a real JUnit file."""
    return sample_report(tmp_path_factory.mktemp("huge"), failing=5000)


def test_summary_has_verdict_blockers_conditions_criteria_tests_and_next_stage(
    tmp_path: Path,
) -> None:
    """Verdict heading and the verdict in words, blockers and conditions as short items with
    their engineering lines folded, gates, the not-passing criteria by title, failing tests,
    what blocks the next stage, sign-offs and risks, then the passing criteria and the
    evidence files folded away."""
    text = markdown.render(sample_report(tmp_path))
    assert text.startswith("## ⛔ NO-GO: options-launch 2026.12.0\n")
    assert "**Not ready for internal testing.** 3 blocker(s) · 5 condition(s)" in text
    assert "exit code" not in text
    order = [
        "### Blockers (3)",
        "<details><summary>Blocker details: metrics and evidence</summary>",
        "### Conditions (5)",
        "### Gates",
        "### Criteria not passing (3)",
        "### Failing or flaky tests: unit-tests",
        "### To reach public testing (2)",
        "### Sign-offs",
        "### Risks",
        "<details><summary>Passing or not applicable (9)</summary>",
        "<details><summary>Evidence (5 files, sha256)</summary>",
    ]
    positions = [text.index(s) for s in order]
    assert positions == sorted(positions)
    assert (
        "| ❌ | **No test errors** not met | 1 vs = 0 | tests "
        "| bring it to = 0 and re-run check unit-tests |"
    ) in text
    assert "| ⛔ | **Sign-off of compliance** not given | - | compliance |" in text
    assert "| ❌ FAIL | No test errors | 1 | = 0 | - | build/junit/results.xml |  |" in text
    assert "waived by A. Chen (security) until 20 Dec 2026" in text
    assert "| Automated tests | ⛔ NO-GO | 1 FAIL, 1 WARN, 2 PASS, 1 N/A |" in text
    assert "| compliance | missing | - | - | - |  |" in text
    assert "| risk-control | approved (stale: signed before the latest evidence; must sign" in text
    assert "| **R-07** Rebate system exploited by wash trading | high / medium (blocks" in text


def test_criteria_are_titled_and_their_evidence_is_one_cell(tmp_path: Path) -> None:
    """Rows name criteria by title, never by id; a criterion on five files says so in one
    cell, with no hash; the hashes are in the folded Evidence list, every file once."""
    text = markdown.render(sample_report(tmp_path, shards=4))
    rows = [ln for ln in text.split("\n") if ln.startswith("| ✅ PASS") or ln.startswith("| ❌")]
    assert rows
    assert not [r for r in rows if "tests.flaky" in r or "performance.orders-p99" in r]
    flaky = next(r for r in text.split("\n") if r.startswith("| ✅ PASS (advisory) | Flaky tests"))
    assert "| 5 files of unit-tests |" in flaky
    assert "`" not in flaky
    evidence = text.split("<summary>Evidence (9 files, sha256)</summary>", 1)[1]
    evidence = evidence.split("</details>", 1)[0]
    assert evidence.count("- unit-tests: build/junit/") == 5


def test_untrusted_text_cannot_inject_html_break_tables_or_mention(tmp_path: Path) -> None:
    """Tags become entities, pipes are escaped inside cells, newlines fold, `@` pings no one."""
    assert markdown.escape("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert markdown.escape("a | b\nc") == "a \\| b c"
    assert markdown.escape("[x](javascript:1) *b* `c`") == "\\[x\\](javascript:1) \\*b\\* \\`c\\`"
    assert "@\u200bteam" in markdown.escape("ping @team")
    text = markdown.render(sample_report(tmp_path))
    assert "<script>" not in text
    assert "tests.test\\_api::&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "peer closed \\| retry" in text


def test_5000_failing_tests_stay_under_the_default_cap_and_are_counted(huge: Report) -> None:
    """5,000 failures: the summary stays far under 64 KiB and says how many were left out."""
    text = markdown.render(huge)
    assert len(text.encode("utf-8")) <= markdown.DEFAULT_MAX_BYTES
    assert "(5000 failed, 1 with errors, 0 flaky, of 5121)" in text
    assert f"| … and {5001 - markdown.MAX_TESTS} more | | |" in text


@pytest.mark.parametrize(
    ("cap", "truncated"), [(1024, True), (1500, True), (3000, True), (8000, True), (65536, False)]
)
def test_the_cap_is_never_exceeded(huge: Report, cap: int, truncated: bool) -> None:
    """Whatever the cap, the UTF-8 encoding fits it; a truncated summary says so and leaves no
    `<details>` open."""
    text = markdown.render(huge, max_bytes=cap)
    assert len(text.encode("utf-8")) <= cap
    assert text.startswith("## ⛔ NO-GO")
    assert (f"Summary truncated to fit {cap} bytes" in text) is truncated
    assert text.count("<details>") == text.count("</details>")


def test_a_cap_below_one_kibibyte_is_refused(tmp_path: Path) -> None:
    """A cap too small to hold the verdict is a programming error, refused loudly."""
    with pytest.raises(ValueError, match="at least 1024"):
        markdown.render(sample_report(tmp_path), max_bytes=100)


def test_a_clean_test_run_has_no_test_section(tmp_path: Path) -> None:
    """No failing test and nothing blocking: CONDITIONAL GO, no blockers or tests section."""
    text = markdown.render(sample_report(tmp_path, failing=0, hostile=False, compliance=True))
    assert text.startswith("## ⚠️ CONDITIONAL GO: options-launch")
    assert "### Blockers" not in text
    assert "### Failing or flaky tests" not in text
    assert "truncated" not in text
