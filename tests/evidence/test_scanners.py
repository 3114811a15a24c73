"""The scanner adapters (Bandit, pip-audit, Trivy, gitleaks, Semgrep, ZAP) on real and faithful
outputs, their traps, and malformed files."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from helpers import FIXTURES, REPO, untraced_environ
from readiness.errors import EvidenceError
from readiness.evidence import registry
from readiness.evidence.records import SEVERITIES, Findings
from readiness.evidence.sarif import SarifAdapter, SarifParams
from readiness.evidence.scanners import (
    BanditAdapter,
    BanditParams,
    GitleaksAdapter,
    PipAuditAdapter,
    PipAuditParams,
    SemgrepAdapter,
    TrivyAdapter,
    TrivyParams,
    ZapAdapter,
)

SECURITY = FIXTURES / "security"
EXAMPLES = REPO / "examples" / "scans"
BANDIT = Path(sys.executable).parent / "bandit"
SCANNER_KINDS = ["bandit", "pip-audit", "trivy", "gitleaks", "semgrep", "zap"]


def read(kind: str, *paths: Path, **options: Any) -> Findings:
    adapter = registry.get(kind)
    files = list(paths)
    params = adapter.Params.model_validate(options)
    record = adapter.read(files, {p: p.name for p in files}, params)
    assert isinstance(record, Findings)
    return record


def write(tmp_path: Path, data: Any, name: str = "report.json") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


# --- Bandit, run for real -------------------------------------------------------------------

VULNERABLE = """\
import hashlib
import pickle
import subprocess

import yaml

DB_PASSWORD = "Tr4d1ng-Pa55word"


def report(name):
    return subprocess.call("make-report " + name, shell=True)


def load(text):
    return yaml.load(text)


def digest(payload):
    return hashlib.md5(payload).hexdigest()


def restore(blob):
    return pickle.loads(blob)


def quiet(cmd):
    return subprocess.call(cmd, shell=True)  # nosec


def quieter(cmd):
    return subprocess.call(cmd, shell=True)  # nosec B602
"""


def run_bandit(target: Path, out: Path, fmt: str) -> None:
    proc = subprocess.run(
        [str(BANDIT), "-q", "-r", target.name, "-f", fmt, "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        env=untraced_environ(),  # runs no readiness code
        cwd=target.parent,
        check=False,
    )
    assert proc.returncode in (0, 1), proc.stderr  # 1: issues found
    assert out.is_file(), proc.stderr


@pytest.fixture(scope="module")
def bandit_outputs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Real Bandit JSON and SARIF reports on a deliberately vulnerable tree."""
    work = tmp_path_factory.mktemp("bandit")
    src = work / "app"
    src.mkdir()
    (src / "vulnerable.py").write_text(VULNERABLE, encoding="utf-8")
    (src / "legacy.py").write_text("print 'python 2'\n", encoding="utf-8")  # cannot be parsed
    json_out, sarif_out = work / "bandit.json", work / "bandit.sarif"
    run_bandit(src, json_out, "json")
    run_bandit(src, sarif_out, "sarif")
    return json_out, sarif_out


@pytest.mark.slow
def test_bandit_json_and_sarif_agree(bandit_outputs: tuple[Path, Path]) -> None:
    """The same real scan read from Bandit's JSON and from its SARIF gives the same rules,
    severities, locations and fingerprints (Bandit SARIF writes no level for MEDIUM: warning
    → medium, as in JSON), the same nosec counts and the same unscannable file."""
    json_path, sarif_path = bandit_outputs
    from_json = read("bandit", json_path)
    from_sarif = SarifAdapter().read([sarif_path], {sarif_path: "bandit.sarif"}, SarifParams())

    def key(record: Findings) -> list[tuple[str, str, str, str]]:
        return sorted((f.rule, f.severity, f.location, f.fingerprint) for f in record.findings)

    assert key(from_json) == key(from_sarif)
    severities = {f.rule: f.severity for f in from_json.findings}
    assert severities["B602"] == "high"  # shell=True
    assert severities["B324"] == "high"  # md5
    assert severities["B506"] == "medium"  # yaml.load: MEDIUM, no level in SARIF
    assert severities["B105"] == "low"  # hardcoded password
    assert severities["B301"] == "medium"  # pickle
    assert sum(f.rule == "B602" for f in from_json.findings) == 1  # the nosec'd ones dropped
    for record in (from_json, from_sarif):
        assert record.extra_counts["nosec"] == 1
        assert record.extra_counts["nosec-skipped-tests"] == 1
        assert record.skipped == ("app/legacy.py: syntax error while parsing AST from file",)
        assert any("silenced by `# nosec`" in w for w in record.warnings)


