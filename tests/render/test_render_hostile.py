"""Hostile evidence text, end to end: what test ids, Locust endpoint names and failure messages,
SARIF rule ids and messages and sign-off names and comments may do in each sink.

One project is written in tmp_path with real evidence files (JUnit, Locust CSV, SARIF, sign-off
JSON) whose strings carry terminal escapes, GitHub workflow commands after newlines, Markdown and
HTML, mentions, issue references and bidi overrides; `readiness evaluate` runs once, for real,
as it would in GitHub Actions, and each test reads what one sink received.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest

from helpers import Project, invoke

OSC = "\x1b]0;pwned\x07\x1b[2J\x1b[31m"  # retitle the terminal, clear it, turn it red
COMMANDS = (
    "\n::error title=pwned::injected\n::add-mask::secret\n  ::stop-commands::tok\n##[warning]v1 "
)
MARKDOWN = "<script>alert(1)</script> @admin #123 | `x`"
BIDI = "\u202eexe.txt\u2066"
OTHER = "\x85\x7f\u2028end"  # C1 NEL, DEL, LINE SEPARATOR
# An endpoint name with everything but `]` and `"` (a glob in brackets can match it), and one
# with terminal escapes and workflow commands.
WEB = f"/b {MARKDOWN}{BIDI}"
TERM = f"/a{OSC}{COMMANDS}{MARKDOWN}{BIDI}{OTHER}"
LINK = " [x](javascript:alert(1))"
TEXT = TERM + LINK  # for test ids, messages, rule ids, sign-off names and comments
RAW_CONTROLS = ("\x1b", "\x07", "\x85", "\x7f", "\u2028", "\u202e", "\u2066")

GATE = """
schema: 1
id: g
title: Gate
criteria:
  - id: pass-rate
    metric: unit-tests.pass_rate
    pass: "== 100%"
  - id: p99
    metric: load.requests["*"].p99
    pass: "<= 10 ms"
  - id: findings
    metric: sast.findings.total
    pass: "== 0"
  - id: no-errors
    metric: unit-tests.errors
    pass: "== 0"
"""
DEFINITION = """
schema: 1
release: demo
version: 1.0.0
stage: internal
checks: [unit-tests, load, sast, signoffs]
gates: [g]
signoffs:
  check: signoffs
  required: [qa]
