"""The JUnit adapter on real pytest output and faithful samples of other producers."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import FIXTURES, untraced_environ
from readiness.errors import EvidenceError

# parse_time is imported into junit from the module that owns it (which issue #9 may move):
from readiness.evidence.junit import (
    JUnitAdapter,
    JUnitParams,
    parse_time,
)
from readiness.evidence.records import TestRun

SAMPLE = FIXTURES / "pytest_sample" / "sample_suite.py"


def read(*paths: Path, min_tests: int = 1) -> TestRun:
    files = list(paths)
    return JUnitAdapter().read(files, {p: p.name for p in files}, JUnitParams(min_tests=min_tests))


def fixture(name: str) -> Path:
    return FIXTURES / "junit" / name


@pytest.fixture(scope="module", params=["xunit1", "xunit2"])
def pytest_junit(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run a real pytest session (with pytest-rerunfailures) and return its JUnit file."""
    family = request.param
    work = tmp_path_factory.mktemp(family)
    shutil.copy(SAMPLE, work / "test_sample.py")
    (work / "pytest.ini").write_text("[pytest]\n")
    out = work / "junit.xml"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--reruns",
            "1",
            f"--junitxml={out}",
            "-o",
            f"junit_family={family}",
            "test_sample.py",
        ],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
        env=untraced_environ(),  # runs no readiness code
        check=False,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    return out


@pytest.mark.slow
def test_real_pytest_output_is_recounted_and_merged(pytest_junit: Path) -> None:
    """Real pytest JUnit (both families, with reruns): duplicates merge by worst outcome.

    setup errors, teardown errors (a second case for a failing call), strict XPASS, xfail and
    rerun duplicates all land on one result per test.
    """
    run = read(pytest_junit)
    assert (run.tests, run.passed, run.failed, run.errors, run.skipped) == (10, 3, 3, 2, 2)
    assert run.xfailed == 1
    assert run.xpassed == 1
    elements = pytest_junit.read_text().count("<testcase ")
    assert elements > 10
    assert run.duplicates_merged == elements - 10
    ids = {c.id: c.outcome for c in run.problems}
    assert ids["test_sample::test_fail_and_teardown_error"] == "failed"
    assert ids["test_sample::test_fail"] == "failed"
    assert ids["test_sample::test_xpass_strict"] == "failed"
    assert "test_sample::test_flaky" not in ids  # rerunfailures makes flakiness invisible
    assert any("declares tests=12" in w for w in run.warnings)  # 12 declared, 16+ cases
    assert any("duplicate" in w for w in run.warnings)


def test_problems_are_ordered_worst_first(pytest_junit: Path) -> None:
    """Errors come before failures in the list the report shows."""
    run = read(pytest_junit)
    outcomes = [c.outcome for c in run.problems]
    assert outcomes == sorted(outcomes, key=lambda o: {"error": 0, "failed": 1}.get(o, 2))


@pytest.mark.slow
def test_pytest_collection_error_is_an_error(tmp_path: Path) -> None:
    """A module that fails to import makes pytest write one error case: counted as an error."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_ok.py").write_text("def test_ok():\n    assert True\n")
    (tmp_path / "test_broken.py").write_text("import does_not_exist_anywhere\n")
    out = tmp_path / "j.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={out}"],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        env=untraced_environ(),  # runs no readiness code
        check=False,
    )
    run = read(out)
    assert run.errors == 1
    assert run.passed == 0  # pytest stops at collection errors: test_ok never ran
    assert any("test_broken" in c.id for c in run.problems)


@pytest.mark.slow
def test_pytest_no_tests_collected_is_an_error(tmp_path: Path) -> None:
    """pytest exit 5 writes tests="0": never a pass."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    out = tmp_path / "j.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={out}"],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        env=untraced_environ(),  # runs no readiness code
        check=False,
    )
    with pytest.raises(EvidenceError, match="no test cases"):
        read(out)


def test_surefire_flaky_and_rerun_failures() -> None:
    """Surefire: flakyFailure/flakyError pass (flagged), rerunFailure fails; counts recounted."""
    run = read(fixture("surefire-rerun.xml"))
    assert (run.tests, run.passed, run.failed, run.skipped, run.flaky) == (6, 4, 1, 1, 2)
    assert run.duration_s == pytest.approx(1234.567)
    flaky = {c.id for c in run.problems if c.flaky}
    assert flaky == {
        "com.exchange.matching.OrderBookTest::cancelsPartiallyFilled",
        "com.exchange.matching.OrderBookTest::rejectsNegativeQuantity",
    }
    assert any("declares tests=4" in w for w in run.warnings)


