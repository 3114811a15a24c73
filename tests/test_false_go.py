"""Green for the wrong reason: each case here gave GO or CONDITIONAL GO (or a traceback) before
its fix. Evaluated in-process on real project trees written into tmp_path."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from helpers import Project, junit_xml, make_standard
from readiness.criteria import parse, parse_stage_thresholds
from readiness.errors import DefinitionError
from readiness.pipeline import load, report_for
from readiness.reasons import Reason
from readiness.verdict import Verdict

TODAY = "1795000000"  # 2026-11-18


@pytest.fixture(autouse=True)
def _clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", TODAY)


def _project(tmp_path: Path) -> Project:
    return make_standard(Project(tmp_path))


def _verdict(p: Project, stage: str | None = None) -> tuple[Verdict, list[Reason]]:
    report = report_for(
        p.root / "definitions/demo.yaml",
        root=None,
        stage=stage,  # type: ignore[arg-type]
        evidence_dir=None,
    )
    return report.verdict.verdict, report.verdict.blockers


WAIVER = """
waivers:
  - criterion: tests.no-errors
    reason: known flaky infrastructure
    approver: {name: A. Chen, role: qa}
    expires: 2026-12-31
"""


def test_a_waiver_never_hides_missing_evidence(tmp_path: Path) -> None:
    """A valid waiver on a criterion whose evidence file is absent is NO-GO, not CONDITIONAL GO."""
    p = _project(tmp_path)
    defn = p.root / "definitions/demo.yaml"
    defn.write_text(defn.read_text() + WAIVER)
    verdict, blockers = _verdict(p)
    assert verdict is Verdict.NO_GO
    assert any("tests.no-errors: MISSING" in str(b) for b in blockers)


def test_a_waiver_never_hides_stale_or_unreadable_evidence(tmp_path: Path) -> None:
    """A waiver covers a measured failure only: stale or malformed evidence still blocks."""
    p = _project(tmp_path)
    xml = p.write("build/junit/r.xml", junit_xml(passed=5, errors=1))
    os.utime(xml, (1_700_000_000, 1_700_000_000))
    check = p.root / "checks/unit-tests.yaml"
    check.write_text(check.read_text() + "max-age: 7d\n")
    defn = p.root / "definitions/demo.yaml"
    defn.write_text(defn.read_text() + WAIVER)
    verdict, blockers = _verdict(p)
    assert verdict is Verdict.NO_GO
    assert any("stale" in str(b) for b in blockers), blockers
    p.write("build/junit/r.xml", "<testsuites><testsuite name='t'>")
    verdict, blockers = _verdict(p)
    assert verdict is Verdict.NO_GO, blockers


def test_a_waiver_still_covers_a_measured_failure(tmp_path: Path) -> None:
    """The rule is narrow: a measured FAIL under a valid waiver is still WAIVED (a condition)."""
    p = _project(tmp_path)
    p.write("build/junit/r.xml", junit_xml(passed=200, errors=1))
    defn = p.root / "definitions/demo.yaml"
    defn.write_text(defn.read_text() + WAIVER)
    verdict, blockers = _verdict(p)
    assert verdict is Verdict.CONDITIONAL_GO, blockers


PERF_GATE = """
schema: 1
id: tests
criteria:
  - id: pass-rate
    metric: unit-tests.duration
    pass: {internal: "<= 150 s", launch: "<= 25 s"}
    warn: {internal: "<= 200 s"}
"""


def test_a_warn_band_does_not_loosen_a_later_stage(tmp_path: Path) -> None:
    """A 110 s run against a 25 s launch target is FAIL at launch, not WARN through the internal
    stage's band; at internal testing the band still applies."""
    p = _project(tmp_path)
    p.write("gates/tests.yaml", PERF_GATE)
    xml = (
        '<testsuites><testsuite name="t"><testcase classname="t" name="a" time="110"/>'
        "</testsuite></testsuites>"
    )
    p.write("build/junit/r.xml", xml)
    verdict, blockers = _verdict(p, "launch")
    assert verdict is Verdict.NO_GO
    assert any("FAIL" in str(b) for b in blockers)
    p.write("build/junit/r.xml", xml.replace('time="110"', 'time="180"'))
    verdict, _ = _verdict(p, "internal")
    assert verdict is Verdict.CONDITIONAL_GO


