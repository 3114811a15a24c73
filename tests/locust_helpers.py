"""Helpers for tests that run the sandbox and real Locust: processes in their own process
groups, bounded by timeouts, and always killed (group and all) on teardown."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from helpers import untraced_environ

REPO = Path(__file__).resolve().parents[1]
LOADTESTS = REPO / "loadtests"
LOCUST = Path(sys.executable).parent / "locust"


def _env() -> dict[str, str]:
    env = untraced_environ()  # Locust and the sandbox run no readiness code
    env.pop("READINESS_ALLOW_REMOTE", None)  # the tests must never send load off the machine
    env.pop("SANDBOX_URL", None)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def kill_group(proc: subprocess.Popen[bytes], *, grace_s: float = 5.0) -> None:
    """SIGTERM the process group, then SIGKILL what is left after `grace_s`; reap the leader."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace_s)
    # Forked Locust workers may outlive their master: kill the whole group regardless.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def free_port() -> int:
    """A loopback TCP port that nothing listens on (just released by the OS)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Sandbox:
    """A running sandbox exchange (see loadtests/sandbox)."""

    proc: subprocess.Popen[bytes]
    url: str

    def stop(self) -> int:
        """SIGTERM and wait; returns the exit code (0 on a clean shutdown)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=5)
        code = self.proc.returncode
        kill_group(self.proc)
        return code if code is not None else -1


def start_sandbox(timeout_s: float = 15.0) -> Sandbox:
    """Start `python -m sandbox --port 0` and wait for its "listening on URL" line."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sandbox", "--port", "0"],
        cwd=LOADTESTS,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], timeout_s)
        line = proc.stdout.readline().decode().strip() if ready else ""
        prefix = "listening on "
        if not line.startswith(prefix):
            raise RuntimeError(f"sandbox did not start: {line!r}")
        return Sandbox(proc, line[len(prefix) :])
    except BaseException:
        kill_group(proc)
        raise


@dataclass
class LocustRun:
    """One headless Locust run writing into `out_dir` with file prefix `name`."""

    out_dir: Path
    name: str
    args: list[str]
    proc: subprocess.Popen[bytes] | None = None
    returncode: int | None = None
    elapsed_s: float = 0.0
    _log: IO[bytes] | None = field(default=None, repr=False)
    _started: float = 0.0

    @property
    def prefix(self) -> Path:
        return self.out_dir / self.name

    @property
    def log(self) -> Path:
        return self.out_dir / f"{self.name}.log"

    def files(self) -> list[Path]:
        """Every output file of this run (what a check's glob `out_dir/name*` would match)."""
        return sorted(p for p in self.out_dir.glob(f"{self.name}*") if p != self.log)

    def start(self) -> None:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._log = self.log.open("wb")
        self._started = time.monotonic()
        self.proc = subprocess.Popen(
            [str(LOCUST), *self.args],
            cwd=REPO,
            env=_env(),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait(self, timeout_s: float) -> int:
        """Wait for the run to end (killing its group after `timeout_s`); the exit code."""
        assert self.proc is not None
        try:
            self.returncode = self.proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.returncode = None
        finally:
            self.elapsed_s = time.monotonic() - self._started
            kill_group(self.proc, grace_s=2.0)
            if self._log is not None:
                self._log.close()
        if self.returncode is None:
            raise RuntimeError(f"locust {self.name} overran {timeout_s} s; log: {self.log}")
        return self.returncode


def locust_run(
    out_dir: Path,
    name: str,
    host: str,
    *,
    locustfile: str = "loadtests/matching_locustfile.py",
    users: int = 5,
    run_time: str = "4s",
    processes: int | None = None,
    json_file: str | None = None,
    hdr_log: bool = True,
) -> LocustRun:
    """A bounded headless run with --csv, --csv-full-history and --json-file (not started)."""
    prefix = out_dir / name
    args = [
        "-f", locustfile,
        "--headless", "-u", str(users), "-r", str(users), "-t", run_time,
        "--csv", str(prefix), "--csv-full-history",
        "--json-file", str(out_dir / (json_file or name)),
        "--host", host,
        "--loglevel", "WARNING",
    ]  # fmt: skip
    if hdr_log:
        args += ["--hdr-log", str(out_dir / f"{name}.hlog")]
    if processes:
        # the master binds 5557 by default: a free loopback port keeps parallel runs apart
        port = str(free_port())
        args += ["--processes", str(processes), "--master-bind-host", "127.0.0.1"]
        args += ["--master-bind-port", port, "--master-port", port]
    return LocustRun(out_dir, name, args)
