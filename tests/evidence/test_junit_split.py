"""A big JUnit file read on two cores (`junit.split`) gives exactly what one core gives: the
same record, warnings in the same order, the same error; and where the split cannot be
proved (a comment, CDATA or processing instruction at the point, a nested suite, an
unusual prolog), or either half fails, it is read on one core."""

from __future__ import annotations

import random
import time
from pathlib import Path
from typing import Any

import pytest

from readiness.errors import EvidenceError
from readiness.evidence import base
from readiness.evidence.junit import split
from readiness.evidence.junit.adapter import JUnitAdapter
from readiness.evidence.junit.parser import FileParser
from readiness.evidence.junit.tally import Tally
from readiness.evidence.records import TestRun


@pytest.fixture(autouse=True)
def small_files_split(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files of a few KiB split here as a big one does."""
    monkeypatch.setattr(split, "SPLIT_BYTES", 1)


def _case(rng: random.Random, suite: int, i: int) -> str:
    """One case of many kinds: plain passes (most), results, statuses, flaky reruns, bad
    times, no name, and names shared across suites (merged across the two halves)."""
    shared = rng.random() < 0.15
    name = f"t{i % 7}" if shared else f"s{suite}_t{i}"
    cls = "shared.Cls" if shared else f"pkg.Suite{suite}"
    time = rng.choice(['time="0.01"', 'time="0"', "", 'time="1,234.5"', 'time="soon"'])
    roll = rng.random()
    if roll < 0.55:
        return f'<testcase classname="{cls}" name="{name}" {time}/>'
    if roll < 0.62:
        body = '<failure message="assert 1 == 2">Traceback\n  boom</failure>'
    elif roll < 0.67:
        body = "<error>no message, text only</error>"
    elif roll < 0.74:
        body = '<skipped message="later"/>'
    elif roll < 0.78:
        body = '<flakyFailure message="once"/>'
    elif roll < 0.82:
        body = "<system-out>log line\nanother</system-out>"
    elif roll < 0.86:
        return f'<testcase classname="{cls}" name="{name}" status="notrun" {time}/>'
    elif roll < 0.89:
        return f'<testcase classname="{cls}" {time}/>'  # no name: never merged
    elif roll < 0.895:  # two make the file's case time infinite: one at a time, warned
        return f'<testcase classname="{cls}" name="{name}" time="1e308"/>'
    else:
        body = "<skipped/>"
    return f'<testcase classname="{cls}" name="{name}" {time}>{body}</testcase>'


def _suite(rng: random.Random, suite: int) -> str:
    cases = [_case(rng, suite, i) for i in range(rng.randint(0, 30))]
    declared = rng.choice(["", f' tests="{len(cases)}"', ' tests="2" skipped="3"', ' errors="9"'])
    time = rng.choice(["", ' time="12.5"', ' time="x"'])
    return f'<testsuite name="s{suite}"{declared}{time}>\n' + "\n".join(cases) + "\n</testsuite>"


def _document(seed: int) -> str:
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    suites = [_suite(rng, s) for s in range(rng.randint(2, 12))]
    root = rng.choice(["", ' tests="40" failures="3"', ' time="99.5"', ' name="all"'])
    prolog = rng.choice(['<?xml version="1.0" encoding="UTF-8"?>\n', "", "\ufeff"])
    return f"{prolog}<testsuites{root}>\n" + "\n".join(suites) + "\n</testsuites>\n"


def _read(path: Path, spare: bool) -> TestRun | str:
    """The record of one file on two cores (spare) or one; an error's text."""
    base.spare_cores(spare)
    try:
        return JUnitAdapter().read([path], {path: path.name}, JUnitAdapter.defaults)
    except EvidenceError as exc:
        return f"error: {exc}"
    finally:
        base.spare_cores(True)


@pytest.mark.parametrize("frame", [1, 3, split.FRAME_STEPS])
def test_two_cores_read_what_one_core_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, frame: int
) -> None:
    """40 generated files give the same record (or error) on two cores as on one; most are
    really read in two halves, and among them are merges across the halves, warnings and
    demotions. The second half's steps come a frame at a time: one step each, three, or as
    many as a big file's."""
    monkeypatch.setattr(split, "FRAME_STEPS", frame)
    split_read = warned = merged = 0
    for seed in range(40):
        path = tmp_path / f"r{seed}.xml"
        path.write_text(_document(seed), encoding="utf-8")
        got = _read(path, spare=True)
        assert got == _read(path, spare=False), seed
        assert isinstance(got, TestRun)
        split_read += split.read_split(path, path.name, Tally())
        warned += bool(got.warnings)
        merged += got.duplicates_merged > 0
    assert split_read >= 32
    assert warned >= 20 and merged >= 20


