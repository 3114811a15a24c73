"""`readiness run` progress: a long command is never silent in a CI log, Locust's live figures
are read from its history CSV as it writes it, and `evaluate` never loads the display library."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from helpers import FIXTURES, REPO, Project, run_cli
from readiness import live

DEF = "definitions/demo.yaml"
SLOW_JUNIT = (
    "import pathlib, time; time.sleep(3.5); p = pathlib.Path('build/junit/a.xml'); "
    "p.parent.mkdir(parents=True, exist_ok=True); "
    'p.write_text(\'<testsuite><testcase classname="c" name="t"/></testsuite>\')'
)


def slow_project(project: Project) -> None:
    """A project whose one check runs a 3.5 s command that then writes a JUnit file."""
    project.write(
        "checks/unit-tests.yaml",
        f"""
        schema: 1
        id: unit-tests
        kind: junit
        evidence: build/junit/*.xml
        collect:
          command: {json.dumps([sys.executable, "-c", SLOW_JUNIT])}
          timeout: 60s
        """,
    )
    project.write(
        "gates/tests.yaml",
        'schema: 1\nid: tests\ncriteria:\n  - {id: n, metric: unit-tests.tests, pass: ">= 1"}\n',
    )
    project.write(
        DEF,
        "schema: 1\nrelease: demo\nversion: '1'\nstage: mvp\n"
        "checks: [unit-tests]\ngates: [tests]\n",
    )


def test_ci_log_gets_a_progress_line_every_interval(project: Project) -> None:
    """Off a terminal, a 3.5 s command with --progress-interval 1 prints at least two periodic
    lines naming the check, its elapsed time and its timeout, between its start and end lines."""
    slow_project(project)
    result = run_cli(["run", DEF, "--progress-interval", "1"], project.root)
    assert result.code == 0, result.err
    lines = result.err.splitlines()
    ticks = [ln for ln in lines if re.fullmatch(r"\[1/1\] unit-tests: running \d+s of 1m00s", ln)]
    assert len(ticks) >= 2, result.err
    start = lines.index("[1/1] unit-tests: junit")
    end = next(i for i, ln in enumerate(lines) if ln.startswith("[1/1] unit-tests: ok in"))
    assert all(start < lines.index(t) < end for t in ticks)
    assert "\x1b" not in result.err and "\r" not in result.err  # plain lines in a CI log


def test_progress_interval_is_checked(project: Project) -> None:
    """An interval below half a second is a usage error (exit 2), not a flood of lines."""
    slow_project(project)
    result = run_cli(["run", DEF, "--progress-interval", "0.01"], project.root)
    assert result.code == 2
    assert "--progress-interval" in result.err


def test_live_locust_figures_from_the_history_csv(tmp_path: Path) -> None:
    """The last complete Aggregated row of a Locust history CSV gives users, totals, current
    rate and p99; a half-written last line is ignored, and a previous run's file is not read."""
    history = tmp_path / "run_stats_history.csv"
    text = (FIXTURES / "locust" / "stale" / "run_stats_history.csv").read_text()
    history.write_text(text + "1764072099,7,,Aggregated,12.5,0.0,3,4")  # still being written
    rows = [ln.split(",") for ln in text.splitlines() if ",Aggregated," in ln]
    last = rows[-1]
    snap = live.read_load(history, since=0)
    assert snap is not None
    assert snap.users == int(last[1])
    assert snap.requests == int(last[17]) and snap.failures == int(last[18])
    assert snap.rps == float(last[4])
    assert live.read_load(history, since=history.stat().st_mtime + 5) is None
    assert live.read_load(tmp_path / "absent.csv", since=0) is None


def test_locust_csv_prefix_of_a_command_line() -> None:
    """The live history file is found from `--csv P` or `--csv=P`, relative to the command's
    working directory; a command without --csv has none."""
    cwd = Path("/project")
    argv = ["python", "-m", "locust", "--csv", "build/evidence/matching", "--headless"]
    assert live.load_history(argv, cwd) == cwd / "build/evidence/matching_stats_history.csv"
    assert live.load_history(["locust", "--csv=out/x"], cwd) == cwd / "out/x_stats_history.csv"
    assert live.load_history(["pytest", "-q"], cwd) is None


def test_status_line_shows_load_figures_within_its_width() -> None:
    """A load test's status line carries users, requests, rate, failures with their share and
    p99, and never exceeds the width it is given."""
    load = live.LoadSnapshot(users=20, requests=12345, failures=5, rps=410.4, p99_ms=12.0)
    status = live.Status("matching-load", 2, 6, 65.2, 120.0, "", load)
    line = live.status_line(status, width=200)
    assert line == (
        "[2/6] matching-load: running 1m05s of 2m00s; 20 users, 12,345 req (410/s), "
        "5 failed (0.04%), p99 12 ms"
    )
    assert len(live.status_line(status, width=40)) == 40


def test_evaluate_imports_no_display_or_load_library() -> None:
    """`readiness evaluate` of a real project loads neither rich nor Locust, gevent or pytest
    (without recording: the repository's own history store is the user's, not the tests')."""
    probe = (
        "import sys\n"
        "from readiness.cli import main\n"
        "try:\n"
        "    main(['evaluate', sys.argv[1], '--no-record'])\n"
        "except SystemExit as exc:\n"
        "    code = exc.code\n"
        "heavy = sorted(m for m in ('rich', 'locust', 'gevent', 'pytest') if m in sys.modules)\n"
        "print(code, ','.join(heavy))\n"
    )
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            probe,
            str(REPO / "definitions" / "2026.12-options-launch.yaml"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    ).stdout.splitlines()[-1]
    code, heavy = out.split(" ", 1) if " " in out else (out, "")
    assert code in {"0", "1"}
    assert heavy == ""
