"""`readiness run`: produce the evidence by running the checks' commands, then evaluate.

Commands are argument lists (never a shell), each in its own process group with a timeout, its
output kept in a log file. Services a check declares are started first (with a readiness probe)
and always stopped, on success, failure, timeout or Ctrl-C: no process is left behind, not even
a daemon that left the process group (see `readiness.procs`). A command that fails, times out, or
does not refresh its evidence makes that check ERROR; the other checks still run.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Literal

from readiness import live, procs
from readiness.definition import CheckSpec, Project, Service
from readiness.errors import CollectError
from readiness.evidence.gather import resolve_files

LOOPBACK = ("127.0.0.1", "::1", "localhost")
STOP_GRACE_S = 5.0
Outcome = Literal["ok", "failed", "timeout", "interrupted", "not-refreshed", "skipped"]


# What the `load` extra brings for `run` (pip install 'readiness[load]'); a light install for
# gates has none of them. A command naming one of these fails before anything starts.
LOAD_EXTRA = ("locust", "pytest", "gevent")


@dataclass(frozen=True)
class Collected:
    """What running one check's command amounted to."""

    check: str
    outcome: Outcome
    message: str
    log: str
    seconds: float
    started_at: float


@dataclass
class _Running:
    service: Service
    proc: subprocess.Popen[bytes]
    port: int | None
    log: IO[bytes]


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _substitute(text: str, values: dict[str, str]) -> str:
    for key, value in values.items():
        text = text.replace("{" + key + "}", value)
    return text


def kill_group(proc: subprocess.Popen[bytes], grace: float = STOP_GRACE_S) -> None:
    """Stop a process and its whole group: SIGTERM, then SIGKILL after `grace` seconds."""
    if proc.poll() is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)  # stray children of an exited leader
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace)


def _check_loopback(url_or_hostport: str, allow_remote: bool, what: str) -> None:
    host = (
        urllib.parse.urlsplit(url_or_hostport).hostname
        if "://" in url_or_hostport
        else url_or_hostport.rsplit(":", 1)[0].strip("[]")
    )
    if not allow_remote and host not in LOOPBACK:
        raise CollectError(
            f"{what} {url_or_hostport!r} is not on loopback; pass --allow-remote to name "
            "another host explicitly"
        )


def _probe_once(service: Service, values: dict[str, str]) -> bool:
    probe = service.ready
    try:
        if probe.http is not None:
            url = _substitute(probe.http, values)
            with urllib.request.urlopen(url, timeout=1.0) as resp:  # noqa: S310 - loopback, checked
                return 200 <= int(resp.status) < 300
        assert probe.tcp is not None
        host, _, port = _substitute(probe.tcp, values).rpartition(":")
        with socket.create_connection((host.strip("[]"), int(port)), timeout=1.0):
            return True
    except (OSError, urllib.error.URLError, ValueError):
        return False


