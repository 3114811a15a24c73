"""The CLI end to end in-process through `readiness.cli.main` (helpers.invoke): exit codes,
output, determinism. The console script itself is smoke-tested in test_console_script.py."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers import FIXTURES, Project, invoke, junit_xml

DEF = "definitions/demo.yaml"


def test_validate_ok(standard: Project) -> None:
    """A valid project validates with exit 0 and a summary line."""
    r = invoke(["validate", DEF], standard.root)
    assert r.code == 0, r.err
    assert "valid (1 checks, 1 gates, 2 criteria)" in r.out


def test_validate_error_exits_2_with_located_message(standard: Project) -> None:
    """An invalid gate exits 2; the error is located and there is no traceback."""
    standard.write(
        "gates/tests.yaml",
        "schema: 1\nid: tests\ncriteria:\n"
        '  - {id: r, metric: unit-tests.pass_rate, pass: ">= 9 pct"}\n',
    )
    r = invoke(["validate", DEF], standard.root)
    assert r.code == 2
    assert 'gates/tests.yaml:4 criteria[r].pass: unknown unit "pct"' in r.err
    assert "Traceback" not in r.err


def test_validate_rejects_unknown_metric_and_wrong_unit(standard: Project) -> None:
    """A metric the adapter does not provide, or a unit of the wrong kind, exits 2."""
    standard.write(
        "gates/tests.yaml",
        """
        schema: 1
        id: tests
        criteria:
          - {id: a, metric: unit-tests.pass_ratio, pass: ">= 99%"}
          - {id: b, metric: unit-tests.duration, pass: ">= 5 /s"}
        """,
    )
    r = invoke(["validate", DEF], standard.root)
    assert r.code == 2
    assert 'has no metric "pass_ratio"; did you mean pass_rate?' in r.err
    assert "threshold unit /s cannot be compared with unit-tests.duration (s)" in r.err


def test_validate_rejects_unknown_kind_and_option(project: Project) -> None:
    """An unknown adapter kind or option fails validation, not the evaluation."""
    project.write("checks/a.yaml", "schema: 1\nid: a\nkind: junitt\nevidence: x.xml\n")
    project.write(
        "checks/b.yaml", "schema: 1\nid: b\nkind: junit\nevidence: x.xml\noptions: {min-test: 3}\n"
    )
    project.write(
        "gates/g.yaml", 'schema: 1\nid: g\ncriteria:\n  - {id: t, metric: b.tests, pass: ">= 1"}\n'
    )
    project.write(
        DEF, "schema: 1\nrelease: r\nversion: '1'\nstage: mvp\nchecks: [a, b]\ngates: [g]\n"
    )
    r = invoke(["validate", DEF], project.root)
    assert r.code == 2
    assert 'checks/a.yaml:3 kind: unknown evidence kind "junitt"' in r.err
    assert 'checks/b.yaml:5 options.min-test: unknown option "min-test" for kind junit' in r.err


def test_evaluate_go(standard: Project) -> None:
    """All criteria pass: GO, exit 0."""
    standard.write("build/junit/a.xml", junit_xml(passed=50))
    r = invoke(["evaluate", DEF], standard.root)
    assert r.code == 0, r.out + r.err
    assert "GO: 0 blocker(s), 0 condition(s), 2 criteria evaluated" in r.out


def test_evaluate_no_go_names_value_threshold_and_file(standard: Project) -> None:
    """A failing blocking criterion: NO-GO, exit 1, with value, threshold and evidence file."""
    standard.write("build/junit/a.xml", junit_xml(passed=70, failed=30))
    r = invoke(["evaluate", DEF], standard.root)
    assert r.code == 1
    assert "NO-GO" in r.out
    assert "FAIL    tests.pass-rate: 70% (threshold >= 98%)" in r.out
    assert "evidence build/junit/a.xml sha256:" in r.out
    assert "failed  t::fail0" in r.out


def test_conditional_go_and_strict(standard: Project) -> None:
    """WARN gives CONDITIONAL GO: exit 0, or 1 with --strict."""
    standard.write("build/junit/a.xml", junit_xml(passed=85, failed=15))
    r = invoke(["evaluate", DEF, "--stage", "mvp"], standard.root)
    assert r.code == 0
    assert "CONDITIONAL GO" in r.out
    r = invoke(["evaluate", DEF, "--stage", "mvp", "--strict"], standard.root)
    assert r.code == 1


def test_missing_evidence_is_no_go(standard: Project) -> None:
    """No evidence file: every criterion MISSING, NO-GO, and the glob is named."""
    r = invoke(["evaluate", DEF], standard.root)
    assert r.code == 1
    assert "MISSING tests.pass-rate" in r.out
    assert "no evidence file matches build/junit/*.xml" in r.out


def test_unparseable_evidence_is_no_go(standard: Project) -> None:
    """A hostile file: ERROR with the reason and the file, NO-GO."""
    standard.copy(FIXTURES / "junit" / "billion-laughs.xml", "build/junit/a.xml")
    r = invoke(["evaluate", DEF], standard.root)
    assert r.code == 1
    assert "ERROR   tests.pass-rate" in r.out
    assert "build/junit/a.xml:2: refused: the file contains a DOCTYPE" in r.out


def test_stale_evidence_is_no_go(standard: Project) -> None:
    """Evidence older than the check's max-age is an ERROR naming its age."""
    standard.write(
        "checks/unit-tests.yaml",
        "schema: 1\nid: unit-tests\nkind: junit\nevidence: build/junit/*.xml\nmax-age: 1h\n",
    )
    f = standard.write("build/junit/a.xml", junit_xml(passed=5))
    old = time.time() - 7200
    os.utime(f, (old, old))
    r = invoke(["evaluate", DEF], standard.root)
    assert r.code == 1
    assert "stale evidence: written 2.0h ago, the check accepts at most 1.0h" in r.out


