"""The JUnit reader's batch of plain passes, tallied at C speed, is only a shortcut: on any
document, fed in chunks of any size, it reads exactly what the case-at-a-time path reads; and
the memory a file takes does not grow with its cases beyond their merge keys."""

from __future__ import annotations

import random
import tracemalloc
from pathlib import Path

import pytest

from readiness.errors import EvidenceError
from readiness.evidence.junit import JUnitAdapter, JUnitParams
from readiness.evidence.junit import parser as junit_parser
from readiness.evidence.junit import stream as junit_stream
from readiness.evidence.records import TestRun


def read(*paths: Path) -> TestRun:
    files = list(paths)
    return JUnitAdapter().read(files, {p: p.name for p in files}, JUnitParams())


def outcome(*paths: Path) -> tuple[str, str]:
    """What a read gives: the record, or the error's message (errors are results too)."""
    try:
        return "ok", repr(read(*paths))
    except EvidenceError as exc:
        return "error", str(exc)


# --- random documents with everything the reader treats specially ---------------------------

NAMES = ["a", "b", "c", "test_x", "", None]
TIMES = ["0.001", "0", "", "1,5", "1,234.5", "abc", "-1", "nan", "inf", " 2 ", "0.0", "3", None]
PLAIN_TIMES = ["0.001", "0", "0.0", "3", "2.5", None]
COUNTS = ["0", "1", "2", "3", "x", "1.0", "-1", "1.5", None, None, None, None]
STATUS = [None] * 8 + ["run", "disabled", "fail", "error", "weird", "notrun", "skipped"]
RESULTS = ["failure", "error", "skipped", "rerunFailure", "rerunError", "flakyFailure"]
TEXTS = ["boom", "failed on teardown with x", "[XPASS(strict)] y", "  \n  line1\nline2", "a&b"]


def attr(key: str, value: str | None) -> str:
    if value is None:
        return ""
    value = value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return f' {key}="{value}"'


class Doc:
    """A random JUnit document: suites in suites, cases in cases, namespaces, statuses,
    duplicate names, results with text or messages, and times valid, zero, absent or not (in
    a wild one; a tame one has plain times and few statuses: its batches take the shortcut)."""

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd
        self.prefixed = rnd.random() < 0.15
        wild = rnd.random() < 0.4
        self.times = TIMES if wild else PLAIN_TIMES
        self.status = STATUS if wild else [*STATUS[:7] * 3, "run"]

    def tag(self, name: str) -> str:
        return f"p:{name}" if self.prefixed and self.rnd.random() < 0.5 else name

    def text(self) -> str:
        rnd = self.rnd
        raw = rnd.choice(TEXTS)
        if rnd.random() < 0.2:
            return f"<![CDATA[{raw}]]>"
        escaped = raw.replace("&", "&amp;")
        return escaped[:1] + "<!--c-->" + escaped[1:] if rnd.random() < 0.2 else escaped

    def result(self) -> str:
        rnd = self.rnd
        tag = self.tag(rnd.choice(RESULTS))
        attrs = attr("message", rnd.choice(TEXTS)) if rnd.random() < 0.4 else ""
        attrs += attr("type", "pytest.xfail") if rnd.random() < 0.1 else ""
        return f"<{tag}{attrs}/>" if rnd.random() < 0.3 else f"<{tag}{attrs}>{self.text()}</{tag}>"

    def case(self, depth: int) -> str:
        rnd = self.rnd
        tag = self.tag("testcase")
        attrs = attr("classname", rnd.choice(["C", "D", "", None]))
        attrs += attr("name", rnd.choice(NAMES))
        attrs += attr("file", rnd.choice([None, None, "f.py"]))
        attrs += attr("time", rnd.choice(self.times)) + attr("status", rnd.choice(self.status))
        if rnd.random() < 0.05:
            attrs = ""  # no attribute at all
        body = []
        for _ in range(rnd.choice([0, 0, 0, 0, 1, 1, 2])):
            pick = rnd.random()
            if pick < 0.6:
                body.append(self.result())
            elif pick < 0.75:
                body.append(f"<system-out>{self.text()}</system-out>")
            elif pick < 0.85:
                body.append(f"<wrap>{self.result()}</wrap>")
            elif depth < 6:
                body.append(self.case(depth + 1) if pick < 0.93 else self.suite(depth + 1))
        if not body and rnd.random() < 0.5:
            return f"<{tag}{attrs}/>"
        return f"<{tag}{attrs}>\n  {''.join(body)}\n</{tag}>"

    def counts(self) -> str:
        keys = ("tests", "failures", "errors", "skipped", "disabled")
        return "".join(attr(k, self.rnd.choice(COUNTS)) for k in keys) + attr(
            "time", self.rnd.choice(self.times)
        )

    def suite(self, depth: int) -> str:
        rnd = self.rnd
        tag = self.tag("testsuite")
        body = []
        for _ in range(rnd.randint(0, 8)):
            pick = rnd.random()
            if pick < 0.75 or depth >= 5:
                body.append(self.case(depth + 1))
            elif pick < 0.85:
                body.append(self.suite(depth + 1))
            elif pick < 0.92:
                body.append(f"<wrap>{self.suite(depth + 2)}</wrap>")
            else:
                body.append(f"<wrap>{self.case(depth + 2)}</wrap>")
        return f"<{tag}{self.counts()}>\n{''.join(body)}\n</{tag}>"

    def text_of(self) -> str:
        ns = ' xmlns:p="urn:p"' if self.prefixed else ""
        if self.rnd.random() < 0.5:
            root = self.tag("testsuites")
            body = "".join(
                self.suite(1) if self.rnd.random() < 0.8 else self.case(1)
                for _ in range(self.rnd.randint(0, 4))
            )
            return f"<{root}{ns}{self.counts()}>{body}</{root}>"
        suite = self.suite(0)
        at = suite.index(" ")
        return suite[:at] + ns + suite[at:]


