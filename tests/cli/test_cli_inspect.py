"""`readiness inspect` run without click (cli_inspect) answers exactly as click runs it: the
same output, errors and exit codes for every plain invocation, and anything that is not plain
(help, other options, missing files...) is left to click."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from helpers import FIXTURES, Result, invoke, junit_xml
from readiness import cli_inspect


def _click_only(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch) -> Result:
    """The same invocation with the click-free path switched off."""
    with monkeypatch.context() as m:
        m.setattr(cli_inspect, "run", lambda _argv: None)
        return invoke(args, cwd)


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "ok.xml").write_text(junit_xml(passed=3, failed=1, skipped=1))
    (tmp_path / "more.xml").write_text(junit_xml(passed=2, errors=1))
    (tmp_path / "warn.xml").write_text(
        '<testsuite tests="5"><testcase name="a" time="soon"/></testsuite>'
    )
    (tmp_path / "a\x1b[31mred.xml").write_text(junit_xml(passed=1))
    (tmp_path / "empty.xml").write_text("")
    (tmp_path / "sub").mkdir()
    # over OVERLAP_BYTES: hashed by a forked process (`digest.DigestChild`) on the plain path
    (tmp_path / "big.xml").write_text(junit_xml(passed=20_000, failed=2))
    return tmp_path


@pytest.fixture
def in_files(files: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The files' directory as the working directory."""
    monkeypatch.chdir(files)
    return files


PLAIN = [
    ["inspect", "ok.xml", "--kind", "junit"],
    ["inspect", "--kind=junit", "ok.xml", "more.xml"],
    ["inspect", "--json", "ok.xml", "--kind", "junit"],
    ["inspect", "warn.xml", "--kind", "junit"],
    ["inspect", "a\x1b[31mred.xml", "--kind", "junit"],  # click strips the colour code
    ["inspect", "empty.xml", "--kind", "junit"],
    ["inspect", str(FIXTURES / "junit" / "truncated.xml"), "--kind", "junit"],
    ["inspect", str(FIXTURES / "junit" / "xxe.xml"), "--kind", "junit"],
    ["inspect", "ok.xml", "--kind", "sarif"],
    ["inspect", "ok.xml", "--kind", "junit", "--option", "min-tests=9"],  # too few: an error
    ["inspect", "ok.xml", "--kind", "junit", "--option=min-tests=2", "--option", "min-tests=3"],
    ["inspect", "ok.xml", "--kind", "junit", "--option", "min_tests=2"],
    ["inspect", "big.xml", "ok.xml", "--kind", "junit"],
]
NOT_PLAIN = [
    ["inspect", "--help"],
    ["inspect", "-h"],
    ["inspect", "ok.xml"],
    ["inspect", "--kind", "junit"],
    ["inspect", "ok.xml", "--kind", "junit", "--option", "min-tests=0"],  # pydantic's error
    ["inspect", "ok.xml", "--kind", "junit", "--option", "min-tests=1e1"],
    ["inspect", "ok.xml", "--kind", "junit", "--option", "min-tests"],
    ["inspect", "ok.xml", "--kind", "junit", "--option", "nope=1"],
    ["inspect", "ok.xml", "--kind", "junit", "--option", "min_tests=2", "--option", "min-tests=3"],
    ["inspect", "ok.xml", "--kind", "junit", "--option", "-1"],
    ["inspect", "ok.xml", "--kind", "junit", "--option"],
    ["inspect", "ok.xml", "--kind", "sarif", "--option", "min-tests=2"],
    ["inspect", "ok.xml", "--kind", "junit", "--kind", "junit"],
    ["inspect", "ok.xml", "--kind", "--json"],
    ["inspect", "ok.xml", "--kind"],
    ["inspect", "ok.xml", "--kind", "junit", "--jsonx"],
    ["inspect", "ok.xml", "--kind", "junit", "--json=1"],
    ["inspect", "--", "ok.xml", "--kind", "junit"],
    ["inspect", "-", "--kind", "junit"],
    ["inspect", "missing.xml", "--kind", "junit"],
    ["inspect", "sub", "--kind", "junit"],
    ["inspect", "ok.xml", "--kind", "nope"],
    ["inspect", "big.xml", "--kind", "nope"],  # its hashing process stopped
    ["--help"],
    ["validate", "ok.xml"],
]