@pytest.mark.slow
def test_bandit_password_is_redacted(bandit_outputs: tuple[Path, Path]) -> None:
    """Bandit quotes a hardcoded password in its message (B105): neither adapter copies it."""
    json_path, sarif_path = bandit_outputs
    from_json = read("bandit", json_path)
    from_sarif = SarifAdapter().read([sarif_path], {sarif_path: "bandit.sarif"}, SarifParams())
    for record in (from_json, from_sarif):
        assert "Tr4d1ng-Pa55word" not in repr(record)
        b105 = next(f for f in record.findings if f.rule == "B105")
        assert b105.title.startswith("Possible hardcoded password: '***'")


@pytest.mark.slow
def test_bandit_that_scanned_nothing_fails_closed(tmp_path: Path) -> None:
    """Bandit exits 0 with no results when every file fails to parse, or when pointed at a
    directory without Python: both report formats are then an error, never a clean scan."""
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "old.py").write_text("print 'x'\n", encoding="utf-8")
    empty = tmp_path / "empty"
    empty.mkdir()
    for target, reason in ((broken, "could not be scanned"), (empty, "no Python file")):
        for fmt in ("json", "sarif"):
            out = tmp_path / f"{target.name}.{fmt}"
            run_bandit(target, out, fmt)
            kind = "bandit" if fmt == "json" else "sarif"
            with pytest.raises(EvidenceError, match="Bandit analysed no file") as info:
                read(kind, out)
            assert reason in str(info.value)


