"""`readiness run`: commands, services, timeouts, and no process left behind, ever."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from helpers import VENV_BIN, Project, run_cli

# Real commands, services and daemons, with 2 s timeouts: the longest file of the suite.
pytestmark = pytest.mark.slow

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
    """A command past its timeout is killed with its children; the check is ERROR (what the run
    left behind is asserted, not how long it took: a busy machine is slow, not wrong)."""
    spawn = (
        "import subprocess, sys, time; "
        "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)', sys.argv[1]]); "
        "time.sleep(60)"
    )
    marker = write_project(project, [sys.executable, "-c", spawn], timeout="2s")
    r = run_cli(["run", DEF], project.root)
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
        # as from a terminal: a suite started in the background of a non-interactive shell
        # inherits SIGINT ignored, and Python then leaves Ctrl-C ignored in its children too
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # noqa: PLW1509
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


# A daemon as real ones make themselves: fork, setsid() in the child, fork again, the middle
# process exits, the grandchild (in its own session, reparented away from the command) lives on.
DAEMON = """
import os, pathlib, sys, time
mode, pidfile = sys.argv[1], pathlib.Path(sys.argv[2])
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        pidfile.with_suffix(".tmp").write_text(str(os.getpid()))
        pidfile.with_suffix(".tmp").replace(pidfile)
        time.sleep(120)
    os._exit(0)
while not pidfile.exists():
    time.sleep(0.01)
if mode == "fail":
    sys.exit(3)
if mode == "hang":
    time.sleep(120)
if mode == "ok":
    p = pathlib.Path("build/junit/a.xml")
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text('<testsuite><testcase classname="c" name="t"/></testsuite>')
if mode == "serve":
    os.execv(sys.executable, [sys.executable, "-m", "http.server", "--bind", "127.0.0.1",
                              sys.argv[3]])
"""


def alive(pid: int) -> bool:
    """Whether `pid` is a live (not zombie) process."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def daemon_pids(project: Project) -> Iterator[list[int]]:
    """Pids the test's daemons wrote; any still alive at the end is killed (no leak on failure)."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def read_pid(path: Path) -> int:
    """The pid a daemon wrote to `path` (fails the test when it never wrote one)."""
    assert path.exists(), f"the daemon never started ({path} missing)"
    return int(path.read_text())


@pytest.mark.parametrize(
    ("mode", "code", "says"),
    [
        ("ok", 0, "unit-tests: ok in"),
        ("fail", 1, "command exited with 3"),
        ("hang", 1, "command timed out after 2s"),
    ],
)
def test_double_forked_daemon_does_not_outlive_the_check(
    project: Project, daemon_pids: list[int], mode: str, code: int, says: str
) -> None:
    """A command that leaves a setsid() double-forked daemon behind: the daemon is gone when
    `readiness run` returns, whether the command succeeded, failed or timed out."""
    project.write("daemon.py", DAEMON)
    pidfile = project.root / "daemon.pid"
    write_project(project, [sys.executable, "daemon.py", mode, str(pidfile)], timeout="2s")
    r = run_cli(["run", DEF], project.root)
    daemon_pids.append(read_pid(pidfile))
    assert r.code == code, r.out + r.err
    assert says in r.out + r.err
    assert not alive(daemon_pids[0]), "the daemon outlived `readiness run`"
    assert f"unit-tests: stopped pid {daemon_pids[0]} left running" in r.err
    assert service_pids(project.root) == []


def test_daemon_of_a_service_does_not_outlive_the_run(
    project: Project, daemon_pids: list[int]
) -> None:
    """A service that detaches a double-forked daemon: the daemon is stopped with the service."""
    project.write("daemon.py", DAEMON)
    pidfile = project.root / "service-daemon.pid"
    write_project(project, [sys.executable, "-c", WRITE_JUNIT])
    check = project.root / "checks/unit-tests.yaml"
    check.write_text(
        check.read_text().replace(
            "-m, http.server, --bind, 127.0.0.1,", f'daemon.py, serve, "{pidfile}",'
        )
    )
    r = run_cli(["run", DEF], project.root)
    daemon_pids.append(read_pid(pidfile))
    assert r.code == 0, r.out + r.err
    assert not alive(daemon_pids[0]), "the service's daemon outlived `readiness run`"
    assert service_pids(project.root) == []


def test_daemon_of_a_service_lives_until_the_run_ends(
    project: Project, daemon_pids: list[int]
) -> None:
    """What a service detaches is not swept after the first check: a later check still sees it."""
    project.write("daemon.py", DAEMON)
    pidfile = project.root / "service-daemon.pid"
    write_project(project, [sys.executable, "-c", WRITE_JUNIT])
    check = project.root / "checks/unit-tests.yaml"
    check.write_text(
        check.read_text().replace(
            "-m, http.server, --bind, 127.0.0.1,", f'daemon.py, serve, "{pidfile}",'
        )
    )
    probe = (
        "import os, pathlib, sys; pid = int(pathlib.Path(sys.argv[1]).read_text()); "
        "os.kill(pid, 0); p = pathlib.Path('build/junit2/a.xml'); p.parent.mkdir(); "
        "p.write_text('<testsuite><testcase classname=\\'c\\' name=\\'t\\'/></testsuite>')"
    )
    project.write(
        "checks/later.yaml",
        "schema: 1\nid: later\nkind: junit\nevidence: build/junit2/*.xml\ncollect:\n"
        f"  command: {json.dumps([sys.executable, '-c', probe, str(pidfile)])}\n",
    )
    project.write(
        DEF,
        "schema: 1\nrelease: demo\nversion: '1'\nstage: mvp\n"
        "checks: [unit-tests, later]\ngates: [tests]\n",
    )
    r = run_cli(["run", DEF], project.root)
    daemon_pids.append(read_pid(pidfile))
    assert "[2/2] later: ok in" in r.err, r.err
    assert r.code == 0, r.out + r.err
    assert not alive(daemon_pids[0])


@pytest.mark.parametrize("log", ["unit-tests.log", "service-web.log"])
def test_unwritable_log_makes_the_check_error_not_a_crash(project: Project, log: str) -> None:
    """A command's or service's log that cannot be created (a directory in the way): the check
    is ERROR naming the log and the reason, NO-GO, no traceback, nothing left running."""
    marker = write_project(project, [sys.executable, "-c", WRITE_JUNIT])
    (project.root / "build/logs" / log).mkdir(parents=True)
    r = run_cli(["run", DEF], project.root)
    assert r.code == 1, r.out + r.err
    assert "Traceback" not in r.err
    # lines wrap at 100 columns, a long path too: compare without the white space
    assert f"build/logs/{log}:Isadirectory" in "".join(r.out.split())
    assert survivors(marker) == []
    assert service_pids(project.root) == []