@pytest.mark.parametrize("args", PLAIN + NOT_PLAIN)
def test_same_answer_with_and_without_click(
    args: list[str], files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Output, errors and exit code are click's, whichever path runs."""
    assert invoke(args, files) == _click_only(args, files, monkeypatch)


def test_an_error_quoting_evidence_starts_no_workflow_command(
    files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Locust history whose bad cell holds a line break, a workflow command and a NUL: the
    error quotes it as every other command's error does (`safe.terminal_block`), the NUL
    written as an escape and the line that would start a `::command::` in a CI log defused,
    on the click-free path as on click's. Both printed it raw."""
    history = (FIXTURES / "locust" / "stale" / "run_stats_history.csv").read_text()
    lines = history.splitlines(keepends=True)
    cells = lines[2].split(",")
    cells[4] = '"12\n::error file=a.py::pwned\x00"'
    lines[2] = ",".join(cells)
    (files / "run_stats_history.csv").write_text("".join(lines))
    stats = (FIXTURES / "locust" / "stale" / "run_stats.csv").read_text()
    (files / "run_stats.csv").write_text(stats)
    args = ["inspect", "run_stats.csv", "run_stats_history.csv", "--kind", "locust"]
    for result in (invoke(args, files), _click_only(args, files, monkeypatch)):
        assert result.code == 1
        assert "Requests/s is" in result.err
        assert not any(line.lstrip().startswith("::") for line in result.err.splitlines())
        assert "\x00" not in result.err and "\\x00" in result.err
        assert "\n\\::error file=a.py::pwned" in result.err  # a line of its own, defused


@pytest.mark.parametrize("args", NOT_PLAIN)
def test_anything_but_a_plain_inspect_is_left_to_click(
    args: list[str], in_files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_inspect.run(args)  # returns (no SystemExit): nothing run
    assert capsys.readouterr() == ("", "")


def test_plain_arguments() -> None:
    assert cli_inspect.plain_arguments(["inspect", "--kind=junit", "a", "--json", "b"]) == (
        ["a", "b"],
        "junit",
        True,
        [],
    )
    assert cli_inspect.plain_arguments(["inspect", "a", "--kind", ""]) == (["a"], "", False, [])
    argv = ["inspect", "a", "--kind", "locust", "--option", "ramp-up=60", "--option=window=5"]
    assert cli_inspect.plain_arguments(argv) == (
        ["a"],
        "locust",
        False,
        ["ramp-up=60", "window=5"],
    )


def _run_module(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    return subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "readiness.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "NO_COLOR": "1"},
        check=False,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["inspect", "ok.xml", "--kind", "junit"],
        ["inspect", "--json", "ok.xml", "more.xml", "--kind", "junit"],
        ["inspect", str(FIXTURES / "junit" / "truncated.xml"), "--kind", "junit"],
        ["inspect", "--json", "big.xml", "--kind", "junit"],
        ["inspect", "big.xml", "empty.xml", "--kind", "junit"],
    ],
)
def test_python_m_readiness_cli_inspects_without_importing_click(
    args: list[str], files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`python -m readiness.cli inspect ...` (what a CI step and the benchmark run) answers as
    click does, without importing it."""
    proc = _run_module(args, files)
    imported = [line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()]
    assert "click" not in imported
    errors = "".join(line + "\n" for line in proc.stderr.splitlines() if "import time:" not in line)
    assert Result(proc.returncode, proc.stdout, errors) == _click_only(args, files, monkeypatch)


def test_python_m_readiness_cli_leaves_the_rest_to_click(files: Path) -> None:
    proc = _run_module(["inspect", "missing.xml", "--kind", "junit"], files)
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[-1] == "readiness: error: no such file: missing.xml"
    assert "click" in [line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()]


@pytest.mark.parametrize("args", PLAIN)
def test_a_plain_inspect_runs_without_click(
    args: list[str], in_files: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        cli_inspect.run(args)
    out, err = capsys.readouterr()
    assert out or err


def test_no_hashing_process_outlives_an_inspect_that_fails(
    in_files: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A big file refused for its size before its digest is asked for: the command ends at
    once, and the process still hashing it is stopped with it."""
    from readiness.evidence import digest, gather

    monkeypatch.setattr(digest, "_alone", lambda: True)
    monkeypatch.setattr(gather, "MAX_EVIDENCE_BYTES", 1 << 20)
    hash_and_exit = digest._hash_and_exit

    def slow(*args: Any) -> None:  # pragma: no cover - the forked process
        time.sleep(60)  # still hashing when the command ends
        hash_and_exit(*args)

    monkeypatch.setattr(digest, "_hash_and_exit", slow)
    pids: list[int] = []
    start = digest.DigestChild.start

    def spy(paths: Any) -> digest.DigestChild | None:
        child = start(paths)
        assert child is not None
        pids.append(child._pid)
        return child

    monkeypatch.setattr(digest.DigestChild, "start", spy)
    with pytest.raises(SystemExit) as leaving:
        cli_inspect.run(["inspect", "--kind", "junit", "big.xml"])
    assert leaving.value.code == 1
    assert "evidence limit" in capsys.readouterr().err
    assert len(pids) == 1
    with pytest.raises(ChildProcessError):  # stopped and reaped, not left running
        os.waitpid(pids[0], os.WNOHANG)
