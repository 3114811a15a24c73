"""Helpers shared by the tests: project trees, running the CLI (in-process or the real console
script), JUnit samples."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
VENV_BIN = Path(sys.executable).parent


@dataclass
class Project:
    """A project tree in tmp_path: write files relative to it, run the CLI in it."""

    root: Path

    def write(self, rel: str, text: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def copy(self, src: Path, rel: str) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(src.read_bytes())
        return path


@dataclass
class Result:
    code: int
    out: str
    err: str


def flat(text: str) -> str:
    """Output with its whitespace folded: the terminal summary wraps long lines at 100
    columns, so a phrase may span two of them."""
    return " ".join(text.split())


def untraced_environ() -> dict[str, str]:
    """os.environ without coverage's subprocess measurement (`make test` sets it), for the
    processes that run no readiness code (pip, a tested pytest, Bandit, Locust and its
    sandbox): coverage would start in each and trace every call for nothing. Also where
    coverage cannot work: under a 4 KB file-size limit it cannot write its own data."""
    return {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_PROCESS_")}


def invoke(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> Result:
    """Run `readiness.cli.main(args)` in this process, in `cwd`, with `env` added to the
    environment: the same entry point, error handler and exit-code mapping as the console
    script, without starting an interpreter (about 1 s each on a busy machine).

    Standard streams are click's `CliRunner` buffers, so anything about real file
    descriptors (a closed stdout, /dev/full, signals, a fresh interpreter's imports) belongs
    to `run_cli`.
    """
    from click.testing import CliRunner

    from readiness.cli import main

    runner = CliRunner()
    code = 0
    with contextlib.chdir(cwd), runner.isolation(env={"NO_COLOR": "1", **(env or {})}) as streams:
        try:
            main(args)
        except SystemExit as exc:
            # as the interpreter maps it: None is 0, a message is 1
            code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
        out, err, _ = streams
        return Result(code, out.getvalue().decode(), err.getvalue().decode())


def run_cli(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> Result:
    """Run the installed `readiness` console script for real, as a user would (a smoke test,
    or behaviour that needs a process of its own)."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    proc = subprocess.run(
        [str(VENV_BIN / "readiness"), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env=full_env,
        check=False,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


STANDARD_GATE = """
schema: 1
id: tests
title: Automated tests
criteria:
  - id: pass-rate
    metric: unit-tests.pass_rate
    pass: {mvp: ">= 90%", internal: ">= 98%", public: ">= 99.5%", launch: "== 100%"}
    warn: {mvp: ">= 80%"}
  - id: no-errors
    metric: unit-tests.errors
    pass: "== 0"
"""

STANDARD_CHECK = """
schema: 1
id: unit-tests
kind: junit
evidence: build/junit/*.xml
"""

STANDARD_DEFINITION = """
schema: 1
release: demo
version: 1.0.0
stage: internal
checks: [unit-tests]
gates: [tests]
"""


def junit_xml(passed: int = 0, failed: int = 0, errors: int = 0, skipped: int = 0) -> str:
    """A plain, valid JUnit file with the given outcomes."""
    cases = []
    for i in range(passed):
        cases.append(f'<testcase classname="t" name="pass{i}" time="0.01"/>')
    for i in range(failed):
        cases.append(f'<testcase classname="t" name="fail{i}"><failure message="no"/></testcase>')
    for i in range(errors):
        cases.append(f'<testcase classname="t" name="err{i}"><error message="boom"/></testcase>')
    for i in range(skipped):
        cases.append(f'<testcase classname="t" name="skip{i}"><skipped/></testcase>')
    return (
        '<?xml version="1.0"?>\n<testsuites><testsuite name="t">'
        + "".join(cases)
        + "</testsuite></testsuites>\n"
    )


def make_standard(project: Project) -> Project:
    """A small valid project: one junit check, one tests gate, one definition."""
    project.write("gates/tests.yaml", STANDARD_GATE)
    project.write("checks/unit-tests.yaml", STANDARD_CHECK)
    project.write("definitions/demo.yaml", STANDARD_DEFINITION)
    return project
