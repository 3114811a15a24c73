"""Launch notes: the default template's content, user templates, and template errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from readiness.errors import UsageError
from readiness.render import notes
from readiness.report import LaunchNotes, Report
from render_samples import sample_report


@pytest.fixture
def report(tmp_path: Path) -> Report:
    """The sample report, with sign-offs, risks and launch-notes content."""
    return sample_report(tmp_path / "project")


def test_default_notes_have_everything_readers_need(report: Report) -> None:
    """Version, stage, components, summary, highlights, performance achieved vs target, known
    issues and the waiver with its expiry, risks with their response, sign-offs."""
    text = notes.render(report)
    assert text.startswith("# options-launch 2026.12.0\n")
    for expected in (
        "- **Stage:** internal testing",
        "- **Components:** matching-engine, options, rebate",
        "Options trading opens to all verified accounts.",
        "- Maker rebates accrue per fill, paid out daily",
        "| Order entry p99 latency | 18.5 ms | ≤ 25 ms | met |",
        "| Aggregate throughput | 520 /s | ≥ 400 /s | met |",
        "- unit-tests: 120 of 123 tests passed (2 failed, 1 with errors).",
        "- Book depth may lag by up to 100 ms under burst load",
        "Approved by A. Chen (security) until 20 Dec 2026.",
        "### R-07: Rebate system exploited by wash trading",
        "- **Response:** freeze the rebate strategy with the risk-control switch.",
        "| compliance | missing | - | - |  |",
        "Generated 6 Dec 2025, 05:46 UTC by readiness 0.0.0+golden",
    ):
        assert expected in text, expected
    assert "<script>" not in text  # test names are not part of launch notes


def test_notes_of_a_release_that_is_not_ready_are_a_draft_in_plain_words(report: Report) -> None:
    """A NO-GO release's notes open with a DRAFT banner, and "Not yet ready" says what is
    missing in words (title, state, measured against target, owner): no sha256, no hash, no
    metric path, no criterion id."""
    text = notes.render(report)
    head = text.split("\n- **Stage:**", 1)[0]
    assert "> **DRAFT: not for publication.** The readiness verdict is NO-GO" in head
    section = text.split("## Not yet ready\n\n", 1)[1].split("\n\n", 1)[0]
    assert section.split("\n") == [
        "- **No test errors**: not met, measured 1, target = 0. Owner: tests.",
        "- **Sign-off of compliance**: not given. Owner: compliance.",
        "- **Risk R-07: Rebate system exploited by wash trading**: response plan not proven. "
        "Owner: risk-control.",
    ]
    assert "sha256" not in text
    assert not re.search(r"\b[0-9a-f]{12,64}\b", text)
    assert "unit-tests.errors" not in text and "tests.no-errors" not in text


def test_ready_releases_have_no_draft_banner(tmp_path: Path) -> None:
    """A CONDITIONAL GO release's notes are publishable: no DRAFT banner, no "Not yet ready",
    and its conditions listed in words."""
    text = notes.render(sample_report(tmp_path, failing=0, hostile=False, compliance=True))
    assert "The readiness verdict is CONDITIONAL GO" not in text
    assert "- **Readiness verdict:** CONDITIONAL GO" in text
    assert "DRAFT" not in text
    assert "## Not yet ready" not in text
    assert "## Conditions of this release" in text


def test_each_risk_is_its_own_block_and_stale_is_explained(report: Report) -> None:
    """Every risk has its own heading and one list line per fact (no paragraph of soft line
    breaks); a stale sign-off is marked and the mark explained."""
    text = notes.render(report)
    section = text.split("## Risks and response plans\n\n", 1)[1].split("\n## ", 1)[0]
    blocks = section.strip().split("\n\n")
    assert blocks[0] == "### R-07: Rebate system exploited by wash trading"
    assert blocks[2] == "### R-11: Book depth endpoint slow under burst"
    for facts in (blocks[1], blocks[3]):
        assert all(line.startswith("- **") for line in facts.split("\n")), facts
    assert "- **Status:** the response plan is not yet proven" in blocks[1]
    assert "- **Proven by:** No test errors (not met)" in blocks[1]
    assert "| risk-control | approved (stale\\*) | J. Weiss | 2 Dec 2025 |" in text
    assert "\\*Stale: signed before the latest test and load results were produced" in text


def test_sections_without_content_are_left_out(tmp_path: Path) -> None:
    """No `extra`: no highlights, risks or sign-offs headings, the description as summary."""
    text = notes.render(sample_report(tmp_path, extra=False))
    assert "## Highlights" not in text
    assert "## Open risks" not in text
    assert "## Sign-offs" not in text
    assert "Options trading on the sandbox exchange." in text


def test_a_project_template_replaces_the_default(report: Report, tmp_path: Path) -> None:
    """A user template sees the documented names and its filters; what it prints is escaped
    for Markdown, not HTML; blocks are trimmed (a newline after a block tag is dropped)."""
    tpl = tmp_path / "notes.md.j2"
    tpl.write_text(
        "{{ release.name }} {{ release.version }} <{{ verdict }}>\n"
        "{% for p in performance %}{{ p.criterion }}={{ p.result }};{% endfor %}\n"
        "{{ 'a|b' | md_cell }} {{ 'done' | sentence }} {{ 'launch' | stage_title }}\n",
        encoding="utf-8",
    )
    assert notes.render(report, str(tpl)) == (
        "options-launch 2026.12.0 <NO-GO>\n"
        "performance.orders-p99=met;performance.aggregate-p99=met;performance.throughput=met;"
        "performance.failure-ratio=met;a\\|b done. launch\n"
    )


@pytest.mark.parametrize(
    ("source", "line", "reason"),
    [
        ("# notes\n\n{% if %}\n", 3, "Expected an expression"),
        ("# notes\n{{ release.codename }}\n", 2, "has no attribute 'codename'"),
        ("ok\n{{ no_such_name }}\n", 2, "'no_such_name' is undefined"),
        ("{% for x in highlights %}\n{{ x }}\n", 2, "Unexpected end of template"),
        ("a\nb\n{{ 1 / 0 }}\n", 3, "ZeroDivisionError"),
        ("{{ ''.__class__.__mro__ }}\n", 1, "unsafe"),
    ],
)
def test_template_errors_are_usage_errors_with_path_and_line(
    report: Report, tmp_path: Path, source: str, line: int, reason: str
) -> None:
    """Syntax errors, undefined names, sandbox violations and runtime errors in a template are
    reported as `path:line: ...`, never as a traceback."""
    tpl = tmp_path / "bad.md.j2"
    tpl.write_text(source, encoding="utf-8")
    with pytest.raises(UsageError) as info:
        notes.render(report, tpl)
    message = str(info.value)
    assert message.startswith(f"{tpl}:{line}: launch-notes template error: "), message
    assert reason in message


def test_an_unreadable_template_is_a_usage_error(report: Report, tmp_path: Path) -> None:
    """A missing or non-UTF-8 template file is a usage error naming the file."""
    with pytest.raises(UsageError, match=r"cannot read the launch-notes template .*nope\.j2"):
        notes.render(report, tmp_path / "nope.j2")
    latin = tmp_path / "latin.j2"
    latin.write_bytes(b"caf\xe9\n")
    with pytest.raises(UsageError, match=r"latin\.j2: not UTF-8"):
        notes.render(report, latin)


def test_every_printed_value_is_escaped_for_markdown_in_any_template(
    report: Report, tmp_path: Path
) -> None:
    """A project template cannot forget to escape: `{{ x }}` prints evidence as inert Markdown
    (no HTML, link, mention, issue reference, table break or heading); `md_cell` and `code`
    are not escaped twice; numbers print as they are; `| safe` prints a value as written."""
    hostile = "# <b>hi</b> @ops #12 | [x](javascript:1)\x1b[2J"
    report.launch_notes = LaunchNotes(hostile, ("**bold** on purpose",))
    tpl = tmp_path / "notes.md.j2"
    tpl.write_text(
        "{{ summary }}\n{{ summary | md_cell }}\n{{ 'a`b' | code }}\n{{ tests[0].tests }}\n"
        "{{ highlights[0] | safe }}\n",
        encoding="utf-8",
    )
    escaped = "&lt;b&gt;hi&lt;/b&gt; @\u200bops #\u200b12 \\| \\[x\\](javascript:1)\\\\x1b\\[2J"
    assert notes.render(report, str(tpl)).split("\n") == [
        "\\# " + escaped,
        "\\# " + escaped,
        "``a`b``",
        "123",
        "**bold** on purpose",
        "",
    ]
