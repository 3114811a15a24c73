"""The SARIF adapter: rule resolution, severities, triage states, fail-closed runs, redaction."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from helpers import FIXTURES, REPO
from readiness.errors import EvidenceError
from readiness.evidence import _json
from readiness.evidence.records import Findings
from readiness.evidence.sarif import SarifAdapter, SarifParams

SARIF = FIXTURES / "security" / "sarif"


def read(*paths: Path, **options: Any) -> Findings:
    files = list(paths)
    return SarifAdapter().read(files, {p: p.name for p in files}, SarifParams(**options))


def write(tmp_path: Path, log: Any, name: str = "scan.sarif") -> Path:
    path = tmp_path / name
    path.write_text(log if isinstance(log, str) else json.dumps(log), encoding="utf-8")
    return path


def run_with(results: list[Any], rules: list[Any] | None = None, **run: Any) -> dict[str, Any]:
    """A minimal SARIF log with one run."""
    driver: dict[str, Any] = {"name": "Tool", "rules": rules or []}
    return {"version": "2.1.0", "runs": [{"tool": {"driver": driver}, "results": results, **run}]}


def by_location(record: Findings) -> dict[str, Any]:
    return {f.location: f for f in record.findings}


def test_extension_rules_overrides_and_security_severity() -> None:
    """Rules in tool.extensions are found by rule.index/toolComponent, ruleIndex and hierarchical
    ruleId; security-severity wins over any level; overrides change a rule's default level."""
    found = by_location(read(SARIF / "extensions.sarif"))
    assert found["rebate/api.py:42"].severity == "high"  # security-severity 8.8
    # explicit level note, but the rule's security-severity 7.5 wins; artifact given by index
    assert found["rebate/ledger.py:88"].severity == "high"
    assert found["rebate/ledger.py:88"].rule == "py/clear-text-logging-sensitive-data"
    # default note, raised to error by ruleConfigurationOverrides (no security-severity)
    assert found["rebate/ledger.py:3"].severity == "high"
    # default warning, lowered to note by an override naming the extension
    assert found["rebate/ledger.py:120"].severity == "low"
    # "py/redos/1" is a hierarchical id of rule "py/redos" (security-severity 9.1)
    assert found["rebate/api.py:17"].severity == "critical"
    assert found["rebate/api.py:17"].rule == "py/redos/1"
    assert {f.tool for f in found.values()} == {"CodeQL"}


def test_triage_states_kinds_and_suppressions() -> None:
    """baselineState absent drops a result, unchanged is not new; a suppression counts unless one
    is underReview or rejected; pass/notApplicable/informational are not findings; open/review
    are info findings; no level anywhere means warning (medium); level none means info."""
    record = read(SARIF / "triage.sarif")
    found = by_location(record)
    assert "matching/legacy.py:5" not in found  # baselineState: absent
    assert found["matching/book.py:10"].new is True
    assert found["matching/book.py:20"].new is False  # unchanged
    assert found["matching/book.py:30"].new is True  # updated
    assert found["matching/book.py:10"].severity == "medium"  # rule has no default level
    assert found["rebate/ledger.py:40"].suppressed is True  # inSource, no status = accepted
    assert found["rebate/ledger.py:50"].suppressed is False  # one underReview
    assert found["rebate/ledger.py:60"].suppressed is False  # rejected
    assert found["rebate/ledger.py:70"].suppressed is False  # empty suppressions list
    assert found["rebate/ledger.py:80"].severity == "info"  # level none
    assert found["matching/quotes.py:7"].severity == "info"  # kind review
    assert found["matching/quotes.py:9"].severity == "info"  # kind open
    assert len(record.findings) == 10
    assert record.extra_counts == {"baseline-absent": 1, "non-failures": 3, "needs-review": 2}
    assert any("need a human review" in w for w in record.warnings)


def test_message_strings_and_fingerprint_sources() -> None:
    """A message given by id is formatted from the rule's messageStrings; fingerprints come from
    `fingerprints`, else correlationGuid, else a hash that differs per location."""
    found = by_location(read(SARIF / "triage.sarif"))
    assert found["rebate/ledger.py:40"].title.startswith("'rebate_total' holds money in a float")
    assert found["matching/book.py:10"].fingerprint == "fp-new"
    assert found["rebate/ledger.py:40"].fingerprint == "7f9c2ba4-e88f-4c3a-9d1b-2c1c55a1b001"
    hashed = found["rebate/ledger.py:50"].fingerprint
    assert len(hashed) == 32
    assert hashed != found["rebate/ledger.py:60"].fingerprint


