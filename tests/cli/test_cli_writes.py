"""Report writes that fail after the verdict: one clear line naming the path and the reason,
the verdict still printed, and an exit code that never hides the failure (README: Exit codes)."""

from __future__ import annotations

import os
import resource
import stat
import subprocess
from pathlib import Path

import pytest

from helpers import VENV_BIN, Project, invoke, junit_xml, untraced_environ

DEF = "definitions/demo.yaml"


def go(project: Project) -> Project:
    """The standard project with evidence that gives GO."""
    project.write("build/junit/a.xml", junit_xml(passed=50))
    return project


def no_go(project: Project) -> Project:
    """The standard project with evidence that gives NO-GO."""
    project.write("build/junit/a.xml", junit_xml(passed=70, failed=30))
    return project


def one_clean_error(err: str, *needles: str) -> None:
    """`err` holds a `readiness: error:` line with every needle, and no traceback."""
    assert "Traceback" not in err, err
    assert "internal error" not in err, err
    lines = [ln for ln in err.splitlines() if ln.startswith("readiness: error:")]
    assert any(all(n in ln for n in needles) for ln in lines), err


@pytest.fixture
def full(tmp_path: Path) -> Path:
    """A private full device in its own directory of tmp_path."""
    return full_device(tmp_path / "dev")


def full_device(directory: Path) -> Path:
    """A private /dev/full (character device 1,7: every write fails with ENOSPC) in `directory`,
    so that a regression replacing the target by a regular file cannot damage the machine's."""
    directory.mkdir()
    node = directory / "full"
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 7))
    except PermissionError:
        pytest.skip("creating a device node needs CAP_MKNOD (run as root)")
    return node


def temp_files(directory: Path) -> list[str]:
    """Names of atomic-write temporary files left in `directory`."""
    return [p.name for p in directory.iterdir() if p.name.endswith(".tmp")]


def test_full_disk_after_go_prints_the_verdict_then_exits_2(standard: Project, full: Path) -> None:
    """`--json` on a full device (ENOSPC) after a GO: GO is printed, then the write error;
    exit 2, and the device is still a device (never replaced by a regular file)."""
    r = invoke(["evaluate", DEF, "--json", str(full)], go(standard).root)
    assert r.code == 2, r.out + r.err
    assert "GO: 0 blocker(s)" in r.out
    one_clean_error(r.err, str(full), "No space left on device")
    assert stat.S_ISCHR(full.stat().st_mode)
    assert [p.name for p in full.parent.iterdir()] == ["full"]


def test_full_disk_after_no_go_keeps_exit_1(standard: Project, full: Path) -> None:
    """A write error after a NO-GO keeps the NO-GO exit code 1 and still names the failure."""
    r = invoke(["evaluate", DEF, "--json", str(full)], no_go(standard).root)
    assert r.code == 1, r.out + r.err
    assert "NO-GO" in r.out
    one_clean_error(r.err, str(full), "No space left on device")