def bandit_report(results: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    totals = {"loc": 10, "nosec": 0, "skipped_tests": 0}
    return {
        "errors": [],
        "generated_at": "2026-11-20T08:00:00Z",
        "metrics": {"./app/x.py": totals, "_totals": totals},
        "results": results,
        **extra,
    }


def bandit_result(test_id: str, severity: str, confidence: str = "HIGH") -> dict[str, Any]:
    return {
        "filename": "./app/x.py",
        "issue_confidence": confidence,
        "issue_severity": severity,
        "issue_text": "text",
        "line_number": 3,
        "test_id": test_id,
        "test_name": "name",
    }


def test_bandit_undefined_severity_and_min_confidence(tmp_path: Path) -> None:
    """UNDEFINED severity is info; findings below min-confidence are kept but suppressed (not
    counted), with a count and a warning."""
    results = [bandit_result("B101", "UNDEFINED"), bandit_result("B110", "LOW", "LOW")]
    path = write(tmp_path, bandit_report(results))
    assert [f.severity for f in read("bandit", path).findings] == ["info", "low"]
    record = read("bandit", path, **{"min-confidence": "medium"})
    assert [f.suppressed for f in record.findings] == [False, True]
    assert record.extra_counts["below-min-confidence"] == 1


@pytest.mark.parametrize(
    ("report", "message"),
    [
        ({"results": [bandit_result("B1", "SEVERE")]}, "issue_severity 'SEVERE'"),
        ({"results": [bandit_result("B1", "LOW", "SURE")]}, "issue_confidence 'SURE'"),
        ({"results": [{"test_id": "B1"}]}, "results[0].issue_severity must be a non-empty"),
        ({"results": "none"}, "results must be a list (got a string)"),
        ({"errors": []}, 'no "results"'),
        ({"results": [], "errors": [{"filename": "./a.py", "reason": "x"}]}, "analysed no file"),
        ({"results": [], "metrics": {"_totals": {"nosec": "1"}}}, "nosec must be a non-negative"),
    ],
)
def test_bandit_malformed_reports(tmp_path: Path, report: dict[str, Any], message: str) -> None:
    """Wrongly shaped Bandit reports are errors naming the file and the JSON path."""
    with pytest.raises(EvidenceError) as info:
        read("bandit", write(tmp_path, report))
    assert info.value.path == "report.json"
    assert message in str(info.value)


# --- pip-audit ------------------------------------------------------------------------------


def test_pip_audit_vulnerabilities_and_skipped() -> None:
    """Each vulnerability is a finding with aliases, package, fixed versions and the
    unknown-severity default (high); skipped dependencies are listed with a warning."""
    record = read("pip-audit", SECURITY / "pip-audit" / "vulns.json")
    first = record.findings[0]
    assert (first.rule, first.severity, first.location, first.package) == (
        "GHSA-h5c8-rqwp-cp95",
        "high",
        "jinja2@3.1.2",
        "jinja2",
    )
    assert first.aliases == ("CVE-2024-22195",)
    assert first.fixed_version == "3.1.3"
    assert record.findings[2].fixed_version == ""  # no fix available
    assert record.skipped == (
        "readiness: Dependency not found on PyPI and could not be audited: readiness (0.1.0)",
        "locust-plugins: distribution marked as editable",
    )
    assert "2 of 6 dependencies were not audited" in record.warnings[0]


def test_pip_audit_unknown_severity_option() -> None:
    """The unknown-severity option sets the severity of every pip-audit vulnerability."""
    record = read("pip-audit", SECURITY / "pip-audit" / "vulns.json", **{"unknown-severity": "low"})
    assert {f.severity for f in record.findings} == {"low"}


def test_pip_audit_offline_run_is_not_clean() -> None:
    """A real offline pip-audit run (exit 0, "No known vulnerabilities found") skips every
    dependency: an error, never a clean audit."""
    with pytest.raises(EvidenceError, match="audited nothing: 4 dependencies skipped") as info:
        read("pip-audit", SECURITY / "pip-audit" / "all-skipped.json")
    assert info.value.path == "all-skipped.json"


def test_pip_audit_without_dependencies_is_not_clean() -> None:
    """A report listing no dependency at all audited nothing either."""
    with pytest.raises(EvidenceError, match="audited nothing"):
        read("pip-audit", SECURITY / "pip-audit" / "no-dependencies.json")


@pytest.mark.parametrize(
    ("report", "message"),
    [
        ([{"name": "x", "version": "1", "vulns": []}], "got an array"),
        ({"dependencies": "x"}, "dependencies must be a list"),
        ({"dependencies": [{"name": "x", "version": "1"}]}, "neither vulns nor skip_reason"),
        ({"dependencies": [{"name": "x", "version": "1", "vulns": [{}]}]}, "vulns[0].id"),
        (
            {"dependencies": [{"name": "x", "version": "1", "vulns": [{"id": "A", "aliases": 5}]}]},
            "aliases must be a list",
        ),
    ],
)
def test_pip_audit_malformed_reports(tmp_path: Path, report: Any, message: str) -> None:
    """Wrongly shaped pip-audit reports are errors naming the file."""
    with pytest.raises(EvidenceError) as info:
        read("pip-audit", write(tmp_path, report))
    assert info.value.path == "report.json"
    assert message in str(info.value)


# --- Trivy ----------------------------------------------------------------------------------


def test_trivy_vulnerabilities_secrets_and_misconfigurations() -> None:
    """Vulnerabilities (absent FixedVersion, comma-joined ones, UNKNOWN severity, not_affected),
    secrets and failed misconfigurations all become findings; empty lists may be omitted."""
    record = read("trivy", SECURITY / "trivy" / "image.json")
    found = {f.rule: f for f in record.findings}
    assert found["CVE-2023-45853"].severity == "critical"
    assert found["CVE-2023-45853"].fixed_version == ""  # no FixedVersion key
    assert found["CVE-2023-45853"].aliases == ("DLA-3857-1",)
    assert found["CVE-2024-99999"].severity == "high"  # UNKNOWN → unknown-severity
    assert found["CVE-2023-43804"].fixed_version == "2.0.6, 1.26.17"
    assert found["GHSA-34jh-p97f-mpxf"].fixed_version == "1.26.19, 2.2.2"  # "1.26.19,2.2.2"
    assert found["CVE-2023-43804"].fingerprint.startswith("sha256:")  # Trivy's own
    assert found["CVE-2022-27943"].suppressed is True  # Status not_affected
    assert found["aws-access-key-id"].location == "deploy/env.sh:3"
    assert found["aws-access-key-id"].severity == "critical"
    assert found["DS-0002"].severity == "high"
    assert found["DS-0026"].suppressed is True  # Status EXCEPTION
    assert len(record.findings) == 9


def test_trivy_secret_is_never_copied() -> None:
    """Trivy's Match and Code lines hold the secret: it appears nowhere in the record."""
    record = read("trivy", SECURITY / "trivy" / "image.json")
    assert "AKIAIOSFODNN7EXAMPLE" not in repr(record)


def test_trivy_unknown_severity_option() -> None:
    """unknown-severity decides what Trivy's UNKNOWN means."""
    record = read("trivy", SECURITY / "trivy" / "image.json", **{"unknown-severity": "medium"})
    assert {f.rule: f.severity for f in record.findings}["CVE-2024-99999"] == "medium"


def test_trivy_report_without_results_is_clean() -> None:
    """Trivy omits Results when nothing was found: zero findings, no error."""
    assert read("trivy", SECURITY / "trivy" / "clean.json").findings == ()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("schema1.json", "must be an object \\(got an array\\)"),
        ("schema3.json", "unsupported Trivy SchemaVersion 3"),
    ],
)
def test_trivy_wrong_schema_versions(name: str, message: str) -> None:
    """Only SchemaVersion 2 is read; the old top-level array and newer versions are errors."""
    with pytest.raises(EvidenceError, match=message):
        read("trivy", SECURITY / "trivy" / name)