def test_warn_band_rule() -> None:
    """A warn band applies from the stage it names until the pass threshold next tightens."""
    from readiness.criteria import warn_for_stage

    pass_t = parse_stage_thresholds(
        {"mvp": "<= 50 ms", "internal": "<= 20 ms", "public": "<= 10 ms", "launch": "<= 5 ms"}
    )
    warn_t = parse_stage_thresholds({"public": "<= 15 ms"})
    assert warn_for_stage(pass_t, warn_t, "internal") is None
    assert warn_for_stage(pass_t, warn_t, "public") == parse("<= 15 ms")
    assert warn_for_stage(pass_t, warn_t, "launch") is None
    uniform = parse_stage_thresholds("<= 10 ms")
    assert warn_for_stage(uniform, parse_stage_thresholds("<= 12 ms"), "launch") == parse(
        "<= 12 ms"
    )
    two = parse_stage_thresholds({"mvp": "<= 50 ms", "public": "<= 10 ms"})
    band = parse_stage_thresholds({"internal": "<= 60 ms"})
    assert warn_for_stage(two, band, "internal") == parse("<= 60 ms")
    assert warn_for_stage(two, band, "public") is None
    assert warn_for_stage(two, None, "public") is None


@pytest.mark.parametrize("expr", [">= -10%", "<= +10%", "<= +2 ms", ">= -5 /s", "<= -0"])
def test_signed_thresholds_are_relative(expr: str) -> None:
    """A signed number is a delta against a baseline, never silently an absolute threshold:
    it cannot hold until made absolute against a baseline value."""
    t = parse(expr)
    assert t.relative
    with pytest.raises(DefinitionError, match="relative"):
        t.holds(50.0, "%" if "%" in expr else ("ms" if "ms" in expr else "/s"))


def test_a_signed_equality_is_refused() -> None:
    """`== +1` has no meaning as a change against a baseline."""
    with pytest.raises(DefinitionError, match="relative"):
        parse("== +1")


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("max-age", ".nan", "finite"),
        ("max-age", ".inf", "finite"),
        ("max-age", "-.inf", "finite"),
        ("max-age", "1" + "0" * 400, "out of range"),
        ("max-age", "1.0e+400", "finite"),
    ],
)
def test_every_number_in_a_definition_file_is_finite(
    tmp_path: Path, key: str, value: str, expected: str
) -> None:
    """`max-age: .nan` no longer turns staleness off: it is a located definition error."""
    p = _project(tmp_path)
    check = p.root / "checks/unit-tests.yaml"
    check.write_text(check.read_text() + f"{key}: {value}\n")
    with pytest.raises(DefinitionError) as exc:
        load(p.root / "definitions/demo.yaml")
    text = str(exc.value)
    assert "checks/unit-tests.yaml:5" in text
    assert expected in text


def test_non_finite_numbers_in_adapter_options_are_refused(tmp_path: Path) -> None:
    """Adapter options are numbers in a definition file too."""
    p = _project(tmp_path)
    check = p.root / "checks/unit-tests.yaml"
    check.write_text(check.read_text() + "options: {min-tests: .nan}\n")
    with pytest.raises(DefinitionError, match=r"checks/unit-tests.yaml:5 options.min-tests"):
        load(p.root / "definitions/demo.yaml")


def test_an_impossible_date_is_a_located_definition_error(tmp_path: Path) -> None:
    """`expires: 2026-02-30` is a definition error naming file and line, not a ValueError."""
    p = _project(tmp_path)
    defn = p.root / "definitions/demo.yaml"
    defn.write_text(defn.read_text() + WAIVER.replace("2026-12-31", "2026-02-30"))
    with pytest.raises(DefinitionError) as exc:
        load(defn)
    assert "definitions/demo.yaml:12" in str(exc.value)
    assert "2026-02-30" in str(exc.value)


def test_all_definition_problems_at_once(tmp_path: Path) -> None:
    """A gate with a bad unit and a waiver naming an unknown criterion are reported together."""
    p = _project(tmp_path)
    gate = p.root / "gates/tests.yaml"
    gate.write_text(gate.read_text().replace('"== 0"', '"== 0 pct"'))
    defn = p.root / "definitions/demo.yaml"
    defn.write_text(defn.read_text() + WAIVER.replace("tests.no-errors", "tests.nope"))
    check = p.root / "checks/unit-tests.yaml"
    check.write_text(check.read_text() + "options: {min-testz: 3}\n")
    with pytest.raises(DefinitionError) as exc:
        load(defn)
    problems = exc.value.problems
    assert any("gates/tests.yaml" in x and "pct" in x for x in problems), problems
    assert any("tests.nope" in x for x in problems), problems
    assert any("min-testz" in x for x in problems), problems


@pytest.mark.parametrize(("pass_", "warn"), [('"<= 10 s"', '">= 1 s"'), ('"== 0"', '"<= 1"')])
def test_a_warn_band_on_the_other_side_is_a_definition_error(
    tmp_path: Path, pass_: str, warn: str
) -> None:
    """A warn band that does not widen its pass threshold (other side, or pass `==`) is refused."""
    p = _project(tmp_path)
    p.write(
        "gates/tests.yaml",
        f"""
        schema: 1
        id: tests
        criteria:
          - id: d
            metric: unit-tests.duration
            pass: {pass_}
            warn: {warn}
        """,
    )
    with pytest.raises(DefinitionError, match=r"gates/tests.yaml:7 criteria\[d\].warn"):
        load(p.root / "definitions/demo.yaml")