@dataclass
class Runner:
    """Runs checks' commands and services for one project; use as a context manager."""

    project: Project
    log_dir: Path
    allow_remote: bool = False
    progress: Callable[[str], None] = lambda _line: None
    watch: Callable[[live.Status], None] | None = None
    services: dict[str, _Running] = field(default_factory=dict)
    position: tuple[int, int] = (1, 1)  # the running check's index among `total`, for `watch`
    token: str = field(default_factory=lambda: uuid.uuid4().hex)

    def __enter__(self) -> Runner:
        procs.become_subreaper()  # orphans of the commands are reparented to us, not to init
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_services()

    def _values(self) -> dict[str, str]:
        values = {"root": str(self.project.root), "python": sys.executable}
        for sid, running in self.services.items():
            if running.port is not None:
                values[f"service.{sid}.port"] = str(running.port)
        return values

    def _env(
        self, extra: dict[str, str], values: dict[str, str], *, service: bool = False
    ) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("READINESS_ALLOW_REMOTE", None)
        env.pop(procs.SERVICE_TOKEN_ENV, None)
        if self.allow_remote:
            env["READINESS_ALLOW_REMOTE"] = "1"
        if service:  # what a service starts lives until the run ends, not only until the check
            env[procs.SERVICE_TOKEN_ENV] = self.token
        env.update({k: _substitute(v, values) for k, v in extra.items()})
        return env

    def start_service(self, service: Service) -> None:
        if service.id in self.services:
            return
        port = free_port() if service.port == "auto" else service.port
        values = {**self._values(), "port": str(port) if port is not None else ""}
        probe = service.ready.http or service.ready.tcp or ""
        _check_loopback(_substitute(probe, values), self.allow_remote, "service probe")
        argv = [_substitute(a, values) for a in service.command]
        log_path = self.log_dir / f"service-{service.id}.log"
        try:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            log = log_path.open("wb")
        except OSError as exc:
            raise CollectError(
                f"service {service.id}: cannot write its log {log_path}: {exc.strerror}"
            ) from None
        try:
            proc = subprocess.Popen(
                argv,
                cwd=self.project.root / service.cwd,
                env=self._env(service.env, values, service=True),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        except OSError as exc:
            log.close()
            raise CollectError(f"service {service.id}: cannot start {argv[0]!r}: {exc}") from None
        running = _Running(service, proc, port, log)
        self.services[service.id] = running
        deadline = time.monotonic() + service.ready.timeout
        self.progress(f"  service {service.id}: starting ({' '.join(argv)})")
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise CollectError(
                    f"service {service.id} exited with {proc.returncode} before it was ready "
                    f"(log: {self.log_dir / f'service-{service.id}.log'})"
                )
            if _probe_once(service, values):
                self.progress(f"  service {service.id}: ready on port {port}")
                return
            time.sleep(0.1)
        raise CollectError(
            f"service {service.id} not ready after {service.ready.timeout:g}s ({probe})"
        )

    def stop_services(self) -> None:
        """Stop every service (SIGTERM, grace, SIGKILL), then kill whatever is left of anything
        the run started."""
        for running in self.services.values():
            kill_group(running.proc)
            running.log.close()
        self.services.clear()
        for stray in procs.sweep():
            self.progress(f"  stopped pid {stray.pid} left running: {stray.command}")

    def _sweep_after(self, check: str, proc: subprocess.Popen[bytes]) -> None:
        """Kill what the check's command left running (daemons included), sparing services."""
        spare = {r.proc.pid for r in self.services.values()}
        if proc.returncode is None:  # not reaped yet: its Popen still owns the pid
            spare.add(proc.pid)
        for stray in procs.sweep(spare_token=self.token, spare_pids=spare):
            self.progress(f"  {check}: stopped pid {stray.pid} left running: {stray.command}")

    def run_check(self, spec: CheckSpec, evidence_dir: Path) -> Collected:
        """Run one check's command; never raises for the command's own failure."""
        assert spec.collect is not None
        started = time.time()
        log_path = self.log_dir / f"{spec.id}.log"
        try:
            for service in spec.services:
                self.start_service(service)
        except CollectError as exc:
            return Collected(spec.id, "failed", str(exc), str(log_path), 0.0, started)
        values = {**self._values(), "evidence_dir": str(evidence_dir)}
        argv = [_substitute(a, values) for a in spec.collect.command]
        try:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            log = log_path.open("wb")
        except OSError as exc:
            msg = f"cannot write its log {log_path}: {exc.strerror}"
            return Collected(spec.id, "failed", msg, str(log_path), 0.0, started)
        t0 = time.monotonic()
        with log:
            try:
                proc = subprocess.Popen(
                    argv,
                    cwd=self.project.root / spec.collect.cwd,
                    env=self._env(spec.collect.env, values),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            except OSError as exc:
                return Collected(
                    spec.id,
                    "failed",
                    f"cannot run {argv[0]!r}: {exc.strerror}",
                    str(log_path),
                    0.0,
                    started,
                )
            history = live.load_history(argv, self.project.root / spec.collect.cwd)
            try:
                outcome = self._wait(proc, spec, log_path, t0, history, started)
            except BaseException:
                kill_group(proc)
                raise
        self._sweep_after(spec.id, proc)
        elapsed = time.monotonic() - t0
        if outcome == "timeout":
            msg = f"command timed out after {spec.collect.timeout:g}s (log: {log_path})"
            return Collected(spec.id, "timeout", msg, str(log_path), elapsed, started)
        code = proc.returncode
        if code not in spec.collect.ok_exit_codes:
            tail = _tail(log_path)
            msg = f"command exited with {code} (log: {log_path}){': ' + tail if tail else ''}"
            return Collected(spec.id, "failed", msg, str(log_path), elapsed, started)
        fresh = [p for p in resolve_files(spec, evidence_dir) if p.stat().st_mtime >= started - 1]
        if not fresh:
            msg = (
                f"the command succeeded but wrote no evidence matching {', '.join(spec.evidence)}"
                f" (log: {log_path})"
            )
            return Collected(spec.id, "not-refreshed", msg, str(log_path), elapsed, started)
        return Collected(spec.id, "ok", "", str(log_path), elapsed, started)

    def _wait(
        self,
        proc: subprocess.Popen[bytes],
        spec: CheckSpec,
        log_path: Path,
        t0: float,
        history: Path | None,
        started: float,
    ) -> Outcome:
        """Wait for the command, killing it at its timeout; about twice a second, hand `watch`
        what it is doing (elapsed, its log's last line, Locust's live figures)."""
        assert spec.collect is not None
        while True:
            try:
                proc.wait(timeout=0.5)
                kill_group(proc, grace=1.0)  # children the command left behind
                return "ok"
            except subprocess.TimeoutExpired:
                pass
            elapsed = time.monotonic() - t0
            if elapsed > spec.collect.timeout:
                kill_group(proc)
                return "timeout"
            if self.watch is not None:
                load = live.read_load(history, started - 1) if history is not None else None
                index, total = self.position
                self.watch(
                    live.Status(
                        spec.id,
                        index,
                        total,
                        elapsed,
                        spec.collect.timeout,
                        _tail(log_path, 100),
                        load,
                    )
                )


def _tail(path: Path, width: int = 200) -> str:
    """The last non-empty line of a log, shortened."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - 4096))
            chunk = fh.read().decode("utf-8", "replace")
    except OSError:
        return ""
    lines = [" ".join(ln.split()) for ln in chunk.replace("\r", "\n").splitlines()]
    lines = [ln for ln in lines if ln]
    return lines[-1][:width] if lines else ""


def _tool(argv: list[str]) -> str | None:
    """The tool of the load extra a command runs: `{python} -m locust ...` or `locust ...`."""
    if len(argv) >= 3 and argv[0] == "{python}" and argv[1] == "-m":
        name = argv[2].partition(".")[0]
        return name if name in LOAD_EXTRA and importlib.util.find_spec(name) is None else None
    name = Path(argv[0]).name if argv else ""
    if name in LOAD_EXTRA and shutil.which(argv[0]) is None:
        return name
    return None


def require_tools(project: Project, only: set[str] | None = None) -> None:
    """Refuse to start when a command to run needs Locust or pytest and this install has not
    got them (a light install made for gates): one line naming the extra, exit 2."""
    needs: dict[str, list[str]] = {}
    for cid in project.definition.checks:
        spec = project.checks[cid]
        if spec.collect is None or (only is not None and cid not in only):
            continue
        for argv in [spec.collect.command, *(s.command for s in spec.services)]:
            tool = _tool(list(argv))
            if tool is not None and cid not in needs.setdefault(tool, []):
                needs[tool].append(cid)
    if needs:
        which = ", ".join(f"{tool} (for {', '.join(c)})" for tool, c in sorted(needs.items()))
        raise CollectError(
            f"run: not installed: {which}; they come with the load extra: "
            "pip install 'readiness[load]'"
        )


def collect(
    project: Project,
    evidence_dir: Path,
    log_dir: Path,
    *,
    only: set[str] | None = None,
    allow_remote: bool = False,
    progress: Callable[[str], None] = lambda _line: None,
    watch: Callable[[live.Status], None] | None = None,
) -> dict[str, Collected]:
    """Run every check that has a command (in definition order); stop all services at the end.

    `progress` gets a line when a check starts and ends; `watch` a `live.Status` about twice a
    second while its command runs."""
    results: dict[str, Collected] = {}
    todo = [
        project.checks[c]
        for c in project.definition.checks
        if project.checks[c].collect is not None and (only is None or c in only)
    ]
    with Runner(project, log_dir, allow_remote, progress, watch) as runner:
        for i, spec in enumerate(todo, 1):
            runner.position = (i, len(todo))
            progress(f"[{i}/{len(todo)}] {spec.id}: {spec.title or spec.kind}")
            result = runner.run_check(spec, evidence_dir)
            results[spec.id] = result
            mark = "ok" if result.outcome == "ok" else result.outcome.upper()
            progress(
                f"[{i}/{len(todo)}] {spec.id}: {mark} in {result.seconds:.1f}s"
                + (f" - {result.message}" if result.message else "")
            )
    return results


@contextlib.contextmanager
def interrupt_as_keyboard() -> Iterator[None]:
    """Treat SIGTERM like Ctrl-C while running, so services are stopped on either."""

    def handler(_sig: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