def _big(tmp_path: Path, middle: str) -> Path:
    """Two suites of 200 cases around `middle`, the text at the file's middle."""
    first = "".join(f'<testcase classname="a" name="a{i}" time="0.1"/>\n' for i in range(200))
    second = "".join(f'<testcase classname="b" name="b{i}" time="0.1"/>\n' for i in range(200))
    text = (
        '<?xml version="1.0"?>\n<testsuites>\n<testsuite name="a">\n'
        + first
        + "</testsuite>\n"
        + middle
        + '<testsuite name="b">\n'
        + second
        + "</testsuite>\n</testsuites>\n"
    )
    path = tmp_path / "big.xml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "middle",
    [
        '<!-- <testsuite name="fake"> -->\n',
        '<![CDATA[ <testsuite name="fake"> ]]>\n',
        '<?pi <testsuite name="fake"> ?>\n',
        '<testsuite name="outer">\n<testsuite name="fake"/>\n</testsuite>\n',
    ],
    ids=["comment", "cdata", "pi", "nested"],
)
def test_a_suite_start_that_is_no_child_of_the_root_is_not_split_at(
    tmp_path: Path, middle: str
) -> None:
    """A `<testsuite` in a comment, CDATA or a processing instruction, or a suite inside
    another: `</testsuites>` read there does not close the root (unterminated, or a
    mismatched tag), so the file is not split there; at the next suite it is, and it reads
    as one core reads it."""
    path = _big(tmp_path, middle)
    data = path.read_bytes()
    points = split.split_points(path, len(data))
    assert points is not None
    fake = data.index(b'<testsuite name="fake"')
    assert not split.read_at(path, path.name, Tally(), points[0], fake)
    assert split.read_at(path, path.name, Tally(), points[0], data.index(b'<testsuite name="b"'))
    assert _read(path, spare=True) == _read(path, spare=False)


@pytest.mark.parametrize(
    "prolog",
    [
        '<?xml version="1.0"?>\n<!-- a comment first -->\n<testsuites>',
        '<?xml version="1.0"?>\n<?pi x?>\n<testsuites>',
        '<?xml version="1.0"?>\n<ns:testsuites xmlns:ns="urn:x">',
        '<?xml version="1.0"?>\n<testsuite>',
    ],
)
def test_only_a_plain_prolog_and_root_are_split(tmp_path: Path, prolog: str) -> None:
    path = tmp_path / "p.xml"
    path.write_text(prolog + "<testsuite/>" * 3 + "\n")
    assert split.split_points(path, path.stat().st_size) is None


@pytest.mark.parametrize("frame", [1, split.FRAME_STEPS])
@pytest.mark.parametrize(
    "broken",
    [
        '<testcase name="x" time="1"><failure></testcase>',  # mismatched tag in the 2nd half
        "<testcase name='y'/>\n</testsuite></testsuites><extra/>",
        '<testcase name="z" bad attr="1"/>',
    ],
)
def test_an_error_in_the_second_half_is_the_one_core_reading_s(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, broken: str, frame: int
) -> None:
    """Malformed XML after the split point: the same located error as on one core, also
    when the steps before it were sent (and taken) one at a time."""
    monkeypatch.setattr(split, "FRAME_STEPS", frame)
    path = _big(tmp_path, "")
    text = path.read_text()
    at = text.rindex("</testsuite>")
    path.write_text(text[:at] + broken + text[at:])
    got = _read(path, spare=True)
    assert isinstance(got, str) and got.startswith("error: ")
    assert got == _read(path, spare=False)
    assert not split.read_split(path, path.name, Tally())


def test_times_that_overflow_only_with_the_first_half_are_read_on_one_core(
    tmp_path: Path,
) -> None:
    """Each half's times add up to a finite sum, both together to infinity: one core takes
    those cases one at a time (with a warning); the split gives way to it."""
    huge = '<testcase classname="c" name="h{}" time="1.5e308"/>\n'
    text = (
        "<testsuites>\n<testsuite>\n"
        + huge.format(1)
        + "</testsuite>\n<testsuite>\n"
        + huge.format(2)
        + "</testsuite>\n</testsuites>\n"
    )
    path = tmp_path / "huge.xml"
    path.write_text(text)
    assert split.split_points(path, path.stat().st_size) is not None
    assert not split.read_split(path, path.name, Tally())
    assert _read(path, spare=True) == _read(path, spare=False)


