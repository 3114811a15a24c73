"""Hostile command-line paths and arguments: each failure is one clear line with exit 2, never a
traceback (exit 3) or a hang. Paths are checked in-process; FIFOs (a regression would block
the reader forever) and click's own usage errors go through the real console script."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from helpers import VENV_BIN, Project, Result, invoke, junit_xml, run_cli

DEF = "definitions/demo.yaml"
COMMANDS = ["validate", "evaluate", "run", "notes", "metrics"]


def cli(args: list[str], cwd: Path) -> Result:
    """The real console script, with a timeout short enough that a hang fails quickly."""
    proc = subprocess.run(
        [str(VENV_BIN / "readiness"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def one_line_usage_error(r: Result, *needles: str) -> None:
    """Exit 2 with exactly one `readiness: error:` line on stderr holding every needle."""
    assert r.code == 2, r.out + r.err
    lines = r.err.splitlines()
    assert len(lines) == 1, r.err
    assert lines[0].startswith("readiness: error: "), r.err
    for needle in needles:
        assert needle in lines[0], r.err


@pytest.fixture
def loop(standard: Project) -> str:
    """A symlink loop inside the project: definitions/loop1 -> loop2 -> loop1."""
    (standard.root / "definitions" / "loop1").symlink_to("loop2")
    (standard.root / "definitions" / "loop2").symlink_to("loop1")
    return "definitions/loop1"


@pytest.mark.parametrize("command", COMMANDS)
def test_definition_that_is_a_symlink_loop(standard: Project, loop: str, command: str) -> None:
    """A symlink loop as the definition path: one line naming it, exit 2 (was RuntimeError)."""
    one_line_usage_error(invoke([command, loop], standard.root), loop, "symlink loop")


@pytest.mark.parametrize("command", COMMANDS)
def test_definition_that_is_a_fifo(standard: Project, command: str) -> None:
    """A FIFO as the definition path is refused at once (reading it would block forever)."""
    os.mkfifo(standard.root / "definitions" / "fifo.yaml")
    r = cli([command, "definitions/fifo.yaml"], standard.root)
    one_line_usage_error(r, "definitions/fifo.yaml", "not a regular file")


def test_definition_that_is_a_directory(standard: Project) -> None:
    """A directory as the definition path: one line, exit 2."""
    one_line_usage_error(invoke(["evaluate", "definitions"], standard.root), "is a directory")


def test_definition_that_does_not_exist(standard: Project) -> None:
    """A missing definition: one line naming it, exit 2."""
    r = invoke(["evaluate", "definitions/nope.yaml"], standard.root)
    one_line_usage_error(r, "definitions/nope.yaml", "no such file")


@pytest.mark.parametrize("option", ["--root", "--evidence-dir", "--report-dir", "--log-dir"])
def test_directory_option_that_is_a_symlink_loop(standard: Project, loop: str, option: str) -> None:
    """A symlink loop given as a directory option: one line naming it, exit 2."""
    standard.write("build/junit/a.xml", junit_xml(passed=5))
    r = invoke(["run", DEF, option, loop], standard.root)
    one_line_usage_error(r, loop, "symlink loop")


@pytest.mark.parametrize(
    "args",
    [
        ["evaluate", DEF, "--report-dir", "out", "--notes-template", "tpl"],
        ["notes", DEF, "--template", "tpl"],
    ],
)
def test_template_that_is_a_fifo(standard: Project, args: list[str]) -> None:
    """A FIFO as a notes template is refused at once instead of blocking on the read."""
    standard.write("build/junit/a.xml", junit_xml(passed=5))
    os.mkfifo(standard.root / "tpl")
    one_line_usage_error(cli(args, standard.root), "tpl", "not a regular file")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["frobnicate"], "frobnicate"),
        (["evaluate", DEF, "--stage", "beta"], "beta"),
        (["evaluate"], "DEFINITION"),
        (["evaluate", DEF, "--no-such-option"], "--no-such-option"),
    ],
)
def test_click_usage_errors_are_one_line(standard: Project, args: list[str], needle: str) -> None:
    """Click's own usage errors are one `readiness: error:` line too, pointing at --help."""
    r = cli(args, standard.root)
    one_line_usage_error(r, needle, "--help")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["run", "definitions/demo.yaml", "--progress-interval", "nan"], "not a finite number"),
        (["portfolio", ".", "--since", "99999999999d", "--no-record"], "more days than"),
    ],
)
def test_hostile_numbers_in_options_are_one_line(
    standard: Project, args: list[str], expected: str
) -> None:
    """`--progress-interval nan` (click's FloatRange lets NaN through) and a `--since` beyond
    the calendar are usage errors naming the option, never a run with a NaN clock or a bare
    `year out of range`."""
    r = invoke(args, standard.root)
    assert r.code == 2, r.out + r.err
    assert expected in r.err
    assert "Traceback" not in r.err


@pytest.mark.parametrize("command", ["attest", "verify"])
def test_a_device_as_key_file_is_refused_not_read_forever(standard: Project, command: str) -> None:
    """`--key /dev/zero` reports no size and never ends: key files are read bounded and must be
    regular files (before: `attest` and `verify` read forever)."""
    args = (
        ["attest", "definitions/demo.yaml", "--key", "/dev/zero"]
        if command == "attest"
        else ["verify", "definitions/demo.yaml", "--key", "/dev/zero"]
    )
    r = run_cli(args, standard.root)
    assert r.code == 2, r.out + r.err
    assert "/dev/zero: not a regular file" in r.err


@pytest.mark.parametrize("group", [["history"], []])
def test_a_group_without_its_command_prints_its_help_not_a_folded_line(
    tmp_path: Path, group: list[str]
) -> None:
    """`readiness history` alone: the group's help as click lays it out (a usage line, its
    commands one per line) on stderr, exit 2, rather than the whole help folded into one
    `readiness: error:` line."""
    r = invoke(group, tmp_path)
    assert r.code == 2, r.out + r.err
    lines = r.err.splitlines()
    assert lines[0].startswith("Usage: "), r.err
    assert "Commands:" in lines, r.err
    assert "readiness: error" not in r.err


def test_inspect_of_a_device_or_fifo_says_it_is_not_a_regular_file(tmp_path: Path) -> None:
    """`inspect /dev/zero` or a FIFO is refused as not a regular file (exit 1, nothing read),
    not reported as a file that does not exist."""
    fifo = tmp_path / "scan.sarif"
    os.mkfifo(fifo)
    for path in ("/dev/zero", str(fifo)):
        r = invoke(["inspect", "--kind", "sarif", path], tmp_path)
        assert r.code == 1, r.err
        assert f"not a regular file: {path}" in r.err, r.err
    r = invoke(["inspect", "--kind", "sarif", "nope.sarif"], tmp_path)
    assert "no such file: nope.sarif" in r.err, r.err