def test_zero_criteria_evaluated_is_never_go(standard: Project) -> None:
    """Criteria that do not apply at the stage leave nothing evaluated: NO-GO."""
    standard.write(
        "gates/tests.yaml",
        "schema: 1\nid: tests\ncriteria:\n"
        '  - {id: a, metric: unit-tests.tests, pass: {launch: ">= 1"}}\n',
    )
    standard.write("build/junit/a.xml", junit_xml(passed=5))
    r = invoke(["evaluate", DEF], standard.root)
    assert r.code == 1
    assert "no criterion was evaluated" in r.out


def test_json_report_is_deterministic(standard: Project) -> None:
    """Same inputs, SOURCE_DATE_EPOCH set: byte-identical JSON reports."""
    standard.write("build/junit/a.xml", junit_xml(passed=70, failed=30))
    env = {"SOURCE_DATE_EPOCH": "1764000000"}
    r1 = invoke(["evaluate", DEF, "--json", "out/1.json"], standard.root, env)
    r2 = invoke(["evaluate", DEF, "--json", "out/2.json"], standard.root, env)
    assert r1.code == r2.code == 1
    a = (standard.root / "out/1.json").read_bytes()
    assert a == (standard.root / "out/2.json").read_bytes()
    data = json.loads(a)
    assert data["format_version"] == 1
    assert data["generated_at"] == "2025-11-24T16:00:00Z"
    assert data["verdict"] == "NO-GO"
    crit = data["criteria"][0]
    assert crit["status"] == "FAIL"
    assert crit["value"] == 70
    assert crit["threshold"] == ">= 98%"
    assert crit["evidence"][0]["path"] == "build/junit/a.xml"
    assert len(crit["evidence"][0]["sha256"]) == 64
    assert data["evidence"][0]["record"]["failed"] == 30


def test_waiver_turns_fail_into_waived_conditional_go(standard: Project) -> None:
    """A valid waiver: WAIVED, CONDITIONAL GO, and the waiver is shown with approver and expiry."""
    standard.write(
        DEF,
        """
        schema: 1
        release: demo
        version: 1.0.0
        stage: internal
        checks: [unit-tests]
        gates: [tests]
        waivers:
          - criterion: tests.pass-rate
            reason: two quarantined tests, fixed in 1.0.1
            approver: {name: A. Chen, role: qa}
            expires: 2026-12-20
        """,
    )
    standard.write("build/junit/a.xml", junit_xml(passed=97, failed=3))
    env = {"SOURCE_DATE_EPOCH": str(int(time.mktime((2026, 12, 20, 12, 0, 0, 0, 0, 0))))}
    r = invoke(["evaluate", DEF], standard.root, env)
    assert r.code == 0, r.out
    assert "CONDITIONAL GO" in r.out
    assert "WAIVED  tests.pass-rate" in r.out
    assert "A. Chen (qa) until 2026-12-20" in r.out
    env = {"SOURCE_DATE_EPOCH": str(int(time.mktime((2026, 12, 21, 12, 0, 0, 0, 0, 0))))}
    r = invoke(["evaluate", DEF], standard.root, env)
    assert r.code == 1
    assert "waiver for tests.pass-rate expired on 2026-12-20" in r.out