@pytest.mark.parametrize(
    ("report", "message"),
    [
        ({"Results": []}, "no SchemaVersion"),
        ({"SchemaVersion": "2"}, "unsupported Trivy SchemaVersion '2'"),
        ({"SchemaVersion": 2, "Results": {}}, "Results must be a list"),
        ({"SchemaVersion": 2, "Results": [{"Vulnerabilities": "x"}]}, "Vulnerabilities must be"),
        (
            {
                "SchemaVersion": 2,
                "Results": [{"Vulnerabilities": [{"VulnerabilityID": "C", "PkgName": "p"}]}],
            },
            "Severity must be a non-empty string",
        ),
        (
            {
                "SchemaVersion": 2,
                "Results": [{"Secrets": [{"RuleID": "r", "Severity": "SEVERE", "StartLine": 1}]}],
            },
            "Severity <a string, redacted>",  # a secret's fields are never quoted,
        ),
    ],
)
def test_trivy_malformed_reports(tmp_path: Path, report: Any, message: str) -> None:
    """Wrongly shaped Trivy reports are errors naming the file and the JSON path."""
    with pytest.raises(EvidenceError) as info:
        read("trivy", write(tmp_path, report))
    assert message in str(info.value)


# --- gitleaks -------------------------------------------------------------------------------


def test_gitleaks_leaks_are_critical_and_never_copied(tmp_path: Path) -> None:
    """Every leak is critical, located at File:StartLine, identified by gitleaks' Fingerprint;
    Secret, Match and Line never reach the record (repr included)."""
    record = read("gitleaks", SECURITY / "gitleaks" / "leaks.json")
    first, second = record.findings
    assert (first.rule, first.severity, first.location) == (
        "generic-api-key",
        "critical",
        "config/exchange.env:4",
    )
    assert first.fingerprint.endswith(":config/exchange.env:generic-api-key:4")
    assert second.title == "slack-webhook-url"  # empty Description
    assert len(second.fingerprint) == 32  # empty Fingerprint: hashed
    text = repr(record)
    for secret in ("q9XvT2kLm8RsY4wPz7NbC3dFh6JtG1eA", "hooks.slack.com", "dev@example.com"):
        assert secret not in text
    # A report with the Line field (older gitleaks, custom templates) does not leak it either.
    leaks = json.loads((SECURITY / "gitleaks" / "leaks.json").read_text(encoding="utf-8"))
    leaks[0]["Line"] = "EXCHANGE_API_KEY=line-secret-value-123"
    assert "line-secret-value-123" not in repr(read("gitleaks", write(tmp_path, leaks)))


def test_gitleaks_empty_array_is_clean() -> None:
    """gitleaks writes [] when it finds nothing: zero findings."""
    assert read("gitleaks", SECURITY / "gitleaks" / "empty.json").findings == ()