@pytest.mark.parametrize("seed", range(12))
def test_batched_reading_equals_one_case_at_a_time(
    seed: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Random documents (one to three files each) read the same three ways: as shipped, in
    61-byte chunks (a batch tallied after each), and one case at a time (the shortcut off, a
    byte per chunk: each case tallied where it ends)."""
    rnd = random.Random(seed)  # noqa: S311 - reproducible documents, not secrets
    for doc in range(25):
        files = []
        for i in range(rnd.choice([1, 1, 2, 3])):
            path = tmp_path / f"d{doc}-{i}.xml"
            path.write_text(Doc(rnd).text_of(), encoding="utf-8")
            files.append(path)
        shipped = outcome(*files)
        with monkeypatch.context() as m:
            m.setattr(junit_stream, "CHUNK", 61)
            assert outcome(*files) == shipped
        with monkeypatch.context() as m:
            m.setattr(junit_stream, "CHUNK", 1)
            m.setattr(junit_parser.FileParser, "_plain_passes", lambda _self, _batch: False)
            assert outcome(*files) == shipped


def test_which_duplicate_is_new_decides_zero_time_demotion(tmp_path: Path) -> None:
    """jest-junit's test.todo rule counts first-seen zero-time passes: a duplicate's zero time
    counts only if it is the first of its name, also when both are in one batch."""
    first_zero = tmp_path / "first-zero.xml"
    first_zero.write_text(
        '<testsuite tests="0"><testcase name="a" time="0"/><testcase name="a" time="0.5"/>'
        '<testcase name="b" time="0"/><testcase name="c"/></testsuite>'
    )
    first_timed = tmp_path / "first-timed.xml"
    first_timed.write_text(
        '<testsuite tests="0"><testcase name="a" time="0.5"/><testcase name="a" time="0"/>'
        '<testcase name="b" time="0"/><testcase name="c"/></testsuite>'
    )
    zero = read(first_zero)
    assert (zero.tests, zero.passed, zero.skipped, zero.duplicates_merged) == (3, 0, 3, 1)
    timed = read(first_timed)
    assert (timed.tests, timed.passed, timed.skipped, timed.duplicates_merged) == (3, 1, 2, 1)


@pytest.mark.parametrize("later", ['name="x"', 'name="x" status="run"'])
def test_a_skip_then_a_pass_is_a_pass_in_either_order(later: str, tmp_path: Path) -> None:
    """Results for one test merge to the worst by rank (skipped < passed < failed < error),
    whatever their order: a plain pass after a skip was left skipped, unlike the same pass
    written with status="run" or read first."""
    skip = tmp_path / "skip.xml"
    skip.write_text('<testsuite><testcase classname="c" name="x"><skipped/></testcase></testsuite>')
    passed = tmp_path / "pass.xml"
    passed.write_text(f'<testsuite><testcase classname="c" {later}/></testsuite>')
    for files in ((skip, passed), (passed, skip)):
        run = read(*files)
        assert (run.tests, run.passed, run.skipped, run.duplicates_merged) == (1, 1, 0, 1)
    both = tmp_path / "both.xml"
    both.write_text(
        '<testsuite><testcase classname="c" name="x"><skipped/></testcase>'
        f'<testcase classname="c" {later}/><testcase classname="c" name="y"/></testsuite>'
    )
    run = read(both)
    assert (run.tests, run.passed, run.skipped) == (2, 2, 0)


def test_invalid_times_in_a_batch_warn_in_document_order(tmp_path: Path) -> None:
    """A batch with a bad time is read one case at a time: every warning, in order."""
    f = tmp_path / "times.xml"
    f.write_text(
        '<testsuite><testcase name="a" time="1"/><testcase name="b" time="soon"/>'
        '<testcase name="c" time="-2"/><testcase name="d" time="2"/></testsuite>'
    )
    run = read(f)
    assert (run.tests, run.passed, run.duration_s) == (4, 4, 3.0)
    assert run.warnings == (
        "times.xml: invalid time 'soon' on 'b'",
        "times.xml: invalid time '-2' on 'c'",
    )


def test_case_times_add_up_in_document_order(tmp_path: Path) -> None:
    """The duration is the same float sum as one case at a time: 1e16 + 1 + 1 stays 1e16 in
    that order, where adding the ones first would give 1e16 + 2."""
    f = tmp_path / "order.xml"
    f.write_text(
        '<testsuite><testcase name="a" time="10000000000000000"/><testcase name="b" time="1"/>'
        '<testcase name="c" time="1"/></testsuite>'
    )
    assert read(f).duration_s == 1e16


def _cases_file(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        fh.write(f'<testsuites><testsuite name="s" tests="{n}">\n')
        for i in range(n):
            fh.write(
                f'<testcase classname="pkg.mod.TestClass{i % 7}" name="test_it_{i}[p-{i}]" '
                f'file="tests/test_mod.py" line="{i}" time="0.{i % 999 + 1:03d}">'
                "<system-out>one line of log</system-out></testcase>\n"
            )
        fh.write("</testsuite></testsuites>\n")
    return path


def _peak_bytes(path: Path) -> int:
    tracemalloc.start()
    try:
        assert read(path).tests > 0
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_does_not_grow_with_the_cases(tmp_path: Path) -> None:
    """Twice the cases take no more than their merge keys more (a few dozen bytes each); a
    reader that kept each case's attributes would take about a kilobyte more per case."""
    small = _peak_bytes(_cases_file(tmp_path / "small.xml", 8000))
    large = _peak_bytes(_cases_file(tmp_path / "large.xml", 16000))
    assert (large - small) / 8000 < 250


def test_doctype_after_a_long_prolog_still_names_its_line(tmp_path: Path) -> None:
    """The DOCTYPE's line is found in the first mebibyte, more than one chunk fed to libxml2."""
    f = tmp_path / "late.xml"
    f.write_text(
        '<?xml version="1.0"?>\n<!-- ' + "x" * 600_000 + ' -->\n<!DOCTYPE x [<!ENTITY a "b">]>\n'
        "<testsuite/>\n"
    )
    with pytest.raises(EvidenceError, match="DOCTYPE") as info:
        read(f)
    assert info.value.line == 3


def test_an_empty_and_an_absent_file_or_classname_are_the_same_test(tmp_path: Path) -> None:
    """The merge key reads an absent file or classname as empty, whether a batch has every
    attribute (taken at once) or not: four results of one test, merged."""
    f = tmp_path / "same.xml"
    f.write_text(
        '<testsuite><testcase file="" classname="" name="a" time="1"/>'
        '<testcase name="a" time="1"/><testcase name="b" time="1"/>'
        '<testcase classname="" name="a"/><testcase file="" name="a" time="2"/></testsuite>'
    )
    run = read(f)
    assert (run.tests, run.passed, run.duplicates_merged, run.duration_s) == (2, 2, 3, 5.0)
