"""Nothing a check's command or a service starts outlives the check: containment of processes.

A process group is not enough: a daemon calls setsid() and forks, leaving the command's group and
session, and is reparented to init. On Linux the runner makes itself a child subreaper
(`prctl(PR_SET_CHILD_SUBREAPER)`), so every orphan among its descendants is reparented to it
instead of to init; walking the parent links in /proc from our pid then finds every process the
commands started, however they detached. `sweep` kills and reaps them all, except those of the
services still running (a service and whatever it starts carry a per-run token in their
environment). Without /proc or prctl (not Linux) the process-group kill is all there is.

A cgroup would also catch a process that clears its environment; the runner does not rely on
one because it is rarely writable (containers, CI runners), while the subreaper always works.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import time
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

PR_SET_CHILD_SUBREAPER = 36  # <linux/prctl.h>
SERVICE_TOKEN_ENV = "READINESS_SERVICE_TOKEN"  # noqa: S105 - a variable name, not a secret
MAX_ROUNDS = 100  # each round kills everything it found; a fork race adds at most a round
REAP_WAIT_S = 5.0


@dataclass(frozen=True)
class Stray:
    """A process that was still running when its check ended, and was killed."""

    pid: int
    command: str


def become_subreaper() -> bool:
    """Make this process the reaper of its orphaned descendants (Linux); False if impossible."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError:
        return b""


def _processes() -> dict[int, tuple[int, bool]]:
    """pid -> (parent pid, is a zombie) for every process in /proc ({} without /proc)."""
    try:
        names = [p.name for p in Path("/proc").iterdir()]
    except OSError:
        return {}
    table: dict[int, tuple[int, bool]] = {}
    for name in names:
        if not name.isdigit():
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after it
        fields = _read(f"/proc/{name}/stat").rpartition(b")")[2].split()
        if len(fields) >= 2 and fields[1].isdigit():
            table[int(name)] = (int(fields[1]), fields[0] == b"Z")
    return table


def _carries(pid: int, token: str) -> bool:
    return f"\0{SERVICE_TOKEN_ENV}={token}\0".encode() in b"\0" + _read(f"/proc/{pid}/environ")


def _command(pid: int) -> str:
    raw = _read(f"/proc/{pid}/cmdline").rstrip(b"\0").replace(b"\0", b" ")
    return raw.decode("utf-8", "replace")[:120] or "?"


def _targets(
    me: int, spare_token: str | None, spare_pids: Collection[int]
) -> list[tuple[int, bool]]:
    """Our descendants (pid, is a zombie), less the spared ones and their descendants."""
    table = _processes()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _zombie) in table.items():
        children.setdefault(ppid, []).append(pid)
    found: list[tuple[int, bool]] = []
    todo = list(children.get(me, ()))
    while todo:
        pid = todo.pop()
        if pid in spare_pids or (spare_token is not None and _carries(pid, spare_token)):
            continue
        found.append((pid, table[pid][1]))
        todo.extend(children.get(pid, ()))
    return found


def _reap(pid: int, deadline: float) -> None:
    """Collect a killed child's exit status (a no-op for a process that is not our child)."""
    while True:
        try:
            done, _status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return
        if done or time.monotonic() > deadline:
            return
        time.sleep(0.005)


def sweep(*, spare_token: str | None = None, spare_pids: Collection[int] = ()) -> list[Stray]:
    """SIGKILL and reap every descendant of this process, except the processes in `spare_pids`,
    those whose environment carries `spare_token`, and their descendants. Returns the live
    processes it killed. Never waits on a pid in `spare_pids` (a `Popen` owns those)."""
    me = os.getpid()
    killed: dict[int, Stray] = {}
    deadline = time.monotonic() + REAP_WAIT_S
    for _ in range(MAX_ROUNDS):
        targets = _targets(me, spare_token, spare_pids)
        if not targets:
            break
        for pid, zombie in targets:
            if not zombie and pid not in killed:
                killed[pid] = Stray(pid, _command(pid))
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        for pid, _zombie in targets:
            _reap(pid, deadline)
        if time.monotonic() > deadline:
            break
    return list(killed.values())