def test_metrics_lists_values_and_units(standard: Project) -> None:
    """`readiness metrics` lists every metric with value and unit."""
    standard.write("build/junit/a.xml", junit_xml(passed=3, failed=1))
    r = invoke(["metrics", DEF, "--json"], standard.root)
    assert r.code == 0
    rows = {m["metric"]: (m["value"], m["unit"]) for m in json.loads(r.out)["metrics"]}
    assert rows["unit-tests.pass_rate"] == (75, "%")
    assert rows["unit-tests.tests"] == (4, "count")


def test_inspect_one_file(tmp_path: Path) -> None:
    """`readiness inspect` shows a file's metrics without any definition."""
    f = tmp_path / "j.xml"
    f.write_text(junit_xml(passed=2, skipped=1))
    r = invoke(["inspect", str(f), "--kind", "junit", "--json"], tmp_path)
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert {m["metric"]: m["value"] for m in data["metrics"]}["evidence.skipped"] == 1


def test_inspect_broken_file_exits_1_with_one_line(tmp_path: Path) -> None:
    """An unreadable evidence file: one clear line on stderr, exit 1, no traceback."""
    r = invoke(["inspect", str(FIXTURES / "junit" / "truncated.xml"), "--kind", "junit"], tmp_path)
    assert r.code == 1
    assert "truncated.xml:5: malformed XML" in r.err
    assert "Traceback" not in r.err


def test_inspect_hashes_big_files_while_reading_them(tmp_path: Path) -> None:
    """A file over a mebibyte is hashed in a thread while it is parsed: its digest is still
    the file's sha256, and a broken one still fails with its one-line error."""
    cases = "".join(f'<testcase classname="c" name="test_{i}"/>\n' for i in range(40_000))
    good = tmp_path / "big.xml"
    good.write_text(f"<testsuite>\n{cases}</testsuite>\n")
    assert good.stat().st_size > 1 << 20
    r = invoke(["inspect", str(good), "--kind", "junit", "--json"], tmp_path)
    assert r.code == 0, r.err
    data = json.loads(r.out)
    assert data["files"][0]["sha256"] == hashlib.sha256(good.read_bytes()).hexdigest()
    assert {m["metric"]: m["value"] for m in data["metrics"]}["evidence.tests"] == 40_000
    broken = tmp_path / "broken.xml"
    broken.write_text(f"<testsuite>\n{cases}")
    r = invoke(["inspect", str(broken), "--kind", "junit"], tmp_path)
    assert r.code == 1
    assert "broken.xml:40002: malformed XML" in r.err
    assert "Traceback" not in r.err


def test_usage_errors_exit_2(standard: Project) -> None:
    """Unknown stage, unknown kind, missing definition: exit 2, never 1 (not a NO-GO)."""
    assert invoke(["evaluate", DEF, "--stage", "beta"], standard.root).code == 2
    assert invoke(["inspect", "x.xml", "--kind", "nope"], standard.root).code in (1, 2)
    assert invoke(["evaluate", "definitions/nope.yaml"], standard.root).code == 2
    assert invoke(["frobnicate"], standard.root).code == 2


def test_schema_prints_json_schema(tmp_path: Path) -> None:
    """`readiness schema` prints a JSON Schema using the files' own key names."""
    r = invoke(["schema", "gate"], tmp_path)
    data = json.loads(r.out)
    assert "waivable-by" in data["properties"]


