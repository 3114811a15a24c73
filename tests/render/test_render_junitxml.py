"""The gate's own JUnit XML: one case per criterion, readable by our own JUnit adapter."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET
from pathlib import Path

import junitparser

from readiness.evidence.junit import JUnitAdapter, JUnitParams
from readiness.evidence.records import TestRun
from readiness.render import junitxml
from readiness.report import Report
from render_samples import sample_report


def _read_back(tmp_path: Path, text: str) -> TestRun:
    path = tmp_path / "readiness-junit.xml"
    path.write_text(text, encoding="utf-8")
    return JUnitAdapter().read([path], {path: path.name}, JUnitParams())


def test_our_adapter_reads_it_back_to_the_same_numbers(tmp_path: Path) -> None:
    """Recounted by readiness's own streaming JUnit adapter: one case per criterion plus the
    verdict; FAIL -> failure, ERROR/MISSING -> error, N/A and shadow -> skipped."""
    report = sample_report(tmp_path, remove=("build/sast.sarif",))
    results = report.verdict.results
    statuses = [r.status for r in results if r.mode != "shadow"]
    run = _read_back(tmp_path, junitxml.render(report))
    assert run.tests == len(results) + 1
    assert run.failed == statuses.count("FAIL") + 1
    assert run.errors == statuses.count("ERROR") + statuses.count("MISSING")
    shadow = sum(r.mode == "shadow" for r in results)
    assert run.skipped == statuses.count("N/A") + shadow
    assert run.warnings == ()  # the declared counts match the cases
    ids = {c.id for c in run.problems}
    assert {"tests::tests.no-errors", "security::security.no-critical"} <= ids
    assert "readiness.verdict::verdict" in ids


def test_suites_cases_and_results_have_the_agreed_names(tmp_path: Path) -> None:
    """Suite per gate (classname = gate id, name = criterion key), the verdict suite first,
    WARN and WAIVED passing with an explanation and properties."""
    xml = junitparser.JUnitXml.fromstring(junitxml.render(sample_report(tmp_path)).encode())
    suites = {s.name: s for s in xml}
    assert list(suites) == ["readiness.verdict", "tests", "performance", "security"]
    cases = {c.name: c for c in suites["tests"]}
    assert all(c.classname == "tests" for c in cases.values())
    assert isinstance(cases["tests.no-errors"].result[0], junitparser.Failure)
    assert cases["tests.no-errors"].result[0].message == (
        "tests.no-errors: FAIL: observed 1, threshold == 0"
    )
    warn = cases["tests.pass-rate"]
    assert warn.is_passed
    assert "the warn band holds, the pass threshold does not" in warn.system_out
    assert isinstance(cases["tests.duration"].result[0], junitparser.Skipped)
    assert "shadow criterion" in cases["tests.duration"].result[0].message
    assert cases["tests.launch-only"].result[0].message == "no threshold at stage internal testing"
    waived = next(c for c in suites["security"] if c.name == "security.no-high")
    assert waived.is_passed
    assert "waiver applied: A. Chen (security) until 2026-12-20" in waived.system_out
    root = ET.fromstring(junitxml.render(sample_report(tmp_path / "again")))
    props = {
        p.get("name"): p.get("value")
        for p in root.iterfind(".//testcase[@name='security.no-high']/properties/property")
    }
    assert props["status"] == "WAIVED"
    assert props["waiver.expires"] == "2026-12-20"
    assert (props["evidence:build/sast.sarif"] or "").startswith("sha256:")


def test_output_is_deterministic_with_only_the_reports_time(tmp_path: Path) -> None:
    """Same report, same bytes; the only timestamp is the report's generated_at."""
    report = sample_report(tmp_path)
    text = junitxml.render(report)
    assert text == junitxml.render(report)
    root = ET.fromstring(text)
    assert {s.get("timestamp") for s in root.iter("testsuite")} == {"2025-12-06T05:46:40Z"}
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert text.endswith("</testsuites>\n")


def test_characters_xml_cannot_hold_are_replaced(tmp_path: Path) -> None:
    """A control character or lone surrogate in a message cannot make the file unparsable: it
    is written as a visible escape, as in every report; what XML never holds becomes U+FFFD."""
    assert junitxml.clean("a\x07b\ud800c\U0001f600\n\ufffe") == (
        "a\\x07b\\ud800c\U0001f600\n\ufffd"
    )
    report = sample_report(tmp_path)
    hostile = dataclasses.replace(report.verdict.results[1], message="bell\x07 and \x1b[31m")
    gates = [
        dataclasses.replace(g, results=(g.results[0], hostile, *g.results[2:]))
        if g.id == "tests"
        else g
        for g in report.verdict.gates
    ]
    verdict = dataclasses.replace(report.verdict, gates=gates)
    text = junitxml.render(Report(**{**vars(report), "verdict": verdict}))
    run = _read_back(tmp_path, text)
    assert run.failed == 2
    assert "bell\\x07 and \\x1b[31m" in text