@pytest.mark.parametrize(
    ("score", "severity"),
    [
        ("10.0", "critical"),
        ("9.0", "critical"),
        ("8.9", "high"),
        ("7.0", "high"),
        ("6.9", "medium"),
        ("4.0", "medium"),
        ("3.9", "low"),
        ("0.1", "low"),
        ("0.0", "info"),
        (9.8, "critical"),
        ("HIGH", "high"),
        ("moderate", "medium"),
    ],
)
def test_security_severity_bands(tmp_path: Path, score: Any, severity: str) -> None:
    """security-severity uses GitHub's bands (inclusive lower bounds) or a severity word, and
    wins over the level (here `note`)."""
    rules = [{"id": "R1", "properties": {"security-severity": score}}]
    result = {"ruleId": "R1", "ruleIndex": 0, "level": "note", "message": {"text": "m"}}
    record = read(write(tmp_path, run_with([result], rules)))
    assert record.findings[0].severity == severity


@pytest.mark.parametrize(
    ("level", "severity"),
    [("error", "high"), ("warning", "medium"), ("note", "low"), ("none", "info"), (None, "medium")],
)
def test_level_mapping_without_security_severity(
    tmp_path: Path, level: str | None, severity: str
) -> None:
    """Without security-severity: error → high, warning → medium, note → low, none → info, and
    no level at all (no rule default either) → warning → medium."""
    result: dict[str, Any] = {"ruleId": "X1", "message": {"text": "m"}}
    if level is not None:
        result["level"] = level
    assert read(write(tmp_path, run_with([result]))).findings[0].severity == severity


def test_result_security_severity_overrides_rule(tmp_path: Path) -> None:
    """A security-severity on the result itself is more specific than the rule's."""
    rules = [{"id": "R1", "properties": {"security-severity": "9.5"}}]
    result = {"ruleId": "R1", "properties": {"security-severity": "2.0"}, "message": {"text": "m"}}
    assert read(write(tmp_path, run_with([result], rules))).findings[0].severity == "low"


@pytest.mark.parametrize("score", ["banana", "11", "-1", "NaN", True, []])
def test_invalid_security_severity_is_an_error(tmp_path: Path, score: Any) -> None:
    """A security-severity that is neither a 0-10 score nor a severity word is a format error."""
    rules = [{"id": "R1", "properties": {"security-severity": score}}]
    path = write(tmp_path, run_with([{"ruleId": "R1", "message": {"text": "m"}}], rules))
    with pytest.raises(EvidenceError, match="security-severity") as info:
        read(path)
    assert info.value.path == "scan.sarif"


def test_failed_invocation_fails_closed() -> None:
    """executionSuccessful false is a failed scan: an error naming the file and the tool's
    notification, never zero findings."""
    with pytest.raises(EvidenceError) as info:
        read(SARIF / "failed-invocation.sarif")
    assert info.value.path == "failed-invocation.sarif"
    assert "did not complete" in str(info.value)
    assert "did not detect any code" in str(info.value)


def test_semgrep_rule_error_with_no_results_fails_closed() -> None:
    """Semgrep reports a rule that failed to parse as an error notification with
    executionSuccessful true and no results (recorded from semgrep 1.185): a failed scan."""
    with pytest.raises(EvidenceError, match="the scan failed") as info:
        read(SARIF / "semgrep-failed.sarif")
    assert "Rule parse error" in str(info.value)


def test_error_notifications_with_results_are_warnings(tmp_path: Path) -> None:
    """Error-level notifications beside results become a warning, and the files they name are
    listed as skipped."""
    note = {
        "level": "error",
        "message": {"text": "could not parse"},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": "src/bad.py"}}}],
    }
    log = run_with(
        [{"ruleId": "X1", "message": {"text": "m"}}],
        invocations=[{"executionSuccessful": True, "toolExecutionNotifications": [note]}],
    )
    record = read(write(tmp_path, log))
    assert record.skipped == ("src/bad.py: could not parse",)
    assert record.warnings == (
        "scan.sarif: 1 error-level tool notification (src/bad.py: could not parse)",
    )


