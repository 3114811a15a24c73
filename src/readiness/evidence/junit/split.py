"""One big JUnit file read on two cores: the first half here, the second in a forked process.

lxml calls the parser target's Python methods for every element, so one core reads a
100,000-case file no faster than about 0.3 s, whatever the target does. A file whose root is
`<testsuites>` holding many `<testsuite>`s (Surefire, Gradle, a merged CI report) splits
where a suite starts near its middle (`split_points`):

- this process reads the bytes before that point, then a `</testsuites>` of its own, with
  the `FileParser` as always;
- a forked process reads the file's head up to the end of the root's start tag, then the
  bytes from that point on, with a `Recorder`: the same target, which keeps what each suite,
  batch of cases and case with results would have done to the tally as a list of steps (a
  batch of plain passes as its merge keys and times only, in arrays);
- this process then takes those steps in order (`FileParser.replay`), as it would have taken
  them reading the second half itself, and finishes the file.

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
import sys
from array import array
from collections.abc import Sequence
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
    """(where the root's start tag ends, where a suite near the middle starts), or None."""
    with path.open("rb") as fh:
        head = fh.read(_HEAD)
        root = _ROOT.match(head)
        if root is None:
            return None
        middle = max(size // 2, root.end())
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
    steps in order instead (`steps`)."""

    def __init__(self, shown: str) -> None:
        super().__init__(shown, Tally())
        self.steps: list[tuple[Any, ...]] = []

    def _add_plain(self, keys: Sequence[int], seconds: Sequence[float], total: float) -> None:
        self.steps.append(("plain", array("q", keys), array("d", seconds)))

    def _cases(self, batch: list[dict[str, str]]) -> None:
        self.steps.append(("cases", [dict(case) for case in batch]))

    def _case_with_results(self, case: dict[str, str], children: list[Child]) -> None:
        kept = [Child(c.tag, dict(c.attrs), c.text, c.size) for c in children]
        self.steps.append(("case", dict(case), kept))

    def _start_suite(self, attrs: dict[str, str], depth: int) -> None:
        self._flush()
        super()._start_suite(dict(attrs), depth)  # the open suites, for `end`
        self.steps.append(("suite", dict(attrs), depth))

    def _end_suite(self, depth: int) -> None:
        self._flush()
        self.suites.pop()
        self.steps.append(("end", depth))


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
    """The forked process reading the second half; it writes its steps (pickled) or
    "failed" to a pipe, and leaves with os._exit."""
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the forked process (its coverage is not written)
        os.close(rfd)
        try:
            recorder = Recorder(shown)
            with path.open("rb") as fh:
                recorder.read(_Part(fh, [(0, root_end), (at, None)], b""))
            payload = pickle.dumps(recorder.steps, protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException:
            payload = b""
        try:
            with os.fdopen(wfd, "wb") as out:
                out.write(payload)
        finally:
            os._exit(0)
    os.close(wfd)
    return _Child(pid, rfd)


def _collect(child: _Child) -> list[tuple[Any, ...]]:
    fd, child.fd = child.fd, -1
    with os.fdopen(fd, "rb") as got:
        payload = got.read()
    os.waitpid(child.pid, 0)
    child.pid = 0
    if not payload:
        raise _Redo
    steps: list[tuple[Any, ...]] = pickle.loads(payload)  # noqa: S301 - our own child's
    return steps


def _end(child: _Child) -> None:
    """Stop and reap the forked process if it is still there (an error or an interrupt)."""
    if child.fd >= 0:
        os.close(child.fd)
    if child.pid:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child.pid, 9)
        os.waitpid(child.pid, 0)


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
    try:
        first = FileParser(shown, tally)
        with path.open("rb") as fh:
            first.read(_Part(fh, [(0, at)], _CLOSE))
        if first.root_tag != "testsuites" or first.depth != 0:  # pragma: no cover - the
            raise _Redo  # close would have failed: a guard, should libxml2 ever accept it
        replay(first, _collect(child))
        first.finish()
    except Exception:  # an error in either half is the one-core reading's to word
        tally.__init__()  # type: ignore[misc]  # fresh again
        return False
    finally:
        _end(child)
    return True


def _fresh(tally: Tally) -> bool:
    return not (tally.outcomes or tally.elements or tally.warnings or tally.unnamed)
