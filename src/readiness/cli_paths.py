"""Path arguments of the command line, checked when they are parsed: one clear line each.

`click.Path` treats every `stat()` failure as "does not exist", so a symlink loop passed through
(and crashed `Path.resolve()` with RuntimeError), and it accepts a FIFO as a file (reading the
definition or a template from it blocks forever). These types stat the path once and refuse a
symlink loop, a path under a regular file, a directory where a file is expected, and anything
that is not a regular file (FIFO, device, socket), naming the path and the reason.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import click


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symlink loop (too many levels of symbolic links)"
    return (exc.strerror or str(exc)).lower() if exc.strerror else str(exc)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _stat(path: str) -> os.stat_result | None:
    """`stat` following symlinks; None when nothing is there (ENOENT), OSError otherwise."""
    try:
        return Path(path).stat()
    except FileNotFoundError:
        return None


class InputFile(click.ParamType[Path, object]):
    """A regular file to read (a definition, a template); `must_exist=False` also accepts a
    path where nothing is yet (a sign-off file to create)."""

    name = "file"

    def __init__(self, *, must_exist: bool = True) -> None:
        self.must_exist = must_exist

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> Path:
        text = os.fspath(value) if isinstance(value, (str, os.PathLike)) else str(value)
        try:
            st = _stat(text)
        except OSError as exc:
            self.fail(f"{text}: {_reason(exc)}", param, ctx)
        if st is None:
            if self.must_exist:
                self.fail(f"{text}: no such file", param, ctx)
            return Path(text)
        if stat.S_ISDIR(st.st_mode):
            self.fail(f"{text}: is a directory, not a file", param, ctx)
        if not stat.S_ISREG(st.st_mode):
            self.fail(f"{text}: not a regular file ({_kind(st.st_mode)})", param, ctx)
        return Path(text)


class Directory(click.ParamType[Path, object]):
    """A directory, existing or to be created: never a file, a symlink loop or a path under a
    regular file."""

    name = "directory"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> Path:
        text = os.fspath(value) if isinstance(value, (str, os.PathLike)) else str(value)
        try:
            st = _stat(text)
        except OSError as exc:
            self.fail(f"{text}: {_reason(exc)}", param, ctx)
        if st is not None and not stat.S_ISDIR(st.st_mode):
            self.fail(f"{text}: not a directory", param, ctx)
        return Path(text)
