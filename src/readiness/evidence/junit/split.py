"""One big JUnit file read on two cores: the first half here, the second in a forked process.

lxml calls the parser target's Python methods for every element, so one core reads a
100,000-case file no faster than about 0.3 s, whatever the target does. A file whose root is
`<testsuites>` holding many `<testsuite>`s (Surefire, Gradle, a merged CI report) splits
where a suite starts a little before its middle (`split_points`, FIRST_SHARE):

- this process reads the bytes before that point, then a `</testsuites>` of its own, with
  the `FileParser` as always;
- a forked process reads the file's head up to the end of the root's start tag, then the
  bytes from that point on, with a `Recorder`: the same target, which keeps what each suite,
  batch of cases and case with results would have done to the tally as steps (a batch of
  plain passes as its merge keys and times only, in arrays), and sends them down a pipe
  FRAME_STEPS at a time, read here by a thread as they come;
- this process then takes those steps in order (`replay`), as it would have taken them
  reading the second half itself, and finishes the file. Its part is the smaller one, so it
  takes most of the steps while the forked process still reads, rather than all of them
  once it is done (the 100,000-case file: 0.93x the time of sending them all at the end).

The split is proved, not assumed. The point must be where a suite starts as a child of the
root: `</testsuites>` read right before it closes the root only there (inside a comment, a
CDATA section or a processing instruction it is an unterminated one, inside a suite a
mismatched tag, after the root's end extra content), and libxml2 then reads what follows
exactly as the forked process does after the same start tag of the same root. The root's start
tag must come first in the file, after an XML declaration at most, so that both processes
read the same prolog. Anything else - no such point, an error in either half, a time sum that
would only overflow with the first half's, a forked process that fails - and the file is read
again from its start on one core, which words and locates any error as before: the split only
ever gives what that reading gives. Merge keys are `hash()`es, the same in a forked process.

Memory still does not grow with what a case holds: the steps keep 16 bytes a plain pass, the
first half's tally a merge key and rank a test, as before.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import re
import struct
import sys
import threading
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import reduce
from operator import add
from pathlib import Path
from typing import Any, BinaryIO

from readiness.evidence import base
from readiness.evidence.junit.case import Child
from readiness.evidence.junit.parser import FileParser
from readiness.evidence.junit.tally import Tally

SPLIT_BYTES = 8 << 20  # below it, one core reads the file before a second one would help
# The first part's share of the file: less than half, because this process also takes the
# second part's steps, as they come, while the forked process still reads.
FIRST_SHARE = 0.43
FRAME_STEPS = 64  # steps the forked process sends at a time
_LENGTH = struct.Struct("<Q")  # a frame's length, before its pickled steps
_HEAD = 1 << 16  # where the root's start tag is looked for
_WINDOW = 1 << 22  # where a suite's start is looked for, from the middle on
_CLOSE = b"</testsuites>"
# The prolog (a BOM, an XML declaration, blanks) and the root's start tag, nothing else.
_ROOT = re.compile(
    rb"(?:\xef\xbb\xbf)?(?:<\?xml[^?<>]*\?>)?[ \t\r\n]*<testsuites"
    rb"""(?:[ \t\r\n]+[^\s=<>"'/]+[ \t\r\n]*=[ \t\r\n]*(?:"[^"<]*"|'[^'<]*'))*[ \t\r\n]*>"""
)
_SUITE = re.compile(rb"<testsuite[ \t\r\n>/]")


def split_points(path: Path, size: int) -> tuple[int, int] | None:
    """(where the root's start tag ends, where a suite starts after FIRST_SHARE of the file),
    or None."""
    with path.open("rb") as fh:
        head = fh.read(_HEAD)
        root = _ROOT.match(head)
        if root is None:
            return None
        middle = max(int(size * FIRST_SHARE), root.end())
        fh.seek(middle)
        found = _SUITE.search(fh.read(_WINDOW))
    if found is None:
        return None
    return root.end(), middle + found.start()


class _Part:
    """A file-like of byte ranges of one file (`stop` None: to its end), then `tail`."""

    def __init__(self, fh: BinaryIO, ranges: Sequence[tuple[int, int | None]], tail: bytes):
        self._fh = fh
        self._ranges = list(ranges)
        self._tail = tail
        self._left: int | None = 0
        self._next_range()

    def _next_range(self) -> bool:
        if not self._ranges:
            return False
        start, stop = self._ranges.pop(0)
        self._fh.seek(start)
        self._left = None if stop is None else stop - start
        return True

    def read(self, size: int) -> bytes:
        while True:
            want = size if self._left is None else min(size, self._left)
            data = self._fh.read(want) if want else b""
            if data:
                if self._left is not None:
                    self._left -= len(data)
                return data
            if not self._next_range():
                data, self._tail = self._tail, b""
                return data


class Recorder(FileParser):
    """The target of the second half: what the `FileParser` would do to the tally, kept as
    steps in order instead (`steps`), handed to `send` FRAME_STEPS at a time if given."""

    def __init__(self, shown: str, send: Callable[[list[tuple[Any, ...]]], None] | None = None):
        super().__init__(shown, Tally())
        self.steps: list[tuple[Any, ...]] = []
        self._send = send

    def _step(self, step: tuple[Any, ...]) -> None:
        self.steps.append(step)
        if self._send is not None and len(self.steps) >= FRAME_STEPS:
            self._send(self.steps)
            self.steps = []

    def _add_plain(self, keys: Sequence[int], seconds: Sequence[float], total: float) -> None:
        self._step(("plain", array("q", keys), array("d", seconds)))

    def _cases(self, batch: list[dict[str, str]]) -> None:
        self._step(("cases", [dict(case) for case in batch]))

    def _case_with_results(self, case: dict[str, str], children: list[Child]) -> None:
        kept = [Child(c.tag, dict(c.attrs), c.text, c.size) for c in children]
        self._step(("case", dict(case), kept))

    def _start_suite(self, attrs: dict[str, str], depth: int) -> None:
        self._flush()
        super()._start_suite(dict(attrs), depth)  # the open suites, for `end`
        self._step(("suite", dict(attrs), depth))

    def _end_suite(self, depth: int) -> None:
        self._flush()
        self.suites.pop()
        self._step(("end", depth))


class _Redo(Exception):
    """The split cannot give what one reading gives: read the file on one core."""


def replay(parser: FileParser, steps: list[tuple[Any, ...]]) -> None:
    """The second half's steps taken by the first half's parser, in order."""
    for step in steps:
        kind = step[0]
        if kind == "plain":
            keys, seconds = step[1], step[2]
            total = reduce(add, seconds, parser.case_time)
            if not total < float("inf"):
                raise _Redo  # one reading would have taken these one at a time
            parser._add_plain(keys, seconds, total)
        elif kind == "cases":
            parser._cases(step[1])
        elif kind == "case":
            parser._case_with_results(step[1], step[2])
        elif kind == "suite":
            parser._start_suite(step[1], step[2])
        else:
            parser._end_suite(step[1])


@dataclass
class _Child:
    pid: int
    fd: int


def _fork(path: Path, shown: str, root_end: int, at: int) -> _Child:
    """The forked process reading the second half; it writes its steps to a pipe as frames
    (a length, then the pickled steps), None last, and leaves with os._exit. A failure
    writes no more: the pipe ends without the None."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the forked process (its coverage is not written)
        os.close(rfd)
        try:
            with os.fdopen(wfd, "wb") as out:

                def send(steps: list[tuple[Any, ...]] | None) -> None:
                    data = pickle.dumps(steps, protocol=pickle.HIGHEST_PROTOCOL)
                    out.write(_LENGTH.pack(len(data)))
                    out.write(data)
                    out.flush()

                recorder = Recorder(shown, send)
                with path.open("rb") as fh:
                    recorder.read(_Part(fh, [(0, root_end), (at, None)], b""))
                send(recorder.steps)
                send(None)
        finally:
            os._exit(0)
    os.close(wfd)
    return _Child(pid, rfd)


class _Frames:
    """The forked process's frames, read from its pipe in a thread as they come (so it never
    waits for this process to finish its own part), taken in order by iterating."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._got: list[bytes] = []
        self._ended = False
        self._ready = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="readiness-junit", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        buffer = bytearray()
        try:
            while chunk := os.read(self._fd, 1 << 16):
                buffer += chunk
                frames, used = _complete(buffer)
                if frames:
                    del buffer[:used]
                    with self._ready:
                        self._got.extend(frames)
                        self._ready.notify()
        except OSError:
            pass  # the pipe closed under it: the steps end without their None
        finally:
            with self._ready:
                self._ended = True
                self._ready.notify()

    def join(self) -> None:
        self._thread.join()

    def __iter__(self) -> Iterator[list[tuple[Any, ...]]]:
        """Each frame's steps; _Redo if the pipe ends before the None that ends them."""
        taken = 0
        while True:
            with self._ready:
                while taken == len(self._got) and not self._ended:
                    self._ready.wait()
                if taken == len(self._got):
                    raise _Redo  # the forked process failed
                frame, self._got[taken] = self._got[taken], b""
            taken += 1
            steps: list[tuple[Any, ...]] | None = pickle.loads(frame)  # noqa: S301 - our child's
            if steps is None:
                return
            yield steps