"""
STATS_HEADER = [
    *("Type", "Name", "Request Count", "Failure Count", "Median Response Time"),
    *("Average Response Time", "Min Response Time", "Max Response Time"),
    *("Average Content Size", "Requests/s", "Failures/s"),
    *("50%", "66%", "75%", "80%", "90%", "95%", "98%", "99%", "99.9%", "99.99%", "100%"),
]
TIMES = [1, 1.8, 0.3, 40.4, 150.0, 12.3, 0.9, 1, 1, 1, 1, 1, 1, 40, 40, 40, 40, 40]


def _csv(rows: Sequence[Sequence[object]]) -> str:
    buf = io.StringIO()
    csv.writer(buf).writerows(rows)
    return buf.getvalue()


def _attr(text: str) -> str:
    """An XML attribute holding `text`; newlines as character references survive parsing."""
    xml_text = "".join(c for c in text if c not in "\x1b\x07\x7f\x85")  # not XML 1.0 or dropped
    return quoteattr(xml_text, {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})


def write_hostile_project(root: Path) -> Project:
    """A project whose every evidence string is hostile (see the module docstring)."""
    project = Project(root)
    project.write("gates/g.yaml", GATE)
    project.write("definitions/d.yaml", DEFINITION)
    for ident, kind, evidence in (
        ("unit-tests", "junit", "build/junit.xml"),
        ("load", "locust", "build/load/*.csv"),
        ("sast", "sarif", "build/sast.sarif"),
        ("signoffs", "signoffs", "signoffs.json"),
    ):
        project.write(
            f"checks/{ident}.yaml", f"schema: 1\nid: {ident}\nkind: {kind}\nevidence: {evidence}\n"
        )
    (root / "build/load").mkdir(parents=True)
    (root / "build/junit.xml").write_text(
        '<?xml version="1.0"?>\n<testsuite name="s"><testcase classname="c" name="ok"/>'
        f'<testcase classname="c" name={_attr(TEXT)}><failure message={_attr(TEXT)}>x</failure>'
        "</testcase></testsuite>\n",
        encoding="utf-8",
    )
    (root / "build/load/run_stats.csv").write_text(
        _csv(
            [
                STATS_HEADER,
                ["GET", TERM, 300, 20, *TIMES],
                ["GET", WEB, 57, 7, *TIMES],
                ["", "Aggregated", 357, 27, *TIMES],
            ]
        ),
        encoding="utf-8",
    )
    (root / "build/load/run_failures.csv").write_text(
        _csv([["Method", "Name", "Error", "Occurrences"], ["GET", TERM, TEXT, 20]]),
        encoding="utf-8",
    )
    result = {
        "ruleId": TEXT,
        "level": "error",
        "message": {"text": TEXT},
        "locations": [
            {"physicalLocation": {"artifactLocation": {"uri": "a.py"}, "region": {"startLine": 3}}}
        ],
    }
    sarif = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "X"}}, "results": [result]}]}
    (root / "build/sast.sarif").write_text(json.dumps(sarif), encoding="utf-8")
    signoff = {
        "role": "qa",
        "name": "Eve " + TERM,
        "decision": "approve-with-conditions",
        "date": "2025-12-05",
        "version": "1.0.0",
        "comment": TEXT,
    }
    (root / "signoffs.json").write_text(json.dumps({"signoffs": [signoff]}), encoding="utf-8")
    return project


@dataclass
class Outputs:
    stdout: str
    stderr: str
    code: int
    reports: Path
    summary: str


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Outputs:
    """`readiness evaluate` of the hostile project, as a GitHub Actions step runs it."""
    root = tmp_path_factory.mktemp("hostile")
    write_hostile_project(root)
    summary = root / "summary.md"
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(summary),
        "SOURCE_DATE_EPOCH": "1765000000",
    }
    result = invoke(["evaluate", "definitions/d.yaml", "--report-dir", "out"], root, env)
    return Outputs(
        result.out, result.err, result.code, root / "out", summary.read_text(encoding="utf-8")
    )


ANNOTATION = re.compile(
    r"::(error|warning) (file=gates/g\.yaml,line=\d+,)?title=readiness%3A [^:,\n]+::[^\n]*"
)


def test_the_evaluation_runs_and_fails_closed(outputs: Outputs) -> None:
    """Hostile text is only text: the evaluation completes with NO-GO, no traceback."""
    assert outputs.code == 1, outputs.stderr
    assert "Traceback" not in outputs.stderr
    assert outputs.stdout.startswith("NO-GO: ")
    assert "\ndemo 1.0.0 is not ready for " in outputs.stdout


def test_terminal_shows_control_characters_visibly_escaped(outputs: Outputs) -> None:
    """ANSI/OSC escapes, C1, DEL, bidi overrides and line separators from evidence reach stdout
    as visible escapes (`\\x1b`), never as the characters themselves."""
    for char in RAW_CONTROLS:
        assert char not in outputs.stdout, repr(char)
    assert r"/a\x1b]0;pwned\x07\x1b[2J\x1b[31m\n::error title=pwned" in outputs.stdout
    assert r"\u202eexe.txt\u2066\x85\x7f\u2028end" in outputs.stdout


def test_no_evidence_text_starts_a_workflow_command_in_the_ci_log(outputs: Outputs) -> None:
    """Only readiness's own annotations start a line with `::` (after any whitespace, as the
    runner reads it); no line holds a version-1 `##[` command anywhere."""
    lines = outputs.stdout.split("\n")
    commands = [ln for ln in lines if ln.lstrip().startswith("::")]
    assert commands, "the failing criteria must be annotated"
    for line in commands:
        assert ANNOTATION.fullmatch(line), line
    assert not [ln for ln in lines if "##[" in ln]
    assert "\r" not in outputs.stdout


def test_annotations_carry_the_hostile_text_escaped(outputs: Outputs) -> None:
    """The sign-off's annotation holds its text with newlines as %0A (GitHub's escaping) and
    control characters visibly escaped; the line cannot end early or start another command."""
    signoffs = [
        ln for ln in outputs.stdout.split("\n") if ln.startswith("::warning") and "Eve" in ln
    ]
    assert signoffs
    for line in signoffs:
        assert r"/a\x1b]0;pwned\x07\x1b[2J\x1b[31m%0A::error title=pwned::injected%0A" in line
        assert "%0A##\\[warning]v1" in line


def _tables_keep_their_columns(text: str) -> None:
    columns = 0
    for line in text.split("\n"):
        if not line.startswith("|"):
            columns = 0
            continue
        cells = len(re.findall(r"(?<!\\)\|", line))
        columns = columns or cells
        assert cells == columns, line


@pytest.mark.parametrize("name", ["LAUNCH_NOTES.md", "report.md", "summary"])
def test_markdown_sinks_neutralise_evidence_alike(outputs: Outputs, name: str) -> None:
    """The launch notes, report.md and the step summary: no raw HTML, link, code span, table
    break, @mention or #issue reference from evidence, and no raw control character."""
    text = outputs.summary if name == "summary" else (outputs.reports / name).read_text("utf-8")
    # the hostile text is there, escaped: an endpoint name in the summaries; in the notes,
    # which name no metric for their readers, the sign-off's name and comment
    shown = "/a\\\\x1b\\]0;pwned" if name == "LAUNCH_NOTES.md" else "/b &lt;script&gt;"
    assert shown in text
    assert "<script" not in text
    assert not re.search(r"(?<!\\)\]\(javascript:", text)
    assert "@admin" not in text and "@\u200badmin" in text
    assert "#123" not in text and "#\u200b123" in text
    assert not re.search(r"(?<!\\)`x", text)
    for char in RAW_CONTROLS:
        assert char not in text, repr(char)
    _tables_keep_their_columns(text)