def test_trivy_sarif_without_invocations() -> None:
    """Trivy writes no invocations (absent is not a failure); its package, installed and fixed
    versions come from the message; UNKNOWN (score 0.0) takes the unknown-severity option; the
    same CVE in two lockfiles gives two findings with distinct fingerprints."""
    record = read(SARIF / "trivy.sarif")
    rules = [(f.rule, f.location, f.severity) for f in record.findings]
    assert rules[0] == ("CVE-2023-45853", "zlib1g@1:1.2.13.dfsg-1", "critical")  # score 9.8
    assert rules[3] == ("CVE-2024-99999", "libexample1@0.9.1-2", "high")
    urllib = [f for f in record.findings if f.package == "urllib3"]
    assert [f.fixed_version for f in urllib] == ["2.0.6, 1.26.17"] * 2
    assert urllib[0].fingerprint != urllib[1].fingerprint
    assert record.findings[0].title.startswith("zlib: integer overflow")
    assert read(SARIF / "trivy.sarif", unknown_severity="low").findings[3].severity == "low"


def test_trivy_sarif_secret_is_not_copied() -> None:
    """A Trivy secret result's message, rule description and help quote the match: only the
    rule's short description becomes the title, and the secret appears nowhere in the record."""
    record = read(SARIF / "trivy.sarif")
    secret = record.findings[4]
    assert (secret.rule, secret.severity, secret.location) == (
        "aws-access-key-id",
        "critical",
        "deploy/env.sh:3",
    )
    assert secret.title == "AWS Access Key ID"
    assert "AKIAIOSFODNN7EXAMPLE" not in repr(record)


def test_gitleaks_sarif_redacts_snippets() -> None:
    """gitleaks puts the secret in region.snippet: it is never copied; every leak is critical;
    partialFingerprints (commit, author) are hashed with rule and location, not shown."""
    record = read(SARIF / "gitleaks.sarif")
    assert [f.severity for f in record.findings] == ["critical", "critical"]
    assert [f.location for f in record.findings] == ["config/exchange.env:4", "ops/alerts.py:12"]
    text = repr(record)
    assert "q9XvT2kLm8RsY4wPz7NbC3dFh6JtG1eA" not in text
    assert "hooks.slack.com" not in text
    assert "dev@example.com" not in text
    assert record.findings[0].fingerprint != record.findings[1].fingerprint


def test_snippet_quoted_in_message_is_not_copied(tmp_path: Path) -> None:
    """For any tool, a message that quotes the region's snippet is replaced by the rule's title."""
    rules = [{"id": "K1", "shortDescription": {"text": "Hard-coded key"}}]
    region = {"startLine": 3, "snippet": {"text": "tok_live_51Habcdef"}}
    result = {
        "ruleId": "K1",
        "message": {"text": "Key tok_live_51Habcdef found"},
        "locations": [
            {"physicalLocation": {"artifactLocation": {"uri": "a.py"}, "region": region}}
        ],
    }
    record = read(write(tmp_path, run_with([result], rules)))
    assert record.findings[0].title == "Hard-coded key"
    assert "tok_live" not in repr(record)


def test_semgrep_placeholder_fingerprints_are_replaced() -> None:
    """Semgrep CE writes the fingerprint "requires login" for every result: it is ignored and
    each result gets its own hash; rules are found by ruleId with their default level."""
    record = read(REPO / "examples" / "scans" / "semgrep.sarif")
    prints = [f.fingerprint for f in record.findings]
    assert "requires login" not in prints
    assert len(set(prints)) == len(prints) == 4
    assert {f.rule: f.severity for f in record.findings}["insecure-hash-md5"] == "low"


def test_file_uris_become_paths(tmp_path: Path) -> None:
    """`file:` URIs (Bandit SARIF on an absolute target) are read as plain, unquoted paths."""
    phys = {"artifactLocation": {"uri": "file:///srv/app/my%20mod.py"}, "region": {"startLine": 2}}
    result = {"ruleId": "A", "locations": [{"physicalLocation": phys}]}
    assert read(write(tmp_path, run_with([result]))).findings[0].location == "/srv/app/my mod.py:2"


def test_several_files_merge_in_order(tmp_path: Path) -> None:
    """Several files make one record: tool named by the first, findings in file order, warnings
    prefixed with their file."""
    first = write(tmp_path, run_with([{"ruleId": "A", "message": {"text": "a"}}]), "a.sarif")
    log = run_with([{"ruleId": "B", "kind": "review", "message": {"text": "b"}}])
    log["runs"][0]["tool"]["driver"]["name"] = "Other"
    second = write(tmp_path, log, "b.sarif")
    record = read(first, second)
    assert record.tool == "Tool"
    assert [(f.tool, f.rule) for f in record.findings] == [("Tool", "A"), ("Other", "B")]
    assert record.warnings[0].startswith("b.sarif: ")