def test_a_forked_reader_that_fails_leaves_the_file_to_one_core(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The forked process returns nothing (it failed): the file is read on one core, the
    tally given back fresh."""
    path = tmp_path / "r.xml"
    path.write_text(_document(3), encoding="utf-8")

    def failing_steps(self: split.Recorder) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(split.Recorder, "read", failing_steps)
    tally = Tally()
    assert not split.read_split(path, path.name, tally)
    assert tally == Tally()
    assert _read(path, spare=True) == _read(path, spare=False)


def test_a_forked_reader_that_stops_after_some_steps_leaves_the_file_to_one_core(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The forked process sends three frames of a step each, then fails (its pipe ends
    without the None that ends the steps): what was taken is undone, and the file is read on
    one core."""
    path = tmp_path / "r.xml"
    path.write_text(_document(3), encoding="utf-8")
    monkeypatch.setattr(split, "FRAME_STEPS", 1)
    step = split.Recorder._step
    sent: list[tuple[object, ...]] = []

    def failing_later(self: split.Recorder, one: tuple[object, ...]) -> None:
        if len(sent) == 3:  # pragma: no cover - the forked process
            raise RuntimeError("boom")
        sent.append(one)
        step(self, one)

    monkeypatch.setattr(split.Recorder, "_step", failing_later)
    taken: list[int] = []
    replay = split.replay

    def counted(parser: FileParser, steps: list[tuple[object, ...]]) -> None:
        taken.append(len(steps))
        replay(parser, steps)

    monkeypatch.setattr(split, "replay", counted)
    tally = Tally()
    assert not split.read_split(path, path.name, tally)
    assert taken == [1, 1, 1]  # taken, then undone
    assert tally == Tally()
    assert _read(path, spare=True) == _read(path, spare=False)


def test_frames_are_taken_only_whole() -> None:
    """The pipe's bytes arrive cut anywhere: only whole frames are taken, the rest waits."""
    payloads = [b"abc", b"", b"x" * 70_000]
    data = b"".join(split._LENGTH.pack(len(p)) + p for p in payloads)
    ends = [11, 19, len(data)]
    for cut in (0, 1, 8, 10, 11, 19, len(data) - 1, len(data)):
        got, used = split._complete(bytearray(data[:cut]))
        whole = sum(end <= cut for end in ends)
        assert got == payloads[:whole]
        assert used == (ends[whole - 1] if whole else 0)


def test_only_a_fresh_tally_is_split_into(tmp_path: Path) -> None:
    """The second file of a check is read on one core (a fallback could not start it over)."""
    path = tmp_path / "r.xml"
    path.write_text(_document(5), encoding="utf-8")
    tally = Tally()
    assert split.read_split(path, path.name, tally)
    assert not split.read_split(path, path.name, tally)


def test_the_parallel_gather_forks_no_reader_of_its_own() -> None:
    """`spare_cores(False)`, as the parallel gather sets it: no file is split."""
    base.spare_cores(False)
    try:
        assert not split.read_split(Path("/nonexistent"), "x", Tally())
    finally:
        base.spare_cores(True)


def test_inspect_forks_its_reader_beside_no_thread_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`inspect` of a big file: its digests come from a forked process, and no thread of
    readiness's waits for them while the reader forks (forking beside a thread is not safe,
    and Python 3.12 warns of it); the gather's hashing thread used to."""
    import threading

    from readiness import cli_inspect
    from readiness.evidence import digest

    monkeypatch.setattr(digest, "_alone", lambda: True)  # a test runner's threads aside
    hash_and_exit = digest._hash_and_exit

    def slow(*args: Any) -> None:  # pragma: no cover - the forked process
        time.sleep(0.5)  # still hashing when the reader forks, as for a big file
        hash_and_exit(*args)

    monkeypatch.setattr(digest, "_hash_and_exit", slow)
    suite = "".join(f'<testcase classname="c" name="t{i}" time="0.1"/>\n' for i in range(12_000))
    path = tmp_path / "big.xml"
    path.write_text(
        "<testsuites>\n"
        + "".join(f'<testsuite name="s{s}">\n{suite}</testsuite>\n' for s in range(2))
        + "</testsuites>\n"
    )
    assert path.stat().st_size > digest.OVERLAP_BYTES
    beside: list[list[str]] = []
    fork = split._fork

    def spy(*args: object) -> split._Child:
        beside.append([t.name for t in threading.enumerate() if t.name.startswith("readiness")])
        return fork(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(split, "_fork", spy)
    with pytest.raises(SystemExit) as leaving:
        cli_inspect.run(["inspect", "--kind", "junit", str(path)])
    assert leaving.value.code == 0
    assert beside == [[]]
