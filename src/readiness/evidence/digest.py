"""The sha256 of an evidence file, with nothing but hashlib: `inspect` starts hashing big
files before the rest of the evidence layer is even imported, in a forked process of its own
where it can (`DigestChild`; elsewhere the gather's thread hashes them)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

HASH_BLOCK = 16 << 20  # bytes read and hashed at a time in this process
CHILD_BLOCK = 1 << 20  # ... in a process of its own, where no other thread waits on it
OVERLAP_BYTES = 1 << 20  # 1 MiB of files: below it a thread costs more than hashing in line
MAX_EVIDENCE_BYTES = 2 * 1024**3  # 2 GiB: above that a file is refused, not read
_SHA256 = re.compile(rb"[0-9a-f]{64}")


def sha256_file(
    path: Path, block_size: int = HASH_BLOCK, each_block: Callable[[], None] | None = None
) -> str:
    """The sha256 of a file, read into one buffer of `block_size` at a time (`each_block`
    called before each is hashed). Big blocks matter in a thread: reading and hashing
    release the GIL, but the loop takes it back between blocks and waits up to the switch
    interval (5 ms) for it while another thread runs Python, so 1 MiB blocks hashed a big
    file at a fraction of the speed of 16 MiB ones. Alone in a process, 1 MiB blocks are the
    faster (they stay in the core's cache)."""
    h = hashlib.sha256()
    with path.open("rb", buffering=0) as fh:
        size = os.fstat(fh.fileno()).st_size
        block = bytearray(min(block_size, size + 1))  # +1: a small file in one read
        view = memoryview(block)
        while got := fh.readinto(block):
            if each_block is not None:
                each_block()
            h.update(view[:got])
    return h.hexdigest()


class DigestChild:
    """The files' sha256, computed by a forked process (`start`) while this one imports and
    parses: no thread here waits for the GIL between blocks, and the 16 MiB buffer a thread
    needs is not touched (on the 2-core machine of `make bench`: 0.91x the time of `inspect`
    for the big Locust history, 0.93x for the big JUnit file, against a hashing thread).
    `get` gives a file's digest, or None when the process could not (a file it could not
    read: the caller hashes it again and words the error). Linux only, and only from a
    process with no other thread (forking one that has is not safe)."""

    def __init__(self, paths: Sequence[Path], pid: int, fd: int) -> None:
        self._paths = list(paths)
        self._pid = pid
        self._fd = fd
        self._digests: dict[Path, str] = {}

    @classmethod
    def start(cls, paths: Sequence[Path]) -> DigestChild | None:
        """The hashing process started, or None where a thread must do it."""
        if sys.platform != "linux" or not _alone():
            return None
        parent = os.getpid()
        rfd, wfd = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(rfd)
            os.close(wfd)
            return None
        if pid == 0:  # pragma: no cover - the forked process (its coverage is not written)
            try:
                _hash_and_exit(paths, rfd, wfd, parent)
            finally:
                os._exit(1)  # never back into the caller's code, whatever happened
        os.close(wfd)
        return cls(paths, pid, rfd)

    def get(self, path: Path) -> str | None:
        """`path`'s sha256, waiting for the process the first time; None if it has none."""
        if self._pid:
            self._collect()
        return self._digests.get(path)

    def _collect(self) -> None:
        chunks = []
        try:
            while chunk := os.read(self._fd, 1 << 16):
                chunks.append(chunk)
        except BaseException:  # an interrupt: no waiting for the file's end
            self.cancel()
            raise
        self._reap()
        lines = b"".join(chunks).split(b"\n")
        if len(lines) != len(self._paths) + 1 or lines[-1]:
            return  # the process failed: every file is hashed again here
        for path, line in zip(self._paths, lines, strict=False):
            if _SHA256.fullmatch(line):
                self._digests[path] = line.decode("ascii")

    def cancel(self) -> None:
        """Stop the process, its digests no longer wanted."""
        if self._pid:
            with contextlib.suppress(ProcessLookupError):  # gone already
                os.kill(self._pid, 9)
            self._reap()

    def _reap(self) -> None:
        pid, self._pid = self._pid, 0
        os.close(self._fd)
        os.waitpid(pid, 0)


def _alone() -> bool:
    """Whether this process runs no other thread (`threading` imported or not)."""
    threading = sys.modules.get("threading")
    return threading is None or threading.active_count() == 1


def _hash_and_exit(
    paths: Sequence[Path], rfd: int, wfd: int, parent: int
) -> None:  # pragma: no cover - runs in the forked process
    """The forked process: one line per file (its sha256, or "-" if it cannot be read or is
    over MAX_EVIDENCE_BYTES, which the reader refuses without its digest), then leave at once
    (no exit handlers, no buffers of the parent flushed twice). Its standard streams are
    /dev/null, so a pipe the command writes to closes when the command ends, and it stops as
    soon as the process that forked it (`parent`) is gone: it never outlives the command."""
    code = 1
    try:
        os.close(rfd)
        quiet = os.open(os.devnull, os.O_RDWR)  # holds none of the caller's pipes open
        for fd in (0, 1, 2):
            os.dup2(quiet, fd)
        lines = [_child_digest(path, parent) for path in paths]
        data = "".join(f"{line}\n" for line in lines).encode("ascii")
        while data:
            data = data[os.write(wfd, data) :]
        code = 0
    finally:
        os._exit(code)


class _Orphaned(Exception):
    """The process that forked the hashing one is gone."""


def _child_digest(path: Path, parent: int) -> str:  # pragma: no cover - the forked process
    """`path`'s sha256 read CHILD_BLOCK at a time, "-" if it cannot be or must not be read;
    _Orphaned as soon as `parent` is no longer this process's parent."""

    def parent_alive() -> None:
        if os.getppid() != parent:
            raise _Orphaned

    try:
        if path.stat().st_size > MAX_EVIDENCE_BYTES:
            return "-"
        return sha256_file(path, CHILD_BLOCK, parent_alive)
    except OSError:
        return "-"
