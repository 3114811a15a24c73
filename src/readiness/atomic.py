"""The one helper that writes files: atomically, so a reader never sees half a report.

Every failure is a `WriteError` naming the path and the reason (full disk, file-size limit, a
directory or a regular file in the way), never a bare OSError. A target that is not a regular
file (`/dev/stdout`, a FIFO, a device) is written through, never replaced by a regular file;
a symlink to a regular file is followed, so the link stays and its target gets the content.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
import tempfile
from pathlib import Path

from readiness.errors import WriteError


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write `text` (UTF-8, LF) to `path` via a temporary file and `os.replace`.

    On any failure the temporary file is removed and the previous content stays intact.
    """
    return write_bytes(path, text.encode("utf-8"))


def write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    """Write `data` to `path` atomically (same directory temp file, fsync, rename)."""
    target = Path(path)
    try:
        _write(target, data)
    except OSError as exc:
        raise WriteError(str(target), exc) from None
    return target


def append_text(path: str | os.PathLike[str], text: str) -> Path:
    """Append `text` (UTF-8) to `path`, creating it: for files other tools append to as well."""
    target = Path(path)
    try:
        fd = _open_nonblocking(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8"))
    except OSError as exc:
        raise WriteError(str(target), exc) from None
    return target


def _open_nonblocking(target: Path, flags: int) -> int:
    """Open for writing without hanging on a FIFO nobody reads (ENXIO instead), then block."""
    fd = os.open(target, flags | os.O_NONBLOCK | os.O_CLOEXEC, 0o644)
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~os.O_NONBLOCK)
    return fd


def _write(target: Path, data: bytes) -> None:
    try:
        mode: int | None = target.stat().st_mode  # follows symlinks
    except FileNotFoundError:
        mode = None
    if mode is not None and stat.S_ISDIR(mode):
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR))
    if mode is not None and not stat.S_ISREG(mode):  # a device or pipe: nothing to replace
        with os.fdopen(_open_nonblocking(target, os.O_WRONLY), "wb") as fh:
            fh.write(data)
        return
    real = Path(os.path.realpath(target)) if target.is_symlink() else target
    real.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=real.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        Path(tmp).chmod(0o644)
        Path(tmp).replace(real)
    except BaseException:
        with contextlib.suppress(OSError):
            Path(tmp).unlink()
        raise