def test_jest_junit_with_suite_errors() -> None:
    """jest-junit: several failures in one case count once; a suite that failed to run errors."""
    run = read(fixture("jest-junit.xml"))
    assert (run.tests, run.passed, run.failed, run.errors, run.skipped) == (5, 1, 1, 1, 2)
    assert run.problems[0].id == "Test suite failed to run::src/wallet.test.ts"


def test_go_junit_report_build_failure() -> None:
    """go-junit-report: a build failure is a case; counts at the root may be absent."""
    run = read(fixture("go-junit-report.xml"))
    assert (run.tests, run.passed, run.failed, run.errors, run.skipped) == (4, 1, 1, 1, 1)


def test_gotestsum_declared_errors_without_cases_fail_closed() -> None:
    """gotestsum: a build failure only shows as the root's errors="1": it becomes an error."""
    run = read(fixture("gotestsum-build-failure.xml"))
    assert run.failed == 2  # TestGreeks/delta and TestMain, despite tests="0" failures="0"
    assert run.errors == 1
    assert "declares 1 errors" in run.problems[0].message


def test_phpunit_nested_counts_are_not_summed() -> None:
    """PHPUnit repeats counts at three levels: cases are counted once."""
    run = read(fixture("phpunit-nested.xml"))
    assert (run.tests, run.passed, run.errors, run.skipped) == (3, 1, 1, 1)


def test_namespaced_root_and_comma_decimal_time() -> None:
    """A namespaced root is understood; a locale's "0,5" reads as 0.5 s, not 5."""
    run = read(fixture("namespaced.xml"))
    assert run.tests == 2
    assert run.duration_s == pytest.approx(0.75)


def test_sharded_files_are_combined(tmp_path: Path) -> None:
    """Several files (CI shards) add up; the same test in two shards merges by worst."""
    a = tmp_path / "a.xml"
    b = tmp_path / "b.xml"
    a.write_text(
        '<testsuite><testcase classname="c" name="x"/>'
        '<testcase classname="c" name="y"/></testsuite>'
    )
    b.write_text('<testsuite><testcase classname="c" name="x"><failure/></testcase></testsuite>')
    run = read(a, b)
    assert (run.tests, run.passed, run.failed) == (2, 1, 1)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("xxe.xml", "refused"),
        ("billion-laughs.xml", "refused"),
        ("truncated.xml", "malformed XML"),
        ("empty.xml", "empty file"),
        ("zero-tests.xml", "no test cases"),
        ("wrong-root.xml", "is not <testsuites>"),
    ],
)
def test_hostile_and_broken_files_raise_clear_errors(name: str, expected: str) -> None:
    """XXE, entity bombs, truncated, empty, zero-test and foreign files: a clear error, no data."""
    with pytest.raises(EvidenceError, match=expected) as info:
        read(fixture(name))
    assert name in str(info.value)


def test_xxe_does_not_leak_file_content() -> None:
    """The external entity is never resolved: no /etc/passwd content in the message."""
    with pytest.raises(EvidenceError) as info:
        read(fixture("xxe.xml"))
    assert "root:" not in str(info.value)


def test_truncated_error_names_the_line() -> None:
    """A truncated file's error carries the line where parsing stopped."""
    with pytest.raises(EvidenceError) as info:
        read(fixture("truncated.xml"))
    assert info.value.line == 5


def test_min_tests_is_enforced(tmp_path: Path) -> None:
    """A check demanding 5 tests refuses a file holding 2."""
    f = tmp_path / "j.xml"
    f.write_text('<testsuite><testcase name="a"/><testcase name="b"/></testsuite>')
    with pytest.raises(EvidenceError, match="only 2 test case"):
        read(f, min_tests=5)


@pytest.mark.parametrize(
    ("raw", "value"), [("1.5", 1.5), ("1,234.567", 1234.567), ("0,5", 0.5), ("", None)]
)
def test_parse_time_dialects(raw: str, value: float | None) -> None:
    """Time attributes in every dialect seen in the wild."""
    assert parse_time(raw) == value


@pytest.mark.parametrize("raw", ["-1", "nan", "inf", "abc"])
def test_parse_time_rejects_nonsense(raw: str) -> None:
    """Negative, NaN, infinite and non-numeric times are flagged, never used."""
    with pytest.raises(ValueError):
        parse_time(raw)