@pytest.mark.parametrize(
    ("report", "message"),
    [
        ({"leaks": []}, "expected a JSON array of leaks"),
        (["x"], "leak [0] must be an object"),
        ([{"File": "a"}], "[0].RuleID must be a non-empty string"),
        ([{"RuleID": "r", "File": "a", "StartLine": "4"}], "StartLine must be a non-negative"),
    ],
)
def test_gitleaks_malformed_reports(tmp_path: Path, report: Any, message: str) -> None:
    """Wrongly shaped gitleaks reports are errors naming the file."""
    with pytest.raises(EvidenceError) as info:
        read("gitleaks", write(tmp_path, report))
    assert message in str(info.value)


# --- Semgrep --------------------------------------------------------------------------------


def test_semgrep_recorded_results() -> None:
    """A recorded Semgrep 1.185 report: ERROR → high, INFO → low, a metadata security-severity
    ("8.1") beats WARNING; the "requires login" fingerprints are replaced by distinct hashes."""
    record = read("semgrep", SECURITY / "semgrep" / "results.json")
    found = {f.rule: f for f in record.findings}
    assert found["subprocess-shell-true"].severity == "high"
    assert found["unsafe-yaml-load"].severity == "high"
    assert found["insecure-hash-md5"].severity == "low"
    assert found["eval-use"].location == "app/orders.py:21"
    prints = {f.fingerprint for f in record.findings}
    assert "requires login" not in prints
    assert len(prints) == 4
    assert record.warnings == ()


def test_semgrep_partial_parse_is_a_warning() -> None:
    """A warn-level error (a file Semgrep parsed only partly) beside results is a warning, and
    the file is listed as skipped."""
    record = read("semgrep", SECURITY / "semgrep" / "partial.json")
    assert len(record.findings) == 5
    assert record.skipped[0].startswith("app/half.py: PartialParsing: Syntax error")
    assert "Semgrep reported 1 error" in record.warnings[0]


def test_semgrep_failed_scan_fails_closed() -> None:
    """A rule that failed to parse leaves no results and an error-level error: the scan failed,
    whatever Semgrep's exit code."""
    with pytest.raises(EvidenceError, match="the scan failed: 1 error") as info:
        read("semgrep", SECURITY / "semgrep" / "failed.json")
    assert "Rule parse error in rule bad" in str(info.value)


def semgrep_result(**extra: Any) -> dict[str, Any]:
    return {
        "check_id": "rules.r1",
        "path": "a.py",
        "start": {"line": 3, "col": 1, "offset": 0},
        "end": {"line": 3, "col": 9, "offset": 8},
        "extra": {"message": "m", "metadata": {}, "severity": "WARNING", **extra},
    }


def test_semgrep_ignored_new_severities_and_words(tmp_path: Path) -> None:
    """is_ignored findings are suppressed; newer severities (CRITICAL, INVENTORY) and
    security-severity words are understood."""
    results = [
        semgrep_result(is_ignored=True),
        semgrep_result(severity="CRITICAL"),
        semgrep_result(severity="INVENTORY"),
        semgrep_result(metadata={"security-severity": "Low"}),
    ]
    record = read("semgrep", write(tmp_path, {"results": results, "errors": []}))
    assert [f.suppressed for f in record.findings] == [True, False, False, False]
    assert [f.severity for f in record.findings] == ["medium", "critical", "info", "low"]


def test_semgrep_message_quoting_the_match_is_not_copied(tmp_path: Path) -> None:
    """A message that quotes the matched code (a secret rule's) is replaced by the rule id."""
    result = semgrep_result(message="token ghp_abcdef123456 committed", lines="ghp_abcdef123456")
    record = read("semgrep", write(tmp_path, {"results": [result]}))
    assert record.findings[0].title == "rules.r1"
    assert "ghp_abcdef123456" not in repr(record)


@pytest.mark.parametrize(
    ("report", "message"),
    [
        ([], 'expected an object with "results"'),
        ({"results": [], "paths": {"scanned": []}}, "Semgrep scanned no file"),
        (
            {"results": [], "errors": [{"level": "error", "message": "File not found: x"}]},
            "the scan failed",
        ),
        ({"results": [semgrep_result(severity="FATAL")]}, "extra.severity 'FATAL'"),
        (
            {"results": [semgrep_result(metadata={"security-severity": "lots"})]},
            "neither a score nor a severity word",
        ),
        ({"results": [{"check_id": "r", "path": "a"}]}, "results[0].extra must be an object"),
        ({"results": {"a": 1}}, "results must be a list"),
    ],
)
def test_semgrep_malformed_or_failed_reports(tmp_path: Path, report: Any, message: str) -> None:
    """Wrongly shaped, failed or empty Semgrep reports are errors naming the file."""
    with pytest.raises(EvidenceError) as info:
        read("semgrep", write(tmp_path, report))
    assert info.value.path == "report.json"
    assert message in str(info.value)