def test_several_runs_are_all_read(tmp_path: Path) -> None:
    """Every run of a log contributes; rule indexes are per run."""
    log = run_with([{"ruleIndex": 0, "message": {"text": "a"}}], [{"id": "A"}])
    log["runs"].append(dict(log["runs"][0], results=[{"ruleIndex": 0}]))
    log["runs"][1]["tool"] = {"driver": {"name": "Two", "rules": [{"id": "B"}]}}
    record = read(write(tmp_path, log))
    assert [(f.tool, f.rule) for f in record.findings] == [("Tool", "A"), ("Two", "B")]


MALFORMED = [
    ("", "empty file"),
    ("   \n", "empty file"),
    ('{"version": "2.1.0", "runs": [{"tool": ', "truncated JSON"),
    ('{"version": "2.1.0",, "runs": []}', "invalid JSON"),
    ("[]", "a SARIF log must be a JSON object (got an array)"),
    ('{"runs": []}', 'no "version"'),
    ('{"version": "2.0.0", "runs": []}', "unsupported SARIF version '2.0.0'"),
    ('{"version": "2.1.0"}', 'no "runs"'),
    ('{"version": "2.1.0", "runs": {}}', "runs must be a list (got an object)"),
    ('{"version": "2.1.0", "runs": []}', "runs is empty"),
    ('{"version": "2.1.0", "runs": ["x"]}', "runs[0] must be an object"),
    ('{"version": "2.1.0", "runs": [{"results": []}]}', "runs[0].tool must be an object"),
    ('{"version": "2.1.0", "runs": [{"tool": {"driver": {}}}]}', "has no results"),
    (
        '{"version": "2.1.0", "runs": [{"tool": {"driver": {}}, "results": null}]}',
        "has no results",
    ),
    (
        '{"version": "2.1.0", "runs": [{"tool": {"driver": {}}, "results": "none"}]}',
        "runs[0].results must be a list (got a string)",
    ),
    (
        '{"version": "2.1.0", "runs": [{"tool": {"driver": {}}, "results": [{}, 3]}]}',
        "runs[0].results[1] is not an object",
    ),
    ('{"version": "2.1.0", "runs": [], "x": NaN}', "NaN is not valid JSON"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
]


@pytest.mark.parametrize(("content", "message"), MALFORMED)
def test_malformed_logs_are_errors_naming_the_file(
    tmp_path: Path, content: str, message: str
) -> None:
    """Empty, truncated, invalid or wrongly shaped logs raise EvidenceError naming the file:
    never zero findings."""
    with pytest.raises(EvidenceError) as info:
        read(write(tmp_path, content))
    assert info.value.path == "scan.sarif"
    assert str(info.value).startswith("scan.sarif")
    assert message in str(info.value)


def test_truncated_json_gives_the_line(tmp_path: Path) -> None:
    """A JSON syntax error reports the line the parser stopped at."""
    path = write(tmp_path, '{\n  "version": "2.1.0",\n  "runs": [\n    {"tool": }\n')
    with pytest.raises(EvidenceError) as info:
        read(path)
    assert info.value.line == 4
    assert str(info.value).startswith("scan.sarif:4: ")


BAD_RESULTS: list[tuple[dict[str, Any], str]] = [
    ({"ruleId": "A", "level": "fatal"}, "level 'fatal'"),
    ({"ruleId": "A", "kind": "broken"}, "kind 'broken'"),
    ({"ruleId": "A", "kind": ["fail"]}, "kind ['fail']"),
    ({"ruleIndex": 5}, "ruleIndex 5 is out of range (1 rules)"),
    ({"ruleIndex": "0"}, "ruleIndex '0' is out of range"),
    ({"ruleId": 7}, "ruleId must be a string"),
    ({"ruleId": "A", "baselineState": "gone"}, "baselineState 'gone'"),
    ({"ruleId": "A", "suppressions": [{"status": "maybe"}]}, "status 'maybe'"),
    ({"ruleId": "A", "suppressions": "yes"}, "suppressions must be a list"),
    ({"ruleId": "A", "message": "text"}, "message must be an object"),
    ({"ruleIndex": 0, "message": {"id": "m", "arguments": 3}}, "arguments must be a list"),
    ({"ruleId": "A", "locations": {"uri": "x"}}, "locations must be a list"),
    ({"ruleId": "A", "fingerprints": ["x"]}, "fingerprints must be an object"),
    ({"ruleId": "A", "rule": {"index": 9}}, "rule.index 9 is out of range"),
    ({"ruleId": "A", "rule": {"toolComponent": {"index": 3}}}, "names no extension"),
    (
        {
            "ruleId": "A",
            "locations": [{"physicalLocation": {"region": {"startLine": "12"}}}],
        },
        "startLine must be a positive integer",
    ),
]


@pytest.mark.parametrize(("result", "message"), BAD_RESULTS)
def test_malformed_results_are_errors(tmp_path: Path, result: dict[str, Any], message: str) -> None:
    """A result of the wrong shape is a format error located by its JSON path."""
    with pytest.raises(EvidenceError, match="runs\\[0\\]") as info:
        rules = [{"id": "A", "messageStrings": {"m": {"text": "{0}"}}}]
        read(write(tmp_path, run_with([result], rules)))
    assert message in str(info.value)


def test_non_boolean_execution_successful_is_an_error(tmp_path: Path) -> None:
    """executionSuccessful must be a boolean: "yes" is not taken as success."""
    log = run_with([], invocations=[{"executionSuccessful": "yes"}])
    with pytest.raises(EvidenceError, match="executionSuccessful must be true or false"):
        read(write(tmp_path, log))


def test_not_utf8_is_an_error(tmp_path: Path) -> None:
    """A file that is not UTF-8 (nor UTF-16/32 JSON) is an error, not a crash."""
    path = tmp_path / "scan.sarif"
    path.write_bytes(b'{"version": "2.1.0", "runs": ["\xff\xfe\xfa"]}')
    with pytest.raises(EvidenceError, match="not UTF-8 text"):
        read(path)


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    """A UTF-8 byte-order mark (written by some Windows tools) is tolerated."""
    path = tmp_path / "scan.sarif"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(run_with([{"ruleId": "A"}])).encode())
    assert read(path).findings[0].rule == "A"


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    """A file that vanished between the glob and the read is an error naming it."""
    with pytest.raises(EvidenceError, match="cannot read") as info:
        read(tmp_path / "gone.sarif")
    assert info.value.path == "gone.sarif"


