"""Hostile inputs across every reader: huge tokens, deep nesting, values that do not fit.

Each reader must answer in time linear in its input and with a located one-line error, never a
traceback, a hang or a leak. Cost tests run under `deadline`, a SIGALRM guard far above what
linear code needs and far below what the quadratic behaviour it guards against takes, so a
regression fails instead of hanging; no wall-clock duration is asserted.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import pytest

from readiness.errors import EvidenceError
from readiness.evidence.junit import JUnitAdapter, JUnitParams
from readiness.evidence.records import TestRun

MB = 1024 * 1024


class Overtime(Exception):
    """Raised by the SIGALRM handler of `deadline`."""


@contextmanager
def deadline(seconds: int) -> Iterator[None]:
    """Fail with Overtime if the body runs longer than `seconds` (a hang guard, not a timer)."""

    def expire(_signum: int, _frame: FrameType | None) -> None:
        raise Overtime(f"still running after {seconds} s: cost is not linear")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def read_junit(path: Path) -> TestRun:
    return JUnitAdapter().read([path], {path: path.name}, JUnitParams())


# --- JUnit XML ------------------------------------------------------------------------------


def test_junit_8mb_attribute_is_read_in_linear_time(tmp_path: Path) -> None:
    """An 8 MB attribute (expat reparsed it quadratically: ~30 s) is read well within 10 s."""
    f = tmp_path / "big-attr.xml"
    f.write_bytes(
        b'<testsuite><testcase classname="c" name="a"><failure message="'
        + b"x" * (8 * MB)
        + b'"/></testcase></testsuite>'
    )
    with deadline(10):
        run = read_junit(f)
    assert run.failed == 1
    assert len(run.problems[0].message) <= 500


def test_junit_20mb_attribute_is_refused_quickly(tmp_path: Path) -> None:
    """A 20 MB attribute (over 4 minutes with expat) is refused with a clear error in seconds."""
    f = tmp_path / "huge-attr.xml"
    f.write_bytes(b'<testsuite><testcase name="' + b"x" * (20 * MB) + b'"/></testsuite>')
    with deadline(10), pytest.raises(EvidenceError, match="larger than") as info:
        read_junit(f)
    assert "huge-attr.xml:1" in str(info.value)


def test_junit_20mb_text_node_is_read_in_linear_time(tmp_path: Path) -> None:
    """A 20 MB failure text is read (only its first line is kept) within the guard."""
    f = tmp_path / "big-text.xml"
    f.write_bytes(
        b'<testsuite><testcase name="a"><failure>boom\n'
        + b"y" * (20 * MB)
        + b"</failure></testcase></testsuite>"
    )
    with deadline(10):
        run = read_junit(f)
    assert run.problems[0].message == "boom"


def test_junit_deep_nesting_is_refused(tmp_path: Path) -> None:
    """100,000 nested elements: a clear error naming the depth limit, no recursion crash."""
    f = tmp_path / "deep.xml"
    f.write_bytes(b"<testsuite>" + b"<x>" * 100_000 + b"</x>" * 100_000 + b"</testsuite>")
    with deadline(10), pytest.raises(EvidenceError, match="nested deeper than"):
        read_junit(f)


# --- JSON evidence: scanners, SARIF, sign-offs, VEX -----------------------------------------

# One minimal valid document per JSON reader, written so that `"results": [finding]` followed by
# a duplicate `"results": []` (or the reader's equivalent) would hide a finding if last-wins.
FINDING_DOCS: dict[str, tuple[str, str]] = {
    "bandit": (
        '{"results": [{"test_id": "B602", "issue_severity": "HIGH", "filename": "a.py"}],'
        ' "results": []}',
        "results",
    ),
    "pip-audit": (
        '{"dependencies": [{"name": "a", "version": "1", "vulns": [{"id": "PYSEC-1"}],'
        ' "vulns": []}]}',
        "vulns",
    ),
    "trivy": (
        '{"SchemaVersion": 2, "Results": [{"Target": "t", "Vulnerabilities": [{"VulnerabilityID":'
        ' "CVE-1", "PkgName": "p", "Severity": "HIGH"}], "Vulnerabilities": []}]}',
        "Vulnerabilities",
    ),
    "gitleaks": (
        '[{"RuleID": "aws", "File": "a.py", "RuleID": "aws-2"}]',
        "RuleID",
    ),
    "semgrep": (
        '{"results": [{"check_id": "r", "path": "a.py", "extra": {"severity": "ERROR"}}],'
        ' "results": [], "paths": {"scanned": ["a.py"]}}',
        "results",
    ),
    "zap": (
        '{"site": [{"@name": "s", "alerts": [{"pluginid": "1", "riskcode": "3"}], "alerts": []}]}',
        "alerts",
    ),
}
DEEP_JSON_KINDS = [*sorted(FINDING_DOCS), "sarif"]


def read_kind(kind: str, path: Path) -> object:
    from readiness.evidence import registry

    adapter = registry.get(kind)
    return adapter.read([path], {path: path.name}, adapter.Params.model_validate({}))


@pytest.mark.parametrize("kind", sorted(FINDING_DOCS))
def test_duplicate_json_keys_are_refused(kind: str, tmp_path: Path) -> None:
    """A duplicate key (last-wins would hide a finding) is an error naming the key and file."""
    text, key = FINDING_DOCS[kind]
    f = tmp_path / f"{kind}.json"
    f.write_text(text)
    with pytest.raises(EvidenceError, match=f'duplicate key "{key}"') as info:
        read_kind(kind, f)
    assert f"{kind}.json" in str(info.value)


def test_duplicate_keys_in_signoff_json_and_vex_are_refused(tmp_path: Path) -> None:
    """Sign-off JSON (a reject hidden by a later approve) and VEX refuse duplicate keys too."""
    from readiness.evidence.signoffs import parse_records
    from readiness.vex import statements

    signoffs = tmp_path / "signoffs.json"
    signoffs.write_text(
        '{"role": "qa", "name": "A", "decision": "reject", "decision": "approve",'
        ' "date": "2026-01-01", "version": "1"}'
    )
    with pytest.raises(EvidenceError, match='duplicate key "decision"'):
        parse_records(signoffs, "signoffs.json")
    vex = tmp_path / "vex.json"
    vex.write_text(
        '{"bomFormat": "CycloneDX", "vulnerabilities": [{"id": "CVE-1", "analysis":'
        ' {"state": "exploitable", "state": "not_affected"}}]}'
    )
    with pytest.raises(EvidenceError, match='duplicate key "state"'):
        statements(vex, "vex.json")


def test_sarif_keeps_last_wins_for_speed(tmp_path: Path) -> None:
    """SARIF does not pay for the duplicate-key check (documented in the sarif module)."""
    f = tmp_path / "log.sarif"
    f.write_text(
        '{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}},'
        ' "results": [{"ruleId": "r", "level": "error"}], "results": []}]}'
    )
    assert read_kind("sarif", f) is not None


@pytest.mark.parametrize("kind", DEEP_JSON_KINDS)
def test_deeply_nested_json_is_a_clear_error(kind: str, tmp_path: Path) -> None:
    """100,000 nested arrays: a one-line evidence error, never a RecursionError."""
    f = tmp_path / f"{kind}.json"
    f.write_text("[" * 100_000 + "]" * 100_000)
    with deadline(10), pytest.raises(EvidenceError, match="nested too deeply"):
        read_kind(kind, f)


def test_deeply_nested_signoff_and_vex_json_is_a_clear_error(tmp_path: Path) -> None:
    """The sign-off and VEX readers answer deep nesting with an evidence error too."""
    from readiness.evidence.signoffs import parse_records
    from readiness.vex import statements

    f = tmp_path / "deep.json"
    f.write_text('{"a":' * 100_000 + "1" + "}" * 100_000)
    with pytest.raises(EvidenceError, match="nested too deeply"):
        parse_records(f, "deep.json")
    with pytest.raises(EvidenceError, match="nested too deeply"):
        statements(f, "deep.json")


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        (
            "zap",
            '{"site": [{"alerts": [{"pluginid": "1", "riskcode": "%s"}]}]}' % ("9" * 5000),
            "out of range",
        ),
        (
            "zap",
            '{"site": [{"alerts": [{"pluginid": "%s", "riskcode": "1"}]}]}' % ("9" * 400),
            "out of range",
        ),
        (
            "gitleaks",
            '[{"RuleID": "r", "File": "f", "StartLine": %s}]' % ("9" * 400),
            "out of range",
        ),
        (
            "gitleaks",
            '[{"RuleID": "r", "File": "f", "StartLine": %s}]' % ("9" * 5000),
            "invalid JSON",
        ),
        ("gitleaks", '[{"RuleID": "r", "File": "f", "StartLine": -3}]', "non-negative"),
        ("bandit", '{"results": [], "metrics": {"_totals": {"nosec": NaN}}}', "invalid JSON"),
        (
            "sarif",
            '{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x", "rules": '
            '[{"id": "r", "properties": {"security-severity": 1e999}}]}}, "results": []}]}',
            "neither a score",
        ),
        (
            "sarif",
            '{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": '
            '[{"ruleId": "r", "locations": [{"physicalLocation": {"region": '
            '{"startLine": %s}}}]}]}]}' % ("9" * 400),
            "out of range",
        ),
    ],
)
def test_values_that_do_not_fit_are_located_errors(
    kind: str, text: str, expected: str, tmp_path: Path
) -> None:
    """Huge integers, NaN, infinity and negative counts: an evidence error, never a traceback."""
    f = tmp_path / f"{kind}.json"
    f.write_text(text)
    with pytest.raises(EvidenceError, match=expected) as info:
        read_kind(kind, f)
    assert f"{kind}.json" in str(info.value)
    assert len(str(info.value)) < 300


def test_gitleaks_errors_never_echo_the_secret(tmp_path: Path) -> None:
    """A malformed gitleaks field holding the secret is redacted from the error."""
    f = tmp_path / "leaks.json"
    f.write_text('[{"RuleID": "aws", "File": "a.py", "StartLine": "AKIAIOSFODNN7EXAMPLE"}]')
    with pytest.raises(EvidenceError, match="StartLine") as info:
        read_kind("gitleaks", f)
    assert "AKIA" not in str(info.value)
    assert "redacted" in str(info.value)


def test_trivy_secret_errors_never_echo_the_secret(tmp_path: Path) -> None:
    """A Trivy secret finding with a malformed field does not echo its value."""
    f = tmp_path / "trivy.json"
    f.write_text(
        '{"SchemaVersion": 2, "Results": [{"Target": "t", "Secrets": [{"RuleID": "aws",'
        ' "Severity": "AKIAIOSFODNN7EXAMPLE"}]}]}'
    )
    with pytest.raises(EvidenceError, match="Severity") as info:
        read_kind("trivy", f)
    assert "AKIA" not in str(info.value)


def test_quoted_values_are_capped(tmp_path: Path) -> None:
    """A 10,000-character bad value is quoted shortened, not whole."""
    f = tmp_path / "semgrep.json"
    f.write_text(
        '{"results": [{"check_id": "r", "path": "a", "extra": {"severity": "%s"}}]}'
        % ("X" * 10_000)
    )
    with pytest.raises(EvidenceError, match="not a Semgrep severity") as info:
        read_kind("semgrep", f)
    assert len(str(info.value)) < 300


# --- YAML definitions and sign-offs ---------------------------------------------------------


def test_yaml_deep_flow_nesting_is_a_located_error(tmp_path: Path) -> None:
    """5,000 nested `[` in a definition: a DefinitionError with file and line, no traceback."""
    from readiness.errors import DefinitionError
    from readiness.yamlio import load_text

    with pytest.raises(DefinitionError, match=r"deep\.yaml:1: .*nested deeper than"):
        load_text("a: " + "[" * 5000 + "]" * 5000 + "\n", "deep.yaml")


def test_yaml_deep_block_nesting_is_a_located_error() -> None:
    """Deep block nesting (indentation) is refused the same way."""
    from readiness.errors import DefinitionError
    from readiness.yamlio import load_text

    text = "".join(" " * i + f"k{i}:\n" for i in range(2000)) + " " * 2000 + "v: 1\n"
    with pytest.raises(DefinitionError, match="nested deeper than"):
        load_text(text, "deep.yaml")


@pytest.mark.parametrize("value", ["2026-02-30", "0000-01-01", "9" * 5000, "2026-13-01 10:00:00"])
def test_yaml_values_that_do_not_fit_are_located_errors(value: str) -> None:
    """An impossible date or a 5,000-digit integer is a located DefinitionError."""
    from readiness.errors import DefinitionError
    from readiness.yamlio import load_text

    with pytest.raises(DefinitionError, match=r"f\.yaml:2: ") as info:
        load_text(f"schema: 1\nexpires: {value}\n", "f.yaml")
    assert len(str(info.value)) < 300


def test_signoff_yaml_with_impossible_date_is_an_evidence_error(tmp_path: Path) -> None:
    """`date: 2026-02-30` in a sign-off file is an evidence error, not a crash."""
    from readiness.evidence.signoffs import parse_records

    f = tmp_path / "signoffs.yaml"
    f.write_text("role: qa\nname: A\ndecision: approve\ndate: 2026-02-30\nversion: '1'\n")
    with pytest.raises(EvidenceError, match=r"signoffs\.yaml"):
        parse_records(f, "signoffs.yaml")


def test_10000_unknown_keys_are_located_in_linear_time(tmp_path: Path) -> None:
    """Locating 10,000 problems in one file indexes the node tree once, not per problem."""
    from readiness.yamlio import load_text

    text = "".join(f"key{i}: {i}\n" for i in range(10_000))
    doc = load_text(text, "many.yaml")
    with deadline(20):  # quadratic lookups take minutes; linear ones ~1 s, traced, on a busy core
        lines = [doc.line_of((f"key{i}",)) for i in range(10_000)]
    assert lines == list(range(1, 10_001))


def test_definition_with_10000_unknown_keys_reports_them_quickly(tmp_path: Path) -> None:
    """The real path: a gate with 10,000 unknown keys is refused, every problem located."""
    from helpers import Project, make_standard
    from readiness.definition import load_project
    from readiness.errors import DefinitionError

    project = make_standard(Project(tmp_path))
    gate = project.root / "gates" / "tests.yaml"
    gate.write_text(gate.read_text() + "".join(f"junk{i}: {i}\n" for i in range(10_000)))
    with deadline(60), pytest.raises(DefinitionError) as info:
        load_project(project.root / "definitions" / "demo.yaml")
    assert any("junk9999" in p for p in info.value.problems)


@pytest.mark.parametrize("char", ["\x07", "\x1b", "\x00"])
def test_a_control_character_in_yaml_is_located_by_line(char: str) -> None:
    """A control character (a bell, an escape, a NUL) on line 3 is refused naming the file and
    that line, and the message carries no raw control character itself."""
    from readiness.errors import DefinitionError
    from readiness.yamlio import load_text

    with pytest.raises(DefinitionError) as info:
        load_text(f"schema: 1\nrelease: demo\ntitle: 'x{char}y'\n", "ctl.yaml")
    message = str(info.value)
    assert message.startswith("ctl.yaml:3: unacceptable character"), message
    assert char not in message