def _complete(buffer: bytearray) -> tuple[list[bytes], int]:
    """The complete frames at the start of `buffer`, and how many bytes they take."""
    frames = []
    used = 0
    while len(buffer) - used >= _LENGTH.size:
        (length,) = _LENGTH.unpack_from(buffer, used)
        start = used + _LENGTH.size
        if len(buffer) - start < length:
            break
        frames.append(bytes(buffer[start : start + length]))
        used = start + length
    return frames, used


def _end(child: _Child, frames: _Frames) -> None:
    """Reap the forked process, stopping it first if it is still there (an error or an
    interrupt here), then the thread reading its pipe and the pipe."""
    if child.pid:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child.pid, 9)
        os.waitpid(child.pid, 0)
        child.pid = 0
    frames.join()  # the pipe's writer is gone: its reader ends
    os.close(child.fd)


def read_split(path: Path, shown: str, tally: Tally) -> bool:
    """Read `path` into a fresh `tally` on two cores; False, with the tally fresh again, if
    it is not split (see the module's docstring): the caller reads it on one core."""
    if not (base.spare_cores() and sys.platform == "linux" and _fresh(tally)):
        return False
    size = path.stat().st_size
    if size < SPLIT_BYTES:
        return False
    points = split_points(path, size)
    if points is None:
        return False
    return read_at(path, shown, tally, *points)


def read_at(path: Path, shown: str, tally: Tally, root_end: int, at: int) -> bool:
    """`read_split` at byte `at`, the root's start tag ending at `root_end`."""
    child = _fork(path, shown, root_end, at)
    frames = _Frames(child.fd)
    try:
        first = FileParser(shown, tally)
        with path.open("rb") as fh:
            first.read(_Part(fh, [(0, at)], _CLOSE))
        if first.root_tag != "testsuites" or first.depth != 0:  # pragma: no cover - the
            raise _Redo  # close would have failed: a guard, should libxml2 ever accept it
        for steps in frames:  # those sent meanwhile at once, then each as it comes
            replay(first, steps)
        first.finish()
    except Exception:  # an error in either half is the one-core reading's to word
        tally.__init__()  # type: ignore[misc]  # fresh again
        return False
    finally:
        _end(child, frames)
    return True


def _fresh(tally: Tally) -> bool:
    return not (tally.outcomes or tally.elements or tally.warnings or tally.unnamed)
