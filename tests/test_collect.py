"""`readiness run`: commands, services, timeouts, and no process left behind, ever."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from helpers import VENV_BIN, Project, run_cli

DEF = "definitions/demo.yaml"

WRITE_JUNIT = (
    "import pathlib, sys; p = pathlib.Path('build/junit/a.xml'); p.parent.mkdir(parents=True, "
    'exist_ok=True); p.write_text(\'<testsuite><testcase classname="c" name="t"/></testsuite>\')'
)


def survivors(marker: str) -> list[str]:
    """Command lines of live processes that carry `marker`."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            state = (proc / "stat").read_text().split()[2]
        except OSError:
            continue
        if marker in cmdline and state != "Z":
            found.append(f"{proc.name}: {cmdline}")
    return found


def write_project(project: Project, command: list[str], *, timeout: str = "60s") -> str:
    """A project whose check runs `command` with an http.server service; returns its marker."""
    marker = f"marker-{uuid.uuid4().hex[:10]}"
    py = sys.executable
    cmd = json.dumps([*command, marker])  # JSON is YAML: no quoting surprises
    project.write(
        "checks/unit-tests.yaml",
        f"""
        schema: 1
        id: unit-tests
        kind: junit
        evidence: build/junit/*.xml
        collect:
          command: {cmd}
          timeout: {timeout}
        services:
          - id: web
            command: ["{py}", -m, http.server, --bind, 127.0.0.1, "{{port}}"]
            env: {{MARKER: "{marker}"}}
            port: auto
            ready: {{http: "http://127.0.0.1:{{port}}/", timeout: 20s}}
        """,
    )
    # the service is found by its cwd (the project root), see service_pids()
    project.write(
        "gates/tests.yaml",
        'schema: 1\nid: tests\ncriteria:\n  - {id: n, metric: unit-tests.tests, pass: ">= 1"}\n',
    )
    project.write(
        DEF,
        "schema: 1\nrelease: demo\nversion: '1'\nstage: mvp\n"
        "checks: [unit-tests]\ngates: [tests]\n",
    )
    return marker


def service_pids(root: Path) -> list[str]:
    """Live http.server processes started for this project (found by their cwd)."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cwd = (proc / "cwd").readlink()
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if cwd == root and b"http.server" in cmdline:
            found.append(proc.name)
    return found


def test_success_runs_command_and_stops_service(project: Project) -> None:
    """A succeeding command produces evidence; the service is stopped afterwards."""
    marker = write_project(project, [sys.executable, "-c", WRITE_JUNIT])
    r = run_cli(["run", DEF], project.root)
    assert r.code == 0, r.out + r.err
    assert "service web: ready on port" in r.err
    assert "[1/1] unit-tests: ok in" in r.err
    assert (project.root / "build/logs/unit-tests.log").exists()
    assert survivors(marker) == []
    assert service_pids(project.root) == []


def test_failing_command_is_error_and_no_go(project: Project) -> None:
    """A command exiting with an unexpected code makes its check ERROR, never a stale GO."""
    project.write("build/junit/old.xml", '<testsuite><testcase name="old"/></testsuite>')
    marker = write_project(
        project, [sys.executable, "-c", "import sys; print('kaputt'); sys.exit(3)"]
    )
    r = run_cli(["run", DEF], project.root)
    assert r.code == 1
    assert "ERROR   tests.n" in r.out
    assert "command exited with 3" in r.out
    assert "kaputt" in r.out
    assert survivors(marker) == []
    assert service_pids(project.root) == []


def test_command_that_writes_nothing_is_error(project: Project) -> None:
    """Exit 0 without refreshing the evidence: the old file is not trusted."""
    project.write("build/junit/old.xml", '<testsuite><testcase name="old"/></testsuite>')
    old = time.time() - 3600
    os.utime(project.root / "build/junit/old.xml", (old, old))
    write_project(project, [sys.executable, "-c", "pass"])
    r = run_cli(["run", DEF], project.root)
    assert r.code == 1
    assert "wrote no evidence matching build/junit/*.xml" in r.out


def test_timeout_kills_the_whole_process_group(project: Project) -> None:
    """A command past its timeout is killed with its children; the check is ERROR."""
    spawn = (
        "import subprocess, sys, time; "
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', sys.argv[1]]); "
        "time.sleep(60)"
    )
    marker = write_project(project, [sys.executable, "-c", spawn], timeout="2s")
    t0 = time.monotonic()
    r = run_cli(["run", DEF], project.root)
    assert time.monotonic() - t0 < 30
    assert r.code == 1
    assert "command timed out after 2s" in r.out
    assert survivors(marker) == []
    assert service_pids(project.root) == []


def test_ctrl_c_stops_command_and_services(project: Project) -> None:
    """SIGINT during a run: exit 130, the command, its children and the service are gone."""
    spawn = (
        "import subprocess, sys, time; "
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', sys.argv[1]]); "
        "time.sleep(60)"
    )
    marker = write_project(project, [sys.executable, "-c", spawn])
    proc = subprocess.Popen(
        [str(VENV_BIN / "readiness"), "run", DEF],
        cwd=project.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while len(survivors(marker)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(survivors(marker)) == 2, "the command and its child should be running"
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert survivors(marker) == []
    assert service_pids(project.root) == []


def test_non_loopback_probe_is_refused(project: Project) -> None:
    """A service probe on another host is refused unless --allow-remote is given."""
    write_project(project, [sys.executable, "-c", WRITE_JUNIT])
    text = (project.root / "checks/unit-tests.yaml").read_text()
    (project.root / "checks/unit-tests.yaml").write_text(
        text.replace('http: "http://127.0.0.1:{port}/"', 'http: "http://192.0.2.1:{port}/"')
    )
    r = run_cli(["run", DEF], project.root)
    assert r.code == 1
    assert "is not on loopback; pass --allow-remote" in r.out


@pytest.mark.parametrize("only", ["nope"])
def test_only_unknown_check_is_usage_error(project: Project, only: str) -> None:
    """--only naming a check that is not in the definition exits 2."""
    write_project(project, [sys.executable, "-c", WRITE_JUNIT])
    assert run_cli(["run", DEF, "--only", only], project.root).code == 2