def test_html_report_keeps_hostile_names_inert(outputs: Outputs) -> None:
    """In the HTML report the same strings are inert: no raw `<script` but the report's own
    constant one (the only one its CSP allows), no `javascript:` link, no raw control or bidi
    character."""
    from readiness.render import html

    page = (outputs.reports / "report.html").read_text(encoding="utf-8")
    assert "/b &lt;script&gt;" in page
    own = f"<script>{html.script()}</script>"
    assert page.count(own) == 1
    assert "<script" not in page.replace(own, "").lower()
    assert not re.search(r"""href\s*=\s*["']?\s*javascript:""", page, re.IGNORECASE)
    for char in RAW_CONTROLS:
        assert char not in page, repr(char)


def test_metrics_listing_and_error_lines_escape_evidence_text(tmp_path: Path) -> None:
    """`readiness metrics` prints endpoint names through the same terminal escaping, and an
    error message quoting a hostile value cannot start a workflow command or emit an escape."""
    write_hostile_project(tmp_path)
    listed = invoke(["metrics", "definitions/d.yaml"], tmp_path)
    assert listed.code == 0, listed.err
    assert r"/a\x1b]0;pwned\x07" in listed.out
    with (tmp_path / "definitions/d.yaml").open("a", encoding="utf-8") as fh:
        fh.write('"k\\e]0;t\\a\\n::error::x": 1\n')  # an unknown key, quoted in the error
    broken = invoke(["evaluate", "definitions/d.yaml"], tmp_path)
    assert broken.code != 0
    assert r"k\x1b]0;t\x07" in broken.err
    for out in (listed.out, listed.err, broken.out, broken.err):
        assert "\x1b" not in out
        assert not [ln for ln in out.split("\n") if ln.lstrip().startswith("::")], out