def test_bad_time_is_a_warning_not_a_crash(tmp_path: Path) -> None:
    """A case with time="abc" is still counted; the bad value is reported."""
    f = tmp_path / "j.xml"
    f.write_text('<testsuite><testcase name="a" time="abc"/></testsuite>')
    run = read(f)
    assert run.passed == 1
    assert any("invalid time" in w for w in run.warnings)


# --- outcomes that look green but are not (issue #14) ---------------------------------------


def test_disabled_status_is_skipped_not_passed(tmp_path: Path) -> None:
    """`status="disabled"` (CTest) and gtest's `status="notrun"` cases are skipped, not passed."""
    f = tmp_path / "j.xml"
    f.write_text(
        '<testsuite tests="4" disabled="2">'
        '<testcase classname="c" name="on" status="run"/>'
        '<testcase classname="c" name="off" status="disabled"/>'
        '<testcase classname="c" name="DISABLED_x" status="notrun" result="suppressed"/>'
        '<testcase classname="c" name="bad" status="fail"/>'
        "</testsuite>"
    )
    run = read(f)
    assert (run.tests, run.passed, run.skipped, run.failed) == (4, 1, 2, 1)


def test_unknown_case_status_is_not_a_pass(tmp_path: Path) -> None:
    """A status readiness does not know is an error (fail closed), quoted in the message."""
    f = tmp_path / "j.xml"
    f.write_text('<testsuite><testcase classname="c" name="a" status="wobbly"/></testsuite>')
    run = read(f)
    assert (run.passed, run.errors) == (0, 1)
    assert "wobbly" in run.problems[0].message


def test_declared_disabled_count_demotes_unmarked_passes(tmp_path: Path) -> None:
    """A suite declaring disabled="1" over unmarked childless cases has one pass fewer."""
    f = tmp_path / "j.xml"
    f.write_text(
        '<testsuites><testsuite name="s" tests="3" disabled="1">'
        '<testcase classname="c" name="a" time="0.1"/>'
        '<testcase classname="c" name="b" time="0"/>'
        '<testcase classname="c" name="d" time="0.2"/>'
        "</testsuite></testsuites>"
    )
    run = read(f)
    assert (run.tests, run.passed, run.skipped) == (3, 2, 1)
    assert any("disabled" in w for w in run.warnings)


def test_jest_todo_is_not_a_pass() -> None:
    """jest-junit's test.todo: a childless case its suite's tests= leaves out is skipped."""
    run = read(fixture("jest-junit.xml"))
    assert (run.tests, run.passed, run.failed, run.errors, run.skipped) == (5, 1, 1, 1, 2)
    assert any("todo" in w for w in run.warnings)


def test_nameless_cases_are_counted_one_each(tmp_path: Path) -> None:
    """Three `<testcase/>` without a name are three tests, not one merged result."""
    f = tmp_path / "j.xml"
    f.write_text(
        '<testsuite tests="3"><testcase/><testcase classname="c"/>'
        '<testcase classname="c"><failure/></testcase></testsuite>'
    )
    run = read(f)
    assert (run.tests, run.passed, run.failed, run.duplicates_merged) == (3, 2, 1, 0)


@pytest.mark.slow
def test_failing_call_with_teardown_error_counts_as_failed(tmp_path: Path) -> None:
    """pytest's failing call + teardown error (two cases, one name) is failed, as pytest says."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    shutil.copy(SAMPLE, tmp_path / "test_sample.py")
    out = tmp_path / "j.xml"
    subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"),
            *(f"--junitxml={out}", "-k", "teardown", "test_sample.py"),
        ],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
        env=untraced_environ(),  # runs no readiness code
        check=False,
    )
    text = out.read_text()
    assert text.count('name="test_fail_and_teardown_error"') == 2  # what pytest writes
    assert "failed on teardown with" in text
    run = read(out)
    outcomes = {c.id: c.outcome for c in run.problems}
    assert outcomes["test_sample::test_fail_and_teardown_error"] == "failed"
    assert outcomes["test_sample::test_teardown_error"] == "error"  # its call passed
    assert (run.tests, run.failed, run.errors) == (2, 1, 1)


def test_doctype_refusal_names_its_line(tmp_path: Path) -> None:
    """The DOCTYPE refusal carries the line of the DOCTYPE, as the expat reader did."""
    f = tmp_path / "j.xml"
    f.write_text('<?xml version="1.0"?>\n\n<!DOCTYPE x [<!ENTITY a "b">]>\n<testsuite/>\n')
    with pytest.raises(EvidenceError, match="DOCTYPE") as info:
        read(f)
    assert info.value.line == 3
