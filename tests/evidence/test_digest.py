"""The evidence files' sha256 computed by a forked process (`DigestChild`): the same digests
as hashing here, a file it cannot read left to the caller, nothing left running."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from readiness.evidence import digest
from readiness.evidence.digest import DigestChild, sha256_file

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="fork: Linux only")


def _files(tmp_path: Path) -> list[Path]:
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(3 << 20) + b"tail")  # more than a block of the child's
    small = tmp_path / "small.txt"
    small.write_text("ok\n")
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    return [big, small, empty]


def _gone(pid: int) -> bool:
    """Whether `pid` was reaped (it is no child of this process any more)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


@pytest.fixture(autouse=True)
def alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test runner's own threads (a plugin's) wait on nothing a hashing process touches."""
    monkeypatch.setattr(digest, "_alone", lambda: True)


def _start(paths: list[Path]) -> DigestChild:
    child = DigestChild.start(paths)
    assert child is not None
    return child


def test_the_forked_process_gives_each_files_sha256(tmp_path: Path) -> None:
    paths = _files(tmp_path)
    child = _start(paths)
    pid = child._pid
    for path in paths:
        assert child.get(path) == hashlib.sha256(path.read_bytes()).hexdigest()
        assert child.get(path) == sha256_file(path) == sha256_file(path, 7)
    assert _gone(pid)


def test_a_file_it_cannot_read_is_left_to_the_caller(tmp_path: Path) -> None:
    """A file gone before it is hashed: None for it (gather.file_metas then reads it and
    words the error), the others' digests as always."""
    paths = [*_files(tmp_path), tmp_path / "missing.xml"]
    child = _start(paths)
    assert child.get(paths[-1]) is None
    assert child.get(paths[0]) == sha256_file(paths[0])


def test_a_process_that_fails_gives_no_digest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A forked process that leaves without its lines: no file has a digest, so every one
    is hashed again by the caller; none is taken from a partial answer."""

    def fail(_paths: object, _rfd: int, wfd: int, _parent: int) -> None:  # pragma: no cover
        os.write(wfd, b"0" * 64 + b"\n")  # one line of two, then gone
        os._exit(3)

    monkeypatch.setattr(digest, "_hash_and_exit", fail)
    paths = _files(tmp_path)[:2]
    child = _start(paths)
    pid = child._pid
    assert [child.get(p) for p in paths] == [None, None]
    assert _gone(pid)


def test_cancel_stops_a_process_still_hashing(tmp_path: Path) -> None:
    """A FIFO nobody writes to keeps the process waiting: `cancel` stops and reaps it."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    child = _start([fifo])
    pid = child._pid
    child.cancel()
    assert _gone(pid)
    assert child.get(fifo) is None


def test_no_fork_beside_another_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Forking a process that runs another thread is not safe: a thread hashes then."""
    monkeypatch.undo()  # the real `_alone`
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert DigestChild.start(_files(tmp_path)) is None
    finally:
        stop.set()
        other.join()


def test_a_file_over_the_evidence_limit_is_not_hashed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file the reader refuses for its size is not read by the hashing process either (a
    sparse file of terabytes would keep it busy long after the command)."""
    monkeypatch.setattr(digest, "MAX_EVIDENCE_BYTES", 1 << 20)
    big, small, _ = _files(tmp_path)
    child = _start([big, small])
    assert child.get(big) is None
    assert child.get(small) == sha256_file(small)


ORPHAN = """
import os, sys
from pathlib import Path
from typing import Any
from readiness.evidence import digest
digest._alone = lambda: True
child = digest.DigestChild.start([Path(sys.argv[1])])
print(child._pid, flush=True)
os.kill(os.getpid(), 9)
"""


def test_the_hashing_process_never_outlives_the_command(tmp_path: Path) -> None:
    """A command killed while its files are hashed: the hashing process stops at its next
    block instead of reading the file to its end. Here the file is a FIFO fed without end:
    the feeding stops only because the reader's end closed."""
    import subprocess
    import sys

    fifo = tmp_path / "endless"
    os.mkfifo(fifo)
    command = subprocess.run(  # ends at once: the hashing process holds none of its pipes
        [sys.executable, "-c", ORPHAN, str(fifo)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,  # a bound, should it hang: the command itself ends at once
    )
    assert command.returncode == -9, command.stderr
    assert command.stdout.strip().isdigit()
    block = b"x" * (1 << 20)
    fed = 0
    with pytest.raises(BrokenPipeError), _writer(fifo) as feed:
        while fed < 4096:  # 4 GiB: what a hashing process that does not stop reads
            feed.write(block)
            fed += 1
    assert fed < 64


def _writer(fifo: Path) -> Any:
    """`fifo` opened for writing once its reader has it open: a bounded wait, never a hang
    should the reader be gone (opening a FIFO to write blocks until someone reads it)."""
    for _ in range(3000):
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # ENXIO: no reader yet
            time.sleep(0.01)
            continue
        os.set_blocking(fd, True)
        return os.fdopen(fd, "wb")
    raise AssertionError(f"nothing opened {fifo} to read it")


def test_an_error_in_the_hashing_process_never_returns_to_the_caller(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the forked process raises, it leaves: it never runs the caller's code as a
    second copy of the command (here it would write the marker and leave)."""

    def broken(*_args: object) -> None:  # pragma: no cover - the forked process
        raise RuntimeError("broken")

    monkeypatch.setattr(digest, "_hash_and_exit", broken)
    me = os.getpid()
    marker = tmp_path / "escaped"
    paths = _files(tmp_path)[:1]
    child = DigestChild.start(paths)
    if os.getpid() != me:  # pragma: no cover - only a forked process that came back
        marker.write_text("the forked process ran the caller's code")
        os._exit(0)
    assert child is not None
    assert child.get(paths[0]) is None
    assert not marker.exists()


def test_an_interrupt_while_waiting_stops_the_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C while the command waits for the digests: the hashing process is stopped, not
    waited for to the end of its files (here it would have written the marker)."""
    marker = tmp_path / "finished"
    hash_and_exit = digest._hash_and_exit

    def slow(*args: Any) -> None:  # pragma: no cover - the forked process
        time.sleep(5)
        marker.write_text("hashed to the end")
        hash_and_exit(*args)

    monkeypatch.setattr(digest, "_hash_and_exit", slow)
    paths = _files(tmp_path)[:1]
    child = _start(paths)
    pid = child._pid

    class Interrupted:
        """`os`, but Ctrl-C arrives while the pipe is read."""

        def __getattr__(self, name: str) -> Any:
            return getattr(os, name)

        def read(self, _fd: int, _size: int) -> bytes:
            raise KeyboardInterrupt

    monkeypatch.setattr(digest, "os", Interrupted())
    with pytest.raises(KeyboardInterrupt):
        child.get(paths[0])
    monkeypatch.setattr(digest, "os", os)
    assert _gone(pid)
    assert not marker.exists()