# --- ZAP ------------------------------------------------------------------------------------


def test_zap_alerts_with_string_numbers() -> None:
    """One finding per alert per site; riskcode strings map to severities; the instance count
    is in the title; confidence "0" (false positive) is suppressed; alertRef is an alias."""
    record = read("zap", SECURITY / "zap" / "baseline.json")
    assert [(f.rule, f.severity, f.location) for f in record.findings] == [
        ("10038", "medium", "http://127.0.0.1:8080"),
        ("10096", "info", "http://127.0.0.1:8080"),
        ("10021", "low", "http://127.0.0.1:8080"),
        ("40018", "high", "http://127.0.0.1:8081"),
    ]
    assert record.findings[0].title == "Content Security Policy (CSP) Header Not Set (4 instances)"
    assert record.findings[1].title.endswith("(1 instance)")
    assert record.findings[0].aliases == ("10038-1",)
    assert [f.suppressed for f in record.findings] == [False, False, True, False]
    assert "1' OR '1'='1" not in repr(record)  # attack strings and evidence are not copied


def test_zap_bad_riskcode_is_an_error() -> None:
    """A non-numeric riskcode is an error, not a guess."""
    with pytest.raises(EvidenceError, match="riskcode must be a number") as info:
        read("zap", SECURITY / "zap" / "bad-riskcode.json")
    assert info.value.path == "bad-riskcode.json"


def test_zap_report_without_site_fails_closed() -> None:
    """A report with no site means ZAP reached no target."""
    with pytest.raises(EvidenceError, match="lists no site"):
        read("zap", SECURITY / "zap" / "no-site.json")


def zap_alert(**fields: Any) -> dict[str, Any]:
    alert = {"pluginid": "10020", "name": "Missing Anti-clickjacking Header", "riskcode": "2"}
    alert.update(fields)
    return {"site": [{"@name": "http://127.0.0.1:8080", "alerts": [alert]}]}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"riskcode": "4"}, "riskcode '4' is out of range (0 to 3)"),
        ({"riskcode": "-1"}, "riskcode must be a number"),
        ({"riskcode": "2.0"}, "riskcode must be a number"),
        ({"riskcode": True}, "riskcode must be a number"),
        ({"riskcode": "٢"}, "riskcode must be a number"),  # a non-ASCII digit
        ({"confidence": "High"}, "confidence must be a number"),
        ({"count": "many"}, "count must be a number"),
        ({"pluginid": None}, "pluginid must be a number"),
        ({"instances": {}}, "instances must be a list"),
    ],
)
def test_zap_invalid_numbers(tmp_path: Path, fields: dict[str, Any], message: str) -> None:
    """ZAP's string numbers are validated: negative, fractional, non-ASCII, boolean or
    out-of-range values are errors."""
    with pytest.raises(EvidenceError) as info:
        read("zap", write(tmp_path, zap_alert(**fields)))
    assert message in str(info.value)


def test_zap_plain_integers_are_accepted(tmp_path: Path) -> None:
    """Integers where ZAP writes strings are read as the same numbers; count defaults to the
    number of instances."""
    record = read("zap", write(tmp_path, zap_alert(riskcode=3, instances=[{}, {}])))
    assert record.findings[0].severity == "high"
    assert record.findings[0].title.endswith("(2 instances)")


# --- every adapter ----------------------------------------------------------------------------

MALFORMED = [
    ("", "empty file"),
    ('{"results": [', "truncated JSON"),
    ("{'results': []}", "invalid JSON"),
    ('{"results": [1e999999999]}', ""),  # parses to inf: the shape check must still hold
]
WRONG_TOP = {
    "bandit": "[]",
    "pip-audit": "[]",
    "trivy": "[]",
    "gitleaks": "{}",
    "semgrep": "[]",
    "zap": "[]",
}