def test_oversized_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file over the JSON size cap is refused before it is parsed."""
    monkeypatch.setattr(_json, "MAX_JSON_BYTES", 100)
    path = write(tmp_path, run_with([{"ruleId": "A", "message": {"text": "x" * 200}}]))
    with pytest.raises(EvidenceError, match="exceeds the 100-byte limit"):
        read(path)


def test_garbage_collector_is_restored_after_an_error(tmp_path: Path) -> None:
    """The collector paused while a log is parsed is enabled again even when the read fails."""
    import gc

    assert gc.isenabled()
    with pytest.raises(EvidenceError):
        read(write(tmp_path, "[]"))
    assert gc.isenabled()


def test_unknown_option_is_rejected() -> None:
    """The adapter's options are strict and spelled in kebab-case."""
    from pydantic import ValidationError

    assert SarifParams.model_validate({"unknown-severity": "low"}).unknown_severity == "low"
    with pytest.raises(ValidationError):
        SarifParams.model_validate({"unknown-severty": "low"})


def test_many_results_are_all_read_with_their_rules_severity(tmp_path: Path) -> None:
    """20,000 results over 50 rules are all read, each with its rule's severity (the cost of
    200,000 against the best parser is measured by `make bench`, not here)."""
    rules = [
        {
            "id": f"R{i}",
            "defaultConfiguration": {"level": "warning"},
            "properties": {"security-severity": "7.5"} if i % 2 else {},
        }
        for i in range(50)
    ]
    results = [
        {
            "ruleId": f"R{k % 50}",
            "ruleIndex": k % 50,
            "message": {"text": f"finding {k}"},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": f"src/m{k % 300}.py"},
                        "region": {"startLine": k % 1000 + 1},
                    }
                }
            ],
        }
        for k in range(20_000)
    ]
    found = read(write(tmp_path, run_with(results, rules))).findings
    assert len(found) == 20_000
    assert [f.rule for f in found[:3]] == ["R0", "R1", "R2"]
    assert found[0].location == "src/m0.py:1"
    # odd rules carry security-severity 7.5 (high); even ones fall back to their level, warning
    assert [f.severity for f in found[:4]] == ["medium", "high", "medium", "high"]
    assert sum(f.severity == "high" for f in found) == 10_000