def test_file_size_limit_is_a_clean_error_and_leaves_no_temp_file(standard: Project) -> None:
    """Under RLIMIT_FSIZE the big HTML report fails with EFBIG (never SIGXFSZ); the small ones
    are written, no temporary file is left, exit 2 after GO."""
    go(standard)
    limit = 4096

    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    proc = subprocess.run(
        [str(VENV_BIN / "readiness"), "evaluate", DEF, "--report-dir", "out"],
        cwd=standard.root,
        capture_output=True,
        text=True,
        timeout=120,
        env={**untraced_environ(), "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"},
        preexec_fn=limit_file_size,
        check=False,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "GO: 0 blocker(s)" in proc.stdout
    one_clean_error(proc.stderr, "out/report.html", "File too large")
    out = standard.root / "out"
    assert temp_files(out) == []
    assert (out / "readiness-junit.xml").stat().st_size < limit  # the others were written
    assert "report: out/readiness-junit.xml" in proc.stdout


def test_report_under_a_regular_file_is_a_clean_error(standard: Project) -> None:
    """--json whose parent is a regular file (ENOTDIR at write time): the verdict, then one
    line naming the path and the reason, exit 2; --report-dir there is refused before
    evaluating."""
    go(standard).write("blocker", "a file, not a directory\n")
    r = invoke(["evaluate", DEF, "--json", "blocker/report.json"], standard.root)
    assert r.code == 2, r.out + r.err
    assert "GO: 0 blocker(s)" in r.out
    one_clean_error(r.err, "blocker/report.json", "Not a directory")
    r = invoke(["evaluate", DEF, "--report-dir", "blocker/reports"], standard.root)
    assert r.code == 2, r.out + r.err
    one_clean_error(r.err, "blocker/reports", "not a directory")


def test_report_target_that_is_a_directory_is_a_clean_error(standard: Project) -> None:
    """A report file name taken by a directory: one line naming it; no temp file left."""
    (go(standard).root / "out" / "report.md").mkdir(parents=True)
    r = invoke(["evaluate", DEF, "--report-dir", "out"], standard.root)
    assert r.code == 2, r.out + r.err
    one_clean_error(r.err, "out/report.md", "Is a directory")
    assert temp_files(standard.root / "out") == []
    assert (standard.root / "out" / "report.json").is_file()


@pytest.mark.parametrize(
    ("summary", "reason"), [("dir", "Is a directory"), ("full", "No space left on device")]
)
def test_unwritable_step_summary_is_a_clean_error(
    standard: Project, tmp_path: Path, summary: str, reason: str
) -> None:
    """GITHUB_STEP_SUMMARY that is a directory or a full disk: the verdict and annotations are
    printed, then one line naming the variable, the path and the reason; exit 2 after GO."""
    if summary == "dir":
        (tmp_path / "summary-dir").mkdir()
        path = str(tmp_path / "summary-dir")
    else:
        path = str(full_device(tmp_path / "dev"))
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": path}
    r = invoke(["evaluate", DEF], go(standard).root, env)
    assert r.code == 2, r.out + r.err
    assert "GO: 0 blocker(s)" in r.out
    one_clean_error(r.err, "GITHUB_STEP_SUMMARY", path, reason)


def test_notes_output_to_a_full_disk_is_a_clean_error(standard: Project, full: Path) -> None:
    """`notes -o` on a full device: one line naming the path and the reason, exit 2."""
    r = invoke(["notes", DEF, "-o", str(full)], go(standard).root)
    assert r.code == 2, r.out + r.err
    one_clean_error(r.err, str(full), "No space left on device")
    assert stat.S_ISCHR(full.stat().st_mode)


def test_report_to_a_fifo_without_reader_is_an_error_not_a_hang(standard: Project) -> None:
    """`--json` naming a FIFO nobody reads: one line (ENXIO) instead of blocking forever."""
    fifo = go(standard).root / "pipe"
    os.mkfifo(fifo)
    r = invoke(["evaluate", DEF, "--json", "pipe"], standard.root)
    assert r.code == 2, r.out + r.err
    one_clean_error(r.err, "pipe", "No such device or address")
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_report_through_a_symlink_keeps_the_link(standard: Project) -> None:
    """`--json link` where link points at a file: the file gets the report, the link stays."""
    go(standard).write("real/report.json", "old\n")
    (standard.root / "link.json").symlink_to("real/report.json")
    r = invoke(["evaluate", DEF, "--json", "link.json"], standard.root)
    assert r.code == 0, r.out + r.err
    assert (standard.root / "link.json").is_symlink()
    assert '"verdict"' in (standard.root / "real/report.json").read_text()


def run_with_stdout(
    args: list[str], cwd: Path, stdout: Path | None, *, traced: bool = True
) -> subprocess.CompletedProcess[str]:
    """The real console script with standard output sent to `stdout` (None: closed);
    `traced=False`: without coverage, so it leaves as a user's process does (`cli_inspect.leave`:
    flushed, then no interpreter teardown), not through coverage's exit."""

    def close_stdout() -> None:
        os.close(1)

    with (stdout or Path(os.devnull)).open("w") as out:
        return subprocess.run(
            [str(VENV_BIN / "readiness"), *args],
            cwd=cwd,
            stdout=out,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
            env={**(os.environ if traced else untraced_environ()), "NO_COLOR": "1"},
            preexec_fn=close_stdout if stdout is None else None,
            check=False,
        )


@pytest.mark.parametrize(
    ("evidence", "code", "traced"),
    [(go, 2, True), (no_go, 1, True), (no_go, 1, False)],
    ids=["go", "no-go", "no-go-untraced"],
)
def test_summary_to_a_full_stdout_is_a_clean_error(
    standard: Project, full: Path, evidence: object, code: int, traced: bool
) -> None:
    """Standard output on a full disk: the reports are still written, one line says the summary
    could not be printed, and GO exits 2 (NO-GO stays 1)."""
    assert callable(evidence)
    evidence(standard)
    argv = ["evaluate", DEF, "--json", "r.json"]
    proc = run_with_stdout(argv, standard.root, full, traced=traced)
    assert proc.returncode == code, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert lines == ["readiness: error: cannot write to standard output: No space left on device"]
    assert (standard.root / "r.json").is_file()


@pytest.mark.parametrize("command", ["metrics", "notes", "validate"])
def test_other_commands_to_a_full_stdout_are_a_clean_error(
    standard: Project, full: Path, command: str
) -> None:
    """Any command whose standard output is a full disk: one line, exit 2, no traceback."""
    go(standard)
    proc = run_with_stdout([command, DEF], standard.root, full)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.splitlines()
    assert lines == ["readiness: error: cannot write to standard output: No space left on device"]


@pytest.mark.parametrize("traced", [True, False], ids=["traced", "untraced"])
def test_closed_stdout_is_not_a_crash(standard: Project, traced: bool) -> None:
    """Standard output closed: no traceback, the verdict's exit code."""
    argv = ["evaluate", DEF, "--json", "r.json"]
    proc = run_with_stdout(argv, go(standard).root, None, traced=traced)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    assert (standard.root / "r.json").is_file()


@pytest.mark.parametrize(("evidence", "code"), [(go, 0), (no_go, 1)])
def test_a_process_leaving_without_teardown_has_printed_everything(
    standard: Project, tmp_path: Path, evidence: object, code: int
) -> None:
    """Without coverage the console script leaves with os._exit once its streams are
    flushed: the summary is whole in the file, the report written, the exit code the
    verdict's, and the output what the same command prints in-process."""
    assert callable(evidence)
    evidence(standard)
    argv = ["evaluate", DEF, "--json", "r.json", "--no-record"]
    out = tmp_path / "out.txt"
    proc = run_with_stdout(argv, standard.root, out, traced=False)
    assert proc.returncode == code, proc.stderr
    assert (standard.root / "r.json").is_file()
    assert out.read_text() == invoke(argv, standard.root).out
    assert out.read_text().splitlines()[-1].startswith("GO: " if code == 0 else "NO-GO: ")