@pytest.mark.parametrize("kind", SCANNER_KINDS)
@pytest.mark.parametrize(("content", "message"), MALFORMED)
def test_malformed_files_for_every_adapter(
    tmp_path: Path, kind: str, content: str, message: str
) -> None:
    """Empty, truncated and invalid files are errors naming the file for every scanner kind."""
    with pytest.raises(EvidenceError) as info:
        read(kind, write(tmp_path, content))
    assert info.value.path == "report.json"
    assert message in str(info.value)


@pytest.mark.parametrize("kind", SCANNER_KINDS)
def test_wrong_top_level_type_for_every_adapter(tmp_path: Path, kind: str) -> None:
    """An array where an object is expected (or the reverse, for gitleaks) is an error."""
    with pytest.raises(EvidenceError) as info:
        read(kind, write(tmp_path, WRONG_TOP[kind]))
    assert info.value.path == "report.json"


@pytest.mark.parametrize("kind", SCANNER_KINDS)
def test_missing_file_for_every_adapter(tmp_path: Path, kind: str) -> None:
    """A file that cannot be opened is an error naming it."""
    with pytest.raises(EvidenceError, match="cannot read"):
        read(kind, tmp_path / "report.json")


@pytest.mark.parametrize("kind", [*SCANNER_KINDS, "sarif"])
def test_every_adapter_documents_its_severity_mapping(kind: str) -> None:
    """Each adapter has a user-facing docstring stating what it reads and its severity
    mapping, produces Findings, and has strict options."""
    adapter = registry.get(kind)
    doc = type(adapter).__doc__ or ""
    assert "Severity" in doc or "severity" in doc
    assert "critical" in doc or "high" in doc
    assert adapter.kind == kind
    assert adapter.record == "Findings"
    assert issubclass(adapter.Params, BaseModel)
    with pytest.raises(ValidationError):
        adapter.Params.model_validate({"no-such-option": 1})


def test_options_use_kebab_case_and_names() -> None:
    """Options are accepted in kebab-case (as in check files) and by their Python names."""
    assert BanditParams.model_validate({"min-confidence": "high"}).min_confidence == "high"
    assert PipAuditParams(unknown_severity="low").unknown_severity == "low"
    assert TrivyParams.model_validate({"unknown_severity": "info"}).unknown_severity == "info"
    with pytest.raises(ValidationError):
        TrivyParams.model_validate({"unknown-severity": "severe"})


def test_adapters_import_from_the_scanners_module() -> None:
    """The registry's import paths resolve to the classes readiness.evidence.scanners exports."""
    classes = [
        BanditAdapter,
        PipAuditAdapter,
        TrivyAdapter,
        GitleaksAdapter,
        SemgrepAdapter,
        ZapAdapter,
    ]
    kinds = [type(registry.get(k)) for k in SCANNER_KINDS]
    assert kinds == classes


def test_a_kind_loads_only_its_own_scanner_module() -> None:
    """Reading Trivy evidence, or SARIF (which shares Bandit's helpers), with the default
    options imports no other tool's module from readiness.evidence.scanners (lazy exports,
    start-up cost), nor the options' pydantic models (`params`)."""
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from readiness.evidence import registry\n"
        "kind, path = sys.argv[1], Path(sys.argv[2])\n"
        "a = registry.get(kind)\n"
        "a.read([path], {path: path.name}, a.defaults)\n"
        "print(sorted(m.rsplit('.', 1)[1] for m in sys.modules\n"
        "             if m.startswith('readiness.evidence.scanners.')))\n"
    )
    loaded = {}
    for kind, name in (("trivy", "trivy.json"), ("sarif", "bandit.sarif")):
        done = subprocess.run(
            [sys.executable, "-c", script, kind, str(EXAMPLES / name)],
            check=True,
            capture_output=True,
            text=True,
            timeout=60,
        )
        loaded[kind] = done.stdout.strip()
    assert loaded == {"trivy": "['base', 'trivy']", "sarif": "['bandit', 'base']"}


def test_merging_files_of_one_check(tmp_path: Path) -> None:
    """Several files of one check merge into one record named after the first file's tool,
    with skipped entries and extra counts combined."""
    one = write(tmp_path, bandit_report([bandit_result("B101", "LOW")]), "a.json")
    report = bandit_report([bandit_result("B102", "HIGH")])
    report["metrics"]["_totals"] = {"loc": 1, "nosec": 2, "skipped_tests": 0}
    two = write(tmp_path, report, "b.json")
    record = read("bandit", one, two)
    assert record.tool == "bandit"
    assert [f.rule for f in record.findings] == ["B101", "B102"]
    assert record.extra_counts["nosec"] == 2
    assert record.warnings == (
        "b.json: 2 findings silenced by `# nosec` comments (not in the results; counted as nosec)",
    )