def test_evaluate_does_not_import_heavy_modules(standard: Project) -> None:
    """`evaluate` never imports Locust, gevent or jinja2 (startup and memory budget)."""
    standard.write("build/junit/a.xml", junit_xml(passed=5))
    code = (
        "import sys\nfrom readiness.cli import main\n"
        "try:\n    main(['evaluate', 'definitions/demo.yaml'])\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'locust', 'gevent', 'jinja2', 'junitparser', 'hdrh'})\n"
        "print('HEAVY', heavy)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=standard.root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "HEAVY []" in proc.stdout, proc.stdout + proc.stderr


@pytest.mark.parametrize(
    "bad",
    [
        *("abc", "1.5", "", " 1764000000", "1_764_000_000", "+1764000000", "\u0661\u0662"),
        *("-1", "99999999999999", "253402300800", "9" * 5000),
    ],
)
@pytest.mark.parametrize("command", ["evaluate", "metrics"])
def test_bad_source_date_epoch_is_a_usage_error(standard: Project, bad: str, command: str) -> None:
    """A SOURCE_DATE_EPOCH that is not plain decimal seconds from 1970 to 9999 is refused in
    one line naming the variable (exit 2): never a traceback, never a surprising date."""
    standard.write("build/junit/a.xml", junit_xml(passed=5))
    r = invoke([command, DEF], standard.root, {"SOURCE_DATE_EPOCH": bad})
    assert r.code == 2, r.out + r.err
    assert r.err.startswith("readiness: error: SOURCE_DATE_EPOCH="), r.err
    assert len(r.err.splitlines()) == 1, r.err
    assert len(r.err) < 300, r.err


@pytest.mark.parametrize("good", ["0", "1764000000", "253402300799"])
def test_source_date_epoch_in_range_is_used(standard: Project, good: str) -> None:
    """SOURCE_DATE_EPOCH from 1970 to the last second of 9999 sets the report's time."""
    standard.write("build/junit/a.xml", junit_xml(passed=5))
    r = invoke(["evaluate", DEF, "--json", "r.json"], standard.root, {"SOURCE_DATE_EPOCH": good})
    assert r.code in (0, 1), r.out + r.err
    stamp = json.loads((standard.root / "r.json").read_text())["generated_at"]
    assert stamp[:4] in {"1970", "2025", "9999"}


def test_criterion_starting_at_next_stage_shows_its_gap(standard: Project) -> None:
    """A criterion gated only from public on is N/A at internal, yet reported for public."""
    standard.write(
        "gates/tests.yaml",
        """
        schema: 1
        id: tests
        criteria:
          - {id: errors, metric: unit-tests.errors, pass: "== 0"}
          - {id: size, metric: unit-tests.tests, pass: {public: ">= 10"}}
        """,
    )
    standard.write("build/junit/a.xml", junit_xml(passed=5))
    r = invoke(["evaluate", DEF], standard.root)
    assert r.code == 0, r.out
    assert "N/A     tests.size: 5" in r.out
    assert "tests.size: 5 would not meet >= 10 at public (gap 5)" in r.out


def test_kinds_describes_every_builtin_adapter(tmp_path: Path) -> None:
    """Every registered kind loads and has a user-facing description (exhaustiveness)."""
    r = invoke(["kinds"], tmp_path)
    assert r.code == 0, r.err
    for kind in (
        "junit",
        "locust",
        "sarif",
        "bandit",
        "pip-audit",
        "trivy",
        "gitleaks",
        "semgrep",
        "zap",
        "signoffs",
    ):
        assert f"{kind}  (record: " in r.out
    assert "(no description)" not in r.out


def test_report_dir_writes_every_format_byte_identically(standard: Project) -> None:
    """--report-dir writes all five formats; the same inputs give byte-identical files."""
    standard.write("build/junit/a.xml", junit_xml(passed=70, failed=30))
    env = {"SOURCE_DATE_EPOCH": "1764000000"}
    for out in ("r1", "r2"):
        r = invoke(["evaluate", DEF, "--report-dir", out], standard.root, env)
        assert r.code == 1, r.err
    names = sorted(p.name for p in (standard.root / "r1").iterdir())
    assert names == [
        "LAUNCH_NOTES.md",
        "readiness-junit.xml",
        "report.html",
        "report.json",
        "report.md",
    ]
    for name in names:
        assert (standard.root / "r1" / name).read_bytes() == (
            standard.root / "r2" / name
        ).read_bytes()
    r = invoke(["evaluate", DEF, "--report-dir", "r3", "--format", "html"], standard.root, env)
    assert [p.name for p in (standard.root / "r3").iterdir()] == ["report.html"]


def test_github_actions_annotations_and_step_summary(standard: Project, tmp_path: Path) -> None:
    """Under GitHub Actions: ::error for a failing criterion, and the Markdown summary appended
    to $GITHUB_STEP_SUMMARY (existing content kept)."""
    standard.write("build/junit/a.xml", junit_xml(passed=70, failed=30))
    summary = tmp_path / "summary.md"
    summary.write_text("# earlier step\n")
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    r = invoke(["evaluate", DEF], standard.root, env)
    assert r.code == 1
    assert any(
        line.startswith("::error ") and "tests.pass-rate" in line for line in r.out.splitlines()
    )
    text = summary.read_text()
    assert text.startswith("# earlier step\n")
    assert "NO-GO" in text


def test_broken_evidence_blocks_even_without_a_blocking_criterion(standard: Project) -> None:
    """Evidence read only by an advisory criterion is still evidence: broken, it blocks."""
    standard.write(
        "gates/tests.yaml",
        'schema: 1\nid: tests\ncriteria:\n  - {id: a, metric: unit-tests.tests, pass: ">= 1",'
        " mode: advisory}\n",
    )
    standard.copy(FIXTURES / "junit" / "truncated.xml", "build/junit/a.xml")
    r = invoke(["evaluate", DEF], standard.root)
    assert r.code == 1, r.out
    assert "evidence of check unit-tests: ERROR: build/junit/a.xml:5: malformed XML" in r.out