EXAMPLES_KINDS = {
    "bandit.json": ("bandit", 8),
    "bandit.sarif": ("sarif", 8),
    "gitleaks.json": ("gitleaks", 2),
    "gitleaks.sarif": ("sarif", 2),
    "pip-audit.json": ("pip-audit", 3),
    "semgrep.json": ("semgrep", 4),
    "semgrep.sarif": ("sarif", 4),
    "trivy.json": ("trivy", 9),
    "trivy.sarif": ("sarif", 5),
    "zap.json": ("zap", 4),
}


@pytest.mark.parametrize(("name", "expected"), sorted(EXAMPLES_KINDS.items()))
def test_examples_read(name: str, expected: tuple[str, int]) -> None:
    """Every example under examples/scans reads with its kind (the `readiness inspect`
    examples of the README)."""
    kind, count = expected
    record = read(kind, EXAMPLES / name)
    assert len(record.findings) == count
    assert {f.severity for f in record.findings} <= set(SEVERITIES)


def test_offline_pip_audit_example_is_an_error() -> None:
    """The recorded offline pip-audit example is the trap itself: it must not read as clean."""
    with pytest.raises(EvidenceError, match="audited nothing"):
        read("pip-audit", EXAMPLES / "pip-audit-offline.json")


def test_examples_are_all_covered() -> None:
    """No example file is left untested."""
    names = {p.name for p in EXAMPLES.iterdir() if p.suffix in (".json", ".sarif")}
    assert names == {*EXAMPLES_KINDS, "pip-audit-offline.json"}


def test_severity_words_are_documented_in_docstrings() -> None:
    """Docstrings state each tool's own severity words next to ours (spot checks)."""
    assert "HIGH → high" in (BanditAdapter.__doc__ or "")
    assert "ERROR → high" in (SemgrepAdapter.__doc__ or "")
    assert '"3" → high' in (ZapAdapter.__doc__ or "")
    assert "**critical**" in (GitleaksAdapter.__doc__ or "")
    assert "UNKNOWN" in textwrap.dedent(TrivyAdapter.__doc__ or "")


MUTATED = [
    ("sarif", SECURITY / "sarif" / "extensions.sarif"),
    ("sarif", SECURITY / "sarif" / "triage.sarif"),
    ("sarif", EXAMPLES / "bandit.sarif"),
    ("bandit", EXAMPLES / "bandit.json"),
    ("pip-audit", SECURITY / "pip-audit" / "vulns.json"),
    ("trivy", SECURITY / "trivy" / "image.json"),
    ("gitleaks", SECURITY / "gitleaks" / "leaks.json"),
    ("semgrep", SECURITY / "semgrep" / "partial.json"),
    ("zap", SECURITY / "zap" / "baseline.json"),
]
JSON_VALUES = st.sampled_from(
    [None, True, False, 0, -1, 2.5, 10**30, "", "x", "error", "absent", [], [None], {}, {"a": 1}]
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(_paths(v, (*prefix, k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(_paths(v, (*prefix, i)))
    return out


@pytest.mark.parametrize(("kind", "path"), MUTATED, ids=[p.name for _, p in MUTATED])
@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_mutated_reports_never_crash(tmp_path: Path, kind: str, path: Path, data: Any) -> None:
    """Replacing or deleting any value of a real report gives a record or an EvidenceError,
    never another exception (no traceback reaches the user)."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    for _ in range(data.draw(st.integers(1, 3))):
        where = data.draw(st.sampled_from(_paths(doc)))
        if not where:
            doc = data.draw(JSON_VALUES)
            continue
        parent = doc
        for key in where[:-1]:
            parent = parent[key]
        if data.draw(st.booleans()):
            del parent[where[-1]]
        else:
            parent[where[-1]] = data.draw(JSON_VALUES)
    target = write(tmp_path, doc)
    try:
        read(kind, target)
    except EvidenceError as exc:
        assert exc.path == "report.json"
